#pragma once
// Keras 3's weights layout (keras-formats §3.2): `model.weights.h5` inside a `.keras` archive and the standalone
// `.weights.h5` of `model.save_weights()`, which is the same file.
//
// Keras does not store names it can rebuild. `_save_state` (keras/src/saving/saving_lib.py) walks the object tree:
// a model yields its `layers` list, every object then its public attributes in sorted order (`cell`,
// `forward_layer`, `backward_layer`, `layer`, `cells`, ...), and each object's own variables go to
// `<path>/vars/0`, `/1`, ... in creation order. Entries of a list are named by `to_snake_case(class name)` with
// `_1`, `_2`, ... for repeats (`_save_container_state`), never by layer name. So:
//   layers/lstm/cell/vars/{0,1,2}                         LSTM/GRU/SimpleRNN/RNN: kernel, recurrent_kernel, bias
//   layers/rnn/cell/cells/lstm_cell_1/vars/...            a StackedRNNCells' second LSTMCell
//   layers/bidirectional/{forward_layer,backward_layer}/cell/vars/...
//   layers/time_distributed/layer/vars/{0,1}              layers/dense/vars/{0,1}   layers/embedding/vars/0
// From Keras 3.6 each `vars` group also carries the object's name as attribute `name`.
//
// tf.keras 2.12-2.14 wrote `_layer_checkpoint_dependencies/...` instead of `layers/...`: it walked the dict
// `Functional._layer_checkpoint_dependencies` ({"layer_with_weights-k": layer, "layer-i": layer, ...}), where a layer
// with weights appears twice in a row. The second entry still takes a name before `_save_state` skips it as
// already visited, so such layers are `lstm`, `lstm_2`, `lstm_4`, ... (layers without weights take one name each).

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/model.h"
#include "hdf5_file.h"
#include "keras_config.h"

namespace rnnscope::io {

// keras/src/utils/naming.py::to_snake_case: drop non-word characters, then "_" before each capitalised word and
// between a lower-case letter and a capital: "SimpleRNN" -> "simple_rnn", "StackedRNNCells" -> "stacked_rnn_cells",
// "LSTMCell" -> "lstm_cell", "InputLayer" -> "input_layer". (tf_keras's version also splits before capitalised words
// that contain digits and prefixes "private" to names starting with "_"; no built-in layer class tells them apart.)
std::string kerasSnakeCase(const std::string& className);

enum class Keras3WeightsLayout {
    Layers, // "layers/<snake>[_k]/...": Keras 3 and tf.keras >= 2.15
    LayerCheckpointDependencies, // "_layer_checkpoint_dependencies/<snake>[_k]/...": tf.keras 2.12-2.14
};

// Whether `root` is the root of a Keras 3 weights file: a `layers`, `_layer_checkpoint_dependencies` or `vars` group,
// and neither the `layer_names` attribute of legacy weights files nor the `model_config` of legacy model files.
bool isKeras3WeightsRoot(const Hdf5Group& root);

// What a weights file tells about its writer before it is mapped.
struct Keras3WeightsSummary
{
    Keras3WeightsLayout layout = Keras3WeightsLayout::Layers;
    bool hasSavedNames = false; // `vars` groups carry a `name` attribute (Keras >= 3.6)
};
// Throws FileError(file.path(), ...) when the root holds neither `layers` nor `_layer_checkpoint_dependencies`.
Keras3WeightsSummary inspectKeras3Weights(const Hdf5File& file);

// The Keras version to assume for a Keras 3 weights file and a config when neither states one (a `.weights.h5` plus a
// `config.json`, or an archive without metadata.json): tf.keras 2.13 for the `_layer_checkpoint_dependencies` layout;
// Keras 3 when the `vars` groups carry names or the config has Keras 3's form (`batch_shape`, DTypePolicy dicts);
// tf.keras 2.15 when the config has tf.keras's form (`batch_input_shape`, `time_major`). The version decides
// hard_sigmoid. `reason` says which clue decided, for a warning.
KerasVersion inferKeras3FileVersion(
    const nlohmann::json& config, const Keras3WeightsSummary& summary, std::string& reason);

// Where one weight array of the model was found.
struct Keras3WeightLocation
{
    std::string layer; // the model's top-level layer
    std::size_t index = 0; // position in that layer's weights() (Keras get_weights() order)
    std::string path; // HDF5 path, e.g. "layers/bidirectional/backward_layer/cell/vars/2"
};

struct Keras3WeightsResult
{
    Keras3WeightsSummary summary;
    std::vector<Keras3WeightLocation> locations; // every array assigned, in model order
    std::vector<std::string> warnings; // "<file>: <note>": NaN/Inf weights, layers matched by saved name, ...
};

// Reads the weights of every layer of the finalized `model` from `file` and assigns them.
//
// Top-level layers are `model.layers()` in order (minus the InputLayer of a Sequential model, which Keras's
// Sequential.layers leaves out; a Functional model keeps its InputLayers), each matched to `<container>/<snake>[_k]` by
// Keras's naming. When every layer with weights finds exactly one group whose `vars@name` is its own name, that
// mapping is used instead (a warning says where it differs from the positional one). Inside a layer the arrays must
// be exactly `vars/0..n-1` with the shapes the layer expects; a group with weights that no layer takes is an error,
// since it means the file belongs to another model. A bfloat16 variable (attribute dtype="bfloat16") is refused.
//
// Nothing is written to the model unless every array was found and fits. Throws FileError(file.path(), "<hdf5 path>
// <problem>"), e.g. "layers/lstm/cell/vars/1 has shape (8, 32), expected (32, 128) (recurrent_kernel of layer 'lstm'
// (LSTM))".
Keras3WeightsResult loadKeras3Weights(Model& model, const Hdf5File& file);

} // namespace rnnscope::io
