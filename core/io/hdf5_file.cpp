#include "core/io/hdf5_file.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/io/file_error.h"
#include "core/io/file_memory.h"
#include "core/io/input_file.h"

namespace rnnscope::io {

namespace detail {

struct Hdf5FileContext
{
    std::string name; // for errors
    Hdf5Handle file;
};

} // namespace detail

namespace {

using Kind = Hdf5Handle::Kind;

// Datasets above this many elements are refused outright: nothing RNNScope reads is that large, and the
// element count must fit the int-sized loops of callers.
constexpr std::uint64_t kMaxElements = std::uint64_t {1} << 31;
// Raw data of an uncompressed dataset or an attribute lives in the file, so it cannot be much larger than
// the file; a little slack covers fill values and rounding. Compressed data is allowed zlib's best ratio.
constexpr std::uint64_t kSlackBytes = std::uint64_t {1} << 20;
constexpr std::uint64_t kMaxCompressionRatio = 1100;
// Chunks up to this size: big enough for good compression, small enough to read a sample cheaply.
constexpr std::uint64_t kTargetChunkBytes = std::uint64_t {256} << 10;

void silenceHdf5Errors()
{
    // Once per process: HDF5 prints its error stack to stderr by default, we report FileError instead.
    static const bool silenced = [] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        return true;
    }();
    (void)silenced;
}

// The most specific message on HDF5's error stack (e.g. "truncated file: eof = 1000, ..."), one line.
std::string hdf5Reason()
{
    std::string deepest;
    std::string top;
    struct Collected
    {
        std::string* deepest;
        std::string* top;
    } collected {&deepest, &top};
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned n, const H5E_error2_t* error, void* data) -> herr_t {
            auto* c = static_cast<Collected*>(data);
            const std::string desc = error->desc != nullptr ? error->desc : "";
            if (n == 0) {
                *c->deepest = desc;
            }
            *c->top = desc;
            return 0;
        },
        &collected);
    H5Eclear2(H5E_DEFAULT);
    std::string reason = deepest.empty() ? top : deepest;
    std::replace(reason.begin(), reason.end(), '\n', ' ');
    return reason.empty() ? std::string("unknown HDF5 error") : reason;
}

std::string withReason(const std::string& what)
{
    return what + " (HDF5: " + hdf5Reason() + ")";
}

// Why H5Fopen failed, in our words where we recognise the case. HDF5 reports a short file as
// "truncated file: eof = 1000, sblock->base_addr = 0, stored_eof = 274720".
std::string openFailure()
{
    const std::string reason = hdf5Reason();
    const std::size_t eof = reason.find("eof = ");
    const std::size_t stored = reason.find("stored_eof = ");
    if (reason.rfind("truncated file", 0) == 0 && eof != std::string::npos && stored != std::string::npos) {
        const std::string actual = reason.substr(eof + 6, reason.find(',', eof) - (eof + 6));
        const std::string expected = reason.substr(stored + 13);
        return "truncated: file has " + actual + " bytes, its HDF5 superblock says " + expected;
    }
    return "cannot open as HDF5 (HDF5: " + reason + ")";
}

std::string inQuotes(const std::string& s)
{
    return "'" + s + "'";
}

std::string normalisePath(const std::string& path)
{
    std::string out;
    std::size_t i = 0;
    while (i < path.size()) {
        const std::size_t next = path.find('/', i);
        const std::string part = path.substr(i, next == std::string::npos ? std::string::npos : next - i);
        if (!part.empty() && part != ".") {
            out += "/" + part;
        }
        if (next == std::string::npos) {
            break;
        }
        i = next + 1;
    }
    return out.empty() ? std::string("/") : out;
}

std::vector<std::string> splitPath(const std::string& path)
{
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i <= path.size()) {
        const std::size_t next = path.find('/', i);
        const std::string part = path.substr(i, next == std::string::npos ? std::string::npos : next - i);
        if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        if (next == std::string::npos) {
            break;
        }
        i = next + 1;
    }
    return parts;
}

