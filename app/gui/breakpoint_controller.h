#pragma once
// The debugger's breakpoints: the list the user builds (the truth the Breakpoints dock shows), and Run (F5), which
// moves the step cursor to the next step where an enabled breakpoint fires in the current run and says why.
// Runs are computed whole, so "running on" is a search of the recorded trace (core/breakpoints.h), never a re-run.

#include <functional>
#include <optional>
#include <vector>

#include <QHash>
#include <QObject>

#include "core/breakpoints.h"

namespace rnnscope::widgets {
class BreakpointList;
class ViewContext;
} // namespace rnnscope::widgets

namespace rnnscope::app {

class BreakpointController : public QObject
{
    Q_OBJECT

public:
    BreakpointController(widgets::ViewContext* context, QWidget* parentWindow);

    widgets::BreakpointList* list() const { return m_list; }
    const std::vector<Breakpoint>& breakpoints() const { return m_breakpoints; }
    // Replaces the list (a session being restored); ids are kept, new ones continue after the largest.
    void setBreakpoints(std::vector<Breakpoint> breakpoints);
    int add(Breakpoint breakpoint); // returns its id
    void remove(int id);
    void setEnabled(int id, bool enabled);

    // Moves the cursor to the next stop after the current step and returns true, or returns false (nothing fires
    // before the end). Switches the shown sample to the one that fired.
    bool runToNext();
    QString lastReason() const { return m_lastReason; }

    // How "Add…" asks for a new breakpoint; the default opens BreakpointDialog on the current run's series.
    using Asker = std::function<std::optional<Breakpoint>()>;
    void setAsker(Asker asker) { m_ask = std::move(asker); }

signals:
    void stopped(const QString& reason); // Run stopped at a breakpoint
    void ranToEnd(const QString& reason); // Run found nothing to stop at
    void changed(); // the list changed (for sessions)

private:
    void refreshList();
    void showLayerOf(const BreakHit& hit, const RunSnapshot& run);
    std::optional<Breakpoint> askWithDialog();

    widgets::ViewContext* m_context;
    QWidget* m_window;
    widgets::BreakpointList* m_list;
    std::vector<Breakpoint> m_breakpoints;
    QHash<int, int> m_hits;
    int m_nextId = 1;
    QString m_lastReason;
    Asker m_ask;
};

} // namespace rnnscope::app
