#include "simple_rnn_cell.h"

#include "core/recurrent_product.h"

namespace rnnscope {

SimpleRnnCell::SimpleRnnCell(Index inputSize, Index units, Activation activation, bool useBias)
    : ProjectedCell(inputSize, units, 1, useBias)
    , m_activation(activation)
    , m_bias(RowVector::Zero(useBias ? units : 0))
{
}

std::vector<WeightSlot> SimpleRnnCell::weights()
{
    std::vector<WeightSlot> w {{"kernel", {m_kernel.rows(), m_units}, m_kernel.data()},
        {"recurrent_kernel", {m_units, m_units}, m_recurrentKernel.data()}};
    if (m_useBias) {
        w.push_back({"bias", {m_units}, m_bias.data()});
    }
    return w;
}

void SimpleRnnCell::step(const StepIo& io, CellWorkspace& workspace) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    MatrixMap hNew(io.newStates[0], io.batch, m_units);
    const ConstMatrixMap h(io.states[0], io.batch, m_units);
    // h_t = activation(x_t W + b + h_{t-1} U) (keras.layers.SimpleRNNCell.call); the output is h_t itself.
    if (m_activation.elementwise()) {
        // Activated and copied to the output as each tile of the product is stored, not in two passes after it.
        const ProductFinish finish {&m_activation, io.output != hNew.data() ? io.output : nullptr};
        setRecurrentProduct(hNew, projectedInput(io, ws), h, m_recurrentKernel, &ws.stripMajorRecurrent(), &finish);
        return;
    }
    setRecurrentProduct(hNew, projectedInput(io, ws), h, m_recurrentKernel, &ws.stripMajorRecurrent());
    m_activation.apply(hNew);
    MatrixMap(io.output, io.batch, m_units) = hNew;
}

bool SimpleRnnCell::supportsUnitSplit(Index batch, Index parts) const
{
    return unitSplitFits(batch, parts) && m_activation.elementwise();
}

void SimpleRnnCell::stepPart(const StepIo& io, CellWorkspace& workspace) const
{
    // The part's units of h_t, activated (and copied to the output) in the product's tiles as step() does. A batch of
    // one's are a contiguous run of the state's row, computed in place; more rows are computed in the workspace and
    // each row's units copied out.
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    const Index u = m_units;
    const Index up = ws.partUnits;
    const Index u0 = ws.unitBegin;
    if (io.batch == 1) {
        const ProductFinish finish {&m_activation, io.output != io.newStates[0] ? io.output + u0 : nullptr};
        partProduct(io, ws, io.newStates[0] + u0, &finish);
        return;
    }
    const ProductFinish finish {&m_activation, nullptr};
    float* z = ws.scratch.data();
    partProduct(io, ws, z, &finish);
    for (Index r = 0; r < io.batch; ++r) {
        const Index at = r * u + u0;
        std::copy(z + r * up, z + (r + 1) * up, io.newStates[0] + at);
        if (io.output != io.newStates[0]) {
            std::copy(z + r * up, z + (r + 1) * up, io.output + at);
        }
    }
}

MinimalRnnCell::MinimalRnnCell(Index inputSize, Index units)
    : ProjectedCell(inputSize, units, 1, false)
{
}

std::vector<WeightSlot> MinimalRnnCell::weights()
{
    return {{"kernel", {m_kernel.rows(), m_units}, m_kernel.data()},
        {"recurrent_kernel", {m_units, m_units}, m_recurrentKernel.data()}};
}

void MinimalRnnCell::step(const StepIo& io, CellWorkspace& workspace) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    MatrixMap hNew(io.newStates[0], io.batch, m_units);
    hNew = projectedInput(io, ws);
    hNew.noalias() += ConstMatrixMap(io.states[0], io.batch, m_units) * m_recurrentKernel;
    MatrixMap(io.output, io.batch, m_units) = hNew;
}

} // namespace rnnscope
