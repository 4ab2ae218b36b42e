#pragma once
// RAII over the HDF5 C API, for Keras's legacy .h5 files (read) and RNNScope's trace files (write).
//
// The C API rather than HDF5's C++ API: its error handling can be silenced and translated, and every
// failure here becomes FileError(file, "<object path>: <problem>") with the object path spelled without a
// leading slash ("model_weights/lstm: no attribute 'weight_names'"; the root is "/"). HDF5's own error
// printing to stderr is switched off the first time a file is opened.
//
// Groups and datasets share ownership of the open file, so they stay usable after the Hdf5File they came
// from has gone out of scope; Hdf5File::close() closes everything at once (the file is opened with
// H5F_CLOSE_STRONG) and reports write-back errors, which a writer must check before AtomicFile::commit().
//
// Debian's HDF5 is the serial (not thread-safe) build: use these classes from one thread at a time. Open
// files only through Hdf5File: HDF5 refuses to open a file twice with different close degrees.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <hdf5.h>

#include "core/tensor.h"

namespace rnnscope::io {

// One hid_t, closed with the H5*close matching its kind. Move-only.
class Hdf5Handle
{
public:
    enum class Kind { File, Group, Dataset, Attribute, Datatype, Dataspace, PropertyList, Object };

    Hdf5Handle() = default;
    Hdf5Handle(hid_t id, Kind kind) noexcept
        : m_id(id)
        , m_kind(kind)
    {
    }
    ~Hdf5Handle() { close(); }

    Hdf5Handle(const Hdf5Handle&) = delete;
    Hdf5Handle& operator=(const Hdf5Handle&) = delete;
    Hdf5Handle(Hdf5Handle&& other) noexcept;
    Hdf5Handle& operator=(Hdf5Handle&& other) noexcept;

    hid_t id() const { return m_id; }
    Kind kind() const { return m_kind; }
    bool valid() const { return m_id >= 0; }
    explicit operator bool() const { return valid(); }

    // Gives up ownership without closing.
    hid_t release() noexcept;
    // Closes now (no-op when invalid); returns the H5*close status, which matters for files being written.
    herr_t close() noexcept;

private:
    hid_t m_id = H5I_INVALID_HID;
    Kind m_kind = Kind::Object;
};

// How Hdf5Group::writeDataset stores data. Chunking and deflate apply only to non-empty, non-scalar data.
struct Hdf5WriteOptions
{
    bool chunked = false;
    int deflateLevel = 0; // 0 = no compression, 1..9 = zlib level (implies chunked)
};

// Character set of a written string attribute. h5py stores a Python str as UTF-8 and bytes as ASCII, and Keras's
// legacy writer uses both (keras-formats §1.3); HDF5 keeps the two apart, so writers of Keras files choose.
enum class Hdf5StringCset { Utf8, Ascii };

namespace detail {
struct Hdf5FileContext;
} // namespace detail

class Hdf5Group;
class Hdf5Dataset;

// What groups and datasets have in common: a path, the file's name for errors, and attributes.
class Hdf5Object
{
public:
    const std::string& fileName() const;
    // HDF5 path with a leading slash: "/model_weights/lstm"; "/" for the root group.
    const std::string& fullPath() const { return m_path; }
    // The path as error messages spell it: no leading slash, "/" for the root.
    std::string label() const;
    hid_t id() const;

    bool hasAttribute(const std::string& name) const;
    std::vector<std::string> attributeNames() const; // in HDF5 name order

    // A string stored as variable-length or fixed-length (NULLPAD/NULLTERM/SPACEPAD, ASCII or UTF-8),
    // scalar or in a 1-element simple dataspace. Throws when absent or not a string.
    std::string stringAttribute(const std::string& name) const;
    // A list of strings (variable- or fixed-length). A zero-size attribute of any type is an empty list:
    // Keras writes an empty list as float64 with shape (0,). Throws when absent.
    std::vector<std::string> stringListAttribute(const std::string& name) const;
    // As stringListAttribute, but when `name` is absent, concatenates `name0`, `name1`, ...: Keras splits
    // lists that exceed HDF5's 64 KiB attribute header limit that way. Throws when neither form exists.
    std::vector<std::string> chunkedStringListAttribute(const std::string& name) const;
    // nullopt when absent; throws when present but not an integer scalar (or 1-element array).
    std::optional<std::int64_t> intAttribute(const std::string& name) const;

    // Writers replace an existing attribute of the same name.
    // Variable-length UTF-8 scalar (h5py reads it back as str), or ASCII as h5py writes bytes.
    void setStringAttribute(
        const std::string& name, const std::string& value, Hdf5StringCset cset = Hdf5StringCset::Utf8);
    // Variable-length strings, shape (n,).
    void setStringListAttribute(
        const std::string& name, const std::vector<std::string>& values, Hdf5StringCset cset = Hdf5StringCset::Utf8);
    // An empty list as h5py stores `[]`: float64 with shape (0,) (Keras's weight_names of a layer without weights).
    void setEmptyListAttribute(const std::string& name);
    void setIntAttribute(const std::string& name, std::int64_t value); // int64 scalar

