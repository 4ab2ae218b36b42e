#pragma once
// The hub every view of the debugger window shares (PlotJuggler's time tracker): the current snapshot, the step
// cursor, the sample, the selected series and units, and the visible time range. Views read it and request
// changes through it; they never read files or run the engine. Requests that need the engine (a mask edit) are
// emitted as intents for the application to carry out.

#include <QObject>
#include <QSet>

#include "series.h"

namespace rnnscope::widgets {

// What the views draw: the current run, the pinned baseline run, or current minus baseline.
enum class DisplayMode { Current, Baseline, Difference };

class ViewContext : public QObject
{
    Q_OBJECT

public:
    explicit ViewContext(QObject* parent = nullptr);

    // What the views draw, as the display mode chooses it (the current run when no baseline is pinned).
    const SnapshotPtr& snapshot() const { return m_snapshot; }
    const SnapshotPtr& currentSnapshot() const { return m_current; } // the latest run
    const SnapshotPtr& baseline() const { return m_baseline; } // the pinned run, or null
    DisplayMode displayMode() const { return m_mode; }
    // Effective mode: Current whenever no baseline is pinned.
    DisplayMode shownMode() const { return m_baseline ? m_mode : DisplayMode::Current; }
    // The step the debugger stands at (processing order). Steps after it are "not yet computed" and views show
    // them as such; -1 before the first step.
    Index step() const { return m_step; }
    Index sample() const { return m_sample; }
    const SeriesRef& selection() const { return m_selection; }
    std::optional<SeriesView> selectedSeries() const;
    const QVector<int>& selectedUnits() const { return m_units; }
    double timeLow() const { return m_timeLow; }
    double timeHigh() const { return m_timeHigh; }
    Index steps() const; // steps of the selected series (0 without a snapshot)
    Index samples() const;

public slots:
    void setSnapshot(rnnscope::SnapshotPtr snapshot); // the latest run; keeps step, sample and selection when valid
    void setBaseline(rnnscope::SnapshotPtr baseline); // pins a run (null unpins)
    void setDisplayMode(rnnscope::widgets::DisplayMode mode);
    void setStep(rnnscope::Index step); // clamped to [-1, steps-1]
    void setSample(rnnscope::Index sample);
    void setSelection(const rnnscope::widgets::SeriesRef& ref);
    void toggleUnit(int unit);
    void setSelectedUnits(const QVector<int>& units);
    void setTimeRange(double low, double high);
    void resetTimeRange(); // the whole run

signals:
    void snapshotChanged(); // what snapshot() returns changed
    void baselineChanged();
    void displayModeChanged(rnnscope::widgets::DisplayMode mode);
    void stepChanged(rnnscope::Index step);
    void sampleChanged(rnnscope::Index sample);
    void selectionChanged();
    void selectedUnitsChanged();
    void timeRangeChanged(double low, double high);
    // Intents for the application.
    void maskToggleRequested(rnnscope::Index sample, rnnscope::Index time); // time = input timestep
    // Set `unit` of state `state` (of the selected layer, direction and cell) after the cursor's step: what if.
    void stateEditRequested(const QString& state, int unit);

private:
    void updateShown(); // recomputes what is shown from the current run, the baseline and the mode
    void show(SnapshotPtr snapshot);

    SnapshotPtr m_current;
    SnapshotPtr m_baseline;
    DisplayMode m_mode = DisplayMode::Current;
    SnapshotPtr m_snapshot; // shown
    Index m_step = -1;
    Index m_sample = 0;
    SeriesRef m_selection;
    QVector<int> m_units;
    double m_timeLow = 0.0;
    double m_timeHigh = 1.0;
};

} // namespace rnnscope::widgets
