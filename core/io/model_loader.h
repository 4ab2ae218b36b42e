#pragma once
// The one entry point for opening a Keras model: detects the format by content (never by extension: real
// ".keras" files that are HDF5 exist) and returns a finalized engine model with its weights loaded.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "keras_config.h"

namespace rnnscope::io {

struct LoadedModel
{
    std::unique_ptr<Model> model;
    // "legacy-h5" (full model), "json+legacy-h5-weights", "keras-archive" (.keras zip), "keras-archive-dir" (the
    // unzipped form), "json+keras3-weights" (a config.json with a Keras 3 .weights.h5, or with a .keras archive's
    // weights). A model file given with separate weights of the other generation appends "+keras3-weights" (legacy
    // model file) or "+legacy-h5-weights" (archive); an archive with separate Keras 3 weights is
    // "keras-archive+keras3-weights".
    std::string format;
    KerasVersion version; // the Keras that wrote the model (selects hard_sigmoid, stateful rules, ...)
    std::vector<std::string> warnings; // "<file>: <note>", e.g. NaN weights, float16 computed in float32
};

enum class FileKind {
    Hdf5, // "\x89HDF\r\n\x1a\n" at offset 0, 512, 1024, ... (HDF5 allows a user block before it)
    Json, // first non-blank character '{'
    Zip, // "PK\x03\x04" (or an empty zip's "PK\x05\x06"): a Keras 3 .keras archive
    Directory, // a directory: the unzipped form of a .keras archive
    Unknown,
};

// Throws FileError when the file cannot be opened.
FileKind detectFileKind(const std::string& path);

// modelPath: a legacy full-model HDF5 file, a Keras 3 .keras archive (zip, or the directory of the unzipped form), or a
// model config JSON (then weightsPath is required; a Keras 3 archive's config.json is one).
// weightsPath: a legacy weights-only HDF5 file, a full-model HDF5 file whose weights are used, a Keras 3 .weights.h5,
// or a .keras archive whose weights are used. Keras 3 weights are told apart from legacy ones by content (a `layers`,
// `_layer_checkpoint_dependencies` or `vars` group and no `layer_names` attribute), never by extension.
// Throws FileError "<file>: <problem>" for anything that cannot be loaded.
LoadedModel loadModel(const std::string& modelPath, const std::optional<std::string>& weightsPath);

} // namespace rnnscope::io
