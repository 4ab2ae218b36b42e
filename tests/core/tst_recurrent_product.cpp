// The tiled recurrent product (core/recurrent_product.h) against a double-precision reference, for every shape
// class its loops distinguish: 6-row tiles and each count of leftover rows, one or many 64-column strips, short and
// long inner dimensions. The kernel is compiled in every build, so this runs wherever the tests do; addRecurrentProduct
// (the kernel or Eigen, as the build decides) is checked the same way.

#include <cmath>

#include <QObject>
#include <QTest>

#include "core/recurrent_product.h"

using namespace rnnscope;

namespace {

struct Operands
{
    RowMatrix z, h, r;
};

Operands make(Index rows, Index inner, Index cols, unsigned seed)
{
    std::srand(seed);
    return {RowMatrix::Random(rows, cols), RowMatrix::Random(rows, inner), RowMatrix::Random(inner, cols)};
}

// Largest error relative to the bound a float sum of `inner` products may reach: |z| + sum |h||r|.
double worstError(const RowMatrix& got, const Operands& in)
{
    const Eigen::MatrixXd exact = in.z.cast<double>() + in.h.cast<double>() * in.r.cast<double>();
    const Eigen::MatrixXd scale
        = in.z.cast<double>().cwiseAbs() + in.h.cast<double>().cwiseAbs() * in.r.cast<double>().cwiseAbs();
    return ((got.cast<double>() - exact).array() / scale.array()).abs().maxCoeff();
}

} // namespace

class TestRecurrentProduct : public QObject
{
    Q_OBJECT

private slots:
    void matchesTheExactProduct_data()
    {
        QTest::addColumn<Index>("rows");
        QTest::addColumn<Index>("inner");
        QTest::addColumn<Index>("cols");
        QTest::newRow("W1: one row, LSTM 64") << Index {1} << Index {64} << Index {256};
        QTest::newRow("W2 half batch: LSTM 128") << Index {16} << Index {128} << Index {512};
        QTest::newRow("W4 half batch: GRU 128") << Index {16} << Index {128} << Index {384};
        QTest::newRow("W5: SimpleRNN 128") << Index {32} << Index {128} << Index {128};
        QTest::newRow("leftover rows (17)") << Index {17} << Index {64} << Index {128};
        QTest::newRow("fewer rows than a tile (3)") << Index {3} << Index {7} << Index {64};
        QTest::newRow("inner 1") << Index {5} << Index {1} << Index {192};
        QTest::newRow("a tile and one row (7)") << Index {7} << Index {33} << Index {128};
        QTest::newRow("a tile and two rows (8)") << Index {8} << Index {16} << Index {64};
    }

    void matchesTheExactProduct()
    {
        QFETCH(Index, rows);
        QFETCH(Index, inner);
        QFETCH(Index, cols);
        const Operands in = make(rows, inner, cols, 7);
        RowMatrix tiled = in.z;
        detail::tiledProduct(tiled.data(), tiled.data(), cols, in.h.data(), in.r.data(), rows, inner, cols);
        // float32 rounding of an inner-long sum stays far below 1e-5 of its bound; a wrong index is of order 1.
        QVERIFY2(worstError(tiled, in) < 1e-5, qPrintable(QString::number(worstError(tiled, in))));
        RowMatrix chosen = in.z;
        addRecurrentProduct(MatrixMap(chosen.data(), rows, cols), ConstMatrixMap(in.h.data(), rows, inner), in.r);
        QVERIFY2(worstError(chosen, in) < 1e-5, qPrintable(QString::number(worstError(chosen, in))));
        // From a separate start (a step's input projection): z's old contents play no part.
        RowMatrix fromStart = RowMatrix::Constant(rows, cols, 1e9F);
        detail::tiledProduct(fromStart.data(), in.z.data(), cols, in.h.data(), in.r.data(), rows, inner, cols);
        QVERIFY2(worstError(fromStart, in) < 1e-5, qPrintable(QString::number(worstError(fromStart, in))));
        RowMatrix chosenFromStart = RowMatrix::Constant(rows, cols, 1e9F);
        setRecurrentProduct(MatrixMap(chosenFromStart.data(), rows, cols), ConstMatrixMap(in.z.data(), rows, cols),
            ConstMatrixMap(in.h.data(), rows, inner), in.r);
        QVERIFY2(worstError(chosenFromStart, in) < 1e-5, qPrintable(QString::number(worstError(chosenFromStart, in))));
        // From one row for every row (a recurrent bias): z's first row broadcast.
        Operands fromRow = in;
        fromRow.z.rowwise() = in.z.row(0);
        RowMatrix tiledFromRow = RowMatrix::Constant(rows, cols, 1e9F);
        detail::tiledProduct(tiledFromRow.data(), in.z.data(), 0, in.h.data(), in.r.data(), rows, inner, cols);
        QVERIFY2(
            worstError(tiledFromRow, fromRow) < 1e-5, qPrintable(QString::number(worstError(tiledFromRow, fromRow))));
        RowMatrix chosenFromRow = RowMatrix::Constant(rows, cols, 1e9F);
        setRecurrentProductFromRow(
            MatrixMap(chosenFromRow.data(), rows, cols), in.z.data(), ConstMatrixMap(in.h.data(), rows, inner), in.r);
        QVERIFY2(
            worstError(chosenFromRow, fromRow) < 1e-5, qPrintable(QString::number(worstError(chosenFromRow, fromRow))));
    }

