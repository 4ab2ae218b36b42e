// Keras model configs -> engine models: version parsing, both config generations (Keras 2 lists, Keras 3
// {"args","kwargs"} nodes), every supported layer and cell, and errors that name the layer and the problem.

#include <nlohmann/json.hpp>

#include <QTest>

#include "core/bidirectional.h"
#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/simple_rnn_cell.h"
#include "core/cells/stacked_rnn_cells.h"
#include "core/io/file_error.h"
#include "core/io/keras_config.h"
#include "core/io/keras_h5.h"
#include "core/layers/basic_layers.h"
#include "core/rnn_layer.h"

using namespace rnnscope;
using namespace rnnscope::io;
using nlohmann::json;

namespace {

KerasVersion version(const std::string& text)
{
    return KerasVersion::parse(text, "test");
}

std::unique_ptr<Model> build(const std::string& text, const std::string& kerasVersion = "2.15.0",
    std::vector<std::string>* warnings = nullptr, const ConfigHints& hints = {})
{
    return modelFromKerasConfig(json::parse(text), version(kerasVersion), "cfg.json", warnings, hints);
}

template <typename T> T& layerAs(Model& model, const std::string& name)
{
    Layer* layer = model.findLayer(name);
    if (layer == nullptr) {
        throw std::runtime_error("no layer " + name);
    }
    return dynamic_cast<T&>(*layer);
}

QList<qint64> toList(const Shape& s)
{
    return QList<qint64>(s.begin(), s.end());
}

QStringList outputNames(const Model& model)
{
    QStringList names;
    for (const auto& o : model.outputs()) {
        names << QString::fromStdString(o.name);
    }
    return names;
}

// A Keras 3 `__keras_tensor__` reference.
std::string kt(const std::string& layer, int node = 0, int tensor = 0)
{
    return R"({"class_name": "__keras_tensor__", "config": {"shape": [null, 5, 3], "dtype": "float32",
               "keras_history": [")"
        + layer + "\", " + std::to_string(node) + ", " + std::to_string(tensor) + "]}}";
}

const char* kLstmCellCfg = R"({"class_name": "LSTMCell", "config": {"name": "c%1", "units": %2}})";

} // namespace

class TestKerasConfig : public QObject
{
    Q_OBJECT

private slots:
    void versions_data();
    void versions();
    void stackedStateOrder_data();
    void stackedStateOrder();
    void hardSigmoidByVersion_data();
    void hardSigmoidByVersion();
    void embeddingMaskZeroJson();
    void sequentialWithoutInputLayer();
    void keras3FunctionalInitialState();
    void keras2FunctionalInitialStateAndSharedLayer();
    void rnnWithCells_data();
    void rnnWithCells();
    void bidirectionalVariants();
    void gruResetAfterDefaults_data();
    void gruResetAfterDefaults();
    void otherLayers();
    void dtypes();
    void configJsonWrappers_data();
    void configJsonWrappers();
    void errors_data();
    void errors();
};

// ---------------------------------------------------------------------------------------------------

void TestKerasConfig::versions_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("major");
    QTest::addColumn<int>("minor");
    QTest::addColumn<int>("patch");
    QTest::addColumn<bool>("tf");

    QTest::newRow("standalone") << "2.1.3" << 2 << 1 << 3 << false;
    QTest::newRow("tf.keras") << "2.2.4-tf" << 2 << 2 << 4 << true;
    QTest::newRow("keras 3") << "3.6.0" << 3 << 6 << 0 << false;
    QTest::newRow("two parts") << "2.15" << 2 << 15 << 0 << false;
    QTest::newRow("rc") << "3.0.0rc1" << 3 << 0 << 0 << false;
    QTest::newRow("tfjs") << "tfjs-layers 4.2.0" << 2 << 0 << 0 << false;
}

void TestKerasConfig::versions()
{
    QFETCH(QString, text);
    QFETCH(int, major);
    QFETCH(int, minor);
    QFETCH(int, patch);
    QFETCH(bool, tf);
    const KerasVersion v = version(text.toStdString());
    QCOMPARE(v.major, major);
    QCOMPARE(v.minor, minor);
    QCOMPARE(v.patch, patch);
    QCOMPARE(v.isTfKeras(), tf);
    QCOMPARE(QString::fromStdString(v.text), text);
    QVERIFY_THROWS_EXCEPTION(FileError, version("abc"));
    QVERIFY_THROWS_EXCEPTION(FileError, version(""));
}

