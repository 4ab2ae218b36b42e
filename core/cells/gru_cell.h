#pragma once
// keras.layers.GRUCell. Weights: kernel [in, 3u], recurrent_kernel [u, 3u]; gate blocks z, r, h (update, reset,
// candidate). States [h]; output h'.
//   reset_after=False, bias [3u]:   z = rec(x.Wz + bz + h.Uz), r = rec(x.Wr + br + h.Ur)
//                                   hh = act(x.Wh + bh + (r*h).Uh)
//   reset_after=True,  bias [2, 3u] (row 0 input bias bi, row 1 recurrent bias br):
//                                   z = rec(x.Wz + biz + h.Uz + brz), r likewise
//                                   hh = act(x.Wh + bih + r*(h.Uh + brh))
//   h' = z*h + (1 - z)*hh

#include "../activation.h"
#include "projected_cell.h"

namespace rnnscope {

class GruCell : public ProjectedCell
{
public:
    GruCell(Index inputSize, Index units, Activation activation, Activation recurrentActivation, bool useBias,
        bool resetAfter);

    std::string className() const override { return "GRUCell"; }
    bool outputIsFirstState() const override { return true; }
    Index outputSize() const override { return m_units; }
    std::vector<StateSpec> states() const override { return {{"h", m_units}}; }
    std::vector<GateSpec> gates() const override { return {{"z", m_units}, {"r", m_units}, {"hh", m_units}}; }
    std::vector<WeightSlot> weights() override;
    void step(const StepIo& io, CellWorkspace& workspace) const override;
    // reset_after only: reset_after=False multiplies h by the whole of r before its candidate product, which would
    // make the parts wait for each other twice a step.
    bool supportsUnitSplit(Index batch, Index parts) const override;
    void stepPart(const StepIo& io, CellWorkspace& workspace) const override;

    std::vector<std::pair<std::string, std::string>> config() const override
    {
        return {{"activation", m_activation.name()}, {"recurrent_activation", m_recurrentActivation.name()},
            {"use_bias", m_useBias ? "True" : "False"}, {"reset_after", m_resetAfter ? "True" : "False"}};
    }
    bool resetAfter() const { return m_resetAfter; }
    const Activation& activation() const { return m_activation; }
    const Activation& recurrentActivation() const { return m_recurrentActivation; }

protected:
    const float* inputBias() const override { return m_useBias ? m_bias.data() : nullptr; }
    const float* recurrentBias() const override { return m_useBias && m_resetAfter ? m_bias.row(1).data() : nullptr; }

private:
    // reset_after's gates and h' in one pass over the step (units a multiple of a vector register).
    void fusedResetAfterGates(MatrixMap g, const Eigen::Map<const RowMatrix>& xp, const MatrixMap& recurrent,
        const float* h, float* hNew, Index rows) const;

    Activation m_activation;
    Activation m_recurrentActivation;
    bool m_resetAfter;
    RowMatrix m_bias; // [1, 3u] or [2, 3u] with reset_after
};

} // namespace rnnscope
