#pragma once
// Save and reopen the debugger's work as a .rnnscope session file (core/io/session_file.h): the DebugSession's
// recipe (model, data, options, initial states, mask and what-if edits), the breakpoints, what the views look at,
// and the window layout. A model built in the window is saved beside the session as <session>.model.keras first,
// since a session refers to files. When files have moved, the user is asked where each one is now (the folder of
// the first answer is tried for the others).

#include <functional>

#include <QObject>
#include <QString>

#include "core/io/session_file.h"

class QMainWindow;

namespace rnnscope::widgets {
class ViewContext;
}

namespace rnnscope::app {

class BreakpointController;
class DebugSession;

class SessionController : public QObject
{
    Q_OBJECT

public:
    SessionController(
        QMainWindow* window, DebugSession* session, widgets::ViewContext* context, BreakpointController* breakpoints);

    // Returns an empty string on success, else the error (naming the file), also emitted as failed(); saved() on
    // success.
    QString save(const QString& path);
    // Writes what save() would, without saved() or failed() (autosave). modelBeside: save the model beside the
    // session even when it has a file (an autosave must not refer to another instance's autosaved model).
    QString writeCopy(const QString& path, bool modelBeside);
    // Reads the session, asks for moved files, then restores asynchronously: restored() when the first run of
    // the restored session is on screen, or failed().
    QString open(const QString& path);
    io::SessionFile current() const; // what save() would write (before a built model is saved)

    // Asked for each file the session names that is not there: returns the new path, or empty to give up.
    using Locator = std::function<QString(const QString& role, const QString& missingPath)>;
    void setLocator(Locator locator) { m_locate = std::move(locator); }

signals:
    void saved(const QString& path); // the user's work is on disk
    void restored(const QString& path, const QStringList& notes);
    void failed(const QString& message);

private:
    bool relocate(io::SessionFile& session, const QString& sessionPath, QString* error);
    void applyViewState(const io::SessionFile& session);

    QMainWindow* m_window;
    DebugSession* m_session;
    widgets::ViewContext* m_context;
    BreakpointController* m_breakpoints;
    Locator m_locate;
    bool m_pendingRestore = false;
    io::SessionFile m_restoring;
    QString m_restoringPath;
    QStringList m_restoreNotes;
};

} // namespace rnnscope::app
