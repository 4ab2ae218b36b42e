#include "hdf5_object_check.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <vector>

#include "hdf5_check_format.h"
#include "hdf5_dense_attributes.h"

namespace rnnscope::io::detail {

namespace {

constexpr std::uint16_t kContinuationMessage = 0x0010; // HDF5 file format spec IV.A.2.q
constexpr std::uint16_t kAttributeMessage = 0x000C; // IV.A.2.m
constexpr std::uint16_t kLinkMessage = 0x0006; // IV.A.2.g
constexpr std::uint16_t kLayoutMessage = 0x0008; // IV.A.2.i
constexpr std::uint16_t kDataspaceMessage = 0x0001; // IV.A.2.b
constexpr std::uint16_t kLinkInfoMessage = 0x0002; // IV.A.2.c
constexpr std::uint16_t kAttributeInfoMessage = 0x0015; // IV.A.2.v
constexpr unsigned kVariableLengthClass = 9; // IV.A.2.d
constexpr std::size_t kMaxChunks = 1 << 16; // a bound on the walk, far above any Keras file's object headers

// One object header chunk whose messages are walked: where its messages start and end, and the header's version.
struct Chunk
{
    std::uint64_t begin;
    std::uint64_t end;
    int version; // 1 or 2: the message header layouts differ
    std::uint8_t flags; // version 2: whether messages carry a creation order
};

class Walker
{
public:
    Walker(std::uint64_t base, std::uint64_t fileSize, const Hdf5ReadAt& readAt)
        : m_base(base)
        , m_size(fileSize)
        , m_readAt(readAt)
        , m_dense(base, fileSize, readAt,
              [this](std::uint64_t at, const std::vector<unsigned char>& m) { return attribute(at, m); })
    {
    }
    Walker(const Walker&) = delete; // m_dense calls back into this Walker
    Walker& operator=(const Walker&) = delete;

    // A version 1 object header at relative address `address` (IV.A.1.a); anything that is not one is HDF5's to report.
    std::string header(std::uint64_t address)
    {
        const std::uint64_t at = m_base + address;
        std::array<unsigned char, 16> prefix {};
        if (address >= m_size || !m_readAt(at, prefix.data(), prefix.size()) || prefix[0] != 1 || prefix[1] != 0) {
            return {};
        }
        const std::uint64_t size = readLe(prefix.data() + 8, 4);
        if (!fits(at + 16, size, m_size)) {
            return claim("an object header", at, size, m_size);
        }
        return walk({at + 16, at + 16 + size, 1, 0});
    }

