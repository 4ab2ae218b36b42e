#pragma once
// keras.layers.RNN and its subclasses SimpleRNN, LSTM and GRU: a cell iterated by keras.backend.rnn.
//
// Call inputs (as a Keras 2 functional node lists them): x, then the initial states (all or none), then the last
// `num_constants` tensors are constants. Outputs: the sequence (return_sequences) or the last output, then the
// final states if return_state. The output mask is the input mask with return_sequences, none otherwise.

#include <functional>
#include <memory>

#include "layer.h"

namespace rnnscope {

struct RnnOptions
{
    bool returnSequences = false;
    bool returnState = false;
    bool goBackwards = false;
    bool stateful = false;
    bool unroll = false;
    bool timeMajor = false; // tf.keras only
    bool zeroOutputForMask = false;
    Index numConstants = 0;
    std::optional<Index> fixedBatch; // from batch_input_shape / batch_shape; required by stateful
    std::optional<Index> inputLength; // from input_length / a fixed time dimension, passed to the loop
};

// How a stateful layer treats an initial_state passed on a later call.
enum class StatefulInitialState {
    Keras2, // tf.keras (TF >= 2.1): the recorded states win once any of them is non-zero
    Keras3, // Keras 3 and standalone Keras 2: a passed initial_state always wins
};

// Makes the layer's cell once the input feature size is known (Keras builds cells lazily the same way).
using CellBuilder = std::function<std::unique_ptr<RnnCell>(Index inputSize)>;

class RnnLayer : public Layer
{
public:
    RnnLayer(std::string name, std::string className, CellBuilder cellBuilder, RnnOptions options,
        StatefulInitialState statefulRule = StatefulInitialState::Keras2);
    // An already built cell.
    RnnLayer(std::string name, std::string className, std::unique_ptr<RnnCell> cell, RnnOptions options,
        StatefulInitialState statefulRule = StatefulInitialState::Keras2);

    std::string className() const override { return m_className; }
    std::string describe() const override;
    void build(const std::vector<Shape>& inputShapes) override; // builds the cell for inputShapes[0]'s features
    bool built() const override { return m_cell != nullptr; }
    std::vector<WeightSlot> weights() override;
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    bool isRecurrent() const override { return true; }

    RnnCell& cell(); // throws ModelError before build()
    const RnnCell& cell() const;
    RnnOptions& options() { return m_options; }
    const RnnOptions& options() const { return m_options; }
    // The option list as Keras names and prints it, for traces and `info`.
    std::vector<std::pair<std::string, std::string>> optionList() const;
    std::uint64_t configurationHash() override;
    bool reusable() const override { return !m_options.stateful; }

    // States to start from when a call passes no initial_state, as `layer(x, initial_state=...)` would
    // (empty = zeros, or the carried states of a stateful layer). Used by `rnnscope-cli run --initial-state`.
    void setInitialStateOverride(std::vector<Tensor> states) { m_initialStateOverride = std::move(states); }
    const std::vector<Tensor>& initialStateOverride() const { return m_initialStateOverride; }

    // Stateful layers: the states carried to the next call ([batch, size] each; empty before the first call).
    const std::vector<Tensor>& states() const { return m_states; }
    void resetStates() override; // to zeros (Keras reset_states())
    void resetStates(std::vector<Tensor> values); // tf.keras reset_states(states=...)

    // The core of call(): runs the loop and records into `trace` if given. Returns [output, states...]
    // per the options, plus the raw loop result for wrappers.
    RnnLoopResult run(const Tensor& x, const Mask* mask, std::vector<Tensor> initialStates,
        const std::vector<Tensor>& constants, LayerTrace* trace, const std::vector<StateEdit>* edits);

private:
    std::string m_className;
    CellBuilder m_cellBuilder;
    std::unique_ptr<RnnCell> m_cell;
    RnnOptions m_options;
    StatefulInitialState m_statefulRule;
    std::vector<Tensor> m_states;
    std::vector<Tensor> m_initialStateOverride;
};

} // namespace rnnscope
