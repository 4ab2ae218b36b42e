#include "breakpoint_dialog.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "core/health.h"
#include "widgets/series.h"

namespace rnnscope::app {

namespace {

QWidget* page(QWidget* parent, QFormLayout** form)
{
    auto* w = new QWidget(parent);
    *form = new QFormLayout(w);
    (*form)->setContentsMargins(0, 0, 0, 0);
    return w;
}

QLabel* note(const QString& text, QWidget* parent)
{
    auto* l = new QLabel(text, parent);
    l->setWordWrap(true);
    l->setEnabled(false); // greyed: an explanation, not a field
    return l;
}

} // namespace

QVector<BreakpointSeriesChoice> breakpointSeriesChoices(const RunSnapshot& snapshot)
{
    QVector<BreakpointSeriesChoice> choices;
    for (const auto& [ref, title] : widgets::listSeries(snapshot)) {
        const auto view = widgets::resolveSeries(snapshot, ref);
        if (!view) {
            continue;
        }
        BreakpointSeriesChoice c;
        c.label = title;
        c.ref = widgets::toTraceSeriesRef(ref);
        c.units = view->units;
        choices.push_back(std::move(c));
    }
    return choices;
}

BreakpointDialog::BreakpointDialog(QVector<BreakpointSeriesChoice> choices, Index steps, QWidget* parent)
    : QDialog(parent)
    , m_choices(std::move(choices))
{
    setWindowTitle(tr("Add Breakpoint"));
    auto* layout = new QVBoxLayout(this);

    auto* kindRow = new QHBoxLayout;
    m_kinds = new QButtonGroup(this);
    const std::pair<BreakKind, QString> kinds[]
        = {{BreakKind::AtStep, tr("At &step")}, {BreakKind::NonFinite, tr("&NaN / Inf")},
            {BreakKind::Threshold, tr("&Threshold crossing")}, {BreakKind::Saturation, tr("Gate s&aturation")}};
    for (const auto& [kind, text] : kinds) {
        auto* b = new QRadioButton(text, this);
        m_kinds->addButton(b, static_cast<int>(kind));
        kindRow->addWidget(b);
    }
    kindRow->addStretch(1);
    layout->addLayout(kindRow);

    m_pages = new QStackedWidget(this);
    m_step = new QSpinBox(this);
    m_step->setRange(0, static_cast<int>(std::max<Index>(steps - 1, 0)));
    m_pages->addWidget(stepPage());
    m_pages->addWidget(nanPage());
    m_pages->addWidget(thresholdPage());
    m_pages->addWidget(saturationPage());
    layout->addWidget(m_pages);

    m_noSeries = note(tr("The current run recorded no series of this kind."), this);
    layout->addWidget(m_noSeries);
    layout->addStretch(1);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);

    connect(m_kinds, &QButtonGroup::idToggled, this, [this](int, bool on) {
        if (on) {
            updateState();
        }
    });
    setKind(BreakKind::Threshold);
    updateUnitRange();
    updateState();
}

QWidget* BreakpointDialog::stepPage()
{
    QFormLayout* form = nullptr;
    QWidget* w = page(this, &form);
    form->addRow(tr("Stop at step:"), m_step);
    form->addRow(note(tr("Steps are in processing order, as the step slider counts them."), w));
    return w;
}

QWidget* BreakpointDialog::nanPage()
{
    QFormLayout* form = nullptr;
    QWidget* w = page(this, &form);
    m_anySeries = new QCheckBox(tr("In any recorded series"), w);
    m_anySeries->setChecked(true);
    m_nanSeries = seriesCombo(false);
    m_nanSeries->setParent(w);
    form->addRow(m_anySeries);
    form->addRow(tr("Only in:"), m_nanSeries);
    form->addRow(note(tr("Stops where a value becomes NaN or Inf."), w));
    connect(m_anySeries, &QCheckBox::toggled, this, &BreakpointDialog::updateState);
    return w;
}

QWidget* BreakpointDialog::thresholdPage()
{
    QFormLayout* form = nullptr;
    QWidget* w = page(this, &form);
    m_series = seriesCombo(false);
    m_series->setParent(w);
    m_unit = new QSpinBox(w);
    m_unit->setSpecialValueText(tr("any unit"));
    m_threshold = new QDoubleSpinBox(w);
    m_threshold->setRange(-1e9, 1e9);
    m_threshold->setDecimals(4);
    m_threshold->setSingleStep(0.1);
    m_crossing = new QComboBox(w);
    m_crossing->addItem(tr("upward"), static_cast<int>(CrossingDirection::Upward));
    m_crossing->addItem(tr("downward"), static_cast<int>(CrossingDirection::Downward));
    m_crossing->addItem(tr("either way"), static_cast<int>(CrossingDirection::Either));
    m_crossing->setCurrentIndex(2);
    form->addRow(tr("Series:"), m_series);
    form->addRow(tr("Unit:"), m_unit);
    form->addRow(tr("Crosses:"), m_threshold);
    form->addRow(tr("Direction:"), m_crossing);
    form->addRow(note(tr("Stops at the step where the value lands on the other side of the threshold than at the "
                         "sample's previous unmasked step."),
        w));
    connect(m_series, &QComboBox::currentIndexChanged, this, &BreakpointDialog::updateUnitRange);
    return w;
}