    // A version 2 object header found by its signature (IV.A.1.b).
    std::string headerV2(std::uint64_t at)
    {
        std::array<unsigned char, 6> prefix {};
        if (!m_readAt(at, prefix.data(), prefix.size()) || prefix[4] != 2) {
            return {};
        }
        const std::uint8_t flags = prefix[5];
        std::uint64_t p = at + 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
        const int width = 1 << (flags & 0x03);
        std::array<unsigned char, 8> field {};
        if (!m_readAt(p, field.data(), static_cast<std::size_t>(width))) {
            return {};
        }
        const std::uint64_t size = readLe(field.data(), width);
        p += static_cast<std::uint64_t>(width);
        if (!fits(p, size, m_size)) {
            return claim("an object header", at, size, m_size);
        }
        return walk({p, p + size, 2, flags});
    }

private:
    // The messages of a chunk and of the continuation chunks they lead to; continuation lengths must fit the file.
    std::string walk(Chunk first)
    {
        std::vector<Chunk> pending {first};
        std::vector<std::uint64_t> extent; // a dataset's largest dimensions (its dataspace message)
        std::vector<std::uint64_t> chunkDims; // and its chunks' (a chunked layout message)
        while (!pending.empty()) {
            const Chunk c = pending.back();
            pending.pop_back();
            if (!m_seen.insert(c.begin).second || m_seen.size() > kMaxChunks) {
                continue;
            }
            const std::uint64_t headerSize = c.version == 1 ? 8 : 4 + ((c.flags & 0x04) != 0 ? 2 : 0);
            std::uint64_t p = c.begin;
            while (c.end - p >= headerSize) {
                std::array<unsigned char, 8> h {};
                if (!m_readAt(p, h.data(), static_cast<std::size_t>(headerSize))) {
                    return {};
                }
                const std::uint16_t type = c.version == 1 ? static_cast<std::uint16_t>(readLe(h.data(), 2)) : h[0];
                const std::uint64_t size = c.version == 1 ? readLe(h.data() + 2, 2) : readLe(h.data() + 1, 2);
                p += headerSize;
                if (size > c.end - p) {
                    return {}; // HDF5 reports a message running past its chunk
                }
                if (type == kAttributeMessage) {
                    std::vector<unsigned char> m(static_cast<std::size_t>(size));
                    if (!m_readAt(p, m.data(), m.size())) {
                        return {};
                    }
                    if (std::string problem = attribute(p, m); !problem.empty()) {
                        return problem;
                    }
                }
                if (type == kLayoutMessage) {
                    if (std::string problem = layout(p, size, chunkDims); !problem.empty()) {
                        return problem;
                    }
                }
                if (type == kDataspaceMessage) {
                    extent = dataspaceExtent(p, size);
                }
                if (type == kLinkInfoMessage || type == kAttributeInfoMessage) {
                    if (std::string problem = denseStorage(p, size, type); !problem.empty()) {
                        return problem;
                    }
                }
                if (type == kLinkMessage) {
                    if (const std::uint64_t target = hardLinkTarget(p, size); target != kNoAddress) {
                        m_linked.push_back(target);
                    }
                }
                if (type == kContinuationMessage && size >= 16) {
                    std::array<unsigned char, 16> cont {};
                    if (!m_readAt(p, cont.data(), cont.size())) {
                        return {};
                    }
                    const std::uint64_t at = m_base + readLe(cont.data(), 8);
                    const std::uint64_t length = readLe(cont.data() + 8, 8);
                    if (!fits(at, length, m_size)) {
                        return claim("an object header continuation", p, length, m_size);
                    }
                    // A version 2 continuation chunk starts with "OCHK" and ends with a checksum.
                    if (c.version == 1) {
                        pending.push_back({at, at + length, 1, 0});
                    } else if (length >= 8) {
                        pending.push_back({at + 4, at + length - 4, 2, c.flags});
                    }
                }
                p += size;
            }
        }
        return chunkProblem(extent, chunkDims);
    }

    // HDF5 sizes its chunk buffers and selections by the chunk dimensions and does not hold them to the dataset's
    // (H5D__chunk_init); a chunk dimension beyond a fixed dimension of the dataset (which H5Pset_chunk refuses
    // when writing) made it copy from far outside its buffers.
    static std::string chunkProblem(const std::vector<std::uint64_t>& extent, const std::vector<std::uint64_t>& chunk)
    {
        if (extent.empty() || chunk.size() != extent.size()) {
            return {};
        }
        for (std::size_t d = 0; d < chunk.size(); ++d) {
            if (chunk[d] == 0 || (extent[d] != kNoAddress && chunk[d] > std::max<std::uint64_t>(extent[d], 1))) {
                return "a dataset has chunks of " + std::to_string(chunk[d]) + " along dimension " + std::to_string(d)
                    + ", which holds at most " + std::to_string(extent[d]);
            }
        }
        return {};
    }

    // A dataspace message's maximum dimensions (its dimensions when none are given; unlimited is all ones).
    std::vector<std::uint64_t> dataspaceExtent(std::uint64_t at, std::uint64_t size)
    {
        std::vector<unsigned char> m(static_cast<std::size_t>(std::min<std::uint64_t>(size, 8 + 16 * 32)));
        if (m.size() < 4 || !m_readAt(at, m.data(), m.size()) || (m[0] != 1 && m[0] != 2)) {
            return {};
        }
        const unsigned rank = m[1];
        const bool hasMax = (m[2] & 0x01) != 0;
        const std::uint64_t dimsAt = m[0] == 1 ? 8 : 4;
        const std::uint64_t from = dimsAt + (hasMax ? 8 * static_cast<std::uint64_t>(rank) : 0);
        if (rank == 0 || from + 8 * static_cast<std::uint64_t>(rank) > m.size()) {
            return {};
        }
        std::vector<std::uint64_t> dims(rank);
        for (unsigned d = 0; d < rank; ++d) {
            dims[d] = readLe(&m[from + 8 * d], 8);
        }
        return dims;
    }