std::string sizeText(std::uint64_t bytes)
{
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

// Plain-language name of an HDF5 datatype, for messages and Hdf5Dataset::typeDescription().
std::string describeType(hid_t type)
{
    const H5T_class_t cls = H5Tget_class(type);
    const std::size_t size = H5Tget_size(type);
    switch (cls) {
    case H5T_INTEGER:
        return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(size * 8);
    case H5T_FLOAT:
        return "float" + std::to_string(size * 8);
    case H5T_STRING:
        return "string";
    case H5T_ENUM: {
        // h5py stores numpy bool as an enum {FALSE, TRUE}.
        if (H5Tget_nmembers(type) == 2) {
            char* first = H5Tget_member_name(type, 0);
            char* second = H5Tget_member_name(type, 1);
            const bool isBool = first != nullptr && second != nullptr && std::strcmp(first, "FALSE") == 0
                && std::strcmp(second, "TRUE") == 0;
            H5free_memory(first);
            H5free_memory(second);
            if (isBool) {
                return "bool";
            }
        }
        return "enum";
    }
    case H5T_COMPOUND:
        return "compound";
    case H5T_OPAQUE:
        return "opaque";
    case H5T_BITFIELD:
        return "bitfield";
    case H5T_REFERENCE:
        return "reference";
    case H5T_VLEN:
        return "vlen";
    case H5T_ARRAY:
        return "array";
    case H5T_TIME:
        return "time";
    default:
        return "unknown type";
    }
}

struct SpaceInfo
{
    bool isNull = false;
    Shape shape;
    std::uint64_t elements = 0;
    bool overflow = false;
};

SpaceInfo spaceInfo(hid_t space)
{
    SpaceInfo info;
    const H5S_class_t cls = H5Sget_simple_extent_type(space);
    if (cls == H5S_NULL) {
        info.isNull = true;
        info.shape = {0};
        return info;
    }
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0) {
        info.overflow = true;
        return info;
    }
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0) {
        H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    }
    info.elements = 1;
    for (hsize_t d : dims) {
        if (d > static_cast<hsize_t>(std::numeric_limits<Index>::max())) {
            info.overflow = true;
            d = 0;
        }
        info.shape.push_back(static_cast<Index>(d));
        if (d != 0 && info.elements > std::numeric_limits<std::uint64_t>::max() / d) {
            info.overflow = true;
        }
        info.elements *= d;
    }
    return info;
}

bool hasHdf5Signature(const unsigned char* bytes, std::size_t size, std::uint64_t offset)
{
    static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    return offset + 8 <= size && std::memcmp(bytes + offset, signature, 8) == 0;
}

// HDF5 looks for its superblock at 0, 512, 1024, 2048, ... (files with a user block).
template <typename ReadAt> bool findSignature(std::uint64_t size, ReadAt readAt)
{
    for (std::uint64_t offset = 0; offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
        std::array<unsigned char, 8> buffer {};
        if (readAt(offset, buffer.data()) && hasHdf5Signature(buffer.data(), buffer.size(), 0)) {
            return true;
        }
    }
    return false;
}

std::string printablePrefix(const unsigned char* bytes, std::size_t size)
{
    std::string out;
    for (std::size_t i = 0; i < size && i < 8; ++i) {
        const unsigned char c = bytes[i];
        if (c >= 0x20 && c < 0x7f && c != '"') {
            out += static_cast<char>(c);
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

Hdf5Handle makeFileAccessList(const std::string& name)
{
    Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), Kind::PropertyList);
    // STRONG: Hdf5File::close() must really close (and flush) the file even while Hdf5Group objects exist.
    if (!fapl || H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG) < 0) {
        throw FileError(name, withReason("cannot set up file access"));
    }
#if H5_VERSION_GE(1, 10, 7)
    // Keep HDF5's file locking, but do not fail on file systems without lock support (some network and
    // container mounts), where HDF5 would otherwise refuse to open anything.
    H5Pset_file_locking(fapl.id(), 1, 1);
#endif
    return fapl;
}

std::shared_ptr<Hdf5Handle> shareHandle(hid_t id, Kind kind)
{
    return std::make_shared<Hdf5Handle>(id, kind);
}

// Memory type for variable-length strings in the given character set: HDF5 does not convert between
// ASCII and UTF-8, so the memory type must match the file's.
Hdf5Handle vlenStringType(H5T_cset_t cset)
{
    Hdf5Handle type(H5Tcopy(H5T_C_S1), Kind::Datatype);
    H5Tset_size(type.id(), H5T_VARIABLE);
    H5Tset_cset(type.id(), cset);
    return type;
}

} // namespace

// ---------------------------------------------------------------------------------------------------
// Hdf5Handle

Hdf5Handle::Hdf5Handle(Hdf5Handle&& other) noexcept
    : m_id(other.m_id)
    , m_kind(other.m_kind)
{
    other.m_id = H5I_INVALID_HID;
}

Hdf5Handle& Hdf5Handle::operator=(Hdf5Handle&& other) noexcept
{
    if (this != &other) {
        close();
        m_id = other.m_id;
        m_kind = other.m_kind;
        other.m_id = H5I_INVALID_HID;
    }
    return *this;
}

hid_t Hdf5Handle::release() noexcept
{
    const hid_t id = m_id;
    m_id = H5I_INVALID_HID;
    return id;
}

