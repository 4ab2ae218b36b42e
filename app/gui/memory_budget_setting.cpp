#include "memory_budget_setting.h"

#include <stdexcept>

#include <QSettings>

#include "core/memory_budget.h"

namespace rnnscope::app {

namespace {

const QString kKey = QStringLiteral("memoryBudget");

} // namespace

QString applyMemoryBudgetSetting(const QString& text)
{
    const QString trimmed = text.trimmed();
    std::uint64_t bytes = 0; // the default
    if (!trimmed.isEmpty()) {
        try {
            bytes = parseByteSize(trimmed.toStdString());
        } catch (const std::invalid_argument& e) {
            return QString::fromStdString(e.what());
        }
    }
    setMemoryBudget(bytes);
    QSettings().setValue(kKey, trimmed);
    return {};
}

QString savedMemoryBudgetSetting()
{
    return QSettings().value(kKey).toString();
}

} // namespace rnnscope::app
