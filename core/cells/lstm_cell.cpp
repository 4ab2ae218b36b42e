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
    MatrixMap z(gateBuffer(io, ws), b, 4 * u);
    ConstMatrixMap h(io.states[0], b, u);
    ConstMatrixMap c(io.states[1], b, u);
    MatrixMap hNew(io.newStates[0], b, u);
    MatrixMap cNew(io.newStates[1], b, u);

    setRecurrentProduct(z, projectedInput(io, ws), h, m_recurrentKernel, &ws.stripMajorRecurrent());
    if (u % Activation::kPacketFloats == 0 && m_activation.elementwise() && m_recurrentActivation.elementwise()) {
        fusedGateMath(z, io.states[1], io.newStates[0], io.newStates[1], b);
    } else {
        // After activation the pre-activation buffer holds the gates i, f, g, o themselves.
        m_recurrentActivation.apply(z.leftCols(2 * u));
        m_activation.apply(z.middleCols(2 * u, u));
        m_recurrentActivation.apply(z.rightCols(u));
        cNew.array() = z.middleCols(u, u).array() * c.array() + z.leftCols(u).array() * z.middleCols(2 * u, u).array();
        hNew = cNew;
        m_activation.apply(hNew);
        hNew.array() *= z.rightCols(u).array();
    }
    if (io.output != hNew.data()) { // else the output is the new state itself (outputIsFirstState)
        MatrixMap(io.output, b, u) = hNew;
    }
    recordGates(io, z);
}

namespace {

constexpr Index kP = Activation::kPacketFloats;

// One row of the fused pass. Rec and Act apply the recurrent activation and the activation to a packet; with
// Keras's defaults (sigmoid, tanh) they are inlined, so the four gates' independent chains interleave.
template <typename Rec, typename Act>
void fusedGateRow(float* zr, const float* c, float* hNew, float* cNew, Index u, const Rec& rec, const Act& act)
{
    for (Index j = 0; j < u; j += kP) {
        rec(zr + j); // i
        rec(zr + u + j); // f
        act(zr + 2 * u + j); // g (Keras's "c" gate)
        rec(zr + 3 * u + j); // o
        Packet cn(cNew + j);
        cn = Packet(zr + u + j) * ConstPacket(c + j) + Packet(zr + j) * Packet(zr + 2 * u + j);
        Packet hn(hNew + j);
        hn = cn;
        act(hn.data());
        hn *= Packet(zr + 3 * u + j);
    }
}

} // namespace

void LstmCell::fusedGateMath(MatrixMap z, const float* c, float* hNew, float* cNew, Index rows) const
{
    // The same values as the block-wise path, computed one vector register of units at a time: each unit's four
    // gates, c' and h' while they are in registers, instead of seven passes over the step's gates.
    const Index u = m_units;
    withPacketActivations(m_recurrentActivation, m_activation, [&](const auto& rec, const auto& act) {
        for (Index r = 0; r < rows; ++r) {
            fusedGateRow(z.data() + r * 4 * u, c + r * u, hNew + r * u, cNew + r * u, u, rec, act);
        }
    });
}

bool LstmCell::supportsUnitSplit(Index batch, Index parts) const
{
    return unitSplitFits(batch, parts) && m_activation.elementwise() && m_recurrentActivation.elementwise();
}

void LstmCell::stepPart(const StepIo& io, CellWorkspace& workspace) const
{
    // A part's z rows are [i' f' c' o'], its units of each gate block, so the fused pass runs on them as on a cell of
    // partUnits units; c, h' and c' are the part's units of each row of the whole states.
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    const Index u = m_units;
    const Index up = ws.partUnits;
    const Index u0 = ws.unitBegin;
    float* z = ws.scratch.data();
    partProduct(io, ws, z, nullptr);
    withPacketActivations(m_recurrentActivation, m_activation, [&](const auto& rec, const auto& act) {
        for (Index r = 0; r < io.batch; ++r) {
            const Index at = r * u + u0;
            fusedGateRow(z + r * 4 * up, io.states[1] + at, io.newStates[0] + at, io.newStates[1] + at, up, rec, act);
        }
    });
    recordPart(io, ws, z);
}

} // namespace rnnscope
