#pragma once
// Engine models turned back into Keras model configurations: the Keras 3 form of `config.json` in a `.keras` archive
// (keras-formats §3.3: module / class_name / config / registered_name / build_config, DTypePolicy dicts,
// {"args", "kwargs"} inbound nodes) and the tf.keras 2.x form of a legacy `.h5` file's `model_config` (§2:
// batch_input_shape, [layer, node, tensor, {}] inbound nodes, time_major / implementation keys).
//
// The config is rebuilt from the engine objects, not from the file the model came from, so a converted model says
// exactly what the engine computes. Whatever the target generation cannot express with the same numbers is refused
// with FileError(<output file>, ...): Keras 2's hard_sigmoid (0.2x+0.5) in a Keras 3 file and Keras 3's (x/6+0.5) in a
// Keras 2 file (keras-formats §4), time_major and constants in Keras 3, a stateful layer fed initial states whose
// treatment differs between the generations (keras_config.h statefulRuleFor), StackedRNNCells with Keras < 2.3's
// reversed state order in Keras 3. What Keras keeps only for training (initialisers, dropout rates, regularisers) is
// not in the engine: initialisers are written as Keras's defaults and dropout rates as 0.

#include <string>

#include <nlohmann/json.hpp>

#include "core/model.h"

namespace rnnscope::io {

enum class KerasGeneration {
    Keras3, // `.keras` archives
    Keras2, // legacy `.h5` files, as tf.keras 2.x writes them
};

// The keras_version the writers put into the files they write, which the reader then uses to choose
// hard_sigmoid and the stateful initial_state rule.
inline constexpr const char* kKeras3WriteVersion = "3.10.0";
inline constexpr const char* kKeras2WriteVersion = "2.15.0";

// {"class_name": "Sequential" | "Functional", "config": ...} (plus module / registered_name / build_config for
// Keras 3). `model` must be finalized. Throws FileError(outputFile, "<what cannot be written>").
nlohmann::ordered_json kerasConfigFromModel(
    const Model& model, KerasGeneration generation, const std::string& outputFile);

} // namespace rnnscope::io
