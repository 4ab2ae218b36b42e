#include "model_builder_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace rnnscope::app {

namespace {

// Keras activation names offered in the combo boxes (editable: any name the reader knows can be typed).
QStringList activationNames()
{
    return {QStringLiteral("tanh"), QStringLiteral("sigmoid"), QStringLiteral("hard_sigmoid"), QStringLiteral("relu"),
        QStringLiteral("linear"), QStringLiteral("softmax"), QStringLiteral("elu"), QStringLiteral("selu"),
        QStringLiteral("softplus"), QStringLiteral("softsign"), QStringLiteral("swish")};
}

// Initializer names; the first entry ("default") means Keras's default for that weight.
QStringList initializerNames()
{
    return {QStringLiteral("default"), QStringLiteral("glorot_uniform"), QStringLiteral("orthogonal"),
        QStringLiteral("zeros"), QStringLiteral("ones"), QStringLiteral("random_uniform"),
        QStringLiteral("random_normal"), QStringLiteral("unit_forget_bias")};
}

const QStringList& cellNames()
{
    static const QStringList names {QStringLiteral("SimpleRNN"), QStringLiteral("LSTM"), QStringLiteral("GRU"),
        QStringLiteral("Minimal (MinimalRNNCell)")};
    return names;
}

const QStringList& mergeNames()
{
    static const QStringList names {QStringLiteral("concat"), QStringLiteral("sum"), QStringLiteral("mul"),
        QStringLiteral("ave"), QStringLiteral("none")};
    return names;
}

QComboBox* activationCombo(const std::string& value)
{
    auto* box = new QComboBox;
    box->setEditable(true);
    box->addItems(activationNames());
    box->setCurrentText(QString::fromStdString(value));
    return box;
}

QComboBox* initializerCombo(const std::string& value)
{
    auto* box = new QComboBox;
    box->addItems(initializerNames());
    box->setCurrentText(value.empty() ? QStringLiteral("default") : QString::fromStdString(value));
    return box;
}

std::string initializerValue(const QComboBox* box)
{
    return box->currentIndex() == 0 ? std::string() : box->currentText().toStdString();
}

QCheckBox* checkBox(bool on)
{
    auto* box = new QCheckBox;
    box->setChecked(on);
    return box;
}

} // namespace

