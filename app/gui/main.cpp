// rnnscope: the debugger window. `rnnscope [MODEL] [--input SPEC]`; with no model it opens the bundled example.

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include "example_paths.h"
#include "main_window.h"
#include "screenshot.h"

int main(int argc, char** argv)
{
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
    parser.addOptions({input, weights, screenshot, steps, dark});
    parser.process(app);

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
    if (!model.isEmpty()) {
        window.openModel(model, inputSpec, parser.value(weights));
    }
    if (parser.isSet(screenshot)) {
        window.resize(1600, 1000);
        window.show();
        return rnnscope::app::takeScreenshot(window, parser.value(screenshot), parser.value(steps).toInt()) ? 0 : 1;
    }
    window.show();
    return QApplication::exec();
}