    // A dataset's data layout message (IV.A.2.i), version 3 (what HDF5 1.8 and later write). HDF5 copies compact
    // data from the message and contiguous data from the file by the sizes given here (H5D__compact_readvv,
    // H5D__contig_readvv), without checking them against the message or the file's end; reading from an in-memory
    // image, a read past its end is a crash. Chunked layouts hand their chunk dimensions to the header's check.
    std::string layout(std::uint64_t at, std::uint64_t size, std::vector<std::uint64_t>& chunkDims)
    {
        std::array<unsigned char, 18> m {};
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, m.size()));
        if (size < 2 || !m_readAt(at, m.data(), n) || m[0] != 3) {
            return {};
        }
        const std::string where = "a dataset's data layout at byte " + std::to_string(at);
        if (m[1] == 0) { // compact: a 2-byte size, then the data
            const std::uint64_t dataSize = size >= 4 ? readLe(&m[2], 2) : 0;
            if (size < 4 || dataSize > size - 4) {
                return where + " claims " + std::to_string(dataSize) + " bytes of compact data in a message of "
                    + std::to_string(size) + " bytes";
            }
        } else if (m[1] == 2) { // chunked: dimensionality, B-tree address, then 4-byte dimensions, the last the
                                // element size
            std::vector<unsigned char> c(static_cast<std::size_t>(size));
            const unsigned dimensionality = m[2];
            if (dimensionality < 2 || 11 + 4 * static_cast<std::uint64_t>(dimensionality) > size
                || !m_readAt(at, c.data(), c.size())) {
                return {};
            }
            chunkDims.clear();
            for (unsigned d = 0; d + 1 < dimensionality; ++d) {
                chunkDims.push_back(readLe(&c[11 + 4 * d], 4));
            }
        } else if (m[1] == 1) { // contiguous: the data's address and size
            if (size < 18) {
                return where + " is too short for a contiguous layout";
            }
            const std::uint64_t address = readLe(&m[2], 8);
            const std::uint64_t dataSize = readLe(&m[10], 8);
            if (address != kNoAddress && !fits(m_base + address, dataSize, m_size)) {
                return claim("a dataset's contiguous data", m_base + address, dataSize, m_size);
            }
        }
        return {};
    }

    // A link info (IV.A.2.c) or attribute info (IV.A.2.v) message: with dense storage, the group's links or the
    // object's attributes are in a fractal heap indexed by a version 2 B-tree, at the addresses given here. libhdf5
    // trusts the addresses: fuzzed files with addresses past the file's end crashed its B-tree lookups. Real files
    // use dense storage (tf-keras 2.13's .keras weights), so the addresses are checked, not the storage refused; the
    // attributes' structures are then walked (DenseAttributeWalk), the links' are not.
    std::string denseStorage(std::uint64_t at, std::uint64_t size, std::uint16_t type)
    {
        std::array<unsigned char, 26> m {};
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, m.size()));
        if (size < 2 || !m_readAt(at, m.data(), n) || m[0] != 0) {
            return {};
        }
        const bool links = type == kLinkInfoMessage;
        // Version, flags, then the maximum creation index when tracked (8 bytes for links, 2 for attributes).
        std::size_t field = 2 + ((m[1] & 0x01) != 0 ? (links ? 8 : 2) : 0);
        // The fractal heap, then the name index B-tree; each header is at least 16 bytes.
        std::array<std::uint64_t, 2> addresses {kNoAddress, kNoAddress};
        for (std::size_t k = 0; k < addresses.size(); ++k) {
            if (n < field + 8) {
                return {};
            }
            const std::uint64_t address = readLe(m.data() + field, 8);
            if (address != kNoAddress && !fits(m_base + address, 16, m_size)) {
                return std::string(links ? "a group's links" : "an object's attributes") + " at byte "
                    + std::to_string(at) + " name a " + (k == 0 ? "fractal heap" : "name index B-tree") + " at byte "
                    + std::to_string(address) + ", past the end of the file (" + std::to_string(m_size) + " bytes)";
            }
            addresses[k] = address;
            field += 8;
        }
        // Link messages in dense storage are not read (see hardLinkTarget); attribute messages are, as compact ones.
        if (links || addresses[0] == kNoAddress || addresses[1] == kNoAddress) {
            return {};
        }
        return m_dense.walk(m_base + addresses[0], m_base + addresses[1]);
    }

    // The object a link message (IV.A.2.g) of a group stored compactly (the "new-style" groups HDF5 1.8 and later
    // write when link creation order is tracked) points to, or kNoAddress when it is not a hard link. Groups in dense
    // storage keep their link messages in a fractal heap, which this walk does not read.
    std::uint64_t hardLinkTarget(std::uint64_t at, std::uint64_t size)
    {
        std::vector<unsigned char> m(static_cast<std::size_t>(size));
        if (size < 2 || !m_readAt(at, m.data(), m.size()) || m[0] != 1) {
            return kNoAddress;
        }
        const std::uint8_t flags = m[1];
        std::uint64_t p = 2;
        unsigned linkType = 0;
        if ((flags & 0x08) != 0) {
            linkType = p < size ? m[p] : 1;
            ++p;
        }
        p += ((flags & 0x04) != 0 ? 8 : 0) + ((flags & 0x10) != 0 ? 1 : 0);
        const int width = 1 << (flags & 0x03);
        if (linkType != 0 || p + static_cast<std::uint64_t>(width) > size) {
            return kNoAddress;
        }
        const std::uint64_t nameLength = readLe(&m[p], width);
        p += static_cast<std::uint64_t>(width);
        if (nameLength > size - p || size - p - nameLength < 8) {
            return kNoAddress;
        }
        return readLe(&m[p + nameLength], 8);
    }

