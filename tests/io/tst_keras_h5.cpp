// Legacy Keras HDF5 files: the real third-party models in shared/real-models (layer classes, options, shapes,
// the hard_sigmoid variant), numbers against Keras-computed outputs (dl4j_*_io.h5), weights-only files with a
// JSON config, format detection, and the errors for broken or unsupported files (written here with the
// HDF5 wrapper's writers, so no Python is needed).

#include <cmath>
#include <fstream>

#include <QTemporaryDir>
#include <QTest>

#include "core/bidirectional.h"
#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/simple_rnn_cell.h"
#include "core/cells/stacked_rnn_cells.h"
#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"
#include "core/io/keras_h5.h"
#include "core/io/model_loader.h"
#include "core/layers/basic_layers.h"
#include "core/rnn_layer.h"

using namespace rnnscope;
using namespace rnnscope::io;

namespace {

std::string realModel(const QString& name)
{
    return (QStringLiteral(RNNSCOPE_SHARED_DIR "/real-models/") + name).toStdString();
}

std::string testData(const QString& name)
{
    return (QStringLiteral(RNNSCOPE_TEST_DATA "/io/") + name).toStdString();
}

std::string activationLabel(const Activation& a)
{
    switch (a.kind()) {
    case ActivationKind::HardSigmoidKeras2:
        return "hard_sigmoid2";
    case ActivationKind::HardSigmoidKeras3:
        return "hard_sigmoid3";
    default:
        return a.name();
    }
}

std::string shapeLabel(const Shape& s)
{
    std::string out;
    for (Index d : s) {
        out += (out.empty() ? "" : ",") + (d < 0 ? std::string("N") : std::to_string(d));
    }
    return "(" + out + ")";
}

std::string cellLabel(const RnnCell& cell)
{
    std::string out = cell.className() + " " + std::to_string(cell.units());
    if (const auto* c = dynamic_cast<const LstmCell*>(&cell)) {
        out += " " + activationLabel(c->activation()) + "/" + activationLabel(c->recurrentActivation());
        out += c->useBias() ? "" : " nobias";
    } else if (const auto* g = dynamic_cast<const GruCell*>(&cell)) {
        out += " " + activationLabel(g->activation()) + "/" + activationLabel(g->recurrentActivation());
        out += g->useBias() ? "" : " nobias";
        out += g->resetAfter() ? " reset_after" : "";
    } else if (const auto* s = dynamic_cast<const SimpleRnnCell*>(&cell)) {
        out += " " + activationLabel(s->activation());
        out += s->useBias() ? "" : " nobias";
    } else if (const auto* st = dynamic_cast<const StackedRnnCells*>(&cell)) {
        out += st->reverseStateOrder() ? " reversed" : "";
        for (const auto& c : st->cells()) {
            out += " <" + cellLabel(*c) + ">";
        }
    }
    return out;
}

std::string rnnLabel(const RnnLayer& rnn)
{
    const RnnOptions& o = rnn.options();
    std::string flags;
    auto flag = [&](bool on, const char* name) {
        if (on) {
            flags += (flags.empty() ? "" : ",") + std::string(name);
        }
    };
    flag(o.returnSequences, "rs");
    flag(o.returnState, "rst");
    flag(o.goBackwards, "gb");
    flag(o.stateful, "stateful");
    flag(o.zeroOutputForMask, "zofm");
    flag(o.unroll, "unroll");
    std::string out = rnn.className() + ":" + rnn.name() + "[" + cellLabel(rnn.cell()) + "]";
    if (!flags.empty()) {
        out += "{" + flags + "}";
    }
    if (o.stateful && o.fixedBatch) {
        out += "b" + std::to_string(*o.fixedBatch);
    }
    return out;
}

// One line per layer of model.layers(): class, name and the options that decide the numbers.
QString summary(const Model& model)
{
    std::string out;
    for (const auto& layer : model.layers()) {
        std::string s;
        if (const auto* in = dynamic_cast<const InputLayer*>(layer.get())) {
            s = "InputLayer:" + in->name() + shapeLabel(in->batchShape()) + (in->integer() ? "int" : "");
        } else if (const auto* rnn = dynamic_cast<const RnnLayer*>(layer.get())) {
            s = rnnLabel(*rnn);
        } else if (const auto* bi = dynamic_cast<const BidirectionalLayer*>(layer.get())) {
            s = "Bidirectional:" + bi->name() + "(" + mergeModeName(bi->mergeMode()) + ")<" + rnnLabel(bi->forward())
                + " | " + rnnLabel(bi->backward()) + ">";
        } else {
            s = layer->className() + ":" + layer->name();
        }
        out += (out.empty() ? "" : "\n") + s;
    }
    return QString::fromStdString(out);
}

QString outputsLabel(const Model& model)
{
    QStringList names;
    for (const auto& o : model.outputs()) {
        names << QString::fromStdString(o.name)
                + QString::fromStdString(shapeLabel(model.nodeShapes()[o.ref.node][o.ref.index]));
    }
    return names.join(' ');
}

struct IoData
{
    Tensor input;
    Tensor prediction;
    Tensor activation;
};

IoData readIo(const std::string& path, const std::string& inputName, const std::string& rnnName)
{
    const Hdf5File file = Hdf5File::openReadOnly(path);
    const Hdf5Group root = file.root();
    auto read = [&](const std::string& name) {
        const Hdf5Dataset d = root.dataset(name);
        return Tensor(d.shape(), d.readFloat32());
    };
    return {read("inputs/" + inputName), read("predictions/dense_1"), read("activations/" + rnnName)};
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b)
{
    if (a.size() != b.size()) {
        return INFINITY;
    }
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        m = std::max(m, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    }
    return m;
}

// A small legacy full-model file written with the HDF5 wrapper, in the layout Keras 2.1 uses.
struct FakeLayer
{
    std::string name;
    std::vector<std::pair<std::string, Shape>> weights; // weight name -> shape; values are 0.01 * index
};

void writeLegacyModel(const std::string& path, const std::string& config, const std::vector<FakeLayer>& layers,
    const std::optional<std::string>& kerasVersion = std::string("2.1.3"), float poison = 0.0F)
{
    Hdf5File file = Hdf5File::create(path);
    Hdf5Group root = file.root();
    if (kerasVersion) {
        root.setStringAttribute("keras_version", *kerasVersion);
    }
    root.setStringAttribute("backend", "tensorflow");
    root.setStringAttribute("model_config", config);
    Hdf5Group weights = root.createGroup("model_weights");
    std::vector<std::string> names;
    for (const auto& l : layers) {
        names.push_back(l.name);
        Hdf5Group g = weights.createGroup(l.name);
        std::vector<std::string> weightNames;
        for (const auto& [wname, shape] : l.weights) {
            const std::string full = l.name + "/" + wname + ":0";
            weightNames.push_back(full);
            std::vector<float> values(static_cast<std::size_t>(shapeVolume(shape)));
            for (std::size_t i = 0; i < values.size(); ++i) {
                values[i] = 0.01F * static_cast<float>(i % 17);
            }
            if (poison != 0.0F && !values.empty()) {
                values[0] = poison;
            }
            g.writeDataset(full, shape, values.data());
        }
        g.setStringListAttribute("weight_names", weightNames);
    }
    weights.setStringListAttribute("layer_names", names);
    if (kerasVersion) {
        weights.setStringAttribute("keras_version", *kerasVersion);
    }
    file.close();
}

const char* kLstmDenseConfig =
    R"({"class_name": "Sequential", "config": [
        {"class_name": "LSTM", "config": {"name": "lstm_1", "units": 4, "batch_input_shape": [null, 3, 2],
          "recurrent_activation": "hard_sigmoid", "return_sequences": false}},
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 1, "activation": "linear"}}]})";

