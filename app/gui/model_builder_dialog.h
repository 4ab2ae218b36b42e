#pragma once
// Model ▸ Build Model…: assembles a ModelSpec (core/model_spec.h): the input (features, optional timesteps and batch),
// a table of recurrent layers (cell kind, units, activations, use_bias, reset_after, return_sequences, go_backwards,
// stateful, unroll, Bidirectional with its merge mode), or one RNN over their cells stacked, an optional Dense on
// top, and the weights: Keras's initializers with a seed, or a weights file. The dialog only describes the model; the
// caller builds it (core/io/model_builder.h) off the GUI thread. Usable modal or not.

#include <QDialog>

#include "core/model_spec.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QRadioButton;
class QSpinBox;
class QTableWidget;

namespace rnnscope::app {

class ModelBuilderDialog : public QDialog
{
    Q_OBJECT

public:
    // Columns of the layers table.
    enum Column {
        CellColumn,
        UnitsColumn,
        ActivationColumn,
        RecurrentActivationColumn,
        UseBiasColumn,
        ResetAfterColumn,
        ReturnSequencesColumn,
        GoBackwardsColumn,
        StatefulColumn,
        UnrollColumn,
        BidirectionalColumn,
        MergeModeColumn,
        ColumnCount
    };

    explicit ModelBuilderDialog(QWidget* parent = nullptr);

    // Defaults: LSTM(32) over 8 features, Dense(1), Keras's default initializers, seed 0.
    ModelSpec spec() const;
    void setSpec(const ModelSpec& spec);

    QTableWidget* layersTable() const { return m_layers; }
    void addLayerRow(const RecurrentLayerSpec& layer);
    void removeLayerRow(int row);

private:
    void updateEnabled();

    QSpinBox* m_features = nullptr;
    QSpinBox* m_timesteps = nullptr; // 0 = variable length
    QSpinBox* m_batch = nullptr; // 0 = any batch
    QCheckBox* m_stacked = nullptr;
    QTableWidget* m_layers = nullptr;
    QCheckBox* m_dense = nullptr;
    QSpinBox* m_denseUnits = nullptr;
    QComboBox* m_denseActivation = nullptr;
    QRadioButton* m_initialize = nullptr;
    QRadioButton* m_fromFile = nullptr;
    QComboBox* m_kernelInit = nullptr;
    QComboBox* m_recurrentInit = nullptr;
    QComboBox* m_biasInit = nullptr;
    QSpinBox* m_seed = nullptr;
    QLineEdit* m_weightsFile = nullptr;
};

} // namespace rnnscope::app
