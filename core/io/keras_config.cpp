#include "keras_config.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/activation.h"
#include "core/bidirectional.h"
#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/simple_rnn_cell.h"
#include "core/cells/stacked_rnn_cells.h"
#include "core/errors.h"
#include "core/layers/basic_layers.h"
#include "core/memory_budget.h"
#include "file_error.h"

namespace rnnscope::io {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------------------------
// KerasVersion

KerasVersion KerasVersion::parse(const std::string& text, const std::string& fileForErrors)
{
    KerasVersion v;
    v.text = text;
    std::size_t pos = 0;
    // TF.js model.json files say "tfjs-layers x.y.z"; TF.js follows Keras 2 semantics (keras-formats §6).
    if (text.rfind("tfjs", 0) == 0) {
        v.major = 2;
        return v;
    }
    int* parts[] = {&v.major, &v.minor, &v.patch};
    for (int k = 0; k < 3; ++k) {
        if (pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[pos]))) {
            if (k == 0) {
                throw FileError(fileForErrors, "unrecognised keras_version '" + text + "'");
            }
            break;
        }
        int value = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            value = value * 10 + (text[pos] - '0');
            if (value > 100000) {
                throw FileError(fileForErrors, "unrecognised keras_version '" + text + "'");
            }
            ++pos;
        }
        *parts[k] = value;
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
        } else {
            break;
        }
    }
    return v;
}

bool KerasVersion::isTfKeras() const
{
    return text.find("-tf") != std::string::npos;
}

bool KerasVersion::atLeast(int maj, int min, int pat) const
{
    return std::tie(major, minor, patch) >= std::tie(maj, min, pat);
}

StatefulInitialState statefulRuleFor(const KerasVersion& version)
{
    // Standalone Keras 2 (up to 2.3.1, no "-tf" suffix) used a passed initial_state unconditionally
    // (keras/layers/recurrent.py RNN.call: `if initial_state is not None: pass`), as Keras 3 does. tf.keras from
    // TF 2.1 on ("2.2.4-tf" and later, and 2.4+ which only tf.keras has) keeps its recorded states once they are
    // non-zero (tf_keras/layers/rnn/base_rnn.py::_process_inputs). A "2.2.4-tf" file may also come from TF 1.13-2.0,
    // which behaved like standalone Keras; the file does not say which, and the later rule is taken.
    const bool standalone = !version.isTfKeras() && !version.atLeast(2, 4);
    return version.major >= 3 || (version.major == 2 && standalone) ? StatefulInitialState::Keras3
                                                                    : StatefulInitialState::Keras2;
}

bool stackedStatesReversed(const KerasVersion& version)
{
    if (version.major >= 3) {
        return false;
    }
    if (version.major < 2) {
        return true;
    }
    return version.isTfKeras() ? !version.atLeast(2, 2, 4) : !version.atLeast(2, 3, 0);
}

