#pragma once
// What the model builder assembles: a recurrent model described by its Keras options, before any file format or
// engine object exists. core/io/model_builder.h turns it into a Keras config (which the config reader then builds,
// so a built model is exactly what a loaded one with that config would be) and gives it weights.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "initializers.h"
#include "tensor.h"

namespace rnnscope {

enum class CellKind {
    SimpleRnn, // SimpleRNN / SimpleRNNCell
    Lstm, // LSTM / LSTMCell
    Gru, // GRU / GRUCell (reset_after chooses the variant)
    Minimal, // the MinimalRNNCell of keras.layers.RNN's documentation, always inside RNN(cell=...)
};

// One recurrent layer, or one cell of a stack (then only the cell's own fields matter: kind, units, activations,
// use_bias, reset_after).
struct RecurrentLayerSpec
{
    CellKind cell = CellKind::Lstm;
    Index units = 32;
    std::string activation = "tanh";
    std::string recurrentActivation = "sigmoid"; // LSTM and GRU
    bool useBias = true;
    bool resetAfter = true; // GRU; Keras 3's default
    bool returnSequences = false;
    bool goBackwards = false;
    bool stateful = false; // needs ModelSpec::batchSize
    bool unroll = false;
    bool bidirectional = false;
    std::string mergeMode = "concat"; // concat, sum, mul, ave, or "none" (two outputs: a Sequential refuses it)
};

struct DenseSpec
{
    Index units = 1;
    std::string activation = "linear";
};

struct ModelSpec
{
    Index features = 8; // F
    std::optional<Index> timesteps; // T, or variable length
    std::optional<Index> batchSize; // a fixed batch, required by stateful layers
    // The recurrent layers in order; with `stackedCells`, the cells of one RNN(StackedRNNCells) whose layer options
    // (return_sequences, go_backwards, stateful, unroll, bidirectional, merge_mode) are the first entry's.
    std::vector<RecurrentLayerSpec> layers {RecurrentLayerSpec {}};
    bool stackedCells = false;
    std::optional<DenseSpec> dense = DenseSpec {}; // a Dense on top
    InitializerChoice initializers;
    std::uint64_t seed = 0;
    std::optional<std::string> weightsFile; // take the weights from this file instead of initializing them
};

} // namespace rnnscope
