#pragma once
// Saving an engine model (with its weights) as Keras files:
//   - a Keras 3 `.keras` archive (keras-formats §3.1): a stored (uncompressed) zip of metadata.json, config.json and
//     model.weights.h5 in Keras 3's layout (§3.2: layers/<snake_class>[_k]/cell/vars/0.., every saveable object's
//     `vars` group carrying its name as Keras >= 3.6 does);
//   - a legacy full-model `.h5` (§1.1) as tf.keras 2.x writes it: root attributes keras_version, backend (str) and
//     model_config (bytes), a `model_weights` group with layer_names and, per layer, weight_names such as
//     "lstm/lstm_cell/kernel:0", with h5py 3's string encodings (§1.3).
// Both are built in memory and written under a temporary name, then renamed (atomic_file.h). The HDF5 parts are
// made with HDF5's in-memory driver, so HDF5 never writes to disk (HDF5 1.10 crashes when H5Fclose fails on a full
// disk). Every error is FileError(<output file>, ...); nothing is left under the output name or a temporary name.

#include <string>
#include <vector>

#include "core/model.h"

namespace rnnscope::io {

// model.weights.h5 (and a standalone `.weights.h5`) for `model`, as bytes. `outputFile` names errors.
std::vector<unsigned char> keras3WeightsImage(Model& model, const std::string& outputFile);

// Writes `model` as a Keras 3 archive at `path`.
void saveKerasArchive(Model& model, const std::string& path);
// Writes `model` as a legacy Keras 2 full-model HDF5 file at `path`.
void saveLegacyH5(Model& model, const std::string& path);

// By the output's extension: ".keras" -> saveKerasArchive, ".h5" / ".hdf5" -> saveLegacyH5. Throws
// FileError(path, ...) for any other extension.
void saveKerasModel(Model& model, const std::string& path);
bool isSupportedModelOutput(const std::string& path);

} // namespace rnnscope::io
