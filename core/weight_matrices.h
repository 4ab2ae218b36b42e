#pragma once
// The weights of a model's layers as plain matrices for the weights view: per recurrent layer (each direction of a
// Bidirectional, each cell of a StackedRNNCells) the kernel, recurrent kernel and bias, with the gate blocks their
// columns hold, and optionally the kernels of Dense layers. Copies: the view never touches the live model, which
// the engine thread may be running.

#include <string>
#include <vector>

#include "model.h"

namespace rnnscope {

// Row-major [rows, cols].
struct WeightMatrix
{
    Index rows = 0;
    Index cols = 0;
    std::vector<float> values;

    bool empty() const { return values.empty(); }
    float at(Index row, Index col) const { return values[static_cast<std::size_t>(row * cols + col)]; }
};

struct LayerWeightMatrices
{
    std::string path; // "lstm", "bidirectional / forward", "stack / cell 1", as core/health names layers
    std::string layerName; // the model layer's name ("bidirectional" for both of its directions)
    std::string layerClass; // "LSTM", "Bidirectional", "RNN", "Dense", "TimeDistributed"
    std::string cellClass; // "LSTMCell", "GRUCell", ...; empty for Dense
    int direction = -1; // 0 forward, 1 backward of a Bidirectional; -1 otherwise
    int cell = 0; // leaf cell of a stack
    Index units = 0;
    // The column blocks of kernel, recurrentKernel and bias, in Keras's order and named as the trace names the
    // gates (LSTM i, f, c, o; GRU z, r, hh), each `units` wide. Empty for a cell without gates (SimpleRNN, the
    // minimal cell) and for Dense: then the columns are one block, the units themselves.
    std::vector<std::string> gateNames;
    WeightMatrix kernel; // [input features, blocks * units]
    WeightMatrix recurrentKernel; // [units, blocks * units]; empty for Dense
    WeightMatrix bias; // [1, blocks * units]; GRU reset_after: [2, 3 * units]; empty without a bias
    std::vector<std::string> biasRows; // {"bias"}, or {"input bias", "recurrent bias"} for GRU reset_after

    Index blockCount() const { return gateNames.empty() ? 1 : static_cast<Index>(gateNames.size()); }
    Index blockWidth() const { return kernel.cols / blockCount(); }
};

// In model.layers order. Layers not built yet are skipped. `includeDense`: also Dense and TimeDistributed(Dense)
// layers (any non-recurrent layer with a 2-D kernel).
std::vector<LayerWeightMatrices> weightMatrices(const Model& model, bool includeDense = true);

} // namespace rnnscope
