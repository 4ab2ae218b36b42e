// Reading trace files back: traces the engine really recorded for golden-config models (LSTM, GRU, Bidirectional,
// StackedRNNCells, masks passed and masks made by a layer, several inputs and outputs) are written with
// writeTraceHdf5, read with readTraceHdf5, and must come back equal, value for value. Broken files (not HDF5,
// truncated, not a trace, an unknown version, a dataset of the wrong shape or type) must give FileError naming the
// file and what is wrong.

#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"
#include "core/io/keras_config.h"
#include "core/io/trace_reader.h"
#include "core/io/trace_stream.h"
#include "core/io/trace_writer.h"
#include "core/io/weights.h"
#include "tests/support/golden_model.h"

using namespace rnnscope;
using nlohmann::json;

namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

Tensor tensorFrom(const json& j)
{
    return {j.at("shape").get<Shape>(), j.at("data").get<std::vector<float>>()};
}

// What one traced call of a golden model produced.
struct Recorded
{
    ModelTrace trace;
    std::vector<std::pair<std::string, Tensor>> inputs;
    std::optional<Mask> mask;
    std::vector<std::pair<std::string, Tensor>> outputs;
};

// Builds the golden case's model with its weights and runs its first call with tracing on; with `streamTo`, the
// trace is streamed to that file `window` steps at a time as the model runs.
Recorded runGolden(const QString& file, const std::string& streamTo = {}, Index window = 0)
{
    const std::string path = (QStringLiteral(RNNSCOPE_TEST_DATA "/golden/") + file).toStdString();
    json golden;
    auto model = rnnscope::testing::loadGoldenModel(path, golden);

    Recorded r;
    const auto& call = golden.at("calls").at(0);
    std::vector<Tensor> inputs;
    for (const auto& x : call.at("inputs")) {
        inputs.push_back(tensorFrom(x));
    }
    if (!call.at("mask").is_null()) {
        const auto& m = call.at("mask");
        const auto shape = m.at("shape").get<Shape>();
        r.mask = Mask(shape.at(0), shape.at(1), m.at("data").get<std::vector<std::uint8_t>>());
    }
    std::vector<const Mask*> masks;
    if (r.mask) {
        masks.push_back(&*r.mask);
    }
    std::optional<io::Hdf5TraceStream> stream;
    if (!streamTo.empty()) {
        stream.emplace(streamTo, r.trace, window);
        r.trace.recording.stream = &*stream;
    }
    CallContext context;
    context.trace = &r.trace;
    const auto outputs = model->predict(inputs, masks, context);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        r.inputs.emplace_back(model->inputs().at(i).name, inputs[i]);
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        r.outputs.emplace_back(model->outputs().at(i).name, outputs[i]);
    }
    if (stream) {
        io::TraceInputs ti;
        ti.inputs = r.inputs;
        ti.mask = r.mask ? &*r.mask : nullptr;
        ti.outputs = r.outputs;
        ti.producer = "tst_trace_reader";
        ti.model = file.toStdString();
        ti.optionsJson = R"({"streamed": true})";
        stream->finish(ti);
        r.trace.recording.stream = nullptr;
    }
    return r;
}

bool sameFloat(float a, float b)
{
    return a == b || (std::isnan(a) && std::isnan(b));
}

// Empty when equal; otherwise where the first difference is.
QString diffSeries(const QString& where, const TraceSeries& got, const TraceSeries& want)
{
    if (got.name() != want.name()) {
        return where + QStringLiteral(": name %1, want %2").arg(qs(got.name()), qs(want.name()));
    }
    if (got.steps() != want.steps() || got.batch() != want.batch() || got.width() != want.width()) {
        return where
            + QStringLiteral(": [steps, batch, width] [%1,%2,%3], want [%4,%5,%6]")
                  .arg(got.steps())
                  .arg(got.batch())
                  .arg(got.width())
                  .arg(want.steps())
                  .arg(want.batch())
                  .arg(want.width());
    }
    for (std::size_t i = 0; i < want.values().size(); ++i) {
        if (!sameFloat(got.values()[i], want.values()[i])) {
            return where
                + QStringLiteral(": value %1 is %2, want %3").arg(i).arg(got.values()[i]).arg(want.values()[i]);
        }
    }
    return {};
}