ModelBuilderDialog::ModelBuilderDialog(QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Build Model"));
    auto* layout = new QVBoxLayout(this);

    auto* inputBox = new QGroupBox(tr("Input"));
    auto* inputForm = new QFormLayout(inputBox);
    m_features = new QSpinBox;
    m_features->setRange(1, 65536);
    m_features->setObjectName(QStringLiteral("features"));
    inputForm->addRow(tr("Features (F):"), m_features);
    m_timesteps = new QSpinBox;
    m_timesteps->setRange(0, 1000000);
    m_timesteps->setSpecialValueText(tr("variable"));
    m_timesteps->setObjectName(QStringLiteral("timesteps"));
    inputForm->addRow(tr("Timesteps (T):"), m_timesteps);
    m_batch = new QSpinBox;
    m_batch->setRange(0, 1000000);
    m_batch->setSpecialValueText(tr("any"));
    m_batch->setToolTip(tr("A fixed batch size; stateful layers need one."));
    m_batch->setObjectName(QStringLiteral("batch"));
    inputForm->addRow(tr("Batch size:"), m_batch);
    layout->addWidget(inputBox);

    auto* layersBox = new QGroupBox(tr("Recurrent layers"));
    auto* layersLayout = new QVBoxLayout(layersBox);
    m_stacked = new QCheckBox(tr("One RNN over stacked cells (layer options from the first row)"));
    m_stacked->setObjectName(QStringLiteral("stacked"));
    layersLayout->addWidget(m_stacked);
    m_layers = new QTableWidget(0, ColumnCount);
    m_layers->setObjectName(QStringLiteral("layers"));
    m_layers->setHorizontalHeaderLabels({tr("Cell"), tr("Units"), tr("Activation"), tr("Recurrent activation"),
        tr("Use bias"), tr("Reset after"), tr("Return sequences"), tr("Go backwards"), tr("Stateful"), tr("Unroll"),
        tr("Bidirectional"), tr("Merge mode")});
    m_layers->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_layers->setSelectionBehavior(QAbstractItemView::SelectRows);
    layersLayout->addWidget(m_layers);
    auto* rowButtons = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add Layer"));
    add->setObjectName(QStringLiteral("addLayer"));
    auto* remove = new QPushButton(tr("Remove Layer"));
    remove->setObjectName(QStringLiteral("removeLayer"));
    rowButtons->addWidget(add);
    rowButtons->addWidget(remove);
    rowButtons->addStretch();
    layersLayout->addLayout(rowButtons);
    layout->addWidget(layersBox);
    connect(add, &QPushButton::clicked, this, [this] { addLayerRow(RecurrentLayerSpec {}); });
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = m_layers->currentRow();
        removeLayerRow(row >= 0 ? row : m_layers->rowCount() - 1);
    });

    auto* denseBox = new QGroupBox(tr("Output"));
    auto* denseForm = new QFormLayout(denseBox);
    m_dense = new QCheckBox(tr("Dense layer on top"));
    m_dense->setObjectName(QStringLiteral("dense"));
    denseForm->addRow(m_dense);
    m_denseUnits = new QSpinBox;
    m_denseUnits->setRange(1, 65536);
    m_denseUnits->setObjectName(QStringLiteral("denseUnits"));
    denseForm->addRow(tr("Dense units:"), m_denseUnits);
    m_denseActivation = activationCombo("linear");
    m_denseActivation->setObjectName(QStringLiteral("denseActivation"));
    denseForm->addRow(tr("Dense activation:"), m_denseActivation);
    layout->addWidget(denseBox);

    auto* weightsBox = new QGroupBox(tr("Weights"));
    auto* weightsForm = new QFormLayout(weightsBox);
    m_initialize = new QRadioButton(tr("Initialize as Keras does"));
    m_initialize->setObjectName(QStringLiteral("initialize"));
    weightsForm->addRow(m_initialize);
    m_kernelInit = initializerCombo({});
    m_kernelInit->setObjectName(QStringLiteral("kernelInitializer"));
    weightsForm->addRow(tr("Kernel initializer:"), m_kernelInit);
    m_recurrentInit = initializerCombo({});
    m_recurrentInit->setObjectName(QStringLiteral("recurrentInitializer"));
    weightsForm->addRow(tr("Recurrent initializer:"), m_recurrentInit);
    m_biasInit = initializerCombo({});
    m_biasInit->setObjectName(QStringLiteral("biasInitializer"));
    weightsForm->addRow(tr("Bias initializer:"), m_biasInit);
    m_seed = new QSpinBox;
    m_seed->setRange(0, 2147483647);
    m_seed->setObjectName(QStringLiteral("seed"));
    weightsForm->addRow(tr("Seed:"), m_seed);
    weightsForm->addRow(new QLabel(tr("Same seed, same weights; not the numbers Keras would draw.")));
    m_fromFile = new QRadioButton(tr("Weights from file"));
    m_fromFile->setObjectName(QStringLiteral("fromFile"));
    weightsForm->addRow(m_fromFile);
    auto* fileRow = new QHBoxLayout;
    m_weightsFile = new QLineEdit;
    m_weightsFile->setObjectName(QStringLiteral("weightsFile"));
    m_weightsFile->setPlaceholderText(tr("model.weights.h5 or a legacy weights .h5"));
    auto* browse = new QPushButton(tr("Browse…"));
    fileRow->addWidget(m_weightsFile);
    fileRow->addWidget(browse);
    weightsForm->addRow(tr("File:"), fileRow);
    layout->addWidget(weightsBox);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, tr("Weights File"), m_weightsFile->text(), tr("Keras weights (*.h5 *.hdf5);;All files (*)"));
        if (!file.isEmpty()) {
            m_weightsFile->setText(file);
            m_fromFile->setChecked(true);
        }
    });

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    for (QAbstractButton* b : {static_cast<QAbstractButton*>(m_dense), static_cast<QAbstractButton*>(m_initialize),
             static_cast<QAbstractButton*>(m_fromFile)}) {
        connect(b, &QAbstractButton::toggled, this, [this] { updateEnabled(); });
    }
    setSpec(ModelSpec {});
}