herr_t Hdf5Handle::close() noexcept
{
    if (m_id < 0) {
        return 0;
    }
    const hid_t id = release();
    // After Hdf5File::close() (H5F_CLOSE_STRONG) the objects of that file are already gone; closing their
    // stale ids would only produce an error, so skip ids HDF5 no longer knows.
    if (H5Iis_valid(id) <= 0) {
        return 0;
    }
    switch (m_kind) {
    case Kind::File:
        return H5Fclose(id);
    case Kind::Group:
        return H5Gclose(id);
    case Kind::Dataset:
        return H5Dclose(id);
    case Kind::Attribute:
        return H5Aclose(id);
    case Kind::Datatype:
        return H5Tclose(id);
    case Kind::Dataspace:
        return H5Sclose(id);
    case Kind::PropertyList:
        return H5Pclose(id);
    case Kind::Object:
        return H5Oclose(id);
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------------
// Hdf5Object

Hdf5Object::Hdf5Object(
    std::shared_ptr<detail::Hdf5FileContext> context, std::shared_ptr<Hdf5Handle> handle, std::string path)
    : m_context(std::move(context))
    , m_handle(std::move(handle))
    , m_path(std::move(path))
{
}

const std::string& Hdf5Object::fileName() const
{
    return m_context->name;
}

std::string Hdf5Object::label() const
{
    return m_path == "/" ? m_path : m_path.substr(1);
}

hid_t Hdf5Object::id() const
{
    // After Hdf5File::close() the id is stale; say so instead of passing HDF5's "invalid group ID" on.
    if (!m_context->file) {
        fail("the file is closed");
    }
    return m_handle->id();
}

void Hdf5Object::fail(const std::string& problem) const
{
    throw FileError(fileName(), label() + ": " + problem);
}

std::string Hdf5Object::childPath(const std::string& relPath) const
{
    if (!relPath.empty() && relPath.front() == '/') {
        return normalisePath(relPath);
    }
    return normalisePath(m_path + "/" + relPath);
}

std::uint64_t Hdf5Object::fileSize() const
{
    hsize_t size = 0;
    if (!m_context->file || H5Fget_filesize(m_context->file.id(), &size) < 0) {
        fail(withReason("cannot determine the file size"));
    }
    return size;
}

bool Hdf5Object::hasAttribute(const std::string& name) const
{
    const htri_t exists = H5Aexists(id(), name.c_str());
    if (exists < 0) {
        fail(withReason("cannot look up attribute " + inQuotes(name)));
    }
    return exists > 0;
}

std::vector<std::string> Hdf5Object::attributeNames() const
{
    std::vector<std::string> names;
    hsize_t index = 0;
    const herr_t status = H5Aiterate2(
        id(), H5_INDEX_NAME, H5_ITER_INC, &index,
        [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        },
        &names);
    if (status < 0) {
        fail(withReason("cannot list attributes"));
    }
    return names;
}

namespace {

struct AttributeStrings
{
    bool isString = false;
    std::string typeName;
    SpaceInfo space;
    std::vector<std::string> values;
};

} // namespace

// Reads attribute `name` as strings when it is a string attribute; otherwise only reports its type.
static AttributeStrings readAttributeStrings(const Hdf5Object& object, const std::string& name, std::uint64_t fileSize)
{
    if (!object.hasAttribute(name)) {
        object.fail("no attribute " + inQuotes(name));
    }
    Hdf5Handle attribute(H5Aopen(object.id(), name.c_str(), H5P_DEFAULT), Kind::Attribute);
    if (!attribute) {
        object.fail(withReason("cannot open attribute " + inQuotes(name)));
    }
    Hdf5Handle type(H5Aget_type(attribute.id()), Kind::Datatype);
    Hdf5Handle space(H5Aget_space(attribute.id()), Kind::Dataspace);
    if (!type || !space) {
        object.fail(withReason("cannot read the type of attribute " + inQuotes(name)));
    }
    AttributeStrings result;
    result.typeName = describeType(type.id());
    result.space = spaceInfo(space.id());
    if (result.space.overflow) {
        object.fail("attribute " + inQuotes(name) + " has an absurd shape");
    }
    if (H5Tget_class(type.id()) != H5T_STRING) {
        return result;
    }
    result.isString = true;
    const std::uint64_t count = result.space.elements;
    if (count == 0) {
        return result;
    }
    const H5T_cset_t cset = H5Tget_cset(type.id());
    const htri_t variable = H5Tis_variable_str(type.id());
    const std::uint64_t itemSize = variable > 0 ? sizeof(char*) : H5Tget_size(type.id());
    // Attribute data is stored in full inside the file: a declared size beyond the file is corruption.
    if (itemSize == 0 || count > (fileSize + kSlackBytes) / itemSize) {
        object.fail("attribute " + inQuotes(name) + " declares " + std::to_string(count) + " strings of "
            + sizeText(itemSize) + ", more than the file (" + sizeText(fileSize) + ") can hold");
    }
    const auto n = static_cast<std::size_t>(count);
    if (variable > 0) {
        Hdf5Handle memType = vlenStringType(cset);
        std::vector<char*> pointers(n, nullptr);
        if (H5Aread(attribute.id(), memType.id(), pointers.data()) < 0) {
            object.fail(withReason("cannot read string attribute " + inQuotes(name)));
        }
        for (char* p : pointers) {
            result.values.emplace_back(p != nullptr ? p : "");
            H5free_memory(p);
        }
        return result;
    }
    const auto size = static_cast<std::size_t>(itemSize);
    Hdf5Handle memType(H5Tcopy(type.id()), Kind::Datatype);
    std::vector<char> buffer(n * size);
    if (!memType || H5Aread(attribute.id(), memType.id(), buffer.data()) < 0) {
        object.fail(withReason("cannot read string attribute " + inQuotes(name)));
    }
    const H5T_str_t pad = H5Tget_strpad(type.id());
    for (std::size_t i = 0; i < n; ++i) {
        std::string s(buffer.data() + i * size, size);
        if (pad == H5T_STR_SPACEPAD) {
            s.erase(s.find_last_not_of(' ') + 1);
        } else {
            // NULLTERM and NULLPAD: the string ends at the first NUL, if any.
            const std::size_t nul = s.find('\0');
            if (nul != std::string::npos) {
                s.resize(nul);
            }
        }
        result.values.push_back(std::move(s));
    }
    return result;
}

std::string Hdf5Object::stringAttribute(const std::string& name) const
{
    AttributeStrings a = readAttributeStrings(*this, name, fileSize());
    if (!a.isString) {
        fail("attribute " + inQuotes(name) + " is " + a.typeName + ", not a string");
    }
    if (a.values.size() != 1) {
        fail("attribute " + inQuotes(name) + " holds " + std::to_string(a.space.elements) + " strings (shape "
            + shapeToString(a.space.shape) + "), expected one");
    }
    return std::move(a.values.front());
}

std::vector<std::string> Hdf5Object::stringListAttribute(const std::string& name) const
{
    AttributeStrings a = readAttributeStrings(*this, name, fileSize());
    if (!a.isString && a.space.elements != 0) {
        fail("attribute " + inQuotes(name) + " is " + a.typeName + " with shape " + shapeToString(a.space.shape)
            + ", not a list of strings");
    }
    return std::move(a.values);
}

std::vector<std::string> Hdf5Object::chunkedStringListAttribute(const std::string& name) const
{
    if (hasAttribute(name)) {
        return stringListAttribute(name);
    }
    if (!hasAttribute(name + "0")) {
        fail("no attribute " + inQuotes(name) + " (nor " + inQuotes(name + "0") + ")");
    }
    std::vector<std::string> all;
    for (int chunk = 0; hasAttribute(name + std::to_string(chunk)); ++chunk) {
        std::vector<std::string> part = stringListAttribute(name + std::to_string(chunk));
        all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    }
    return all;
}

std::optional<std::int64_t> Hdf5Object::intAttribute(const std::string& name) const
{
    if (!hasAttribute(name)) {
        return std::nullopt;
    }
    Hdf5Handle attribute(H5Aopen(id(), name.c_str(), H5P_DEFAULT), Kind::Attribute);
    if (!attribute) {
        fail(withReason("cannot open attribute " + inQuotes(name)));
    }
    Hdf5Handle type(H5Aget_type(attribute.id()), Kind::Datatype);
    Hdf5Handle space(H5Aget_space(attribute.id()), Kind::Dataspace);
    if (!type || !space) {
        fail(withReason("cannot read the type of attribute " + inQuotes(name)));
    }
    if (H5Tget_class(type.id()) != H5T_INTEGER) {
        fail("attribute " + inQuotes(name) + " is " + describeType(type.id()) + ", not an integer");
    }
    const SpaceInfo info = spaceInfo(space.id());
    if (info.overflow || info.elements != 1) {
        fail("attribute " + inQuotes(name) + " has shape " + shapeToString(info.shape) + ", expected a single integer");
    }
    if (H5Tget_sign(type.id()) == H5T_SGN_NONE && H5Tget_size(type.id()) >= 8) {
        std::uint64_t value = 0;
        if (H5Aread(attribute.id(), H5T_NATIVE_UINT64, &value) < 0) {
            fail(withReason("cannot read integer attribute " + inQuotes(name)));
        }
        if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            fail("attribute " + inQuotes(name) + " value " + std::to_string(value) + " does not fit in int64");
        }
        return static_cast<std::int64_t>(value);
    }
    std::int64_t value = 0;
    if (H5Aread(attribute.id(), H5T_NATIVE_INT64, &value) < 0) {
        fail(withReason("cannot read integer attribute " + inQuotes(name)));
    }
    return value;
}

namespace {

// Deletes `name` if present, then creates it with the given type and space and writes `data`.
void writeAttribute(
    Hdf5Object& object, const std::string& name, hid_t type, hid_t space, const void* data, bool hasData)
{
    if (object.hasAttribute(name) && H5Adelete(object.id(), name.c_str()) < 0) {
        object.fail(withReason("cannot replace attribute " + inQuotes(name)));
    }
    Hdf5Handle attribute(H5Acreate2(object.id(), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), Kind::Attribute);
    if (!attribute) {
        object.fail(withReason("cannot create attribute " + inQuotes(name)));
    }
    if (hasData && H5Awrite(attribute.id(), type, data) < 0) {
        object.fail(withReason("cannot write attribute " + inQuotes(name)));
    }
}

} // namespace

void Hdf5Object::setStringAttribute(const std::string& name, const std::string& value, Hdf5StringCset cset)
{
    Hdf5Handle type = vlenStringType(cset == Hdf5StringCset::Utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
    Hdf5Handle space(H5Screate(H5S_SCALAR), Kind::Dataspace);
    const char* pointer = value.c_str();
    writeAttribute(*this, name, type.id(), space.id(), &pointer, true);
}

void Hdf5Object::setStringListAttribute(
    const std::string& name, const std::vector<std::string>& values, Hdf5StringCset cset)
{
    Hdf5Handle type = vlenStringType(cset == Hdf5StringCset::Utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
    const hsize_t dims[1] = {values.size()};
    Hdf5Handle space(H5Screate_simple(1, dims, nullptr), Kind::Dataspace);
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& v : values) {
        pointers.push_back(v.c_str());
    }
    writeAttribute(*this, name, type.id(), space.id(), pointers.data(), !values.empty());
}

void Hdf5Object::setEmptyListAttribute(const std::string& name)
{
    const hsize_t dims[1] = {0};
    Hdf5Handle space(H5Screate_simple(1, dims, nullptr), Kind::Dataspace);
    writeAttribute(*this, name, H5T_IEEE_F64LE, space.id(), nullptr, false);
}

void Hdf5Object::setIntAttribute(const std::string& name, std::int64_t value)
{
    Hdf5Handle space(H5Screate(H5S_SCALAR), Kind::Dataspace);
    if (hasAttribute(name) && H5Adelete(id(), name.c_str()) < 0) {
        fail(withReason("cannot replace attribute " + inQuotes(name)));
    }
    Hdf5Handle attribute(
        H5Acreate2(id(), name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), Kind::Attribute);
    if (!attribute || H5Awrite(attribute.id(), H5T_NATIVE_INT64, &value) < 0) {
        fail(withReason("cannot write attribute " + inQuotes(name)));
    }
}

// ---------------------------------------------------------------------------------------------------
// Hdf5Dataset

Shape Hdf5Dataset::shape() const
{
    Hdf5Handle space(H5Dget_space(id()), Kind::Dataspace);
    if (!space) {
        fail(withReason("cannot read the dataset's shape"));
    }
    const SpaceInfo info = spaceInfo(space.id());
    if (info.overflow) {
        fail("dataset has an absurd shape");
    }
    return info.shape;
}

Index Hdf5Dataset::size() const
{
    Hdf5Handle space(H5Dget_space(id()), Kind::Dataspace);
    if (!space) {
        fail(withReason("cannot read the dataset's shape"));
    }
    const SpaceInfo info = spaceInfo(space.id());
    if (info.overflow || info.elements > static_cast<std::uint64_t>(std::numeric_limits<Index>::max())) {
        fail("dataset has an absurd shape");
    }
    return static_cast<Index>(info.elements);
}

std::string Hdf5Dataset::typeDescription() const
{
    Hdf5Handle type(H5Dget_type(id()), Kind::Datatype);
    if (!type) {
        fail(withReason("cannot read the dataset's type"));
    }
    return describeType(type.id());
}

bool Hdf5Dataset::isNumeric() const
{
    Hdf5Handle type(H5Dget_type(id()), Kind::Datatype);
    if (!type) {
        fail(withReason("cannot read the dataset's type"));
    }
    const H5T_class_t cls = H5Tget_class(type.id());
    return cls == H5T_INTEGER || cls == H5T_FLOAT;
}

void Hdf5Dataset::checkReadable() const
{
    Hdf5Handle type(H5Dget_type(id()), Kind::Datatype);
    Hdf5Handle space(H5Dget_space(id()), Kind::Dataspace);
    Hdf5Handle dcpl(H5Dget_create_plist(id()), Kind::PropertyList);
    if (!type || !space || !dcpl) {
        fail(withReason("cannot read the dataset's type and shape"));
    }
    const SpaceInfo info = spaceInfo(space.id());
    if (info.overflow || info.elements > kMaxElements) {
        fail("dataset shape " + shapeToString(info.shape) + " has more than 2^31 elements; refusing to read it");
    }
    const int filters = H5Pget_nfilters(dcpl.id());
    const std::uint64_t fileBytes = fileSize();
    const std::uint64_t declared = info.elements * std::max<std::uint64_t>(H5Tget_size(type.id()), 1);
    const std::uint64_t limit = (filters > 0 ? kMaxCompressionRatio : 1) * fileBytes + kSlackBytes;
    if (declared > limit) {
        fail("dataset shape " + shapeToString(info.shape) + " of " + describeType(type.id()) + " declares "
            + sizeText(declared) + (filters > 0 ? " (compressed)" : "") + " but the file has only "
            + sizeText(fileBytes));
    }
}

std::vector<float> Hdf5Dataset::readFloat32() const
{
    Hdf5Handle type(H5Dget_type(id()), Kind::Datatype);
    if (!type) {
        fail(withReason("cannot read the dataset's type"));
    }
    const H5T_class_t cls = H5Tget_class(type.id());
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        fail("dataset is " + describeType(type.id()) + ", not numeric");
    }
    checkReadable();
    std::vector<float> values(static_cast<std::size_t>(size()));
    if (!values.empty() && H5Dread(id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
        fail(withReason("cannot read " + describeType(type.id()) + " data as float32"));
    }
    return values;
}

std::vector<std::uint8_t> Hdf5Dataset::readUInt8() const
{
    Hdf5Handle type(H5Dget_type(id()), Kind::Datatype);
    if (!type) {
        fail(withReason("cannot read the dataset's type"));
    }
    if (H5Tget_class(type.id()) != H5T_INTEGER) {
        fail("dataset is " + describeType(type.id()) + ", expected an integer type");
    }
    checkReadable();
    std::vector<std::uint8_t> values(static_cast<std::size_t>(size()));
    if (!values.empty() && H5Dread(id(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
        fail(withReason("cannot read " + describeType(type.id()) + " data as uint8"));
    }
    return values;
}

// ---------------------------------------------------------------------------------------------------
// Hdf5Group

H5I_type_t Hdf5Group::childType(const std::string& relPath) const
{
    const std::vector<std::string> parts = splitPath(relPath);
    if (parts.empty()) {
        return H5I_BADID;
    }
    const bool absolute = !relPath.empty() && relPath.front() == '/';
    std::string prefix = absolute ? "/" : "";
    // Step by step: H5Lexists fails (rather than answering false) when an intermediate link is missing.
    for (std::size_t i = 0; i < parts.size(); ++i) {
        prefix += (i == 0 ? "" : "/") + parts[i];
        const htri_t exists = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
        if (exists < 0) {
            fail(withReason("cannot look up " + inQuotes(prefix)));
        }
        if (exists == 0) {
            return H5I_BADID;
        }
        Hdf5Handle object(H5Oopen(id(), prefix.c_str(), H5P_DEFAULT), Kind::Object);
        if (!object) {
            H5Eclear2(H5E_DEFAULT); // a dangling soft or external link: there, but not an object
            return H5I_BADID;
        }
        const H5I_type_t type = H5Iget_type(object.id());
        if (i + 1 == parts.size()) {
            return type;
        }
        if (type != H5I_GROUP) {
            return H5I_BADID;
        }
    }
    return H5I_BADID;
}

bool Hdf5Group::hasChild(const std::string& relPath) const
{
    return childType(relPath) != H5I_BADID;
}

bool Hdf5Group::isGroup(const std::string& relPath) const
{
    return childType(relPath) == H5I_GROUP;
}

bool Hdf5Group::isDataset(const std::string& relPath) const
{
    return childType(relPath) == H5I_DATASET;
}

std::vector<std::string> Hdf5Group::childNames() const
{
    H5G_info_t info;
    if (H5Gget_info(id(), &info) < 0) {
        fail(withReason("cannot list the group"));
    }
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(std::min<hsize_t>(info.nlinks, 1U << 16)));
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const ssize_t length = H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (length < 0) {
            fail(withReason("cannot read the name of link #" + std::to_string(i)));
        }
        std::string name(static_cast<std::size_t>(length) + 1, '\0');
        H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
        name.resize(static_cast<std::size_t>(length));
        names.push_back(std::move(name));
    }
    return names;
}

Hdf5Group Hdf5Group::group(const std::string& relPath) const
{
    const H5I_type_t type = childType(relPath);
    if (type == H5I_BADID) {
        fail("no group " + inQuotes(relPath));
    }
    if (type != H5I_GROUP) {
        fail(inQuotes(relPath) + " is " + (type == H5I_DATASET ? "a dataset" : "not a group") + ", expected a group");
    }
    hid_t g = H5Gopen2(id(), relPath.c_str(), H5P_DEFAULT);
    if (g < 0) {
        fail(withReason("cannot open group " + inQuotes(relPath)));
    }
    return {m_context, shareHandle(g, Kind::Group), childPath(relPath)};
}

Hdf5Dataset Hdf5Group::dataset(const std::string& relPath) const
{
    const H5I_type_t type = childType(relPath);
    if (type == H5I_BADID) {
        fail("no dataset " + inQuotes(relPath));
    }
    if (type != H5I_DATASET) {
        fail(inQuotes(relPath) + " is " + (type == H5I_GROUP ? "a group" : "not a dataset") + ", expected a dataset");
    }
    hid_t d = H5Dopen2(id(), relPath.c_str(), H5P_DEFAULT);
    if (d < 0) {
        fail(withReason("cannot open dataset " + inQuotes(relPath)));
    }
    return {m_context, shareHandle(d, Kind::Dataset), childPath(relPath)};
}

namespace {

Hdf5Handle intermediateGroupsList()
{
    Hdf5Handle lcpl(H5Pcreate(H5P_LINK_CREATE), Kind::PropertyList);
    H5Pset_create_intermediate_group(lcpl.id(), 1);
    H5Pset_char_encoding(lcpl.id(), H5T_CSET_UTF8);
    return lcpl;
}

} // namespace

Hdf5Group Hdf5Group::createGroup(const std::string& relPath)
{
    if (hasChild(relPath)) {
        fail("cannot create group " + inQuotes(relPath) + ": it already exists");
    }
    Hdf5Handle lcpl = intermediateGroupsList();
    hid_t g = H5Gcreate2(id(), relPath.c_str(), lcpl.id(), H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        fail(withReason("cannot create group " + inQuotes(relPath)));
    }
    return {m_context, shareHandle(g, Kind::Group), childPath(relPath)};
}

Hdf5Dataset Hdf5Group::writeDatasetImpl(const std::string& relPath, const Shape& shape, const void* values,
    hid_t fileType, hid_t memoryType, std::size_t itemSize, const Hdf5WriteOptions& options)
{
    if (shape.size() > H5S_MAX_RANK) {
        fail("cannot write dataset " + inQuotes(relPath) + ": rank " + std::to_string(shape.size())
            + " exceeds HDF5's limit of " + std::to_string(H5S_MAX_RANK));
    }
    Index volume = 0;
    try {
        volume = shapeVolume(shape);
    } catch (const std::invalid_argument& e) {
        fail("cannot write dataset " + inQuotes(relPath) + ": " + e.what());
    }
    if (volume > 0 && values == nullptr) {
        fail("cannot write dataset " + inQuotes(relPath) + ": no values given");
    }
    if (hasChild(relPath)) {
        fail("cannot write dataset " + inQuotes(relPath) + ": it already exists");
    }
    const std::vector<hsize_t> dims(shape.begin(), shape.end());
    Hdf5Handle space(
        shape.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
        Kind::Dataspace);
    Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), Kind::PropertyList);
    if (!space || !dcpl) {
        fail(withReason("cannot write dataset " + inQuotes(relPath)));
    }
    const bool compress = options.deflateLevel > 0;
    if ((options.chunked || compress) && volume > 0 && !shape.empty()) {
        const std::vector<hsize_t> chunk = hdf5ChunkDims(shape, itemSize);
        if (H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()) < 0) {
            fail(withReason("cannot write dataset " + inQuotes(relPath) + ": chunking failed"));
        }
        if (compress) {
            // Shuffle groups the bytes of each significance together, which makes float data compress much
            // better; both filters are built into every HDF5 (h5py reads them without plugins).
            if (H5Pset_shuffle(dcpl.id()) < 0 || H5Pset_deflate(dcpl.id(), std::min(options.deflateLevel, 9)) < 0) {
                fail(withReason("cannot write dataset " + inQuotes(relPath) + ": deflate is unavailable"));
            }
        }
    }
    Hdf5Handle lcpl = intermediateGroupsList();
    hid_t d = H5Dcreate2(id(), relPath.c_str(), fileType, space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT);
    if (d < 0) {
        fail(withReason("cannot create dataset " + inQuotes(relPath)));
    }
    auto handle = shareHandle(d, Kind::Dataset);
    if (volume > 0 && H5Dwrite(d, memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
        fail(withReason("cannot write dataset " + inQuotes(relPath)));
    }
    return {m_context, std::move(handle), childPath(relPath)};
}

