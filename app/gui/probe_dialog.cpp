#include "probe_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSpinBox>

namespace rnnscope::app {

ProbeDialog::ProbeDialog(const ProbeSpec& defaults, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Generate Probe"));
    auto* form = new QFormLayout(this);
    m_kind = new QComboBox(this);
    m_kind->addItem(tr("Zeros"), static_cast<int>(ProbeKind::Zeros));
    m_kind->addItem(tr("Impulse"), static_cast<int>(ProbeKind::Impulse));
    m_kind->addItem(tr("Step"), static_cast<int>(ProbeKind::Step));
    m_kind->addItem(tr("Sine"), static_cast<int>(ProbeKind::Sine));
    m_kind->addItem(tr("Noise (Gaussian)"), static_cast<int>(ProbeKind::Noise));
    m_kind->setCurrentIndex(m_kind->findData(static_cast<int>(defaults.kind)));
    form->addRow(tr("&Signal:"), m_kind);
    auto spin = [this](int low, int high, Index value) {
        auto* s = new QSpinBox(this);
        s->setRange(low, high);
        s->setValue(static_cast<int>(value));
        return s;
    };
    m_steps = spin(1, 100000, defaults.steps);
    m_batch = spin(1, 4096, defaults.batch);
    m_features = spin(1, 65536, defaults.features);
    m_onset = spin(0, 100000, defaults.onset);
    m_seed = spin(0, 1 << 30, defaults.seed);
    m_amplitude = new QDoubleSpinBox(this);
    m_amplitude->setRange(-1e6, 1e6);
    m_amplitude->setValue(defaults.amplitude);
    m_period = new QDoubleSpinBox(this);
    m_period->setRange(0.5, 1e6);
    m_period->setValue(defaults.period);
    form->addRow(tr("&Timesteps:"), m_steps);
    form->addRow(tr("&Batch (samples):"), m_batch);
    form->addRow(tr("&Features:"), m_features);
    form->addRow(tr("&Amplitude:"), m_amplitude);
    form->addRow(tr("&Onset (impulse, step):"), m_onset);
    form->addRow(tr("&Period in steps (sine):"), m_period);
    form->addRow(tr("S&eed (noise):"), m_seed);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

ProbeSpec ProbeDialog::spec() const
{
    ProbeSpec s;
    s.kind = static_cast<ProbeKind>(m_kind->currentData().toInt());
    s.steps = m_steps->value();
    s.batch = m_batch->value();
    s.features = m_features->value();
    s.amplitude = static_cast<float>(m_amplitude->value());
    s.onset = m_onset->value();
    s.period = static_cast<float>(m_period->value());
    s.seed = static_cast<std::uint32_t>(m_seed->value());
    return s;
}

} // namespace rnnscope::app
