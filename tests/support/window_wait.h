#pragma once
// Waiting for the debugger window's runs, as the window tests do: a run counts once its snapshot is newer than a
// given generation and nothing is under way.

#include <cstdint>

#include <QTest>

#include "app/gui/debug_session.h"
#include "app/gui/main_window.h"
#include "widgets/view_context.h"

namespace rnnscope::testing {

// Waits until nothing is under way and the current run is newer than `after`.
inline bool waitForRun(app::MainWindow& w, std::uint64_t after = 0)
{
    return QTest::qWaitFor(
        [&] {
            const SnapshotPtr& run = w.viewContext()->currentSnapshot();
            return run && run->generation > after && !w.session()->busy();
        },
        30000);
}

inline std::uint64_t generation(app::MainWindow& w)
{
    return w.viewContext()->currentSnapshot()->generation;
}

} // namespace rnnscope::testing