QString diffSeriesList(const QString& where, const std::vector<TraceSeries>& got, const std::vector<TraceSeries>& want)
{
    if (got.size() != want.size()) {
        return where + QStringLiteral(": %1 series, want %2").arg(got.size()).arg(want.size());
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (auto d = diffSeries(where + QLatin1Char('/') + qs(want[i].name()), got[i], want[i]); !d.isEmpty()) {
            return d;
        }
    }
    return {};
}

QString diffLayer(const QString& where, const LayerTrace& got, const LayerTrace& want)
{
    if (got.name != want.name || got.className != want.className) {
        return where
            + QStringLiteral(": %1 %2, want %3 %4")
                  .arg(qs(got.className), qs(got.name), qs(want.className), qs(want.name));
    }
    if (got.units != want.units || got.batch != want.batch || got.steps != want.steps) {
        return where
            + QStringLiteral(": units/batch/steps %1/%2/%3, want %4/%5/%6")
                  .arg(got.units)
                  .arg(got.batch)
                  .arg(got.steps)
                  .arg(want.units)
                  .arg(want.batch)
                  .arg(want.steps);
    }
    if (got.options != want.options) {
        return where + QStringLiteral(": options differ");
    }
    if (got.stepTime != want.stepTime) {
        return where + QStringLiteral(": step_time differs");
    }
    if (got.mask != want.mask) {
        return where + QStringLiteral(": mask differs (%1 values, want %2)").arg(got.mask.size()).arg(want.mask.size());
    }
    if (auto d = diffSeries(where + QStringLiteral("/input"), got.input, want.input); !d.isEmpty()) {
        return d;
    }
    if (auto d = diffSeries(where + QStringLiteral("/output"), got.output, want.output); !d.isEmpty()) {
        return d;
    }
    if (got.cells.size() != want.cells.size()) {
        return where + QStringLiteral(": %1 cells, want %2").arg(got.cells.size()).arg(want.cells.size());
    }
    for (std::size_t k = 0; k < want.cells.size(); ++k) {
        const QString c = where + QStringLiteral("/cells/%1").arg(k);
        const CellTrace& g = got.cells[k];
        const CellTrace& w = want.cells[k];
        if (g.className != w.className || g.gateNames != w.gateNames) {
            return c
                + QStringLiteral(": class or gate names differ (%1, want %2)").arg(qs(g.className), qs(w.className));
        }
        for (const auto& d : {diffSeriesList(c + QStringLiteral("/states"), g.states, w.states),
                 diffSeriesList(c + QStringLiteral("/gates"), g.gates, w.gates),
                 diffSeries(c + QStringLiteral("/input"), g.input, w.input),
                 diffSeries(c + QStringLiteral("/output"), g.output, w.output)}) {
            if (!d.isEmpty()) {
                return d;
            }
        }
    }
    if (got.directions.size() != want.directions.size()) {
        return where
            + QStringLiteral(": %1 directions, want %2").arg(got.directions.size()).arg(want.directions.size());
    }
    for (std::size_t i = 0; i < want.directions.size(); ++i) {
        if (auto d
            = diffLayer(where + QLatin1Char('/') + qs(want.directions[i].name), got.directions[i], want.directions[i]);
            !d.isEmpty()) {
            return d;
        }
    }
    return {};
}