void TestKerasConfig::stackedStateOrder_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("reversed");
    QTest::newRow("keras 2.2.4") << "2.2.4" << true;
    QTest::newRow("keras 2.2.5") << "2.2.5" << true;
    QTest::newRow("keras 2.3.1") << "2.3.1" << false;
    QTest::newRow("tf 1.12 (2.1.6-tf)") << "2.1.6-tf" << true;
    QTest::newRow("tf 2.0 (2.2.4-tf)") << "2.2.4-tf" << false;
    QTest::newRow("tf.keras 2.15") << "2.15.0" << false;
    QTest::newRow("keras 3") << "3.6.0" << false;
}

void TestKerasConfig::stackedStateOrder()
{
    QFETCH(QString, text);
    QFETCH(bool, reversed);
    QCOMPARE(stackedStatesReversed(version(text.toStdString())), reversed);
    // And the RNN built from a list of cells follows it.
    auto model = build(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "RNN", "config": {"name": "rnn", "batch_input_shape": [null, 5, 3],
         "cell": [{"class_name": "LSTMCell", "config": {"name": "a", "units": 4}},
                  {"class_name": "GRUCell", "config": {"name": "b", "units": 2, "reset_after": false}}]}}]}})",
        text.toStdString());
    auto& stack = dynamic_cast<StackedRnnCells&>(layerAs<RnnLayer>(*model, "rnn").cell());
    QCOMPARE(stack.reverseStateOrder(), reversed);
}

void TestKerasConfig::hardSigmoidByVersion_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("kind");
    QTest::newRow("keras 2.1.3") << "2.1.3" << int(ActivationKind::HardSigmoidKeras2);
    QTest::newRow("tf.keras 2.15") << "2.15.0" << int(ActivationKind::HardSigmoidKeras2);
    QTest::newRow("keras 3.6") << "3.6.0" << int(ActivationKind::HardSigmoidKeras3);
}

void TestKerasConfig::hardSigmoidByVersion()
{
    QFETCH(QString, text);
    QFETCH(int, kind);
    auto model = build(R"({"class_name": "Sequential", "config": [
        {"class_name": "LSTM", "config": {"name": "l", "units": 2, "batch_input_shape": [null, 4, 1],
          "recurrent_activation": "hard_sigmoid"}}]})",
        text.toStdString());
    auto& cell = dynamic_cast<LstmCell&>(layerAs<RnnLayer>(*model, "l").cell());
    QCOMPARE(int(cell.recurrentActivation().kind()), kind);
    QCOMPARE(int(cell.activation().kind()), int(ActivationKind::Tanh));
    QCOMPARE(model->kerasMajorVersion(), text.at(0).digitValue());
}

// ---------------------------------------------------------------------------------------------------

void TestKerasConfig::embeddingMaskZeroJson()
{
    // dl4j's architecture-only JSON (Keras 2.1.2 `to_json()`): no weights needed to build the model.
    const KerasConfigFile file
        = readKerasConfigJson(RNNSCOPE_SHARED_DIR "/real-models/dl4j_embedding_maskzero_lstm_k212_config.json");
    QVERIFY(file.version.has_value());
    QCOMPARE(QString::fromStdString(file.version->text), QStringLiteral("2.1.2"));
    auto model = modelFromKerasConfig(file.config, *file.version, "x.json");
    QCOMPARE(model->className(), std::string("Functional"));
    QCOMPARE(model->inputs().size(), std::size_t {1});
    QVERIFY(model->inputs()[0].integer); // feeds an Embedding
    QCOMPARE(toList(model->inputs()[0].shape), (QList<qint64> {-1, 3}));
    auto& lstm = layerAs<RnnLayer>(*model, "lstm_1");
    QVERIFY(lstm.options().returnSequences);
    auto& cell = dynamic_cast<LstmCell&>(lstm.cell());
    QCOMPARE(int(cell.activation().kind()), int(ActivationKind::Linear));
    QCOMPARE(int(cell.recurrentActivation().kind()), int(ActivationKind::Linear));
    QCOMPARE(cell.units(), Index {1});
    QCOMPARE(layerAs<EmbeddingLayer>(*model, "embedding_1").weights().at(0).shape, (Shape {10, 1}));
    QCOMPARE(layerAs<DenseLayer>(*model, "dense_1").weights().size(), std::size_t {1}); // use_bias=False
    const auto& out = model->outputs().at(0);
    QCOMPARE(toList(model->nodeShapes()[out.ref.node][out.ref.index]), (QList<qint64> {-1, 3, 1}));
    QCOMPARE(outputNames(*model), QStringList {"dense_1"});
}