Hdf5Dataset Hdf5Group::writeDataset(
    const std::string& relPath, const Shape& shape, const float* values, const Hdf5WriteOptions& options)
{
    return writeDatasetImpl(relPath, shape, values, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, sizeof(float), options);
}

Hdf5Dataset Hdf5Group::writeDataset(
    const std::string& relPath, const Shape& shape, const std::uint8_t* values, const Hdf5WriteOptions& options)
{
    return writeDatasetImpl(relPath, shape, values, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, options);
}

Hdf5Dataset Hdf5Group::writeDataset(
    const std::string& relPath, const Shape& shape, const std::int32_t* values, const Hdf5WriteOptions& options)
{
    return writeDatasetImpl(relPath, shape, values, H5T_STD_I32LE, H5T_NATIVE_INT32, sizeof(std::int32_t), options);
}

// ---------------------------------------------------------------------------------------------------
// Hdf5File

Hdf5File::Hdf5File(std::shared_ptr<detail::Hdf5FileContext> context)
    : m_context(std::move(context))
{
}

Hdf5File Hdf5File::openReadOnly(const std::string& path)
{
    silenceHdf5Errors();
    InputFile input = openInputFile(path, "an HDF5 file");
    std::ifstream& in = input.stream;
    const std::uint64_t size = input.size;
    const bool signature = findSignature(size, [&](std::uint64_t offset, unsigned char* out) {
        in.clear();
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(reinterpret_cast<char*>(out), 8);
        return static_cast<bool>(in);
    });
    if (!signature) {
        std::array<unsigned char, 8> start {};
        in.clear();
        in.seekg(0);
        in.read(reinterpret_cast<char*>(start.data()), static_cast<std::streamsize>(start.size()));
        const auto got = static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0));
        throw FileError(path,
            size == 0
                ? std::string("empty file, not HDF5")
                : "not an HDF5 file (no HDF5 signature; starts with \"" + printablePrefix(start.data(), got) + "\")");
    }
    in.close();

    Hdf5Handle fapl = makeFileAccessList(path);
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id());
    if (file < 0) {
        throw FileError(path, openFailure());
    }
    auto context = std::make_shared<detail::Hdf5FileContext>();
    context->name = path;
    context->file = Hdf5Handle(file, Kind::File);
    return Hdf5File(std::move(context));
}

