// Keras's initializers (core/initializers.h): the distributions' bounds and moments, orthogonality and shape of the
// orthogonal initializer, LSTM's unit_forget_bias layout, determinism per seed, and initializeModelWeights' choice of
// initializer per weight.

#include <cmath>

#include <Eigen/Core>

#include <QtTest>

#include "core/cells/lstm_cell.h"
#include "core/errors.h"
#include "core/initializers.h"
#include "core/layers/basic_layers.h"
#include "core/rnn_layer.h"

using namespace rnnscope;

namespace {

std::vector<float> draw(const std::string& name, const Shape& shape, std::uint64_t seed)
{
    std::vector<float> v(static_cast<std::size_t>(shapeVolume(shape)));
    initializeWeights(name, shape, v.data(), seed);
    return v;
}

// A Sequential-like model Input(T, F) -> LSTM(units) -> Dense(1), built and finalized.
std::unique_ptr<Model> lstmModel(Index features, Index units)
{
    auto model = std::make_unique<Model>("m", "Sequential");
    Layer& input = model->addLayer(std::make_unique<InputLayer>("in", Shape {-1, 5, features}));
    const std::size_t in = model->addInputNode(input, {-1, 5, features}, false);
    const Activation tanh(ActivationKind::Tanh);
    const Activation sigmoid(ActivationKind::Sigmoid);
    Layer& lstm = model->addLayer(std::make_unique<RnnLayer>(
        "lstm", "LSTM", [=](Index f) { return std::make_unique<LstmCell>(f, units, tanh, sigmoid, true); },
        RnnOptions {}));
    const std::size_t l = model->addNode(lstm, {{in, 0}});
    Layer& dense = model->addLayer(std::make_unique<DenseLayer>("dense", 1, Activation(), true));
    const std::size_t d = model->addNode(dense, {{l, 0}});
    model->addOutput({d, 0}, "dense");
    model->finalize();
    return model;
}

} // namespace

class TestInitializers : public QObject
{
    Q_OBJECT

private slots:
    void glorotUniform_data()
    {
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<qint64>("cols");
        // LSTM kernel (in, 4u), GRU kernel (in, 3u), Dense kernel (u, out).
        QTest::newRow("lstm kernel 8x128") << qint64 {8} << qint64 {128};
        QTest::newRow("gru kernel 16x96") << qint64 {16} << qint64 {96};
        QTest::newRow("dense kernel 64x10") << qint64 {64} << qint64 {10};
        QTest::newRow("square 100x100") << qint64 {100} << qint64 {100};
    }
    void glorotUniform()
    {
        QFETCH(qint64, rows);
        QFETCH(qint64, cols);
        const auto v = draw("glorot_uniform", {rows, cols}, 7);
        // fan_in = rows, fan_out = cols (Keras compute_fans for a 2-D kernel).
        const double limit = std::sqrt(6.0 / static_cast<double>(rows + cols));
        double sum = 0.0;
        double sq = 0.0;
        float maxAbs = 0.0F;
        for (float x : v) {
            QVERIFY(std::abs(x) <= limit);
            maxAbs = std::max(maxAbs, std::abs(x));
            sum += x;
            sq += static_cast<double>(x) * x;
        }
        const double n = static_cast<double>(v.size());
        const double mean = sum / n;
        const double var = sq / n - mean * mean;
        // U(-l, l) has variance l^2/3; the sample moments are within a few standard errors of it.
        const double expected = limit * limit / 3.0;
        QVERIFY2(std::abs(var - expected) < 0.1 * expected, qPrintable(QString::number(var / expected)));
        QVERIFY(std::abs(mean) < 4.0 * limit / std::sqrt(3.0 * n));
        QVERIFY(maxAbs > 0.9 * limit); // fills the whole range, not a narrower one
    }

