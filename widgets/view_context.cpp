#include "view_context.h"

#include <algorithm>

#include "core/snapshot_diff.h"

namespace rnnscope::widgets {

ViewContext::ViewContext(QObject* parent)
    : QObject(parent)
{
}

std::optional<SeriesView> ViewContext::selectedSeries() const
{
    if (!m_snapshot) {
        return std::nullopt;
    }
    return resolveSeries(*m_snapshot, m_selection);
}

Index ViewContext::steps() const
{
    const auto s = selectedSeries();
    return s ? s->steps() : 0;
}

Index ViewContext::samples() const
{
    const auto s = selectedSeries();
    return s ? s->batch() : 0;
}

void ViewContext::setSnapshot(SnapshotPtr snapshot)
{
    m_current = std::move(snapshot);
    updateShown();
}

void ViewContext::setBaseline(SnapshotPtr baseline)
{
    m_baseline = std::move(baseline);
    emit baselineChanged();
    updateShown();
}

void ViewContext::setDisplayMode(DisplayMode mode)
{
    if (mode == m_mode) {
        return;
    }
    m_mode = mode;
    emit displayModeChanged(mode);
    updateShown();
}

void ViewContext::updateShown()
{
    if (!m_current || shownMode() == DisplayMode::Current) {
        show(m_current);
    } else if (m_mode == DisplayMode::Baseline) {
        auto shown = std::make_shared<RunSnapshot>(*m_baseline);
        shown->viewLabel = "baseline";
        show(std::move(shown));
    } else {
        // Every view shows the difference by drawing a snapshot of differences: one subtraction per change.
        auto diff = std::make_shared<RunSnapshot>(diffSnapshot(*m_current, *m_baseline));
        diff->viewLabel = "− baseline";
        show(std::move(diff));
    }
}

void ViewContext::show(SnapshotPtr snapshot)
{
    const Index oldSteps = steps();
    m_snapshot = std::move(snapshot);
    // Bring every piece of state in line with the new snapshot first, and announce the snapshot before anything
    // else: a view that reacts to, say, sampleChanged must already have dropped what it kept of the old snapshot.
    bool selectionMoved = false;
    if (m_snapshot && !resolveSeries(*m_snapshot, m_selection)) {
        // The selected series is gone (another model, or a layer lost its trace): take the first one there is.
        const auto all = listSeries(*m_snapshot);
        if (!all.isEmpty()) {
            m_selection = all.front().first;
            selectionMoved = true;
        }
    }
    const Index n = steps();
    const bool sampleMoved = m_sample >= samples() && m_sample != 0;
    if (sampleMoved) {
        m_sample = 0;
    }
    const bool stepMoved = m_step >= n;
    if (stepMoved) {
        m_step = n - 1;
    }
    const auto s = selectedSeries();
    m_units.erase(
        std::remove_if(m_units.begin(), m_units.end(), [&](int u) { return !s || u >= s->units; }), m_units.end());
    emit snapshotChanged();
    if (selectionMoved) {
        emit selectionChanged();
    }
    if (sampleMoved) {
        emit sampleChanged(m_sample);
    }
    if (stepMoved) {
        emit stepChanged(m_step);
    }
    if (n != oldSteps) {
        resetTimeRange();
    }
}

void ViewContext::setStep(Index step)
{
    const Index clamped = std::clamp<Index>(step, -1, std::max<Index>(steps() - 1, -1));
    if (clamped != m_step) {
        m_step = clamped;
        emit stepChanged(m_step);
    }
}

void ViewContext::setSample(Index sample)
{
    const Index clamped = std::clamp<Index>(sample, 0, std::max<Index>(samples() - 1, 0));
    if (clamped != m_sample) {
        m_sample = clamped;
        emit sampleChanged(m_sample);
    }
}

void ViewContext::setSelection(const SeriesRef& ref)
{
    if (ref == m_selection) {
        return;
    }
    m_selection = ref;
    m_units.clear();
    // Layers can run different numbers of steps (after a RepeatVector, say): keep the cursor inside the new one,
    // as show() does for a new snapshot.
    const bool stepMoved = m_step >= steps();
    if (stepMoved) {
        m_step = steps() - 1;
    }
    emit selectionChanged();
    emit selectedUnitsChanged();
    if (stepMoved) {
        emit stepChanged(m_step);
    }
}

void ViewContext::toggleUnit(int unit)
{
    if (m_units.contains(unit)) {
        m_units.removeAll(unit);
    } else {
        m_units.push_back(unit);
    }
    emit selectedUnitsChanged();
}

void ViewContext::setSelectedUnits(const QVector<int>& units)
{
    m_units = units;
    emit selectedUnitsChanged();
}

void ViewContext::setTimeRange(double low, double high)
{
    if (high <= low) {
        return;
    }
    if (low != m_timeLow || high != m_timeHigh) {
        m_timeLow = low;
        m_timeHigh = high;
        emit timeRangeChanged(low, high);
    }
}

void ViewContext::resetTimeRange()
{
    setTimeRange(-0.5, std::max<double>(static_cast<double>(steps()) - 0.5, 0.5));
}

} // namespace rnnscope::widgets
