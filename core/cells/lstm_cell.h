#pragma once
// keras.layers.LSTMCell. Weights: kernel [in, 4u], recurrent_kernel [u, 4u], bias [4u]; gate blocks i, f, c, o.
//   z = x.W + h.U + b;  i = rec(z_i), f = rec(z_f), g = act(z_c), o = rec(z_o)
//   c' = f*c + i*g;  h' = o*act(c');  states [h, c]; output h'.
// `implementation` 1 and 2 compute the same values; unit_forget_bias only matters when initialising.

#include "../activation.h"
#include "projected_cell.h"

namespace rnnscope {

class LstmCell : public ProjectedCell
{
public:
    LstmCell(Index inputSize, Index units, Activation activation, Activation recurrentActivation, bool useBias);

    std::string className() const override { return "LSTMCell"; }
    bool outputIsFirstState() const override { return true; }
    Index outputSize() const override { return m_units; }
    std::vector<StateSpec> states() const override { return {{"h", m_units}, {"c", m_units}}; }
    std::vector<GateSpec> gates() const override
    {
        return {{"i", m_units}, {"f", m_units}, {"c", m_units}, {"o", m_units}};
    }
    std::vector<WeightSlot> weights() override;
    void step(const StepIo& io, CellWorkspace& workspace) const override;
    bool supportsUnitSplit(Index batch, Index parts) const override;
    void stepPart(const StepIo& io, CellWorkspace& workspace) const override;

    std::vector<std::pair<std::string, std::string>> config() const override
    {
        return {{"activation", m_activation.name()}, {"recurrent_activation", m_recurrentActivation.name()},
            {"use_bias", m_useBias ? "True" : "False"}};
    }
    const Activation& activation() const { return m_activation; }
    const Activation& recurrentActivation() const { return m_recurrentActivation; }

protected:
    const float* inputBias() const override { return m_useBias ? m_bias.data() : nullptr; }

private:
    // i, f, g, o activated and c', h' computed in one pass over z (units a multiple of a vector register).
    void fusedGateMath(MatrixMap z, const float* c, float* hNew, float* cNew, Index rows) const;

    Activation m_activation;
    Activation m_recurrentActivation;
    RowVector m_bias;
};

} // namespace rnnscope
