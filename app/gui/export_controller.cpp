#include "export_controller.h"

#include <cmath>

#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QProgressDialog>
#include <QSaveFile>
#include <QtConcurrent/QtConcurrentRun>

#include "core/io/trace_writer.h"
#include "core/trace_slice.h"
#include "debug_session.h"
#include "widgets/view_context.h"

namespace rnnscope::app {

ExportController::ExportController(
    widgets::ViewContext* context, DebugSession* session, QList<QPair<QString, QWidget*>> views, QWidget* parentWindow)
    : QObject(parentWindow)
    , m_context(context)
    , m_session(session)
    , m_views(std::move(views))
    , m_window(parentWindow)
{
}

QPair<QString, QWidget*> ExportController::currentView() const
{
    for (QWidget* w = QApplication::focusWidget(); w != nullptr; w = w->parentWidget()) {
        for (const auto& view : m_views) {
            if (view.second == w) {
                return view;
            }
        }
    }
    return m_views.value(0);
}

QString ExportController::exportView(QWidget* view, const QString& path, const PictureExportChoice& choice) const
{
    widgets::ExportOptions options;
    options.format = choice.format;
    options.size = choice.size;
    options.dpi = choice.dpi;
    QSaveFile file(path); // written under a temporary name, renamed on commit
    if (!file.open(QIODevice::WriteOnly)) {
        return tr("%1: cannot be written: %2").arg(path, file.errorString());
    }
    QString error;
    if (!widgets::exportView(view, &file, options, &error)) {
        file.cancelWriting();
        return tr("%1: %2").arg(path, error);
    }
    if (!file.commit()) {
        return tr("%1: cannot be written: %2").arg(path, file.errorString());
    }
    return {};
}

QString ExportController::exportAllViews(
    const QString& folder, const PictureExportChoice& choice, QStringList* written) const
{
    if (!QDir().mkpath(folder)) {
        return tr("%1: the folder cannot be created").arg(folder);
    }
    QProgressDialog progress(tr("Exporting views…"), tr("Cancel"), 0, static_cast<int>(m_views.size()), m_window);
    progress.setWindowModality(Qt::WindowModal);
    progress.setMinimumDuration(500);
    for (int i = 0; i < m_views.size(); ++i) {
        progress.setValue(i);
        if (progress.wasCanceled()) {
            return tr("Export cancelled after %1 of %2 views").arg(i).arg(m_views.size());
        }
        const QString path
            = QDir(folder).filePath(m_views[i].first + QLatin1Char('.') + widgets::suffixFor(choice.format));
        const QString error = exportView(m_views[i].second, path, choice);
        if (!error.isEmpty()) {
            return error;
        }
        if (written != nullptr) {
            *written << path;
        }
    }
    progress.setValue(static_cast<int>(m_views.size()));
    return {};
}

QString ExportController::exportTrace(const SnapshotPtr& run, const QString& modelPath, const QString& path,
    const TraceExportChoice& choice, Index currentSample, Index firstVisibleStep, Index lastVisibleStep)
{
    if (!run || !run->error.empty()) {
        return tr("%1: there is no successful run to export").arg(path);
    }
    try {
        std::vector<Index> samples;
        if (choice.samples == TraceSamples::Current) {
            samples = {currentSample};
        } else if (choice.samples == TraceSamples::Chosen) {
            samples = choice.chosenSamples;
        }
        Index first = 0;
        Index last = std::numeric_limits<Index>::max();
        if (choice.steps == TraceStepRange::Visible) {
            first = std::max<Index>(firstVisibleStep, 0);
            last = std::max(lastVisibleStep, first);
        }
        const bool whole = samples.empty() && choice.steps == TraceStepRange::All;
        const RunSnapshot sliced = whole ? RunSnapshot {} : sliceSnapshot(*run, first, last, samples);
        const RunSnapshot& s = whole ? *run : sliced;
        io::TraceInputs inputs;
        inputs.inputs = s.inputs;
        inputs.outputs = s.outputs;
        inputs.mask = s.mask ? &*s.mask : nullptr;
        inputs.producer = "rnnscope " + QCoreApplication::applicationVersion().toStdString();
        inputs.model = modelPath.toStdString();
        inputs.optionsJson = "{\"batch\": " + std::to_string(run->batch) + ", \"first_step\": " + std::to_string(first)
            + ", \"samples\": \"" + (samples.empty() ? std::string("all") : std::to_string(samples.size())) + "\"}";
        switch (choice.format) {
        case TraceExportFormat::Hdf5:
            io::writeTraceHdf5(path.toStdString(), s.trace, inputs);
            break;
        case TraceExportFormat::Csv:
            io::writeTraceCsv(path.toStdString(), s.trace, inputs);
            break;
        case TraceExportFormat::Npy:
            io::writeTraceNpy(path.toStdString(), s.trace, inputs);
            break;
        }
    } catch (const std::exception& e) {
        const QString what = QString::fromStdString(e.what());
        return what.contains(path) ? what : path + QStringLiteral(": ") + what;
    }
    return {};
}

void ExportController::exportViewDialog()
{
    const auto view = currentView();
    PictureExportDialog dialog(m_window);
    dialog.setCurrentViewName(view.first);
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    const PictureExportChoice choice = dialog.choice();
    const QString suffix = widgets::suffixFor(choice.format);
    const QString start = QFileInfo(m_session->modelPath()).absolutePath();
    if (choice.allViews) {
        const QString folder = QFileDialog::getExistingDirectory(m_window, tr("Export All Views Into"), start);
        if (folder.isEmpty()) {
            return;
        }
        QStringList written;
        const QString error = exportAllViews(folder, choice, &written);
        error.isEmpty() ? emit exported(tr("Exported %1 views to %2").arg(written.size()).arg(folder))
                        : emit failed(error);
        return;
    }
    QString path = QFileDialog::getSaveFileName(m_window, tr("Export %1").arg(view.first),
        QDir(start).filePath(view.first + QLatin1Char('.') + suffix),
        tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix));
    if (path.isEmpty()) {
        return;
    }
    if (QFileInfo(path).suffix().isEmpty()) {
        path += QLatin1Char('.') + suffix;
    }
    const QString error = exportView(view.second, path, choice);
    error.isEmpty() ? emit exported(tr("Exported %1 to %2").arg(view.first, path)) : emit failed(error);
}