    // Throws FileError(fileName(), label() + ": " + problem).
    [[noreturn]] void fail(const std::string& problem) const;

protected:
    Hdf5Object(std::shared_ptr<detail::Hdf5FileContext> context, std::shared_ptr<Hdf5Handle> handle, std::string path);

    std::string childPath(const std::string& relPath) const;
    std::uint64_t fileSize() const;

    std::shared_ptr<detail::Hdf5FileContext> m_context;
    std::shared_ptr<Hdf5Handle> m_handle;
    std::string m_path;
};

class Hdf5Dataset : public Hdf5Object
{
public:
    Shape shape() const; // () for a scalar dataset, (0,) for a null dataspace
    Index size() const; // number of elements
    // "float32", "float64", "float16", "int64", "uint8", "string", "bool" (h5py's enum), "compound", ...
    std::string typeDescription() const;
    bool isNumeric() const; // integer or floating point

    // All values in C order, converted by HDF5 (float64/float16/integers -> float32). Refuses non-numeric
    // types, and sizes that cannot be genuine for this file, before allocating.
    std::vector<float> readFloat32() const;
    // Integer datasets only (values outside 0..255 are clamped by HDF5's conversion).
    std::vector<std::uint8_t> readUInt8() const;

private:
    friend class Hdf5Group;
    Hdf5Dataset(std::shared_ptr<detail::Hdf5FileContext> context, std::shared_ptr<Hdf5Handle> handle, std::string path)
        : Hdf5Object(std::move(context), std::move(handle), std::move(path))
    {
    }
    void checkReadable() const;
};

class Hdf5Group : public Hdf5Object
{
public:
    // relPath may contain '/' ("lstm/kernel:0"); intermediate components must be groups.
    bool hasChild(const std::string& relPath) const;
    bool isGroup(const std::string& relPath) const;
    bool isDataset(const std::string& relPath) const;
    // Names of the direct children in HDF5's name index order (callers that need an order sort).
    std::vector<std::string> childNames() const;

    Hdf5Group group(const std::string& relPath) const;
    Hdf5Dataset dataset(const std::string& relPath) const;

    // Writers. Intermediate groups are created as needed; an existing object of the same name is an error.
    Hdf5Group createGroup(const std::string& relPath);
    Hdf5Dataset writeDataset(
        const std::string& relPath, const Shape& shape, const float* values, const Hdf5WriteOptions& options = {});
    Hdf5Dataset writeDataset(const std::string& relPath, const Shape& shape, const std::uint8_t* values,
        const Hdf5WriteOptions& options = {});
    Hdf5Dataset writeDataset(const std::string& relPath, const Shape& shape, const std::int32_t* values,
        const Hdf5WriteOptions& options = {});

private:
    friend class Hdf5File;
    Hdf5Group(std::shared_ptr<detail::Hdf5FileContext> context, std::shared_ptr<Hdf5Handle> handle, std::string path)
        : Hdf5Object(std::move(context), std::move(handle), std::move(path))
    {
    }
    H5I_type_t childType(const std::string& relPath) const;
    Hdf5Dataset writeDatasetImpl(const std::string& relPath, const Shape& shape, const void* values, hid_t fileType,
        hid_t memoryType, std::size_t itemSize, const Hdf5WriteOptions& options);
};

class Hdf5File
{
public:
    static Hdf5File openReadOnly(const std::string& path);
    // An HDF5 file held in memory (e.g. extracted from a .keras zip); the bytes are copied into HDF5's
    // in-memory driver, nothing touches the disk.
    static Hdf5File openImage(std::vector<unsigned char> bytes, const std::string& nameForErrors);
    // Creates (truncates) `path` for writing. Writers pass AtomicFile::tempPath() as path and the final
    // path as nameForErrors, so messages name the file the user asked for.
    static Hdf5File create(const std::string& path, const std::string& nameForErrors = {});
    // A new file in memory only (the core driver without a backing store), for writers that hand the finished
    // bytes to AtomicFile: HDF5 itself then never writes to disk, so a full disk cannot crash it at H5Fclose
    // (HDF5 1.10). `nameForErrors` names the final file in messages.
    static Hdf5File createInMemory(const std::string& nameForErrors);

    // The name used in errors (the path, unless another name was given).
    const std::string& path() const;
    Hdf5Group root() const;
    std::uint64_t fileSize() const;
    hid_t id() const;

    void flush();
    // Closes the file and every object opened from it; throws when HDF5 cannot write it back. Further use
    // of groups and datasets from this file fails with FileError.
    void close();
    // A file from createInMemory(): flushes it, returns its bytes and closes it.
    std::vector<unsigned char> takeImage();

private:
    explicit Hdf5File(std::shared_ptr<detail::Hdf5FileContext> context);
    std::shared_ptr<detail::Hdf5FileContext> m_context;
};

// Chunk dimensions for a chunked dataset of `shape` (about 256 KiB each): whole trailing axes where possible,
// halving leading axes first, because traces are read one sample (leading index) at a time.
std::vector<hsize_t> hdf5ChunkDims(const Shape& shape, std::size_t itemSize);

} // namespace rnnscope::io
