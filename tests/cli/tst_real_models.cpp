// Every model file in ../shared/real-models (real files saved by Keras or tf.keras, taken from public repositories)
// through the built rnnscope-cli: `info` opens it and names every layer, and `run` computes the outputs of
// tests/data/real/<file stem>.json. Those expected outputs were computed by Keras itself where the folder ships them
// (the dl4j *_io.h5 predictions, the frugally-deep GRU numbers) and otherwise by the independent NumPy reference
// tools/real_models/make_references.py, which reads the model files on its own. Tolerance 1e-5 throughout.

#include <algorithm>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "core/io/hdf5_file.h"
#include "core/io/npy.h"
#include "tests/support/cli_runner.h"
#include "tests/support/golden_compare.h"

using namespace rnnscope;
using nlohmann::json;

using rnnscope::testing::CliResult;
using rnnscope::testing::runCli;

namespace {

constexpr double kTolerance = 1e-5;

json readCase(const QString& path)
{
    std::ifstream in(path.toStdString());
    return json::parse(in);
}

// "shared:<name>" -> ../shared/real-models/<name>; "real:<name>" -> tests/data/real/<name>;
// "config-of:<name>" -> the model_config attribute of that legacy .h5, written to a .json in `tmp`.
QString resolveFile(const std::string& spec, const QTemporaryDir& tmp)
{
    const auto colon = spec.find(':');
    const std::string where = spec.substr(0, colon);
    const QString name = QString::fromStdString(spec.substr(colon + 1));
    if (where == "shared") {
        return QStringLiteral(RNNSCOPE_SHARED_DIR "/real-models/") + name;
    }
    if (where == "real") {
        return QStringLiteral(RNNSCOPE_TEST_DATA "/real/") + name;
    }
    if (where == "config-of") {
        const QString config = tmp.filePath(QStringLiteral("config.json"));
        auto full
            = io::Hdf5File::openReadOnly((QStringLiteral(RNNSCOPE_SHARED_DIR "/real-models/") + name).toStdString());
        std::ofstream(config.toStdString()) << full.root().stringAttribute("model_config");
        return config;
    }
    qFatal("bad file spec in a real-model case: %s", spec.c_str());
}

// MODEL [--weights W]
QStringList modelArgs(const json& c, const QTemporaryDir& tmp)
{
    QStringList args {resolveFile(c.at("model").get<std::string>(), tmp)};
    if (!c.at("weights").is_null()) {
        args << QStringLiteral("--weights") << resolveFile(c.at("weights").get<std::string>(), tmp);
    }
    return args;
}

void writeInput(const json& x, const QString& path)
{
    const auto shape = x.at("shape").get<Shape>();
    if (x.at("dtype") == "int32") {
        const auto ids = x.at("data").get<std::vector<std::int32_t>>();
        io::writeNpyInt32(path.toStdString(), shape, ids.data());
    } else {
        io::writeNpy(path.toStdString(), Tensor(shape, x.at("data").get<std::vector<float>>()));
    }
}

Tensor readNpyTensor(const QString& path)
{
    return io::toTensor(io::readNpy(path.toStdString()), path.toStdString());
}

// The last processing step of a [B,T,U] per-step trace: the layer's output for a return_sequences=False layer.
Tensor lastStep(const Tensor& perStep)
{
    const Index b = perStep.dim(0);
    const Index t = perStep.dim(1);
    const Index u = perStep.dim(2);
    Tensor last(Shape {b, u});
    for (Index i = 0; i < b; ++i) {
        for (Index k = 0; k < u; ++k) {
            last.at(i, k) = perStep.at(i, t - 1, k);
        }
    }
    return last;
}

} // namespace

class TestRealModels : public QObject
{
    Q_OBJECT

private slots:
    void info_data();
    void info();
    void run_data();
    void run();
    void cleanupTestCase();

private:
    void addRows();
    void note(const QString& row, double error);

    std::map<QString, double> m_maxError; // per case: the largest |got - want| over all its outputs
};

void TestRealModels::addRows()
{
    QTest::addColumn<QString>("file");
    const QDir dir(QStringLiteral(RNNSCOPE_TEST_DATA "/real"));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    QVERIFY2(!files.isEmpty(), "no cases in tests/data/real");
    for (const QString& f : files) {
        QTest::newRow(qPrintable(f.chopped(5))) << dir.filePath(f);
    }
}

void TestRealModels::note(const QString& row, double error)
{
    double& e = m_maxError[row];
    e = std::max(e, error);
}

