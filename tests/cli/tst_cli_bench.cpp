// `rnnscope-cli bench`: one "repeat i/N: X ms" line per repetition, then exactly one final line
// "median_ms=... min_ms=... gflops=..." whose median and minimum are those of the repetitions and whose gflops is the
// recurrent layers' multiply-add FLOPs, 2*B*T*(F_in*G*U + U*G*U) per layer, over the median. Synthetic runs of each
// cell kind, with and without the trace, and a real model; usage errors exit 2, bad input files exit 3 naming the
// file. The first line names the thread count: --threads N, else the CPUs the process may run on. Timings themselves
// are never asserted.

#include <algorithm>
#include <cmath>
#include <thread>

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "core/io/npy.h"
#include "tests/support/cli_runner.h"
#include "tests/support/cpu_affinity.h"

using rnnscope::testing::CliResult;
using rnnscope::testing::runCli;

namespace {

struct Summary
{
    QList<double> repeats; // the per-repetition times, in order
    double median = 0.0;
    double min = 0.0;
    double gflops = 0.0;
    int summaryLines = 0;
    bool summaryLast = false; // the summary is the output's last line
};

Summary parseOutput(const QString& out)
{
    static const QRegularExpression repeatLine(QStringLiteral("^repeat (\\d+)/(\\d+): ([0-9]+\\.[0-9]+) ms$"));
    static const QRegularExpression summaryLine(
        QStringLiteral("^median_ms=([0-9]+\\.[0-9]+) min_ms=([0-9]+\\.[0-9]+) gflops=([0-9.eE+-]+)$"));
    Summary s;
    const QStringList lines = out.split('\n', Qt::SkipEmptyParts);
    for (int i = 0; i < lines.size(); ++i) {
        if (const auto m = repeatLine.match(lines[i]); m.hasMatch()) {
            s.repeats.append(m.captured(3).toDouble());
        } else if (const auto m2 = summaryLine.match(lines[i]); m2.hasMatch()) {
            ++s.summaryLines;
            s.summaryLast = i == lines.size() - 1;
            s.median = m2.captured(1).toDouble();
            s.min = m2.captured(2).toDouble();
            s.gflops = m2.captured(3).toDouble();
        }
    }
    return s;
}

// Checks the summary against the repetitions and the FLOP count. Times are printed to 0.0001 ms and gflops to six
// significant digits, so the comparison allows for that rounding and nothing more.
void checkSummary(const Summary& s, int repeats, double flops)
{
    QCOMPARE(s.repeats.size(), repeats);
    QCOMPARE(s.summaryLines, 1);
    QVERIFY(s.summaryLast);
    QVERIFY2(s.median > 0.0 && s.min > 0.0 && s.gflops > 0.0, "median, min and gflops must be positive");
    QList<double> sorted = s.repeats;
    std::sort(sorted.begin(), sorted.end());
    const auto n = sorted.size();
    const double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    QVERIFY2(std::abs(s.median - median) <= 1.01e-4, qPrintable(QString("median %1 vs %2").arg(s.median).arg(median)));
    QVERIFY2(std::abs(s.min - sorted.front()) <= 1e-9, qPrintable(QString("min %1 vs %2").arg(s.min).arg(sorted[0])));
    // The true median lies within half a printed digit of the printed one.
    const double high = flops / ((s.median - 0.5e-4) * 1e6);
    const double low = flops / ((s.median + 0.5e-4) * 1e6);
    QVERIFY2(s.gflops >= low * (1 - 1e-5) && (s.median <= 0.5e-4 || s.gflops <= high * (1 + 1e-5)),
        qPrintable(QString("gflops %1 outside [%2, %3] for %4 FLOP").arg(s.gflops).arg(low).arg(high).arg(flops)));
}

QString example(const QString& name)
{
    return QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/") + name;
}

} // namespace