void TestKerasConfig::sequentialWithoutInputLayer()
{
    // Standalone Keras <= 2.3: no InputLayer entry; the first layer carries batch_input_shape and Keras named the
    // implicit input "<first>_input".
    auto model = build(R"({"class_name": "Sequential", "config": {"name": "seq", "layers": [
        {"class_name": "Embedding", "config": {"name": "emb", "input_dim": 20, "output_dim": 4, "mask_zero": true,
          "batch_input_shape": [null, 7], "input_length": 7}},
        {"class_name": "SimpleRNN", "config": {"name": "rnn", "units": 3, "activation": "relu",
          "return_sequences": true, "go_backwards": true, "unroll": true}},
        {"class_name": "TimeDistributed", "config": {"name": "td",
          "layer": {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": "softmax"}}}}]}})",
        "2.2.4");
    QCOMPARE(model->layers().front()->name(), std::string("emb_input"));
    QCOMPARE(model->inputs().size(), std::size_t {1});
    QVERIFY(model->inputs()[0].integer);
    QCOMPARE(toList(model->inputs()[0].shape), (QList<qint64> {-1, 7}));
    auto& rnn = layerAs<RnnLayer>(*model, "rnn");
    QVERIFY(rnn.options().goBackwards);
    QVERIFY(rnn.options().unroll);
    QCOMPARE(int(dynamic_cast<SimpleRnnCell&>(rnn.cell()).activation().kind()), int(ActivationKind::Relu));
    QCOMPARE(layerAs<TimeDistributedLayer>(*model, "td").weights().at(0).shape, (Shape {3, 2}));
    const auto& out = model->outputs().at(0);
    QCOMPARE(toList(model->nodeShapes()[out.ref.node][out.ref.index]), (QList<qint64> {-1, 7, 2}));
}

void TestKerasConfig::keras3FunctionalInitialState()
{
    // Keras 3 form (keras-formats §3.3): {"args", "kwargs"} nodes, flat input/output layer refs for one tensor,
    // DTypePolicy dicts, module/registered_name bookkeeping, an implicit mask kwarg (ignored).
    const std::string dtype
        = R"({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null})";
    const std::string text = R"({"module": "keras.src.models.functional", "class_name": "Functional",
      "registered_name": "Functional", "config": {"name": "s2s", "trainable": true, "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null, "name": "enc_in",
         "config": {"batch_shape": [null, null, 3], "dtype": "float32", "sparse": false, "ragged": false,
                    "name": "enc_in", "optional": false}, "inbound_nodes": []},
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null, "name": "dec_in",
         "config": {"batch_shape": [null, null, 2], "dtype": "float32", "name": "dec_in"}, "inbound_nodes": []},
        {"module": "keras.layers", "class_name": "LSTM", "registered_name": null, "name": "enc",
         "build_config": {"input_shape": [null, null, 3]},
         "config": {"name": "enc", "trainable": true, "dtype": )"
        + dtype + R"(, "return_sequences": false, "return_state": true,
                    "go_backwards": false, "stateful": false, "unroll": false, "zero_output_for_mask": false,
                    "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
                    "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                           "config": {"seed": null}, "registered_name": null},
                    "unit_forget_bias": true, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": null},
         "inbound_nodes": [{"args": [)"
        + kt("enc_in") + R"(], "kwargs": {"training": false, "mask": null}}]},
        {"module": "keras.layers", "class_name": "LSTM", "registered_name": null, "name": "dec",
         "config": {"name": "dec", "dtype": )"
        + dtype + R"(, "return_sequences": true, "return_state": true,
                    "zero_output_for_mask": true, "units": 4},
         "inbound_nodes": [{"args": [)"
        + kt("dec_in") + R"(], "kwargs": {"initial_state": [)" + kt("enc", 0, 1) + ", " + kt("enc", 0, 2) + R"(]}}]},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": null, "name": "out",
         "config": {"name": "out", "units": 5, "activation": "softmax", "use_bias": true, "dtype": )"
        + dtype + R"(, "quantization_config": null},
         "inbound_nodes": [{"args": [)"
        + kt("dec") + R"(], "kwargs": {}}]}],
      "input_layers": [["enc_in", 0, 0], ["dec_in", 0, 0]],
      "output_layers": ["out", 0, 0]}})";
    auto model = build(text, "3.12.0");
    QCOMPARE(model->inputs().size(), std::size_t {2});
    QCOMPARE(QString::fromStdString(model->inputs()[1].name), QStringLiteral("dec_in"));
    QCOMPARE(outputNames(*model), QStringList {"out"});
    auto& dec = layerAs<RnnLayer>(*model, "dec");
    QVERIFY(dec.options().zeroOutputForMask);
    // The decoder node takes x, then the encoder's h and c.
    bool found = false;
    for (const auto& node : model->nodes()) {
        if (node.layer == &dec) {
            found = true;
            QCOMPARE(node.inputs.size(), std::size_t {3});
            QCOMPARE(node.inputs[1].index, std::size_t {1});
            QCOMPARE(node.inputs[2].index, std::size_t {2});
            QCOMPARE(model->nodes()[node.inputs[1].node].layer->name(), std::string("enc"));
        }
    }
    QVERIFY(found);
}

void TestKerasConfig::keras2FunctionalInitialStateAndSharedLayer()
{
    // Keras 2 form: initial states as extra inbound tensors; a Dense called twice (node_index selects the call);
    // a layer listed before the layers it depends on; outputs h and c of a return_state LSTM.
    auto model = build(R"({"class_name": "Model", "config": {"name": "m", "layers": [
        {"name": "shared", "class_name": "Dense", "config": {"name": "shared", "units": 2},
         "inbound_nodes": [[["x", 0, 0, {}]], [["y", 0, 0, {}]]]},
        {"name": "x", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4, 3], "name": "x"},
         "inbound_nodes": []},
        {"name": "y", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4, 3], "name": "y"},
         "inbound_nodes": []},
        {"name": "h0", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 5], "name": "h0"},
         "inbound_nodes": []},
        {"name": "c0", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 5], "name": "c0"},
         "inbound_nodes": []},
        {"name": "lstm", "class_name": "LSTM", "config": {"name": "lstm", "units": 5, "return_state": true},
         "inbound_nodes": [[["shared", 1, 0, {}], ["h0", 0, 0, {}], ["c0", 0, 0, {}]]]},
        {"name": "cat", "class_name": "Concatenate", "config": {"name": "cat", "axis": -1},
         "inbound_nodes": [[["lstm", 0, 1, {}], ["lstm", 0, 2, {}]]]}],
      "input_layers": [["x", 0, 0], ["y", 0, 0], ["h0", 0, 0], ["c0", 0, 0]],
      "output_layers": [["shared", 0, 0], ["lstm", 0, 0], ["lstm", 0, 1], ["cat", 0, 0]]}})",
        "2.2.4");
    QCOMPARE(model->inputs().size(), std::size_t {4});
    QCOMPARE(outputNames(*model), (QStringList {"shared", "lstm_0", "lstm_1", "cat"}));
    const auto shapeOf = [&](std::size_t k) {
        const auto& o = model->outputs().at(k);
        return toList(model->nodeShapes()[o.ref.node][o.ref.index]);
    };
    QCOMPARE(shapeOf(0), (QList<qint64> {-1, 4, 2}));
    QCOMPARE(shapeOf(2), (QList<qint64> {-1, 5}));
    QCOMPARE(shapeOf(3), (QList<qint64> {-1, 10}));
    // The LSTM reads the second call of "shared", whose input is y.
    for (const auto& node : model->nodes()) {
        if (node.layer->name() == "lstm") {
            const auto& sharedNode = model->nodes()[node.inputs[0].node];
            QCOMPARE(model->nodes()[sharedNode.inputs[0].node].layer->name(), std::string("y"));
            QCOMPARE(node.inputs.size(), std::size_t {3});
        }
    }
}

