#pragma once
// Models built from a ModelSpec (core/model_spec.h), and weights files loaded into a built model.
//
// The spec becomes a Keras 3 model config first and goes through the config reader (keras_config.h), so the engine
// model is exactly what loading a file with that config gives; the weights are then initialised as Keras would
// (core/initializers.h) or read from a weights file through the loaders' own code paths.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/model.h"
#include "core/model_spec.h"

namespace rnnscope::io {

// The Keras 3 Sequential config of `spec`: InputLayer(batch_shape (batch, T, F)), then SimpleRNN / LSTM / GRU layers
// (RNN(cell=MinimalRNNCell) for the minimal cell), or one RNN over StackedRNNCells, each optionally in a
// Bidirectional, then the Dense. Layer names are Keras's automatic ones (lstm, lstm_1, ..., dense).
nlohmann::json kerasConfigFromSpec(const ModelSpec& spec);

// The finalized model of `spec` with its weights. `nameForErrors` names the spec in errors ("model builder").
// Throws FileError for a spec the reader refuses and for weights that do not fit.
std::unique_ptr<Model> buildModelFromSpec(const ModelSpec& spec, const std::string& nameForErrors);

// Loads a Keras 3 `.weights.h5` (or a .keras archive's model.weights.h5 layout), a legacy weights-only `.h5` or the
// weights of a legacy full-model `.h5` into the finalized `model`, telling them apart by content. Returns warnings
// (NaN/Inf weights, ...). Throws FileError(path, ...) when they do not fit.
std::vector<std::string> loadWeightsInto(Model& model, const std::string& path);

} // namespace rnnscope::io
