// rnnscope-cli plot, end to end: a trace made by `rnnscope-cli run` on the bundled example is drawn as every kind
// of view in every format, as a user would. Pictures must be valid files of the requested size with the view's
// title; bad input must exit 3 with one line naming the file, usage errors 2, and nothing may be left under --out.

#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

#include "tests/support/cli_runner.h"

using rnnscope::testing::CliResult;
using rnnscope::testing::runCli;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestCliPlot : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void plots_data();
    void plots();
    void sizeDpiAndTitle_data();
    void sizeDpiAndTitle();
    void errors_data();
    void errors();
    void failureKeepsExistingFile();
    void runsWithoutDisplayOrPlatform();

private:
    QTemporaryDir m_dir;
    QString m_trace;
};

void TestCliPlot::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString examples = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/");
    m_trace = m_dir.filePath(QStringLiteral("trace.h5"));
    const CliResult r = runCli({QStringLiteral("run"), examples + QStringLiteral("bracket_depth.h5"),
        QStringLiteral("--input"), examples + QStringLiteral("bracket_depth_input.npy"), QStringLiteral("--out"),
        m_dir.filePath(QStringLiteral("out")), QStringLiteral("--trace"), m_trace});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(m_trace));
}

void TestCliPlot::plots_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("title"); // the view's title, which the SVG must carry
    QTest::addColumn<QString>("axis"); // an axis label, likewise
    const QString step = QStringLiteral("step (processing order)");
    for (const char* suffix : {"svg", "png", "pdf"}) {
        QTest::addRow("heatmap h %s", suffix) << QStringList {QStringLiteral("--quantity"), QStringLiteral("h"),
            QStringLiteral("--out"), QStringLiteral("heatmap.") + QLatin1String(suffix)}
                                              << QStringLiteral("lstm / h (hidden state), sample 0") << step;
        QTest::addRow("lines c %s", suffix)
            << QStringList {QStringLiteral("--quantity"), QStringLiteral("c"), QStringLiteral("--kind"),
                   QStringLiteral("lines"), QStringLiteral("--units"), QStringLiteral("0,3,5"),
                   QStringLiteral("--sample"), QStringLiteral("2"), QStringLiteral("--out"),
                   QStringLiteral("lines.") + QLatin1String(suffix)}
            << QStringLiteral("lstm / c (cell state), sample 2") << QStringLiteral("c (cell state)");
        QTest::addRow("samples gate:c %s", suffix)
            << QStringList {QStringLiteral("--quantity"), QStringLiteral("gate:c"), QStringLiteral("--kind"),
                   QStringLiteral("samples"), QStringLiteral("--units"), QStringLiteral("1"), QStringLiteral("--out"),
                   QStringLiteral("samples.") + QLatin1String(suffix)}
            << QStringLiteral("unit 1 of lstm / g (cell candidate)") << QStringLiteral("sample");
        QTest::addRow("heatmap output %s", suffix) << QStringList {QStringLiteral("--quantity"),
            QStringLiteral("output"), QStringLiteral("--out"), QStringLiteral("output.") + QLatin1String(suffix)}
                                                   << QStringLiteral("lstm / output, sample 0") << step;
    }
}

void TestCliPlot::plots()
{
    QFETCH(QStringList, options);
    QFETCH(QString, title);
    QFETCH(QString, axis);
    const QString out = m_dir.filePath(options.last());
    options.last() = out;
    const CliResult r = runCli(
        QStringList {QStringLiteral("plot"), m_trace, QStringLiteral("--layer"), QStringLiteral("lstm")} + options);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err)); // no Qt chatter on a headless machine
    const QByteArray bytes = readAll(out);
    QVERIFY(!bytes.isEmpty());
    if (out.endsWith(QLatin1String(".png"))) {
        const QImage image = QImage::fromData(bytes, "PNG");
        QCOMPARE(image.size(), QSize(1200, 700)); // the default size
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 5) {
            for (int x = 0; x < image.width(); x += 5) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY2(colours.size() > 8, "the picture is (nearly) one colour");
    } else if (out.endsWith(QLatin1String(".pdf"))) {
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY(bytes.contains("%%EOF"));
        QVERIFY(bytes.size() > 1024);
    } else {
        QSvgRenderer svg(bytes);
        QVERIFY(svg.isValid());
        QCOMPARE(svg.viewBox(), QRect(0, 0, 1200, 700));
        const QString text = QString::fromUtf8(bytes);
        QVERIFY2(text.contains(title), qPrintable(title));
        QVERIFY2(text.contains(axis), qPrintable(axis));
    }
    // Written under a temporary name and renamed: nothing else is left beside the picture.
    const QStringList leftovers = QDir(m_dir.path()).entryList({QStringLiteral("*.*~*"), QStringLiteral("*.tmp*")});
    QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(QLatin1Char(' '))));
}

