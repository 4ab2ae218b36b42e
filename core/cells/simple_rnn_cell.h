#pragma once
// keras.layers.SimpleRNNCell. Weights: kernel [in, u], recurrent_kernel [u, u], bias [u].
//   h' = act(x.W + b + h.U); the output and the only state are h'.

#include "../activation.h"
#include "projected_cell.h"

namespace rnnscope {

class SimpleRnnCell : public ProjectedCell
{
public:
    SimpleRnnCell(Index inputSize, Index units, Activation activation, bool useBias);

    std::string className() const override { return "SimpleRNNCell"; }
    bool outputIsFirstState() const override { return true; }
    Index outputSize() const override { return m_units; }
    std::vector<StateSpec> states() const override { return {{"h", m_units}}; }
    std::vector<GateSpec> gates() const override { return {}; }
    std::vector<WeightSlot> weights() override;
    void step(const StepIo& io, CellWorkspace& workspace) const override;
    bool supportsUnitSplit(Index batch, Index parts) const override;
    void stepPart(const StepIo& io, CellWorkspace& workspace) const override;

    std::vector<std::pair<std::string, std::string>> config() const override
    {
        return {{"activation", m_activation.name()}, {"use_bias", m_useBias ? "True" : "False"}};
    }
    const Activation& activation() const { return m_activation; }

protected:
    const float* inputBias() const override { return m_useBias ? m_bias.data() : nullptr; }

private:
    Activation m_activation;
    RowVector m_bias;
};

// The cell of Keras's own `keras.layers.RNN` documentation example ("MinimalRNNCell"):
//   output = x.kernel + h.recurrent_kernel; no bias, no activation; state [output].
class MinimalRnnCell : public ProjectedCell
{
public:
    MinimalRnnCell(Index inputSize, Index units);

    std::string className() const override { return "MinimalRNNCell"; }
    Index outputSize() const override { return m_units; }
    std::vector<StateSpec> states() const override { return {{"h", m_units}}; }
    std::vector<GateSpec> gates() const override { return {}; }
    std::vector<WeightSlot> weights() override;
    void step(const StepIo& io, CellWorkspace& workspace) const override;

protected:
    const float* inputBias() const override { return nullptr; }
};

} // namespace rnnscope