void TestKerasConfig::rnnWithCells_data()
{
    QTest::addColumn<QString>("cell");
    QTest::addColumn<QString>("expected"); // leaf cell classes and units
    QTest::addColumn<qint64>("outputUnits");

    QTest::newRow("single LSTMCell") << QString(kLstmCellCfg).arg(1).arg(4) << "LSTMCell:4" << qint64 {4};
    QTest::newRow("StackedRNNCells") << R"({"class_name": "StackedRNNCells", "config": {"name": "st", "cells": [)"
            + QString(kLstmCellCfg).arg(1).arg(4) + ", " + QString(kLstmCellCfg).arg(2).arg(6) + "]}}"
                                     << "LSTMCell:4 LSTMCell:6" << qint64 {6};
    QTest::newRow("list of cells") << "[" + QString(kLstmCellCfg).arg(1).arg(4) +
            R"(, {"class_name": "SimpleRNNCell", "config": {"name": "s", "units": 2,
                                          "activation": "tanh", "use_bias": false}}])"
                                   << "LSTMCell:4 SimpleRNNCell:2" << qint64 {2};
    QTest::newRow("MinimalRNNCell") << R"({"class_name": "MinimalRNNCell", "config": {"units": 3}})"
                                    << "MinimalRNNCell:3" << qint64 {3};
    QTest::newRow("GRUCell") << R"({"class_name": "GRUCell", "config": {"name": "g", "units": 5,
                                  "reset_after": true, "recurrent_activation": "sigmoid"}})"
                             << "GRUCell:5" << qint64 {5};
}

