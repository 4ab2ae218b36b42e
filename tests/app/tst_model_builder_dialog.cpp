// The model builder dialog (app/gui/model_builder_dialog.h): its widgets map to the ModelSpec and back, the defaults
// are LSTM(32) over 8 features with Dense(1), and editing a widget changes exactly the matching spec field.

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QtTest>

#include "model_builder_dialog.h"

using namespace rnnscope;
using rnnscope::app::ModelBuilderDialog;

Q_DECLARE_METATYPE(rnnscope::ModelSpec)

namespace {

// Field-by-field equality with a readable first difference.
QString difference(const ModelSpec& a, const ModelSpec& b)
{
    auto str = [](const auto& v) { return QString::number(static_cast<qint64>(v)); };
    if (a.features != b.features) {
        return QStringLiteral("features");
    }
    if (a.timesteps != b.timesteps || a.batchSize != b.batchSize) {
        return QStringLiteral("timesteps/batch");
    }
    if (a.stackedCells != b.stackedCells) {
        return QStringLiteral("stackedCells");
    }
    if (a.layers.size() != b.layers.size()) {
        return QStringLiteral("layer count ") + str(a.layers.size()) + QStringLiteral(" vs ") + str(b.layers.size());
    }
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
        const auto& x = a.layers[i];
        const auto& y = b.layers[i];
        if (x.cell != y.cell || x.units != y.units || x.activation != y.activation
            || x.recurrentActivation != y.recurrentActivation || x.useBias != y.useBias || x.resetAfter != y.resetAfter
            || x.returnSequences != y.returnSequences || x.goBackwards != y.goBackwards || x.stateful != y.stateful
            || x.unroll != y.unroll || x.bidirectional != y.bidirectional || x.mergeMode != y.mergeMode) {
            return QStringLiteral("layer ") + str(i);
        }
    }
    if (a.dense.has_value() != b.dense.has_value()
        || (a.dense && (a.dense->units != b.dense->units || a.dense->activation != b.dense->activation))) {
        return QStringLiteral("dense");
    }
    if (a.initializers.kernel != b.initializers.kernel || a.initializers.recurrent != b.initializers.recurrent
        || a.initializers.bias != b.initializers.bias || a.seed != b.seed) {
        return QStringLiteral("initializers/seed");
    }
    if (a.weightsFile != b.weightsFile) {
        return QStringLiteral("weightsFile");
    }
    return {};
}

RecurrentLayerSpec layer(CellKind kind, Index units)
{
    RecurrentLayerSpec s;
    s.cell = kind;
    s.units = units;
    return s;
}

template <typename W> W* cell(const ModelBuilderDialog& d, int row, int column)
{
    return qobject_cast<W*>(d.layersTable()->cellWidget(row, column));
}

} // namespace

class TestModelBuilderDialog : public QObject
{
    Q_OBJECT

private slots:
    void defaults()
    {
        ModelBuilderDialog d;
        const ModelSpec s = d.spec();
        QCOMPARE(s.features, Index {8});
        QVERIFY(!s.timesteps && !s.batchSize && !s.stackedCells && !s.weightsFile);
        QCOMPARE(s.layers.size(), std::size_t {1});
        QCOMPARE(s.layers[0].cell, CellKind::Lstm);
        QCOMPARE(s.layers[0].units, Index {32});
        QCOMPARE(s.layers[0].activation, std::string("tanh"));
        QCOMPARE(s.layers[0].recurrentActivation, std::string("sigmoid"));
        QVERIFY(s.dense && s.dense->units == 1 && s.dense->activation == "linear");
        QVERIFY(s.initializers.kernel.empty() && s.initializers.recurrent.empty() && s.initializers.bias.empty());
        QCOMPARE(difference(s, ModelSpec {}), QString());
        // Options that do not apply are disabled: reset_after on an LSTM, merge mode without Bidirectional.
        QVERIFY(!cell<QCheckBox>(d, 0, ModelBuilderDialog::ResetAfterColumn)->isEnabled());
        QVERIFY(!cell<QComboBox>(d, 0, ModelBuilderDialog::MergeModeColumn)->isEnabled());
        QVERIFY(d.findChild<QSpinBox*>(QStringLiteral("seed"))->isEnabled());
        QVERIFY(!d.findChild<QLineEdit*>(QStringLiteral("weightsFile"))->isEnabled());
    }

