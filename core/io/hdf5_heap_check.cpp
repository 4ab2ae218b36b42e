#include "hdf5_heap_check.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>

#include "file_error.h"
#include "hdf5_check_format.h"
#include "hdf5_object_check.h"
#include "input_file.h"

namespace rnnscope::io {

namespace {

using detail::readLe;

constexpr std::size_t kSignatureSize = 5; // "GCOL" and version 1: all H5HG__hdr_deserialize checks
constexpr std::uint64_t kHeaderSize = 16; // signature block + collection size (8-byte lengths)
constexpr std::uint64_t kObjectHeaderSize = 16; // index (2), reference count (2), reserved (4), size (8)

bool isSignature(const unsigned char* p)
{
    return std::memcmp(p, "GCOL\x01", kSignatureSize) == 0;
}

// Reads `n` bytes at `offset`; false when they are not all there.
using ReadAt = std::function<bool(std::uint64_t offset, unsigned char* out, std::size_t n)>;

// The superblock's "size of lengths" (HDF5 file format spec II.A; 8 unless a writer chose otherwise), or 0 when no
// superblock is found where HDF5 looks for one (offset 0, 512, 1024, ...). `superblock` receives its offset.
int lengthSize(std::uint64_t fileSize, const ReadAt& readAt, std::uint64_t& superblock)
{
    for (std::uint64_t offset = 0; offset + 16 <= fileSize; offset = offset == 0 ? 512 : offset * 2) {
        std::array<unsigned char, 16> sb {};
        if (!readAt(offset, sb.data(), sb.size())) {
            return 0;
        }
        if (std::memcmp(sb.data(), "\x89HDF\r\n\x1a\n", 8) == 0) {
            const unsigned version = sb[8];
            superblock = offset;
            return version <= 1 ? sb[14] : sb[10];
        }
    }
    return 0;
}

// Walks the collection at `start` as H5HG__cache_heap_deserialize does (HDF5 1.10.8, H5HGcache.c) and returns what is
// wrong with it, or "". Only files with 8-byte lengths get here.
std::string checkCollection(std::uint64_t start, std::uint64_t fileSize, const ReadAt& readAt)
{
    std::array<unsigned char, kHeaderSize> header {};
    if (!readAt(start, header.data(), header.size())) {
        return "the collection header is cut off by the end of the file";
    }
    const std::uint64_t size = readLe(header.data() + 8, 8);
    if (size > fileSize - start) {
        return "the collection declares " + std::to_string(size) + " bytes, beyond the end of the file";
    }
    const std::uint64_t end = start + size;
    std::uint64_t p = start + kHeaderSize;
    while (p < end) {
        if (end - p < kObjectHeaderSize) {
            break; // HDF5 takes a tail too small for an object header as free space
        }
        std::array<unsigned char, kObjectHeaderSize> object {};
        if (!readAt(p, object.data(), object.size())) {
            return "an object header at byte " + std::to_string(p) + " cannot be read";
        }
        const std::uint64_t index = readLe(object.data(), 2);
        const std::uint64_t objectSize = readLe(object.data() + 8, 8);
        std::uint64_t need = 0;
        if (index > 0) {
            // H5HG_read copies `objectSize` bytes from after the object header.
            if (objectSize > end - p - kObjectHeaderSize) {
                return "object " + std::to_string(index) + " at byte " + std::to_string(p) + " declares "
                    + std::to_string(objectSize) + " bytes, more than its collection holds";
            }
            need = kObjectHeaderSize + ((objectSize + 7) / 8) * 8;
        } else {
            // The free-space object's size is the step to the next object: zero would never advance.
            if (objectSize == 0) {
                return "the free-space object at byte " + std::to_string(p) + " has size 0";
            }
            // HDF5 steps over it with a pointer addition: a size past the collection's end wraps around.
            if (objectSize > end - p) {
                return "the free-space object at byte " + std::to_string(p) + " declares " + std::to_string(objectSize)
                    + " bytes, more than its collection holds";
            }
            need = objectSize;
        }
        if (need >= end - p) {
            break;
        }
        p += need;
    }
    return {};
}

// The sizes object headers and local heaps claim (hdf5_object_check.h).
void checkObjectSizes(const std::string& name, std::uint64_t superblock, std::uint64_t fileSize, const ReadAt& readAt)
{
    const std::string problem = detail::checkHdf5ObjectSizes(superblock, fileSize, readAt);
    if (!problem.empty()) {
        throw FileError(name,
            "corrupt HDF5 file: " + problem
                + " (refused before HDF5 reads it, which would crash or allocate that much)");
    }
}

[[noreturn]] void failHeap(const std::string& name, std::uint64_t offset, const std::string& problem)
{
    throw FileError(name,
        "corrupt HDF5 global heap at byte " + std::to_string(offset) + ": " + problem
            + " (refused before HDF5 reads it, which would crash or hang)");
}

} // namespace

void checkHdf5GlobalHeaps(const std::vector<unsigned char>& image, const std::string& nameForErrors)
{
    const std::uint64_t size = image.size();
    const ReadAt readAt = [&](std::uint64_t offset, unsigned char* out, std::size_t n) {
        if (offset > size || n > size - offset) {
            return false;
        }
        std::memcpy(out, image.data() + offset, n);
        return true;
    };
    std::uint64_t superblock = 0;
    if (lengthSize(size, readAt, superblock) != 8) {
        return; // not HDF5, or lengths of another size: left to HDF5
    }
    static const unsigned char signature[] = {'G', 'C', 'O', 'L', 1};
    auto it = image.begin();
    while (true) {
        it = std::search(it, image.end(), std::begin(signature), std::end(signature));
        if (it == image.end()) {
            break;
        }
        const auto start = static_cast<std::uint64_t>(it - image.begin());
        const std::string problem = checkCollection(start, size, readAt);
        if (!problem.empty()) {
            failHeap(nameForErrors, start, problem);
        }
        ++it;
    }
    // After the collections, so that a broken collection is reported as such.
    checkObjectSizes(nameForErrors, superblock, size, readAt);
}

void checkHdf5GlobalHeapsInFile(const std::string& path)
{
    InputFile in = openInputFile(path, "an HDF5 file");
    const std::uint64_t size = in.size;
    const ReadAt readAt = [&](std::uint64_t offset, unsigned char* out, std::size_t n) {
        if (offset > size || n > size - offset) {
            return false;
        }
        in.stream.clear();
        in.stream.seekg(static_cast<std::streamoff>(offset));
        in.stream.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
        return static_cast<std::size_t>(in.stream.gcount()) == n;
    };
    std::uint64_t superblock = 0;
    if (lengthSize(size, readAt, superblock) != 8) {
        return; // not HDF5, or lengths of another size: left to HDF5
    }
    // Chunks overlap by the signature's length minus one, so a signature across a boundary is seen once.
    constexpr std::size_t chunkSize = std::size_t {1} << 20;
    std::vector<unsigned char> chunk(chunkSize + kSignatureSize - 1);
    for (std::uint64_t base = 0; base < size; base += chunkSize) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - base));
        if (!readAt(base, chunk.data(), want)) {
            throw FileError(path, "read error");
        }
        for (std::size_t i = 0; i + kSignatureSize <= want && i < chunkSize; ++i) {
            if (chunk[i] == 'G' && isSignature(chunk.data() + i)) {
                const std::string problem = checkCollection(base + i, size, readAt);
                if (!problem.empty()) {
                    failHeap(path, base + i, problem);
                }
            }
        }
    }
    checkObjectSizes(path, superblock, size, readAt);
}

} // namespace rnnscope::io
