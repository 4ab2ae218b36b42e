#pragma once
// Debug ▸ Add Breakpoint…: a breakpoint at a step, on NaN/Inf, on a value crossing a threshold, or on a saturated
// gate, over the series of the current run. The dialog returns a Breakpoint; the caller gives it an id and keeps it.

#include <QDialog>
#include <QVector>

#include "core/breakpoints.h"

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QStackedWidget;

namespace rnnscope::app {

// One series a breakpoint can watch.
struct BreakpointSeriesChoice
{
    QString label; // "lstm / c (cell state)", as the views title it
    TraceSeriesRef ref;
    Index units = 0;
};

// Every state, gate, output and input series of the run, in the views' order.
QVector<BreakpointSeriesChoice> breakpointSeriesChoices(const RunSnapshot& snapshot);

class BreakpointDialog : public QDialog
{
    Q_OBJECT

public:
    // `steps`: the number of steps of the run (the step box's range).
    BreakpointDialog(QVector<BreakpointSeriesChoice> choices, Index steps, QWidget* parent = nullptr);

    // Shows an existing breakpoint for editing; its id and enabled flag are returned unchanged.
    void setBreakpoint(const Breakpoint& breakpoint);
    Breakpoint breakpoint() const;

    BreakKind kind() const;
    void setKind(BreakKind kind);
    // The widgets, for tests.
    QSpinBox* stepBox() const { return m_step; }
    QCheckBox* anySeriesBox() const { return m_anySeries; }
    QComboBox* nanSeriesBox() const { return m_nanSeries; }
    QComboBox* seriesBox() const { return m_series; }
    QSpinBox* unitBox() const { return m_unit; } // -1 = any unit
    QDoubleSpinBox* thresholdBox() const { return m_threshold; }
    QComboBox* crossingBox() const { return m_crossing; }
    QComboBox* gateBox() const { return m_gate; }
    QDoubleSpinBox* fractionBox() const { return m_fraction; } // percent
    bool acceptable() const; // whether OK is enabled

private:
    QWidget* stepPage();
    QWidget* nanPage();
    QWidget* thresholdPage();
    QWidget* saturationPage();
    QComboBox* seriesCombo(bool gatesOnly);
    const BreakpointSeriesChoice* choiceOf(const QComboBox* box) const;
    void selectRef(QComboBox* box, const TraceSeriesRef& ref);
    void updateUnitRange();
    void updateState();

    QVector<BreakpointSeriesChoice> m_choices;
    int m_id = 0;
    bool m_enabled = true;
    QButtonGroup* m_kinds = nullptr;
    QStackedWidget* m_pages = nullptr;
    QSpinBox* m_step = nullptr;
    QCheckBox* m_anySeries = nullptr;
    QComboBox* m_nanSeries = nullptr;
    QComboBox* m_series = nullptr;
    QSpinBox* m_unit = nullptr;
    QDoubleSpinBox* m_threshold = nullptr;
    QComboBox* m_crossing = nullptr;
    QComboBox* m_gate = nullptr;
    QDoubleSpinBox* m_fraction = nullptr;
    QLabel* m_noSeries = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace rnnscope::app
