// Autosave: unsaved work is written as a session every few seconds and comes back in the next window, both when a
// window is dropped without a clean exit (in process) and when the real `rnnscope` process is killed (SIGKILL).
// A clean exit, a save and Discard leave nothing to restore; a live instance's autosave is never offered.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "app/gui/autosave_controller.h"
#include "app/gui/breakpoint_controller.h"
#include "app/gui/debug_session.h"
#include "app/gui/main_window.h"
#include "app/gui/session_controller.h"
#include "app/gui/what_if_controller.h"
#include "core/io/session_file.h"
#include "tests/support/window_wait.h"
#include "widgets/series.h"
#include "widgets/view_context.h"

using namespace rnnscope;
using app::AutosaveController;
using app::MainWindow;

namespace {

const QString kExampleModel = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth.h5");
const QString kExampleInput = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth_input.npy");
constexpr int kNoTimer = 3600; // seconds: the tests call autosaveNow() themselves unless they test the timer

using rnnscope::testing::generation;
using rnnscope::testing::waitForRun;

QStringList autosaves(const QString& folder)
{
    return QDir(folder).entryList({QStringLiteral("*.rnnscope")}, QDir::Files);
}

// The work every test makes: an option, a mask edit, a what-if edit, a breakpoint and a selection.
bool makeWork(MainWindow& w)
{
    if (!waitForRun(w)) {
        return false;
    }
    auto g = generation(w);
    if (!w.session()->setOption(QStringLiteral("lstm"), QStringLiteral("go_backwards"), true).isEmpty()
        || !waitForRun(w, g)) {
        return false;
    }
    g = generation(w);
    w.session()->toggleMask(1, 4);
    if (!waitForRun(w, g)) {
        return false;
    }
    widgets::SeriesRef c;
    c.kind = widgets::SeriesKind::State;
    c.name = QStringLiteral("c");
    w.viewContext()->setSelection(c);
    w.viewContext()->setSample(2);
    w.viewContext()->setStep(20);
    g = generation(w);
    if (!w.whatIf()->setUnitValue(5, -1.25F).isEmpty() || !waitForRun(w, g)) {
        return false;
    }
    w.viewContext()->setSelectedUnits({5, 7});
    Breakpoint b;
    b.kind = BreakKind::Threshold;
    b.series.name = "c";
    b.threshold = 0.75;
    b.unit = 5;
    w.breakpoints()->add(b);
    return true;
}

// What makeWork() made, as a session (of a window, or of a file a process wrote) holds it.
void verifyWork(const io::SessionFile& s)
{
    QCOMPARE(QString::fromStdString(s.model), kExampleModel);
    QCOMPARE(s.layerOptions.at("lstm").at("go_backwards"), true);
    QCOMPARE(s.maskToggles.size(), std::size_t {1});
    QCOMPARE(s.maskToggles.front().sample, Index {1});
    QCOMPARE(s.maskToggles.front().time, Index {4});
    QCOMPARE(s.edits.size(), std::size_t {1});
    QCOMPARE(s.edits.front().values, std::vector<float> {-1.25F});
    QCOMPARE(s.edits.front().step, Index {20});
    QCOMPARE(s.edits.front().sample, Index {2});
    QCOMPARE(s.breakpoints.size(), std::size_t {1});
    QCOMPARE(s.breakpoints.front().unit, std::optional<Index>(5));
    QCOMPARE(s.breakpoints.front().threshold, 0.75);
    QCOMPARE(s.selection.name, std::string("c"));
    QCOMPARE(s.selection.sample, Index {2});
    QCOMPARE(s.selection.step, Index {20});
    QCOMPARE(s.selection.units, (std::vector<int> {5, 7}));
}

} // namespace

class TestAutosave : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void badMemoryBudgetIsRefused_data();
    void badMemoryBudgetIsRefused();
    void droppedWindowsWorkIsRestored();
    void timerWritesAndSavingRemovesIt();
    void discardRemovesTheOrphan();
    void cleanWorkIsNotAutosaved();
    void killedProcessIsRestored();
};

void TestAutosave::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("RNNScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_autosave"));
}

