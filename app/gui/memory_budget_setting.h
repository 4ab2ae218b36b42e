#pragma once
// The memory budget (core/memory_budget.h) as a setting of the window: Debug > Memory Budget sets it and keeps it
// with QSettings, and the next start applies it unless --memory-budget or RNNSCOPE_MEMORY_BUDGET say otherwise.

#include <QString>

namespace rnnscope::app {

// Applies a budget as the user types it ("2G", "512M", "1.5GB"; empty for the default, three quarters of memory)
// and saves it. Returns the error ("'lots' is not a size ..."), leaving budget and setting as they were, or "".
QString applyMemoryBudgetSetting(const QString& text);
// The saved setting ("" when none).
QString savedMemoryBudgetSetting();

} // namespace rnnscope::app
