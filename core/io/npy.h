#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0): the exchange format for inputs, masks, initial
// states and outputs of `rnnscope-cli`, so that a Keras user can produce and check them with plain numpy.
//
// Every failure throws FileError(path, "<one-line problem>"). Declared sizes are checked against the real
// file size before anything is allocated, so a corrupt or hostile header cannot make us allocate terabytes.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace rnnscope::io {

enum class NpyDType {
    Bool,
    UInt8,
    Int8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float16,
    Float32,
    Float64,
};

// Bytes per element.
std::size_t npyItemSize(NpyDType dtype);
// numpy's name: "bool", "uint8", ..., "float32".
std::string npyDTypeName(NpyDType dtype);

struct NpyArray
{
    Shape shape; // () for a 0-d scalar
    NpyDType dtype = NpyDType::Float32;
    // C order and native byte order after readNpy(), whatever order and endianness the file used.
    std::vector<unsigned char> bytes;

    bool isInteger() const; // signed or unsigned integers; bool is not an integer here
    bool isFloat() const;
    bool isBool() const { return dtype == NpyDType::Bool; }
    std::string dtypeName() const { return npyDTypeName(dtype); }
    Index size() const; // number of elements, 1 for a scalar
};

NpyArray readNpy(const std::string& path);
// The same from bytes already in memory (e.g. a member of an archive); nameForErrors goes into FileError.
// Bytes after the data are ignored, as numpy.load ignores them.
NpyArray decodeNpy(const unsigned char* data, std::size_t size, const std::string& nameForErrors);

// Any numeric array as float32 values with the same shape. Integers must lie within +-2^24 (where float32
// is still exact) and float64 values within float32's range; bool becomes 0/1.
Tensor toTensor(const NpyArray& array, const std::string& pathForErrors);

// A [batch, steps] array of bool, integers (non-zero is true) or floats (only 0 and 1 allowed, so a
// mistakenly passed data file is not silently read as a mask).
Mask toMask(const NpyArray& array, const std::string& pathForErrors);

// The exact bytes numpy.save writes for a C-order array of this shape and dtype (native byte order,
// version 1.0 unless the header does not fit, header padded with spaces to a multiple of 64 bytes).
// `values` holds volume(shape) elements of npyItemSize(dtype) bytes each, in native byte order.
std::vector<unsigned char> encodeNpy(const Shape& shape, NpyDType dtype, const void* values);
std::vector<unsigned char> encodeNpy(const Tensor& tensor);

// Writers go through AtomicFile: on failure nothing is left under `path`.
void writeNpy(const std::string& path, const NpyArray& array);
void writeNpy(const std::string& path, const Tensor& tensor); // '<f4'
// '|b1' (values normalised to 0/1) when asBool, else '|u1'.
void writeNpy(const std::string& path, const Shape& shape, const std::uint8_t* values, bool asBool);
void writeNpyInt32(const std::string& path, const Shape& shape, const std::int32_t* values); // '<i4'
// A float32 array too large to copy whole, written a block at a time: its values in C order are rows of `rowLength`
// floats, and fillRows(buffer, first, count) puts rows [first, first + count) into buffer (at most `rowsPerBlock`).
// The same bytes as writeNpy of the whole array.
void writeNpyFloat32Rows(const std::string& path, const Shape& shape, Index rowLength, Index rowsPerBlock,
    const std::function<void(float*, Index, Index)>& fillRows);

} // namespace rnnscope::io