QString diffTensors(const QString& where, const std::vector<std::pair<std::string, Tensor>>& got,
    const std::vector<std::pair<std::string, Tensor>>& want)
{
    if (got.size() != want.size()) {
        return where + QStringLiteral(": %1 tensors, want %2").arg(got.size()).arg(want.size());
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (got[i].first != want[i].first || got[i].second.shape() != want[i].second.shape()) {
            return where
                + QStringLiteral(": %1 %2, want %3 %4")
                      .arg(qs(got[i].first), qs(shapeToString(got[i].second.shape())), qs(want[i].first),
                          qs(shapeToString(want[i].second.shape())));
        }
        const auto& g = got[i].second.values();
        const auto& w = want[i].second.values();
        for (std::size_t k = 0; k < w.size(); ++k) {
            if (!sameFloat(g[k], w[k])) {
                return where + QStringLiteral(": %1 differs at %2").arg(qs(want[i].first)).arg(k);
            }
        }
    }
    return {};
}

// A small but complete trace written by hand, so one part of it can be broken at a time.
enum class Defect {
    None,
    NoFormat,
    WrongFormat,
    UnknownVersion,
    NoLayers,
    NoStepTime,
    StepsMismatch,
    BatchMismatch,
    IntegerStates,
    MissingState,
    UnequalGates,
    MaskShape,
    NotJsonOptions,
};

void writeHandmade(const std::string& path, Defect defect)
{
    auto file = io::Hdf5File::create(path);
    auto root = file.root();
    if (defect != Defect::NoFormat) {
        root.setStringAttribute("format", defect == Defect::WrongFormat ? "keras-weights" : "rnnscope-trace");
    }
    root.setIntAttribute("format_version", defect == Defect::UnknownVersion ? 2 : 1);
    root.setStringAttribute("producer", "hand");
    root.setStringAttribute("model", "m.h5");
    root.setStringAttribute("options", "{}");
    const std::vector<float> x(2 * 5 * 3, 0.25F);
    root.writeDataset("input", {2, 5, 3}, x.data());
    if (defect == Defect::NoLayers) {
        file.close();
        return;
    }
    auto layers = root.createGroup("layers");
    layers.setStringListAttribute("order", {"gru"});
    auto g = layers.createGroup("gru");
    g.setStringAttribute("class", "GRU");
    g.setStringAttribute("name", "gru");
    g.setStringAttribute("cell_class", "GRUCell");
    g.setIntAttribute("units", 4);
    g.setStringListAttribute("state_names", {"h"});
    g.setStringListAttribute("gate_names", {"z", "r", "hh"});
    g.setStringAttribute("options", defect == Defect::NotJsonOptions ? "{return_sequences" : R"({"stateful": false})");
    const std::vector<std::int32_t> stepTime {0, 1, 2, 3, 4};
    if (defect != Defect::NoStepTime) {
        g.writeDataset("step_time", {5}, stepTime.data());
    }
    g.writeDataset("input", {2, 5, 3}, x.data());
    const std::vector<float> values(2 * 5 * 4, 0.5F);
    const std::vector<float> shorter(2 * 4 * 4, 0.5F);
    const std::vector<float> wider(2 * 5 * 5, 0.5F);
    const std::vector<float> bigger(3 * 5 * 4, 0.5F);
    const std::vector<std::int32_t> integers(2 * 5 * 4, 1);
    g.writeDataset("output", {2, 5, 4}, values.data());
    if (defect == Defect::StepsMismatch) {
        g.writeDataset("states/h", {2, 4, 4}, shorter.data());
    } else if (defect == Defect::BatchMismatch) {
        g.writeDataset("states/h", {3, 5, 4}, bigger.data());
    } else if (defect == Defect::IntegerStates) {
        g.writeDataset("states/h", {2, 5, 4}, integers.data());
    } else if (defect != Defect::MissingState) {
        g.writeDataset("states/h", {2, 5, 4}, values.data());
    }
    g.writeDataset("gates/z", {2, 5, 4}, values.data());
    g.writeDataset("gates/r", {2, 5, 4}, values.data());
    if (defect == Defect::UnequalGates) {
        g.writeDataset("gates/hh", {2, 5, 5}, wider.data());
    } else {
        g.writeDataset("gates/hh", {2, 5, 4}, values.data());
    }
    const std::vector<std::uint8_t> mask(2 * 5, 1);
    g.writeDataset("mask", defect == Defect::MaskShape ? Shape {5, 2} : Shape {2, 5}, mask.data());
    root.createGroup("outputs").setStringListAttribute("order", {});
    file.close();
}

} // namespace

