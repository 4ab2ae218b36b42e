#pragma once
// Keras model configurations (the JSON of `model.to_json()` / the legacy `model_config` attribute) turned into
// engine models.
//
// Both generations are read: the Keras 2 / tf.keras form (keras-formats §2: `batch_input_shape`, inbound nodes as
// [layer, node, tensor, kwargs] lists, Sequential configs that are a bare layer list before Keras 2.2.3) and the
// Keras 3 form (§3.3: `batch_shape`, DTypePolicy dicts, {"args", "kwargs"} nodes with `__keras_tensor__`s).
// Anything that would change the numbers and is not understood is an error naming the layer and the thing; only
// keys known to be irrelevant at inference (initialisers, regularisers, constraints, dropout, ...) are ignored.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/model.h"
#include "core/rnn_layer.h"

namespace rnnscope::io {

// The `keras_version` a file was written by: "2.1.3", "2.2.4-tf" (tf.keras), "3.6.0".
struct KerasVersion
{
    std::string text;
    int major = 0;
    int minor = 0;
    int patch = 0;

    // Parses "M.m.p" with any suffix ("-tf", "rc1", ...); missing parts are 0. Throws FileError naming
    // `fileForErrors` when `text` does not start with a number.
    static KerasVersion parse(const std::string& text, const std::string& fileForErrors);

    // tf.keras writes its version with a "-tf" suffix ("2.2.4-tf"); standalone Keras does not.
    bool isTfKeras() const;
    // Numeric comparison of (major, minor, patch).
    bool atLeast(int major, int minor, int patch = 0) const;
};

// Optional information from the weights that the config alone does not settle.
struct ConfigHints
{
    // The weight arrays' shapes of a top-level layer by name (Keras get_weights() order), or nullopt when
    // unknown. Used for GRUs whose config has no `reset_after` key: a bias of shape (2, 3u) means reset_after=True
    // (keras-formats §4; the key is absent in configs older than Keras 2.1.3 and the default differs by version).
    std::function<std::optional<std::vector<Shape>>(const std::string& layerName)> layerWeightShapes;
};

// Builds and finalizes (topologically orders, infers shapes, builds weights) the model described by `config`,
// which is {"class_name": "Sequential" | "Functional" | "Model", "config": ...}. Notes that do not stop the
// load (a mixed-precision dtype computed in float32, ...) are appended to `warnings` when given.
// Throws FileError(fileForErrors, "<what is wrong>") naming the layer and the unsupported class, key or value.
std::unique_ptr<Model> modelFromKerasConfig(const nlohmann::json& config, const KerasVersion& version,
    const std::string& fileForErrors, std::vector<std::string>* warnings = nullptr, const ConfigHints& hints = {});

// How a stateful layer treats initial states passed on later calls, per Keras generation.
StatefulInitialState statefulRuleFor(const KerasVersion& version);
// Whether StackedRNNCells flattened its states last cell first: standalone Keras before 2.3.0 and tf.keras
// before 2.2.4-tf (TF 1.13) did (`for cell in self.cells[::-1]` in keras/layers/recurrent.py, tag 2.2.4); later
// versions keep cell order unless `reverse_state_order` was passed in code, which no config records.
bool stackedStatesReversed(const KerasVersion& version);

} // namespace rnnscope::io