QWidget* BreakpointDialog::saturationPage()
{
    QFormLayout* form = nullptr;
    QWidget* w = page(this, &form);
    m_gate = seriesCombo(true);
    m_gate->setParent(w);
    m_fraction = new QDoubleSpinBox(w);
    m_fraction->setRange(0.0, 100.0);
    m_fraction->setDecimals(1);
    m_fraction->setSuffix(QStringLiteral(" %"));
    m_fraction->setValue(50.0);
    const HealthOptions health;
    form->addRow(tr("Gate:"), m_gate);
    form->addRow(tr("More than:"), m_fraction);
    form->addRow(note(tr("of the gate's units saturated in one sample: below %1 or above %2, or beyond ±%2 for a gate "
                         "that goes negative. Stops at every step where that holds.")
                          .arg(health.saturationLow)
                          .arg(health.saturationHigh),
        w));
    return w;
}

QComboBox* BreakpointDialog::seriesCombo(bool gatesOnly)
{
    auto* box = new QComboBox(this);
    for (int i = 0; i < m_choices.size(); ++i) {
        if (!gatesOnly || m_choices[i].ref.kind == HealthQuantityKind::Gate) {
            box->addItem(m_choices[i].label, i);
        }
    }
    connect(box, &QComboBox::currentIndexChanged, this, &BreakpointDialog::updateState);
    return box;
}

const BreakpointSeriesChoice* BreakpointDialog::choiceOf(const QComboBox* box) const
{
    const QVariant data = box->currentData();
    if (!data.isValid()) {
        return nullptr;
    }
    const int i = data.toInt();
    return i >= 0 && i < m_choices.size() ? &m_choices[i] : nullptr;
}

void BreakpointDialog::selectRef(QComboBox* box, const TraceSeriesRef& ref)
{
    for (int row = 0; row < box->count(); ++row) {
        if (m_choices[box->itemData(row).toInt()].ref == ref) {
            box->setCurrentIndex(row);
            return;
        }
    }
}

void BreakpointDialog::updateUnitRange()
{
    const BreakpointSeriesChoice* c = choiceOf(m_series);
    m_unit->setRange(-1, c != nullptr ? static_cast<int>(std::max<Index>(c->units - 1, 0)) : 0);
}

BreakKind BreakpointDialog::kind() const
{
    return static_cast<BreakKind>(m_kinds->checkedId());
}

void BreakpointDialog::setKind(BreakKind kind)
{
    m_kinds->button(static_cast<int>(kind))->setChecked(true);
    updateState();
}

bool BreakpointDialog::acceptable() const
{
    return m_buttons->button(QDialogButtonBox::Ok)->isEnabled();
}

void BreakpointDialog::updateState()
{
    if (m_buttons == nullptr) {
        return; // still building
    }
    const BreakKind k = kind();
    m_pages->setCurrentIndex(static_cast<int>(k));
    m_nanSeries->setEnabled(!m_anySeries->isChecked());
    const QComboBox* needed = nullptr;
    if (k == BreakKind::Threshold) {
        needed = m_series;
    } else if (k == BreakKind::Saturation) {
        needed = m_gate;
    } else if (k == BreakKind::NonFinite && !m_anySeries->isChecked()) {
        needed = m_nanSeries;
    }
    const bool ok = needed == nullptr || choiceOf(needed) != nullptr;
    m_noSeries->setVisible(!ok);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

void BreakpointDialog::setBreakpoint(const Breakpoint& bp)
{
    if (bp.id != 0) { // id 0 is a suggestion for a new one, not a breakpoint being edited
        setWindowTitle(tr("Edit Breakpoint"));
    }
    m_id = bp.id;
    m_enabled = bp.enabled;
    m_step->setValue(static_cast<int>(bp.step));
    m_anySeries->setChecked(bp.anySeries);
    selectRef(m_nanSeries, bp.series);
    selectRef(m_series, bp.series);
    selectRef(m_gate, bp.series);
    updateUnitRange();
    m_unit->setValue(bp.unit ? static_cast<int>(*bp.unit) : -1);
    m_threshold->setValue(bp.threshold);
    m_crossing->setCurrentIndex(m_crossing->findData(static_cast<int>(bp.crossing)));
    m_fraction->setValue(bp.saturatedFraction * 100.0);
    setKind(bp.kind);
}

Breakpoint BreakpointDialog::breakpoint() const
{
    Breakpoint bp;
    bp.id = m_id;
    bp.enabled = m_enabled;
    bp.kind = kind();
    switch (bp.kind) {
    case BreakKind::AtStep:
        bp.step = m_step->value();
        break;
    case BreakKind::NonFinite:
        bp.anySeries = m_anySeries->isChecked();
        if (const auto* c = choiceOf(m_nanSeries); c != nullptr && !bp.anySeries) {
            bp.series = c->ref;
        }
        break;
    case BreakKind::Threshold:
        if (const auto* c = choiceOf(m_series)) {
            bp.series = c->ref;
        }
        bp.unit = m_unit->value() < 0 ? std::nullopt : std::optional<Index>(m_unit->value());
        bp.threshold = m_threshold->value();
        bp.crossing = static_cast<CrossingDirection>(m_crossing->currentData().toInt());
        break;
    case BreakKind::Saturation:
        if (const auto* c = choiceOf(m_gate)) {
            bp.series = c->ref;
        }
        bp.saturatedFraction = m_fraction->value() / 100.0;
        break;
    }
    return bp;
}

} // namespace rnnscope::app