void ExportController::exportTraceDialog()
{
    const SnapshotPtr run = m_context->snapshot();
    if (!run || !run->error.empty() || run->trace.layers.empty()) {
        emit failed(tr("There is no recorded run to export."));
        return;
    }
    const Index batch = run->trace.layers.front().batch;
    const Index firstVisible = static_cast<Index>(std::ceil(m_context->timeLow()));
    const Index lastVisible = static_cast<Index>(std::floor(m_context->timeHigh()));
    TraceExportDialog dialog(m_window);
    dialog.setRun(batch, m_context->sample(), std::max<Index>(firstVisible, 0),
        std::min<Index>(lastVisible, std::max<Index>(m_context->steps() - 1, 0)));
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    const TraceExportChoice choice = dialog.choice();
    const QString start = QFileInfo(m_session->modelPath()).absolutePath();
    QString path;
    if (choice.format == TraceExportFormat::Hdf5) {
        path = QFileDialog::getSaveFileName(
            m_window, tr("Export Trace"), QDir(start).filePath(QStringLiteral("trace.h5")), tr("HDF5 traces (*.h5)"));
    } else {
        path = QFileDialog::getExistingDirectory(m_window, tr("Export Trace Into"), start);
    }
    if (path.isEmpty()) {
        return;
    }
    // Long exports (CSV of a large run) run on a worker behind a busy dialog; the writers do not report fractions.
    auto* progress = new QProgressDialog(tr("Exporting the trace to %1…").arg(path), QString(), 0, 0, m_window);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(300);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, progress, path] {
        watcher->deleteLater();
        progress->close();
        const QString error = watcher->result();
        error.isEmpty() ? emit exported(tr("Trace exported to %1").arg(path)) : emit failed(error);
    });
    const QString model = m_session->modelPath();
    const Index sample = m_context->sample();
    watcher->setFuture(QtConcurrent::run([run, model, path, choice, sample, firstVisible, lastVisible] {
        return exportTrace(run, model, path, choice, sample, firstVisible, lastVisible);
    }));
}

} // namespace rnnscope::app