const char* kGruConfigNoResetAfter =
    R"({"class_name": "Sequential", "config": [
        {"class_name": "GRU", "config": {"name": "gru_1", "units": 4, "batch_input_shape": [null, 3, 2]}}]})";

const char* kGruConfigResetAfterFalse =
    R"({"class_name": "Sequential", "config": [
        {"class_name": "GRU", "config": {"name": "gru_1", "units": 4, "batch_input_shape": [null, 3, 2],
          "reset_after": false}}]})";

std::vector<FakeLayer> lstmDenseLayers(Shape recurrentShape = {4, 16})
{
    return {{"lstm_1", {{"kernel", {2, 16}}, {"recurrent_kernel", recurrentShape}, {"bias", {16}}}},
        {"dense_1", {{"kernel", {4, 1}}, {"bias", {1}}}}};
}

} // namespace

class TestKerasH5 : public QObject
{
    Q_OBJECT

private slots:
    void realModels_data();
    void realModels();
    void kerasComputedOutputs_data();
    void kerasComputedOutputs();
    void weightsOnlyWithJsonConfig();
    void hardSigmoidVariantMatters();
    void gruInitialStateInput_data();
    void gruInitialStateInput();
    void gruResetAfterFromBiasShape_data();
    void gruResetAfterFromBiasShape();
    void nanWeightsWarn();
    void detectFileKind_data();
    void detectFileKind();
    void loadErrors_data();
    void loadErrors();
};

// ---------------------------------------------------------------------------------------------------