void TestCliPlot::sizeDpiAndTitle_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::newRow("png") << QStringLiteral("png");
    QTest::newRow("svg") << QStringLiteral("svg");
}

void TestCliPlot::sizeDpiAndTitle()
{
    QFETCH(QString, suffix);
    const QString out = m_dir.filePath(QStringLiteral("sized.") + suffix);
    const CliResult r = runCli({QStringLiteral("plot"), m_trace, QStringLiteral("--layer=lstm"),
        QStringLiteral("--quantity=gate:f"), QStringLiteral("--width"), QStringLiteral("800"),
        QStringLiteral("--height"), QStringLiteral("500"), QStringLiteral("--dpi"), QStringLiteral("200"),
        QStringLiteral("--title"), QStringLiteral("Figure 1: forget gate"), QStringLiteral("--out"), out});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QByteArray bytes = readAll(out);
    if (suffix == QLatin1String("png")) {
        const QImage image = QImage::fromData(bytes, "PNG");
        QCOMPARE(image.size(), QSize(800, 500));
        QVERIFY(std::abs(image.dotsPerMeterX() - 200 / 0.0254) < 1.0);
    } else {
        QCOMPARE(QSvgRenderer(bytes).viewBox(), QRect(0, 0, 800, 500));
        QVERIFY(QString::fromUtf8(bytes).contains(QStringLiteral("Figure 1: forget gate")));
    }
}

void TestCliPlot::errors_data()
{
    QTest::addColumn<QStringList>("args"); // after "plot"; TRACE, CUT, MODEL and OUT are replaced
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("file"); // the file the one-line message must name (exit 3)
    QTest::addColumn<QStringList>("expected"); // pieces of the message

    const auto args = [](const char* list) { return QString::fromLatin1(list).split(QLatin1Char(' ')); };
    QTest::newRow("unknown layer") << args("TRACE --layer dense --quantity h --out OUT") << 3 << "TRACE"
                                   << QStringList {"no recurrent layer 'dense'", "layers: lstm"};
    QTest::newRow("unknown quantity") << args("TRACE --layer lstm --quantity z --out OUT") << 3 << "TRACE"
                                      << QStringList {"no quantity 'z'", "h, c, i, f, gate:c, o, output, input"};
    QTest::newRow("state:i") << args("TRACE --layer lstm --quantity state:i --out OUT") << 3 << "TRACE"
                             << QStringList {"no quantity 'state:i'"};
    QTest::newRow("no direction") << args("TRACE --layer lstm --quantity h --direction backward --out OUT") << 3
                                  << "TRACE" << QStringList {"no directions"};
    QTest::newRow("cell") << args("TRACE --layer lstm --quantity h --cell 2 --out OUT") << 3 << "TRACE"
                          << QStringList {"1 cell(s)"};
    QTest::newRow("sample") << args("TRACE --layer lstm --quantity h --sample 8 --out OUT") << 3 << "TRACE"
                            << QStringList {"--sample 8 is out of range", "8 sample(s)"};
    QTest::newRow("unit") << args("TRACE --layer lstm --quantity h --units 0,16 --out OUT") << 3 << "TRACE"
                          << QStringList {"--units 16 is out of range", "16 unit(s)"};
    QTest::newRow("truncated trace") << args("CUT --layer lstm --quantity h --out OUT") << 3 << "CUT" << QStringList {};
    QTest::newRow("model, not a trace") << args("MODEL --layer lstm --quantity h --out OUT") << 3 << "MODEL"
                                        << QStringList {"not an RNNScope trace"};
    QTest::newRow("missing trace") << args("MISSING --layer lstm --quantity h --out OUT") << 3 << "MISSING"
                                   << QStringList {};
    QTest::newRow("bad extension") << args("TRACE --layer lstm --quantity h --out fig.jpg") << 2 << ""
                                   << QStringList {"--out must end in .svg, .png or .pdf", "usage:"};
    QTest::newRow("no layer") << args("TRACE --quantity h --out OUT") << 2 << ""
                              << QStringList {"plot needs --layer", "rnnscope-cli plot TRACE.h5"};
    QTest::newRow("bad kind") << args("TRACE --layer lstm --quantity h --kind bars --out OUT") << 2 << ""
                              << QStringList {"--kind is heatmap, lines or samples"};
    QTest::newRow("bad width") << args("TRACE --layer lstm --quantity h --width 0 --out OUT") << 2 << ""
                               << QStringList {"--width 0 is outside"};
    QTest::newRow("unknown option") << args("TRACE --layer lstm --quantity h --colour red --out OUT") << 2 << ""
                                    << QStringList {"unknown option '--colour'"};
}