public:
    // Walks the object headers that the link messages seen so far point to, and those their links point to.
    std::string linkedHeaders()
    {
        while (!m_linked.empty()) {
            const std::uint64_t address = m_linked.back();
            m_linked.pop_back();
            if (std::string problem = header(address); !problem.empty()) {
                return problem;
            }
        }
        return {};
    }

private:
    // An attribute message (IV.A.2.m) of a variable-length type (the strings h5py writes): each element is a
    // length, a global heap collection address and an object index (VII.B). HDF5 allocates the length before it
    // reads the object, and does not check that the index names an object (H5HG_read only asserts it), so both are
    // checked against the collection. Shared types and spaces, and layouts not understood, are left to HDF5.
    // `m` holds the message's bytes, read from byte `at` of the file (an object header, or a fractal heap when the
    // attributes are in dense storage); the problems name that byte.
    std::string attribute(std::uint64_t at, const std::vector<unsigned char>& m)
    {
        const std::uint64_t size = m.size();
        if (size < 8) {
            return {};
        }
        const unsigned version = m[0];
        if (version < 1 || version > 3 || (version >= 2 && (m[1] & 0x03) != 0)) {
            return {};
        }
        const auto pad = [&](std::uint64_t n) { return version == 1 ? (n + 7) / 8 * 8 : n; };
        const std::uint64_t nameSize = readLe(&m[2], 2);
        const std::uint64_t typeSize = readLe(&m[4], 2);
        const std::uint64_t spaceSize = readLe(&m[6], 2);
        const std::uint64_t nameAt = version == 3 ? 9 : 8;
        // The name is null-terminated and its size counts the terminator; HDF5 strdup()s it from the message
        // (H5O_attr_decode) without looking at that size, so a name with no terminator in the message is read on
        // past the message's buffer.
        if (nameAt > size || nameSize > size - nameAt
            || std::memchr(m.data() + nameAt, '\0', static_cast<std::size_t>(nameSize)) == nullptr) {
            return "an attribute at byte " + std::to_string(at) + " has a name of " + std::to_string(nameSize)
                + " bytes that is not null-terminated within its message";
        }
        const std::uint64_t typeAt = nameAt + pad(nameSize);
        const std::uint64_t spaceAt = typeAt + pad(typeSize);
        const std::uint64_t dataAt = spaceAt + pad(spaceSize);
        // HDF5 decodes the type and the dataspace from where they start, and then copies the values, without
        // checking that any of them lies within the message (H5O_attr_decode): a message that does not hold what its
        // sizes say is read past its end.
        const std::string where = "an attribute at byte " + std::to_string(at);
        if (typeSize < 8 || spaceSize < 4 || dataAt > size) {
            return where + " declares a type of " + std::to_string(typeSize) + " bytes and a dataspace of "
                + std::to_string(spaceSize) + " bytes that its message of " + std::to_string(size)
                + " bytes cannot hold";
        }
        // Dataspace (IV.A.2.b): version, rank, flags, then (version 1) five reserved bytes or (version 2) a type.
        const unsigned spaceVersion = m[spaceAt];
        const unsigned rank = m[spaceAt + 1];
        const std::uint64_t dimsAt = spaceAt + (spaceVersion == 1 ? 8 : 4);
        if (spaceVersion != 1 && spaceVersion != 2) {
            return {}; // HDF5 refuses other versions itself
        }
        // The dimensions, and the maximum dimensions when flagged, must lie within the message.
        const std::uint64_t dimsBytes = 8 * static_cast<std::uint64_t>(rank) * ((m[spaceAt + 2] & 0x01) != 0 ? 2 : 1);
        if (dimsAt + dimsBytes > size) {
            return where + " has a dataspace of rank " + std::to_string(rank) + " that its message cannot hold";
        }
        // HDF5 copies elements x element size bytes of values from the message (H5O_attr_decode, H5A__read) without
        // checking that the message holds them.
        const std::uint64_t elementSize = readLe(&m[typeAt + 4], 4);
        const std::uint64_t room = size - dataAt;
        std::uint64_t count = spaceVersion == 2 && m[spaceAt + 3] == 2 ? 0 : 1; // a null dataspace holds nothing
        bool tooMany = false;
        for (unsigned d = 0; d < rank; ++d) {
            const std::uint64_t dim = readLe(&m[dimsAt + 8 * d], 8);
            if (dim != 0 && count > room / dim) {
                tooMany = true;
            }
            count = tooMany ? count : count * dim;
        }
        if (count != 0 && elementSize != 0 && (tooMany || count > room / elementSize)) {
            return where + " has a dataspace and type needing more than the " + std::to_string(room)
                + " bytes of values it holds";
        }
        if ((m[typeAt] & 0x0f) != kVariableLengthClass) {
            return {};
        }
        // On disk a variable-length element is a length, a heap address and an index: 16 bytes with 8-byte
        // addresses, which HDF5 converts from whatever size the type declares, reading past the values otherwise.
        // Its base type follows the 8-byte type header (at least a 12-byte integer or string type): HDF5 decodes it
        // from there whatever size the message gives the type.
        if (typeSize < 20) {
            return where + " declares a variable-length type of " + std::to_string(typeSize)
                + " bytes, too short for its base type";
        }
        if (elementSize != 16) {
            return "an attribute at byte " + std::to_string(at) + " declares variable-length elements of "
                + std::to_string(elementSize) + " bytes; they are 16";
        }
        for (std::uint64_t k = 0; k < count; ++k) {
            const unsigned char* e = &m[dataAt + 16 * k];
            const std::uint64_t length = readLe(e, 4);
            if (length == 0) {
                continue; // HDF5 reads nothing for an empty sequence
            }
            const std::uint64_t collection = m_base + readLe(e + 4, 8);
            const std::uint64_t index = readLe(e + 12, 4);
            const std::uint64_t objectSize = heapObjectSize(collection, index);
            if (objectSize == kNoObject) {
                return "an attribute at byte " + std::to_string(at) + " refers to global heap object "
                    + std::to_string(index) + " at byte " + std::to_string(collection) + ", which does not exist";
            }
            if (length > objectSize) {
                return "an attribute at byte " + std::to_string(at) + " claims a value of " + std::to_string(length)
                    + " bytes, but its global heap object holds " + std::to_string(objectSize);
            }
        }
        return {};
    }

    static constexpr std::uint64_t kNoObject = ~std::uint64_t {0};

    // The size of object `index` of the global heap collection at `at` (III.E), or kNoObject.
    std::uint64_t heapObjectSize(std::uint64_t at, std::uint64_t index)
    {
        std::array<unsigned char, 16> header {};
        if (index == 0 || !m_readAt(at, header.data(), header.size())
            || std::memcmp(header.data(), "GCOL\x01", 5) != 0) {
            return kNoObject;
        }
        const std::uint64_t size = readLe(header.data() + 8, 8);
        if (!fits(at, size, m_size)) {
            return kNoObject;
        }
        for (std::uint64_t p = at + 16; size - (p - at) >= 16;) {
            std::array<unsigned char, 16> object {};
            if (!m_readAt(p, object.data(), object.size())) {
                return kNoObject;
            }
            const std::uint64_t objectIndex = readLe(object.data(), 2);
            const std::uint64_t objectSize = readLe(object.data() + 8, 8);
            if (objectIndex == index) {
                // H5HG_read copies the object's bytes from the collection it loaded without checking that they lie
                // within it.
                return objectSize <= size - (p - at) - 16 ? objectSize : kNoObject;
            }
            if (objectIndex == 0) {
                return kNoObject; // the free space ends the objects
            }
            const std::uint64_t step = 16 + (objectSize + 7) / 8 * 8;
            if (objectSize > size || step >= size - (p - at)) {
                return kNoObject;
            }
            p += step;
        }
        return kNoObject;
    }

    std::uint64_t m_base;
    std::uint64_t m_size;
    const Hdf5ReadAt& m_readAt;
    std::set<std::uint64_t> m_seen;
    DenseAttributeWalk m_dense; // calls attribute() back for the messages in dense storage
    std::vector<std::uint64_t> m_linked; // relative addresses of objects that link messages point to, not yet walked
};

