// The weights view: every heatmap cell is the weight it stands for, the gate blocks are labelled in Keras's order
// and separated, the layer picker switches the matrices, and an empty model shows a message.

#include <QComboBox>
#include <QTest>
#include <qcustomplot.h>

#include "tests/widgets/run_fixtures.h"
#include "widgets/weights_view.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

namespace {

WeightMatrix matrix(Index rows, Index cols, unsigned seed)
{
    WeightMatrix m;
    m.rows = rows;
    m.cols = cols;
    m.values.resize(static_cast<std::size_t>(rows * cols));
    testing::fillUniform(m.values.data(), rows * cols, seed, 2.0F);
    return m;
}

LayerWeightMatrices layer(const std::string& path, const std::string& cellClass, std::vector<std::string> gates,
    Index inputs, Index units, Index biasRows, bool recurrent = true)
{
    LayerWeightMatrices l;
    l.path = path;
    l.layerName = path;
    l.layerClass = cellClass.empty() ? "Dense" : "RNN";
    l.cellClass = cellClass;
    l.units = units;
    l.gateNames = std::move(gates);
    const Index cols = l.blockCount() * units;
    l.kernel = matrix(inputs, cols, 1);
    if (recurrent) {
        l.recurrentKernel = matrix(units, cols, 2);
    }
    if (biasRows > 0) {
        l.bias = matrix(biasRows, cols, 3);
        l.biasRows = biasRows == 2 ? std::vector<std::string> {"input bias", "recurrent bias"}
                                   : std::vector<std::string> {"bias"};
    }
    return l;
}

std::vector<LayerWeightMatrices> model()
{
    return {layer("lstm", "LSTMCell", {"i", "f", "c", "o"}, 3, 4, 1),
        layer("gru", "GRUCell", {"z", "r", "hh"}, 2, 3, 2), layer("simple", "SimpleRNNCell", {}, 5, 2, 1),
        layer("one_feature", "LSTMCell", {"i", "f", "c", "o"}, 1, 1, 0), layer("dense", "", {}, 4, 3, 1, false)};
}

} // namespace

class TestWeightsView : public QObject
{
    Q_OBJECT

private slots:
    void cellsAndLabels_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<QStringList>("labels");
        QTest::addColumn<bool>("recurrent");
        QTest::addColumn<bool>("bias");