void TestKerasConfig::rnnWithCells()
{
    QFETCH(QString, cell);
    QFETCH(QString, expected);
    QFETCH(qint64, outputUnits);
    auto model = build(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5, 3], "name": "in"}},
        {"class_name": "RNN", "config": {"name": "rnn", "return_sequences": true, "cell": )"
        + cell.toStdString() + "}}]}}");
    auto& rnn = layerAs<RnnLayer>(*model, "rnn");
    QStringList leaves;
    for (const RnnCell* c : rnn.cell().leafCells()) {
        leaves << QString::fromStdString(c->className()) + ":" + QString::number(c->units());
    }
    QCOMPARE(leaves.join(' '), expected);
    const auto& o = model->outputs().at(0);
    QCOMPARE(toList(model->nodeShapes()[o.ref.node][o.ref.index]), (QList<qint64> {-1, 5, outputUnits}));
}

void TestKerasConfig::bidirectionalVariants()
{
    // merge_mode null: two outputs; an explicit backward_layer (Keras 3 writes the forward copy as "forward_gru"
    // and the backward one as "backward_gru"); go_backwards flipped on the implicit backward copy.
    auto model = build(R"({"class_name": "Functional", "config": {"name": "m", "layers": [
        {"name": "in", "class_name": "InputLayer", "config": {"batch_shape": [null, 6, 2], "name": "in"},
         "inbound_nodes": []},
        {"name": "bi", "class_name": "Bidirectional", "config": {"name": "bi", "merge_mode": null,
          "layer": {"class_name": "GRU", "config": {"name": "forward_gru", "units": 3, "return_sequences": true,
                                                     "reset_after": true}},
          "backward_layer": {"class_name": "GRU", "config": {"name": "backward_gru", "units": 3,
                                                             "return_sequences": true, "go_backwards": true,
                                                             "reset_after": true}}},
         "inbound_nodes": [{"args": [)"
            + kt("in") + R"(], "kwargs": {}}]},
        {"name": "bi2", "class_name": "Bidirectional", "config": {"name": "bi2", "merge_mode": "ave",
          "layer": {"class_name": "SimpleRNN", "config": {"name": "s", "units": 2}}},
         "inbound_nodes": [{"args": [)"
            + kt("bi", 0, 1) + R"(], "kwargs": {}}]}],
      "input_layers": [["in", 0, 0]], "output_layers": [["bi", 0, 0], ["bi", 0, 1], ["bi2", 0, 0]]}})",
        "3.6.0");
    auto& bi = layerAs<BidirectionalLayer>(*model, "bi");
    QCOMPARE(bi.mergeMode(), MergeMode::None);
    QCOMPARE(bi.forward().name(), std::string("forward_gru"));
    QCOMPARE(bi.backward().name(), std::string("backward_gru"));
    QVERIFY(bi.backward().options().goBackwards);
    QVERIFY(!bi.forward().options().goBackwards);
    auto& bi2 = layerAs<BidirectionalLayer>(*model, "bi2");
    QCOMPARE(bi2.mergeMode(), MergeMode::Ave);
    QCOMPARE(bi2.forward().name(), std::string("forward_s"));
    QCOMPARE(bi2.backward().name(), std::string("backward_s"));
    QVERIFY(bi2.backward().options().goBackwards);
    QCOMPARE(outputNames(*model), (QStringList {"bi_0", "bi_1", "bi2"}));
    QCOMPARE(bi.weights().size(), std::size_t {6});
    QCOMPARE(bi.weights().at(2).shape, (Shape {2, 9}));
}

void TestKerasConfig::gruResetAfterDefaults_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("key"); // ", \"reset_after\": ..." or empty
    QTest::addColumn<QList<qint64>>("hintBias"); // empty: no hint
    QTest::addColumn<bool>("resetAfter");

    QTest::newRow("keras 2.0.4, no key") << "2.0.4"
                                         << "" << QList<qint64> {} << false;
    QTest::newRow("keras 3, no key") << "3.6.0"
                                     << "" << QList<qint64> {} << true;
    QTest::newRow("keras 2, no key, bias (2, 15)") << "2.0.4"
                                                   << "" << QList<qint64> {2, 15} << true;
    QTest::newRow("keras 3, no key, bias (15)") << "3.6.0"
                                                << "" << QList<qint64> {15} << false;
    QTest::newRow("explicit true") << "2.15.0"
                                   << R"(, "reset_after": true)" << QList<qint64> {} << true;
    QTest::newRow("explicit false wins over a hint") << "3.6.0"
                                                     << R"(, "reset_after": false)" << QList<qint64> {2, 15} << false;
}

void TestKerasConfig::gruResetAfterDefaults()
{
    QFETCH(QString, text);
    QFETCH(QString, key);
    QFETCH(QList<qint64>, hintBias);
    QFETCH(bool, resetAfter);
    ConfigHints hints;
    if (!hintBias.isEmpty()) {
        const Shape bias(hintBias.begin(), hintBias.end());
        hints.layerWeightShapes = [bias](const std::string& name) -> std::optional<std::vector<Shape>> {
            if (name != "gru") {
                return std::nullopt;
            }
            return std::vector<Shape> {{2, 15}, {5, 15}, bias};
        };
    }
    auto model = build(R"({"class_name": "Sequential", "config": [{"class_name": "GRU", "config": {"name": "gru",
                          "units": 5, "batch_input_shape": [null, 3, 2])"
            + key.toStdString() + "}}]}",
        text.toStdString(), nullptr, hints);
    QCOMPARE(dynamic_cast<GruCell&>(layerAs<RnnLayer>(*model, "gru").cell()).resetAfter(), resetAfter);
}

void TestKerasConfig::otherLayers()
{
    auto model = build(R"({"class_name": "Functional", "config": {"name": "m", "layers": [
        {"name": "in", "class_name": "InputLayer", "config": {"batch_input_shape": [2, 4], "name": "in"},
         "inbound_nodes": []},
        {"name": "rep", "class_name": "RepeatVector", "config": {"name": "rep", "n": 3},
         "inbound_nodes": [[["in", 0, 0, {}]]]},
        {"name": "mask", "class_name": "Masking", "config": {"name": "mask", "mask_value": -1.5},
         "inbound_nodes": [[["rep", 0, 0, {}]]]},
        {"name": "noise", "class_name": "GaussianNoise", "config": {"name": "noise", "stddev": 0.1},
         "inbound_nodes": [[["mask", 0, 0, {}]]]},
        {"name": "sd", "class_name": "SpatialDropout1D", "config": {"name": "sd", "rate": 0.3},
         "inbound_nodes": [[["noise", 0, 0, {}]]]},
        {"name": "lstm", "class_name": "LSTM", "config": {"name": "lstm", "units": 4, "return_sequences": true,
                                                           "stateful": true},
         "inbound_nodes": [[["sd", 0, 0, {}]]]},
        {"name": "act", "class_name": "Activation", "config": {"name": "act", "activation": "relu"},
         "inbound_nodes": [[["lstm", 0, 0, {}]]]},
        {"name": "add", "class_name": "Add", "config": {"name": "add"},
         "inbound_nodes": [[["act", 0, 0, {}], ["rep", 0, 0, {}]]]},
        {"name": "mx", "class_name": "Maximum", "config": {"name": "mx"},
         "inbound_nodes": [[["add", 0, 0, {}], ["act", 0, 0, {}]]]}],
      "input_layers": [["in", 0, 0]], "output_layers": [["mx", 0, 0]]}})");
    QCOMPARE(model->layers().size(), std::size_t {9});
    QCOMPARE(layerAs<Layer>(*model, "noise").className(), std::string("GaussianNoise"));
    QCOMPARE(layerAs<Layer>(*model, "add").className(), std::string("Add"));
    // A stateful layer takes its fixed batch from the model input (batch_input_shape[0] = 2).
    auto& lstm = layerAs<RnnLayer>(*model, "lstm");
    QVERIFY(lstm.options().fixedBatch.has_value());
    QCOMPARE(*lstm.options().fixedBatch, Index {2});
    const auto& o = model->outputs().at(0);
    QCOMPARE(toList(model->nodeShapes()[o.ref.node][o.ref.index]), (QList<qint64> {2, 3, 4}));
}

