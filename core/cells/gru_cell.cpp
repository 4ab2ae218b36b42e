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
            setRecurrentProductFromRow(recurrent, m_bias.row(1).data(), h, m_recurrentKernel, &ws.stripMajorRecurrent);
        } else {
            recurrent.setZero();
            setRecurrentProduct(
                recurrent, ConstMatrixMap(recurrent.data(), b, 3 * u), h, m_recurrentKernel, &ws.stripMajorRecurrent);
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

void GruCell::fusedResetAfterGates(MatrixMap g, const Eigen::Map<const RowMatrix>& xp, const MatrixMap& recurrent,
    const float* h, float* hNew, Index rows) const
{
    // The block-wise path's values, 16 units at a time: z, r, the candidate and h' while they are in registers.
    constexpr Index kP = Activation::kPacketFloats;
    const Index u = m_units;
    withPacketActivations(m_recurrentActivation, m_activation, [&](const auto& rec, const auto& act) {
        for (Index r = 0; r < rows; ++r) {
            float* gr = g.data() + r * 3 * u;
            const float* xr = xp.data() + r * 3 * u;
            const float* rr = recurrent.data() + r * 3 * u;
            for (Index j = 0; j < u; j += kP) {
                Packet zg(gr + j);
                Packet rg(gr + u + j);
                Packet hh(gr + 2 * u + j);
                zg = ConstPacket(xr + j) + ConstPacket(rr + j);
                rg = ConstPacket(xr + u + j) + ConstPacket(rr + u + j);
                rec(zg.data());
                rec(rg.data());
                hh = ConstPacket(xr + 2 * u + j) + rg * ConstPacket(rr + 2 * u + j);
                act(hh.data());
                Packet(hNew + r * u + j) = zg * ConstPacket(h + r * u + j) + (1.0F - zg) * hh;
            }
        }
    });
}

} // namespace rnnscope