void ModelBuilderDialog::addLayerRow(const RecurrentLayerSpec& layer)
{
    const int row = m_layers->rowCount();
    m_layers->insertRow(row);
    auto* cell = new QComboBox;
    cell->addItems(cellNames());
    cell->setCurrentIndex(static_cast<int>(layer.cell));
    m_layers->setCellWidget(row, CellColumn, cell);
    auto* units = new QSpinBox;
    units->setRange(1, 65536);
    units->setValue(static_cast<int>(layer.units));
    m_layers->setCellWidget(row, UnitsColumn, units);
    m_layers->setCellWidget(row, ActivationColumn, activationCombo(layer.activation));
    m_layers->setCellWidget(row, RecurrentActivationColumn, activationCombo(layer.recurrentActivation));
    m_layers->setCellWidget(row, UseBiasColumn, checkBox(layer.useBias));
    m_layers->setCellWidget(row, ResetAfterColumn, checkBox(layer.resetAfter));
    m_layers->setCellWidget(row, ReturnSequencesColumn, checkBox(layer.returnSequences));
    m_layers->setCellWidget(row, GoBackwardsColumn, checkBox(layer.goBackwards));
    m_layers->setCellWidget(row, StatefulColumn, checkBox(layer.stateful));
    m_layers->setCellWidget(row, UnrollColumn, checkBox(layer.unroll));
    m_layers->setCellWidget(row, BidirectionalColumn, checkBox(layer.bidirectional));
    auto* merge = new QComboBox;
    merge->addItems(mergeNames());
    merge->setCurrentText(QString::fromStdString(layer.mergeMode));
    m_layers->setCellWidget(row, MergeModeColumn, merge);
    // Options that do not apply to the row's cell or wrapper are disabled, not hidden.
    auto refresh = [this, cell] {
        for (int r = 0; r < m_layers->rowCount(); ++r) {
            if (m_layers->cellWidget(r, CellColumn) != cell) {
                continue;
            }
            const auto kind = static_cast<CellKind>(cell->currentIndex());
            m_layers->cellWidget(r, ActivationColumn)->setEnabled(kind != CellKind::Minimal);
            m_layers->cellWidget(r, UseBiasColumn)->setEnabled(kind != CellKind::Minimal);
            m_layers->cellWidget(r, RecurrentActivationColumn)
                ->setEnabled(kind == CellKind::Lstm || kind == CellKind::Gru);
            m_layers->cellWidget(r, ResetAfterColumn)->setEnabled(kind == CellKind::Gru);
            m_layers->cellWidget(r, MergeModeColumn)
                ->setEnabled(static_cast<QCheckBox*>(m_layers->cellWidget(r, BidirectionalColumn))->isChecked());
        }
    };
    connect(cell, &QComboBox::currentIndexChanged, this, refresh);
    connect(
        static_cast<QCheckBox*>(m_layers->cellWidget(row, BidirectionalColumn)), &QCheckBox::toggled, this, refresh);
    refresh();
}

void ModelBuilderDialog::removeLayerRow(int row)
{
    // A model needs at least one recurrent layer.
    if (row >= 0 && row < m_layers->rowCount() && m_layers->rowCount() > 1) {
        m_layers->removeRow(row);
    }
}

void ModelBuilderDialog::updateEnabled()
{
    m_denseUnits->setEnabled(m_dense->isChecked());
    m_denseActivation->setEnabled(m_dense->isChecked());
    const bool init = m_initialize->isChecked();
    for (QWidget* w : {static_cast<QWidget*>(m_kernelInit), static_cast<QWidget*>(m_recurrentInit),
             static_cast<QWidget*>(m_biasInit), static_cast<QWidget*>(m_seed)}) {
        w->setEnabled(init);
    }
    m_weightsFile->setEnabled(!init);
}

