#pragma once
// File ▸ Export: a picture of a view (or of every view into a folder) as PNG, PDF or SVG, and the recorded trace of
// the shown run (all or the visible steps; all, the current or chosen samples) as HDF5, CSV or NPY. Pictures go
// through QSaveFile and traces through the io writers, so nothing half-written ever appears under a final name.
// Trace exports run off the GUI thread behind a progress dialog.

#include <QFuture>
#include <QObject>
#include <QString>
#include <QStringList>

#include "core/run_snapshot.h"
#include "export_dialog.h"

class QWidget;

namespace rnnscope::widgets {
class ViewContext;
}

namespace rnnscope::app {

class DebugSession;

class ExportController : public QObject
{
    Q_OBJECT

public:
    // `views`: the exportable views by file stem ("heatmap", "traces", ...), in menu order.
    ExportController(widgets::ViewContext* context, DebugSession* session, QList<QPair<QString, QWidget*>> views,
        QWidget* parentWindow);

    void exportViewDialog();
    void exportTraceDialog();

    // The view the user is in (the one holding the keyboard focus), else the heatmap.
    QPair<QString, QWidget*> currentView() const;
    // Synchronous cores of the dialogs; each returns an empty string or the error naming the file.
    QString exportView(QWidget* view, const QString& path, const PictureExportChoice& choice) const;
    // Every view into `folder` as <stem>.<ext>; `written` receives the files.
    QString exportAllViews(const QString& folder, const PictureExportChoice& choice, QStringList* written) const;
    // `path` is a file for HDF5, a directory for CSV and NPY.
    static QString exportTrace(const SnapshotPtr& run, const QString& modelPath, const QString& path,
        const TraceExportChoice& choice, Index currentSample, Index firstVisibleStep, Index lastVisibleStep);

signals:
    void exported(const QString& message);
    void failed(const QString& message);

private:
    widgets::ViewContext* m_context;
    DebugSession* m_session;
    QList<QPair<QString, QWidget*>> m_views;
    QWidget* m_window;
};

} // namespace rnnscope::app