void TestKerasH5::realModels_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("version");
    QTest::addColumn<QString>("layers");
    QTest::addColumn<QString>("outputs");

    QTest::newRow("simplernn k2.1.3") << "dl4j_simplernn_k213_model.h5"
                                      << "2.1.3"
                                      << "InputLayer:simple_rnn_1_input(25,1,1)\n"
                                         "SimpleRNN:simple_rnn_1[SimpleRNNCell 50 tanh]\n"
                                         "Dense:dense_1"
                                      << "dense_1(25,1)";
    QTest::newRow("lstm hard_sigmoid k2.1.3") << "dl4j_lstm_hardsig_k213_model.h5"
                                              << "2.1.3"
                                              << "InputLayer:lstm_1_input(25,1,1)\n"
                                                 "LSTM:lstm_1[LSTMCell 50 tanh/hard_sigmoid2]\n"
                                                 "Dense:dense_1"
                                              << "dense_1(25,1)";
    QTest::newRow("masking 2.0 k2.2.0") << "dl4j_masking2_lstm_k220.h5"
                                        << "2.2.0"
                                        << "InputLayer:masking_2_input(N,10,42)\n"
                                           "Masking:masking_2\n"
                                           "LSTM:lstm_2[LSTMCell 32 tanh/hard_sigmoid2]"
                                        << "lstm_2(N,32)";
    QTest::newRow("bilstm seq k2.1.3") << "dl4j_bilstm_seq_k213.h5"
                                       << "2.1.3"
                                       << "InputLayer:bidirectional_1_input(N,4,10)\n"
                                          "Bidirectional:bidirectional_1(concat)<"
                                          "LSTM:forward_lstm_1[LSTMCell 10 tanh/hard_sigmoid2]{rs,zofm} | "
                                          "LSTM:backward_lstm_1[LSTMCell 10 tanh/hard_sigmoid2]{rs,gb,zofm}>"
                                       << "bidirectional_1(N,4,20)";
    QTest::newRow("bilstm relu repeat tf2.2.4") << "dl4j_tfk224_bilstm_relu_repeat.h5"
                                                << "2.2.4-tf"
                                                << "InputLayer:input_156(N,N,3)\n"
                                                   "Bidirectional:bidirectional_114(concat)<"
                                                   "LSTM:forward_lstm_134[LSTMCell 6 relu/hard_sigmoid2] | "
                                                   "LSTM:backward_lstm_134[LSTMCell 6 relu/hard_sigmoid2]{gb}>\n"
                                                   "RepeatVector:repeat_vector_37\n"
                                                   "Bidirectional:bidirectional_115(concat)<"
                                                   "LSTM:forward_lstm_135[LSTMCell 4 relu/hard_sigmoid2] | "
                                                   "LSTM:backward_lstm_135[LSTMCell 4 relu/hard_sigmoid2]{gb}>"
                                                << "bidirectional_115(N,8)";
    QTest::newRow("gru stateful reset_after tf2.2.4")
        << "fdeep_gru_stateful_tk224.h5"
        << "2.2.4-tf"
        << "InputLayer:input_1(1,3,1)\n"
           "InputLayer:input_2(1,1)\n"
           "GRU:gru_1[GRUCell 1 linear/sigmoid nobias reset_after]{rs,stateful}b1"
        << "gru_1(1,3,1)";
    QTest::newRow("gru stateless tf2.2.4") << "fdeep_gru_stateless_tk224.h5"
                                           << "2.2.4-tf"
                                           << "InputLayer:input_1(1,3,1)\n"
                                              "InputLayer:input_2(1,1)\n"
                                              "GRU:gru[GRUCell 1 linear/sigmoid nobias reset_after]{rs}"
                                           << "gru(1,3,1)";
    QTest::newRow("embedding gru k2.0.4 (no reset_after key)") << "cse5393_embedding_gru_k204.h5"
                                                               << "2.0.4"
                                                               << "InputLayer:input_2(N,500)int\n"
                                                                  "Embedding:embedding_2\n"
                                                                  "GRU:gru_2[GRUCell 50 tanh/hard_sigmoid2]\n"
                                                                  "Dense:dense_7"
                                                               << "dense_7(N,2)";
    QTest::newRow("bilstm tf2.12 (.keras name, HDF5 content)")
        << "tfk212_bilstm_hdf5_named.keras"
        << "2.12.0"
        << "InputLayer:input_1(N,1,167)\n"
           "Bidirectional:bidirectional(concat)<"
           "LSTM:forward_lstm[LSTMCell 64 tanh/sigmoid]{rs,zofm} | LSTM:backward_lstm[LSTMCell 64 "
           "tanh/sigmoid]{rs,gb,zofm}>\n"
           "Dropout:dropout\n"
           "Bidirectional:bidirectional_1(concat)<"
           "LSTM:forward_lstm_1[LSTMCell 32 tanh/sigmoid] | LSTM:backward_lstm_1[LSTMCell 32 tanh/sigmoid]{gb}>\n"
           "Dropout:dropout_1\n"
           "Dense:dense\n"
           "Dense:dense_1"
        << "dense_1(N,1)";
    QTest::newRow("keras 3.14 legacy h5") << "k3_legacy_h5_simplernn_k3141.h5"
                                          << "3.14.1"
                                          << "InputLayer:input_layer_1(N,128,9)\n"
                                             "SimpleRNN:simple_rnn_1[SimpleRNNCell 128 tanh]\n"
                                             "Dropout:dropout_1\n"
                                             "Dense:dense_2\n"
                                             "Dense:dense_3"
                                          << "dense_3(N,6)";
    QTest::newRow("functional stateful lstm k2.2.5")
        << "fdeep_lstm_stateful_k225.h5"
        << "2.2.5"
        << "InputLayer:input_1(1,17,4)\n"
           "InputLayer:input_2(1,1,10)\n"
           "LSTM:lstm_sequences_0_st-True[LSTMCell 8 tanh/relu]{rs,stateful}b1\n"
           "Bidirectional:bidirectional_1(concat)<"
           "LSTM:forward_bi-lstm1_0_st-True[LSTMCell 4 tanh/hard_sigmoid2]{rs,stateful,zofm}b1 | "
           "LSTM:backward_bi-lstm1_0_st-True[LSTMCell 4 tanh/hard_sigmoid2]{rs,gb,stateful,zofm}b1>\n"
           "LSTM:lstm_sequences_1_st-False[LSTMCell 8 tanh/relu]{rs}\n"
           "Bidirectional:bidirectional_3(concat)<"
           "LSTM:forward_bi-lstm1_1_st-False[LSTMCell 4 tanh/hard_sigmoid2]{rs,zofm} | "
           "LSTM:backward_bi-lstm1_1_st-False[LSTMCell 4 tanh/hard_sigmoid2]{rs,gb,zofm}>\n"
           "InputLayer:input_3(1,N,4)\n"
           "InputLayer:input_4(1,12)\n"
           "InputLayer:input_5(1,12)\n"
           "LSTM:lstm_regular_0_st-False[LSTMCell 3 tanh/sigmoid]\n"
           "LSTM:lstm_state_return_0_st-True[LSTMCell 3 tanh/sigmoid]{rst,stateful}b1\n"
           "Bidirectional:bidirectional_2(concat)<"
           "LSTM:forward_bi-lstm2_0_st-False[LSTMCell 6 tanh/linear] | "
           "LSTM:backward_bi-lstm2_0_st-False[LSTMCell 6 tanh/linear]{gb}>\n"
           "LSTM:lstm_regular_1_st-True[LSTMCell 3 tanh/sigmoid]{stateful}b1\n"
           "LSTM:lstm_state_return_1_st-False[LSTMCell 3 tanh/sigmoid]{rst}\n"
           "Bidirectional:bidirectional_4(concat)<"
           "LSTM:forward_bi-lstm2_1_st-True[LSTMCell 6 tanh/linear]{stateful}b1 | "
           "LSTM:backward_bi-lstm2_1_st-True[LSTMCell 6 tanh/linear]{gb,stateful}b1>\n"
           "LSTM:initial_state_stateful[LSTMCell 12 tanh/hard_sigmoid2]{rs,rst,stateful}b1\n"
           "LSTM:initial_state_not_stateful[LSTMCell 12 tanh/hard_sigmoid2]{rst}"
        << "lstm_regular_0_st-False(1,3) lstm_state_return_0_st-True_0(1,3) lstm_state_return_0_st-True_1(1,3) "
           "lstm_state_return_0_st-True_2(1,3) bidirectional_2(1,12) lstm_regular_1_st-True(1,3) "
           "lstm_state_return_1_st-False_0(1,3) lstm_state_return_1_st-False_1(1,3) "
           "lstm_state_return_1_st-False_2(1,3) bidirectional_4(1,12) initial_state_stateful_0(1,N,12) "
           "initial_state_stateful_1(1,12) initial_state_stateful_2(1,12) initial_state_not_stateful_0(1,12) "
           "initial_state_not_stateful_1(1,12) initial_state_not_stateful_2(1,12)";
}