class TestTraceReader : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void streamedFileEqualsWrittenFile_data();
    void streamedFileEqualsWrittenFile();
    void metadataAndViewsOfGates();
    void damagedFiles_data();
    void damagedFiles();
    void truncatedTraces_data();
    void truncatedTraces();

private:
    QTemporaryDir m_dir;
};

void TestTraceReader::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestTraceReader::roundTrip_data()
{
    QTest::addColumn<QString>("golden");
    QTest::addColumn<bool>("maskPassed");
    // LSTM with return_state, GRU go_backwards, Bidirectional, stacked cells (alone, masked, in a Bidirectional),
    // a mask passed with the input, masks made by Masking and Embedding(mask_zero), two inputs and two outputs,
    // two recurrent layers in a row.
    QTest::newRow("lstm_return_state_seq") << QStringLiteral("lstm_return_state_seq.json") << false;
    QTest::newRow("gru_go_backwards_seq") << QStringLiteral("gru_go_backwards_seq.json") << false;
    QTest::newRow("bidi_lstm_concat_seq") << QStringLiteral("bidi_lstm_concat_seq.json") << false;
    QTest::newRow("rnn_stacked_3_mixed") << QStringLiteral("rnn_stacked_3_mixed.json") << false;
    QTest::newRow("rnn_stacked_masking_seq") << QStringLiteral("rnn_stacked_masking_seq.json") << false;
    QTest::newRow("bidi_rnn_stacked_concat_seq") << QStringLiteral("bidi_rnn_stacked_concat_seq.json") << false;
    QTest::newRow("model_mask_lstm_seq") << QStringLiteral("model_mask_lstm_seq.json") << true;
    QTest::newRow("np_bidi_masked_lstm_concat_seq") << QStringLiteral("np_bidi_masked_lstm_concat_seq.json") << false;
    QTest::newRow("masking_dense_lstm_seq") << QStringLiteral("masking_dense_lstm_seq.json") << false;
    QTest::newRow("embedding_mask_zero_bidi_gru") << QStringLiteral("embedding_mask_zero_bidi_gru.json") << false;
    QTest::newRow("np_minimal_rnn_cell_seq") << QStringLiteral("np_minimal_rnn_cell_seq.json") << false;
    QTest::newRow("functional_two_in_two_out") << QStringLiteral("functional_two_in_two_out.json") << false;
    QTest::newRow("lstm_stacked_layers") << QStringLiteral("lstm_stacked_layers.json") << false;
}