// Calls `visit(offset, signature)` for every "SNOD", "OHDR" and "HEAP" in the file, in one pass of overlapping
// blocks (weights files can be large: the file is read once for all three).
template <typename F> std::string forEachSignature(std::uint64_t fileSize, const Hdf5ReadAt& readAt, F&& visit)
{
    constexpr std::size_t block = std::size_t {1} << 20;
    std::vector<unsigned char> buffer(block + 3);
    for (std::uint64_t start = 0; start < fileSize; start += block) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), fileSize - start));
        if (!readAt(start, buffer.data(), want)) {
            return {};
        }
        for (std::size_t i = 0; i + 4 <= want && i < block; ++i) {
            const unsigned char c = buffer[i];
            if (c != 'S' && c != 'O' && c != 'H') {
                continue;
            }
            for (const char* signature : {"SNOD", "OHDR", "HEAP"}) {
                if (std::memcmp(&buffer[i], signature, 4) == 0) {
                    if (std::string problem = visit(start + i, signature[0]); !problem.empty()) {
                        return problem;
                    }
                }
            }
        }
    }
    return {};
}

} // namespace

std::string checkHdf5ObjectSizes(std::uint64_t superblock, std::uint64_t fileSize, const Hdf5ReadAt& readAt)
{
    std::array<unsigned char, 96> sb {};
    if (!readAt(superblock, sb.data(), std::min<std::uint64_t>(sb.size(), fileSize - superblock))) {
        return {};
    }
    const unsigned version = sb[8];
    const bool eightByteFields = version <= 1 ? sb[13] == 8 && sb[14] == 8 : sb[9] == 8 && sb[10] == 8;
    if (version > 3 || !eightByteFields) {
        return {};
    }
    Walker walker(superblock, fileSize, readAt);
    // The root group: in the root symbol table entry of superblocks 0 and 1 (II.A), a field of its own from 2 on.
    const std::size_t rootAddress = version == 0 ? 56 + 8 : version == 1 ? 60 + 8 : 36;
    std::string problem = walker.header(readLe(sb.data() + rootAddress, 8));
    if (!problem.empty()) {
        return problem;
    }
    problem = forEachSignature(fileSize, readAt, [&](std::uint64_t at, char kind) -> std::string {
        if (kind == 'O') {
            return walker.headerV2(at);
        }
        if (kind == 'S') {
            // Symbol table node (III.B): version 1, a reserved byte, the number of entries, then 40-byte entries.
            std::array<unsigned char, 8> head {};
            if (!readAt(at, head.data(), head.size()) || head[4] != 1 || head[5] != 0) {
                return {};
            }
            const std::uint64_t count = readLe(head.data() + 6, 2);
            for (std::uint64_t k = 0; k < count; ++k) {
                std::array<unsigned char, 16> entry {};
                if (!readAt(at + 8 + 40 * k, entry.data(), entry.size())) {
                    return {};
                }
                if (std::string p = walker.header(readLe(entry.data() + 8, 8)); !p.empty()) {
                    return p;
                }
            }
            return {};
        }
        // Local heap (III.D): version 0, three reserved bytes, data segment size, free list offset, address.
        std::array<unsigned char, 32> heap {};
        if (!readAt(at, heap.data(), heap.size()) || heap[4] != 0 || heap[5] != 0 || heap[6] != 0 || heap[7] != 0) {
            return {};
        }
        const std::uint64_t size = readLe(heap.data() + 8, 8);
        if (!fits(superblock + readLe(heap.data() + 24, 8), size, fileSize)) {
            return claim("a local heap", at, size, fileSize);
        }
        return {};
    });
    return problem.empty() ? walker.linkedHeaders() : problem;
}

} // namespace rnnscope::io::detail