Hdf5File Hdf5File::openImage(std::vector<unsigned char> bytes, const std::string& nameForErrors)
{
    silenceHdf5Errors();
    const std::size_t size = bytes.size();
    const bool signature = findSignature(size, [&](std::uint64_t offset, unsigned char* out) {
        std::memcpy(out, bytes.data() + offset, 8);
        return true;
    });
    if (!signature) {
        throw FileError(nameForErrors,
            size == 0
                ? std::string("empty, not HDF5")
                : "not HDF5 data (no HDF5 signature; starts with \"" + printablePrefix(bytes.data(), size) + "\")");
    }
    // The core (in-memory) driver without a backing store; H5Pset_file_image copies the buffer, so the image is held
    // twice while the file opens.
    checkFileMemory(size, "HDF5's copy of the in-memory file", nameForErrors);
    Hdf5Handle fapl = makeFileAccessList(nameForErrors);
    if (H5Pset_fapl_core(fapl.id(), 1U << 16, 0) < 0 || H5Pset_file_image(fapl.id(), bytes.data(), size) < 0) {
        throw FileError(nameForErrors, withReason("cannot set up an in-memory HDF5 file"));
    }
    hid_t file = H5Fopen(nameForErrors.c_str(), H5F_ACC_RDONLY, fapl.id());
    if (file < 0) {
        throw FileError(nameForErrors, openFailure());
    }
    auto context = std::make_shared<detail::Hdf5FileContext>();
    context->name = nameForErrors;
    context->file = Hdf5Handle(file, Kind::File);
    return Hdf5File(std::move(context));
}