void TestKerasH5::realModels()
{
    QFETCH(QString, file);
    QFETCH(QString, version);
    QFETCH(QString, layers);
    QFETCH(QString, outputs);

    LoadedModel loaded = loadModel(realModel(file), std::nullopt);
    QCOMPARE(QString::fromStdString(loaded.format), QStringLiteral("legacy-h5"));
    QCOMPARE(QString::fromStdString(loaded.version.text), version);
    QCOMPARE(summary(*loaded.model), layers);
    QCOMPARE(outputsLabel(*loaded.model), outputs);
    for (const auto& w : loaded.warnings) {
        qWarning("%s", w.c_str());
    }
}

// ---------------------------------------------------------------------------------------------------

void TestKerasH5::kerasComputedOutputs_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("weights"); // empty: the full model file's own weights
    QTest::addColumn<QString>("io");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("rnn");

    QTest::newRow("simplernn") << "dl4j_simplernn_k213_model.h5"
                               << ""
                               << "dl4j_simplernn_k213_io.h5"
                               << "simple_rnn_1_input"
                               << "simple_rnn_1";
    QTest::newRow("lstm hard_sigmoid") << "dl4j_lstm_hardsig_k213_model.h5"
                                       << ""
                                       << "dl4j_lstm_hardsig_k213_io.h5"
                                       << "lstm_1_input"
                                       << "lstm_1";
    QTest::newRow("lstm from json + weights-only file") << ""
                                                        << "dl4j_lstm_hardsig_k213_weights.h5"
                                                        << "dl4j_lstm_hardsig_k213_io.h5"
                                                        << "lstm_1_input"
                                                        << "lstm_1";
}

