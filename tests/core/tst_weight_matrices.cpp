// Weights for the weights view: copies of each recurrent cell's (and Dense layer's) kernel, recurrent kernel and
// bias, equal to the model's WeightSlots, with the gate blocks named as the trace names the gates.

#include <QObject>
#include <QTest>

#include "core/bidirectional.h"
#include "core/layers/basic_layers.h"
#include "core/weight_matrices.h"
#include "engine_fixtures.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr Index kFeatures = 3;

struct Built
{
    std::unique_ptr<Model> model;
    std::vector<RnnCell*> cells; // the leaf cells, in the order weightMatrices() should list them
};

std::unique_ptr<RnnCell> cellOf(const std::string& kind, Index features, unsigned seed, std::vector<RnnCell*>& leaves)
{
    auto cell = makeTestCell(kind, features, seed);
    for (const RnnCell* leaf : cell->leafCells()) {
        leaves.push_back(const_cast<RnnCell*>(leaf)); // the test writes through it to check the copies
    }
    return cell;
}

// Input [2, 5, 3] -> the recurrent layer `kind` -> Dense(3).
Built build(const std::string& kind)
{
    Built b;
    b.model = std::make_unique<Model>("m", "Sequential");
    Layer& input = b.model->addLayer(std::make_unique<InputLayer>("x", Shape {2, 5, kFeatures}));
    RnnOptions options;
    options.returnSequences = true;
    std::unique_ptr<Layer> rnn;
    if (kind.starts_with("bidirectional_")) {
        const std::string inner = kind.substr(std::string("bidirectional_").size());
        RnnOptions back = options;
        back.goBackwards = true;
        auto fwd = std::make_unique<RnnLayer>("forward_rnn", "RNN", cellOf(inner, kFeatures, 1, b.cells), options);
        auto bwd = std::make_unique<RnnLayer>("backward_rnn", "RNN", cellOf(inner, kFeatures, 9, b.cells), back);
        rnn = std::make_unique<BidirectionalLayer>("bidi", std::move(fwd), std::move(bwd), MergeMode::Concat);
    } else {
        rnn = std::make_unique<RnnLayer>("rnn", "RNN", cellOf(kind, kFeatures, 1, b.cells), options);
    }
    Layer& r = b.model->addLayer(std::move(rnn));
    Layer& dense
        = b.model->addLayer(std::make_unique<DenseLayer>("dense", 3, Activation(ActivationKind::Linear), true));
    const auto in = b.model->addInputNode(input, {2, 5, kFeatures}, false);
    const auto a = b.model->addNode(r, {{in, 0}});
    const auto d = b.model->addNode(dense, {{a, 0}});
    b.model->addOutput({d, 0}, "dense");
    b.model->finalize();
    for (auto& w : dense.weights()) {
        fillUniform(w.data, shapeVolume(w.shape), 77);
    }
    return b;
}

void compareToSlot(const WeightMatrix& m, const std::vector<WeightSlot>& weightSlots, const std::string& name)
{
    const auto it
        = std::find_if(weightSlots.begin(), weightSlots.end(), [&](const WeightSlot& s) { return s.name == name; });
    if (it == weightSlots.end()) {
        QVERIFY2(m.empty(), name.c_str());
        return;
    }
    const Index rows = it->shape.size() == 2 ? it->shape[0] : 1;
    QCOMPARE(m.rows, rows);
    QCOMPARE(m.cols, it->shape.back());
    for (Index r = 0; r < m.rows; ++r) {
        for (Index c = 0; c < m.cols; ++c) {
            QCOMPARE(m.at(r, c), it->data[r * m.cols + c]);
        }
    }
}

} // namespace

class TestWeightMatrices : public QObject
{
    Q_OBJECT

private slots:
    void matricesEqualTheWeights_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QStringList>("paths");
        QTest::addColumn<QStringList>("gates"); // per entry, the gate names joined by ","
        QTest::addColumn<QList<int>>("units");
        QTest::addColumn<QList<int>>("biasRows");