Hdf5File Hdf5File::create(const std::string& path, const std::string& nameForErrors)
{
    silenceHdf5Errors();
    const std::string name = nameForErrors.empty() ? path : nameForErrors;
    Hdf5Handle fapl = makeFileAccessList(name);
    hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
    if (file < 0) {
        throw FileError(name, withReason("cannot create HDF5 file"));
    }
    auto context = std::make_shared<detail::Hdf5FileContext>();
    context->name = name;
    context->file = Hdf5Handle(file, Kind::File);
    return Hdf5File(std::move(context));
}

Hdf5File Hdf5File::createInMemory(const std::string& nameForErrors)
{
    silenceHdf5Errors();
    Hdf5Handle fapl = makeFileAccessList(nameForErrors);
    if (H5Pset_fapl_core(fapl.id(), std::size_t {1} << 20, 0) < 0) {
        throw FileError(nameForErrors, withReason("cannot set up an in-memory HDF5 file"));
    }
    // A name of its own: HDF5 refuses to create a file it already has open, and the final file may be open for
    // reading in this very process.
    static std::atomic<unsigned long> counter {0};
    const std::string memoryName = "rnnscope-in-memory-" + std::to_string(counter++);
    hid_t file = H5Fcreate(memoryName.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id());
    if (file < 0) {
        throw FileError(nameForErrors, withReason("cannot create an in-memory HDF5 file"));
    }
    auto context = std::make_shared<detail::Hdf5FileContext>();
    context->name = nameForErrors;
    context->file = Hdf5Handle(file, Kind::File);
    return Hdf5File(std::move(context));
}

