#include "session_controller.h"

#include <filesystem>

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMainWindow>

#include "breakpoint_controller.h"
#include "core/io/file_error.h"
#include "core/io/keras_model_writer.h"
#include "debug_session.h"
#include "widgets/series.h"
#include "widgets/view_context.h"

namespace rnnscope::app {

namespace {

const char* kindName(widgets::SeriesKind kind)
{
    switch (kind) {
    case widgets::SeriesKind::State:
        return "state";
    case widgets::SeriesKind::Gate:
        return "gate";
    case widgets::SeriesKind::Output:
        return "output";
    case widgets::SeriesKind::Input:
        return "input";
    }
    return "state";
}

widgets::SeriesKind kindFromName(const std::string& name)
{
    if (name == "gate") {
        return widgets::SeriesKind::Gate;
    }
    if (name == "output") {
        return widgets::SeriesKind::Output;
    }
    if (name == "input") {
        return widgets::SeriesKind::Input;
    }
    return widgets::SeriesKind::State;
}

bool fileThere(const std::string& path, bool spec)
{
    const std::string file = spec ? io::specFilePart(path) : path;
    return !file.empty() && QFileInfo::exists(QString::fromStdString(file));
}

} // namespace

SessionController::SessionController(
    QMainWindow* window, DebugSession* session, widgets::ViewContext* context, BreakpointController* breakpoints)
    : QObject(window)
    , m_window(window)
    , m_session(session)
    , m_context(context)
    , m_breakpoints(breakpoints)
{
    m_locate = [this](const QString& role, const QString& missing) {
        return QFileDialog::getOpenFileName(m_window,
            tr("Where is the %1 now? (%2 is gone)").arg(role, QFileInfo(missing).fileName()),
            QFileInfo(missing).absolutePath());
    };
    connect(m_session, &DebugSession::sessionRestored, this, [this](const QStringList& notes) {
        m_restoreNotes = notes;
        m_pendingRestore = true; // the selection is applied to the first run of the restored session
    });
    connect(m_session, &DebugSession::snapshotReady, this, [this] {
        if (!m_pendingRestore) {
            return;
        }
        m_pendingRestore = false;
        applyViewState(m_restoring);
        emit restored(m_restoringPath, m_restoreNotes);
    });
}

io::SessionFile SessionController::current() const
{
    io::SessionFile s = m_session->recipe();
    s.breakpoints = m_breakpoints->breakpoints();
    const widgets::SeriesRef& ref = m_context->selection();
    s.selection.layer = ref.layer;
    s.selection.direction = ref.direction;
    s.selection.cell = ref.cell;
    s.selection.kind = kindName(ref.kind);
    s.selection.name = ref.name.toStdString();
    s.selection.sample = m_context->sample();
    s.selection.step = m_context->step();
    s.selection.units = std::vector<int>(m_context->selectedUnits().begin(), m_context->selectedUnits().end());
    s.selection.timeRange = std::make_pair(m_context->timeLow(), m_context->timeHigh());
    s.selection.display = m_context->displayMode() == widgets::DisplayMode::Baseline ? "baseline"
        : m_context->displayMode() == widgets::DisplayMode::Difference               ? "difference"
                                                                                     : "current";
    s.windowGeometry = m_window->saveGeometry().toBase64().toStdString();
    s.windowState = m_window->saveState().toBase64().toStdString();
    return s;
}

QString SessionController::save(const QString& path)
{
    const QString error = writeCopy(path, false);
    if (error.isEmpty()) {
        emit saved(path);
    } else {
        emit failed(error);
    }
    return error;
}

QString SessionController::writeCopy(const QString& path, bool modelBeside)
{
    io::SessionFile s = current();
    QString error;
    if (modelBeside || s.model.empty() || !QFileInfo(QString::fromStdString(s.model)).isFile()) {
        // A model made in the window has no file yet: a session refers to files, so save it beside the session.
        const QFileInfo info(path);
        const QString modelPath = info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral(".model.keras"));
        error = m_session->saveModel(modelPath);
        if (error.isEmpty()) {
            s.model = modelPath.toStdString();
            s.weights.clear();
        }
    }
    if (error.isEmpty()) {
        try {
            io::writeSession(path.toStdString(), s);
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
    }
    return error;
}

bool SessionController::relocate(io::SessionFile& session, const QString& sessionPath, QString* error)
{
    QString movedTo; // the folder the user pointed at last: tried first for the other missing files
    for (io::SessionFileRef& ref : io::sessionFileRefs(session)) {
        if (fileThere(*ref.path, ref.spec)) {
            continue;
        }
        const QString missing = QString::fromStdString(ref.spec ? io::specFilePart(*ref.path) : *ref.path);
        QString found;
        if (!movedTo.isEmpty()) {
            const QString guess = QDir(movedTo).filePath(QFileInfo(missing).fileName());
            if (QFileInfo::exists(guess)) {
                found = guess;
            }
        }
        if (found.isEmpty()) {
            found = m_locate ? m_locate(QString::fromStdString(ref.role), missing) : QString();
        }
        if (found.isEmpty()) {
            *error = tr("%1: the %2 %3 is missing, and no new place was given")
                         .arg(sessionPath, QString::fromStdString(ref.role), missing);
            return false;
        }
        movedTo = QFileInfo(found).absolutePath();
        *ref.path = ref.spec ? io::replaceSpecFilePart(*ref.path, found.toStdString()) : found.toStdString();
    }
    return true;
}

QString SessionController::open(const QString& path)
{
    QString error;
    try {
        io::SessionFile s = io::readSession(path.toStdString());
        if (relocate(s, path, &error)) {
            m_restoring = s;
            m_restoringPath = path;
            if (!s.windowGeometry.empty()) {
                m_window->restoreGeometry(QByteArray::fromBase64(QByteArray::fromStdString(s.windowGeometry)));
            }
            if (!s.windowState.empty()) {
                m_window->restoreState(QByteArray::fromBase64(QByteArray::fromStdString(s.windowState)));
            }
            m_breakpoints->setBreakpoints(s.breakpoints);
            m_context->setBaseline(nullptr);
            m_session->restore(s);
        }
    } catch (const std::exception& e) {
        error = QString::fromStdString(e.what());
    }
    if (!error.isEmpty()) {
        emit failed(error);
    }
    return error;
}

void SessionController::applyViewState(const io::SessionFile& session)
{
    const io::SessionSelection& sel = session.selection;
    widgets::SeriesRef ref;
    ref.layer = sel.layer;
    ref.direction = sel.direction;
    ref.cell = sel.cell;
    ref.kind = kindFromName(sel.kind);
    ref.name = QString::fromStdString(sel.name);
    if (m_context->snapshot() && widgets::resolveSeries(*m_context->snapshot(), ref)) {
        m_context->setSelection(ref);
        m_context->setSelectedUnits(QVector<int>(sel.units.begin(), sel.units.end()));
    }
    m_context->setSample(sel.sample);
    m_context->setStep(sel.step);
    if (sel.timeRange) {
        m_context->setTimeRange(sel.timeRange->first, sel.timeRange->second);
    }
    m_context->setDisplayMode(sel.display == "baseline" ? widgets::DisplayMode::Baseline
            : sel.display == "difference"               ? widgets::DisplayMode::Difference
                                                        : widgets::DisplayMode::Current);
}

} // namespace rnnscope::app