        QTest::newRow("lstm") << 0
                              << QStringList {"i (input gate)", "f (forget gate)", "g (cell candidate)",
                                     "o (output gate)"}
                              << true << true;
        QTest::newRow("gru reset_after") << 1 << QStringList {"z (update gate)", "r (reset gate)", "hh (candidate)"}
                                         << true << true;
        QTest::newRow("simple rnn: one block") << 2 << QStringList {} << true << true;
        QTest::newRow("one feature, one unit, no bias")
            << 3 << QStringList {"i (input gate)", "f (forget gate)", "g (cell candidate)", "o (output gate)"} << true
            << false;
        QTest::newRow("dense") << 4 << QStringList {} << false << true;
    }

    void cellsAndLabels()
    {
        QFETCH(int, index);
        QFETCH(QStringList, labels);
        QFETCH(bool, recurrent);
        QFETCH(bool, bias);

        const auto layers = model();
        WeightsView view;
        view.resize(700, 600);
        view.setLayers(layers);
        view.setCurrentLayer(index);
        QCOMPARE(view.currentLayer(), index);
        QVERIFY(view.message().isEmpty());
        QCOMPARE(view.gateLabels(), labels);

        const LayerWeightMatrices& l = layers[static_cast<std::size_t>(index)];
        QVERIFY(view.title().startsWith(QString::fromStdString(l.path) + QStringLiteral(" — ")));
        QCOMPARE(view.matrixShown(WeightsView::Matrix::Recurrent), recurrent);
        QCOMPARE(view.matrixShown(WeightsView::Matrix::Bias), bias);
        const std::pair<WeightsView::Matrix, const WeightMatrix*> all[] = {{WeightsView::Matrix::Kernel, &l.kernel},
            {WeightsView::Matrix::Recurrent, &l.recurrentKernel}, {WeightsView::Matrix::Bias, &l.bias}};
        int panels = 0;
        for (const auto& [which, m] : all) {
            if (m->empty()) {
                continue;
            }
            ++panels;
            for (Index r = 0; r < m->rows; ++r) {
                for (Index c = 0; c < m->cols; ++c) {
                    QCOMPARE(view.cellValue(which, static_cast<int>(r), static_cast<int>(c)), m->at(r, c));
                }
            }
            QVERIFY(std::isnan(view.cellValue(which, static_cast<int>(m->rows), 0)));
        }
        // One separator between neighbouring gate blocks, in every panel.
        QCOMPARE(view.separatorCount(), panels * static_cast<int>(l.blockCount() - 1));
        testing::grab(view, QStringLiteral("weights_%1").arg(index));
    }

    void switchingLayersUpdates()
    {
        const auto layers = model();
        WeightsView view;
        view.setLayers(layers);
        QCOMPARE(view.layerCount(), 5);
        QCOMPARE(view.layerBox()->count(), 5);
        QCOMPARE(view.currentLayer(), 0);
        QCOMPARE(view.cellValue(WeightsView::Matrix::Kernel, 2, 15), layers[0].kernel.at(2, 15));

        view.layerBox()->setCurrentIndex(1); // the user picks the GRU
        QCOMPARE(view.currentLayer(), 1);
        QCOMPARE(view.gateLabels().size(), 3);
        QCOMPARE(view.cellValue(WeightsView::Matrix::Bias, 1, 8), layers[1].bias.at(1, 8));
        QVERIFY(std::isnan(view.cellValue(WeightsView::Matrix::Kernel, 2, 0))); // the GRU has 2 input features

        // New matrices for the same layers (weights reloaded): the GRU stays shown, with the new values.
        auto changed = model();
        changed[1].kernel.values[0] = 42.0F;
        view.setLayers(changed);
        QCOMPARE(view.currentLayer(), 1);
        QCOMPARE(view.layerBox()->currentIndex(), 1);
        QCOMPARE(view.cellValue(WeightsView::Matrix::Kernel, 0, 0), 42.0F);
    }

    void emptyShowsMessage()
    {
        WeightsView view;
        view.setLayers({});
        QVERIFY(!view.message().isEmpty());
        QCOMPARE(view.layerCount(), 0);
        QVERIFY(!view.layerBox()->isEnabled());
        QVERIFY(!view.matrixShown(WeightsView::Matrix::Kernel));
        view.setLayers(model());
        QVERIFY(view.message().isEmpty());
        QVERIFY(view.matrixShown(WeightsView::Matrix::Kernel));
    }

    void followsThePalette()
    {
        WeightsView view;
        view.setLayers(model());
        auto axisColour = [&] { return view.plot()->axisRects().front()->axis(QCPAxis::atLeft)->basePen().color(); };
        const QColor before = axisColour();
        const QPalette dark = testing::darkPalette();
        view.setPalette(dark);
        QVERIFY(axisColour() != before);
        QCOMPARE(axisColour(), dark.color(QPalette::WindowText));
        // Zero blends into the dark background.
        const auto* map = qobject_cast<QCPColorMap*>(view.plot()->plottable(0));
        QVERIFY(map != nullptr);
        QVERIFY(QColor(map->gradient().color(0.0, QCPRange(-1, 1))).lightness() < 80);
        // A layer picked after the change is drawn dark too.
        view.setCurrentLayer(1);
        QCOMPARE(axisColour(), dark.color(QPalette::WindowText));
        testing::grab(view, QStringLiteral("weights_dark"));
    }
};

QTEST_MAIN(TestWeightsView)
#include "tst_weights_view.moc"