ModelSpec ModelBuilderDialog::spec() const
{
    ModelSpec s;
    s.features = m_features->value();
    s.timesteps = m_timesteps->value() > 0 ? std::optional<Index>(m_timesteps->value()) : std::nullopt;
    s.batchSize = m_batch->value() > 0 ? std::optional<Index>(m_batch->value()) : std::nullopt;
    s.stackedCells = m_stacked->isChecked();
    s.layers.clear();
    auto check = [this](int r, int c) { return static_cast<QCheckBox*>(m_layers->cellWidget(r, c))->isChecked(); };
    auto combo = [this](int r, int c) { return static_cast<QComboBox*>(m_layers->cellWidget(r, c)); };
    for (int r = 0; r < m_layers->rowCount(); ++r) {
        RecurrentLayerSpec l;
        l.cell = static_cast<CellKind>(combo(r, CellColumn)->currentIndex());
        l.units = static_cast<QSpinBox*>(m_layers->cellWidget(r, UnitsColumn))->value();
        l.activation = combo(r, ActivationColumn)->currentText().toStdString();
        l.recurrentActivation = combo(r, RecurrentActivationColumn)->currentText().toStdString();
        l.useBias = check(r, UseBiasColumn);
        l.resetAfter = check(r, ResetAfterColumn);
        l.returnSequences = check(r, ReturnSequencesColumn);
        l.goBackwards = check(r, GoBackwardsColumn);
        l.stateful = check(r, StatefulColumn);
        l.unroll = check(r, UnrollColumn);
        l.bidirectional = check(r, BidirectionalColumn);
        l.mergeMode = combo(r, MergeModeColumn)->currentText().toStdString();
        s.layers.push_back(l);
    }
    if (m_dense->isChecked()) {
        s.dense = DenseSpec {m_denseUnits->value(), m_denseActivation->currentText().toStdString()};
    } else {
        s.dense.reset();
    }
    s.initializers.kernel = initializerValue(m_kernelInit);
    s.initializers.recurrent = initializerValue(m_recurrentInit);
    s.initializers.bias = initializerValue(m_biasInit);
    s.seed = static_cast<std::uint64_t>(m_seed->value());
    if (m_fromFile->isChecked()) {
        s.weightsFile = m_weightsFile->text().toStdString();
    }
    return s;
}

void ModelBuilderDialog::setSpec(const ModelSpec& spec)
{
    m_features->setValue(static_cast<int>(spec.features));
    m_timesteps->setValue(spec.timesteps ? static_cast<int>(*spec.timesteps) : 0);
    m_batch->setValue(spec.batchSize ? static_cast<int>(*spec.batchSize) : 0);
    m_stacked->setChecked(spec.stackedCells);
    m_layers->setRowCount(0);
    for (const auto& layer : spec.layers) {
        addLayerRow(layer);
    }
    m_dense->setChecked(spec.dense.has_value());
    const DenseSpec dense = spec.dense.value_or(DenseSpec {});
    m_denseUnits->setValue(static_cast<int>(dense.units));
    m_denseActivation->setCurrentText(QString::fromStdString(dense.activation));
    m_kernelInit->setCurrentText(spec.initializers.kernel.empty() ? QStringLiteral("default")
                                                                  : QString::fromStdString(spec.initializers.kernel));
    m_recurrentInit->setCurrentText(spec.initializers.recurrent.empty()
            ? QStringLiteral("default")
            : QString::fromStdString(spec.initializers.recurrent));
    m_biasInit->setCurrentText(
        spec.initializers.bias.empty() ? QStringLiteral("default") : QString::fromStdString(spec.initializers.bias));
    m_seed->setValue(static_cast<int>(spec.seed));
    m_weightsFile->setText(spec.weightsFile ? QString::fromStdString(*spec.weightsFile) : QString());
    m_fromFile->setChecked(spec.weightsFile.has_value());
    m_initialize->setChecked(!spec.weightsFile.has_value());
    updateEnabled();
}

} // namespace rnnscope::app
