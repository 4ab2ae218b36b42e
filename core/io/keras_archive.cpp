#include "keras_archive.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <sstream>

#include <zip.h>

#include "file_memory.h"
#include "hdf5_heap_check.h"
#include "input_file.h"
#include "keras_h5.h"

namespace rnnscope::io {

namespace {

// The member names saving_lib.py writes (_METADATA_FILENAME, _CONFIG_FILENAME, _VARS_FNAME + ".h5").
constexpr const char* metadataMember = "metadata.json";
constexpr const char* configMember = "config.json";
constexpr const char* weightsMember = "model.weights.h5";
// weights_format="npz" (NpzIOStore) and max_shard_size (ShardedH5IOStore) write these instead.
constexpr const char* npzWeightsMember = "model.weights.npz";
constexpr const char* shardedWeightsMember = "model.weights.json";

std::string zipErrorText(int code)
{
    switch (code) {
    case ZIP_ER_NOZIP:
        return "not a zip archive, or a truncated one (no end of central directory record)";
    case ZIP_ER_INCONS:
        return "inconsistent zip archive (corrupt or truncated)";
    case ZIP_ER_CRC:
        return "CRC mismatch: the data is corrupt";
    case ZIP_ER_EOF:
        return "premature end of data: the archive is truncated";
    case ZIP_ER_COMPRESSED_DATA:
    case ZIP_ER_ZLIB:
        return "invalid compressed data: the archive is corrupt";
    case ZIP_ER_MULTIDISK:
        return "multi-disk (split) zip archives are not supported";
    case ZIP_ER_MEMORY:
        return "out of memory";
    default:
        break;
    }
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string text = zip_error_strerror(&error);
    zip_error_fini(&error);
    return text;
}

std::string zipErrorText(zip_error_t* error)
{
    const int code = zip_error_code_zip(error);
    if (code == ZIP_ER_READ || code == ZIP_ER_OPEN || code == ZIP_ER_SEEK) {
        return zip_error_strerror(error); // includes the system error
    }
    return zipErrorText(code);
}

std::string sizeText(std::uint64_t bytes)
{
    std::ostringstream out;
    if (bytes >= (std::uint64_t {1} << 30)) {
        out << static_cast<double>(bytes) / static_cast<double>(std::uint64_t {1} << 30) << " GiB";
    } else if (bytes >= (std::uint64_t {1} << 20)) {
        out << static_cast<double>(bytes) / static_cast<double>(std::uint64_t {1} << 20) << " MiB";
    } else {
        out << bytes << " bytes";
    }
    return out.str();
}

std::string joinMembers(const std::vector<std::string>& names)
{
    std::string out;
    const std::size_t shown = std::min<std::size_t>(names.size(), 8);
    for (std::size_t i = 0; i < shown; ++i) {
        out += (i == 0 ? "" : ", ") + names[i];
    }
    if (names.size() > shown) {
        out += ", ... (" + std::to_string(names.size()) + " in all)";
    }
    return out.empty() ? "none" : out;
}

[[noreturn]] void failMember(const std::string& archive, const std::string& member, const std::string& problem)
{
    throw FileError(archive, "member " + member + ": " + problem);
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// ZipArchive

struct ZipArchive::Impl
{
    std::string path;
    zip_t* zip = nullptr;
    ~Impl()
    {
        if (zip != nullptr) {
            zip_discard(zip); // read-only: nothing to write back
        }
    }
};

ZipArchive::ZipArchive(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{
}
ZipArchive::~ZipArchive() = default;
ZipArchive::ZipArchive(ZipArchive&& other) noexcept = default;
ZipArchive& ZipArchive::operator=(ZipArchive&& other) noexcept = default;

ZipArchive ZipArchive::open(const std::string& path)
{
    // The same existence and directory checks as every other reader, with their messages.
    (void)openInputFile(path, "a zip archive");
    int code = 0;
    // ZIP_CHECKCONS: libzip compares the central directory with the local headers and the archive's size, which
    // catches truncated and spliced files at open time.
    zip_t* zip = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (zip == nullptr) {
        throw FileError(path, zipErrorText(code));
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->zip = zip;
    return ZipArchive(std::move(impl));
}

const std::string& ZipArchive::path() const
{
    return m_impl->path;
}

std::vector<std::string> ZipArchive::memberNames() const
{
    std::vector<std::string> names;
    const zip_int64_t count = zip_get_num_entries(m_impl->zip, 0);
    for (zip_int64_t i = 0; i < count; ++i) {
        const char* name = zip_get_name(m_impl->zip, static_cast<zip_uint64_t>(i), 0);
        if (name != nullptr) {
            names.emplace_back(name);
        }
    }
    return names;
}

bool ZipArchive::contains(const std::string& member) const
{
    return zip_name_locate(m_impl->zip, member.c_str(), 0) >= 0;
}

std::vector<unsigned char> ZipArchive::read(const std::string& member, std::uint64_t maxSize) const
{
    const std::string& path = m_impl->path;
    auto fail = [&](const std::string& problem) { failMember(path, member, problem); };
    const zip_int64_t index = zip_name_locate(m_impl->zip, member.c_str(), 0);
    if (index < 0) {
        fail("missing");
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(m_impl->zip, static_cast<zip_uint64_t>(index), 0, &st) != 0) {
        fail(zipErrorText(zip_get_error(m_impl->zip)));
    }
    const zip_uint64_t needed = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
    if ((st.valid & needed) != needed) {
        fail("the zip directory does not state its sizes and compression method");
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && st.encryption_method != ZIP_EM_NONE) {
        fail("encrypted members are not supported");
    }
    if (st.comp_method != ZIP_CM_STORE && zip_compression_method_supported(st.comp_method, 0) == 0) {
        fail("compression method " + std::to_string(st.comp_method)
            + " is not supported (Keras writes stored members; deflated ones are read too)");
    }
    // Every check on the declared sizes comes before the allocation.
    const std::uint64_t limit = std::min(maxSize, ZipLimits::maxMemberSize);
    if (st.size > limit) {
        fail("declares " + sizeText(st.size) + " uncompressed, more than the " + sizeText(limit) + " accepted");
    }
    if (st.comp_method == ZIP_CM_STORE && st.size != st.comp_size) {
        fail("stored (uncompressed) but declares " + std::to_string(st.size) + " bytes of data in "
            + std::to_string(st.comp_size) + ": the zip directory is corrupt");
    }
    if (st.size > ZipLimits::ratioExemptSize && st.size / ZipLimits::maxCompressionRatio > st.comp_size) {
        fail("declares " + sizeText(st.size) + " uncompressed from " + sizeText(st.comp_size)
            + " compressed, an implausible ratio (more than " + std::to_string(ZipLimits::maxCompressionRatio) + ":1)");
    }
    if (st.size > std::numeric_limits<std::size_t>::max()) {
        fail("too large for this machine");
    }

    zip_file_t* file = zip_fopen_index(m_impl->zip, static_cast<zip_uint64_t>(index), 0);
    if (file == nullptr) {
        fail(zipErrorText(zip_get_error(m_impl->zip)));
    }
    struct Closer
    {
        zip_file_t* f;
        ~Closer() { zip_fclose(f); }
    } closer {file};

    checkFileMemory(st.size, "reading member " + member, path);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(st.size));
    std::uint64_t got = 0;
    while (got < st.size) {
        const zip_int64_t n = zip_fread(file, bytes.data() + got, st.size - got);
        if (n < 0) {
            fail(zipErrorText(zip_file_get_error(file)));
        }
        if (n == 0) {
            fail("ends after " + std::to_string(got) + " of its " + std::to_string(st.size)
                + " bytes: the archive is truncated or corrupt");
        }
        got += static_cast<std::uint64_t>(n);
    }
    // libzip verifies the CRC when it reaches the end of the data, i.e. on a read that returns nothing more; a read
    // that still returns data means the member is longer than the directory says.
    unsigned char extra = 0;
    const zip_int64_t tail = zip_fread(file, &extra, 1);
    if (tail < 0) {
        fail(zipErrorText(zip_file_get_error(file)));
    }
    if (tail > 0) {
        fail("holds more data than the " + std::to_string(st.size) + " bytes the zip directory declares");
    }
    return bytes;
}

// ---------------------------------------------------------------------------------------------------------------
// KerasArchive

std::string archiveMemberName(const std::string& archive, const std::string& member)
{
    return archive + ": member " + member;
}

std::string KerasArchive::weightsLabel() const
{
    return directory ? weightsFile : std::string("member ") + weightsMember;
}

bool isKerasArchiveDirectory(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    return fs::is_directory(path, ec) && fs::is_regular_file(fs::path(path) / configMember, ec);
}

namespace {

std::string readTextFile(const std::string& path, std::uint64_t maxSize)
{
    InputFile in = openInputFile(path, "a JSON file");
    if (in.size > maxSize) {
        throw FileError(
            path, "is " + sizeText(in.size) + ", more than the " + sizeText(maxSize) + " accepted for JSON");
    }
    std::string text(static_cast<std::size_t>(in.size), '\0');
    in.stream.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (static_cast<std::uint64_t>(in.stream.gcount()) != in.size) {
        throw FileError(path, "read error");
    }
    return text;
}

// metadata.json = {"keras_version": "3.x.y", "date_saved": ...} (saving_lib.py::_save_model_to_fileobj).
KerasVersion parseMetadata(const std::string& text, const std::string& nameForErrors)
{
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) { // parse_error, or out_of_range for a number too large
        throw FileError(nameForErrors, std::string("not valid JSON (") + e.what() + ")");
    }
    if (!j.is_object() || !j.contains("keras_version") || !j["keras_version"].is_string()) {
        throw FileError(nameForErrors, "no \"keras_version\" string");
    }
    return KerasVersion::parse(j["keras_version"].get<std::string>(), nameForErrors);
}

// Refuses the weight formats RNNScope does not read, naming what was found.
[[noreturn]] void failNoWeights(
    const std::string& file, const std::string& prefix, bool npz, bool sharded, const std::vector<std::string>& members)
{
    if (npz) {
        throw FileError(file,
            prefix + std::string(npzWeightsMember)
                + ": weights saved with weights_format=\"npz\" (NumPy pickled object arrays) are not supported; "
                  "save the model again with the default .h5 weights");
    }
    if (sharded) {
        throw FileError(file,
            prefix + std::string(shardedWeightsMember)
                + ": sharded weights (saved with max_shard_size) are not supported; save the model again "
                  "without max_shard_size");
    }
    throw FileError(file,
        prefix + std::string(weightsMember)
            + ": missing, so the archive holds no weights (it has: " + joinMembers(members) + ")");
}

KerasArchive readZipArchive(const std::string& path)
{
    const ZipArchive zip = ZipArchive::open(path);
    const std::vector<std::string> members = zip.memberNames();
    KerasArchive out;
    out.path = path;
    if (!zip.contains(configMember)) {
        throw FileError(path,
            std::string("member ") + configMember
                + ": missing, so this zip is not a Keras model archive (it has: " + joinMembers(members) + ")");
    }
    if (!zip.contains(weightsMember)) {
        failNoWeights(path, "member ", zip.contains(npzWeightsMember), zip.contains(shardedWeightsMember), members);
    }
    if (zip.contains(metadataMember)) {
        const auto bytes = zip.read(metadataMember, ZipLimits::maxJsonSize);
        const std::string name = archiveMemberName(path, metadataMember);
        out.version = withArchiveMember(
            path, metadataMember, [&] { return parseMetadata(std::string(bytes.begin(), bytes.end()), name); });
    } else {
        out.warnings.push_back(path + ": no member " + metadataMember + ", so no keras_version");
    }
    {
        const auto bytes = zip.read(configMember, ZipLimits::maxJsonSize);
        const std::string name = archiveMemberName(path, configMember);
        out.config = withArchiveMember(path, configMember,
            [&] { return parseKerasConfigJson(std::string(bytes.begin(), bytes.end()), name).config; });
    }
    out.weightsImage = zip.read(weightsMember);
    return out;
}

KerasArchive readArchiveDirectory(const std::string& path)
{
    namespace fs = std::filesystem;
    const fs::path dir(path);
    KerasArchive out;
    out.path = path;
    out.directory = true;
    std::error_code ec;
    auto has = [&](const char* name) { return fs::exists(dir / name, ec); };
    std::vector<std::string> entries;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        entries.push_back(entry.path().filename().string());
    }
    std::sort(entries.begin(), entries.end());
    if (!has(configMember)) {
        throw FileError(path,
            std::string("is a directory without ") + configMember
                + ", so not an unzipped Keras archive (it has: " + joinMembers(entries) + ")");
    }
    if (!has(weightsMember)) {
        failNoWeights(path, "", has(npzWeightsMember), has(shardedWeightsMember), entries);
    }
    if (has(metadataMember)) {
        const std::string file = (dir / metadataMember).string();
        out.version = parseMetadata(readTextFile(file, ZipLimits::maxJsonSize), file);
    } else {
        out.warnings.push_back(path + ": no " + metadataMember + ", so no keras_version");
    }
    const std::string configFile = (dir / configMember).string();
    out.config = parseKerasConfigJson(readTextFile(configFile, ZipLimits::maxJsonSize), configFile).config;
    out.weightsFile = (dir / weightsMember).string();
    return out;
}

} // namespace

KerasArchive readKerasArchive(const std::string& path)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return readArchiveDirectory(path);
    }
    return readZipArchive(path);
}

Hdf5File openKerasArchiveWeights(KerasArchive& archive)
{
    if (archive.directory) {
        checkHdf5GlobalHeapsInFile(archive.weightsFile);
        return Hdf5File::openReadOnly(archive.weightsFile);
    }
    const std::string name = archiveMemberName(archive.path, weightsMember);
    return withArchiveMember(archive.path, weightsMember, [&] {
        std::vector<unsigned char> bytes = std::move(archive.weightsImage);
        archive.weightsImage.clear();
        checkHdf5GlobalHeaps(bytes, name);
        return Hdf5File::openImage(std::move(bytes), name);
    });
}

} // namespace rnnscope::io