void TestAutosave::droppedWindowsWorkIsRestored()
{
    QTemporaryDir folder;
    QString firstPath;
    {
        auto* w = new MainWindow(kExampleModel, kExampleInput);
        auto* autosave = new AutosaveController(w, folder.path(), kNoTimer);
        QVERIFY(makeWork(*w));
        QVERIFY(autosave->hasUnsavedWork());
        QCOMPARE(autosave->autosaveNow(), QString());
        firstPath = autosave->autosavePath();
        QVERIFY(QFile::exists(firstPath));
        verifyWork(io::readSession(firstPath.toStdString()));
        {
            // While its instance lives, the autosave is not an orphan: its lock is held.
            MainWindow other;
            AutosaveController probe(&other, folder.path(), kNoTimer);
            QVERIFY(probe.takeOrphan().path.isEmpty());
        }
        delete w; // no finish(): as if the process had died
    }
    QCOMPARE(autosaves(folder.path()), QStringList {QFileInfo(firstPath).fileName()});

    MainWindow w;
    auto* autosave = new AutosaveController(&w, folder.path(), kNoTimer);
    QString offered;
    autosave->setAsker([&](const AutosaveController::Orphan& orphan) {
        offered = orphan.path;
        return true;
    });
    QSignalSpy restored(w.sessions(), &app::SessionController::restored);
    QVERIFY(autosave->offerRestore());
    QVERIFY(restored.wait(30000) || restored.count() == 1);
    QCOMPARE(offered, firstPath);
    verifyWork(w.sessions()->current());
    QCOMPARE(app::DebugSession::optionValue(*w.session()->model()->findLayer("lstm"), QStringLiteral("go_backwards")),
        std::optional<bool>(true));
    QVERIFY(!w.session()->mask()->at(1, 4));
    QCOMPARE(w.viewContext()->step(), Index {20});
    QCOMPARE(w.viewContext()->selection().name, QStringLiteral("c"));
    // Restored work is still unsaved: it lives on under the new instance's name, the dead one's file is gone.
    QVERIFY(autosave->hasUnsavedWork());
    QCOMPARE(autosaves(folder.path()), QStringList {QFileInfo(autosave->autosavePath()).fileName()});
    verifyWork(io::readSession(autosave->autosavePath().toStdString()));
    autosave->finish();
    QVERIFY(autosaves(folder.path()).isEmpty());
    QVERIFY(QDir(folder.path()).entryList({QStringLiteral("*.lock")}, QDir::Files).isEmpty());
}

void TestAutosave::timerWritesAndSavingRemovesIt()
{
    QTemporaryDir folder;
    QTemporaryDir elsewhere;
    MainWindow w(kExampleModel, kExampleInput);
    auto* autosave = new AutosaveController(&w, folder.path(), 1);
    QSignalSpy written(autosave, &AutosaveController::autosaved);
    QVERIFY(makeWork(w));
    QVERIFY(written.wait(5000));
    QVERIFY(QFile::exists(autosave->autosavePath()));
    // Unchanged work is not written again.
    QTest::qWait(2500);
    QCOMPARE(written.count(), 1);
    // After Save Session the work is on disk: nothing to restore.
    QCOMPARE(w.sessions()->save(elsewhere.filePath(QStringLiteral("saved.rnnscope"))), QString());
    QVERIFY(!autosave->hasUnsavedWork());
    QVERIFY(!QFile::exists(autosave->autosavePath()));
    // A new change makes it unsaved again, and the timer writes it.
    w.breakpoints()->remove(w.breakpoints()->breakpoints().front().id);
    QVERIFY(autosave->hasUnsavedWork());
    QVERIFY(written.wait(5000));
    QVERIFY(io::readSession(autosave->autosavePath().toStdString()).breakpoints.empty());
}

void TestAutosave::discardRemovesTheOrphan()
{
    QTemporaryDir folder;
    {
        auto* w = new MainWindow(kExampleModel, kExampleInput);
        auto* autosave = new AutosaveController(w, folder.path(), kNoTimer);
        QVERIFY(makeWork(*w));
        QCOMPARE(autosave->autosaveNow(), QString());
        delete w;
    }
    QCOMPARE(autosaves(folder.path()).size(), 1);
    MainWindow w;
    auto* autosave = new AutosaveController(&w, folder.path(), kNoTimer);
    int asked = 0;
    autosave->setAsker([&](const AutosaveController::Orphan&) {
        ++asked;
        return false;
    });
    QVERIFY(!autosave->offerRestore());
    QCOMPARE(asked, 1);
    QVERIFY(autosaves(folder.path()).isEmpty());
    QVERIFY(w.session()->model() == nullptr);
    QVERIFY(!autosave->offerRestore()); // nothing left to offer
    QCOMPARE(asked, 1);
}

