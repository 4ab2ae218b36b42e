#include "example_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace rnnscope::app {

ExamplePaths findExample()
{
    const QStringList dirs = {
        QCoreApplication::applicationDirPath() + QStringLiteral("/../share/rnnscope/examples"),
#ifdef RNNSCOPE_SOURCE_EXAMPLES
        QStringLiteral(RNNSCOPE_SOURCE_EXAMPLES),
#endif
    };
    for (const QString& dir : dirs) {
        const QString model = QDir(dir).filePath(QStringLiteral("bracket_depth.h5"));
        const QString input = QDir(dir).filePath(QStringLiteral("bracket_depth_input.npy"));
        if (QFileInfo::exists(model) && QFileInfo::exists(input)) {
            return {QDir::cleanPath(model), QDir::cleanPath(input)};
        }
    }
    return {};
}

} // namespace rnnscope::app