void TestKerasH5::kerasComputedOutputs()
{
    QFETCH(QString, model);
    QFETCH(QString, weights);
    QFETCH(QString, io);
    QFETCH(QString, input);
    QFETCH(QString, rnn);

    LoadedModel loaded = model.isEmpty() ? loadModel(testData("dl4j_lstm_hardsig_k213_config.json"), realModel(weights))
                                         : loadModel(realModel(model), std::nullopt);
    const IoData data = readIo(realModel(io), input.toStdString(), rnn.toStdString());

    ModelTrace trace;
    CallContext context;
    context.trace = &trace;
    const std::vector<Tensor> out = loaded.model->predict({data.input}, {}, context);
    QCOMPARE(out.size(), std::size_t {1});
    QCOMPARE(out[0].shape(), data.prediction.shape());
    const double predictionError = maxAbsDiff(out[0].values(), data.prediction.values());

    // The RNN's output (return_sequences=False, one timestep): the recorded output of its last step.
    const LayerTrace* layerTrace = trace.find(rnn.toStdString());
    QVERIFY(layerTrace != nullptr);
    const Index last = layerTrace->steps - 1;
    std::vector<float> activation;
    for (Index b = 0; b < layerTrace->batch; ++b) {
        for (Index u = 0; u < layerTrace->output.width(); ++u) {
            activation.push_back(layerTrace->output.at(last, b, u));
        }
    }
    const double activationError = maxAbsDiff(activation, data.activation.values());
    qInfo("max |error|: prediction %.3g, %s activation %.3g", predictionError, qPrintable(rnn), activationError);
    QVERIFY2(predictionError < 1e-5, qPrintable(QString::number(predictionError)));
    QVERIFY2(activationError < 1e-5, qPrintable(QString::number(activationError)));
}

void TestKerasH5::weightsOnlyWithJsonConfig()
{
    // The weights-only file of dl4j's LSTM model with the config extracted from the full model file
    // (tests/data/io/dl4j_lstm_hardsig_k213_config.json) gives exactly the full model's weights.
    LoadedModel full = loadModel(realModel("dl4j_lstm_hardsig_k213_model.h5"), std::nullopt);
    LoadedModel split
        = loadModel(testData("dl4j_lstm_hardsig_k213_config.json"), realModel("dl4j_lstm_hardsig_k213_weights.h5"));
    QCOMPARE(QString::fromStdString(split.format), QStringLiteral("json+legacy-h5-weights"));
    // The config has no keras_version: the weights file's decides (hard_sigmoid = 0.2x + 0.5).
    QCOMPARE(QString::fromStdString(split.version.text), QStringLiteral("2.1.3"));
    QCOMPARE(summary(*split.model), summary(*full.model));
    QCOMPARE(split.model->layers().size(), full.model->layers().size());
    int arrays = 0;
    for (std::size_t i = 0; i < full.model->layers().size(); ++i) {
        auto a = full.model->layers()[i]->weights();
        auto b = split.model->layers()[i]->weights();
        QCOMPARE(a.size(), b.size());
        for (std::size_t k = 0; k < a.size(); ++k) {
            QCOMPARE(a[k].shape, b[k].shape);
            const auto n = static_cast<std::size_t>(shapeVolume(a[k].shape));
            QVERIFY(std::equal(a[k].data, a[k].data + n, b[k].data));
            ++arrays;
        }
    }
    QCOMPARE(arrays, 5);
}