void TestRealModels::info_data()
{
    addRows();
}

void TestRealModels::info()
{
    QFETCH(QString, file);
    const json c = readCase(file);
    QTemporaryDir tmp;
    const CliResult r = runCli(QStringList {QStringLiteral("info")} + modelArgs(c, tmp));
    QVERIFY2(r.exitCode == 0, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.err.trimmed())));
    for (const auto& layer : c.at("layers")) {
        const QString name = QString::fromStdString(layer.get<std::string>());
        QVERIFY2(
            r.out.contains(name), qPrintable(QStringLiteral("info does not mention layer %1:\n%2").arg(name, r.out)));
    }
    const QString version = QString::fromStdString(c.at("keras_version").get<std::string>());
    QVERIFY2(
        r.out.contains(version), qPrintable(QStringLiteral("info does not mention Keras %1:\n%2").arg(version, r.out)));
}

void TestRealModels::run_data()
{
    addRows();
}

void TestRealModels::run()
{
    QFETCH(QString, file);
    const QString row = QString::fromLatin1(QTest::currentDataTag());
    const json c = readCase(file);
    const auto& calls = c.at("calls");
    QVERIFY(!calls.empty());
    QTemporaryDir tmp;
    QStringList args = QStringList {QStringLiteral("run")} + modelArgs(c, tmp);
    for (std::size_t j = 0; j < calls.size(); ++j) {
        if (j > 0) {
            args << QStringLiteral("--then");
        }
        std::size_t k = 0;
        for (const auto& x : calls[j].at("inputs")) {
            const QString path = tmp.filePath(QStringLiteral("call%1_input%2.npy").arg(j).arg(k++));
            writeInput(x, path);
            args << QStringLiteral("--input") << path;
        }
    }
    const QString out = tmp.filePath(QStringLiteral("out"));
    const QString trace = tmp.filePath(QStringLiteral("trace"));
    args << QStringLiteral("--out") << out;
    const bool checkActivations = c.contains("keras_activations");
    if (checkActivations) {
        args << QStringLiteral("--trace-npy") << trace;
    }
    const CliResult r = runCli(args);
    QVERIFY2(r.exitCode == 0, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.err.trimmed())));

    for (std::size_t j = 0; j < calls.size(); ++j) {
        const QString dir = calls.size() == 1 ? out : out + QStringLiteral("/call_%1").arg(j);
        const auto& want = calls[j].at("outputs");
        for (std::size_t k = 0; k < want.size(); ++k) {
            const QString path = dir + QStringLiteral("/output_%1.npy").arg(k);
            QVERIFY2(QFile::exists(path),
                qPrintable(QStringLiteral("missing %1 (%2)")
                               .arg(path, QString::fromStdString(want[k].at("name").get<std::string>()))));
            const Tensor got = readNpyTensor(path);
            const auto values = want[k].at("data").get<std::vector<double>>();
            note(row, testing::maxAbsDifference(got.values(), values).maxAbs);
            RNNSCOPE_COMPARE_VALUES(got, want[k].at("shape").get<Shape>(), values, kTolerance);
        }
        QVERIFY2(
            !QFile::exists(dir + QStringLiteral("/output_%1.npy").arg(want.size())), "more outputs than Keras gives");
    }

    // Keras-computed activations of the recurrent layer (dl4j io files): the last step of its traced output.
    if (checkActivations) {
        const QString traceDir = calls.size() == 1 ? trace : trace + QStringLiteral("/call_0");
        for (const auto& a : c.at("keras_activations")) {
            if (!a.contains("trace_npy")) {
                continue; // a Dense activation: the model output compared above
            }
            const QString path
                = traceDir + QLatin1Char('/') + QString::fromStdString(a.at("trace_npy").get<std::string>());
            QVERIFY2(QFile::exists(path), qPrintable(QStringLiteral("missing %1").arg(path)));
            const Tensor got = lastStep(readNpyTensor(path));
            const auto values = a.at("data").get<std::vector<double>>();
            note(row, testing::maxAbsDifference(got.values(), values).maxAbs);
            RNNSCOPE_COMPARE_VALUES(got, a.at("shape").get<Shape>(), values, kTolerance);
        }
    }
}

void TestRealModels::cleanupTestCase()
{
    for (const auto& [row, error] : m_maxError) {
        qInfo("%-48s max |got - want| = %.3g", qPrintable(row), error);
    }
}

QTEST_GUILESS_MAIN(TestRealModels)
#include "tst_real_models.moc"