    void roundTrip_data()
    {
        QTest::addColumn<ModelSpec>("spec");
        ModelSpec a;
        a.features = 3;
        a.timesteps = 12;
        a.batchSize = 4;
        a.layers = {layer(CellKind::Gru, 5), layer(CellKind::SimpleRnn, 2), layer(CellKind::Minimal, 7)};
        a.layers[0].resetAfter = false;
        a.layers[0].recurrentActivation = "hard_sigmoid";
        a.layers[0].returnSequences = true;
        a.layers[0].stateful = true;
        a.layers[0].bidirectional = true;
        a.layers[0].mergeMode = "ave";
        a.layers[1].activation = "relu";
        a.layers[1].useBias = false;
        a.layers[1].goBackwards = true;
        a.layers[1].unroll = true;
        a.dense = DenseSpec {6, "softmax"};
        a.initializers = {"random_normal", "zeros", "ones"};
        a.seed = 77;
        QTest::newRow("three layers, dense softmax, custom initializers") << a;
        ModelSpec b;
        b.stackedCells = true;
        b.layers = {layer(CellKind::Lstm, 16), layer(CellKind::Lstm, 8)};
        b.layers[0].bidirectional = true;
        b.layers[0].mergeMode = "none";
        b.dense.reset();
        b.weightsFile = "/tmp/some.weights.h5";
        QTest::newRow("stacked cells, no dense, weights file") << b;
    }
    void roundTrip()
    {
        QFETCH(ModelSpec, spec);
        ModelBuilderDialog d;
        d.setSpec(spec);
        QCOMPARE(difference(d.spec(), spec), QString());
        // The widgets show it.
        QCOMPARE(d.layersTable()->rowCount(), static_cast<int>(spec.layers.size()));
        QCOMPARE(d.findChild<QSpinBox*>(QStringLiteral("features"))->value(), static_cast<int>(spec.features));
        QCOMPARE(d.findChild<QCheckBox*>(QStringLiteral("dense"))->isChecked(), spec.dense.has_value());
        QCOMPARE(d.findChild<QRadioButton*>(QStringLiteral("fromFile"))->isChecked(), spec.weightsFile.has_value());
        QCOMPARE(
            cell<QSpinBox>(d, 0, ModelBuilderDialog::UnitsColumn)->value(), static_cast<int>(spec.layers[0].units));
        // And a second dialog given the first one's spec agrees.
        ModelBuilderDialog e;
        e.setSpec(d.spec());
        QCOMPARE(difference(e.spec(), spec), QString());
    }

    void widgetsToSpec()
    {
        ModelBuilderDialog d;
        d.findChild<QSpinBox*>(QStringLiteral("features"))->setValue(5);
        d.findChild<QSpinBox*>(QStringLiteral("timesteps"))->setValue(9);
        d.findChild<QCheckBox*>(QStringLiteral("stacked"))->setChecked(true);
        cell<QComboBox>(d, 0, ModelBuilderDialog::CellColumn)->setCurrentIndex(static_cast<int>(CellKind::Gru));
        QVERIFY(cell<QCheckBox>(d, 0, ModelBuilderDialog::ResetAfterColumn)->isEnabled());
        cell<QCheckBox>(d, 0, ModelBuilderDialog::ResetAfterColumn)->setChecked(false);
        cell<QSpinBox>(d, 0, ModelBuilderDialog::UnitsColumn)->setValue(17);
        cell<QCheckBox>(d, 0, ModelBuilderDialog::BidirectionalColumn)->setChecked(true);
        QVERIFY(cell<QComboBox>(d, 0, ModelBuilderDialog::MergeModeColumn)->isEnabled());
        cell<QComboBox>(d, 0, ModelBuilderDialog::MergeModeColumn)->setCurrentText(QStringLiteral("mul"));
        d.findChild<QPushButton*>(QStringLiteral("addLayer"))->click();
        cell<QComboBox>(d, 1, ModelBuilderDialog::ActivationColumn)->setCurrentText(QStringLiteral("relu"));
        d.findChild<QCheckBox*>(QStringLiteral("dense"))->setChecked(false);
        d.findChild<QComboBox*>(QStringLiteral("kernelInitializer"))->setCurrentText(QStringLiteral("zeros"));
        d.findChild<QSpinBox*>(QStringLiteral("seed"))->setValue(9);

        ModelSpec want;
        want.features = 5;
        want.timesteps = 9;
        want.stackedCells = true;
        want.layers = {layer(CellKind::Gru, 17), RecurrentLayerSpec {}};
        want.layers[0].resetAfter = false;
        want.layers[0].bidirectional = true;
        want.layers[0].mergeMode = "mul";
        want.layers[1].activation = "relu";
        want.dense.reset();
        want.initializers.kernel = "zeros";
        want.seed = 9;
        QCOMPARE(difference(d.spec(), want), QString());

        // Removing leaves at least one layer; choosing a file switches to it.
        d.layersTable()->setCurrentCell(0, 0);
        d.findChild<QPushButton*>(QStringLiteral("removeLayer"))->click();
        QCOMPARE(d.spec().layers.size(), std::size_t {1});
        QCOMPARE(d.spec().layers[0].activation, std::string("relu"));
        d.findChild<QPushButton*>(QStringLiteral("removeLayer"))->click();
        QCOMPARE(d.spec().layers.size(), std::size_t {1});
        d.findChild<QRadioButton*>(QStringLiteral("fromFile"))->setChecked(true);
        d.findChild<QLineEdit*>(QStringLiteral("weightsFile"))->setText(QStringLiteral("/x/w.h5"));
        QCOMPARE(d.spec().weightsFile, std::optional<std::string>("/x/w.h5"));
        QVERIFY(!d.findChild<QSpinBox*>(QStringLiteral("seed"))->isEnabled());
    }
};

QTEST_MAIN(TestModelBuilderDialog)
#include "tst_model_builder_dialog.moc"
