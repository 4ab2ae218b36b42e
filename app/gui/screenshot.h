#pragma once
// The hidden `--screenshot FILE --steps N` mode of tools/screenshots.sh, and its dark palette.

#include <QString>

class QApplication;

namespace rnnscope::app {

class MainWindow;

void useDarkPalette(QApplication& app);
// Waits for the first snapshot (up to 30 s), steps N times, grabs the window into FILE. False on a timeout or
// a failed save (reported on stderr).
bool takeScreenshot(MainWindow& window, const QString& file, int steps);

} // namespace rnnscope::app
