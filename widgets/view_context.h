#pragma once
// The hub every view of the debugger window shares (PlotJuggler's time tracker): the current snapshot, the step
// cursor, the sample, the selected series and units, and the visible time range. Views read it and request
// changes through it; they never read files or run the engine. Requests that need the engine (a mask edit) are
// emitted as intents for the application to carry out.

#include <QObject>
#include <QSet>

#include "series.h"

namespace rnnscope::widgets {

class ViewContext : public QObject
{
    Q_OBJECT

public:
    explicit ViewContext(QObject* parent = nullptr);

    const SnapshotPtr& snapshot() const { return m_snapshot; }
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
    void setSnapshot(rnnscope::SnapshotPtr snapshot); // keeps step, sample and selection when still valid
    void setStep(rnnscope::Index step); // clamped to [-1, steps-1]
    void setSample(rnnscope::Index sample);
    void setSelection(const rnnscope::widgets::SeriesRef& ref);
    void toggleUnit(int unit);
    void setSelectedUnits(const QVector<int>& units);
    void setTimeRange(double low, double high);
    void resetTimeRange(); // the whole run

signals:
    void snapshotChanged();
    void stepChanged(rnnscope::Index step);
    void sampleChanged(rnnscope::Index sample);
    void selectionChanged();
    void selectedUnitsChanged();
    void timeRangeChanged(double low, double high);
    // Intents for the application.
    void maskToggleRequested(rnnscope::Index sample, rnnscope::Index time); // time = input timestep

private:
    SnapshotPtr m_snapshot;
    Index m_step = -1;
    Index m_sample = 0;
    SeriesRef m_selection;
    QVector<int> m_units;
    double m_timeLow = 0.0;
    double m_timeHigh = 1.0;
};

} // namespace rnnscope::widgets