std::vector<unsigned char> Hdf5File::takeImage()
{
    flush();
    const ssize_t size = H5Fget_file_image(id(), nullptr, 0);
    std::vector<unsigned char> bytes(size > 0 ? static_cast<std::size_t>(size) : 0U);
    if (size <= 0 || H5Fget_file_image(id(), bytes.data(), bytes.size()) != size) {
        throw FileError(m_context->name, withReason("cannot take the HDF5 file's image"));
    }
    close();
    return bytes;
}

const std::string& Hdf5File::path() const
{
    return m_context->name;
}

hid_t Hdf5File::id() const
{
    return m_context->file.id();
}

Hdf5Group Hdf5File::root() const
{
    if (!m_context->file) {
        throw FileError(m_context->name, "/: the file is closed");
    }
    hid_t g = H5Gopen2(m_context->file.id(), "/", H5P_DEFAULT);
    if (g < 0) {
        throw FileError(m_context->name, withReason("/: cannot open the root group"));
    }
    return {m_context, shareHandle(g, Kind::Group), "/"};
}

std::uint64_t Hdf5File::fileSize() const
{
    hsize_t size = 0;
    if (!m_context->file || H5Fget_filesize(m_context->file.id(), &size) < 0) {
        throw FileError(m_context->name, withReason("cannot determine the file size"));
    }
    return size;
}

void Hdf5File::flush()
{
    if (!m_context->file || H5Fflush(m_context->file.id(), H5F_SCOPE_GLOBAL) < 0) {
        throw FileError(m_context->name, withReason("cannot flush the file"));
    }
}

void Hdf5File::close()
{
    if (!m_context->file) {
        return;
    }
    if (m_context->file.close() < 0) {
        throw FileError(m_context->name, withReason("cannot close the file (data may not have been written)"));
    }
}

// Chunks of whole trailing axes where possible: traces are read one sample (leading index) at a time, so
// halving leading axes first keeps each sample's time series in as few chunks as possible.
std::vector<hsize_t> hdf5ChunkDims(const Shape& shape, std::size_t itemSize)
{
    std::vector<hsize_t> chunk(shape.begin(), shape.end());
    auto bytes = [&] {
        std::uint64_t b = itemSize;
        for (hsize_t c : chunk) {
            b *= c;
        }
        return b;
    };
    std::size_t axis = 0;
    while (bytes() > kTargetChunkBytes && axis < chunk.size()) {
        if (chunk[axis] > 1) {
            chunk[axis] = (chunk[axis] + 1) / 2;
        } else {
            ++axis;
        }
    }
    return chunk;
}

} // namespace rnnscope::io