void TestAutosave::cleanWorkIsNotAutosaved()
{
    QTemporaryDir folder;
    MainWindow w(kExampleModel, kExampleInput);
    auto* autosave = new AutosaveController(&w, folder.path(), kNoTimer);
    QVERIFY(waitForRun(w));
    // Moving the cursor is not work.
    w.viewContext()->setStep(10);
    w.viewContext()->setSample(3);
    QVERIFY(!autosave->hasUnsavedWork());
    QCOMPARE(autosave->autosaveNow(), QString());
    QVERIFY(autosaves(folder.path()).isEmpty());
    // A mask edit is.
    const auto g = generation(w);
    w.session()->toggleMask(0, 3);
    QVERIFY(waitForRun(w, g));
    QVERIFY(autosave->hasUnsavedWork());
}

void TestAutosave::killedProcessIsRestored()
{
    QTemporaryDir root;
    // The work, as a session the first process opens and keeps as unsaved work (--mark-unsaved).
    const QString work = root.filePath(QStringLiteral("work.rnnscope"));
    {
        MainWindow w(kExampleModel, kExampleInput);
        QVERIFY(makeWork(w));
        QCOMPARE(w.sessions()->save(work), QString());
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), root.filePath(QStringLiteral("home")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), root.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), root.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), root.filePath(QStringLiteral("cache")));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("RNNSCOPE_AUTOSAVE_SECONDS"), QStringLiteral("1"));
    env.remove(QStringLiteral("RNNSCOPE_AUTOSAVE_RESTORE"));
    const QString folder = root.filePath(QStringLiteral("data/RNNScope/rnnscope/autosave"));

    QProcess first;
    first.setProcessEnvironment(env);
    first.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    first.start(QStringLiteral(RNNSCOPE_GUI), {QStringLiteral("--mark-unsaved"), work});
    QVERIFY(first.waitForStarted());
    QVERIFY2(QTest::qWaitFor([&] { return !autosaves(folder).isEmpty(); }, 60000), qPrintable(folder));
    QVERIFY(first.state() == QProcess::Running);
    first.kill(); // SIGKILL: no clean exit
    QVERIFY(first.waitForFinished(10000));
    QCOMPARE(first.exitStatus(), QProcess::CrashExit);
    const QStringList left = autosaves(folder);
    QCOMPARE(left.size(), 1);
    QVERIFY(QDir(folder).entryList({QStringLiteral("*.lock")}, QDir::Files).size() == 1); // stale: owner dead
    verifyWork(io::readSession(QDir(folder).filePath(left.front()).toStdString()));

    // The next start restores it (answered on the command line) and reports what the window shows.
    const QString dumped = root.filePath(QStringLiteral("dumped.rnnscope"));
    QProcess second;
    second.setProcessEnvironment(env);
    second.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    second.start(QStringLiteral(RNNSCOPE_GUI),
        {QStringLiteral("--restore-autosave"), QStringLiteral("restore"), QStringLiteral("--dump-state"), dumped});
    QVERIFY(second.waitForStarted());
    QVERIFY(second.waitForFinished(120000));
    QCOMPARE(second.exitStatus(), QProcess::NormalExit);
    QCOMPARE(second.exitCode(), 0);
    verifyWork(io::readSession(dumped.toStdString()));
    // The dead instance's autosave was taken over, and the clean exit removed the new one.
    QVERIFY(autosaves(folder).isEmpty());
    QVERIFY(QDir(folder).entryList({QStringLiteral("*.lock")}, QDir::Files).isEmpty());
}

// Not autosave, but the same executable: the window's --memory-budget (and RNNSCOPE_MEMORY_BUDGET) is parsed
// before anything opens, and a size that is not one stops it with status 2 and a message naming the option.
void TestAutosave::badMemoryBudgetIsRefused_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("env");
    QTest::newRow("flag") << QStringList {QStringLiteral("--memory-budget"), QStringLiteral("lots")} << QString();
    QTest::newRow("environment") << QStringList {} << QStringLiteral("12 parsecs");
}

void TestAutosave::badMemoryBudgetIsRefused()
{
    QFETCH(QStringList, args);
    QFETCH(QString, env);
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    if (!env.isEmpty()) {
        e.insert(QStringLiteral("RNNSCOPE_MEMORY_BUDGET"), env);
    }
    QProcess p;
    p.setProcessEnvironment(e);
    p.start(QStringLiteral(RNNSCOPE_GUI), args);
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 2);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("--memory-budget")) && err.contains(QStringLiteral("is not a size")),
        qPrintable(err));
}

QTEST_MAIN(TestAutosave)
#include "tst_autosave.moc"