void TestKerasH5::hardSigmoidVariantMatters()
{
    // The same LSTM read as if Keras 3 had written it computes hard_sigmoid as x/6 + 0.5 and misses the Keras 2.1.3
    // outputs by far more than the tolerance: the version really selects the formula.
    const KerasConfigFile config = readKerasConfigJson(testData("dl4j_lstm_hardsig_k213_config.json"));
    const std::string weightsPath = realModel("dl4j_lstm_hardsig_k213_weights.h5");
    const LegacyWeights weights = readLegacyWeightsFile(Hdf5File::openReadOnly(weightsPath));
    auto model = modelFromKerasConfig(config.config, KerasVersion::parse("3.0.0", "test"), "config.json");
    QVERIFY(assignModelWeights(*model, weights.layers, weightsPath).empty());
    const IoData data = readIo(realModel("dl4j_lstm_hardsig_k213_io.h5"), "lstm_1_input", "lstm_1");
    const std::vector<Tensor> out = model->predict({data.input});
    const double error = maxAbsDiff(out.at(0).values(), data.prediction.values());
    qInfo("max |error| with the Keras 3 hard_sigmoid: %.3g", error);
    QVERIFY(error > 1e-2);
}

void TestKerasH5::gruInitialStateInput_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("stateless") << "fdeep_gru_stateless_tk224.h5";
    QTest::newRow("stateful, first call") << "fdeep_gru_stateful_tk224.h5";
}

void TestKerasH5::gruInitialStateInput()
{
    // frugally-deep's Keras-computed reference (test/stateful_test/temp_rnn_results.txt @52fc9082, quoted in
    // shared/real-models/README.md): GRU(1, linear, reset_after, no bias) with its initial state as a model input.
    QFETCH(QString, file);
    LoadedModel loaded = loadModel(realModel(file), std::nullopt);
    const std::vector<Tensor> out
        = loaded.model->predict({Tensor({1, 3, 1}, {1.0F, 0.0F, 0.0F}), Tensor({1, 1}, {10.0F})});
    QCOMPARE(out.size(), std::size_t {1});
    const double error = maxAbsDiff(out[0].values(), {-7.676248F, -7.5144324F, -7.3429837F});
    qInfo("max |error| %.3g", error);
    QVERIFY2(error < 1e-5, qPrintable(QString::number(error)));
}

// ---------------------------------------------------------------------------------------------------

void TestKerasH5::gruResetAfterFromBiasShape_data()
{
    QTest::addColumn<QString>("config");
    QTest::addColumn<QList<qint64>>("bias");
    QTest::addColumn<bool>("resetAfter");
    QTest::addColumn<QString>("error"); // empty: loads

    QTest::newRow("no key, bias (12,) -> original GRU") << kGruConfigNoResetAfter << QList<qint64> {12} << false << "";
    QTest::newRow("no key, bias (2, 12) -> reset_after")
        << kGruConfigNoResetAfter << QList<qint64> {2, 12} << true << "";
    QTest::newRow("reset_after=false but bias (2, 12)")
        << kGruConfigResetAfterFalse << QList<qint64> {2, 12} << false
        << "layer 'gru_1' weight 2 (bias) has shape (2, 12), expected (12,) (the file's GRU bias is the "
           "reset_after=True form, but the config says reset_after=False)";
}

void TestKerasH5::gruResetAfterFromBiasShape()
{
    QFETCH(QString, config);
    QFETCH(QList<qint64>, bias);
    QFETCH(bool, resetAfter);
    QFETCH(QString, error);

    QTemporaryDir dir;
    const std::string path = dir.filePath("gru.h5").toStdString();
    writeLegacyModel(path, config.toStdString(),
        {{"gru_1", {{"kernel", {2, 12}}, {"recurrent_kernel", {4, 12}}, {"bias", Shape(bias.begin(), bias.end())}}}});
    try {
        LoadedModel loaded = loadModel(path, std::nullopt);
        QVERIFY2(error.isEmpty(), "loaded although an error was expected");
        auto& rnn = dynamic_cast<RnnLayer&>(*loaded.model->layers()[1]);
        QCOMPARE(dynamic_cast<GruCell&>(rnn.cell()).resetAfter(), resetAfter);
    } catch (const FileError& e) {
        QVERIFY2(!error.isEmpty(), e.what());
        QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString(path));
        QCOMPARE(QString::fromStdString(e.problem()), error);
    }
}