    void stripMajorKernelGivesTheSameSums_data()
    {
        QTest::addColumn<Index>("rows");
        QTest::addColumn<Index>("inner");
        QTest::addColumn<Index>("cols");
        QTest::newRow("W1: one row, LSTM 64, four strips") << Index {1} << Index {64} << Index {256};
        QTest::newRow("one row, one strip") << Index {1} << Index {9} << Index {64};
        QTest::newRow("one row, LSTM 128") << Index {1} << Index {128} << Index {512};
        QTest::newRow("W2 half batch: 6+6+4 rows") << Index {16} << Index {128} << Index {512};
        QTest::newRow("leftover rows (17)") << Index {17} << Index {64} << Index {192};
        QTest::newRow("W2 projection chunk") << Index {512} << Index {64} << Index {512};
        QTest::newRow("W3 half batch: 4 MiB kernel, 6x5+2 rows") << Index {32} << Index {512} << Index {2048};
    }

    // The strip-major copy of R (and a batch of one walking it alternately forwards and backwards) must give R's
    // own results bit for bit, the same sums in the same order; those match the exact ones.
    void stripMajorKernelGivesTheSameSums()
    {
        QFETCH(Index, rows);
        QFETCH(Index, inner);
        QFETCH(Index, cols);
        const Operands in = make(rows, inner, cols, 11);
        // The layout built here independently of stripMajorKernel: strip s, row k, column c at (s*inner + k)*64 + c.
        RowMatrix packed(cols / 64 * inner, 64);
        for (Index s = 0; s < cols / 64; ++s) {
            for (Index k = 0; k < inner; ++k) {
                for (Index c = 0; c < 64; ++c) {
                    packed(s * inner + k, c) = in.r(k, s * 64 + c);
                }
            }
        }
        const RowMatrix built = stripMajorKernel(in.r);
        QVERIFY(built.size() == 0 ? !detail::useStripMajorKernel(cols) : built == packed);

        RowMatrix rowMajor = RowMatrix::Constant(rows, cols, 1e9F);
        detail::tiledProduct(rowMajor.data(), in.z.data(), cols, in.h.data(), in.r.data(), rows, inner, cols);
        QVERIFY2(worstError(rowMajor, in) < 1e-5, qPrintable(QString::number(worstError(rowMajor, in))));
        for (int call = 0; call < 2; ++call) { // a batch of one walks the strips one way, then the other
            RowMatrix got = RowMatrix::Constant(rows, cols, 1e9F);
            detail::tiledProduct(
                got.data(), in.z.data(), cols, in.h.data(), in.r.data(), rows, inner, cols, packed.data());
            QCOMPARE(got, rowMajor);
        }
        // From a broadcast row (a bias), as the input projection starts.
        RowMatrix fromRow = RowMatrix::Constant(rows, cols, 1e9F);
        detail::tiledProduct(fromRow.data(), in.z.data(), 0, in.h.data(), in.r.data(), rows, inner, cols);
        RowMatrix fromRowPacked = RowMatrix::Constant(rows, cols, 1e9F);
        detail::tiledProduct(
            fromRowPacked.data(), in.z.data(), 0, in.h.data(), in.r.data(), rows, inner, cols, packed.data());
        QCOMPARE(fromRowPacked, fromRow);
        RowMatrix chosen = RowMatrix::Constant(rows, cols, 1e9F);
        setRecurrentProduct(MatrixMap(chosen.data(), rows, cols), ConstMatrixMap(in.z.data(), rows, cols),
            ConstMatrixMap(in.h.data(), rows, inner), in.r, &built);
        QVERIFY2(worstError(chosen, in) < 1e-5, qPrintable(QString::number(worstError(chosen, in))));
    }