        QTest::newRow("lstm") << "lstm" << QStringList {"rnn"} << QStringList {"i,f,c,o"} << QList<int> {4}
                              << QList<int> {1};
        QTest::newRow("gru") << "gru" << QStringList {"rnn"} << QStringList {"z,r,hh"} << QList<int> {4}
                             << QList<int> {1};
        QTest::newRow("gru reset_after") << "gru_reset_after" << QStringList {"rnn"} << QStringList {"z,r,hh"}
                                         << QList<int> {4} << QList<int> {2};
        QTest::newRow("simple") << "simple" << QStringList {"rnn"} << QStringList {""} << QList<int> {4}
                                << QList<int> {1};
        QTest::newRow("minimal (no bias)")
            << "minimal" << QStringList {"rnn"} << QStringList {""} << QList<int> {4} << QList<int> {0};
        QTest::newRow("stack") << "stack" << QStringList {"rnn / cell 0", "rnn / cell 1"}
                               << QStringList {"i,f,c,o", "z,r,hh"} << QList<int> {5, 3} << QList<int> {1, 2};
        QTest::newRow("bidirectional lstm")
            << "bidirectional_lstm" << QStringList {"bidi / forward", "bidi / backward"}
            << QStringList {"i,f,c,o", "i,f,c,o"} << QList<int> {4, 4} << QList<int> {1, 1};
        QTest::newRow("bidirectional gru reset_after")
            << "bidirectional_gru_reset_after" << QStringList {"bidi / forward", "bidi / backward"}
            << QStringList {"z,r,hh", "z,r,hh"} << QList<int> {4, 4} << QList<int> {2, 2};
    }

    void matricesEqualTheWeights()
    {
        QFETCH(QString, kind);
        QFETCH(QStringList, paths);
        QFETCH(QStringList, gates);
        QFETCH(QList<int>, units);
        QFETCH(QList<int>, biasRows);

        Built b = build(kind.toStdString());
        const auto all = weightMatrices(*b.model);
        QCOMPARE(all.size(), static_cast<std::size_t>(paths.size() + 1)); // + the Dense layer
        QCOMPARE(b.cells.size(), static_cast<std::size_t>(paths.size()));

        for (int i = 0; i < paths.size(); ++i) {
            const LayerWeightMatrices& m = all[static_cast<std::size_t>(i)];
            RnnCell& cell = *b.cells[static_cast<std::size_t>(i)];
            QCOMPARE(QString::fromStdString(m.path), paths[i]);
            QCOMPARE(m.cellClass, cell.className());
            QCOMPARE(m.units, Index(units[i]));
            QCOMPARE(m.direction, kind.startsWith(QLatin1String("bidirectional")) ? i : -1);
            QStringList names;
            for (const auto& g : m.gateNames) {
                names << QString::fromStdString(g);
            }
            QCOMPARE(names.join(QLatin1Char(',')), gates[i]);
            // The column blocks: one per gate, each `units` wide.
            QCOMPARE(m.blockWidth(), m.units);
            QCOMPARE(m.kernel.cols, m.blockCount() * m.units);
            QCOMPARE(m.recurrentKernel.rows, m.units);
            QCOMPARE(m.recurrentKernel.cols, m.blockCount() * m.units);
            QCOMPARE(m.bias.rows, Index(biasRows[i]));
            QCOMPARE(static_cast<int>(m.biasRows.size()), biasRows[i] == 0 ? 0 : biasRows[i]);

            const auto weightSlots = cell.weights();
            compareToSlot(m.kernel, weightSlots, "kernel");
            compareToSlot(m.recurrentKernel, weightSlots, "recurrent_kernel");
            compareToSlot(m.bias, weightSlots, "bias");

            // Copies: changing the model afterwards leaves them as they were.
            const float before = m.kernel.at(0, 0);
            weightSlots.front().data[0] += 1.0F;
            QCOMPARE(m.kernel.at(0, 0), before);
        }

        const LayerWeightMatrices& dense = all.back();
        QCOMPARE(dense.path, std::string("dense"));
        QCOMPARE(dense.layerClass, std::string("Dense"));
        QVERIFY(dense.cellClass.empty());
        QVERIFY(dense.gateNames.empty());
        QCOMPARE(dense.kernel.cols, Index(3));
        QVERIFY(dense.recurrentKernel.empty());
        QCOMPARE(dense.bias.cols, Index(3));
        const auto denseSlots = b.model->findLayer("dense")->weights();
        compareToSlot(dense.kernel, denseSlots, "kernel");
        compareToSlot(dense.bias, denseSlots, "bias");

        QCOMPARE(weightMatrices(*b.model, false).size(), static_cast<std::size_t>(paths.size()));
    }

    // The gate blocks are named exactly as a recorded run names the gates of the same cells.
    void gateNamesMatchTheTrace_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char* k : {"lstm", "gru", "gru_reset_after", "simple", "stack", "bidirectional_lstm"}) {
            QTest::newRow(k) << QString::fromLatin1(k);
        }
    }

    void gateNamesMatchTheTrace()
    {
        QFETCH(QString, kind);
        Built b = build(kind.toStdString());
        ModelTrace trace;
        CallContext context;
        context.trace = &trace;
        b.model->predict({randomTensor({2, 5, kFeatures}, 4)}, {nullptr}, context);
        std::vector<const CellTrace*> cells;
        for (const auto& l : trace.layers) {
            for (const auto& c : l.cells) {
                cells.push_back(&c);
            }
            for (const auto& d : l.directions) {
                for (const auto& c : d.cells) {
                    cells.push_back(&c);
                }
            }
        }
        const auto all = weightMatrices(*b.model, false);
        QCOMPARE(all.size(), cells.size());
        for (std::size_t i = 0; i < all.size(); ++i) {
            QCOMPARE(all[i].gateNames, cells[i]->gateNames);
            QCOMPARE(all[i].cellClass, cells[i]->className);
            if (!cells[i]->gates.empty()) {
                QCOMPARE(cells[i]->gates.front().width(), all[i].kernel.cols);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestWeightMatrices)
#include "tst_weight_matrices.moc"