void TestKerasConfig::dtypes()
{
    std::vector<std::string> warnings;
    auto model = build(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5], "dtype": "int32", "name": "ids"}},
        {"class_name": "Embedding", "config": {"name": "e", "input_dim": 9, "output_dim": 2, "dtype": "int32"}},
        {"class_name": "LSTM", "config": {"name": "l", "units": 3,
          "dtype": {"class_name": "Policy", "config": {"name": "mixed_float16"}}}}]}})",
        "2.15.0", &warnings);
    QVERIFY(model->inputs()[0].integer);
    QCOMPARE(warnings.size(), std::size_t {1});
    QVERIFY(
        QString::fromStdString(warnings[0]).contains("layer 'l' (LSTM): dtype mixed_float16 is computed in float32"));
}

void TestKerasConfig::configJsonWrappers_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("version"); // empty: none

    const QString inner = R"({"class_name": "Sequential", "config": [{"class_name": "Dense", "config":
                              {"name": "d", "units": 1, "batch_input_shape": [null, 2]}}]})";
    QTest::newRow("to_json") << R"({"class_name": "Sequential", "keras_version": "2.1.2", "backend": "tensorflow",
                                    "config": [{"class_name": "Dense", "config": {"name": "d", "units": 1,
                                    "batch_input_shape": [null, 2]}}]})"
                             << "2.1.2";
    QTest::newRow("bare config") << inner << "";
    QTest::newRow("model_config object") << R"({"keras_version": "2.3.1", "model_config": )" + inner + "}"
                                         << "2.3.1";
    QTest::newRow("model_config string") << R"({"model_config": )"
            + QString::fromStdString(json(inner.toStdString()).dump()) + "}"
                                         << "";
    QTest::newRow("tfjs modelTopology") << R"({"modelTopology": {"keras_version": "2.4.0", "backend": "tensorflow",
                                            "model_config": )"
            + inner + R"(}, "weightsManifest": []})"
                                        << "2.4.0";
}

