#pragma once
// keras.layers.Bidirectional (tf_keras/layers/rnn/bidirectional.py, keras/src/layers/rnn/bidirectional.py):
//   y = forward(x); y_rev = backward(x) with go_backwards; with return_sequences y_rev is flipped back in time.
//   merge_mode concat ([y, y_rev] on the last axis), sum, mul, ave, or none (two outputs).
//   return_state appends the forward states, then the backward states; initial states are split the same way.
//   The inner layers get zero_output_for_mask = return_sequences, as Keras forces in __init__.

#include "rnn_layer.h"

namespace rnnscope {

enum class MergeMode { Concat, Sum, Mul, Ave, None };

MergeMode mergeModeFromName(const std::string& name); // "concat", ..., "" or "none" for None; throws ModelError
std::string mergeModeName(MergeMode mode);

class BidirectionalLayer : public Layer
{
public:
    BidirectionalLayer(
        std::string name, std::unique_ptr<RnnLayer> forward, std::unique_ptr<RnnLayer> backward, MergeMode mergeMode);

    std::string className() const override { return "Bidirectional"; }
    std::string describe() const override;
    void build(const std::vector<Shape>& inputShapes) override;
    bool built() const override { return m_forward->built() && m_backward->built(); }
    std::vector<WeightSlot> weights() override; // forward's, then backward's
    std::uint64_t configurationHash() override;
    bool reusable() const override { return m_forward->reusable() && m_backward->reusable(); }
    std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const override;
    std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) override;
    bool isRecurrent() const override { return true; }
    void resetStates() override;

    RnnLayer& forward() { return *m_forward; }
    RnnLayer& backward() { return *m_backward; }
    const RnnLayer& forward() const { return *m_forward; }
    const RnnLayer& backward() const { return *m_backward; }
    MergeMode mergeMode() const { return m_mergeMode; }

    // Option changes go to both directions (go_backwards stays opposite); keeps Keras's forced
    // zero_output_for_mask = return_sequences.
    void setReturnSequences(bool on);
    void setReturnState(bool on);
    void setStateful(bool on);
    void setUnroll(bool on);
    void setTimeMajor(bool on);

private:
    std::unique_ptr<RnnLayer> m_forward;
    std::unique_ptr<RnnLayer> m_backward;
    MergeMode m_mergeMode;
};

} // namespace rnnscope
