#include "model_builder.h"

#include <map>

#include "core/errors.h"
#include "core/initializers.h"
#include "file_error.h"
#include "hdf5_file.h"
#include "keras3_weights.h"
#include "keras_config_writer.h"
#include "keras_h5.h"
#include "weights.h"

namespace rnnscope::io {

using nlohmann::json;

namespace {

// Keras's automatic layer names: the snake-case class name, then _1, _2, ... (keras/src/backend/common/
// global_state-backed auto_name).
class AutoNames
{
public:
    std::string take(const std::string& base)
    {
        const int k = m_used[base]++;
        return k == 0 ? base : base + "_" + std::to_string(k);
    }

private:
    std::map<std::string, int> m_used;
};

const char* cellClass(CellKind kind)
{
    switch (kind) {
    case CellKind::SimpleRnn:
        return "SimpleRNNCell";
    case CellKind::Lstm:
        return "LSTMCell";
    case CellKind::Gru:
        return "GRUCell";
    case CellKind::Minimal:
        return "MinimalRNNCell";
    }
    return "LSTMCell";
}

json cellKeys(const RecurrentLayerSpec& s)
{
    json c = {{"units", s.units}};
    if (s.cell == CellKind::Minimal) {
        return c;
    }
    c["activation"] = s.activation;
    if (s.cell != CellKind::SimpleRnn) {
        c["recurrent_activation"] = s.recurrentActivation;
    }
    c["use_bias"] = s.useBias;
    if (s.cell == CellKind::Gru) {
        c["reset_after"] = s.resetAfter;
    }
    return c;
}

json rnnKeys(const RecurrentLayerSpec& s, const std::string& name)
{
    return {{"name", name}, {"return_sequences", s.returnSequences}, {"return_state", false},
        {"go_backwards", s.goBackwards}, {"stateful", s.stateful}, {"unroll", s.unroll},
        {"zero_output_for_mask", s.bidirectional && s.returnSequences}};
}

} // namespace

json kerasConfigFromSpec(const ModelSpec& spec)
{
    AutoNames names;
    json layers = json::array();
    json batchShape = json::array({spec.batchSize ? json(*spec.batchSize) : json(nullptr),
        spec.timesteps ? json(*spec.timesteps) : json(nullptr), spec.features});
    layers.push_back({{"class_name", "InputLayer"},
        {"config", {{"batch_shape", batchShape}, {"dtype", "float32"}, {"name", names.take("input_layer")}}}});

    // One recurrent layer: SimpleRNN / LSTM / GRU carry their cell's keys, RNN a serialised cell.
    auto recurrent = [&](const RecurrentLayerSpec& s, const json* cell) {
        std::string cls;
        json c;
        if (cell != nullptr || s.cell == CellKind::Minimal) {
            cls = "RNN";
            c = rnnKeys(s, "");
            c["cell"] = cell != nullptr ? *cell : json {{"class_name", "MinimalRNNCell"}, {"config", cellKeys(s)}};
        } else {
            cls = s.cell == CellKind::SimpleRnn ? "SimpleRNN" : s.cell == CellKind::Lstm ? "LSTM" : "GRU";
            c = rnnKeys(s, "");
            c.update(cellKeys(s));
        }
        const std::string snake = kerasSnakeCase(cls);
        if (!s.bidirectional) {
            c["name"] = names.take(snake);
            return json {{"class_name", cls}, {"config", c}};
        }
        // Keras 3's Bidirectional config: the forward copy as "layer", the backward one with go_backwards flipped.
        const std::string biName = names.take("bidirectional");
        const std::string inner = names.take(snake);
        json forward = c;
        forward["name"] = "forward_" + inner;
        json backward = c;
        backward["name"] = "backward_" + inner;
        backward["go_backwards"] = !s.goBackwards;
        return json {{"class_name", "Bidirectional"},
            {"config",
                {{"name", biName}, {"merge_mode", s.mergeMode == "none" ? json(nullptr) : json(s.mergeMode)},
                    {"layer", {{"class_name", cls}, {"config", forward}}},
                    {"backward_layer", {{"class_name", cls}, {"config", backward}}}}}};
    };

    if (spec.stackedCells && !spec.layers.empty()) {
        json cells = json::array();
        AutoNames cellNames;
        for (const auto& s : spec.layers) {
            json c = cellKeys(s);
            c["name"] = cellNames.take(kerasSnakeCase(cellClass(s.cell)));
            cells.push_back({{"class_name", cellClass(s.cell)}, {"config", c}});
        }
        const json stack
            = {{"class_name", "StackedRNNCells"}, {"config", {{"name", "stacked_rnn_cells"}, {"cells", cells}}}};
        layers.push_back(recurrent(spec.layers.front(), &stack));
    } else {
        for (const auto& s : spec.layers) {
            layers.push_back(recurrent(s, nullptr));
        }
    }
    if (spec.dense) {
        json dense = {{"name", names.take("dense")}, {"units", spec.dense->units},
            {"activation", spec.dense->activation}, {"use_bias", true}};
        layers.push_back({{"class_name", "Dense"}, {"config", dense}});
    }
    return {{"class_name", "Sequential"}, {"config", {{"name", "sequential"}, {"layers", layers}}}};
}

std::unique_ptr<Model> buildModelFromSpec(const ModelSpec& spec, const std::string& nameForErrors)
{
    const KerasVersion version = KerasVersion::parse(kKeras3WriteVersion, nameForErrors);
    std::unique_ptr<Model> model = modelFromKerasConfig(kerasConfigFromSpec(spec), version, nameForErrors);
    if (spec.weightsFile) {
        loadWeightsInto(*model, *spec.weightsFile);
    } else {
        try {
            initializeModelWeights(*model, spec.initializers, spec.seed);
        } catch (const ModelError& e) {
            throw FileError(nameForErrors, e.what());
        }
    }
    return model;
}

std::vector<std::string> loadWeightsInto(Model& model, const std::string& path)
{
    const Hdf5File file = Hdf5File::openReadOnly(path);
    if (isKeras3WeightsRoot(file.root())) {
        return loadKeras3Weights(model, file).warnings;
    }
    const LegacyWeights weights = readLegacyWeightsFile(file);
    return assignModelWeights(model, weights.layers, path);
}

} // namespace rnnscope::io
