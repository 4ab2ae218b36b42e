#pragma once
// Putting weight arrays read from a file into a built model, the way Keras's `load_weights_from_hdf5_group`
// does it (tf_keras/saving/legacy/hdf5_format.py): by position, not by name.

#include <string>
#include <utility>
#include <vector>

#include "core/layer.h"
#include "core/model.h"

namespace rnnscope::io {

// One array as stored in a file: its name there (for messages), its shape and its values in C order.
struct WeightArray
{
    std::string name;
    Shape shape;
    std::vector<float> values;
};

// The weights of one saved layer, keyed by the layer name the file gives.
using LayerWeights = std::pair<std::string, std::vector<WeightArray>>;

// Copies `arrays` into `layer.weights()` (Keras get_weights() order) after checking their number and shapes.
// Throws FileError(fileForErrors, "layer 'lstm' weight 1 (recurrent_kernel) has shape (8, 32), expected (8, 20)")
// and the like. NaN or infinite values are not an error (Keras loads them too, and seeing where they go is what a
// debugger is for): each affected array gives one warning in the returned list.
std::vector<std::string> assignLayerWeights(
    Layer& layer, const std::vector<WeightArray>& arrays, const std::string& fileForErrors);

// Keras's matching for a whole model: layers without weights are dropped from both the saved list and
// `model.layers()`, then the k-th saved layer goes to the k-th model layer. Throws FileError when the two counts
// differ (naming both lists) or a layer's weights do not fit. Returns the NaN/Inf warnings.
std::vector<std::string> assignModelWeights(
    Model& model, const std::vector<LayerWeights>& perLayer, const std::string& fileForErrors);

} // namespace rnnscope::io