namespace {

// ---------------------------------------------------------------------------------------------------------------
// What a recurrent cell is, parsed and checked up front so that errors name the config, not the build.

struct CellSpec
{
    std::string className; // SimpleRNNCell, LSTMCell, GRUCell, MinimalRNNCell, StackedRNNCells
    Index units = 0;
    Activation activation;
    Activation recurrentActivation;
    bool useBias = true;
    bool resetAfter = false;
    bool reverseStateOrder = false;
    std::vector<CellSpec> cells; // StackedRNNCells
};

std::unique_ptr<RnnCell> makeCell(const CellSpec& spec, Index inputSize)
{
    if (spec.className == "SimpleRNNCell") {
        return std::make_unique<SimpleRnnCell>(inputSize, spec.units, spec.activation, spec.useBias);
    }
    if (spec.className == "LSTMCell") {
        return std::make_unique<LstmCell>(
            inputSize, spec.units, spec.activation, spec.recurrentActivation, spec.useBias);
    }
    if (spec.className == "GRUCell") {
        return std::make_unique<GruCell>(
            inputSize, spec.units, spec.activation, spec.recurrentActivation, spec.useBias, spec.resetAfter);
    }
    if (spec.className == "MinimalRNNCell") {
        return std::make_unique<MinimalRnnCell>(inputSize, spec.units);
    }
    // StackedRNNCells: cell k+1 reads cell k's output (StackedRNNCells.build in Keras).
    std::vector<std::unique_ptr<RnnCell>> cells;
    Index in = inputSize;
    for (const auto& child : spec.cells) {
        cells.push_back(makeCell(child, in));
        in = cells.back()->outputSize();
    }
    return std::make_unique<StackedRnnCells>(std::move(cells), spec.reverseStateOrder);
}

// Keys that do not change what a trained model computes: initialisation, regularisation and constraints
// (training only), training-time noise, the implementation choice (implementation 1 and 2 and cuDNN compute the
// same function), serialisation bookkeeping of tf.keras >= 2.13 and Keras 3, and shape keys read separately.
bool isIgnorableKey(const std::string& key)
{
    static const std::set<std::string> keys
        = {"name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "batch_size", "module",
            "registered_name", "build_config", "compile_config", "seed", "activity_regularizer", "dropout",
            "recurrent_dropout", "implementation", "unit_forget_bias", "use_cudnn", "input_dim", "input_length",
            "sparse", "ragged", "autocast", "shared_object_id", "quantization_config", "lora_rank", "lora_alpha"};
    if (keys.count(key) != 0) {
        return true;
    }
    auto endsWith = [&](const std::string& suffix) {
        return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return endsWith("_initializer") || endsWith("_regularizer") || endsWith("_constraint");
}

// A value equal to what an absent key means in every Keras version: such keys are harmless even when unknown.
bool isDefaultLike(const json& v)
{
    if (v.is_null()) {
        return true;
    }
    if (v.is_boolean()) {
        return !v.get<bool>();
    }
    if (v.is_number()) {
        return v.get<double>() == 0.0;
    }
    if (v.is_string() || v.is_array() || v.is_object()) {
        return v.empty();
    }
    return false;
}

bool isIntegerDtypeName(const std::string& d)
{
    return d.rfind("int", 0) == 0 || d.rfind("uint", 0) == 0;
}

// One reader per model config. Every failure is a FileError naming the file and the layer.
class ConfigReader
{
public:
    ConfigReader(const KerasVersion& version, const std::string& file, std::vector<std::string>* warnings,
        const ConfigHints& hints)
        : m_version(version)
        , m_file(file)
        , m_warnings(warnings)
        , m_hints(hints)
    {
    }

    std::unique_ptr<Model> read(const json& config);

private:
    // ----- messages
    [[noreturn]] void fail(const std::string& problem) const { throw FileError(m_file, problem); }
    static std::string who(const std::string& name, const std::string& className)
    {
        return "layer '" + name + "' (" + className + ")";
    }
    void warn(const std::string& message)
    {
        if (m_warnings != nullptr) {
            m_warnings->push_back(m_file + ": " + message);
        }
    }

    // ----- typed access to a layer config
    const json& member(const json& cfg, const std::string& key) const
    {
        static const json null;
        auto it = cfg.find(key);
        return it == cfg.end() ? null : *it;
    }
    bool boolKey(const json& cfg, const std::string& key, bool fallback, const std::string& ctx) const
    {
        const json& v = member(cfg, key);
        if (v.is_null()) {
            return fallback;
        }
        if (!v.is_boolean()) {
            fail(ctx + ": '" + key + "' must be true or false, got " + v.dump());
        }
        return v.get<bool>();
    }
    Index intKey(const json& cfg, const std::string& key, std::optional<Index> fallback, const std::string& ctx) const
    {
        const json& v = member(cfg, key);
        if (v.is_null()) {
            if (!fallback) {
                fail(ctx + ": missing '" + key + "'");
            }
            return *fallback;
        }
        if (v.is_number_integer()) {
            return v.get<Index>();
        }
        // Keras 3 may write integral values as floats in hand-edited configs; accept exact ones.
        if (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<Index>(v.get<double>()))) {
            return static_cast<Index>(v.get<double>());
        }
        fail(ctx + ": '" + key + "' must be an integer, got " + v.dump());
    }
    Index positiveIntKey(const json& cfg, const std::string& key, const std::string& ctx) const
    {
        const Index value = intKey(cfg, key, std::nullopt, ctx);
        if (value <= 0) {
            fail(ctx + ": '" + key + "' must be positive, got " + std::to_string(value));
        }
        return value;
    }
    std::optional<Shape> shapeKey(const json& cfg, const std::string& key, const std::string& ctx) const
    {
        const json& v = member(cfg, key);
        if (v.is_null()) {
            return std::nullopt;
        }
        if (!v.is_array()) {
            fail(ctx + ": '" + key + "' must be a list, got " + v.dump());
        }
        Shape shape;
        for (const auto& d : v) {
            if (d.is_null()) {
                shape.push_back(-1);
            } else if (d.is_number_integer() && d.get<Index>() >= 0) {
                shape.push_back(d.get<Index>());
            } else {
                fail(ctx + ": '" + key + "' has an invalid dimension " + d.dump());
            }
        }
        return shape;
    }
    // The layer's own input shape with batch, if its config carries one (the first layer of a Sequential).
    std::optional<Shape> batchInputShape(const json& cfg, const std::string& ctx) const
    {
        if (auto s = shapeKey(cfg, "batch_input_shape", ctx)) {
            return s;
        }
        if (auto s = shapeKey(cfg, "batch_shape", ctx)) {
            return s;
        }
        if (auto s = shapeKey(cfg, "input_shape", ctx)) {
            Shape shape {-1};
            shape.insert(shape.end(), s->begin(), s->end());
            return shape;
        }
        return std::nullopt;
    }
    Activation activationKey(
        const json& cfg, const std::string& key, const std::string& fallback, const std::string& ctx) const
    {
        const json& v = member(cfg, key);
        std::string name = fallback;
        if (!cfg.contains(key)) {
            name = fallback;
        } else if (v.is_null()) {
            name = "linear"; // activation=None in Keras is the identity
        } else if (v.is_string()) {
            name = v.get<std::string>();
        } else if (v.is_object() && member(v, "config").is_string()) {
            // Keras 3 may serialise a built-in function as {"module": "keras.activations", "class_name":
            // "function", "config": "relu", ...}.
            name = member(v, "config").get<std::string>();
        } else {
            fail(ctx + ": unsupported " + key + " " + v.dump());
        }
        try {
            return Activation::fromKerasName(name, m_version.major);
        } catch (const ModelError&) {
            fail(ctx + ": unknown " + key + " '" + name + "'");
        }
    }
    // float32 is what the engine computes. Returns true for an integer dtype (an Embedding's ids).
    bool checkDtype(const json& cfg, const std::string& ctx, bool allowInteger)
    {
        const json* v = &member(cfg, "dtype");
        if (v->is_object()) {
            // tf.keras Policy / Keras 3 DTypePolicy: {"class_name": "...", "config": {"name": "mixed_float16"}}.
            const json& cls = member(*v, "class_name");
            if (cls.is_string() && cls.get<std::string>().find("Quantized") != std::string::npos) {
                fail(ctx + ": quantized dtype policies are not supported (" + v->dump() + ")");
            }
            v = &member(member(*v, "config"), "name");
        }
        if (v->is_null()) {
            return false;
        }
        if (!v->is_string()) {
            fail(ctx + ": unsupported dtype " + v->dump());
        }
        const std::string d = v->get<std::string>();
        if (d == "float32") {
            return false;
        }
        if (isIntegerDtypeName(d) && allowInteger) {
            return true;
        }
        if (d == "float16" || d == "bfloat16" || d == "float64" || d == "mixed_float16" || d == "mixed_bfloat16") {
            warn(ctx + ": dtype " + d + " is computed in float32; results may differ from Keras in the last digits");
            return false;
        }
        fail(ctx + ": unsupported dtype '" + d + "'");
    }
    // Unknown keys are an error unless their value is what an absent key means.
    void checkKeys(const json& cfg, const std::string& ctx, const std::set<std::string>& handled) const
    {
        for (auto it = cfg.begin(); it != cfg.end(); ++it) {
            if (handled.count(it.key()) != 0 || isIgnorableKey(it.key()) || isDefaultLike(it.value())) {
                continue;
            }
            fail(ctx + ": unsupported config key '" + it.key() + "' = " + it.value().dump());
        }
    }

    // ----- layers
    struct Parsed
    {
        std::unique_ptr<Layer> layer;
        bool integerInput = false; // InputLayer with an integer dtype
        std::optional<Shape> batchShape; // batch_input_shape / batch_shape the config carried
        bool multipleOutputs = false; // return_state, or Bidirectional merge_mode None
    };
    static std::pair<std::string, const json*> classAndConfig(const json& entry);
    Parsed parseLayer(const json& entry, const std::string& forcedName = {});
    std::unique_ptr<Layer> parseInputLayer(const json& cfg, const std::string& name, Parsed& out);
    CellSpec parseCell(const json& entry, const std::string& ctx);
    CellSpec parseCellConfig(const std::string& cls, const json& cfg, const std::string& ctx);
    std::unique_ptr<RnnLayer> parseRnn(
        const std::string& cls, const json& cfg, const std::string& name, const std::string& ctx, Parsed& out);
    std::unique_ptr<Layer> parseBidirectional(
        const json& cfg, const std::string& name, const std::string& ctx, Parsed& out);

    // ----- models
    std::unique_ptr<Model> readSequential(const json& cfg);
    std::unique_ptr<Model> readFunctional(const json& cfg, const std::string& className);
    void finish(Model& model);

    const KerasVersion& m_version;
    const std::string& m_file;
    std::vector<std::string>* m_warnings;
    const ConfigHints& m_hints;

    // InputLayers that feed an Embedding directly: their values are ids (Keras casts float ids to int there).
    std::set<std::string> m_idInputs;

    // Weight bookkeeping while parsing one top-level layer, for the reset_after inference.
    std::string m_topLayer;
    std::optional<std::vector<Shape>> m_topShapes;
    std::size_t m_weightOffset = 0;
};

std::pair<std::string, const json*> ConfigReader::classAndConfig(const json& entry)
{
    static const json empty = json::object();
    std::string cls;
    if (entry.is_object() && entry.contains("class_name") && entry["class_name"].is_string()) {
        cls = entry["class_name"].get<std::string>();
    }
    const json* cfg = &empty;
    if (entry.is_object() && entry.contains("config") && entry["config"].is_object()) {
        cfg = &entry["config"];
    }
    return {cls, cfg};
}

std::unique_ptr<Layer> ConfigReader::parseInputLayer(const json& cfg, const std::string& name, Parsed& out)
{
    const std::string ctx = who(name, "InputLayer");
    checkKeys(cfg, ctx, {"optional"});
    if (boolKey(cfg, "sparse", false, ctx) || boolKey(cfg, "ragged", false, ctx)) {
        fail(ctx + ": sparse and ragged inputs are not supported");
    }
    auto shape = batchInputShape(cfg, ctx);
    if (!shape) {
        fail(ctx + ": no batch_input_shape, batch_shape or input_shape");
    }
    out.integerInput = checkDtype(cfg, ctx, true) || m_idInputs.count(name) != 0;
    out.batchShape = shape;
    return std::make_unique<InputLayer>(name, *shape, out.integerInput);
}

CellSpec ConfigReader::parseCell(const json& entry, const std::string& ctx)
{
    // RNN(cell=[...]) serialises a list of cells as a StackedRNNCells in Keras 2.x; a bare list is accepted too.
    if (entry.is_array()) {
        CellSpec stack;
        stack.className = "StackedRNNCells";
        stack.reverseStateOrder = stackedStatesReversed(m_version);
        for (const auto& c : entry) {
            stack.cells.push_back(parseCell(c, ctx));
        }
        if (stack.cells.empty()) {
            fail(ctx + ": empty list of cells");
        }
        return stack;
    }
    auto [cls, cfg] = classAndConfig(entry);
    if (cls.empty()) {
        fail(ctx + ": cell is not a {\"class_name\", \"config\"} object: " + entry.dump().substr(0, 200));
    }
    return parseCellConfig(cls, *cfg, ctx + " cell '" + member(*cfg, "name").dump() + "' (" + cls + ")");
}

CellSpec ConfigReader::parseCellConfig(const std::string& cls, const json& cfg, const std::string& ctx)
{
    CellSpec spec;
    spec.className = cls;
    checkDtype(cfg, ctx, false);
    if (cls == "StackedRNNCells") {
        checkKeys(cfg, ctx, {"cells", "reverse_state_order"});
        const json& cells = member(cfg, "cells");
        if (!cells.is_array() || cells.empty()) {
            fail(ctx + ": 'cells' must be a non-empty list");
        }
        spec.reverseStateOrder = boolKey(cfg, "reverse_state_order", stackedStatesReversed(m_version), ctx);
        for (const auto& c : cells) {
            spec.cells.push_back(parseCell(c, ctx));
        }
        return spec;
    }
    if (cls == "MinimalRNNCell") {
        // The cell of keras.layers.RNN's documentation example: kernel and recurrent_kernel, no bias.
        checkKeys(cfg, ctx, {"units"});
        spec.units = positiveIntKey(cfg, "units", ctx);
        m_weightOffset += 2;
        return spec;
    }
    if (cls != "SimpleRNNCell" && cls != "LSTMCell" && cls != "GRUCell") {
        fail(ctx + ": unsupported cell class '" + cls + "'");
    }
    std::set<std::string> handled = {"units", "activation", "use_bias"};
    if (cls != "SimpleRNNCell") {
        handled.insert("recurrent_activation");
    }
    if (cls == "GRUCell") {
        handled.insert("reset_after");
    }
    checkKeys(cfg, ctx, handled);
    spec.units = positiveIntKey(cfg, "units", ctx);
    spec.activation = activationKey(cfg, "activation", "tanh", ctx);
    // Keras <= 2.2 defaulted recurrent_activation to hard_sigmoid, later versions to sigmoid (keras-formats §4).
    // Configs always spell it out; the default only matters for hand-written ones.
    const bool oldDefaults = m_version.major < 2 || (m_version.major == 2 && !m_version.atLeast(2, 3, 0));
    if (cls != "SimpleRNNCell") {
        spec.recurrentActivation
            = activationKey(cfg, "recurrent_activation", oldDefaults ? "hard_sigmoid" : "sigmoid", ctx);
    }
    spec.useBias = boolKey(cfg, "use_bias", true, ctx);
    if (cls == "GRUCell") {
        if (cfg.contains("reset_after") && !cfg["reset_after"].is_null()) {
            spec.resetAfter = boolKey(cfg, "reset_after", false, ctx);
        } else {
            // No key: the config predates the option (Keras < 2.1.3, original GRU) or comes from Keras 3, whose
            // default is True. The bias shape in the weights settles it: (2, 3u) = reset_after, (3u,) = not.
            spec.resetAfter = m_version.major >= 3;
            if (spec.useBias && m_topShapes && m_weightOffset + 2 < m_topShapes->size()) {
                const Shape& bias = (*m_topShapes)[m_weightOffset + 2];
                if (bias.size() == 2 && bias[0] == 2 && bias[1] == 3 * spec.units) {
                    spec.resetAfter = true;
                } else if (bias.size() == 1 && bias[0] == 3 * spec.units) {
                    spec.resetAfter = false;
                }
            }
        }
    }
    m_weightOffset += spec.useBias ? 3 : 2;
    return spec;
}

std::unique_ptr<RnnLayer> ConfigReader::parseRnn(
    const std::string& cls, const json& cfg, const std::string& name, const std::string& ctx, Parsed& out)
{
    RnnOptions options;
    options.returnSequences = boolKey(cfg, "return_sequences", false, ctx);
    options.returnState = boolKey(cfg, "return_state", false, ctx);
    options.goBackwards = boolKey(cfg, "go_backwards", false, ctx);
    options.stateful = boolKey(cfg, "stateful", false, ctx);
    options.unroll = boolKey(cfg, "unroll", false, ctx);
    options.timeMajor = boolKey(cfg, "time_major", false, ctx);
    options.zeroOutputForMask = boolKey(cfg, "zero_output_for_mask", false, ctx);
    options.numConstants = intKey(cfg, "num_constants", Index {0}, ctx);
    if (options.numConstants < 0) {
        fail(ctx + ": 'num_constants' must not be negative");
    }
    if (auto shape = batchInputShape(cfg, ctx)) {
        out.batchShape = shape;
        // With time_major the stored shape is still [batch, time, features] in tf.keras's base_rnn.
        if (!shape->empty() && (*shape)[0] > 0) {
            options.fixedBatch = (*shape)[0];
        }
        if (shape->size() >= 2 && (*shape)[1] > 0) {
            options.inputLength = (*shape)[1];
        }
    }
    out.multipleOutputs = options.returnState;

    static const std::set<std::string> rnnKeys = {"return_sequences", "return_state", "go_backwards", "stateful",
        "unroll", "time_major", "zero_output_for_mask", "num_constants"};
    CellSpec spec;
    std::string layerClass = cls;
    if (cls == "RNN") {
        std::set<std::string> handled = rnnKeys;
        handled.insert("cell");
        checkKeys(cfg, ctx, handled);
        if (!cfg.contains("cell") || cfg["cell"].is_null()) {
            fail(ctx + ": RNN without a 'cell'");
        }
        spec = parseCell(cfg["cell"], ctx);
    } else {
        // SimpleRNN / LSTM / GRU carry their cell's keys themselves; the cell check covers them.
        json cellCfg = json::object();
        for (auto it = cfg.begin(); it != cfg.end(); ++it) {
            // dtype was checked for the layer already.
            if (rnnKeys.count(it.key()) == 0 && it.key() != "dtype") {
                cellCfg[it.key()] = it.value();
            }
        }
        spec = parseCellConfig(cls + "Cell", cellCfg, ctx);
    }
    auto builder = [spec](Index inputSize) { return makeCell(spec, inputSize); };
    try {
        return std::make_unique<RnnLayer>(name, layerClass, builder, options, statefulRuleFor(m_version));
    } catch (const ModelError& e) {
        fail(ctx + ": " + e.what());
    }
}

std::unique_ptr<Layer> ConfigReader::parseBidirectional(
    const json& cfg, const std::string& name, const std::string& ctx, Parsed& out)
{
    checkKeys(cfg, ctx, {"layer", "backward_layer", "merge_mode", "num_constants"});
    MergeMode mode = MergeMode::Concat;
    if (cfg.contains("merge_mode")) {
        const json& m = cfg["merge_mode"];
        if (m.is_null()) {
            mode = MergeMode::None;
        } else if (m.is_string()) {
            try {
                mode = mergeModeFromName(m.get<std::string>());
            } catch (const ModelError& e) {
                fail(ctx + ": unsupported merge_mode '" + m.get<std::string>() + "'");
            }
        } else {
            fail(ctx + ": unsupported merge_mode " + m.dump());
        }
    }
    auto parseInner = [&](const json& entry, const std::string& innerName, std::optional<bool> flipBackwards) {
        auto [cls, innerCfg] = classAndConfig(entry);
        if (cls != "SimpleRNN" && cls != "LSTM" && cls != "GRU" && cls != "RNN") {
            fail(ctx + ": unsupported wrapped layer class '" + cls + "'");
        }
        json c = *innerCfg;
        if (flipBackwards) {
            c["go_backwards"] = *flipBackwards;
        }
        if (cfg.contains("num_constants") && !cfg["num_constants"].is_null()) {
            c["num_constants"] = cfg["num_constants"];
        }
        Parsed inner;
        auto layer = parseRnn(cls, c, innerName, ctx + " > " + who(innerName, cls), inner);
        if (inner.batchShape && !out.batchShape) {
            out.batchShape = inner.batchShape;
        }
        out.multipleOutputs = out.multipleOutputs || inner.multipleOutputs;
        return layer;
    };
    const json& fwdEntry = member(cfg, "layer");
    if (!fwdEntry.is_object()) {
        fail(ctx + ": no wrapped 'layer'");
    }
    const json& fwdCfg = *classAndConfig(fwdEntry).second;
    const std::string innerName = member(fwdCfg, "name").is_string() ? fwdCfg.at("name").get<std::string>() : "rnn";
    auto removePrefix
        = [](const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0 ? s.substr(p.size()) : s; };
    // Names as Bidirectional.__init__ gives them: "forward_" / "backward_" + the wrapped layer's name (Keras 3
    // strips an existing prefix first, since its config already stores the forward copy as "forward_lstm").
    const std::string fwdName = "forward_" + removePrefix(innerName, "forward_");
    auto forward = parseInner(fwdEntry, fwdName, std::nullopt);
    std::unique_ptr<RnnLayer> backward;
    const json& bwdEntry = member(cfg, "backward_layer");
    if (bwdEntry.is_object()) {
        const json* bcfg = classAndConfig(bwdEntry).second;
        const std::string bname = member(*bcfg, "name").is_string() ? (*bcfg)["name"].get<std::string>() : "rnn";
        backward = parseInner(bwdEntry, "backward_" + removePrefix(bname, "backward_"), std::nullopt);
        if (backward->options().goBackwards == forward->options().goBackwards) {
            fail(ctx + ": forward and backward layers have the same go_backwards");
        }
    } else {
        // The backward copy is the wrapped layer with go_backwards flipped (Bidirectional.__init__).
        backward
            = parseInner(fwdEntry, "backward_" + removePrefix(innerName, "forward_"), !forward->options().goBackwards);
    }
    if (mode == MergeMode::None) {
        out.multipleOutputs = true;
    }
    try {
        return std::make_unique<BidirectionalLayer>(name, std::move(forward), std::move(backward), mode);
    } catch (const ModelError& e) {
        fail(ctx + ": " + e.what());
    }
}

ConfigReader::Parsed ConfigReader::parseLayer(const json& entry, const std::string& forcedName)
{
    auto [cls, cfgPtr] = classAndConfig(entry);
    const json& cfg = *cfgPtr;
    std::string name = forcedName;
    if (name.empty()) {
        if (member(cfg, "name").is_string()) {
            name = cfg["name"].get<std::string>();
        } else if (entry.is_object() && member(entry, "name").is_string()) {
            name = entry["name"].get<std::string>();
        }
    }
    if (cls.empty()) {
        fail("layer entry without a class_name: " + entry.dump().substr(0, 200));
    }
    if (name.empty()) {
        fail("a " + cls + " layer has no name");
    }
    const std::string ctx = who(name, cls);
    Parsed out;
    // Fresh weight bookkeeping for this top-level layer (see ConfigHints).
    m_topLayer = name;
    m_weightOffset = 0;
    m_topShapes.reset();
    if (m_hints.layerWeightShapes) {
        m_topShapes = m_hints.layerWeightShapes(name);
    }

    if (cls == "InputLayer") {
        out.layer = parseInputLayer(cfg, name, out);
        return out;
    }
    const bool integerDtype = checkDtype(cfg, ctx, cls == "Embedding");
    (void)integerDtype;
    if (auto shape = batchInputShape(cfg, ctx)) {
        out.batchShape = shape;
    }
    try {
        if (cls == "SimpleRNN" || cls == "LSTM" || cls == "GRU" || cls == "RNN") {
            out.layer = parseRnn(cls, cfg, name, ctx, out);
        } else if (cls == "Bidirectional") {
            out.layer = parseBidirectional(cfg, name, ctx, out);
        } else if (cls == "Embedding") {
            checkKeys(cfg, ctx, {"input_dim", "output_dim", "mask_zero"});
            const Index inputDim = positiveIntKey(cfg, "input_dim", ctx);
            const Index outputDim = positiveIntKey(cfg, "output_dim", ctx);
            out.layer
                = std::make_unique<EmbeddingLayer>(name, inputDim, outputDim, boolKey(cfg, "mask_zero", false, ctx));
            // Keras 2 Embedding(input_length=T) without an explicit input shape means input shape (T,).
            if (!out.batchShape && member(cfg, "input_length").is_number_integer()) {
                out.batchShape = Shape {-1, cfg["input_length"].get<Index>()};
            }
        } else if (cls == "Masking") {
            checkKeys(cfg, ctx, {"mask_value"});
            const json& v = member(cfg, "mask_value");
            if (!v.is_null() && !v.is_number()) {
                fail(ctx + ": 'mask_value' must be a number, got " + v.dump());
            }
            out.layer = std::make_unique<MaskingLayer>(name, v.is_null() ? 0.0F : v.get<float>());
        } else if (cls == "Dense") {
            checkKeys(cfg, ctx, {"units", "activation", "use_bias"});
            out.layer = std::make_unique<DenseLayer>(name, positiveIntKey(cfg, "units", ctx),
                activationKey(cfg, "activation", "linear", ctx), boolKey(cfg, "use_bias", true, ctx));
        } else if (cls == "Dropout" || cls == "SpatialDropout1D" || cls == "GaussianNoise" || cls == "GaussianDropout"
            || cls == "AlphaDropout" || cls == "ActivityRegularization") {
            // Identity at inference: rate, noise_shape, stddev, l1/l2 only act while training.
            checkKeys(cfg, ctx, {"rate", "noise_shape", "stddev", "l1", "l2"});
            out.layer = std::make_unique<IdentityLayer>(name, cls);
        } else if (cls == "Activation") {
            checkKeys(cfg, ctx, {"activation"});
            out.layer = std::make_unique<ActivationLayer>(name, activationKey(cfg, "activation", "linear", ctx));
        } else if (cls == "RepeatVector") {
            checkKeys(cfg, ctx, {"n"});
            out.layer = std::make_unique<RepeatVectorLayer>(name, positiveIntKey(cfg, "n", ctx));
        } else if (cls == "TimeDistributed") {
            checkKeys(cfg, ctx, {"layer"});
            const json& innerEntry = member(cfg, "layer");
            auto [innerCls, innerCfg] = classAndConfig(innerEntry);
            if (innerCls != "Dense" && innerCls != "Activation" && innerCls != "Dropout"
                && innerCls != "SpatialDropout1D" && innerCls != "GaussianNoise" && innerCls != "GaussianDropout"
                && innerCls != "AlphaDropout") {
                fail(ctx + ": TimeDistributed(" + (innerCls.empty() ? std::string("?") : innerCls)
                    + ") is not supported");
            }
            (void)innerCfg;
            Parsed inner = parseLayer(innerEntry);
            m_topLayer = name;
            out.layer = std::make_unique<TimeDistributedLayer>(name, std::move(inner.layer));
        } else if (cls == "Concatenate") {
            checkKeys(cfg, ctx, {"axis"});
            out.layer = std::make_unique<MergeLayer>(name, MergeOp::Concatenate, intKey(cfg, "axis", Index {-1}, ctx));
        } else if (cls == "Add" || cls == "Subtract" || cls == "Multiply" || cls == "Average" || cls == "Maximum"
            || cls == "Minimum") {
            checkKeys(cfg, ctx, {});
            static const std::map<std::string, MergeOp> ops
                = {{"Add", MergeOp::Add}, {"Subtract", MergeOp::Subtract}, {"Multiply", MergeOp::Multiply},
                    {"Average", MergeOp::Average}, {"Maximum", MergeOp::Maximum}, {"Minimum", MergeOp::Minimum}};
            out.layer = std::make_unique<MergeLayer>(name, ops.at(cls));
        } else if (cls == "Sequential" || cls == "Functional" || cls == "Model") {
            fail(ctx + ": nested models are not supported");
        } else {
            fail(ctx + ": unsupported layer class '" + cls + "'");
        }
    } catch (const ModelError& e) {
        fail(ctx + ": " + e.what());
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Sequential

std::unique_ptr<Model> ConfigReader::readSequential(const json& cfg)
{
    // Keras < 2.2.3 wrote the layer list itself as the config; later versions {"name", "layers": [...]}.
    const json* layers = &cfg;
    std::string modelName = "sequential";
    if (cfg.is_object()) {
        layers = &member(cfg, "layers");
        if (member(cfg, "name").is_string()) {
            modelName = cfg["name"].get<std::string>();
        }
    }
    if (!layers->is_array() || layers->empty()) {
        fail("Sequential model without layers");
    }
    auto model = std::make_unique<Model>(modelName, "Sequential");
    model->setKerasVersion(m_version.text, m_version.major);

    if (layers->size() > 1 && member((*layers)[1], "class_name") == "Embedding") {
        const json& name = member(member((*layers)[0], "config"), "name");
        if (member((*layers)[0], "class_name") == "InputLayer" && name.is_string()) {
            m_idInputs.insert(name.get<std::string>());
        }
    }
    std::vector<Parsed> parsed;
    for (const auto& entry : *layers) {
        parsed.push_back(parseLayer(entry));
    }
    std::size_t first = 0;
    std::optional<TensorRef> prev;
    if (parsed.front().layer->className() == "InputLayer") {
        const bool integer = parsed.front().integerInput;
        Layer& added = model->addLayer(std::move(parsed.front().layer));
        prev = TensorRef {model->addInputNode(added, *parsed.front().batchShape, integer), 0};
        first = 1;
    } else {
        // Standalone Keras <= 2.3 keeps no InputLayer in the config: Sequential.add created one named
        // "<first layer>_input" from the first layer's batch_input_shape (keras/engine/sequential.py).
        std::optional<Shape> shape = parsed.front().batchShape;
        if (!shape && cfg.is_object()) {
            shape = shapeKey(cfg, "build_input_shape", "Sequential model '" + modelName + "'");
        }
        if (!shape) {
            fail("Sequential model '" + modelName + "': the first layer '" + parsed.front().layer->name()
                + "' has no batch_input_shape (a model that was never built cannot be loaded)");
        }
        const bool integer = parsed.front().layer->className() == "Embedding";
        const std::string inputName = parsed.front().layer->name() + "_input";
        Layer& added = model->addLayer(std::make_unique<InputLayer>(inputName, *shape, integer));
        prev = TensorRef {model->addInputNode(added, *shape, integer), 0};
    }
    if (first >= parsed.size()) {
        fail("Sequential model '" + modelName + "' has only an InputLayer");
    }
    std::string lastName;
    for (std::size_t i = first; i < parsed.size(); ++i) {
        if (parsed[i].layer->className() == "InputLayer") {
            fail(who(parsed[i].layer->name(), "InputLayer") + ": an InputLayer inside a Sequential model");
        }
        if (parsed[i].multipleOutputs) {
            // Sequential.add: "All layers in a Sequential model should have a single output tensor."
            fail(who(parsed[i].layer->name(), parsed[i].layer->className())
                + ": has several outputs (return_state or merge_mode None), which a Sequential model does not allow");
        }
        lastName = parsed[i].layer->name();
        Layer& layer = model->addLayer(std::move(parsed[i].layer));
        prev = TensorRef {model->addNode(layer, {*prev}), 0};
    }
    model->addOutput(*prev, lastName);
    finish(*model);
    return model;
}

// ---------------------------------------------------------------------------------------------------------------
// Functional

struct TensorKey
{
    std::string layer;
    std::size_t node = 0;
    std::size_t tensor = 0;
};

std::unique_ptr<Model> ConfigReader::readFunctional(const json& cfg, const std::string& className)
{
    if (!cfg.is_object()) {
        fail(className + " config is not an object");
    }
    const std::string modelName = member(cfg, "name").is_string() ? cfg["name"].get<std::string>() : "model";
    const json& layers = member(cfg, "layers");
    if (!layers.is_array() || layers.empty()) {
        fail("model '" + modelName + "' has no layers");
    }
    auto model = std::make_unique<Model>(modelName, "Functional");
    model->setKerasVersion(m_version.text, m_version.major);

    // A [layer, node, tensor(, kwargs)] reference of the Keras 2 form, or a Keras 3 __keras_tensor__.
    auto refFromList = [&](const json& r, const std::string& ctx) -> TensorKey {
        if (!r.is_array() || r.size() < 2 || !r[0].is_string() || !r[1].is_number_unsigned()
            || (r.size() >= 3 && !r[2].is_number_unsigned())) {
            fail(ctx + ": malformed tensor reference " + r.dump().substr(0, 200));
        }
        return {r[0].get<std::string>(), r[1].get<std::size_t>(), r.size() >= 3 ? r[2].get<std::size_t>() : 0};
    };
    auto isKerasTensor = [&](const json& v) { return v.is_object() && member(v, "class_name") == "__keras_tensor__"; };
    auto refFromKerasTensor = [&](const json& v, const std::string& ctx) {
        return refFromList(member(member(v, "config"), "keras_history"), ctx);
    };
    // Every __keras_tensor__ in a nested args structure, in order.
    std::function<void(const json&, std::vector<TensorKey>&, const std::string&)> collect;
    collect = [&](const json& v, std::vector<TensorKey>& out, const std::string& ctx) {
        if (isKerasTensor(v)) {
            out.push_back(refFromKerasTensor(v, ctx));
        } else if (v.is_array()) {
            for (const auto& e : v) {
                collect(e, out, ctx);
            }
        } else if (v.is_object()) {
            for (const auto& e : v) {
                collect(e, out, ctx);
            }
        }
    };

    // Which layers feed an Embedding, before the InputLayers are made.
    std::function<void(const json&)> noteSources = [&](const json& v) {
        if (v.is_array() && !v.empty() && v[0].is_string()) {
            m_idInputs.insert(v[0].get<std::string>());
        } else if (v.is_array() || v.is_object()) {
            for (const auto& x : v) {
                noteSources(x);
            }
        }
    };
    for (const auto& layerEntry : layers) {
        if (layerEntry.is_object() && member(layerEntry, "class_name") == "Embedding") {
            noteSources(member(layerEntry, "inbound_nodes"));
        }
    }

    struct Entry
    {
        std::string name;
        Layer* layer = nullptr;
        bool isInput = false;
        bool integer = false;
        Shape shape;
        std::vector<std::vector<TensorKey>> calls; // inputs of each call (inbound node)
        std::vector<std::size_t> nodes; // model node of each call made so far
    };
    std::vector<Entry> entries;
    std::map<std::string, std::size_t> byName;
    for (const auto& layerEntry : layers) {
        Parsed p = parseLayer(layerEntry);
        Entry e;
        e.name = p.layer->name();
        e.isInput = p.layer->className() == "InputLayer";
        e.integer = p.integerInput;
        if (e.isInput) {
            e.shape = *p.batchShape;
        }
        if (byName.count(e.name) != 0) {
            fail("model '" + modelName + "' has two layers named '" + e.name + "'");
        }
        const std::string ctx = who(e.name, p.layer->className());
        const json& inbound = member(layerEntry, "inbound_nodes");
        if (!inbound.is_null() && !inbound.is_array()) {
            fail(ctx + ": malformed inbound_nodes");
        }
        for (const auto& node : inbound.is_array() ? inbound : json::array()) {
            std::vector<TensorKey> inputs;
            if (node.is_object()) {
                // Keras 3: {"args": [...], "kwargs": {...}} (keras/src/models/functional.py::serialize_node).
                collect(member(node, "args"), inputs, ctx);
                const json& kwargs = member(node, "kwargs");
                if (!kwargs.is_null() && !kwargs.is_object()) {
                    fail(ctx + ": malformed kwargs in inbound node");
                }
                for (const char* key : {"initial_state", "constants"}) {
                    collect(member(kwargs, key), inputs, ctx);
                }
                for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
                    if (it.key() == "initial_state" || it.key() == "constants" || it.key() == "mask"
                        || it.key() == "training") {
                        continue; // masks are recomputed by the engine; training is off at inference
                    }
                    std::vector<TensorKey> extra;
                    collect(it.value(), extra, ctx);
                    if (!extra.empty()) {
                        fail(ctx + ": unsupported call argument '" + it.key() + "' with a tensor");
                    }
                    if (!isDefaultLike(it.value())) {
                        warn(ctx + ": call argument '" + it.key() + "' = " + it.value().dump() + " is ignored");
                    }
                }
            } else if (node.is_array()) {
                // Keras 2: [[layer, node, tensor, {kwargs}], ...]; an RNN lists x, initial states, then constants.
                for (const auto& r : node) {
                    inputs.push_back(refFromList(r, ctx));
                }
                if (!node.empty() && node[0].is_array() && node[0].size() >= 4 && node[0][3].is_object()) {
                    const json& kwargs = node[0][3];
                    for (const char* key : {"initial_state", "constants"}) {
                        const json& v = member(kwargs, key);
                        std::vector<TensorKey> extra;
                        if (v.is_array() && !v.empty() && v[0].is_array()) {
                            for (const auto& r : v) {
                                extra.push_back(refFromList(r, ctx));
                            }
                        } else if (v.is_array() && !v.empty()) {
                            extra.push_back(refFromList(v, ctx));
                        }
                        // Some tf.keras versions list these both as inputs and in kwargs: count them once.
                        for (const auto& k : extra) {
                            const bool listed = std::any_of(inputs.begin(), inputs.end(), [&](const TensorKey& i) {
                                return i.layer == k.layer && i.node == k.node && i.tensor == k.tensor;
                            });
                            if (!listed) {
                                inputs.push_back(k);
                            }
                        }
                    }
                }
            } else {
                fail(ctx + ": malformed inbound node " + node.dump().substr(0, 200));
            }
            if (inputs.empty()) {
                fail(ctx + ": an inbound node without input tensors");
            }
            e.calls.push_back(std::move(inputs));
        }
        if (e.isInput && !e.calls.empty()) {
            fail(ctx + ": an InputLayer with inbound nodes");
        }
        e.layer = &model->addLayer(std::move(p.layer));
        byName[e.name] = entries.size();
        entries.push_back(std::move(e));
    }

    // Refs to layers must name known layers.
    for (const auto& e : entries) {
        for (const auto& call : e.calls) {
            for (const auto& k : call) {
                if (byName.count(k.layer) == 0) {
                    fail(who(e.name, e.layer->className()) + ": input from unknown layer '" + k.layer + "'");
                }
            }
        }
    }

    auto parseRefs = [&](const json& v, const std::string& what) {
        std::vector<TensorKey> refs;
        if (!v.is_array()) {
            fail("model '" + modelName + "': malformed " + what);
        }
        // A single tensor may be written flat (Keras 3: ["name", 0, 0]).
        if (!v.empty() && v[0].is_string()) {
            refs.push_back(refFromList(v, what));
        } else {
            std::function<void(const json&)> walk = [&](const json& x) {
                if (x.is_array() && !x.empty() && x[0].is_string()) {
                    refs.push_back(refFromList(x, what));
                } else if (x.is_array()) {
                    for (const auto& y : x) {
                        walk(y);
                    }
                } else if (isKerasTensor(x)) {
                    refs.push_back(refFromKerasTensor(x, what));
                } else if (x.is_object()) {
                    for (const auto& y : x) {
                        walk(y);
                    }
                } else {
                    fail("model '" + modelName + "': malformed " + what);
                }
            };
            walk(v);
        }
        for (const auto& r : refs) {
            if (byName.count(r.layer) == 0) {
                fail("model '" + modelName + "': " + what + " names unknown layer '" + r.layer + "'");
            }
        }
        return refs;
    };

    // Model inputs in input_layers order (the order model.predict takes them), then any other InputLayer.
    for (const auto& r : parseRefs(member(cfg, "input_layers"), "input_layers")) {
        Entry& e = entries[byName[r.layer]];
        if (!e.isInput) {
            fail("model '" + modelName + "': input_layers names '" + r.layer + "', which is not an InputLayer");
        }
        if (!e.nodes.empty()) {
            fail("model '" + modelName + "': input_layers names '" + r.layer + "' twice");
        }
        e.nodes.push_back(model->addInputNode(*e.layer, e.shape, e.integer));
    }
    for (auto& e : entries) {
        if (e.isInput && e.nodes.empty()) {
            e.nodes.push_back(model->addInputNode(*e.layer, e.shape, e.integer));
        }
    }

    // Calls in dependency order, as Keras's from_config does with its deferred nodes: the k-th call of a layer
    // is node k of that layer, and calls are made in each layer's order.
    auto resolve = [&](const TensorKey& k) -> std::optional<TensorRef> {
        const Entry& src = entries[byName[k.layer]];
        if (k.node >= src.nodes.size()) {
            return std::nullopt;
        }
        return TensorRef {src.nodes[k.node], k.tensor};
    };
    bool progress = true;
    while (progress) {
        progress = false;
        for (auto& e : entries) {
            while (!e.isInput && e.nodes.size() < e.calls.size()) {
                std::vector<TensorRef> inputs;
                bool ready = true;
                for (const auto& k : e.calls[e.nodes.size()]) {
                    auto ref = resolve(k);
                    if (!ref) {
                        ready = false;
                        break;
                    }
                    inputs.push_back(*ref);
                }
                if (!ready) {
                    break;
                }
                e.nodes.push_back(model->addNode(*e.layer, std::move(inputs)));
                progress = true;
            }
        }
    }
    for (const auto& e : entries) {
        if (!e.isInput && e.nodes.size() < e.calls.size()) {
            const auto& call = e.calls[e.nodes.size()];
            for (const auto& k : call) {
                if (!resolve(k)) {
                    fail(who(e.name, e.layer->className()) + ": input '" + k.layer + "' node " + std::to_string(k.node)
                        + " does not exist (or depends on this layer)");
                }
            }
        }
    }

    // Outputs: the layer name, with "_<tensor index>" when the layer gives several of the model's outputs or
    // not its first one (return_state outputs h and c as "<layer>_1", "<layer>_2").
    const auto outputRefs = parseRefs(member(cfg, "output_layers"), "output_layers");
    if (outputRefs.empty()) {
        fail("model '" + modelName + "' has no output_layers");
    }
    std::map<std::string, int> perLayer;
    for (const auto& r : outputRefs) {
        ++perLayer[r.layer];
    }
    std::set<std::string> used;
    for (const auto& r : outputRefs) {
        auto ref = resolve(r);
        if (!ref) {
            fail("model '" + modelName + "': output_layers names node " + std::to_string(r.node) + " of '" + r.layer
                + "', which does not exist");
        }
        std::string name = r.layer;
        if (perLayer[r.layer] > 1 || r.tensor > 0) {
            name += "_" + std::to_string(r.tensor);
        }
        if (used.count(name) != 0) {
            name = r.layer + "_" + std::to_string(r.node) + "_" + std::to_string(r.tensor);
        }
        used.insert(name);
        model->addOutput(*ref, name);
    }
    finish(*model);
    return model;
}

void ConfigReader::finish(Model& model)
{
    try {
        model.finalize();
    } catch (const ModelError& e) {
        fail(e.what());
    }
    // A stateful layer's batch size is the model's fixed batch (batch_input_shape[0] of its input), as Keras
    // requires for stateful RNNs; take it from the inferred shape when the layer's own config had none.
    const auto& nodes = model.nodes();
    const auto& shapes = model.nodeShapes();
    for (const auto& node : nodes) {
        if (node.inputs.empty() || !node.layer->isRecurrent()) {
            continue;
        }
        const TensorRef in = node.inputs.front();
        if (in.node >= shapes.size() || in.index >= shapes[in.node].size() || shapes[in.node][in.index].empty()) {
            continue;
        }
        const Index batch = shapes[in.node][in.index][0];
        if (batch <= 0) {
            continue;
        }
        std::vector<RnnLayer*> rnns;
        if (auto* rnn = dynamic_cast<RnnLayer*>(node.layer)) {
            rnns.push_back(rnn);
        } else if (auto* bi = dynamic_cast<BidirectionalLayer*>(node.layer)) {
            rnns.push_back(&bi->forward());
            rnns.push_back(&bi->backward());
        }
        for (auto* rnn : rnns) {
            if (rnn->options().stateful && !rnn->options().fixedBatch) {
                rnn->options().fixedBatch = batch;
            }
        }
    }
}

std::unique_ptr<Model> ConfigReader::read(const json& config)
{
    if (!config.is_object()) {
        fail("model config is not a JSON object");
    }
    auto [cls, cfg] = classAndConfig(config);
    if (cls.empty()) {
        fail("model config has no class_name");
    }
    if (cls == "Sequential") {
        // The old list form is not an object, so classAndConfig did not pick it up.
        const json& raw = member(config, "config");
        return readSequential(raw.is_array() ? raw : *cfg);
    }
    if (cls == "Functional" || cls == "Model") {
        return readFunctional(*cfg, cls);
    }
    fail("unsupported model class '" + cls + "' (expected Sequential, Functional or Model)");
}

} // namespace

std::unique_ptr<Model> modelFromKerasConfig(const nlohmann::json& config, const KerasVersion& version,
    const std::string& fileForErrors, std::vector<std::string>* warnings, const ConfigHints& hints)
{
    ConfigReader reader(version, fileForErrors, warnings, hints);
    try {
        return reader.read(config);
    } catch (const nlohmann::json::exception& e) {
        // A value of an unexpected JSON type that a check above did not anticipate.
        throw FileError(fileForErrors, std::string("malformed model config: ") + e.what());
    } catch (const MemoryBudgetError&) {
        throw; // not the file's fault: the budget's message says what needed how much
    } catch (const ModelError& e) {
        // The model refused what the config describes (two layers of one name, a node wired to a missing
        // tensor): a fault of this file, so the error names it.
        throw FileError(fileForErrors, std::string("invalid model: ") + e.what());
    }
}

} // namespace rnnscope::io