void TestCliPlot::errors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, file);
    QFETCH(QStringList, expected);

    QTemporaryDir dir;
    const QString cut = dir.filePath(QStringLiteral("cut.h5"));
    {
        QFile f(cut);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(readAll(m_trace).left(readAll(m_trace).size() / 2));
    }
    const QMap<QString, QString> paths {{QStringLiteral("TRACE"), m_trace}, {QStringLiteral("CUT"), cut},
        {QStringLiteral("MODEL"), QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth.h5")},
        {QStringLiteral("MISSING"), dir.filePath(QStringLiteral("missing.h5"))},
        {QStringLiteral("OUT"), dir.filePath(QStringLiteral("fig.svg"))}};
    for (QString& a : args) {
        a = paths.value(a, a);
    }
    const CliResult r = runCli(QStringList {QStringLiteral("plot")} + args);
    QCOMPARE(r.exitCode, exitCode);
    for (const QString& piece : expected) {
        QVERIFY2(r.err.contains(piece), qPrintable(r.err));
    }
    if (exitCode == 3) {
        // One line: "error: <file>: <what is wrong>".
        QVERIFY2(
            r.err.startsWith(QStringLiteral("error: ") + paths.value(file) + QStringLiteral(": ")), qPrintable(r.err));
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
    }
    // Nothing written: not the picture, not a temporary.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList {QStringLiteral("cut.h5")});
}

void TestCliPlot::failureKeepsExistingFile()
{
    const QString out = m_dir.filePath(QStringLiteral("keep.svg"));
    {
        QFile f(out);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("previous picture");
    }
    const CliResult r = runCli({QStringLiteral("plot"), m_trace, QStringLiteral("--layer"), QStringLiteral("lstm"),
        QStringLiteral("--quantity"), QStringLiteral("nope"), QStringLiteral("--out"), out});
    QCOMPARE(r.exitCode, 3);
    QCOMPARE(readAll(out), QByteArray("previous picture"));
}

void TestCliPlot::runsWithoutDisplayOrPlatform()
{
    // A server: no display, and no QT_QPA_PLATFORM. plot picks the offscreen platform itself.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}) {
        env.remove(QString::fromLatin1(name));
    }
    const QString out = m_dir.filePath(QStringLiteral("headless.png"));
    QProcess p;
    p.setProcessEnvironment(env);
    rnnscope::testing::startCli(p,
        {QStringLiteral("plot"), m_trace, QStringLiteral("--layer"), QStringLiteral("lstm"),
            QStringLiteral("--quantity"), QStringLiteral("h"), QStringLiteral("--out"), out});
    QVERIFY(p.waitForFinished(rnnscope::testing::cliTimeoutMs(120000)));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    QCOMPARE(QImage(out).size(), QSize(1200, 700));
}

QTEST_MAIN(TestCliPlot)
#include "tst_cli_plot.moc"
