#pragma once
// Keras's legacy HDF5 files (keras-formats §1): full models saved by `model.save("m.h5")` (a `model_config`
// root attribute and a `model_weights` group) and weights-only files saved by `model.save_weights("w.h5")`
// (`layer_names` on the root), as written by Keras 2.x, tf.keras and Keras 3's legacy writer; plus the model
// config JSON files that go with weights-only files.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hdf5_file.h"
#include "keras_config.h"
#include "weights.h"

namespace rnnscope::io {

// What a group written by `save_weights_to_hdf5_group` holds.
struct LegacyWeights
{
    KerasVersion version;
    std::string backend; // "tensorflow", "theano", ... ("" when absent)
    std::vector<LayerWeights> layers; // in `layer_names` order, each in `weight_names` order
};

// The `keras_version` attribute of `group`. Throws FileError "Keras 1 files are not supported (no keras_version
// attribute)" when it is absent, as Keras 2 itself takes such files for Keras 1 (`load_weights_from_hdf5_group`).
KerasVersion readLegacyKerasVersion(const Hdf5Group& group);

// Reads `layer_names` (or its chunked form) from `group`, then for each layer the datasets its `weight_names`
// list, in that order: always `group[layer][weight_names[i]]`, never names rebuilt by hand. `fallbackVersion` (the
// root's keras_version of a full model file) stands in when the group itself has no keras_version.
LegacyWeights readLegacyWeights(const Hdf5Group& group, const std::optional<KerasVersion>& fallbackVersion = {});

// A full model file: its parsed `model_config` and its weights. `version` is the root keras_version
// (falling back to model_weights' own attribute).
struct LegacyModelFile
{
    nlohmann::json config;
    KerasVersion version;
    LegacyWeights weights;
};
LegacyModelFile readLegacyModelFile(const Hdf5File& file);

// The weights of a legacy weights-only file, or of a full model file's `model_weights` group.
LegacyWeights readLegacyWeightsFile(const Hdf5File& file);

// A model config JSON file: `model.to_json()` output ({"class_name", "config", "keras_version", "backend"}),
// or a wrapper holding it under "model_config" (possibly as a string) or "modelTopology" (TF.js model.json).
struct KerasConfigFile
{
    nlohmann::json config; // {"class_name", "config"}
    std::optional<KerasVersion> version; // when the file says which Keras wrote it
};
KerasConfigFile readKerasConfigJson(const std::string& path);
// The same from text already in memory; `nameForErrors` names it in messages.
KerasConfigFile parseKerasConfigJson(const std::string& text, const std::string& nameForErrors);

} // namespace rnnscope::io
