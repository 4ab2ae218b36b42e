#pragma once
// Autosave: while the window holds unsaved work, a session (.rnnscope, the Save Session format) is written every few
// seconds to <folder>/<instance>.rnnscope, atomically; a model built in the window goes beside it as
// <instance>.model.keras, as Save Session does. Each instance holds <instance>.lock (a QLockFile) while it runs, so a
// file whose lock is stale belongs to a process that died: on start the window offers to restore the newest such
// file. A clean exit (finish()) removes this instance's files.
//
// "Unsaved work" is what a session file records apart from what the views look at: the model, data, options,
// initial states, mask and what-if edits, breakpoints. It is clean right after a model or session is opened and
// after Save Session; a restored autosave stays unsaved until the user saves it. Moving the cursor alone does not
// make work unsaved, but once there is unsaved work each autosave records the current selection and layout too.

#include <functional>
#include <memory>

#include <QDateTime>
#include <QObject>
#include <QString>

class QLockFile;
class QTimer;

namespace rnnscope::io {
struct SessionFile;
}

namespace rnnscope::app {

class MainWindow;

class AutosaveController : public QObject
{
    Q_OBJECT

public:
    // folder: where autosaves live (defaultFolder() in the application); intervalSeconds > 0.
    AutosaveController(MainWindow* window, const QString& folder, int intervalSeconds);
    ~AutosaveController() override; // releases the lock and keeps the files: only finish() removes them

    // QStandardPaths::AppLocalDataLocation + "/autosave".
    static QString defaultFolder();
    // RNNSCOPE_AUTOSAVE_SECONDS when it is a positive number, else 30.
    static int intervalFromEnvironment();

    QString autosavePath() const { return m_path; }
    bool hasUnsavedWork() const;

    // An autosave left by a process that died, found by takeOrphan(): its lock is held by this instance until it
    // is restored or discarded.
    struct Orphan
    {
        QString path;
        QDateTime savedAt;
    };
    // The newest autosave in the folder whose owner is gone, or an empty path.
    Orphan takeOrphan();
    // How the user is asked "Restore unsaved work from <time>?": true = Restore. Default: a message box.
    using Asker = std::function<bool(const Orphan& orphan)>;
    void setAsker(Asker asker) { m_ask = std::move(asker); }
    // Looks for an orphan and asks about it. Restore: opens it as a session (asynchronous; the window's work is
    // then unsaved), returns true. Discard or nothing found: removes it, returns false.
    bool offerRestore();

    // What the command line opened counts as unsaved work (tests of autosave on a real process).
    void treatNextOpenAsUnsaved() { m_nextOpenUnsaved = true; }

    // Writes the autosave now if there is unsaved work that is not on disk yet; removes it when the work is clean.
    // Returns an empty string or the error (also emitted as failed()).
    QString autosaveNow();
    void finish(); // a clean exit: removes this instance's autosave files and stops

signals:
    void autosaved(const QString& path);
    void failed(const QString& message);

private:
    QByteArray serialized(const io::SessionFile& session) const;
    QByteArray workOf(io::SessionFile session) const; // without selection and layout
    void markClean();
    void removeFiles(const QString& sessionPath) const;
    void releaseOrphan();

    MainWindow* m_window;
    QString m_folder;
    QString m_path; // this instance's autosave
    std::unique_ptr<QLockFile> m_lock;
    QTimer* m_timer;
    QByteArray m_cleanWork; // the work as last opened or saved; empty = nothing clean to compare with
    bool m_hasClean = false;
    QByteArray m_written; // what the autosave file holds
    bool m_awaitingFirstRun = false; // a model opened: its first run is the clean state
    bool m_nextOpenUnsaved = false;
    bool m_restoringOrphan = false;
    bool m_orphanRestored = false; // its files go after this instance's first autosave
    Orphan m_orphan;
    std::unique_ptr<QLockFile> m_orphanLock;
    Asker m_ask;
};

} // namespace rnnscope::app