    void finishGivesActivationApplysValues_data()
    {
        QTest::addColumn<Index>("rows");
        QTest::addColumn<Index>("inner");
        QTest::addColumn<Index>("cols");
        QTest::addColumn<int>("kind");
        const int tanh = static_cast<int>(ActivationKind::Tanh);
        const int sigmoid = static_cast<int>(ActivationKind::Sigmoid);
        QTest::newRow("W5 half batch, tanh: 6+6+4 rows") << Index {16} << Index {128} << Index {128} << tanh;
        QTest::newRow("one row, tanh (strip-major walk)") << Index {1} << Index {64} << Index {256} << tanh;
        QTest::newRow("leftover rows (17), sigmoid") << Index {17} << Index {64} << Index {192} << sigmoid;
        QTest::newRow("relu") << Index {7} << Index {33} << Index {64} << static_cast<int>(ActivationKind::Relu);
    }

    // A product told to finish its values (SimpleRNN: activation, then a copy to the output) gives what the plain
    // product followed by Activation::apply gives, bit for bit, in z and in the copy; with the strip-major kernel and
    // without; through the kernel itself and through setRecurrentProduct (the kernel or Eigen, as the build decides).
    void finishGivesActivationApplysValues()
    {
        QFETCH(Index, rows);
        QFETCH(Index, inner);
        QFETCH(Index, cols);
        QFETCH(int, kind);
        const Activation activation(static_cast<ActivationKind>(kind));
        Operands in = make(rows, inner, cols, 5);
        in.z *= 4.0F; // pre-activations well into tanh's and sigmoid's curved ranges, and below zero for relu
        const RowMatrix packed = stripMajorKernel(in.r);
        for (const bool stripMajor : {false, true}) {
            const float* packedData = stripMajor && packed.size() > 0 ? packed.data() : nullptr;
            RowMatrix want = RowMatrix::Constant(rows, cols, 1e9F);
            detail::tiledProduct(
                want.data(), in.z.data(), cols, in.h.data(), in.r.data(), rows, inner, cols, packedData);
            activation.apply(want.data(), rows, cols);

            RowMatrix got = RowMatrix::Constant(rows, cols, 1e9F);
            RowMatrix copy = RowMatrix::Constant(rows, cols, 1e9F);
            const ProductFinish finish {&activation, copy.data()};
            detail::tiledProduct(
                got.data(), in.z.data(), cols, in.h.data(), in.r.data(), rows, inner, cols, packedData, &finish);
            QCOMPARE(got, want);
            QCOMPARE(copy, want);
        }
        RowMatrix want = RowMatrix::Constant(rows, cols, 1e9F);
        setRecurrentProduct(MatrixMap(want.data(), rows, cols), ConstMatrixMap(in.z.data(), rows, cols),
            ConstMatrixMap(in.h.data(), rows, inner), in.r, &packed);
        activation.apply(want.data(), rows, cols);
        RowMatrix got = RowMatrix::Constant(rows, cols, 1e9F);
        RowMatrix copy = RowMatrix::Constant(rows, cols, 1e9F);
        const ProductFinish finish {&activation, copy.data()};
        setRecurrentProduct(MatrixMap(got.data(), rows, cols), ConstMatrixMap(in.z.data(), rows, cols),
            ConstMatrixMap(in.h.data(), rows, inner), in.r, &packed, &finish);
        QCOMPARE(got, want);
        QCOMPARE(copy, want);
        // Without a copy only z is written; without an activation z is copied as summed.
        const ProductFinish copyOnly {nullptr, copy.data()};
        detail::tiledProduct(
            got.data(), in.z.data(), cols, in.h.data(), in.r.data(), rows, inner, cols, nullptr, &copyOnly);
        RowMatrix plain = RowMatrix::Constant(rows, cols, 1e9F);
        detail::tiledProduct(plain.data(), in.z.data(), cols, in.h.data(), in.r.data(), rows, inner, cols);
        QCOMPARE(got, plain);
        QCOMPARE(copy, plain);
    }

    // Widths that are not a multiple of 64, and kernels too large for L2, go to Eigen in every build.
    void choosesEigenWhereTheKernelDoesNotFit()
    {
        QVERIFY(!detail::useTiledProduct(128, 96));
        QVERIFY(!detail::useTiledProduct(512, 2048)); // W3: 4 MB, read in place
        QVERIFY(!detail::useStripMajorKernel(96));
        const Operands in = make(6, 20, 96, 3);
        RowMatrix got = in.z;
        addRecurrentProduct(MatrixMap(got.data(), 6, 96), ConstMatrixMap(in.h.data(), 6, 20), in.r);
        QVERIFY(worstError(got, in) < 1e-5);
    }
};

QTEST_GUILESS_MAIN(TestRecurrentProduct)
#include "tst_recurrent_product.moc"
