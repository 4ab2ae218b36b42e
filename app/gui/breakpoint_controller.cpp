#include "breakpoint_controller.h"

#include <algorithm>

#include "breakpoint_dialog.h"
#include "widgets/breakpoint_list.h"
#include "widgets/series.h"
#include "widgets/view_context.h"

namespace rnnscope::app {

BreakpointController::BreakpointController(widgets::ViewContext* context, QWidget* parentWindow)
    : QObject(parentWindow)
    , m_context(context)
    , m_window(parentWindow)
    , m_list(new widgets::BreakpointList(parentWindow))
{
    m_list->setObjectName(QStringLiteral("breakpointList"));
    connect(m_list, &widgets::BreakpointList::enabledChanged, this, &BreakpointController::setEnabled);
    connect(m_list, &widgets::BreakpointList::removeRequested, this, &BreakpointController::remove);
    connect(m_list, &widgets::BreakpointList::removeAllRequested, this, [this] { setBreakpoints({}); });
    connect(m_list, &widgets::BreakpointList::addRequested, this, [this] {
        if (auto b = m_ask ? m_ask() : askWithDialog()) {
            add(std::move(*b));
        }
    });
    connect(m_list, &widgets::BreakpointList::activated, this, [this](int id) {
        // Show where this one breakpoint stops next, from the start of the run.
        const auto it = std::find_if(
            m_breakpoints.begin(), m_breakpoints.end(), [id](const Breakpoint& b) { return b.id == id; });
        const SnapshotPtr& run = m_context->currentSnapshot();
        if (it == m_breakpoints.end() || !run) {
            return;
        }
        Breakpoint one = *it;
        one.enabled = true;
        if (const auto hit = findNextBreak(*run, -1, std::span(&one, 1), std::nullopt)) {
            if (hit->sample >= 0) {
                m_context->setSample(hit->sample);
            }
            m_context->setStep(hit->step);
            m_lastReason = QString::fromStdString(hit->message);
            emit stopped(m_lastReason);
        } else {
            m_lastReason = tr("%1 does not fire in this run").arg(QString::fromStdString(describe(one)));
            emit ranToEnd(m_lastReason);
        }
    });
    connect(m_context, &widgets::ViewContext::snapshotChanged, this, &BreakpointController::refreshList);
    refreshList();
}

void BreakpointController::setBreakpoints(std::vector<Breakpoint> breakpoints)
{
    m_breakpoints = std::move(breakpoints);
    m_hits.clear();
    for (const Breakpoint& b : m_breakpoints) {
        m_nextId = std::max(m_nextId, b.id + 1);
    }
    refreshList();
    emit changed();
}

int BreakpointController::add(Breakpoint breakpoint)
{
    breakpoint.id = m_nextId++;
    m_breakpoints.push_back(std::move(breakpoint));
    refreshList();
    emit changed();
    return m_breakpoints.back().id;
}

void BreakpointController::remove(int id)
{
    std::erase_if(m_breakpoints, [id](const Breakpoint& b) { return b.id == id; });
    m_hits.remove(id);
    refreshList();
    emit changed();
}

void BreakpointController::setEnabled(int id, bool enabled)
{
    for (Breakpoint& b : m_breakpoints) {
        if (b.id == id && b.enabled != enabled) {
            b.enabled = enabled;
            refreshList();
            emit changed();
        }
    }
}

bool BreakpointController::runToNext()
{
    const SnapshotPtr& run = m_context->currentSnapshot();
    if (!run || m_breakpoints.empty()) {
        return false;
    }
    // Breakpoints search the latest run, but the cursor moves over what the views show. When that has no steps
    // (the difference from a baseline of another structure, say), a hit could not be shown: say why instead.
    if (const SnapshotPtr& shown = m_context->snapshot(); m_context->steps() == 0 && shown && shown != run) {
        m_lastReason = tr("Nothing to run to: the views show no steps (%1)")
                           .arg(shown->error.empty() ? tr("no series") : QString::fromStdString(shown->error));
        m_list->setCurrentHit(0);
        emit ranToEnd(m_lastReason);
        return false;
    }
    // A step breakpoint names a step on the axis the cursor moves along, the shown series'. One past that series'
    // end cannot stop the cursor (a layer after a RepeatVector runs fewer steps than the one before it).
    std::vector<Breakpoint> usable = m_breakpoints;
    for (Breakpoint& b : usable) {
        b.enabled = b.enabled && (b.kind != BreakKind::AtStep || b.step < m_context->steps());
    }
    const auto hit = findNextBreak(*run, m_context->step(), usable, std::nullopt);
    if (!hit) {
        m_lastReason
            = tr("Ran to the end: no breakpoint fires after step %1").arg(std::max<Index>(m_context->step(), 0));
        m_list->setCurrentHit(0);
        emit ranToEnd(m_lastReason);
        return false;
    }
    ++m_hits[hit->breakpointId];
    m_list->setHitCounts(m_hits);
    m_list->setCurrentHit(hit->breakpointId);
    showLayerOf(*hit, *run);
    if (hit->sample >= 0) {
        m_context->setSample(hit->sample);
    }
    m_context->setStep(hit->step);
    m_lastReason = tr("Stopped: %1").arg(QString::fromStdString(hit->message));
    emit stopped(m_lastReason);
    return true;
}

void BreakpointController::showLayerOf(const BreakHit& hit, const RunSnapshot& run)
{
    // The hit's step is on its own layer's step axis: show a series of that layer, as a debugger shows the source
    // file a breakpoint stops in. A breakpoint on one series shows that series; "NaN/Inf in any series" keeps the
    // shown quantity when the layer has it.
    if (hit.layer < 0) {
        return;
    }
    const widgets::SeriesRef& shown = m_context->selection();
    if (shown.layer == hit.layer && shown.direction == hit.direction) {
        return;
    }
    const auto bp = std::find_if(
        m_breakpoints.begin(), m_breakpoints.end(), [&](const Breakpoint& b) { return b.id == hit.breakpointId; });
    std::optional<widgets::SeriesRef> target;
    if (bp != m_breakpoints.end() && !(bp->kind == BreakKind::NonFinite && bp->anySeries)) {
        target = widgets::toSeriesRef(bp->series);
    } else {
        widgets::SeriesRef same = shown;
        same.layer = hit.layer;
        same.direction = hit.direction;
        target = same;
    }
    if (!widgets::resolveSeries(run, *target)) {
        target.reset();
        for (const auto& [ref, title] : widgets::listSeries(run)) {
            if (ref.layer == hit.layer && ref.direction == hit.direction) {
                target = ref;
                break;
            }
        }
    }
    if (target) {
        m_context->setSelection(*target);
    }
}

void BreakpointController::refreshList()
{
    const SnapshotPtr& run = m_context->currentSnapshot();
    m_list->setBreakpoints(m_breakpoints, run ? &run->trace : nullptr);
    m_list->setHitCounts(m_hits);
}

std::optional<Breakpoint> BreakpointController::askWithDialog()
{
    const SnapshotPtr& run = m_context->currentSnapshot();
    if (!run) {
        return std::nullopt;
    }
    BreakpointDialog dialog(breakpointSeriesChoices(*run), std::max<Index>(m_context->steps(), 1), m_window);
    Breakpoint suggestion; // a step breakpoint just after the cursor, the commonest first wish
    suggestion.step = std::min<Index>(m_context->step() + 1, std::max<Index>(m_context->steps() - 1, 0));
    dialog.setBreakpoint(suggestion);
    if (dialog.exec() != QDialog::Accepted) {
        return std::nullopt;
    }
    return dialog.breakpoint();
}

} // namespace rnnscope::app
