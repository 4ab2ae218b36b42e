// rnnscope: the debugger window. `rnnscope [MODEL] [--input SPEC]`; with no model it opens the bundled example.
// Work not saved is autosaved; after a crash the next start offers it back (autosave_controller.h).

#include <cstdio>
#include <stdexcept>

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include "autosave_controller.h"
#include "core/allocation_tuning.h"
#include "core/io/session_file.h"
#include "core/memory_budget.h"
#include "debug_session.h"
#include "example_paths.h"
#include "main_window.h"
#include "memory_budget_setting.h"
#include "screenshot.h"
#include "session_controller.h"

int main(int argc, char** argv)
{
    rnnscope::keepFreedMemoryForReuse(); // every toggle re-runs: keep the pages a run frees for the next
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("RNNScope"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("rnnscope.org"));
    QCoreApplication::setApplicationName(QStringLiteral("rnnscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(RNNSCOPE_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("RNNScope"));
    QGuiApplication::setDesktopFileName(QStringLiteral("rnnscope"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/rnnscope/rnnscope.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main", "A visual debugger for Keras RNNs."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"),
        QCoreApplication::translate("main", "A Keras model (.h5, .keras, config .json). Default: the bundled example."),
        QStringLiteral("[MODEL]"));
    const QCommandLineOption input(QStringLiteral("input"),
        QCoreApplication::translate("main", "Sequences for input 0 (.npy, CSV, FILE.h5:/dataset, text:FILE)."),
        QStringLiteral("SPEC"));
    const QCommandLineOption weights(QStringLiteral("weights"),
        QCoreApplication::translate("main", "Weights for a model config .json (.h5 or .weights.h5)."),
        QStringLiteral("FILE"));
    // Hidden: for tools/screenshots.sh. Runs N steps, saves the window as FILE.png and quits.
    QCommandLineOption screenshot(QStringLiteral("screenshot"), QString(), QStringLiteral("FILE"));
    screenshot.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption steps(QStringLiteral("steps"), QString(), QStringLiteral("N"), QStringLiteral("40"));
    steps.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption dark(QStringLiteral("dark"), QString());
    dark.setFlags(QCommandLineOption::HiddenFromHelp);
    const QCommandLineOption autosaveSeconds(QStringLiteral("autosave-seconds"),
        QCoreApplication::translate(
            "main", "Autosave unsaved work every N seconds (default: $RNNSCOPE_AUTOSAVE_SECONDS or 30)."),
        QStringLiteral("N"));
    const QCommandLineOption restoreAutosave(QStringLiteral("restore-autosave"),
        QCoreApplication::translate("main",
            "Unsaved work left by a crash: ask, restore or discard (default: $RNNSCOPE_AUTOSAVE_RESTORE or ask)."),
        QStringLiteral("ANSWER"));
    const QCommandLineOption memoryBudget(QStringLiteral("memory-budget"),
        QCoreApplication::translate("main",
            "Memory for runs and their traces, e.g. 512M or 2G (default: $RNNSCOPE_MEMORY_BUDGET, or 3/4 of memory)."),
        QStringLiteral("SIZE"));
    // Hidden, for tests of autosave: what the command line opens counts as unsaved work; and once the window shows
    // its first run (or the restored session), write what a session would hold to FILE and quit cleanly.
    QCommandLineOption markUnsaved(QStringLiteral("mark-unsaved"), QString());
    markUnsaved.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption dumpState(QStringLiteral("dump-state"), QString(), QStringLiteral("FILE"));
    dumpState.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({input, weights, screenshot, steps, dark, autosaveSeconds, restoreAutosave, markUnsaved,
        dumpState, memoryBudget});
    parser.process(app);

    // The budget every run is checked against (core/memory_budget.h): a run that would not fit fails with a message
    // saying what needed how much, shown in place of the views, instead of the system killing the window.
    // The flag, then the environment, then the window's own setting (Debug > Memory Budget).
    QString budgetText
        = parser.isSet(memoryBudget) ? parser.value(memoryBudget) : qEnvironmentVariable("RNNSCOPE_MEMORY_BUDGET");
    const bool budgetFromSetting = budgetText.isEmpty();
    if (budgetFromSetting) {
        budgetText = rnnscope::app::savedMemoryBudgetSetting();
    }
    if (!budgetText.isEmpty()) {
        try {
            rnnscope::setMemoryBudget(rnnscope::parseByteSize(budgetText.toStdString()));
        } catch (const std::invalid_argument& e) {
            std::fprintf(stderr, "rnnscope: %s: %s\n",
                budgetFromSetting ? "the memory budget setting" : "--memory-budget", e.what());
            if (!budgetFromSetting) {
                return 2;
            }
        }
    }

    if (parser.isSet(dark)) {
        rnnscope::app::useDarkPalette(app);
    }
    QString model = parser.positionalArguments().value(0);
    QString inputSpec = parser.value(input);
    if (model.isEmpty()) {
        const auto example = rnnscope::app::findExample();
        if (example.found()) {
            model = example.model;
            inputSpec = inputSpec.isEmpty() ? example.input : inputSpec;
        }
    }
    rnnscope::app::MainWindow window;
    if (parser.isSet(screenshot)) {
        if (!model.isEmpty()) {
            window.openModel(model, inputSpec, parser.value(weights));
        }
        window.resize(1600, 1000);
        window.show();
        return rnnscope::app::takeScreenshot(window, parser.value(screenshot), parser.value(steps).toInt()) ? 0 : 1;
    }

    using rnnscope::app::AutosaveController;
    const int seconds = parser.isSet(autosaveSeconds) ? parser.value(autosaveSeconds).toInt()
                                                      : AutosaveController::intervalFromEnvironment();
    if (seconds <= 0) {
        std::fputs(
            qPrintable(QCoreApplication::translate("main", "--autosave-seconds takes a positive number.\n")), stderr);
        return 2;
    }
    auto* autosave = new AutosaveController(&window, AutosaveController::defaultFolder(), seconds);
    const QString answer = parser.isSet(restoreAutosave) ? parser.value(restoreAutosave)
                                                         : qEnvironmentVariable("RNNSCOPE_AUTOSAVE_RESTORE");
    if (answer == QLatin1String("restore") || answer == QLatin1String("discard")) {
        const bool restore = answer == QLatin1String("restore");
        autosave->setAsker([restore](const AutosaveController::Orphan&) { return restore; });
    } else if (!answer.isEmpty() && answer != QLatin1String("ask")) {
        std::fputs(
            qPrintable(QCoreApplication::translate("main", "--restore-autosave takes ask, restore or discard.\n")),
            stderr);
        return 2;
    }

    const bool restoring = autosave->offerRestore();
    const bool openingSession = restoring || model.endsWith(QLatin1String(".rnnscope"), Qt::CaseInsensitive);
    if (parser.isSet(dumpState)) {
        const QString file = parser.value(dumpState);
        auto dump = [&window, file] {
            try {
                rnnscope::io::writeSession(file.toStdString(), window.sessions()->current());
                QCoreApplication::exit(0);
            } catch (const std::exception&) {
                QCoreApplication::exit(1);
            }
        };
        if (openingSession) {
            QObject::connect(window.sessions(), &rnnscope::app::SessionController::restored, &window, dump,
                Qt::SingleShotConnection);
        } else {
            QObject::connect(
                window.session(), &rnnscope::app::DebugSession::snapshotReady, &window, dump, Qt::SingleShotConnection);
        }
        QObject::connect(
            window.session(), &rnnscope::app::DebugSession::failed, &window, [] { QCoreApplication::exit(3); });
    }
    if (parser.isSet(markUnsaved)) {
        autosave->treatNextOpenAsUnsaved();
    }
    if (!restoring && !model.isEmpty()) {
        window.openModel(model, inputSpec, parser.value(weights));
    }
    window.show();
    const int status = QApplication::exec();
    autosave->finish(); // a clean exit: nothing is left to restore
    return status;
}