void TestTraceReader::roundTrip()
{
    QFETCH(QString, golden);
    QFETCH(bool, maskPassed);
    const Recorded r = runGolden(golden);
    QVERIFY(!r.trace.layers.empty());
    QCOMPARE(r.mask.has_value(), maskPassed);

    io::TraceInputs ti;
    ti.inputs = r.inputs;
    ti.mask = r.mask ? &*r.mask : nullptr;
    ti.outputs = r.outputs;
    ti.producer = "tst_trace_reader";
    ti.model = golden.toStdString();
    const std::string path = (m_dir.path() + QLatin1Char('/') + golden + QStringLiteral(".h5")).toStdString();
    io::writeTraceHdf5(path, r.trace, ti);

    const RunSnapshot snap = io::readTraceHdf5(path);
    QCOMPARE(snap.trace.layers.size(), r.trace.layers.size());
    for (std::size_t i = 0; i < r.trace.layers.size(); ++i) {
        const QString d = diffLayer(qs(r.trace.layers[i].name), snap.trace.layers[i], r.trace.layers[i]);
        QVERIFY2(d.isEmpty(), qPrintable(d));
    }
    QString d = diffTensors(QStringLiteral("inputs"), snap.inputs, r.inputs);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    d = diffTensors(QStringLiteral("outputs"), snap.outputs, r.outputs);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    QCOMPARE(snap.mask.has_value(), maskPassed);
    if (maskPassed) {
        QCOMPARE(snap.mask->batch(), r.mask->batch());
        QCOMPARE(snap.mask->steps(), r.mask->steps());
        QVERIFY(snap.mask->values() == r.mask->values());
    }
    QVERIFY(snap.error.empty());

    // Written again from what was read, the file reads back the same: nothing is lost on the way.
    const std::string again = path + ".again.h5";
    io::TraceInputs ti2;
    ti2.inputs = snap.inputs;
    ti2.mask = snap.mask ? &*snap.mask : nullptr;
    ti2.outputs = snap.outputs;
    io::writeTraceHdf5(again, snap.trace, ti2);
    const RunSnapshot twice = io::readTraceHdf5(again);
    for (std::size_t i = 0; i < r.trace.layers.size(); ++i) {
        d = diffLayer(qs(r.trace.layers[i].name), twice.trace.layers[i], r.trace.layers[i]);
        QVERIFY2(d.isEmpty(), qPrintable(d));
    }
}

void TestTraceReader::streamedFileEqualsWrittenFile_data()
{
    QTest::addColumn<QString>("golden");
    QTest::addColumn<int>("window");
    const QStringList files = QDir(QStringLiteral(RNNSCOPE_TEST_DATA "/golden")).entryList({QStringLiteral("*.json")});
    QVERIFY(files.size() >= 100);
    for (const auto& f : files) {
        // One step at a time (every window boundary), and 3 (a last window shorter than the others).
        for (int window : {1, 3}) {
            QTest::addRow("%s window=%d", qPrintable(f), window) << f << window;
        }
    }
}

// Every golden model's trace, streamed to a file as the model runs, reads back equal, value for value, to the trace
// the same run recorded whole and wrote with writeTraceHdf5; the streamed run's outputs are the whole run's too.
void TestTraceReader::streamedFileEqualsWrittenFile()
{
    QFETCH(QString, golden);
    QFETCH(int, window);
    const std::string streamedPath
        = (m_dir.path() + QLatin1Char('/') + golden + QStringLiteral(".streamed%1.h5").arg(window)).toStdString();
    const Recorded streamed = runGolden(golden, streamedPath, window);
    QVERIFY(QFile::exists(QString::fromStdString(streamedPath)));
    // Nothing is left under the temporary name.
    QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral(".*streaming*")}, QDir::Hidden | QDir::Files).size(), 0);

    const Recorded whole = runGolden(golden);
    io::TraceInputs ti;
    ti.inputs = whole.inputs;
    ti.mask = whole.mask ? &*whole.mask : nullptr;
    ti.outputs = whole.outputs;
    ti.producer = "tst_trace_reader";
    ti.model = golden.toStdString();
    ti.optionsJson = R"({"streamed": true})";
    const std::string wholePath
        = (m_dir.path() + QLatin1Char('/') + golden + QStringLiteral(".whole.h5")).toStdString();
    io::writeTraceHdf5(wholePath, whole.trace, ti);

    QString d = diffTensors(QStringLiteral("outputs of the streamed run"), streamed.outputs, whole.outputs);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    io::TraceMetadata sm;
    io::TraceMetadata wm;
    const RunSnapshot s = io::readTraceHdf5(streamedPath, &sm);
    const RunSnapshot w = io::readTraceHdf5(wholePath, &wm);
    QVERIFY2(s.error.empty(), s.error.c_str());
    QCOMPARE(s.trace.layers.size(), w.trace.layers.size());
    QVERIFY(!w.trace.layers.empty());
    for (std::size_t i = 0; i < w.trace.layers.size(); ++i) {
        d = diffLayer(qs(w.trace.layers[i].name), s.trace.layers[i], w.trace.layers[i]);
        QVERIFY2(d.isEmpty(), qPrintable(d));
    }
    d = diffTensors(QStringLiteral("inputs"), s.inputs, w.inputs);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    d = diffTensors(QStringLiteral("outputs"), s.outputs, w.outputs);
    QVERIFY2(d.isEmpty(), qPrintable(d));
    QCOMPARE(s.mask.has_value(), w.mask.has_value());
    if (w.mask) {
        QVERIFY(s.mask->values() == w.mask->values());
    }
    QCOMPARE(sm.producer, wm.producer);
    QCOMPARE(sm.model, wm.model);
    QCOMPARE(sm.optionsJson, wm.optionsJson);
}

