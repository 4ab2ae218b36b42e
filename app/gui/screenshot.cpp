#include "screenshot.h"

#include <cstdio>

#include <QApplication>
#include <QDeadlineTimer>
#include <QPalette>
#include <QPixmap>
#include <QStyleFactory>
#include <QThread>

#include "debug_session.h"
#include "main_window.h"
#include "widgets/view_context.h"

namespace rnnscope::app {

void useDarkPalette(QApplication& app)
{
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    const QColor window(45, 45, 48);
    const QColor base(30, 30, 32);
    const QColor text(220, 220, 220);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, QColor(42, 130, 218));
    p.setColor(QPalette::HighlightedText, Qt::black);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(127, 127, 127));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(127, 127, 127));
    QApplication::setPalette(p);
}

bool takeScreenshot(MainWindow& window, const QString& file, int steps)
{
    const QDeadlineTimer deadline(30000);
    while (!window.viewContext()->snapshot() && !deadline.hasExpired()) {
        QApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    if (!window.viewContext()->snapshot()) {
        std::fprintf(stderr, "rnnscope: no snapshot within 30 s: %s\n", qPrintable(window.statusText()));
        return false;
    }
    window.viewContext()->setStep(steps - 1);
    for (int i = 0; i < 20; ++i) { // let the docks settle and the plots replot
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(10);
    }
    if (!window.grab().save(file)) {
        std::fprintf(stderr, "rnnscope: cannot write %s\n", qPrintable(file));
        return false;
    }
    return true;
}

} // namespace rnnscope::app
