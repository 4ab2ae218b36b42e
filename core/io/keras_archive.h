#pragma once
// Keras 3's native model file (keras-formats §3.1): the `.keras` zip written by `model.save("m.keras")`
// (keras/src/saving/saving_lib.py::_save_model_to_fileobj), holding `metadata.json`, `config.json` and
// `model.weights.h5`, and the same three files in a directory (`saving_lib.save_model(..., zipped=False)`).
// tf.keras 2.12-2.15 wrote the same archive layout. This file only gets the members into memory and checks them;
// keras3_weights.h maps the weights onto a model.
//
// Errors about a member of a zip are FileError(<archive>, "member <name>: <problem>"), so FileError::file() is always
// a path on disk; in the directory form the member is a file of its own and errors name it directly.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "file_error.h"
#include "hdf5_file.h"
#include "keras_config.h"

namespace rnnscope::io {

// What a member's declared sizes may be before anything is allocated for it. A zip states each member's sizes in its
// central directory; a forged entry could ask for any amount of memory, so implausible ones are refused first.
struct ZipLimits
{
    static constexpr std::uint64_t maxMemberSize = std::uint64_t {4} << 30; // 4 GiB
    // Deflate cannot do better than about 1032:1, and float weights barely compress; 200:1 is already far beyond
    // anything a Keras archive holds. Members up to 1 MiB are exempt: allocating that much is harmless.
    static constexpr std::uint64_t maxCompressionRatio = 200;
    static constexpr std::uint64_t ratioExemptSize = std::uint64_t {1} << 20;
    // config.json and metadata.json are text; even very large models have configs of a few MiB.
    static constexpr std::uint64_t maxJsonSize = std::uint64_t {256} << 20;
};

// A read-only zip archive (libzip): stored and deflated members, ZIP64. Move-only; closes the archive on destruction.
class ZipArchive
{
public:
    // Throws FileError(path, ...) when the file is missing, not a zip, truncated or inconsistent.
    static ZipArchive open(const std::string& path);
    ~ZipArchive();
    ZipArchive(ZipArchive&& other) noexcept;
    ZipArchive& operator=(ZipArchive&& other) noexcept;
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    const std::string& path() const;
    std::vector<std::string> memberNames() const; // in central-directory order
    bool contains(const std::string& member) const;
    // The member's uncompressed bytes. Refuses, before allocating, a member larger than `maxSize` or
    // ZipLimits::maxMemberSize, or one whose declared size is implausible for its compressed size; then reads it
    // whole and checks its CRC. Throws FileError(path(), "member <name>: <problem>").
    std::vector<unsigned char> read(const std::string& member, std::uint64_t maxSize = ZipLimits::maxMemberSize) const;

private:
    struct Impl;
    explicit ZipArchive(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// The parts of a Keras archive (either form) that a model is loaded from.
struct KerasArchive
{
    std::string path; // the .keras file or the directory, as given
    bool directory = false; // the unzipped form
    // metadata.json's keras_version; nullopt when the archive has no metadata.json (Keras itself never reads it, so
    // hand-made archives may lack it: the caller then infers the version).
    std::optional<KerasVersion> version;
    nlohmann::json config; // config.json as {"class_name", "config"} (parseKerasConfigJson)
    std::vector<std::string> warnings; // "<file>: <note>"

    // The weights member: the bytes of a zip member, or the file of the directory form.
    std::vector<unsigned char> weightsImage;
    std::string weightsFile;

    // "member model.weights.h5" or "<dir>/model.weights.h5": how messages name the weights.
    std::string weightsLabel() const;
};

// Reads a `.keras` zip or an unzipped archive directory. Throws FileError naming the archive and the member that is
// missing or corrupt: no config.json, no model.weights.h5 (or a model.weights.npz / sharded model.weights.json
// instead, which are refused as unsupported), unreadable JSON, bad CRC, implausible sizes.
KerasArchive readKerasArchive(const std::string& path);

// Whether `path` is a directory holding a Keras archive's config.json (the `zipped=False` form).
bool isKerasArchiveDirectory(const std::string& path);

// Opens the weights of `archive` as HDF5 (from memory for a zip, which releases `weightsImage`). HDF5 errors name
// "<archive>: member model.weights.h5"; run later reads through withArchiveMember() to turn them into archive errors.
Hdf5File openKerasArchiveWeights(KerasArchive& archive);

// The name HDF5 and JSON readers are given for a zip member, "<archive>: member <member>".
std::string archiveMemberName(const std::string& archive, const std::string& member);

// Runs f() and rethrows a FileError whose file() is archiveMemberName(archive, member) as
// FileError(archive, "member <member>: <problem>"): readers that only know one file name then still produce errors
// whose file() is the archive on disk.
template <typename F> decltype(auto) withArchiveMember(const std::string& archive, const std::string& member, F&& f)
{
    try {
        return f();
    } catch (const FileError& e) {
        if (e.file() == archiveMemberName(archive, member)) {
            throw FileError(archive, "member " + member + ": " + e.problem());
        }
        throw;
    }
}

} // namespace rnnscope::io
