#include "autosave_controller.h"

#include <algorithm>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QLockFile>
#include <QMessageBox>
#include <QPushButton>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTimer>

#include "core/io/session_file.h"
#include "debug_session.h"
#include "main_window.h"
#include "session_controller.h"

namespace rnnscope::app {

namespace {

const QString kSessionSuffix = QStringLiteral(".rnnscope");

QString stemOf(const QString& sessionPath)
{
    return sessionPath.left(sessionPath.size() - kSessionSuffix.size());
}

// The owner of a lock is gone when its process is no longer running; lock files are never old enough to be
// taken for stale by age alone, as a debugging session can last for days.
std::unique_ptr<QLockFile> lockFor(const QString& sessionPath)
{
    auto lock = std::make_unique<QLockFile>(stemOf(sessionPath) + QStringLiteral(".lock"));
    lock->setStaleLockTime(0);
    return lock;
}

bool defaultAsk(QWidget* parent, const AutosaveController::Orphan& orphan)
{
    QMessageBox box(QMessageBox::Question, AutosaveController::tr("RNNScope"),
        AutosaveController::tr("Restore unsaved work from %1?")
            .arg(QLocale().toString(orphan.savedAt, QLocale::ShortFormat)),
        QMessageBox::NoButton, parent);
    box.setObjectName(QStringLiteral("restoreAutosaveBox"));
    box.setInformativeText(AutosaveController::tr("RNNScope did not close normally last time."));
    QPushButton* restore = box.addButton(AutosaveController::tr("&Restore"), QMessageBox::AcceptRole);
    box.addButton(AutosaveController::tr("&Discard"), QMessageBox::DestructiveRole);
    box.setDefaultButton(restore);
    box.exec();
    return box.clickedButton() == restore;
}

} // namespace

AutosaveController::AutosaveController(MainWindow* window, const QString& folder, int intervalSeconds)
    : QObject(window)
    , m_window(window)
    , m_folder(folder)
    , m_timer(new QTimer(this))
{
    QDir().mkpath(m_folder);
    // Per instance: the process id makes names readable, the random part keeps two windows of one process apart.
    const QString id = QStringLiteral("%1-%2")
                           .arg(QCoreApplication::applicationPid())
                           .arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
    m_path = QDir(m_folder).filePath(id + kSessionSuffix);
    m_lock = lockFor(m_path);
    if (!m_lock->tryLock(0)) {
        emit failed(tr("Cannot lock %1: autosave is off")
                        .arg(m_lock->error() == QLockFile::PermissionError ? QDir::toNativeSeparators(m_folder)
                                                                           : QDir::toNativeSeparators(m_path)));
    }
    m_ask = [this](const Orphan& orphan) { return defaultAsk(m_window, orphan); };

    DebugSession* session = m_window->session();
    SessionController* sessions = m_window->sessions();
    connect(session, &DebugSession::modelOpened, this, [this](const QString& path) {
        // A model read from a file starts clean once it has run; a model built in the window is work to keep.
        m_awaitingFirstRun = QFileInfo(path).isFile();
    });
    connect(session, &DebugSession::snapshotReady, this, [this] {
        if (m_awaitingFirstRun) {
            m_awaitingFirstRun = false;
            markClean();
        }
    });
    connect(sessions, &SessionController::restored, this, [this](const QString& path) {
        m_awaitingFirstRun = false; // the restore's first run is this one
        if (!m_restoringOrphan || path != m_orphan.path) {
            markClean();
            return;
        }
        // The recovered work is still not saved anywhere but here: write it under this instance's name before
        // the dead instance's files go.
        m_restoringOrphan = false;
        m_hasClean = false;
        m_orphanRestored = true;
        autosaveNow();
    });
    connect(session, &DebugSession::failed, this, [this] {
        if (m_restoringOrphan) { // its files stay for another try
            m_restoringOrphan = false;
            releaseOrphan();
        }
    });
    connect(sessions, &SessionController::saved, this, [this] {
        markClean();
        autosaveNow(); // the work is on disk: the autosave goes
    });
    connect(m_timer, &QTimer::timeout, this, [this] { autosaveNow(); });
    m_timer->start(std::max(1, intervalSeconds) * 1000);
}

AutosaveController::~AutosaveController() = default;

QString AutosaveController::defaultFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/autosave");
}

int AutosaveController::intervalFromEnvironment()
{
    bool ok = false;
    const int seconds = qEnvironmentVariableIntValue("RNNSCOPE_AUTOSAVE_SECONDS", &ok);
    return ok && seconds > 0 ? seconds : 30;
}