void TestKerasH5::nanWeightsWarn()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("nan.h5").toStdString();
    writeLegacyModel(path, kLstmDenseConfig, lstmDenseLayers(), std::string("2.1.3"), NAN);
    LoadedModel loaded = loadModel(path, std::nullopt);
    QCOMPARE(loaded.warnings.size(), std::size_t {5});
    QVERIFY(QString::fromStdString(loaded.warnings[0]).contains("layer 'lstm_1' weight 0 (kernel) contains 1 NaN"));
}

// ---------------------------------------------------------------------------------------------------

void TestKerasH5::detectFileKind_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("kind");

    const QByteArray magic("\x89HDF\r\n\x1a\n", 8);
    QTest::newRow("hdf5") << (magic + QByteArray(100, '\0')) << int(FileKind::Hdf5);
    QTest::newRow("hdf5 after a 512-byte user block")
        << (QByteArray(512, 'u') + magic + QByteArray(100, '\0')) << int(FileKind::Hdf5);
    QTest::newRow("hdf5 after a 2048-byte user block") << (QByteArray(2048, 'u') + magic) << int(FileKind::Hdf5);
    QTest::newRow("magic at 700 is not hdf5")
        << (QByteArray(700, 'u') + magic + QByteArray(2000, 'x')) << int(FileKind::Unknown);
    QTest::newRow("zip") << QByteArray("PK\x03\x04rest", 8) << int(FileKind::Zip);
    QTest::newRow("json") << QByteArray("  \n {\"class_name\": 1}") << int(FileKind::Json);
    QTest::newRow("json with BOM") << QByteArray("\xEF\xBB\xBF{}") << int(FileKind::Json);
    QTest::newRow("text") << QByteArray("hello") << int(FileKind::Unknown);
    QTest::newRow("empty") << QByteArray() << int(FileKind::Unknown);
}

void TestKerasH5::detectFileKind()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, kind);
    QTemporaryDir dir;
    const std::string path = dir.filePath("f").toStdString();
    std::ofstream(path, std::ios::binary).write(bytes.constData(), bytes.size());
    QCOMPARE(int(io::detectFileKind(path)), kind);
}

void TestKerasH5::loadErrors_data()
{
    QTest::addColumn<QString>("setup"); // what to write into the temporary directory
    QTest::addColumn<QString>("model"); // a path, "tmp:<name>" for the temporary directory, "real:<name>"
    QTest::addColumn<QString>("weights"); // same, or empty
    QTest::addColumn<QString>("errorFile"); // which file the error names
    QTest::addColumn<QString>("problem"); // a substring of the problem

    QTest::newRow("keras 1 file") << "keras1"
                                  << "tmp:m.h5"
                                  << ""
                                  << "tmp:m.h5"
                                  << "Keras 1 files are not supported (no keras_version attribute)";
    QTest::newRow("weight of wrong shape") << "wrongshape"
                                           << "tmp:m.h5"
                                           << ""
                                           << "tmp:m.h5"
                                           << "layer 'lstm_1' weight 1 (recurrent_kernel) has shape (4, 20), "
                                              "expected (4, 16)";
    QTest::newRow("layer count") << "missinglayer"
                                 << "tmp:m.h5"
                                 << ""
                                 << "tmp:m.h5"
                                 << "the file has weights for 1 layers (lstm_1) but the model has 2 layers with "
                                    "weights (lstm_1, dense_1)";
    QTest::newRow("unknown layer class") << "unknownclass"
                                         << "tmp:m.h5"
                                         << ""
                                         << "tmp:m.h5"
                                         << "layer 'conv' (Conv1D): unsupported layer class 'Conv1D'";
    QTest::newRow("unknown activation") << "unknownactivation"
                                        << "tmp:m.h5"
                                        << ""
                                        << "tmp:m.h5"
                                        << "layer 'lstm_1' (LSTM): unknown recurrent_activation 'swoosh'";
    QTest::newRow("missing weights file") << ""
                                          << "data:dl4j_lstm_hardsig_k213_config.json"
                                          << "tmp:nothere.h5"
                                          << "tmp:nothere.h5"
                                          << "cannot open";
    QTest::newRow("config without weights") << ""
                                            << "data:dl4j_lstm_hardsig_k213_config.json"
                                            << ""
                                            << "data:dl4j_lstm_hardsig_k213_config.json"
                                            << "give the weights file";
    QTest::newRow("missing model file") << ""
                                        << "tmp:nothere.h5"
                                        << ""
                                        << "tmp:nothere.h5"
                                        << "cannot open";
    QTest::newRow("weights-only file as model") << ""
                                                << "real:dl4j_lstm_hardsig_k213_weights.h5"
                                                << ""
                                                << "real:dl4j_lstm_hardsig_k213_weights.h5"
                                                << "weights-only file";
    // Keras 3 files load (tst_keras_archive); paired with another model's files they fail like legacy ones.
    QTest::newRow("keras 3 archive with legacy weights of another model")
        << ""
        << "real:k3_gru_stacked.keras"
        << "real:dl4j_lstm_hardsig_k213_weights.h5"
        << "real:dl4j_lstm_hardsig_k213_weights.h5"
        << "the file has weights for 2 layers (lstm_1, dense_1) but the model has 4 layers with weights";
    QTest::newRow("keras 3 archive as weights of another model") << ""
                                                                 << "data:dl4j_lstm_hardsig_k213_config.json"
                                                                 << "real:k3_gru_stacked.keras"
                                                                 << "real:k3_gru_stacked.keras"
                                                                 << "member model.weights.h5: no layers/lstm for "
                                                                    "layer 'lstm_1' (LSTM)";
    QTest::newRow("keras 3 weights.h5 without arrays") << "k3weights"
                                                       << "data:dl4j_lstm_hardsig_k213_config.json"
                                                       << "tmp:w.weights.h5"
                                                       << "tmp:w.weights.h5"
                                                       << "layers/lstm/cell/vars: holds 0 arrays, expected 3";
    QTest::newRow("unrecognised content") << "text"
                                          << "tmp:m.h5"
                                          << ""
                                          << "tmp:m.h5"
                                          << "not a Keras model file (unrecognised content)";
    QTest::newRow("io data file, not a model") << ""
                                               << "real:dl4j_simplernn_k213_io.h5"
                                               << ""
                                               << "real:dl4j_simplernn_k213_io.h5"
                                               << "no model_config attribute";
    QTest::newRow("weights of another model")
        << ""
        << "data:dl4j_lstm_hardsig_k213_config.json"
        << "real:dl4j_simplernn_k213_model.h5"
        << "real:dl4j_simplernn_k213_model.h5"
        << "layer 'lstm_1' weight 0 (kernel) has shape (1, 50), expected (1, 200)";
}

