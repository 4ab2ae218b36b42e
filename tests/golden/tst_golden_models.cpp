// Golden test over tests/data/golden/*.json: whole models described by a tf.keras-style model config, with
// weights and reference outputs computed by an independent implementation — TensorFlow.js 4.22 (CPU backend) for
// what TF.js does like Keras, and the NumPy reference tools/golden/reference_rnn.py for what it does not
// (keras-formats §6: GRU reset_after=True, zero_output_for_mask, time_major, masks with a non-zero initial state,
// masked Bidirectional with return_sequences, Keras 3's hard_sigmoid). Each case goes through the same config
// parser and weight matching the file loaders use, then through the engine; every output of every call must be
// within 1e-5 of the reference.

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QObject>
#include <QTest>

#include "core/io/file_error.h"
#include "core/io/keras_config.h"
#include "core/io/weights.h"
#include "tests/support/golden_compare.h"
#include "tests/support/golden_model.h"

using namespace rnnscope;
using nlohmann::json;

namespace {

constexpr double kTolerance = 1e-5;

QString goldenDir()
{
    return QStringLiteral(RNNSCOPE_TEST_DATA "/golden");
}

Tensor tensorFrom(const json& j)
{
    return {j.at("shape").get<Shape>(), j.at("data").get<std::vector<float>>()};
}

// Largest error per reference kind, printed at the end for the issue note.
std::map<std::string, double>& worstByReference()
{
    static std::map<std::string, double> worst;
    return worst;
}

} // namespace

class TestGoldenModels : public QObject
{
    Q_OBJECT

private slots:
    void matchesReference_data();
    void matchesReference();
    void cleanupTestCase();
};

void TestGoldenModels::matchesReference_data()
{
    QTest::addColumn<QString>("file");
    const QStringList files = QDir(goldenDir()).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    QVERIFY2(files.size() >= 40, "the golden fixtures are missing");
    for (const QString& f : files) {
        QTest::newRow(qPrintable(f)) << f;
    }
}

void TestGoldenModels::matchesReference()
{
    QFETCH(QString, file);
    const std::string path = (goldenDir() + QLatin1Char('/') + file).toStdString();
    json golden;
    auto model = rnnscope::testing::loadGoldenModel(path, golden);

    const auto& calls = golden.at("calls");
    const auto resets = golden.value("reset_states_before_call", std::vector<bool>(calls.size(), false));
    double worst = 0.0;
    for (std::size_t c = 0; c < calls.size(); ++c) {
        if (resets.at(c)) {
            model->resetStates();
        }
        std::vector<Tensor> inputs;
        for (const auto& x : calls[c].at("inputs")) {
            inputs.push_back(tensorFrom(x));
        }
        std::optional<Mask> mask;
        if (!calls[c].at("mask").is_null()) {
            const auto& m = calls[c].at("mask");
            const auto shape = m.at("shape").get<Shape>();
            mask = Mask(shape.at(0), shape.at(1), m.at("data").get<std::vector<std::uint8_t>>());
        }
        std::vector<const Mask*> masks;
        if (mask) {
            masks.push_back(&*mask);
        }
        CallContext context;
        const auto outputs = model->predict(inputs, masks, context);
        const auto& want = calls[c].at("outputs");
        QCOMPARE(outputs.size(), want.size());
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            const auto wantValues = want[k].at("data").get<std::vector<double>>();
            RNNSCOPE_COMPARE_VALUES(outputs[k], want[k].at("shape").get<Shape>(), wantValues, kTolerance);
            worst = std::max(worst, testing::maxAbsDifference(outputs[k].values(), wantValues).maxAbs);
        }
    }
    auto& w = worstByReference()[golden.at("reference").get<std::string>()];
    w = std::max(w, worst);
}

void TestGoldenModels::cleanupTestCase()
{
    for (const auto& [reference, worst] : worstByReference()) {
        qInfo("largest |engine - reference| against %s: %.3g", reference.c_str(), worst);
    }
}

QTEST_GUILESS_MAIN(TestGoldenModels)
#include "tst_golden_models.moc"
