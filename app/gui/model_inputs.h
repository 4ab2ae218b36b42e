#pragma once
// What the debugger feeds a model, apart from the session that holds it: the default probe for a model without
// data, the shape check of a user's input, the layers a recurrent layer runs, where a config's weights are, and
// how probes and file inputs are written into a session file. GUI-thread-free: load jobs call these on workers.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QString>
#include <QStringList>

#include "core/io/session_file.h"
#include "core/model.h"
#include "core/rnn_layer.h"
#include "probes.h"

namespace rnnscope::app {

// Default shapes for dimensions a model leaves open, so a probe can always be made.
inline constexpr Index kDefaultBatch = 4;
inline constexpr Index kDefaultSteps = 50;

// Whether model input `index` feeds a time-major recurrent layer directly (then it is fed as [T,B,F]).
bool inputIsTimeMajor(const Model& model, std::size_t index);
// A probe shaped like model input `spec` (batch-major), for opening a model before the user has data for it.
Tensor defaultInput(const ModelInput& spec, bool timeMajor);
// Throws FileError when `t` (batch-major) cannot feed model input `index`.
void checkFits(const Model& model, std::size_t index, const Tensor& t, const std::string& file);
// The RnnLayers that make up a recurrent layer (both directions of a Bidirectional).
std::vector<RnnLayer*> directionsOf(Layer* layer);
// For a model config .json opened without weights: "<stem>.weights.h5", "<stem>.h5", "model.weights.h5" or
// "weights.h5" in the same directory, the names Keras and our CLI examples save them under.
std::optional<std::string> siblingWeights(const QString& configPath);
// Opens a model (a config .json without weights takes the ones saved beside it). Throws FileError.
std::shared_ptr<Model> loadModelFile(
    const QString& path, const QString& weights, QString* format, QStringList* warnings);

extern const char* const kProbeNames[5]; // by ProbeKind
io::SessionProbe toSessionProbe(const ProbeSpec& p);
// Throws FileError(file, ...) for an unknown kind or an empty or huge shape.
ProbeSpec fromSessionProbe(const io::SessionProbe& s, const std::string& file);
io::SessionInput fileSource(const QString& spec, const io::SequenceOptions& options);

} // namespace rnnscope::app