void TestKerasConfig::configJsonWrappers()
{
    QFETCH(QString, text);
    QFETCH(QString, version);
    const KerasConfigFile file = parseKerasConfigJson(text.toStdString(), "w.json");
    QCOMPARE(file.version.has_value(), !version.isEmpty());
    if (file.version) {
        QCOMPARE(QString::fromStdString(file.version->text), version);
    }
    auto model = modelFromKerasConfig(file.config, ::version("2.1.2"), "w.json");
    QCOMPARE(model->layers().back()->name(), std::string("d"));
}

// ---------------------------------------------------------------------------------------------------

void TestKerasConfig::errors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("problem");

    auto seq = [](const QString& layer) {
        return R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5, 3], "name": "in"}}, )"
            + layer + "]}}";
    };
    QTest::newRow("unknown layer class") << seq(R"({"class_name": "Conv1D", "config": {"name": "conv"}})")
                                         << "layer 'conv' (Conv1D): unsupported layer class 'Conv1D'";
    QTest::newRow("unknown activation") << seq(
        R"({"class_name": "LSTM", "config": {"name": "l", "units": 2, "activation": "swoosh"}})")
                                        << "layer 'l' (LSTM): unknown activation 'swoosh'";
    QTest::newRow("unknown recurrent key with a value")
        << seq(R"({"class_name": "LSTM", "config": {"name": "l", "units": 2, "foo": 3}})")
        << "layer 'l' (LSTM): unsupported config key 'foo' = 3";
    QTest::newRow("unknown key in a cell")
        << seq(R"({"class_name": "RNN", "config": {"name": "r", "cell": {"class_name": "GRUCell",
                  "config": {"name": "g", "units": 2, "peephole": true}}}})")
        << "unsupported config key 'peephole' = true";
    QTest::newRow("unknown cell class") << seq(
        R"({"class_name": "RNN", "config": {"name": "r", "cell": {"class_name": "PeepholeLSTMCell",
                  "config": {"units": 2}}}})")
                                        << "unsupported cell class 'PeepholeLSTMCell'";
    QTest::newRow("bad merge_mode") << seq(
        R"({"class_name": "Bidirectional", "config": {"name": "b", "merge_mode": "max",
                  "layer": {"class_name": "LSTM", "config": {"name": "l", "units": 2}}}})")
                                    << "layer 'b' (Bidirectional): unsupported merge_mode 'max'";
    QTest::newRow("wrapped non-RNN") << seq(R"({"class_name": "Bidirectional", "config": {"name": "b",
                  "layer": {"class_name": "Dense", "config": {"name": "d", "units": 2}}}})")
                                     << "unsupported wrapped layer class 'Dense'";
    QTest::newRow("return_state in Sequential")
        << seq(R"({"class_name": "GRU", "config": {"name": "g", "units": 2, "return_state": true}})")
        << "layer 'g' (GRU): has several outputs";
    QTest::newRow("missing units") << seq(R"({"class_name": "SimpleRNN", "config": {"name": "r"}})")
                                   << "layer 'r' (SimpleRNN): missing 'units'";
    QTest::newRow("string for a bool") << seq(
        R"({"class_name": "LSTM", "config": {"name": "l", "units": 2, "return_sequences": "yes"}})")
                                       << "layer 'l' (LSTM): 'return_sequences' must be true or false";
    QTest::newRow("unsupported dtype") << seq(
        R"({"class_name": "Dense", "config": {"name": "d", "units": 2, "dtype": "complex64"}})")
                                       << "layer 'd' (Dense): unsupported dtype 'complex64'";
    QTest::newRow("TimeDistributed(LSTM)") << seq(R"({"class_name": "TimeDistributed", "config": {"name": "t",
                  "layer": {"class_name": "LSTM", "config": {"name": "l", "units": 2}}}})")
                                           << "layer 't' (TimeDistributed): TimeDistributed(LSTM) is not supported";
    QTest::newRow("sequential without input shape")
        << R"({"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d", "units": 1}}]})"
        << "the first layer 'd' has no batch_input_shape";
    QTest::newRow("unknown model class") << R"({"class_name": "MyModel", "config": {}})"
                                         << "unsupported model class 'MyModel'";
    QTest::newRow("inbound from unknown layer") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
              {"name": "d", "class_name": "Dense", "config": {"name": "d", "units": 1},
               "inbound_nodes": [[["ghost", 0, 0, {}]]]}],
              "input_layers": [], "output_layers": [["d", 0, 0]]}})"
                                                << "layer 'd' (Dense): input from unknown layer 'ghost'";
    QTest::newRow("missing node") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
              {"name": "in", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "in"},
               "inbound_nodes": []},
              {"name": "d", "class_name": "Dense", "config": {"name": "d", "units": 1},
               "inbound_nodes": [[["in", 1, 0, {}]]]}],
              "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}})"
                                  << "layer 'd' (Dense): input 'in' node 1 does not exist";
    QTest::newRow("shape mismatch in a merge") << R"({"class_name": "Functional", "config": {"name": "m", "layers": [
              {"name": "a", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "a"},
               "inbound_nodes": []},
              {"name": "b", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], "name": "b"},
               "inbound_nodes": []},
              {"name": "add", "class_name": "Add", "config": {"name": "add"},
               "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]}],
              "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["add", 0, 0]]}})"
                                               << "add";
    QTest::newRow("nested model") << seq(R"({"class_name": "Sequential", "config": {"name": "inner", "layers": []}})")
                                  << "layer 'inner' (Sequential): nested models are not supported";
}

void TestKerasConfig::errors()
{
    QFETCH(QString, text);
    QFETCH(QString, problem);
    try {
        build(text.toStdString());
        QFAIL("no error");
    } catch (const FileError& e) {
        QCOMPARE(QString::fromStdString(e.file()), QStringLiteral("cfg.json"));
        QVERIFY2(QString::fromStdString(e.problem()).contains(problem), e.what());
    }
}

QTEST_GUILESS_MAIN(TestKerasConfig)
#include "tst_keras_config.moc"
