#include "projected_cell.h"

namespace rnnscope {

ProjectedCell::ProjectedCell(Index inputSize, Index units, Index gateCount, bool useBias)
    : m_units(units)
    , m_gateCount(gateCount)
    , m_useBias(useBias)
    , m_kernel(RowMatrix::Zero(inputSize, gateCount * units))
    , m_recurrentKernel(RowMatrix::Zero(units, gateCount * units))
{
}

std::unique_ptr<CellWorkspace> ProjectedCell::createWorkspace(Index batch, Index steps) const
{
    auto ws = std::make_unique<ProjectionWorkspace>();
    const Index width = m_gateCount * m_units;
    ws->projectedAll.resize(steps * batch, width);
    ws->projectedStep.resize(batch, width);
    ws->scratch.resize(batch, width);
    ws->recurrent.resize(batch, width);
    ws->scratch2.resize(batch, m_units);
    return ws;
}

void ProjectedCell::prepare(const ConstMatrixMap& inputs, CellWorkspace& workspace) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    ws.projectedAll.noalias() = inputs * m_kernel;
    if (const float* b = inputBias()) {
        ws.projectedAll.rowwise() += Eigen::Map<const RowVector>(b, m_kernel.cols());
    }
    ws.prepared = true;
}

Eigen::Map<const RowMatrix> ProjectedCell::projectedInput(const StepIo& io, ProjectionWorkspace& ws) const
{
    const Index width = m_kernel.cols();
    if (ws.prepared) {
        return {ws.projectedAll.data() + io.step * io.batch * width, io.batch, width};
    }
    ConstMatrixMap x(io.x, io.batch, m_kernel.rows());
    ws.projectedStep.noalias() = x * m_kernel;
    if (const float* b = inputBias()) {
        ws.projectedStep.rowwise() += Eigen::Map<const RowVector>(b, width);
    }
    return {ws.projectedStep.data(), io.batch, width};
}

} // namespace rnnscope
