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
    std::string format; // "legacy-h5" (full model) or "json+legacy-h5-weights"
    KerasVersion version; // the Keras that wrote the model (selects hard_sigmoid, stateful rules, ...)
    std::vector<std::string> warnings; // "<file>: <note>", e.g. NaN weights, float16 computed in float32
};

enum class FileKind {
    Hdf5, // "\x89HDF\r\n\x1a\n" at offset 0, 512, 1024, ... (HDF5 allows a user block before it)
    Json, // first non-blank character '{'
    Zip, // "PK\x03\x04": a Keras 3 .keras archive
    Unknown,
};

// Throws FileError when the file cannot be opened.
FileKind detectFileKind(const std::string& path);

// modelPath: a legacy full-model HDF5 file, or a model config JSON (then weightsPath is required).
// weightsPath: a legacy weights-only HDF5 file, or a full-model HDF5 file whose weights are used.
// Throws FileError "<file>: <problem>" for anything that cannot be loaded.
LoadedModel loadModel(const std::string& modelPath, const std::optional<std::string>& weightsPath);

} // namespace rnnscope::io
