#include "gru_cell.h"

#include "core/recurrent_product.h"

namespace rnnscope {

GruCell::GruCell(
    Index inputSize, Index units, Activation activation, Activation recurrentActivation, bool useBias, bool resetAfter)
    : ProjectedCell(inputSize, units, 3, useBias)
    , m_activation(activation)
    , m_recurrentActivation(recurrentActivation)
    , m_resetAfter(resetAfter)
    , m_bias(RowMatrix::Zero(useBias ? (resetAfter ? 2 : 1) : 0, 3 * units))
{
}

std::vector<WeightSlot> GruCell::weights()
{
    std::vector<WeightSlot> w {{"kernel", {m_kernel.rows(), m_kernel.cols()}, m_kernel.data()},
        {"recurrent_kernel", {m_units, 3 * m_units}, m_recurrentKernel.data()}};
    if (m_useBias) {
        w.push_back({"bias", m_resetAfter ? Shape {2, 3 * m_units} : Shape {3 * m_units}, m_bias.data()});
    }
    return w;
}

void GruCell::step(const StepIo& io, CellWorkspace& workspace) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    const Index b = io.batch;
    const Index u = m_units;
    MatrixMap g(gateBuffer(io, ws), b, 3 * u);
    ConstMatrixMap h(io.states[0], b, u);
    MatrixMap hNew(io.newStates[0], b, u);
    const Eigen::Map<const RowMatrix> xp = projectedInput(io, ws);
    // The block-wise paths end alike: the candidate's activation, then h' = z.h + (1 - z).candidate.
    auto finishBlockwise = [&] {
        m_activation.apply(g.rightCols(u));
        hNew.array() = g.leftCols(u).array() * h.array() + (1.0F - g.leftCols(u).array()) * g.rightCols(u).array();
    };

    if (m_resetAfter) {
        // The recurrent projection of all three blocks plus the recurrent bias; r scales its candidate block.
        MatrixMap recurrent(ws.recurrent.data(), b, 3 * u); // the workspace holds a batch of at least b rows
        if (m_useBias) {
            setRecurrentProductFromRow(
                recurrent, m_bias.row(1).data(), h, m_recurrentKernel, &ws.stripMajorRecurrent());
        } else {
            recurrent.setZero();
            setRecurrentProduct(
                recurrent, ConstMatrixMap(recurrent.data(), b, 3 * u), h, m_recurrentKernel, &ws.stripMajorRecurrent());
        }
        if (u % Activation::kPacketFloats == 0 && m_activation.elementwise() && m_recurrentActivation.elementwise()) {
            fusedResetAfterGates(g, xp, recurrent, io.states[0], io.newStates[0], b);
        } else {
            g.leftCols(2 * u) = xp.leftCols(2 * u) + recurrent.leftCols(2 * u);
            m_recurrentActivation.apply(g.leftCols(2 * u));
            g.rightCols(u).array()
                = xp.rightCols(u).array() + g.middleCols(u, u).array() * recurrent.rightCols(u).array();
            finishBlockwise();
        }
    } else {
        g.leftCols(2 * u) = xp.leftCols(2 * u);
        g.leftCols(2 * u).noalias() += h * m_recurrentKernel.leftCols(2 * u);
        m_recurrentActivation.apply(g.leftCols(2 * u));
        ws.scratch2.array() = g.middleCols(u, u).array() * h.array();
        g.rightCols(u) = xp.rightCols(u);
        g.rightCols(u).noalias() += ws.scratch2 * m_recurrentKernel.rightCols(u);
        finishBlockwise();
    }
    if (io.output != hNew.data()) { // else the output is the new state itself (outputIsFirstState)
        MatrixMap(io.output, b, u) = hNew;
    }
    recordGates(io, g);
}

namespace {

// One row of reset_after's fused pass over `count` units: gate blocks z, r, hh of g, xr (the input projection) and
// rr (h.U + the recurrent bias) start `stride` floats apart; h and hNew are the row's units themselves.
template <typename Rec, typename Act>
void resetAfterGateRow(float* gr, const float* xr, const float* rr, const float* h, float* hNew, Index stride,
    Index count, const Rec& rec, const Act& act)
{
    constexpr Index kP = Activation::kPacketFloats;
    for (Index j = 0; j < count; j += kP) {
        Packet zg(gr + j);
        Packet rg(gr + stride + j);
        Packet hh(gr + 2 * stride + j);
        zg = ConstPacket(xr + j) + ConstPacket(rr + j);
        rg = ConstPacket(xr + stride + j) + ConstPacket(rr + stride + j);
        rec(zg.data());
        rec(rg.data());
        hh = ConstPacket(xr + 2 * stride + j) + rg * ConstPacket(rr + 2 * stride + j);
        act(hh.data());
        Packet(hNew + j) = zg * ConstPacket(h + j) + (1.0F - zg) * hh;
    }
}

} // namespace

void GruCell::fusedResetAfterGates(MatrixMap g, const Eigen::Map<const RowMatrix>& xp, const MatrixMap& recurrent,
    const float* h, float* hNew, Index rows) const
{
    // The block-wise path's values, 16 units at a time: z, r, the candidate and h' while they are in registers.
    const Index u = m_units;
    withPacketActivations(m_recurrentActivation, m_activation, [&](const auto& rec, const auto& act) {
        for (Index r = 0; r < rows; ++r) {
            resetAfterGateRow(g.data() + r * 3 * u, xp.data() + r * 3 * u, recurrent.data() + r * 3 * u, h + r * u,
                hNew + r * u, u, u, rec, act);
        }
    });
}

bool GruCell::supportsUnitSplit(Index batch, Index parts) const
{
    return m_resetAfter && unitSplitFits(batch, parts) && m_activation.elementwise()
        && m_recurrentActivation.elementwise();
}

void GruCell::stepPart(const StepIo& io, CellWorkspace& workspace) const
{
    // reset_after: the part's z', r', hh' columns of x.W + b and of h.U + the recurrent bias (the same sums as
    // step()'s for those columns: from the bias row, or from zeros without one), then the fused pass on the part's
    // units of each row.
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    const Index u = m_units;
    const Index up = ws.partUnits;
    const Index u0 = ws.unitBegin;
    const Index width = ws.width;
    const Eigen::Map<const RowMatrix> xp = projectedInput(io, ws);
    MatrixMap recurrent(ws.recurrent.data(), io.batch, width);
    setRecurrentProductFromRow(recurrent, ws.partRecurrentStart.data(), ConstMatrixMap(io.states[0], io.batch, u),
        ws.partRecurrent, &ws.stripMajorRecurrent());
    float* g = ws.scratch.data();
    withPacketActivations(m_recurrentActivation, m_activation, [&](const auto& rec, const auto& act) {
        for (Index r = 0; r < io.batch; ++r) {
            const Index at = r * u + u0;
            resetAfterGateRow(g + r * width, xp.data() + r * width, recurrent.data() + r * width, io.states[0] + at,
                io.newStates[0] + at, up, up, rec, act);
        }
    });
    recordPart(io, ws, g);
}

} // namespace rnnscope