    void orthogonal_data()
    {
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<qint64>("cols");
        // Recurrent kernels (units, k*units): orthonormal rows.
        QTest::newRow("lstm recurrent 16x64") << qint64 {16} << qint64 {64};
        QTest::newRow("gru recurrent 32x96") << qint64 {32} << qint64 {96};
        QTest::newRow("simple recurrent 20x20") << qint64 {20} << qint64 {20};
        QTest::newRow("tall 30x7") << qint64 {30} << qint64 {7};
    }
    void orthogonal()
    {
        QFETCH(qint64, rows);
        QFETCH(qint64, cols);
        const auto v = draw("orthogonal", {rows, cols}, 11);
        QCOMPARE(static_cast<qint64>(v.size()), rows * cols);
        const Eigen::Map<const RowMatrix> w(v.data(), rows, cols);
        const Eigen::MatrixXd wd = w.cast<double>();
        // Fewer rows than columns: orthonormal rows (W W^T = I); otherwise orthonormal columns (W^T W = I).
        const Eigen::MatrixXd gram
            = rows <= cols ? Eigen::MatrixXd(wd * wd.transpose()) : Eigen::MatrixXd(wd.transpose() * wd);
        const Index k = std::min(rows, cols);
        const double err = (gram - Eigen::MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff();
        QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
    }

    void unitForgetBias_data()
    {
        QTest::addColumn<qint64>("units");
        QTest::newRow("1") << qint64 {1};
        QTest::newRow("32") << qint64 {32};
    }
    void unitForgetBias()
    {
        QFETCH(qint64, units);
        const auto v = draw("unit_forget_bias", {4 * units}, 0);
        for (Index i = 0; i < 4 * units; ++i) {
            // Gate blocks i, f, c, o: ones on f only.
            QCOMPARE(v[static_cast<std::size_t>(i)], (i >= units && i < 2 * units) ? 1.0F : 0.0F);
        }
        std::vector<float> bad(6);
        QVERIFY_THROWS_EXCEPTION(ModelError, initializeWeights("unit_forget_bias", {6}, bad.data(), 0));
    }

    void constantsAndDefaults()
    {
        for (float x : draw("zeros", {3, 4}, 1)) {
            QCOMPARE(x, 0.0F);
        }
        for (float x : draw("ones", {5}, 1)) {
            QCOMPARE(x, 1.0F);
        }
        for (float x : draw("random_uniform", {50, 50}, 3)) {
            QVERIFY(std::abs(x) <= 0.05F);
        }
        std::vector<float> v(4);
        QVERIFY_THROWS_EXCEPTION(ModelError, initializeWeights("he_normal_typo", {4}, v.data(), 0));
        QVERIFY_THROWS_EXCEPTION(ModelError, initializeWeights("orthogonal", {4}, v.data(), 0));
        const InitializerChoice none;
        QCOMPARE(initializerFor("LSTMCell", "kernel", none), std::string("glorot_uniform"));
        QCOMPARE(initializerFor("GRUCell", "recurrent_kernel", none), std::string("orthogonal"));
        QCOMPARE(initializerFor("LSTMCell", "bias", none), std::string("unit_forget_bias"));
        QCOMPARE(initializerFor("GRUCell", "bias", none), std::string("zeros"));
        QCOMPARE(initializerFor("Dense", "bias", none), std::string("zeros"));
        const InitializerChoice custom {"random_normal", "glorot_uniform", "ones"};
        QCOMPARE(initializerFor("LSTMCell", "kernel", custom), std::string("random_normal"));
        QCOMPARE(initializerFor("LSTMCell", "recurrent_kernel", custom), std::string("glorot_uniform"));
        QCOMPARE(initializerFor("LSTMCell", "bias", custom), std::string("ones"));
    }

    void seeds_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("glorot_uniform") << "glorot_uniform";
        QTest::newRow("orthogonal") << "orthogonal";
        QTest::newRow("random_uniform") << "random_uniform";
        QTest::newRow("random_normal") << "random_normal";
    }
    void seeds()
    {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        QCOMPARE(draw(n, {6, 24}, 42), draw(n, {6, 24}, 42));
        QVERIFY(draw(n, {6, 24}, 42) != draw(n, {6, 24}, 43));
    }

    void modelWeights()
    {
        auto a = lstmModel(3, 4);
        auto b = lstmModel(3, 4);
        auto c = lstmModel(3, 4);
        initializeModelWeights(*a, {}, 5);
        initializeModelWeights(*b, {}, 5);
        initializeModelWeights(*c, {}, 6);
        auto wa = a->findLayer("lstm")->weights();
        auto wb = b->findLayer("lstm")->weights();
        auto wc = c->findLayer("lstm")->weights();
        QCOMPARE(wa.size(), std::size_t {3});
        for (std::size_t i = 0; i < 2; ++i) {
            const Index n = shapeVolume(wa[i].shape);
            QVERIFY(std::equal(wa[i].data, wa[i].data + n, wb[i].data));
            QVERIFY(!std::equal(wa[i].data, wa[i].data + n, wc[i].data));
        }
        // kernel (3, 16) within the Glorot limit; recurrent (4, 16) with orthonormal rows; bias unit_forget_bias.
        const double limit = std::sqrt(6.0 / (3 + 16));
        for (Index i = 0; i < 3 * 16; ++i) {
            QVERIFY(std::abs(wa[0].data[i]) <= limit);
        }
        const Eigen::Map<const RowMatrix> u(wa[1].data, 4, 16);
        QVERIFY((u * u.transpose() - RowMatrix::Identity(4, 4)).cwiseAbs().maxCoeff() < 1e-5F);
        for (Index i = 0; i < 16; ++i) {
            QCOMPARE(wa[2].data[i], (i >= 4 && i < 8) ? 1.0F : 0.0F);
        }
        // Dense: glorot kernel (not all zero), zero bias; and the two layers got different draws.
        auto dense = a->findLayer("dense")->weights();
        QVERIFY(Eigen::Map<const RowMatrix>(dense[0].data, 4, 1).cwiseAbs().maxCoeff() > 0.0F);
        QCOMPARE(dense[1].data[0], 0.0F);
        // An override reaches every matching slot.
        initializeModelWeights(*c, {"zeros", "zeros", "ones"}, 6);
        auto zc = c->findLayer("lstm")->weights();
        QCOMPARE(Eigen::Map<const RowMatrix>(zc[0].data, 3, 16).cwiseAbs().maxCoeff(), 0.0F);
        QCOMPARE(Eigen::Map<const RowMatrix>(zc[2].data, 1, 16).minCoeff(), 1.0F);
    }
};

QTEST_GUILESS_MAIN(TestInitializers)
#include "tst_initializers.moc"
