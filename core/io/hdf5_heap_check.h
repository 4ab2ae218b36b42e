#pragma once
// A check of an HDF5 file's global heap collections, made before HDF5 itself reads them.
//
// Variable-length strings (the `name` attributes of Keras 3 weight files, `weight_names`, `keras_version` and
// `model_config` of legacy ones, as h5py writes str and lists of bytes) live in global heap collections ("GCOL",
// HDF5 file format spec III.E). Debian 12's HDF5 1.10 decodes a collection without checking it
// (H5HG__cache_heap_deserialize): an object whose size runs past the collection makes H5HG_read copy past the
// buffer (a crash), and a free-space object of size 0 makes the decoder loop forever. Both were found by flipping
// bytes of real Keras weight files. This check walks every collection the way HDF5 will and refuses the file first.
//
// The same two entry points also check the sizes object headers and local heaps claim against the file's size
// (hdf5_object_check.h), as HDF5 allocates them before reading.
//
// Collections are found by their signature "GCOL" followed by version 1 and three zero bytes; by chance that occurs
// in random data about once in 2^64 positions.

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::io {

// Throws FileError(nameForErrors, "corrupt HDF5 global heap at byte N: ...") for the first bad collection.
void checkHdf5GlobalHeaps(const std::vector<unsigned char>& image, const std::string& nameForErrors);
// The same for a file on disk, read in chunks. Throws FileError(path, ...) also when the file cannot be read.
void checkHdf5GlobalHeapsInFile(const std::string& path);

} // namespace rnnscope::io
