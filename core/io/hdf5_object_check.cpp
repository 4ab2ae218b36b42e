#include "hdf5_object_check.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>
#include <utility>
#include <vector>

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
constexpr unsigned kAttributeNameRecord = 8; // III.A.2: a version 2 B-tree indexing attributes by name
constexpr unsigned kHugeObjectRecord = 1; // III.A.2: a fractal heap's huge objects (unfiltered, by ID)
constexpr std::uint8_t kSharedMessageFlag = 0x02; // IV.A.1.b: the message is stored elsewhere
constexpr unsigned kMaxTreeDepth = 16; // a bound on the walk; 512-byte nodes hold 10^16 records at depth 12
constexpr std::uint64_t kNodePrefix = 10; // a version 2 B-tree node's signature, version, type and checksum

std::uint64_t readLe(const unsigned char* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) {
        v = (v << 8) | p[i];
    }
    return v;
}

// True when [start, start + size) lies within the file.
bool fits(std::uint64_t start, std::uint64_t size, std::uint64_t fileSize)
{
    return start <= fileSize && size <= fileSize - start;
}

std::string claim(const char* what, std::uint64_t at, std::uint64_t size, std::uint64_t fileSize)
{
    return std::string(what) + " at byte " + std::to_string(at) + " claims " + std::to_string(size)
        + " bytes, beyond the end of the file (" + std::to_string(fileSize) + " bytes)";
}

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
    {
    }

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
    // object's attributes are in a fractal heap indexed by a version 2 B-tree, at the addresses given here. This walk
    // does not read those structures, but libhdf5 trusts the addresses: fuzzed files with addresses past the file's
    // end crashed its B-tree lookups. Real files use dense storage (tf-keras 2.13's .keras weights), so it is the
    // addresses that are checked, not the storage refused.
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
        return denseAttributes(m_base + addresses[0], m_base + addresses[1]);
    }

    // Dense attribute storage (IV.A.2.v): the attribute messages are objects of a fractal heap (III.G), found through
    // the records of a version 2 B-tree indexing them by name (III.A.2, record type 8). HDF5 decodes each message
    // from the heap as it does from an object header, and converts variable-length values the same way, allocating
    // the length a value claims (H5T__conv_vlen): a fuzzed file made it allocate 6.8 GB there. So every message the
    // name index leads to gets the check compact messages get (attribute()).
    std::string denseAttributes(std::uint64_t heapAt, std::uint64_t treeAt)
    {
        if (!m_denseSeen.insert(treeAt).second) {
            return {}; // objects can share attributes only by sharing their storage: walked once
        }
        FractalHeap heap;
        if (std::string problem = fractalHeap(heapAt, heap); !problem.empty() || heap.at == kNoAddress) {
            return problem;
        }
        // Name index record (III.A.2, type 8): an 8-byte heap ID, the message's flags (1), its creation order (4)
        // and the name's hash (4).
        return btreeRecords(treeAt, kAttributeNameRecord, 17, [&](std::uint64_t at, const unsigned char* record) {
            if ((record[8] & kSharedMessageFlag) != 0) {
                return std::string(); // the heap holds a reference to a shared message, not the message
            }
            return heapAttribute(heap, at, record);
        });
    }

    // What a fractal heap header (III.G) says about where its objects are. `at` stays kNoAddress for a heap this
    // walk leaves to HDF5.
    struct FractalHeap
    {
        std::uint64_t at = kNoAddress;
        std::uint8_t flags = 0;
        std::uint64_t hugeTree = kNoAddress; // the version 2 B-tree of huge objects (III.A.2, type 1)
        std::uint64_t width = 0; // of the doubling table: blocks per row
        std::uint64_t startBlock = 0; // the size of the blocks of rows 0 and 1; each later row doubles it
        unsigned startBits = 0; // log2 of startBlock
        unsigned firstRowBits = 0; // log2 of a row 0's span (width x startBlock)
        unsigned maxDirectRows = 0; // rows of direct blocks; further rows hold indirect blocks
        std::uint64_t root = kNoAddress;
        unsigned rootRows = 0; // 0: the root is a direct block of startBlock bytes
        unsigned offsetBytes = 0; // a heap ID's offset field, and a block's offset field
        unsigned lengthBytes = 0; // a heap ID's length field
        std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> huge; // ID -> address, length
        bool hugeRead = false;
    };

    static bool powerOfTwo(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

    static unsigned log2Floor(std::uint64_t v)
    {
        unsigned bits = 0;
        while (v > 1) {
            v >>= 1;
            ++bits;
        }
        return bits;
    }

    // H5VM_limit_enc_size: the bytes HDF5 uses to encode a count up to `v`.
    static unsigned encodedSize(std::uint64_t v) { return log2Floor(v) / 8 + 1; }

    // The header at `at` (III.G "Fractal Heap Header", 8-byte offsets and lengths): signature, version, heap ID
    // length (2), I/O filters' encoded length (2), flags (1), maximum managed object size (4), then lengths and
    // addresses up to the doubling table's parameters at byte 110.
    std::string fractalHeap(std::uint64_t at, FractalHeap& heap)
    {
        std::array<unsigned char, 142> h {};
        if (!m_readAt(at, h.data(), h.size()) || std::memcmp(h.data(), "FRHP", 4) != 0 || h[4] != 0) {
            return {}; // HDF5 checks the signature, version and checksum itself
        }
        if (readLe(&h[7], 2) != 0) {
            // Filtered (compressed) heaps: their blocks would have to be decompressed to be read. HDF5 writes
            // attribute heaps unfiltered, and so does h5py; such a heap is left to HDF5.
            return {};
        }
        const std::string where = "a fractal heap at byte " + std::to_string(at);
        const std::uint64_t idLength = readLe(&h[5], 2);
        // HDF5 keeps an attribute's heap ID in an 8-byte field (H5O_FHEAP_ID_LEN, the name index record's) and
        // decodes it by the header's sizes: longer IDs would be read past that field.
        if (idLength != 8) {
            return where + " has heap IDs of " + std::to_string(idLength) + " bytes; attribute heaps use 8";
        }
        const std::uint64_t maxManaged = readLe(&h[10], 4);
        heap.flags = h[9];
        heap.hugeTree = readLe(&h[22], 8);
        heap.width = readLe(&h[110], 2);
        heap.startBlock = readLe(&h[112], 8);
        const std::uint64_t maxDirect = readLe(&h[120], 8);
        const unsigned maxHeapBits = static_cast<unsigned>(readLe(&h[128], 2));
        heap.root = readLe(&h[132], 8);
        heap.rootRows = static_cast<unsigned>(readLe(&h[140], 2));
        // The doubling table (III.G): HDF5 computes rows, block sizes and offsets from these by shifts, without
        // checking them (H5HF__dtable_init).
        if (!powerOfTwo(heap.width) || !powerOfTwo(heap.startBlock) || !powerOfTwo(maxDirect)
            || maxDirect < heap.startBlock || maxHeapBits == 0 || maxHeapBits > 63 || maxManaged == 0) {
            return where + " has a doubling table HDF5 cannot use (width " + std::to_string(heap.width) + ", blocks of "
                + std::to_string(heap.startBlock) + " to " + std::to_string(maxDirect) + " bytes, offsets of "
                + std::to_string(maxHeapBits) + " bits)";
        }
        heap.startBits = log2Floor(heap.startBlock);
        heap.firstRowBits = heap.startBits + log2Floor(heap.width);
        heap.maxDirectRows = log2Floor(maxDirect) - heap.startBits + 2;
        const unsigned maxRootRows = maxHeapBits >= heap.firstRowBits ? maxHeapBits - heap.firstRowBits + 1 : 0;
        if (heap.firstRowBits >= maxHeapBits || heap.rootRows > maxRootRows) {
            return where + " has a root block of " + std::to_string(heap.rootRows)
                + " rows, more than its heap's offsets of " + std::to_string(maxHeapBits) + " bits can address";
        }
        // III.G "Fractal Heap ID": a managed object's ID is a version/type byte, its offset in the heap
        // (maximum heap size bits) and its length (H5HF__hdr_finish_init_phase1).
        heap.offsetBytes = (maxHeapBits + 7) / 8;
        heap.lengthBytes = std::min((log2Floor(maxDirect) + 7) / 8, encodedSize(maxManaged));
        if (1 + heap.offsetBytes + heap.lengthBytes > idLength) {
            return where + " has heap IDs of " + std::to_string(idLength) + " bytes, too short for the "
                + std::to_string(heap.offsetBytes) + "-byte offsets and " + std::to_string(heap.lengthBytes)
                + "-byte lengths of its objects";
        }
        heap.at = at;
        return {};
    }

    // Row `row` of a doubling table: the size of its blocks, and where the row starts in its block's offsets.
    static std::uint64_t rowBlockSize(const FractalHeap& heap, unsigned row)
    {
        return row == 0 ? heap.startBlock : heap.startBlock << (row - 1);
    }
    static std::uint64_t rowStart(const FractalHeap& heap, unsigned row)
    {
        return row == 0 ? 0 : (heap.width * heap.startBlock) << (row - 1);
    }

    // The attribute message whose heap ID is the first 8 bytes of `record` (a name index record at byte `at`):
    // found, read and checked as attribute() checks compact ones.
    std::string heapAttribute(FractalHeap& heap, std::uint64_t at, const unsigned char* record)
    {
        const std::string where = "an attribute in dense storage (B-tree record at byte " + std::to_string(at) + ")";
        const unsigned kind = record[0] >> 4;
        if ((record[0] & 0xc0) != 0 || kind > 2) {
            return {}; // a heap ID version or type HDF5 refuses itself (H5HF_op)
        }
        std::uint64_t objectAt = 0;
        std::uint64_t length = 0;
        if (kind == 2) {
            // A tiny object is stored in the ID itself: with 8-byte IDs, at most 7 bytes, too few for any attribute
            // message, which HDF5 would decode on past the record (H5HF__tiny_op_real, H5O_attr_decode).
            return where + " is a " + std::to_string((record[0] & 0x0f) + 1)
                + "-byte tiny heap object, too short for an attribute message";
        }
        if (kind == 1) {
            if (std::string problem = hugeObject(heap, where, readLe(record + 1, 7), objectAt, length);
                !problem.empty()) {
                return problem;
            }
        } else {
            const std::uint64_t offset = readLe(record + 1, static_cast<int>(heap.offsetBytes));
            length = readLe(record + 1 + heap.offsetBytes, static_cast<int>(heap.lengthBytes));
            if (std::string problem = managedObject(heap, where, offset, length, objectAt); !problem.empty()) {
                return problem;
            }
        }
        if (objectAt == kNoAddress) {
            return {};
        }
        std::vector<unsigned char> m(static_cast<std::size_t>(length));
        if (length < 8 || !m_readAt(objectAt, m.data(), m.size())) {
            return where + " is a heap object of " + std::to_string(length)
                + " bytes, too short for an attribute message";
        }
        return attribute(objectAt, m);
    }

    // Where the managed object at `offset` of the heap's address space lies in the file: the doubling table is walked
    // from the root block (III.G "Fractal Heap Direct Blocks" and "Fractal Heap Indirect Blocks"), as
    // H5HF__man_dblock_locate does. `objectAt` stays kNoAddress when a block is not what it should be (HDF5 checks
    // their signatures and checksums itself).
    std::string managedObject(const FractalHeap& heap, const std::string& where, std::uint64_t offset,
        std::uint64_t length, std::uint64_t& objectAt)
    {
        objectAt = kNoAddress;
        if (length == 0) {
            return where + " is an empty heap object";
        }
        if (heap.root == kNoAddress) {
            return where + " lies at offset " + std::to_string(offset) + " of a fractal heap with no blocks";
        }
        std::uint64_t block = heap.root;
        std::uint64_t blockOffset = 0; // where the current block starts in the heap's address space
        std::uint64_t blockSize = heap.startBlock;
        // Each indirect block has fewer rows than its parent, so the descent ends within as many steps as the root
        // has rows.
        for (unsigned rows = heap.rootRows; rows > 0;) {
            const std::uint64_t relative = offset - blockOffset;
            unsigned row = 0;
            if (relative >= heap.width * heap.startBlock) {
                row = log2Floor(relative) - heap.firstRowBits + 1;
            }
            if (offset < blockOffset || row >= rows) {
                return where + " lies at offset " + std::to_string(offset)
                    + " of its fractal heap, past the blocks that hold its objects";
            }
            const std::uint64_t size = rowBlockSize(heap, row);
            const std::uint64_t column = (relative - rowStart(heap, row)) / size;
            // Signature, version, heap header address, block offset, then one 8-byte child address per entry
            // (unfiltered heaps), row by row, and a checksum.
            const std::uint64_t iblock = m_base + block;
            const std::uint64_t entries = 13 + heap.offsetBytes;
            const std::uint64_t iblockSize = entries + 8 * heap.width * rows + 4;
            if (!fits(iblock, iblockSize, m_size)) {
                return claim("a fractal heap indirect block", iblock, iblockSize, m_size);
            }
            std::array<unsigned char, 8> child {};
            std::array<unsigned char, 5> signature {};
            if (!m_readAt(iblock, signature.data(), signature.size()) || std::memcmp(signature.data(), "FHIB\0", 5) != 0
                || !m_readAt(iblock + entries + 8 * (row * heap.width + column), child.data(), child.size())) {
                return {};
            }
            block = readLe(child.data(), 8);
            blockOffset += rowStart(heap, row) + column * size;
            blockSize = size;
            if (block == kNoAddress) {
                return where + " lies at offset " + std::to_string(offset)
                    + " of its fractal heap, in a block that was never allocated";
            }
            if (row < heap.maxDirectRows) {
                break;
            }
            // A child indirect block spans `size` bytes of offsets: as many rows as that takes
            // (H5HF__man_iblock_create).
            if (log2Floor(size) < heap.firstRowBits) {
                return where + " lies in an indirect block of its fractal heap smaller than one row of blocks";
            }
            rows = log2Floor(size) - heap.firstRowBits + 1;
        }
        // Signature, version, heap header address, block offset, and a checksum when the heap's flags say so.
        const std::uint64_t dblock = m_base + block;
        if (!fits(dblock, blockSize, m_size)) {
            return claim("a fractal heap direct block", dblock, blockSize, m_size);
        }
        std::array<unsigned char, 5> signature {};
        if (!m_readAt(dblock, signature.data(), signature.size()) || std::memcmp(signature.data(), "FHDB\0", 5) != 0) {
            return {};
        }
        const std::uint64_t overhead = 13 + heap.offsetBytes + ((heap.flags & 0x02) != 0 ? 4 : 0);
        const std::uint64_t inBlock = offset - blockOffset;
        if (inBlock < overhead || length > blockSize - inBlock) {
            return where + " is a heap object of " + std::to_string(length) + " bytes at offset "
                + std::to_string(inBlock) + " of a direct block of " + std::to_string(blockSize) + " bytes";
        }
        objectAt = dblock + inBlock;
        return {};
    }

    // Where huge object `id` lies (III.G: objects larger than the heap's managed maximum are stored on their own and
    // indexed by a version 2 B-tree of type 1 records: address, length, ID). HDF5 allocates the length before it reads
    // the object (H5HF__huge_op_real), so it must fit in the file.
    std::string hugeObject(
        FractalHeap& heap, const std::string& where, std::uint64_t id, std::uint64_t& objectAt, std::uint64_t& length)
    {
        objectAt = kNoAddress;
        if (!heap.hugeRead) {
            heap.hugeRead = true;
            if (heap.hugeTree != kNoAddress) {
                std::string problem = btreeRecords(
                    m_base + heap.hugeTree, kHugeObjectRecord, 24, [&](std::uint64_t, const unsigned char* record) {
                        heap.huge.emplace(
                            readLe(record + 16, 8), std::make_pair(readLe(record, 8), readLe(record + 8, 8)));
                        return std::string();
                    });
                if (!problem.empty()) {
                    return problem;
                }
            }
        }
        const auto found = heap.huge.find(id);
        if (found == heap.huge.end()) {
            return where + " refers to huge heap object " + std::to_string(id) + ", which its heap does not index";
        }
        const std::uint64_t address = m_base + found->second.first;
        length = found->second.second;
        if (!fits(address, length, m_size)) {
            return claim("a huge fractal heap object", address, length, m_size);
        }
        objectAt = address;
        return {};
    }

    // Calls `visit(at, record)` for every record of the version 2 B-tree whose header is at `at` (III.A.2), `at`
    // being the record's byte in the file, after checking the nodes it reads against the file and the header: HDF5
    // allocates a node-sized buffer (H5B2__hdr_init) and decodes as many records as the parent node says into
    // buffers sized by the node size (H5B2__cache_leaf_deserialize). The walk is iterative and bounded: depth at most
    // kMaxTreeDepth, no node twice, no more records than the file could hold.
    template <typename Visit>
    std::string btreeRecords(std::uint64_t at, unsigned type, std::uint64_t recordSize, Visit&& visit)
    {
        // Header: signature, version, type, node size (4), record size (2), depth (2), split and merge percent,
        // root node address, records in the root (2), records in the tree (8), checksum.
        std::array<unsigned char, 34> h {};
        if (!m_readAt(at, h.data(), h.size()) || std::memcmp(h.data(), "BTHD\0", 5) != 0 || h[5] != type) {
            return {}; // HDF5 checks the signature, version, type and checksum itself
        }
        const std::string where = "a version 2 B-tree at byte " + std::to_string(at);
        const std::uint64_t nodeSize = readLe(&h[6], 4);
        const std::uint64_t declaredRecordSize = readLe(&h[10], 2);
        const unsigned depth = static_cast<unsigned>(readLe(&h[12], 2));
        const std::uint64_t root = readLe(&h[16], 8);
        if (root == kNoAddress) {
            return {}; // an empty tree
        }
        if (nodeSize > m_size) {
            return claim("a version 2 B-tree's node size", at, nodeSize, m_size);
        }
        // HDF5 decodes records of its own fixed size for each type and steps by the header's.
        if (declaredRecordSize != recordSize || nodeSize < kNodePrefix + recordSize) {
            return where + " has records of " + std::to_string(declaredRecordSize) + " bytes in nodes of "
                + std::to_string(nodeSize) + " bytes; its type has records of " + std::to_string(recordSize);
        }
        if (depth > kMaxTreeDepth) {
            return where + " claims a depth of " + std::to_string(depth);
        }
        // Records per node and the sizes of an internal node's child pointers, per level (H5B2__hdr_init): a child's
        // address, its record count (sized for a leaf's maximum) and, below level 1, its subtree's record count
        // (sized for that subtree's maximum).
        std::vector<std::uint64_t> maxRecords {(nodeSize - kNodePrefix) / recordSize};
        std::vector<std::uint64_t> pointerSize {0};
        std::uint64_t subtreeMax = maxRecords[0];
        const unsigned countBytes = encodedSize(maxRecords[0]);
        for (unsigned level = 1; level <= depth; ++level) {
            const std::uint64_t pointer = 8 + countBytes + (level == 1 ? 0 : encodedSize(subtreeMax));
            if (nodeSize < kNodePrefix + pointer + recordSize + pointer) {
                return where + " has nodes of " + std::to_string(nodeSize) + " bytes, too small for its internal nodes";
            }
            const std::uint64_t records = (nodeSize - (kNodePrefix + pointer)) / (recordSize + pointer);
            maxRecords.push_back(records);
            pointerSize.push_back(pointer);
            // A real tree this deep would hold more records than any file: refused before the count overflows.
            if (subtreeMax > (std::uint64_t {1} << 56) / (records + 2)) {
                return where + " claims a depth of " + std::to_string(depth) + " with nodes of "
                    + std::to_string(nodeSize) + " bytes";
            }
            subtreeMax = (records + 1) * subtreeMax + records;
        }
        struct Node
        {
            std::uint64_t address;
            std::uint64_t records;
            unsigned level;
        };
        std::vector<Node> pending {{root, readLe(&h[24], 2), depth}};
        std::set<std::uint64_t> seen;
        const std::uint64_t maxTotal = m_size / recordSize;
        std::uint64_t total = 0;
        while (!pending.empty()) {
            const Node node = pending.back();
            pending.pop_back();
            const std::uint64_t nodeAt = m_base + node.address;
            if (!seen.insert(nodeAt).second) {
                return where + " reaches its node at byte " + std::to_string(nodeAt) + " twice";
            }
            if (seen.size() > m_size / kNodePrefix) {
                return where + " holds more nodes than the file can (" + std::to_string(m_size) + " bytes)";
            }
            if (node.records > maxRecords[node.level]) {
                return where + " has a node at byte " + std::to_string(nodeAt) + " said to hold "
                    + std::to_string(node.records) + " records, more than its " + std::to_string(maxRecords[node.level])
                    + " fit";
            }
            total += node.records;
            if (total > maxTotal) {
                return where + " holds more records than the file can (" + std::to_string(m_size) + " bytes)";
            }
            if (!fits(nodeAt, nodeSize, m_size)) {
                return claim("a version 2 B-tree node", nodeAt, nodeSize, m_size);
            }
            // Signature, version and type, the records, then (internal nodes) one more child pointer than records.
            const std::uint64_t used
                = 6 + node.records * recordSize + (node.level == 0 ? 0 : (node.records + 1) * pointerSize[node.level]);
            std::vector<unsigned char> n(static_cast<std::size_t>(used));
            if (!m_readAt(nodeAt, n.data(), n.size())
                || std::memcmp(n.data(), node.level == 0 ? "BTLF" : "BTIN", 4) != 0 || n[4] != 0 || n[5] != type) {
                continue; // HDF5 refuses the node itself when it gets there
            }
            for (std::uint64_t k = 0; k < node.records; ++k) {
                const std::uint64_t recordAt = 6 + k * recordSize;
                if (std::string problem = visit(nodeAt + recordAt, &n[recordAt]); !problem.empty()) {
                    return problem;
                }
            }
            if (node.level == 0) {
                continue;
            }
            for (std::uint64_t k = 0; k <= node.records; ++k) {
                const unsigned char* pointer = &n[6 + node.records * recordSize + k * pointerSize[node.level]];
                pending.push_back(
                    {readLe(pointer, 8), readLe(pointer + 8, static_cast<int>(countBytes)), node.level - 1});
            }
        }
        return {};
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
    static constexpr std::uint64_t kNoAddress = ~std::uint64_t {0};

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
    std::set<std::uint64_t> m_denseSeen; // name index B-trees of dense attribute storage already walked
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