void TestTraceReader::metadataAndViewsOfGates()
{
    const Recorded r = runGolden(QStringLiteral("lstm_return_state_seq.json"));
    io::TraceInputs ti;
    ti.inputs = r.inputs;
    ti.outputs = r.outputs;
    ti.producer = "tst_trace_reader 1";
    ti.model = "/models/lstm.h5";
    ti.optionsJson = R"({"layer":"lstm","go_backwards":true})";
    const std::string path = (m_dir.path() + QStringLiteral("/meta.h5")).toStdString();
    io::writeTraceHdf5(path, r.trace, ti);
    io::TraceMetadata meta;
    const RunSnapshot snap = io::readTraceHdf5(path, &meta);
    QCOMPARE(qs(meta.producer), QStringLiteral("tst_trace_reader 1"));
    QCOMPARE(qs(meta.model), QStringLiteral("/models/lstm.h5"));
    QVERIFY(json::parse(meta.optionsJson) == json::parse(ti.optionsJson));

    // The LSTM's gates come back as the engine records them: one block, i f c o side by side.
    const CellTrace& cell = snap.trace.layers.front().cells.front();
    QCOMPARE(cell.gateNames, (std::vector<std::string> {"i", "f", "c", "o"}));
    QCOMPARE(cell.gates.size(), std::size_t {1});
    QCOMPARE(qs(cell.gates.front().name()), QStringLiteral("gates"));
    QCOMPARE(cell.gates.front().width(), 4 * snap.trace.layers.front().units);
    // Options are Keras's printed values again, not JSON.
    bool found = false;
    for (const auto& [key, value] : snap.trace.layers.front().options) {
        if (key == "return_state") {
            QCOMPARE(qs(value), QStringLiteral("True"));
            found = true;
        }
    }
    QVERIFY(found);
}

void TestTraceReader::damagedFiles_data()
{
    QTest::addColumn<int>("defect");
    QTest::addColumn<QString>("expected"); // part of the message after the file name
    QTest::newRow("not a trace") << int(Defect::NoFormat) << QStringLiteral("not an RNNScope trace");
    QTest::newRow("other format") << int(Defect::WrongFormat) << QStringLiteral("format is \"keras-weights\"");
    QTest::newRow("version 2") << int(Defect::UnknownVersion) << QStringLiteral("format_version 2 is not supported");
    QTest::newRow("no layers") << int(Defect::NoLayers) << QStringLiteral("no group 'layers'");
    QTest::newRow("no step_time") << int(Defect::NoStepTime) << QStringLiteral("layers/gru: no dataset 'step_time'");
    QTest::newRow("steps mismatch") << int(Defect::StepsMismatch)
                                    << QStringLiteral(
                                           "layers/gru/states/h: shape (2, 4, 4) has 4 steps, but step_time has 5");
    QTest::newRow("batch mismatch") << int(Defect::BatchMismatch)
                                    << QStringLiteral("layers/gru/states/h: shape (3, 5, 4) has batch 3, but the "
                                                      "layer's other datasets have batch 2");
    QTest::newRow("integer states") << int(Defect::IntegerStates)
                                    << QStringLiteral("layers/gru/states/h: dataset is int32, expected float32");
    QTest::newRow("missing state") << int(Defect::MissingState) << QStringLiteral("layers/gru: no dataset 'states/h'");
    QTest::newRow("unequal gates") << int(Defect::UnequalGates)
                                   << QStringLiteral("layers/gru/gates/hh: shape (2, 5, 5)");
    QTest::newRow("mask shape") << int(Defect::MaskShape)
                                << QStringLiteral("layers/gru/mask: shape (5, 2) is not [batch, steps] = (2, 5)");
    QTest::newRow("options not JSON") << int(Defect::NotJsonOptions)
                                      << QStringLiteral("layers/gru: attribute 'options' is not JSON");
}

