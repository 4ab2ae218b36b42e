#pragma once
// Data ▸ Generate Probe…: a zeros, impulse, step, sine or noise sequence with a chosen length, batch and feature
// count (defaults: the model's input).

#include <QDialog>

#include "probes.h"

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace rnnscope::app {

class ProbeDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ProbeDialog(const ProbeSpec& defaults, QWidget* parent = nullptr);
    ProbeSpec spec() const;

private:
    QComboBox* m_kind = nullptr;
    QSpinBox* m_steps = nullptr;
    QSpinBox* m_batch = nullptr;
    QSpinBox* m_features = nullptr;
    QDoubleSpinBox* m_amplitude = nullptr;
    QSpinBox* m_onset = nullptr;
    QDoubleSpinBox* m_period = nullptr;
    QSpinBox* m_seed = nullptr;
};

} // namespace rnnscope::app
