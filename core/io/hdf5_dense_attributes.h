#pragma once
// Internal to hdf5_object_check.cpp: the walk of an object's dense attribute storage (HDF5 file format spec
// IV.A.2.v), a fractal heap (III.G) whose objects are the attribute messages, found through a version 2 B-tree that
// indexes them by name (III.A.2). The structures it reads are checked against the file, and every attribute message
// it finds is handed to the check the object header walk gives compact ones.

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "hdf5_object_check.h"

namespace rnnscope::io::detail {

// Checks the attribute message `message`, read from byte `at` of the file: what is wrong, or "" when nothing is.
using Hdf5AttributeCheck = std::function<std::string(std::uint64_t at, const std::vector<unsigned char>& message)>;

class DenseAttributeWalk
{
public:
    // `base` is the base of the file's addresses (the superblock's offset), `fileSize` the file's size; `readAt`
    // must outlive the walk.
    DenseAttributeWalk(
        std::uint64_t base, std::uint64_t fileSize, const Hdf5ReadAt& readAt, Hdf5AttributeCheck checkAttribute);

    // The attributes of the dense storage whose fractal heap and name index B-tree are at file bytes `heapAt` and
    // `treeAt`: what is wrong, or "" when nothing is. Storage already walked is not walked again.
    std::string walk(std::uint64_t heapAt, std::uint64_t treeAt);

private:
    struct FractalHeap;

    std::string fractalHeap(std::uint64_t at, FractalHeap& heap);
    static std::uint64_t rowBlockSize(const FractalHeap& heap, unsigned row);
    static std::uint64_t rowStart(const FractalHeap& heap, unsigned row);
    std::string heapAttribute(FractalHeap& heap, std::uint64_t at, const unsigned char* record);
    std::string managedObject(const FractalHeap& heap, const std::string& where, std::uint64_t offset,
        std::uint64_t length, std::uint64_t& objectAt);
    std::string hugeObject(
        FractalHeap& heap, const std::string& where, std::uint64_t id, std::uint64_t& objectAt, std::uint64_t& length);
    template <typename Visit>
    std::string btreeRecords(std::uint64_t at, unsigned type, std::uint64_t recordSize, Visit&& visit);

    std::uint64_t m_base;
    std::uint64_t m_size;
    const Hdf5ReadAt& m_readAt;
    Hdf5AttributeCheck m_checkAttribute;
    std::set<std::uint64_t> m_seen; // name index B-trees of dense attribute storage already walked
};

} // namespace rnnscope::io::detail