void TestKerasH5::loadErrors()
{
    QFETCH(QString, setup);
    QFETCH(QString, model);
    QFETCH(QString, weights);
    QFETCH(QString, errorFile);
    QFETCH(QString, problem);

    QTemporaryDir dir;
    auto resolve = [&](const QString& spec) {
        if (spec.startsWith("tmp:")) {
            return dir.filePath(spec.mid(4)).toStdString();
        }
        if (spec.startsWith("real:")) {
            return realModel(spec.mid(5));
        }
        if (spec.startsWith("data:")) {
            return testData(spec.mid(5));
        }
        return spec.toStdString();
    };
    const std::string m = dir.filePath("m.h5").toStdString();
    if (setup == "keras1") {
        writeLegacyModel(m, kLstmDenseConfig, lstmDenseLayers(), std::nullopt);
    } else if (setup == "wrongshape") {
        writeLegacyModel(m, kLstmDenseConfig, lstmDenseLayers({4, 20}));
    } else if (setup == "missinglayer") {
        auto layers = lstmDenseLayers();
        layers.pop_back();
        writeLegacyModel(m, kLstmDenseConfig, layers);
    } else if (setup == "unknownclass") {
        writeLegacyModel(m,
            R"({"class_name": "Sequential", "config": [{"class_name": "Conv1D",
                             "config": {"name": "conv", "batch_input_shape": [null, 3, 2]}}]})",
            {});
    } else if (setup == "unknownactivation") {
        std::string config = kLstmDenseConfig;
        config.replace(config.find("hard_sigmoid"), 12, "swoosh");
        writeLegacyModel(m, config, lstmDenseLayers());
    } else if (setup == "k3weights") {
        Hdf5File f = Hdf5File::create(dir.filePath("w.weights.h5").toStdString());
        f.root().createGroup("layers/lstm/cell/vars");
        f.root().createGroup("vars");
        f.close();
    } else if (setup == "text") {
        std::ofstream(m) << "this is not a model\n";
    }

    const std::optional<std::string> weightsPath
        = weights.isEmpty() ? std::nullopt : std::optional<std::string>(resolve(weights));
    try {
        loadModel(resolve(model), weightsPath);
        QFAIL("no error");
    } catch (const FileError& e) {
        QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString(resolve(errorFile)));
        QVERIFY2(QString::fromStdString(e.problem()).contains(problem), e.what());
        QVERIFY(QString::fromUtf8(e.what()).startsWith(QString::fromStdString(resolve(errorFile)) + ": "));
    }
}

QTEST_GUILESS_MAIN(TestKerasH5)
#include "tst_keras_h5.moc"