QByteArray AutosaveController::serialized(const io::SessionFile& session) const
{
    // The file format is the definition of what a session holds: comparing the bytes it would write compares
    // everything, including fields added later. Written beside the autosave so relative paths come out the same.
    const QString scratch = stemOf(m_path) + QStringLiteral(".compare");
    try {
        io::writeSession(scratch.toStdString(), session);
    } catch (const std::exception&) {
        return {};
    }
    QFile file(scratch);
    QByteArray bytes = file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    file.close();
    QFile::remove(scratch);
    return bytes;
}

QByteArray AutosaveController::workOf(io::SessionFile session) const
{
    session.selection = io::SessionSelection {};
    session.windowGeometry.clear();
    session.windowState.clear();
    return serialized(session);
}

void AutosaveController::markClean()
{
    if (m_nextOpenUnsaved) {
        m_nextOpenUnsaved = false;
        m_hasClean = false;
        return;
    }
    m_cleanWork = workOf(m_window->sessions()->current());
    m_hasClean = !m_cleanWork.isEmpty();
}

bool AutosaveController::hasUnsavedWork() const
{
    if (m_window->session()->model() == nullptr) {
        return false;
    }
    return !m_hasClean || workOf(m_window->sessions()->current()) != m_cleanWork;
}

QString AutosaveController::autosaveNow()
{
    if (m_restoringOrphan || m_window->session()->busy() || !m_lock->isLocked()) {
        return {}; // the next tick sees the finished state
    }
    if (!hasUnsavedWork()) {
        if (!m_written.isEmpty() || QFileInfo::exists(m_path)) {
            removeFiles(m_path);
            m_written.clear();
        }
        return {};
    }
    const io::SessionFile session = m_window->sessions()->current();
    const QByteArray content = serialized(session);
    if (!content.isEmpty() && content == m_written && QFileInfo::exists(m_path)) {
        return {};
    }
    // A model file inside the autosave folder belongs to an autosave (maybe a dead instance's, which goes once
    // its work is restored): save the model beside this instance's autosave instead of pointing at it.
    const QString model = QString::fromStdString(session.model);
    const bool modelBeside = !model.isEmpty() && QFileInfo(model).absolutePath() == QFileInfo(m_path).absolutePath();
    const QString error = m_window->sessions()->writeCopy(m_path, modelBeside);
    if (!error.isEmpty()) {
        emit failed(tr("Autosave failed: %1").arg(error));
        return error;
    }
    m_written = content;
    if (m_orphanRestored) { // the restored work is safe under this instance's name now
        m_orphanRestored = false;
        removeFiles(m_orphan.path);
        releaseOrphan();
    }
    emit autosaved(m_path);
    return {};
}

AutosaveController::Orphan AutosaveController::takeOrphan()
{
    releaseOrphan();
    QFileInfoList files = QDir(m_folder).entryInfoList({QLatin1Char('*') + kSessionSuffix}, QDir::Files, QDir::Time);
    for (const QFileInfo& file : files) {
        if (file.absoluteFilePath() == QFileInfo(m_path).absoluteFilePath()) {
            continue;
        }
        auto lock = lockFor(file.absoluteFilePath());
        if (lock->tryLock(0)) { // no lock, or its process is gone
            m_orphanLock = std::move(lock);
            m_orphan = Orphan {file.absoluteFilePath(), file.lastModified()};
            return m_orphan;
        }
    }
    return {};
}

bool AutosaveController::offerRestore()
{
    const Orphan orphan = takeOrphan();
    if (orphan.path.isEmpty()) {
        return false;
    }
    if (!m_ask(orphan)) {
        removeFiles(orphan.path);
        releaseOrphan();
        return false;
    }
    m_restoringOrphan = true;
    if (!m_window->sessions()->open(orphan.path).isEmpty()) {
        m_restoringOrphan = false;
        releaseOrphan();
        return false;
    }
    return true;
}

void AutosaveController::finish()
{
    m_timer->stop();
    removeFiles(m_path);
    m_written.clear();
    releaseOrphan();
    m_lock->unlock();
}

void AutosaveController::removeFiles(const QString& sessionPath) const
{
    QFile::remove(sessionPath);
    QFile::remove(stemOf(sessionPath) + QStringLiteral(".model.keras"));
}

void AutosaveController::releaseOrphan()
{
    m_orphanLock.reset(); // unlocks, removing the lock file
}

} // namespace rnnscope::app