void TestTraceReader::damagedFiles()
{
    QFETCH(int, defect);
    QFETCH(QString, expected);
    const std::string path = (m_dir.path() + QStringLiteral("/damaged_%1.h5").arg(defect)).toStdString();
    writeHandmade(path, Defect::None);
    // The undamaged file reads: the failures below come from the one defect.
    const RunSnapshot good = io::readTraceHdf5(path);
    QCOMPARE(good.trace.layers.size(), std::size_t {1});
    QCOMPARE(good.trace.layers.front().cells.front().gateNames.size(), std::size_t {3});
    QCOMPARE(good.trace.layers.front().batch, Index {2});

    writeHandmade(path, static_cast<Defect>(defect));
    try {
        (void)io::readTraceHdf5(path);
        QFAIL("a damaged trace was read");
    } catch (const io::FileError& e) {
        QCOMPARE(qs(e.file()), qs(path));
        QVERIFY2(qs(e.problem()).contains(expected), e.what());
    }
}

void TestTraceReader::truncatedTraces_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<double>("keep"); // fraction of the good file kept
    QTest::addColumn<QString>("expected");
    QTest::newRow("empty") << QStringLiteral("empty") << 0.0 << QStringLiteral("empty file");
    QTest::newRow("text") << QStringLiteral("text") << 0.0 << QStringLiteral("not an HDF5 file");
    QTest::newRow("missing") << QStringLiteral("missing") << 0.0 << QString();
    QTest::newRow("truncated 10%") << QStringLiteral("cut") << 0.1 << QString();
    QTest::newRow("truncated 50%") << QStringLiteral("cut") << 0.5 << QString();
    QTest::newRow("truncated 95%") << QStringLiteral("cut") << 0.95 << QString();
}

void TestTraceReader::truncatedTraces()
{
    QFETCH(QString, kind);
    QFETCH(double, keep);
    QFETCH(QString, expected);
    const Recorded r = runGolden(QStringLiteral("bidi_lstm_concat_seq.json"));
    io::TraceInputs ti;
    ti.inputs = r.inputs;
    ti.outputs = r.outputs;
    const QString good = m_dir.path() + QStringLiteral("/good_for_cut.h5");
    io::writeTraceHdf5(good.toStdString(), r.trace, ti);
    QFile in(good);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray bytes = in.readAll();

    const QString path = m_dir.path() + QStringLiteral("/bad_%1_%2.h5").arg(kind).arg(keep);
    if (kind != QLatin1String("missing")) {
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        if (kind == QLatin1String("text")) {
            out.write("format,rnnscope-trace\n");
        } else {
            out.write(bytes.left(static_cast<qsizetype>(static_cast<double>(bytes.size()) * keep)));
        }
    }
    try {
        (void)io::readTraceHdf5(path.toStdString());
        QFAIL("a broken file was read");
    } catch (const io::FileError& e) {
        QCOMPARE(qs(e.file()), path);
        QVERIFY(!e.problem().empty());
        QVERIFY2(qs(e.problem()).contains(expected), e.what());
    }
}

QTEST_GUILESS_MAIN(TestTraceReader)
#include "tst_trace_reader.moc"
