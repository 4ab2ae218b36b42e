// `rnnscope-cli run` on the bundled example with the trace options of the speed and hardening issues: recording only
// some quantities or layers, streaming the HDF5 trace a window at a time, the memory budget, and a run that
// produces NaN. Every case runs the built CLI as a user would.

#include <algorithm>
#include <cmath>
#include <memory>

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include "core/io/npy.h"
#include "core/io/trace_reader.h"
#include "tests/support/cli_runner.h"

using namespace rnnscope;
using rnnscope::testing::runCli;

namespace {

const QString kModel = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth.h5");
const QString kInput = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/bracket_depth_input.npy");

bool sameSeries(const TraceSeries& a, const TraceSeries& b)
{
    return a.steps() == b.steps() && a.batch() == b.batch() && a.width() == b.width()
        && std::equal(a.values().begin(), a.values().end(), b.values().begin(), b.values().end());
}

} // namespace

class TestCliTraceOptions : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void quantitiesNarrowTheTrace_data()
    {
        QTest::addColumn<QString>("quantities");
        QTest::addColumn<bool>("input");
        QTest::addColumn<bool>("states");
        QTest::addColumn<bool>("gates");
        QTest::addColumn<bool>("output");
        QTest::newRow("states") << "states" << false << true << false << false;
        QTest::newRow("gates,output") << "gates,output" << false << false << true << true;
        QTest::newRow("input") << "input" << true << false << false << false;
        QTest::newRow("all four") << "input,states,gates,output" << true << true << true << true;
    }
    // What is recorded is what was asked for, and equal to the same series of a full trace.
    void quantitiesNarrowTheTrace()
    {
        QFETCH(QString, quantities);
        QFETCH(bool, input);
        QFETCH(bool, states);
        QFETCH(bool, gates);
        QFETCH(bool, output);
        const QString full = m_dir.filePath(QStringLiteral("full.h5"));
        if (!QFile::exists(full)) {
            const auto r
                = runCli({"run", kModel, "--input", kInput, "--out", m_dir.filePath("o-full"), "--trace", full});
            QCOMPARE(r.exitCode, 0);
        }
        const QString path = m_dir.filePath(QStringLiteral("q-%1.h5").arg(QString(quantities).replace(',', '-')));
        const auto r = runCli({"run", kModel, "--input", kInput, "--out", m_dir.filePath("o-q"), "--trace", path,
            "--trace-quantities", quantities});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const RunSnapshot got = io::readTraceHdf5(path.toStdString());
        const RunSnapshot want = io::readTraceHdf5(full.toStdString());
        QVERIFY2(got.error.empty(), got.error.c_str());
        QCOMPARE(got.trace.layers.size(), std::size_t {1});
        const LayerTrace& g = got.trace.layers.front();
        const LayerTrace& w = want.trace.layers.front();
        QCOMPARE(!g.input.empty(), input);
        QCOMPARE(!g.output.empty(), output);
        QCOMPARE(!g.cells.front().states.empty(), states);
        QCOMPARE(!g.cells.front().gates.empty(), gates);
        if (input) {
            QVERIFY(sameSeries(g.input, w.input));
        }
        if (output) {
            QVERIFY(sameSeries(g.output, w.output));
        }
        if (states) {
            QVERIFY(sameSeries(g.cells.front().states.at(1), w.cells.front().states.at(1)));
        }
        if (gates) {
            QVERIFY(sameSeries(g.cells.front().gates.at(0), w.cells.front().gates.at(0)));
        }
        QCOMPARE(g.stepTime, w.stepTime);
    }

    // A streamed trace (2 steps at a time) equals the one written whole (the CLI writes it whole when an .npy trace
    // is asked for as well).
    void streamedTraceEqualsWholeTrace()
    {
        const QString streamed = m_dir.filePath(QStringLiteral("streamed.h5"));
        const QString whole = m_dir.filePath(QStringLiteral("whole.h5"));
        auto r = runCli({"run", kModel, "--input", kInput, "--out", m_dir.filePath("o-s"), "--trace", streamed,
            "--trace-stream=2"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        r = runCli({"run", kModel, "--input", kInput, "--out", m_dir.filePath("o-w"), "--trace", whole, "--trace-npy",
            m_dir.filePath("npy")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const RunSnapshot s = io::readTraceHdf5(streamed.toStdString());
        const RunSnapshot w = io::readTraceHdf5(whole.toStdString());
        const LayerTrace& a = s.trace.layers.at(0);
        const LayerTrace& b = w.trace.layers.at(0);
        QVERIFY(sameSeries(a.input, b.input));
        QVERIFY(sameSeries(a.output, b.output));
        for (std::size_t i = 0; i < b.cells.front().states.size(); ++i) {
            QVERIFY(sameSeries(a.cells.front().states.at(i), b.cells.front().states.at(i)));
        }
        QVERIFY(sameSeries(a.cells.front().gates.at(0), b.cells.front().gates.at(0)));
        QVERIFY(s.outputs.at(0).second.values() == w.outputs.at(0).second.values());
        QVERIFY(!QDir(m_dir.path()).entryList(QDir::Hidden | QDir::Files).join(' ').contains("streaming"));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("message");
        QTest::newRow("stream without trace") << QStringList {"--trace-stream"} << "need a trace";
        QTest::newRow("quantities without trace") << QStringList {"--trace-quantities", "states"} << "need a trace";
        QTest::newRow("stream window 0") << QStringList {"--trace", "t.h5", "--trace-stream=0"} << "STEPS";
        QTest::newRow("stream with csv") << QStringList {"--trace", "t.h5", "--trace-csv", "d", "--trace-stream"}
                                         << "whole trace in memory";
        QTest::newRow("unknown quantity")
            << QStringList {"--trace", "t.h5", "--trace-quantities", "states,cells"} << "not 'cells'";
        QTest::newRow("empty layer name")
            << QStringList {"--trace", "t.h5", "--trace-layers", "lstm,"} << "comma-separated";
        QTest::newRow("bad budget") << QStringList {"--memory-budget", "lots"} << "is not a size";
    }
    void usageErrors()
    {
        QFETCH(QStringList, extra);
        QFETCH(QString, message);
        const auto r = runCli(QStringList {"run", kModel, "--input", kInput, "--out", m_dir.filePath("o-u")} + extra);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    void unknownTraceLayerNamesTheModel()
    {
        const auto r = runCli({"run", kModel, "--input", kInput, "--out", m_dir.filePath("o-l"), "--trace",
            m_dir.filePath("l.h5"), "--trace-layers", "encoder"});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("no recurrent layer named 'encoder'"), qPrintable(r.err));
        QVERIFY2(r.err.contains("recurrent layers: lstm"), qPrintable(r.err));
        QVERIFY2(r.err.contains(kModel), qPrintable(r.err));
        QVERIFY(!QFile::exists(m_dir.filePath("l.h5")));
    }

    void budgetRefusesATraceThatDoesNotFit_data()
    {
        QTest::addColumn<QStringList>("budget");
        QTest::addColumn<QString>("envBudget");
        QTest::newRow("flag") << QStringList {"--memory-budget", "56M"} << QString();
        QTest::newRow("environment") << QStringList {} << QStringLiteral("56M");
    }
    // The budget caps everything the process holds (the input, the run's buffers, the trace, the copies the .npy
    // export makes), so the sizes are large enough for the libraries' own heap to be noise. On [8, 20000, 4] the
    // whole trace alone is 74 MB and cannot fit in 56 MB: a clear error naming the model and the budget, and no
    // trace left behind. Recording only the states (20 MB) fits: the run peaks at about 43 MB of heap.
    void budgetRefusesATraceThatDoesNotFit()
    {
        QFETCH(QStringList, budget);
        QFETCH(QString, envBudget);
        const QString input = m_dir.filePath(QStringLiteral("long.npy"));
        if (!QFile::exists(input)) {
            Tensor x({8, 20000, 4});
            for (Index i = 0; i < 8 * 20000; ++i) {
                x.data()[i * 4 + (i * 7919) % 4] = 1.0F; // one bracket character per step
            }
            io::writeNpy(input.toStdString(), x);
        }
        qputenv("RNNSCOPE_MEMORY_BUDGET", envBudget.toUtf8());
        const std::unique_ptr<void, void (*)(void*)> unset(
            this, [](void*) { qunsetenv("RNNSCOPE_MEMORY_BUDGET"); }); // also when a check below fails
        const QString npy = m_dir.filePath(QStringLiteral("budget-npy-") + QLatin1String(QTest::currentDataTag()));
        auto r = runCli(
            QStringList {"run", kModel, "--input", input, "--out", m_dir.filePath("o-b"), "--trace-npy", npy} + budget);
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("memory budget is 56.0 MB"), qPrintable(r.err));
        QVERIFY2(r.err.contains("recording the trace of LSTMCell"), qPrintable(r.err));
        QVERIFY2(r.err.contains(kModel), qPrintable(r.err));
        QVERIFY(!QFile::exists(npy + QStringLiteral("/trace.json")));
        r = runCli(QStringList {"run", kModel, "--input", input, "--out", m_dir.filePath("o-b2"), "--trace-npy", npy,
                       "--trace-quantities", "states"}
            + budget);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(QFile::exists(npy + QStringLiteral("/trace.json")));
    }

    // A NaN in the input runs to the end (Keras would too): the outputs are written, with a warning saying how many
    // values are not finite.
    void nanRunsOnAndIsReported()
    {
        const io::NpyArray in = io::readNpy(kInput.toStdString());
        Tensor x = io::toTensor(in, kInput.toStdString());
        x.data()[5] = std::nanf("");
        const QString path = m_dir.filePath(QStringLiteral("nan.npy"));
        io::writeNpy(path.toStdString(), x);
        const auto r = runCli({"run", kModel, "--input", path, "--out", m_dir.filePath("o-nan")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("non-finite value(s) (NaN or Inf)"), qPrintable(r.err));
        const Tensor out = io::toTensor(io::readNpy(m_dir.filePath("o-nan/output_0.npy").toStdString()), "out");
        QVERIFY(std::any_of(out.values().begin(), out.values().end(), [](float v) { return std::isnan(v); }));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCliTraceOptions)
#include "tst_cli_trace_options.moc"
