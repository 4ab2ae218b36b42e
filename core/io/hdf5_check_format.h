#pragma once
// Internal to the HDF5 structure checks (hdf5_object_check.cpp, hdf5_dense_attributes.cpp, hdf5_heap_check.cpp):
// reading little-endian fields, checking that a claimed range lies within the file, and the message that says it
// does not.

#include <cstdint>
#include <string>

namespace rnnscope::io::detail {

// HDF5's undefined address (all bits set, with 8-byte offsets).
inline constexpr std::uint64_t kNoAddress = ~std::uint64_t {0};

inline std::uint64_t readLe(const unsigned char* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) {
        v = (v << 8) | p[i];
    }
    return v;
}

// True when [start, start + size) lies within the file.
inline bool fits(std::uint64_t start, std::uint64_t size, std::uint64_t fileSize)
{
    return start <= fileSize && size <= fileSize - start;
}

inline std::string claim(const char* what, std::uint64_t at, std::uint64_t size, std::uint64_t fileSize)
{
    return std::string(what) + " at byte " + std::to_string(at) + " claims " + std::to_string(size)
        + " bytes, beyond the end of the file (" + std::to_string(fileSize) + " bytes)";
}

} // namespace rnnscope::io::detail
