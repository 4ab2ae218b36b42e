// The walk of dense attribute storage for the object header check (hdf5_dense_attributes.h): a version 2 B-tree's
// records, a fractal heap's doubling table and its huge objects, each checked against the file before libhdf5 reads
// it.
#include "hdf5_dense_attributes.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <utility>

#include "hdf5_check_format.h"

namespace rnnscope::io::detail {

namespace {

constexpr unsigned kAttributeNameRecord = 8; // III.A.2: a version 2 B-tree indexing attributes by name
constexpr unsigned kHugeObjectRecord = 1; // III.A.2: a fractal heap's huge objects (unfiltered, by ID)
constexpr std::uint8_t kSharedMessageFlag = 0x02; // IV.A.1.b: the message is stored elsewhere
constexpr unsigned kMaxTreeDepth = 16; // a bound on the walk; 512-byte nodes hold 10^16 records at depth 12
constexpr std::uint64_t kNodePrefix = 10; // a version 2 B-tree node's signature, version, type and checksum

bool powerOfTwo(std::uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

unsigned log2Floor(std::uint64_t v)
{
    unsigned bits = 0;
    while (v > 1) {
        v >>= 1;
        ++bits;
    }
    return bits;
}

// H5VM_limit_enc_size: the bytes HDF5 uses to encode a count up to `v`.
unsigned encodedSize(std::uint64_t v)
{
    return log2Floor(v) / 8 + 1;
}

} // namespace

// What a fractal heap header (III.G) says about where its objects are. `at` stays kNoAddress for a heap this
// walk leaves to HDF5.
struct DenseAttributeWalk::FractalHeap
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

DenseAttributeWalk::DenseAttributeWalk(
    std::uint64_t base, std::uint64_t fileSize, const Hdf5ReadAt& readAt, Hdf5AttributeCheck checkAttribute)
    : m_base(base)
    , m_size(fileSize)
    , m_readAt(readAt)
    , m_checkAttribute(std::move(checkAttribute))
{
}

// Dense attribute storage (IV.A.2.v): the attribute messages are objects of a fractal heap (III.G), found through
// the records of a version 2 B-tree indexing them by name (III.A.2, record type 8). HDF5 decodes each message
// from the heap as it does from an object header, and converts variable-length values the same way, allocating
// the length a value claims (H5T__conv_vlen): a fuzzed file made it allocate 6.8 GB there. So every message the
// name index leads to gets the check compact messages get (m_checkAttribute: Walker::attribute() in
// hdf5_object_check.cpp).
std::string DenseAttributeWalk::walk(std::uint64_t heapAt, std::uint64_t treeAt)
{
    if (!m_seen.insert(treeAt).second) {
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

// The header at `at` (III.G "Fractal Heap Header", 8-byte offsets and lengths): signature, version, heap ID
// length (2), I/O filters' encoded length (2), flags (1), maximum managed object size (4), then lengths and
// addresses up to the doubling table's parameters at byte 110.
std::string DenseAttributeWalk::fractalHeap(std::uint64_t at, FractalHeap& heap)
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
    if (!powerOfTwo(heap.width) || !powerOfTwo(heap.startBlock) || !powerOfTwo(maxDirect) || maxDirect < heap.startBlock
        || maxHeapBits == 0 || maxHeapBits > 63 || maxManaged == 0) {
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
std::uint64_t DenseAttributeWalk::rowBlockSize(const FractalHeap& heap, unsigned row)
{
    return row == 0 ? heap.startBlock : heap.startBlock << (row - 1);
}

std::uint64_t DenseAttributeWalk::rowStart(const FractalHeap& heap, unsigned row)
{
    return row == 0 ? 0 : (heap.width * heap.startBlock) << (row - 1);
}

// The attribute message whose heap ID is the first 8 bytes of `record` (a name index record at byte `at`):
// found, read and checked as m_checkAttribute checks compact ones.
std::string DenseAttributeWalk::heapAttribute(FractalHeap& heap, std::uint64_t at, const unsigned char* record)
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
        if (std::string problem = hugeObject(heap, where, readLe(record + 1, 7), objectAt, length); !problem.empty()) {
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
        return where + " is a heap object of " + std::to_string(length) + " bytes, too short for an attribute message";
    }
    return m_checkAttribute(objectAt, m);
}

// Where the managed object at `offset` of the heap's address space lies in the file: the doubling table is walked
// from the root block (III.G "Fractal Heap Direct Blocks" and "Fractal Heap Indirect Blocks"), as
// H5HF__man_dblock_locate does. `objectAt` stays kNoAddress when a block is not what it should be (HDF5 checks
// their signatures and checksums itself).
std::string DenseAttributeWalk::managedObject(const FractalHeap& heap, const std::string& where, std::uint64_t offset,
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
        return where + " is a heap object of " + std::to_string(length) + " bytes at offset " + std::to_string(inBlock)
            + " of a direct block of " + std::to_string(blockSize) + " bytes";
    }
    objectAt = dblock + inBlock;
    return {};
}

// Where huge object `id` lies (III.G: objects larger than the heap's managed maximum are stored on their own and
// indexed by a version 2 B-tree of type 1 records: address, length, ID). HDF5 allocates the length before it reads
// the object (H5HF__huge_op_real), so it must fit in the file.
std::string DenseAttributeWalk::hugeObject(
    FractalHeap& heap, const std::string& where, std::uint64_t id, std::uint64_t& objectAt, std::uint64_t& length)
{
    objectAt = kNoAddress;
    if (!heap.hugeRead) {
        heap.hugeRead = true;
        if (heap.hugeTree != kNoAddress) {
            std::string problem = btreeRecords(
                m_base + heap.hugeTree, kHugeObjectRecord, 24, [&](std::uint64_t, const unsigned char* record) {
                    heap.huge.emplace(readLe(record + 16, 8), std::make_pair(readLe(record, 8), readLe(record + 8, 8)));
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
std::string DenseAttributeWalk::btreeRecords(std::uint64_t at, unsigned type, std::uint64_t recordSize, Visit&& visit)
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
            return where + " claims a depth of " + std::to_string(depth) + " with nodes of " + std::to_string(nodeSize)
                + " bytes";
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
        if (!m_readAt(nodeAt, n.data(), n.size()) || std::memcmp(n.data(), node.level == 0 ? "BTLF" : "BTIN", 4) != 0
            || n[4] != 0 || n[5] != type) {
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
            pending.push_back({readLe(pointer, 8), readLe(pointer + 8, static_cast<int>(countBytes)), node.level - 1});
        }
    }
    return {};
}

} // namespace rnnscope::io::detail
