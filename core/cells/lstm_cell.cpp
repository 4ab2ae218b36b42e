#include "lstm_cell.h"

#include "core/recurrent_product.h"

namespace rnnscope {

LstmCell::LstmCell(Index inputSize, Index units, Activation activation, Activation recurrentActivation, bool useBias)
    : ProjectedCell(inputSize, units, 4, useBias)
    , m_activation(activation)
    , m_recurrentActivation(recurrentActivation)
    , m_bias(RowVector::Zero(useBias ? 4 * units : 0))
{
}

std::vector<WeightSlot> LstmCell::weights()
{
    std::vector<WeightSlot> w {{"kernel", {m_kernel.rows(), m_kernel.cols()}, m_kernel.data()},
        {"recurrent_kernel", {m_units, 4 * m_units}, m_recurrentKernel.data()}};
    if (m_useBias) {
        w.push_back({"bias", {4 * m_units}, m_bias.data()});
    }
    return w;
}

void LstmCell::step(const StepIo& io, CellWorkspace& workspace) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    const Index b = io.batch;
    const Index u = m_units;
    float* zData = io.gates.empty() || io.gates[0] == nullptr ? ws.scratch.data() : io.gates[0];
    MatrixMap z(zData, b, 4 * u);
    ConstMatrixMap h(io.states[0], b, u);
    ConstMatrixMap c(io.states[1], b, u);
    MatrixMap hNew(io.newStates[0], b, u);
    MatrixMap cNew(io.newStates[1], b, u);

    z = projectedInput(io, ws);
    addRecurrentProduct(z, h, m_recurrentKernel);
    // After activation the pre-activation buffer holds the gates i, f, g, o themselves.
    m_recurrentActivation.apply(z.leftCols(2 * u));
    m_activation.apply(z.middleCols(2 * u, u));
    m_recurrentActivation.apply(z.rightCols(u));

    cNew.array() = z.middleCols(u, u).array() * c.array() + z.leftCols(u).array() * z.middleCols(2 * u, u).array();
    hNew = cNew;
    m_activation.apply(hNew);
    hNew.array() *= z.rightCols(u).array();
    MatrixMap(io.output, b, u) = hNew;
}

} // namespace rnnscope
