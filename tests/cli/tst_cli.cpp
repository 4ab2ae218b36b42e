// End-to-end tests of the built rnnscope-cli: it is run as a user would run it, on files, and the .npy files it
// writes are compared with reference outputs it did not compute (the golden fixtures and the Keras-computed
// outputs in shared/real-models). Bad input must give exit status 3 and one line "error: <file>: <problem>";
// usage errors exit 2.

#include <charconv>
#include <fstream>

#include <QDir>
#include <QFile>
#include <QObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "cli_fixture.h"
#include "core/io/hdf5_file.h"
#include "core/io/npy.h"
#include "tests/support/cli_runner.h"
#include "tests/support/golden_compare.h"

using namespace rnnscope;
using nlohmann::json;

using rnnscope::testing::CliResult;
using rnnscope::testing::runCli;

namespace {

QString realModel(const char* name)
{
    return QStringLiteral(RNNSCOPE_SHARED_DIR "/real-models/") + QLatin1String(name);
}

Tensor readOutput(const QString& path)
{
    return io::toTensor(io::readNpy(path.toStdString()), path.toStdString());
}

std::vector<double> toDoubles(const std::vector<float>& v)
{
    return {v.begin(), v.end()};
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void goldenCaseThroughFiles_data();
    void goldenCaseThroughFiles();
    void kerasComputedDl4j_data();
    void kerasComputedDl4j();
    void weightsOnlyWithConfig();
    void statefulGruAcrossCalls();
    void bundledExample();
    void infoDescribesModel();
    void badInputExits3_data();
    void badInputExits3();
    void usageErrorExits2_data();
    void usageErrorExits2();
    void optionOverrideChangesOutput();
    void traceFileIsWritten();
    void sameInputInEveryFormat();
    void paddedCsvDerivesMask();
    void embeddingFromText_data();
    void embeddingFromText();
    void sequenceFlagUsageErrors_data();
    void sequenceFlagUsageErrors();
    void badSequenceInputExits3_data();
    void badSequenceInputExits3();
};

void TestCli::goldenCaseThroughFiles_data()
{
    QTest::addColumn<QString>("file");
    const QDir dir(QStringLiteral(RNNSCOPE_TEST_DATA "/golden"));
    for (const QString& f : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        QTest::newRow(qPrintable(f)) << dir.filePath(f);
    }
}

void TestCli::goldenCaseThroughFiles()
{
    QFETCH(QString, file);
    std::ifstream in(file.toStdString());
    const json golden = json::parse(in);
    // `--then` is the next predict() on the same instance and the command line has no reset_states() between
    // calls, so a case that resets is checked up to its first reset (tst_golden_models covers the resets).
    const auto resets = golden.value("reset_states_before_call", std::vector<bool> {});
    std::size_t callCount = golden.at("calls").size();
    for (std::size_t c = 1; c < resets.size(); ++c) {
        if (resets[c]) {
            callCount = std::min(callCount, c);
        }
    }
    QTemporaryDir tmp;
    const QString config = tmp.filePath(QStringLiteral("model.json"));
    const QString weights = tmp.filePath(QStringLiteral("weights.h5"));
    testing::writeJson(golden.at("model_config"), config.toStdString());
    testing::writeLegacyWeights(golden, weights.toStdString());
    QStringList args {QStringLiteral("run"), config, QStringLiteral("--weights"), weights};
    const auto& calls = golden.at("calls");
    for (std::size_t c = 0; c < callCount; ++c) {
        if (c > 0) {
            args << QStringLiteral("--then");
        }
        std::size_t k = 0;
        for (const auto& x : calls[c].at("inputs")) {
            const QString path = tmp.filePath(QStringLiteral("call%1_in%2.npy").arg(c).arg(k++));
            io::writeNpy(path.toStdString(), testing::tensorFromJson(x));
            args << QStringLiteral("--input") << path;
        }
        if (!calls[c].at("mask").is_null()) {
            const auto& m = calls[c].at("mask");
            const auto values = m.at("data").get<std::vector<std::uint8_t>>();
            const QString path = tmp.filePath(QStringLiteral("call%1_mask.npy").arg(c));
            io::writeNpy(path.toStdString(), m.at("shape").get<Shape>(), values.data(), true);
            args << QStringLiteral("--mask") << path;
        }
    }
    const QString out = tmp.filePath(QStringLiteral("out"));
    args << QStringLiteral("--out") << out;
    const CliResult r = runCli(args);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    for (std::size_t c = 0; c < callCount; ++c) {
        const QString dir = callCount == 1 ? out : out + QStringLiteral("/call_%1").arg(c);
        const auto& want = calls[c].at("outputs");
        for (std::size_t k = 0; k < want.size(); ++k) {
            const Tensor got = readOutput(dir + QStringLiteral("/output_%1.npy").arg(k));
            RNNSCOPE_COMPARE_VALUES(
                got, want[k].at("shape").get<Shape>(), want[k].at("data").get<std::vector<double>>(), 1e-5);
        }
        QVERIFY(!QFile::exists(dir + QStringLiteral("/output_%1.npy").arg(want.size())));
    }
}

void TestCli::kerasComputedDl4j_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("io");
    QTest::addColumn<QString>("inputDataset");
    QTest::newRow("SimpleRNN, Keras 2.1.3") << realModel("dl4j_simplernn_k213_model.h5")
                                            << realModel("dl4j_simplernn_k213_io.h5") << "inputs/simple_rnn_1_input";
    QTest::newRow("LSTM hard_sigmoid, Keras 2.1.3")
        << realModel("dl4j_lstm_hardsig_k213_model.h5") << realModel("dl4j_lstm_hardsig_k213_io.h5")
        << "inputs/lstm_1_input";
}

