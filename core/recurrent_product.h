#pragma once
// z += h · R: the product every recurrent step makes with its recurrent kernel (and, on a chunk of steps, the input
// projection with its kernel). It is small (a batch of 16-32 rows) and repeated at every step, where a general GEMM
// spends much of its time re-packing the same kernel into its own layout. A register-tiled kernel reads a copy of R
// laid out once per run instead: 6 rows of h by 64 columns of R kept in 24 vector accumulators, four loads of R and
// six broadcasts of h per 24 fused multiply-adds. It is used in AVX-512 builds for widths a multiple of 64; Eigen
// elsewhere. The sums run in another order than Eigen's, so results differ from an Eigen build in the last bits;
// every run of one build is deterministic, and every row's sums run in the same order whichever tile computes it.

#include "activation.h"
#include "tensor.h"

namespace rnnscope {

// What a product does to z's values once their sums are complete, while they are still in registers or L1: an
// element-wise activation, applied a packet of Activation::kPacketFloats at a time as Activation::apply does (the same
// values, bit for bit), then a copy stored elsewhere. A SimpleRNN step's tanh and its output copy were two more passes
// over the state (5.2% and 2.4% of W5's profile).
struct ProductFinish
{
    const Activation* activation = nullptr; // element-wise (not softmax); null: none
    float* copy = nullptr; // rows x cols, row-major and contiguous like z; null: none
};

// All row-major and contiguous: z is rows x cols, h rows x inner, r inner x cols.
void addRecurrentProduct(MatrixMap z, ConstMatrixMap h, const RowMatrix& r);
// z = start + h · R, with `start` (same shape as z; may be z itself) read as the sums' first term: a step's input
// projection goes straight into its gates without a copy first. `stripMajor`: stripMajorKernel(r), or null to read R
// itself. `finish`: what is done to z's values after (null: nothing).
void setRecurrentProduct(MatrixMap z, ConstMatrixMap start, ConstMatrixMap h, const RowMatrix& r,
    const RowMatrix* stripMajor = nullptr, const ProductFinish* finish = nullptr);
// z = 1 · startRow + h · R: every row starts from the same row of cols values (a recurrent bias).
void setRecurrentProductFromRow(
    MatrixMap z, const float* startRow, ConstMatrixMap h, const RowMatrix& r, const RowMatrix* stripMajor = nullptr);

// R laid out for the tiled kernel: its 64-column strips one after another, each an inner x 64 block. A strip is then
// contiguous, where the rows of a row-major R, a power of two apart, fall in a few L1 sets and evict each other (W2's
// recurrent product ran 15% faster), and a batch of one can walk the strips alternately forwards and backwards,
// reading first what the last step left in L1. Empty where the tiled kernel is not used (then the products ignore
// it). The same sums in the same order as with R itself: results are unchanged.
RowMatrix stripMajorKernel(const RowMatrix& r);

namespace detail {

// Whether the products take the tiled kernel for an inner x cols recurrent kernel read in place, in this build.
bool useTiledProduct(Index inner, Index cols);
// Whether stripMajorKernel makes a copy (and the products given it take the tiled kernel), in this build: any size,
// since a contiguous strip stays in L2 while the row tiles read it (W3's 4 MiB kernel: 106 GFLOP/s against Eigen's
// 77 on one core).
bool useStripMajorKernel(Index cols);
// The tiled kernel itself, compiled in every build (with the compiler's generic vectors where AVX-512 is missing),
// so that tests can compare it with Eigen anywhere. cols must be a multiple of 64.
// z = start + h · r, row i of start at start + i * startStride (0: one row for all; start may equal z).
// stripMajor: stripMajorKernel(r)'s data, or null to read r. finish: applied to each tile as it is stored, or null.
void tiledProduct(float* z, const float* start, Index startStride, const float* h, const float* r, Index rows,
    Index inner, Index cols, const float* stripMajor = nullptr, const ProductFinish* finish = nullptr);

} // namespace detail

} // namespace rnnscope
