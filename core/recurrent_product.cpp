#include "recurrent_product.h"

#include <algorithm>
#include <cstring>

namespace rnnscope {

namespace detail {

namespace {

// 16 floats: one AVX-512 register (GCC and Clang lower it to narrower registers where AVX-512 is missing).
typedef float Vec16 __attribute__((vector_size(64)));

// By reference, not by value: a 64-byte vector passed by value changes the calling convention between builds with
// and without AVX-512 (-Wpsabi).
inline void load(Vec16& v, const float* p)
{
    std::memcpy(&v, p, sizeof v); // unaligned load
}

inline void store(float* p, const Vec16& v)
{
    std::memcpy(p, &v, sizeof v);
}

// 6 rows x 64 columns: 24 accumulators, 4 strip registers and a broadcast, within AVX-512's 32 registers.
constexpr Index kTileRows = 6;
constexpr Index kTileCols = 64;

} // namespace

bool useTiledProduct(Index inner, Index cols)
{
    // Read in place, R's strip rows are a row apart; only a kernel that stays in L2 serves the row tiles well.
    constexpr Index kMaxKernelBytes = Index {512} << 10;
    return useStripMajorKernel(cols) && inner * cols * static_cast<Index>(sizeof(float)) <= kMaxKernelBytes;
}

bool useStripMajorKernel(Index cols)
{
#if defined(__AVX512F__)
    return cols % kTileCols == 0;
#else
    (void)cols;
    return false;
#endif
}

namespace {

// A finished packet of 16 values at p (offset `at` in z): the activation in place, then the copy. Tanh, Keras's
// default for SimpleRNN, is inlined; any other activation goes through Activation::applyToPacket. Either way it is
// the packet code Activation::apply runs, so the values are the same bit for bit.
inline void finishPacket(float* p, Index at, const ProductFinish& finish)
{
    static_assert(Activation::kPacketFloats == 16, "a finished packet is one Vec16");
    if (finish.activation != nullptr) {
        if (finish.activation->kind() == ActivationKind::Tanh) {
            Packet a(p);
            a = a.tanh();
        } else {
            finish.activation->applyToPacket(p);
        }
    }
    if (finish.copy != nullptr) {
        std::memcpy(finish.copy + at, p, 16 * sizeof(float));
    }
}

// kRows rows of h against one 64-column strip of R, whose row k starts at strip + k * stripStride (R's own rows, or
// stripMajorKernel's contiguous block): kRows x 4 accumulators stay in registers for the whole inner loop, and each
// strip row loaded from R (which stays in L2) serves kRows broadcasts of h. Every output's sum runs over k in order,
// whichever tile or layout computes it. kFinish: `finish` is applied to each packet as it is stored.
template <int kRows, bool kFinish>
void rowTile(float* z, const float* start, Index startStride, const float* h, const float* strip, Index stripStride,
    Index inner, Index cols, Index b0, Index j0, const ProductFinish* finish)
{
    Vec16 acc[kRows][4];
    for (int i = 0; i < kRows; ++i) {
        for (int q = 0; q < 4; ++q) {
            load(acc[i][q], start + (b0 + i) * startStride + j0 + 16 * q);
        }
    }
    const float* hRows = h + b0 * inner;
    for (Index k = 0; k < inner; ++k) {
        const float* rRow = strip + k * stripStride;
        Vec16 rq[4];
        for (int q = 0; q < 4; ++q) {
            load(rq[q], rRow + 16 * q);
        }
        for (int i = 0; i < kRows; ++i) {
            const float hv = hRows[i * inner + k];
            for (int q = 0; q < 4; ++q) {
                acc[i][q] += hv * rq[q];
            }
        }
    }
    for (int i = 0; i < kRows; ++i) {
        for (int q = 0; q < 4; ++q) {
            const Index at = (b0 + i) * cols + j0 + 16 * q;
            store(z + at, acc[i][q]);
            if constexpr (kFinish) {
                finishPacket(z + at, at, *finish);
            }
        }
    }
}

using TileFn = void (*)(
    float*, const float*, Index, const float*, const float*, Index, Index, Index, Index, Index, const ProductFinish*);

// rowTile<n> for the n rows left over after the 6-row tiles.
template <bool kFinish>
constexpr TileFn kLeftoverTile[kTileRows] = {
    nullptr, rowTile<1, kFinish>, rowTile<2, kFinish>, rowTile<3, kFinish>, rowTile<4, kFinish>, rowTile<5, kFinish>};

template <bool kFinish>
void tiledProductWith(float* z, const float* start, Index startStride, const float* h, const float* r, Index rows,
    Index inner, Index cols, const float* stripMajor, const ProductFinish* finish)
{
    // Strip j0 of R: in stripMajorKernel's layout a contiguous inner x 64 block (its rows do not all fall in the
    // same few L1 sets, as rows of a row-major R a power of two apart do), else R's own rows.
    auto strip = [&](Index j0) { return stripMajor != nullptr ? stripMajor + j0 * inner : r + j0; };
    const Index stripStride = stripMajor != nullptr ? kTileCols : cols;
    if (rows == 1 && stripMajor != nullptr) {
        // Every other call walks the strips backwards: a kernel larger than L1 (W1's is 64 KiB) then finds the
        // strips it read last still there.
        thread_local bool backwards = false;
        backwards = !backwards;
        const Index strips = cols / kTileCols;
        for (Index i = 0; i < strips; ++i) {
            const Index j0 = (backwards ? strips - 1 - i : i) * kTileCols;
            rowTile<1, kFinish>(z, start, startStride, h, strip(j0), stripStride, inner, cols, 0, j0, finish);
        }
        return;
    }
    for (Index j0 = 0; j0 < cols; j0 += kTileCols) {
        const float* s = strip(j0);
        Index b0 = 0;
        for (; b0 + kTileRows <= rows; b0 += kTileRows) {
            rowTile<kTileRows, kFinish>(z, start, startStride, h, s, stripStride, inner, cols, b0, j0, finish);
        }
        // The 0-5 rows left over in one tile of their own (W3's 32 rows per thread leave 2).
        if (const Index left = rows - b0; left > 0) {
            kLeftoverTile<kFinish>[left](z, start, startStride, h, s, stripStride, inner, cols, b0, j0, finish);
        }
    }
}

} // namespace

void tiledProduct(float* z, const float* start, Index startStride, const float* h, const float* r, Index rows,
    Index inner, Index cols, const float* stripMajor, const ProductFinish* finish)
{
    if (finish != nullptr && (finish->activation != nullptr || finish->copy != nullptr)) {
        tiledProductWith<true>(z, start, startStride, h, r, rows, inner, cols, stripMajor, finish);
    } else {
        tiledProductWith<false>(z, start, startStride, h, r, rows, inner, cols, stripMajor, nullptr);
    }
}

} // namespace detail

void addRecurrentProduct(MatrixMap z, ConstMatrixMap h, const RowMatrix& r)
{
    setRecurrentProduct(z, ConstMatrixMap(z.data(), z.rows(), z.cols()), h, r);
}

RowMatrix stripMajorKernel(const RowMatrix& r)
{
    if (!detail::useStripMajorKernel(r.cols())) {
        return {};
    }
    constexpr Index w = detail::kTileCols;
    const Index strips = r.cols() / w;
    RowMatrix packed(strips * r.rows(), w);
    for (Index s = 0; s < strips; ++s) {
        packed.middleRows(s * r.rows(), r.rows()) = r.middleCols(s * w, w);
    }
    return packed;
}

namespace {

const float* stripMajorData(const RowMatrix* stripMajor)
{
    return stripMajor != nullptr && stripMajor->size() > 0 ? stripMajor->data() : nullptr;
}

} // namespace

void setRecurrentProduct(MatrixMap z, ConstMatrixMap start, ConstMatrixMap h, const RowMatrix& r,
    const RowMatrix* stripMajor, const ProductFinish* finish)
{
    const float* packed = stripMajorData(stripMajor);
    if (packed != nullptr || detail::useTiledProduct(r.rows(), r.cols())) {
        detail::tiledProduct(
            z.data(), start.data(), z.cols(), h.data(), r.data(), z.rows(), r.rows(), r.cols(), packed, finish);
        return;
    }
    if (start.data() != z.data()) {
        z = start;
    }
    z.noalias() += h * r;
    if (finish != nullptr) {
        if (finish->activation != nullptr) {
            finish->activation->apply(z.data(), z.rows(), z.cols());
        }
        if (finish->copy != nullptr) {
            std::copy(z.data(), z.data() + z.size(), finish->copy);
        }
    }
}

void setRecurrentProductFromRow(
    MatrixMap z, const float* startRow, ConstMatrixMap h, const RowMatrix& r, const RowMatrix* stripMajor)
{
    const float* packed = stripMajorData(stripMajor);
    if (packed != nullptr || detail::useTiledProduct(r.rows(), r.cols())) {
        detail::tiledProduct(z.data(), startRow, 0, h.data(), r.data(), z.rows(), r.rows(), r.cols(), packed);
        return;
    }
    z.rowwise() = Eigen::Map<const RowVector>(startRow, z.cols());
    z.noalias() += h * r;
}

} // namespace rnnscope