void TestCli::kerasComputedDl4j()
{
    QFETCH(QString, model);
    QFETCH(QString, io);
    QFETCH(QString, inputDataset);
    QTemporaryDir tmp;
    auto file = io::Hdf5File::openReadOnly(io.toStdString());
    const auto x = file.root().dataset(inputDataset.toStdString());
    const QString xPath = tmp.filePath(QStringLiteral("x.npy"));
    io::writeNpy(xPath.toStdString(), Tensor(x.shape(), x.readFloat32()));
    const auto want = file.root().dataset("predictions/dense_1");
    const CliResult r = runCli({QStringLiteral("run"), model, QStringLiteral("--input"), xPath, QStringLiteral("--out"),
        tmp.filePath(QStringLiteral("out"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const Tensor got = readOutput(tmp.filePath(QStringLiteral("out/output_0.npy")));
    RNNSCOPE_COMPARE_VALUES(got, want.shape(), toDoubles(want.readFloat32()), 1e-5);
}

void TestCli::weightsOnlyWithConfig()
{
    // The weights-only file of the LSTM model plus its config as .json computes what Keras computed.
    QTemporaryDir tmp;
    const QString config = tmp.filePath(QStringLiteral("config.json"));
    {
        auto full = io::Hdf5File::openReadOnly(realModel("dl4j_lstm_hardsig_k213_model.h5").toStdString());
        std::ofstream(config.toStdString()) << full.root().stringAttribute("model_config");
    }
    auto ioFile = io::Hdf5File::openReadOnly(realModel("dl4j_lstm_hardsig_k213_io.h5").toStdString());
    const auto x = ioFile.root().dataset("inputs/lstm_1_input");
    const QString xPath = tmp.filePath(QStringLiteral("x.npy"));
    io::writeNpy(xPath.toStdString(), Tensor(x.shape(), x.readFloat32()));
    const CliResult r = runCli(
        {QStringLiteral("run"), config, QStringLiteral("--weights"), realModel("dl4j_lstm_hardsig_k213_weights.h5"),
            QStringLiteral("--input"), xPath, QStringLiteral("--out"), tmp.filePath(QStringLiteral("out"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const auto want = ioFile.root().dataset("predictions/dense_1");
    RNNSCOPE_COMPARE_VALUES(readOutput(tmp.filePath(QStringLiteral("out/output_0.npy"))), want.shape(),
        toDoubles(want.readFloat32()), 1e-5);
}

void TestCli::statefulGruAcrossCalls()
{
    // frugally-deep's stateful test (real-models README): GRU(1, linear, reset_after=True, no bias) saved by
    // tf.keras 2.2.4-tf; x = [[[1],[0],[0]]], h0 = [[10]]. Stateless -> [-7.676248, -7.5144324, -7.3429837]; the
    // stateful model's second call (TF 2.1) ignores the passed initial_state because its recorded state is non-zero
    // -> [-7.247089, -7.058707, -6.857616].
    QTemporaryDir tmp;
    const QString x = tmp.filePath(QStringLiteral("x.npy"));
    const QString h0 = tmp.filePath(QStringLiteral("h0.npy"));
    io::writeNpy(x.toStdString(), Tensor({1, 3, 1}, {1.0F, 0.0F, 0.0F}));
    io::writeNpy(h0.toStdString(), Tensor({1, 1}, {10.0F}));
    const std::vector<double> first {-7.676248, -7.5144324, -7.3429837};
    const std::vector<double> second {-7.247089, -7.058707, -6.857616};

    CliResult r = runCli({QStringLiteral("run"), realModel("fdeep_gru_stateless_tk224.h5"), QStringLiteral("--input"),
        x, QStringLiteral("--input"), h0, QStringLiteral("--out"), tmp.filePath(QStringLiteral("a"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    RNNSCOPE_COMPARE_VALUES(readOutput(tmp.filePath(QStringLiteral("a/output_0.npy"))), (Shape {1, 3, 1}), first, 1e-5);

    r = runCli({QStringLiteral("run"), realModel("fdeep_gru_stateful_tk224.h5"), QStringLiteral("--input"), x,
        QStringLiteral("--input"), h0, QStringLiteral("--then"), QStringLiteral("--input"), x,
        QStringLiteral("--input"), h0, QStringLiteral("--out"), tmp.filePath(QStringLiteral("b"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    RNNSCOPE_COMPARE_VALUES(
        readOutput(tmp.filePath(QStringLiteral("b/call_0/output_0.npy"))), (Shape {1, 3, 1}), first, 1e-5);
    RNNSCOPE_COMPARE_VALUES(
        readOutput(tmp.filePath(QStringLiteral("b/call_1/output_0.npy"))), (Shape {1, 3, 1}), second, 1e-5);
}

void TestCli::bundledExample()
{
    // The example the README runs: outputs equal what TF.js computed for the same weights and inputs.
    const QString dir = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/");
    QTemporaryDir tmp;
    const CliResult r
        = runCli({QStringLiteral("run"), dir + QStringLiteral("bracket_depth.h5"), QStringLiteral("--input"),
            dir + QStringLiteral("bracket_depth_input.npy"), QStringLiteral("--out"), tmp.path()});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const Tensor want = readOutput(dir + QStringLiteral("bracket_depth_expected.npy"));
    RNNSCOPE_COMPARE_VALUES(
        readOutput(tmp.filePath(QStringLiteral("output_0.npy"))), (Shape {8, 32, 6}), toDoubles(want.values()), 1e-5);
}

void TestCli::infoDescribesModel()
{
    const CliResult r = runCli({QStringLiteral("info"), realModel("dl4j_lstm_hardsig_k213_model.h5")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("Keras 2.1.3")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("clip(0.2x + 0.5, 0, 1)")));
    QVERIFY(r.out.contains(QStringLiteral("lstm_1 (LSTM)")));
    QVERIFY(r.out.contains(QStringLiteral("(25, 50)")));
    QVERIFY(r.out.contains(QStringLiteral("recurrent_kernel (50, 200)")));
    QVERIFY(r.out.contains(QStringLiteral("Total params: 10451")));
}

void TestCli::badInputExits3_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing model file") << "missingModel"
                                        << "no_such_model.h5";
    QTest::newRow("text file as model") << "textModel"
                                        << "notes.txt";
    QTest::newRow("truncated HDF5 model") << "truncated"
                                          << "truncated.h5";
    QTest::newRow("weights-only file as model") << "weightsOnly"
                                                << "dl4j_lstm_hardsig_k213_weights.h5";
    QTest::newRow("config without weights") << "configNoWeights"
                                            << "config.json";
    QTest::newRow("unknown layer class") << "unknownLayer"
                                         << "FancyLSTM";
    QTest::newRow("weights of another model") << "wrongWeights"
                                              << "weights.h5";
    QTest::newRow("input of the wrong shape") << "wrongInputShape"
                                              << "x.npy";
    QTest::newRow("input that is not .npy") << "corruptInput"
                                            << "x.npy";
    QTest::newRow("missing input file") << "missingInput"
                                        << "nothing.npy";
    QTest::newRow("mask of the wrong shape") << "wrongMask"
                                             << "m.npy";
    QTest::newRow("initial state of the wrong shape") << "wrongState"
                                                      << "s.npy";
    QTest::newRow("option that breaks the model") << "breakingOption"
                                                  << "model.json";
}

void TestCli::badInputExits3()
{
    QFETCH(QString, kind);
    QFETCH(QString, mentions);
    QTemporaryDir tmp;
    const QString lstm = realModel("dl4j_lstm_hardsig_k213_model.h5");
    const QString x = tmp.filePath(QStringLiteral("x.npy"));
    io::writeNpy(x.toStdString(), Tensor({25, 1, 1}, 0.5F));
    const QString out = tmp.filePath(QStringLiteral("out"));
    QStringList args {QStringLiteral("run"), lstm, QStringLiteral("--input"), x, QStringLiteral("--out"), out};
    auto goldenFiles = [&](const char* name, const QString& configPath) {
        std::ifstream in(std::string(RNNSCOPE_TEST_DATA "/golden/") + name);
        const json golden = json::parse(in);
        testing::writeLegacyWeights(golden, tmp.filePath(QStringLiteral("weights.h5")).toStdString());
        testing::writeJson(golden.at("model_config"), configPath.toStdString());
        return golden;
    };
    if (kind == "missingModel") {
        args[1] = tmp.filePath(QStringLiteral("no_such_model.h5"));
    } else if (kind == "textModel") {
        std::ofstream(tmp.filePath(QStringLiteral("notes.txt")).toStdString()) << "not a model\n";
        args[1] = tmp.filePath(QStringLiteral("notes.txt"));
    } else if (kind == "truncated") {
        QFile src(lstm);
        QVERIFY(src.open(QIODevice::ReadOnly));
        QFile dst(tmp.filePath(QStringLiteral("truncated.h5")));
        QVERIFY(dst.open(QIODevice::WriteOnly));
        dst.write(src.read(3000));
        dst.close();
        args[1] = dst.fileName();
    } else if (kind == "weightsOnly") {
        args[1] = realModel("dl4j_lstm_hardsig_k213_weights.h5");
    } else if (kind == "configNoWeights") {
        goldenFiles("lstm_basic.json", tmp.filePath(QStringLiteral("config.json")));
        args[1] = tmp.filePath(QStringLiteral("config.json"));
    } else if (kind == "unknownLayer") {
        std::ifstream in(RNNSCOPE_TEST_DATA "/golden/lstm_basic.json");
        json golden = json::parse(in);
        for (auto& layer : golden["model_config"]["config"]["layers"]) {
            if (layer["class_name"] == "LSTM") {
                layer["class_name"] = "FancyLSTM";
            }
        }
        testing::writeLegacyWeights(golden, tmp.filePath(QStringLiteral("weights.h5")).toStdString());
        testing::writeJson(golden.at("model_config"), tmp.filePath(QStringLiteral("model.json")).toStdString());
        args = QStringList {QStringLiteral("run"), tmp.filePath(QStringLiteral("model.json")),
            QStringLiteral("--weights"), tmp.filePath(QStringLiteral("weights.h5")), QStringLiteral("--input"), x,
            QStringLiteral("--out"), out};
    } else if (kind == "wrongWeights") {
        goldenFiles("gru_basic.json", tmp.filePath(QStringLiteral("unused.json")));
        goldenFiles("lstm_basic.json", tmp.filePath(QStringLiteral("model.json")));
        goldenFiles("gru_basic.json", tmp.filePath(QStringLiteral("unused.json"))); // weights.h5 now holds a GRU's
        args = QStringList {QStringLiteral("run"), tmp.filePath(QStringLiteral("model.json")),
            QStringLiteral("--weights"), tmp.filePath(QStringLiteral("weights.h5")), QStringLiteral("--input"), x,
            QStringLiteral("--out"), out};
    } else if (kind == "wrongInputShape") {
        io::writeNpy(x.toStdString(), Tensor({25, 1, 3}, 0.5F));
    } else if (kind == "corruptInput") {
        std::ofstream(x.toStdString()) << "\x93NUMPY garbage";
    } else if (kind == "missingInput") {
        args[3] = tmp.filePath(QStringLiteral("nothing.npy"));
    } else if (kind == "wrongMask") {
        const std::vector<std::uint8_t> m(25 * 4, 1);
        io::writeNpy(tmp.filePath(QStringLiteral("m.npy")).toStdString(), Shape {25, 4}, m.data(), true);
        args << QStringLiteral("--mask") << tmp.filePath(QStringLiteral("m.npy"));
    } else if (kind == "wrongState") {
        io::writeNpy(tmp.filePath(QStringLiteral("s.npy")).toStdString(), Tensor({25, 7}, 0.0F));
        io::writeNpy(tmp.filePath(QStringLiteral("c.npy")).toStdString(), Tensor({25, 50}, 0.0F));
        args << QStringLiteral("--initial-state") << tmp.filePath(QStringLiteral("s.npy"))
             << QStringLiteral("--initial-state") << tmp.filePath(QStringLiteral("c.npy"));
    } else if (kind == "breakingOption") {
        // lstm -> lstm: the first one stops returning sequences, so the second gets a rank-2 input.
        const json golden = goldenFiles("lstm_stacked_layers.json", tmp.filePath(QStringLiteral("model.json")));
        const auto& in0 = golden.at("calls")[0].at("inputs")[0];
        io::writeNpy(x.toStdString(), testing::tensorFromJson(in0));
        std::string first;
        for (const auto& layer : golden.at("model_config").at("config").at("layers")) {
            if (layer.at("class_name") == "LSTM" && first.empty()) {
                first = layer.at("config").at("name").get<std::string>();
            }
        }
        args = QStringList {QStringLiteral("run"), tmp.filePath(QStringLiteral("model.json")),
            QStringLiteral("--weights"), tmp.filePath(QStringLiteral("weights.h5")), QStringLiteral("--input"), x,
            QStringLiteral("--layer"), QString::fromStdString(first), QStringLiteral("--return-sequences=off"),
            QStringLiteral("--out"), out};
    }
    const CliResult r = runCli(args);
    QCOMPARE(r.exitCode, 3);
    const QStringList lines = r.err.trimmed().split(QLatin1Char('\n'));
    QVERIFY2(lines.size() == 1, qPrintable(r.err));
    QVERIFY2(lines[0].startsWith(QStringLiteral("error: ")), qPrintable(r.err));
    QVERIFY2(lines[0].contains(mentions), qPrintable(r.err));
    QVERIFY2(!QFile::exists(out + QStringLiteral("/output_0.npy")), "an output was written despite the error");
    const QStringList leftovers = QDir(tmp.path()).entryList({QStringLiteral("*.tmp*")}, QDir::Files);
    QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(QLatin1Char(' '))));
}

void TestCli::usageErrorExits2_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions");
    const QString lstm = realModel("dl4j_lstm_hardsig_k213_model.h5");
    const QString fdeep = realModel("fdeep_lstm_stateful_k225.h5");
    QTest::newRow("no command") << QStringList {} << "no command";
    QTest::newRow("unknown command") << QStringList {QStringLiteral("frobnicate")} << "unknown command";
    QTest::newRow("unknown option") << QStringList {QStringLiteral("info"), lstm, QStringLiteral("--colour")}
                                    << "--colour";
    QTest::newRow("run without --out") << QStringList {QStringLiteral("run"), lstm, QStringLiteral("--input"),
        QStringLiteral("x.npy")} << "--out";
    QTest::newRow("bad switch value") << QStringList {QStringLiteral("run"), lstm, QStringLiteral("--input"),
        QStringLiteral("x.npy"), QStringLiteral("--go-backwards=maybe"), QStringLiteral("--out"), QStringLiteral("o")}
                                      << "on or off";
    QTest::newRow("ambiguous layer") << QStringList {QStringLiteral("run"), fdeep, QStringLiteral("--input"),
        QStringLiteral("x.npy"), QStringLiteral("--go-backwards=on"), QStringLiteral("--out"), QStringLiteral("o")}
                                     << "--layer";
    QTest::newRow("unknown layer") << QStringList {QStringLiteral("run"), lstm, QStringLiteral("--input"),
        QStringLiteral("x.npy"), QStringLiteral("--layer"), QStringLiteral("nope"), QStringLiteral("--out"),
        QStringLiteral("o")} << "nope";
}

void TestCli::usageErrorExits2()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    const CliResult r = runCli(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.startsWith(QStringLiteral("error: ")), qPrintable(r.err));
    QVERIFY2(r.err.section(QLatin1Char('\n'), 0, 0).contains(mentions), qPrintable(r.err));
}

void TestCli::optionOverrideChangesOutput()
{
    // --go-backwards=on on a golden LSTM gives what the engine gives on the time-reversed input, and
    // --return-sequences=on gives one output per step whose last step is the default run's output.
    std::ifstream in(RNNSCOPE_TEST_DATA "/golden/lstm_basic.json");
    const json golden = json::parse(in);
    QTemporaryDir tmp;
    const QString config = tmp.filePath(QStringLiteral("model.json"));
    const QString weights = tmp.filePath(QStringLiteral("weights.h5"));
    testing::writeJson(golden.at("model_config"), config.toStdString());
    testing::writeLegacyWeights(golden, weights.toStdString());
    const Tensor x = testing::tensorFromJson(golden.at("calls")[0].at("inputs")[0]);
    Tensor reversed(x.shape());
    for (Index b = 0; b < x.dim(0); ++b) {
        for (Index t = 0; t < x.dim(1); ++t) {
            for (Index f = 0; f < x.dim(2); ++f) {
                reversed.at(b, t, f) = x.at(b, x.dim(1) - 1 - t, f);
            }
        }
    }
    io::writeNpy(tmp.filePath(QStringLiteral("x.npy")).toStdString(), x);
    io::writeNpy(tmp.filePath(QStringLiteral("r.npy")).toStdString(), reversed);
    auto run = [&](const QString& input, const QStringList& extra, const QString& out) {
        QStringList args {QStringLiteral("run"), config, QStringLiteral("--weights"), weights,
            QStringLiteral("--input"), tmp.filePath(input)};
        args << extra << QStringLiteral("--out") << tmp.filePath(out);
        const CliResult r = runCli(args);
        if (r.exitCode != 0) {
            qWarning("%s", qPrintable(r.err));
        }
        return readOutput(tmp.filePath(out + QStringLiteral("/output_0.npy")));
    };
    const Tensor plain = run(QStringLiteral("x.npy"), {}, QStringLiteral("plain"));
    const Tensor backwards
        = run(QStringLiteral("x.npy"), {QStringLiteral("--go-backwards=on")}, QStringLiteral("back"));
    const Tensor onReversed = run(QStringLiteral("r.npy"), {}, QStringLiteral("rev"));
    RNNSCOPE_COMPARE_VALUES(backwards, onReversed.shape(), toDoubles(onReversed.values()), 1e-6);
    QVERIFY(testing::maxAbsDifference(backwards.values(), toDoubles(plain.values())).maxAbs > 1e-4);
    const Tensor seq = run(QStringLiteral("x.npy"), {QStringLiteral("--return-sequences=on")}, QStringLiteral("seq"));
    QCOMPARE(seq.rank(), Index {3});
    QCOMPARE(seq.dim(1), x.dim(1));
    for (Index b = 0; b < seq.dim(0); ++b) {
        for (Index u = 0; u < seq.dim(2); ++u) {
            QCOMPARE(seq.at(b, seq.dim(1) - 1, u), plain.at(b, u));
        }
    }
}

void TestCli::traceFileIsWritten()
{
    QTemporaryDir tmp;
    auto ioFile = io::Hdf5File::openReadOnly(realModel("dl4j_lstm_hardsig_k213_io.h5").toStdString());
    const auto xs = ioFile.root().dataset("inputs/lstm_1_input");
    const QString xPath = tmp.filePath(QStringLiteral("x.npy"));
    io::writeNpy(xPath.toStdString(), Tensor(xs.shape(), xs.readFloat32()));
    const QString trace = tmp.filePath(QStringLiteral("trace.h5"));
    const CliResult r = runCli({QStringLiteral("run"), realModel("dl4j_lstm_hardsig_k213_model.h5"),
        QStringLiteral("--input"), xPath, QStringLiteral("--out"), tmp.filePath(QStringLiteral("out")),
        QStringLiteral("--trace"), trace, QStringLiteral("--trace-csv"), tmp.filePath(QStringLiteral("csv"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    auto t = io::Hdf5File::openReadOnly(trace.toStdString());
    QCOMPARE(QString::fromStdString(t.root().stringAttribute("format")), QStringLiteral("rnnscope-trace"));
    const auto h = t.root().dataset("layers/lstm_1/states/h");
    QCOMPARE(h.shape(), (Shape {25, 1, 50}));
    // The recorded state after the only step is the LSTM activation Keras computed.
    const auto want = ioFile.root().dataset("activations/lstm_1");
    RNNSCOPE_COMPARE_VALUES(
        Tensor(h.shape(), h.readFloat32()), (Shape {25, 1, 50}), toDoubles(want.readFloat32()), 1e-5);
    QVERIFY(QFile::exists(tmp.filePath(QStringLiteral("csv/lstm_1.state_h.csv"))));
}

namespace {

// Shortest decimal text that reads back as the same float32, so CSV files carry the exact values.
std::string floatText(float v)
{
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, result.ptr);
}

// Sample b of a [B,T,F] tensor as CSV rows, steps [0, steps).
void writeSampleCsv(const Tensor& x, Index b, Index steps, const std::string& header, const QString& path)
{
    std::ofstream out(path.toStdString());
    out << header << "\n";
    for (Index t = 0; t < steps; ++t) {
        for (Index f = 0; f < x.dim(2); ++f) {
            out << (f == 0 ? "" : ",") << floatText(x.at(b, t, f));
        }
        out << "\n";
    }
}

} // namespace

void TestCli::sameInputInEveryFormat()
{
    // The bundled example's input given as .npy, as a directory and a wildcard of per-sample CSV files, as a long
    // table, and as an HDF5 dataset: the outputs must be identical, value for value.
    const QString dir = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/");
    const QString model = dir + QStringLiteral("bracket_depth.h5");
    const QString npy = dir + QStringLiteral("bracket_depth_input.npy");
    const Tensor x = readOutput(npy);
    QCOMPARE(x.shape(), (Shape {8, 32, 4}));
    QTemporaryDir tmp;
    QVERIFY(QDir(tmp.path()).mkdir(QStringLiteral("samples")));
    for (Index b = 0; b < x.dim(0); ++b) {
        writeSampleCsv(x, b, x.dim(1), "open,close,a,b", tmp.filePath(QStringLiteral("samples/sample_%1.csv").arg(b)));
    }
    {
        // Rows out of order; each sample's first row comes in sample order, so first appearance = sample order.
        std::ofstream out(tmp.filePath(QStringLiteral("long.csv")).toStdString());
        out << "# one row per (sample, step)\nstep;sample;open;close;a;b\n";
        auto row = [&](Index b, Index t) {
            out << t << ";s" << b;
            for (Index f = 0; f < x.dim(2); ++f) {
                out << ";" << floatText(x.at(b, t, f));
            }
            out << "\n";
        };
        for (Index b = 0; b < x.dim(0); ++b) {
            row(b, x.dim(1) - 1);
        }
        for (Index t = x.dim(1) - 2; t >= 0; --t) {
            for (Index b = x.dim(0) - 1; b >= 0; --b) {
                row(b, t);
            }
        }
    }
    {
        auto h5 = io::Hdf5File::create(tmp.filePath(QStringLiteral("x.h5")).toStdString());
        h5.root().writeDataset("inputs/chars", x.shape(), x.data());
        h5.close();
    }
    auto run = [&](const QString& input, const QString& out) {
        const CliResult r = runCli({QStringLiteral("run"), model, QStringLiteral("--input"), input,
            QStringLiteral("--out"), tmp.filePath(out)});
        if (r.exitCode != 0) {
            qWarning("%s", qPrintable(r.err));
        }
        return r;
    };
    const CliResult reference = run(npy, QStringLiteral("npy"));
    QCOMPARE(reference.exitCode, 0);
    QVERIFY2(!reference.out.contains(QStringLiteral("input 'chars'")), qPrintable(reference.out));
    const Tensor want = readOutput(tmp.filePath(QStringLiteral("npy/output_0.npy")));
    const QStringList inputs {tmp.filePath(QStringLiteral("samples")), tmp.filePath(QStringLiteral("samples/*.csv")),
        tmp.filePath(QStringLiteral("long.csv")),
        tmp.filePath(QStringLiteral("x.h5")) + QStringLiteral(":/inputs/chars"),
        QStringLiteral("chars=") + tmp.filePath(QStringLiteral("x.h5")) + QStringLiteral(":inputs/chars")};
    for (int i = 0; i < inputs.size(); ++i) {
        const QString out = QStringLiteral("out%1").arg(i);
        const CliResult r = run(inputs[i], out);
        QVERIFY2(r.exitCode == 0, qPrintable(inputs[i] + QStringLiteral(": ") + r.err));
        // The CLI says how it read anything that is not .npy.
        QVERIFY2(r.out.contains(QStringLiteral("input 'chars': ")) && r.out.contains(QStringLiteral("(8, 32, 4)")),
            qPrintable(r.out));
        QVERIFY2(!r.out.contains(QStringLiteral("mask")), qPrintable(r.out));
        const Tensor got = readOutput(tmp.filePath(out + QStringLiteral("/output_0.npy")));
        QCOMPARE(got.shape(), want.shape());
        QVERIFY2(got.values() == want.values(), qPrintable(inputs[i]));
    }
}

void TestCli::paddedCsvDerivesMask()
{
    // Per-sample CSVs of different lengths with --pad: the CLI pads them at the end and passes the mask it derives,
    // which must give what the padded .npy with the same mask as --mask gives.
    const QString dir = QStringLiteral(RNNSCOPE_SOURCE_DIR "/resources/examples/");
    const QString model = dir + QStringLiteral("bracket_depth.h5");
    const Tensor x = readOutput(dir + QStringLiteral("bracket_depth_input.npy"));
    const Index batch = 3;
    const Index steps = x.dim(1);
    const Index lengths[batch] = {32, 20, 25};
    QTemporaryDir tmp;
    QVERIFY(QDir(tmp.path()).mkdir(QStringLiteral("ragged")));
    Tensor padded({batch, steps, x.dim(2)}, 0.0F);
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(batch * steps), 0);
    for (Index b = 0; b < batch; ++b) {
        writeSampleCsv(x, b, lengths[b], "open,close,a,b", tmp.filePath(QStringLiteral("ragged/r%1.csv").arg(b)));
        for (Index t = 0; t < lengths[b]; ++t) {
            keep[static_cast<std::size_t>(b * steps + t)] = 1;
            for (Index f = 0; f < x.dim(2); ++f) {
                padded.at(b, t, f) = x.at(b, t, f);
            }
        }
    }
    io::writeNpy(tmp.filePath(QStringLiteral("padded.npy")).toStdString(), padded);
    io::writeNpy(tmp.filePath(QStringLiteral("mask.npy")).toStdString(), Shape {batch, steps}, keep.data(), true);

    CliResult r = runCli({QStringLiteral("run"), model, QStringLiteral("--input"),
        tmp.filePath(QStringLiteral("ragged")), QStringLiteral("--out"), tmp.filePath(QStringLiteral("a"))});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("r1.csv: 20 timesteps, but ")) && r.err.contains(QStringLiteral("--pad")),
        qPrintable(r.err));

    r = runCli({QStringLiteral("run"), model, QStringLiteral("--input"), tmp.filePath(QStringLiteral("ragged")),
        QStringLiteral("--pad"), QStringLiteral("--out"), tmp.filePath(QStringLiteral("b")), QStringLiteral("--trace"),
        tmp.filePath(QStringLiteral("b.h5"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("19 padded step(s) masked")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("using the mask derived from the padding")), qPrintable(r.out));
    r = runCli({QStringLiteral("run"), model, QStringLiteral("--input"), tmp.filePath(QStringLiteral("padded.npy")),
        QStringLiteral("--mask"), tmp.filePath(QStringLiteral("mask.npy")), QStringLiteral("--out"),
        tmp.filePath(QStringLiteral("c"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const Tensor got = readOutput(tmp.filePath(QStringLiteral("b/output_0.npy")));
    const Tensor want = readOutput(tmp.filePath(QStringLiteral("c/output_0.npy")));
    QCOMPARE(got.shape(), want.shape());
    QVERIFY(got.values() == want.values());
    // The derived mask is the trace's mask.
    auto trace = io::Hdf5File::openReadOnly(tmp.filePath(QStringLiteral("b.h5")).toStdString());
    QCOMPARE(trace.root().dataset("mask").readUInt8(), keep);
}

void TestCli::embeddingFromText_data()
{
    QTest::addColumn<QString>("tokens");
    QTest::newRow("words") << "words";
    QTest::newRow("chars") << "chars";
}

void TestCli::embeddingFromText()
{
    // A golden Embedding(mask_zero) -> LSTM case fed from text: a vocabulary maps tokens to the ids of the case's
    // input, the text spells them one sample per line, and the outputs must be the case's expected outputs.
    QFETCH(QString, tokens);
    const bool chars = tokens == QLatin1String("chars");
    std::ifstream in(RNNSCOPE_TEST_DATA "/golden/embedding_mask_zero_lstm_seq.json");
    const json golden = json::parse(in);
    const auto& call = golden.at("calls")[0];
    const Tensor ids = testing::tensorFromJson(call.at("inputs")[0]);
    QCOMPARE(ids.rank(), Index {2});
    QTemporaryDir tmp;
    const QString config = tmp.filePath(QStringLiteral("model.json"));
    const QString weights = tmp.filePath(QStringLiteral("weights.h5"));
    testing::writeJson(golden.at("model_config"), config.toStdString());
    testing::writeLegacyWeights(golden, weights.toStdString());
    // Token for id n: "w<n>" or the n-th letter; id 0 is "<pad>" or '.', so zeros inside a line can be spelled.
    auto token = [&](int id) -> std::string {
        if (chars) {
            return id == 0 ? std::string(".") : std::string(1, static_cast<char>('a' + id - 1));
        }
        return id == 0 ? std::string("<pad>") : "w" + std::to_string(id);
    };
    json vocab = json::object();
    for (int id = 0; id < 26; ++id) {
        vocab[token(id)] = id;
    }
    testing::writeJson(vocab, tmp.filePath(QStringLiteral("vocab.json")).toStdString());
    {
        // Trailing zeros are left to padding (post), the way a user's unpadded text would be.
        std::ofstream text(tmp.filePath(QStringLiteral("text.txt")).toStdString());
        for (Index b = 0; b < ids.dim(0); ++b) {
            Index length = ids.dim(1);
            while (length > 0 && ids.at(b, length - 1) == 0.0F) {
                --length;
            }
            for (Index t = 0; t < length; ++t) {
                text << (t > 0 && !chars ? " " : "") << token(static_cast<int>(ids.at(b, t)));
            }
            text << "\n";
        }
    }
    const CliResult r = runCli({QStringLiteral("run"), config, QStringLiteral("--weights"), weights,
        QStringLiteral("--input"), QStringLiteral("text:") + tmp.filePath(QStringLiteral("text.txt")),
        QStringLiteral("--vocab"), tmp.filePath(QStringLiteral("vocab.json")), QStringLiteral("--tokens"), tokens,
        QStringLiteral("--pad-side"), QStringLiteral("post"), QStringLiteral("--out"),
        tmp.filePath(QStringLiteral("out"))});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("padded post")), qPrintable(r.out));
    const auto& want = call.at("outputs")[0];
    RNNSCOPE_COMPARE_VALUES(readOutput(tmp.filePath(QStringLiteral("out/output_0.npy"))), want.at("shape").get<Shape>(),
        want.at("data").get<std::vector<double>>(), 1e-5);
}

void TestCli::sequenceFlagUsageErrors_data()
{
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("--tokens value") << QStringList {QStringLiteral("--tokens"), QStringLiteral("bytes")} << "--tokens";
    QTest::newRow("--pad-side value") << QStringList {QStringLiteral("--pad-side"), QStringLiteral("middle")}
                                      << "--pad-side";
    QTest::newRow("--oov-id negative") << QStringList {QStringLiteral("--oov-id"), QStringLiteral("-1")} << "--oov-id";
    QTest::newRow("--pad-value not a number")
        << QStringList {QStringLiteral("--pad-value"), QStringLiteral("zero")} << "--pad-value";
    QTest::newRow("--vocab without text input")
        << QStringList {QStringLiteral("--vocab"), QStringLiteral("v.json")} << "--vocab applies to text:FILE inputs";
    QTest::newRow("--lower without text input") << QStringList {QStringLiteral("--lower")} << "--lower";
    QTest::newRow("text input without --vocab")
        << QStringList {QStringLiteral("--input"), QStringLiteral("text:t.txt")} << "need --vocab";
}

void TestCli::sequenceFlagUsageErrors()
{
    QFETCH(QStringList, extra);
    QFETCH(QString, mentions);
    QStringList args {QStringLiteral("run"), realModel("dl4j_lstm_hardsig_k213_model.h5"), QStringLiteral("--input"),
        QStringLiteral("x.npy")};
    args << extra << QStringLiteral("--out") << QStringLiteral("o");
    const CliResult r = runCli(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.section(QLatin1Char('\n'), 0, 0).contains(mentions), qPrintable(r.err));
}

void TestCli::badSequenceInputExits3_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("mentions");
    const QString data = QStringLiteral(RNNSCOPE_TEST_DATA "/sequences/");
    QTest::newRow("non-numeric CSV cell")
        << data + "bad_non_numeric.csv" << QStringList {} << "bad_non_numeric.csv: line 3, column 2";
    QTest::newRow("missing HDF5 dataset")
        << data + "sequences.h5:/nope" << QStringList {} << "sequences.h5: no dataset /nope";
    QTest::newRow("unknown token") << "text:" + data + "words_oov.txt"
                                   << QStringList {QStringLiteral("--vocab"), data + "vocab_words.json"}
                                   << "words_oov.txt: line 1, token 2: 'bird'";
    QTest::newRow("CSV of the wrong width") << data + "plain.csv" << QStringList {} << "plain.csv: has shape (1, 3, 2)";
}

void TestCli::badSequenceInputExits3()
{
    QFETCH(QString, input);
    QFETCH(QStringList, extra);
    QFETCH(QString, mentions);
    QTemporaryDir tmp;
    QStringList args {
        QStringLiteral("run"), realModel("dl4j_lstm_hardsig_k213_model.h5"), QStringLiteral("--input"), input};
    args << extra << QStringLiteral("--out") << tmp.filePath(QStringLiteral("out"));
    const CliResult r = runCli(args);
    QCOMPARE(r.exitCode, 3);
    const QStringList lines = r.err.trimmed().split(QLatin1Char('\n'));
    QVERIFY2(lines.size() == 1 && lines[0].startsWith(QStringLiteral("error: ")), qPrintable(r.err));
    QVERIFY2(lines[0].contains(mentions), qPrintable(r.err));
    QVERIFY(!QFile::exists(tmp.filePath(QStringLiteral("out/output_0.npy"))));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
