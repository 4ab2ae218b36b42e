#pragma once
// Internal to hdf5_heap_check.cpp: checks of the sizes an HDF5 file's object headers and local heaps claim, made
// before HDF5 reads them.
//
// Debian 12's HDF5 1.10 allocates a metadata block as large as the file says before it tries to read it
// (H5C__load_entry): an object header continuation message (HDF5 file format spec IV.A.2.q) or a first chunk size
// that claims terabytes makes it ask malloc for terabytes; a local heap's data segment size (III.D) likewise. Sizes
// that run past the end of the file cannot be right, so the file is refused first. Found by fuzzing real Keras files
// (tests/fuzz/regressions/h5_model/hdf5_huge_object_header.h5).
//
// Object headers are found the way a Keras file (h5py's default, earliest file format) links them: the superblock's
// root group and every symbol table node ("SNOD") entry, plus every version 2 header by its signature ("OHDR").
// Local heaps are found by their signature ("HEAP"). Only files with 8-byte offsets and lengths are checked, the only
// ones h5py writes; anything this walk cannot make sense of is left to HDF5, which reports it.
//
// Attribute messages get the same check in an object header (compact storage) and in dense storage (IV.A.2.v: a
// fractal heap, III.G, indexed by a version 2 B-tree, III.A.2), where HDF5 1.10 decodes them just as unguardedly; a
// fuzzed file's string attribute there made it allocate 6.8 GB (tests/data/io/dense_attribute_vlen_huge_length.h5
// reproduces that). Filtered fractal heaps, and links in dense storage, are not read.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace rnnscope::io::detail {

// Reads `n` bytes at `offset` of the file; false when they are not all there.
using Hdf5ReadAt = std::function<bool(std::uint64_t offset, unsigned char* out, std::size_t n)>;

// What is wrong, as "<structure> at byte N claims ...", or "" when nothing is. `superblock` is the offset of the
// superblock signature (the base of the file's addresses).
std::string checkHdf5ObjectSizes(std::uint64_t superblock, std::uint64_t fileSize, const Hdf5ReadAt& readAt);

} // namespace rnnscope::io::detail