class TestCliBench : public QObject
{
    Q_OBJECT

private slots:
    void synthetic_data()
    {
        QTest::addColumn<QString>("cell");
        QTest::addColumn<int>("layers");
        QTest::addColumn<QString>("trace");
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<int>("gates");
        QTest::addColumn<QString>("className");
        QTest::newRow("lstm") << "lstm" << 1 << "on" << QStringList() << 4 << "LSTM";
        QTest::newRow("gru") << "gru" << 1 << "on" << QStringList() << 3 << "GRU";
        QTest::newRow("simple_rnn") << "simple_rnn" << 1 << "on" << QStringList() << 1 << "SimpleRNN";
        QTest::newRow("lstm, trace off") << "lstm" << 1 << "off" << QStringList() << 4 << "LSTM";
        QTest::newRow("gru x3, trace off") << "gru" << 3 << "off" << QStringList() << 3 << "GRU";
        QTest::newRow("simple_rnn x2, threads, no warm-up")
            << "simple_rnn" << 2 << "on" << QStringList {"--threads", "2", "--warmup", "0"} << 1 << "SimpleRNN";
    }
    void synthetic()
    {
        QFETCH(QString, cell);
        QFETCH(int, layers);
        QFETCH(QString, trace);
        QFETCH(QStringList, extra);
        QFETCH(int, gates);
        QFETCH(QString, className);
        const int b = 2;
        const int t = 5;
        const int f = 3;
        const int u = 4;
        QStringList args {"bench", "--cell", cell, "--layers", QString::number(layers), "--batch", QString::number(b),
            "--steps", QString::number(t), "--features", QString::number(f), "--units", QString::number(u),
            "--trace=" + trace, "--repeat", "3"};
        args += extra;
        const CliResult r = runCli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(className + "(4"), qPrintable(r.out));
        QVERIFY2(r.out.contains("trace " + trace), qPrintable(r.out));
        double flops = 0.0;
        for (int l = 0; l < layers; ++l) {
            const int in = l == 0 ? f : u;
            flops += 2.0 * b * t * (in * gates * u + u * gates * u);
        }
        checkSummary(parseOutput(r.out), 3, flops);
    }

    void threadCount_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<bool>("oneCpu"); // started as under `taskset -c FIRST`
        QTest::addColumn<int>("expected"); // 0: the CPUs the test may run on
        QTest::newRow("--threads 3") << QStringList {"--threads", "3"} << false << 3;
        QTest::newRow("default: every CPU") << QStringList {} << false << 0;
        QTest::newRow("default: one CPU allowed") << QStringList {} << true << 1;
        QTest::newRow("--threads 2 on one CPU") << QStringList {"--threads", "2"} << true << 2;
    }
    void threadCount()
    {
        QFETCH(QStringList, extra);
        QFETCH(bool, oneCpu);
        QFETCH(int, expected);
        const cpu_set_t allowed = rnnscope::testing::threadAffinity();
        QVERIFY2(CPU_COUNT(&allowed) > 0, "the thread's affinity mask is readable and not empty");
        if (expected == 0) {
            expected = CPU_COUNT(&allowed);
        }
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("RNNSCOPE_THREADS"));
        const QStringList args = QStringList {"bench", "--cell", "gru", "--batch", "4", "--steps", "3", "--features",
                                     "2", "--units", "4", "--repeat", "1"}
            + extra;
        CliResult r;
        // The child inherits the affinity of the thread that starts it: a thread of its own, narrowed or not.
        std::thread([&] {
            if (oneCpu) {
                using namespace rnnscope::testing;
                setThreadAffinity(onlyCpu(cpusIn(allowed).front()));
            }
            r = runCli(args, 120000, environment);
        }).join();
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString first = r.out.section('\n', 0, 0);
        QVERIFY2(first.endsWith(QStringLiteral(", threads=%1").arg(expected)), qPrintable(first));
    }

    void realModel_data()
    {
        QTest::addColumn<QString>("trace");
        QTest::newRow("trace on") << "on";
        QTest::newRow("trace off") << "off";
    }
    void realModel()
    {
        QFETCH(QString, trace);
        const CliResult r = runCli({"bench", example("bracket_depth.h5"), "--input", example("bracket_depth_input.npy"),
            "--repeat", "2", "--trace", trace});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        // LSTM(16) on 4 one-hot features, input [8, 32, 4]; the TimeDistributed Dense is not counted.
        const double flops = 2.0 * 8 * 32 * (4 * 4 * 16 + 16 * 4 * 16);
        checkSummary(parseOutput(r.out), 2, flops);
    }

    void help()
    {
        const CliResult r = runCli({"bench", "--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("rnnscope-cli bench --cell lstm|gru|simple_rnn"));
        QVERIFY(r.out.contains("2*B*T*(F_in*G*U + U*G*U)"));
        QVERIFY(r.out.contains("RNNSCOPE_THREADS"));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QStringList shape {"--batch", "2", "--steps", "5", "--features", "3", "--units", "4"};
        QTest::newRow("nothing") << QStringList {} << "bench needs a MODEL, or --cell";
        QTest::newRow("unknown cell") << (QStringList {"--cell", "transformer"} + shape)
                                      << "--cell is lstm, gru or simple_rnn, not 'transformer'";
        QTest::newRow("missing --units") << QStringList {"--cell", "lstm", "--batch", "2", "--steps", "5", "--features",
            "3"} << "bench --cell needs --units";
        QTest::newRow("missing --cell") << shape << "--cell";
        QTest::newRow("not a number") << (QStringList {"--cell", "gru", "--batch", "two"} + shape.mid(2))
                                      << "--batch takes a whole number, not 'two'";
        QTest::newRow("trailing junk") << (QStringList {"--cell", "gru", "--steps", "5x"} + shape.mid(0, 2)
            + shape.mid(4)) << "--steps takes a whole number, not '5x'";
        QTest::newRow("zero units") << (QStringList {"--cell", "gru"} + shape.mid(0, 6) + QStringList {"--units", "0"})
                                    << "--units 0 is outside";
        QTest::newRow("negative repeat") << (QStringList {"--cell", "lstm", "--repeat", "-1"} + shape)
                                         << "--repeat -1 is outside";
        QTest::newRow("bad trace") << (QStringList {"--cell", "lstm", "--trace", "maybe"} + shape)
                                   << "--trace takes on or off, not 'maybe'";
        QTest::newRow("no value") << (QStringList {"--cell", "lstm"} + shape + QStringList {"--repeat"})
                                  << "--repeat needs a value";
        QTest::newRow("unknown option") << (QStringList {"--cell", "lstm", "--fast", "1"} + shape)
                                        << "unknown option '--fast' for bench";
        QTest::newRow("too large") << QStringList {"--cell", "lstm", "--batch", "65536", "--steps", "65536",
            "--features", "1", "--units", "1"}
                                   << "too large";
        QTest::newRow("model without input") << QStringList {example("bracket_depth.h5")} << "needs --input";
        QTest::newRow("model with --cell") << QStringList {example("bracket_depth.h5"), "--input",
            example("bracket_depth_input.npy"), "--cell", "lstm"}
                                           << "takes no --cell";
        QTest::newRow("input without model")
            << (QStringList {"--cell", "lstm", "--input", "x.npy"} + shape) << "--input needs a MODEL";
        QTest::newRow("two models") << QStringList {example("bracket_depth.h5"), "other.h5", "--input", "x.npy"}
                                    << "unexpected argument 'other.h5'";
        QTest::newRow("two inputs for one") << QStringList {example("bracket_depth.h5"), "--input",
            example("bracket_depth_input.npy"), "--input", example("bracket_depth_input.npy")}
                                            << "the model takes 1 input(s) but 2 --input file(s) were given";
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const CliResult r = runCli(QStringList {"bench"} + args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith("error: ") && r.err.contains(message), qPrintable(r.err));
        QVERIFY2(r.err.contains("rnnscope-cli bench"), "the usage follows the error");
        QVERIFY2(!r.out.contains("median_ms="), qPrintable(r.out));
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("named"); // the file the error line must name
        QTest::newRow("missing model") << "missing-model.h5" << example("bracket_depth_input.npy")
                                       << "missing-model.h5";
        QTest::newRow("missing input") << example("bracket_depth.h5") << "missing-input.npy"
                                       << "missing-input.npy";
        QTest::newRow("input of the wrong shape") << example("bracket_depth.h5") << "wrong.npy"
                                                  << "wrong.npy";
        QTest::newRow("not a model") << example("bracket_depth_input.npy") << example("bracket_depth_input.npy")
                                     << "bracket_depth_input.npy";
    }
    void badInput()
    {
        QFETCH(QString, model);
        QFETCH(QString, input);
        QFETCH(QString, named);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // Relative names are made in the temporary directory: only wrong.npy exists there, [2, 5, 3] (3 features,
        // the model wants 4).
        rnnscope::io::writeNpy(dir.filePath("wrong.npy").toStdString(), rnnscope::Tensor({2, 5, 3}));
        const auto inDir = [&](const QString& p) { return p.startsWith('/') ? p : dir.filePath(p); };
        const CliResult r = runCli({"bench", inDir(model), "--input", inDir(input), "--repeat", "1"});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.startsWith("error: ") && r.err.contains(named + ": "), qPrintable(r.err));
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(!r.out.contains("median_ms="), qPrintable(r.out));
    }
};

QTEST_GUILESS_MAIN(TestCliBench)
#include "tst_cli_bench.moc"
