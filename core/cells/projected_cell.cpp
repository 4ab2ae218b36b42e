#include "projected_cell.h"

#include <algorithm>
#include <cstdint>

#include "core/recurrent_product.h"
#include "core/trace_buffer.h"

namespace rnnscope {

ProjectedCell::ProjectedCell(Index inputSize, Index units, Index gateCount, bool useBias)
    : m_units(units)
    , m_gateCount(gateCount)
    , m_useBias(useBias)
    , m_kernel(RowMatrix::Zero(inputSize, gateCount * units))
    , m_recurrentKernel(RowMatrix::Zero(units, gateCount * units))
{
}

namespace {

// Steps per input-projection chunk: 32, fewer when a chunk would exceed about 1 MiB (an L2 cache) so that the
// block is still cached when its steps use it, but at least 4 so that each product stays a real GEMM.
Index chunkStepsFor(Index batch, Index width, Index steps)
{
    constexpr Index kBudgetBytes = Index {1} << 20;
    const Index perStep = std::max<Index>(1, batch * width * static_cast<Index>(sizeof(float)));
    return std::clamp<Index>(std::min<Index>(32, kBudgetBytes / perStep), std::min<Index>(4, steps), steps);
}

} // namespace

std::unique_ptr<CellWorkspace> ProjectedCell::createWorkspace(Index batch, Index steps) const
{
    auto ws = std::make_unique<ProjectionWorkspace>();
    const Index width = m_gateCount * m_units;
    ws->batch = batch;
    ws->steps = steps;
    ws->chunkSteps = chunkStepsFor(batch, width, std::max<Index>(1, steps));
    ws->projectedStep.resize(batch, width);
    ws->scratch.resize(batch, width);
    ws->recurrent.resize(batch, width);
    ws->scratch2.resize(batch, m_units);
    ws->stripMajorKernel = stripMajorKernel(m_kernel);
    ws->stripMajorRecurrent = stripMajorKernel(m_recurrentKernel);
    return ws;
}

std::size_t ProjectedCell::workspaceBytes(Index batch, Index steps) const
{
    const Index width = m_gateCount * m_units;
    // projectedStep, scratch, recurrent and the chunk of chunkSteps steps; scratch2; the strip-major copies.
    Index floats = (3 + chunkStepsFor(batch, width, std::max<Index>(1, steps))) * batch * width + batch * m_units;
    if (detail::useStripMajorKernel(width)) {
        floats += m_kernel.size() + m_recurrentKernel.size();
    }
    return static_cast<std::size_t>(floats) * sizeof(float);
}

void ProjectedCell::prepare(const ConstMatrixMap& inputs, CellWorkspace& workspace) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    ws.inputs = inputs.data();
    ws.chunk.resize(ws.chunkSteps * ws.batch, m_kernel.cols());
    ws.chunkBegin = 0;
    ws.chunkEnd = 0; // empty: the first step computes its chunk
    ws.prepared = true;
}

Eigen::Map<const RowMatrix> ProjectedCell::projectedInput(const StepIo& io, ProjectionWorkspace& ws) const
{
    const Index width = m_kernel.cols();
    const Index in = m_kernel.rows();
    if (ws.prepared) {
        if (io.step < ws.chunkBegin || io.step >= ws.chunkEnd) {
            // Steps come in order (a resume starts mid-run), so a chunk starts at the first step that needs it.
            ws.chunkBegin = io.step;
            ws.chunkEnd = std::min(io.step + ws.chunkSteps, ws.steps);
            const Index rows = (ws.chunkEnd - ws.chunkBegin) * io.batch;
            MatrixMap chunk(ws.chunk.data(), rows, width);
            const ConstMatrixMap x(ws.inputs + ws.chunkBegin * io.batch * in, rows, in);
            const float* b = inputBias();
            if (b != nullptr && ws.stripMajorKernel.size() > 0) {
                // A kernel that stays in L2: the register-tiled product on the strip-major copy, starting from the
                // bias. It skips Eigen's packing and the separate bias pass (W2's projections, 512 rows, ran at 98-105
                // GFLOP/s on one core against Eigen's 83-88).
                setRecurrentProductFromRow(chunk, b, x, m_kernel, &ws.stripMajorKernel);
            } else {
                chunk.noalias() = x * m_kernel;
                if (b != nullptr) {
                    chunk.rowwise() += Eigen::Map<const RowVector>(b, width);
                }
            }
        }
        return {ws.chunk.data() + (io.step - ws.chunkBegin) * io.batch * width, io.batch, width};
    }
    ConstMatrixMap x(io.x, io.batch, in);
    ws.projectedStep.noalias() = x * m_kernel;
    if (const float* b = inputBias()) {
        ws.projectedStep.rowwise() += Eigen::Map<const RowVector>(b, width);
    }
    return {ws.projectedStep.data(), io.batch, width};
}

float* ProjectedCell::gateBuffer(const StepIo& io, ProjectionWorkspace& ws)
{
    if (!io.gates.empty() && io.gates[0] != nullptr
        && reinterpret_cast<std::uintptr_t>(io.gates[0]) % kTraceAlignment == 0) {
        return io.gates[0];
    }
    return ws.scratch.data();
}

void ProjectedCell::recordGates(const StepIo& io, const MatrixMap& gates)
{
    if (!io.gates.empty() && io.gates[0] != nullptr && io.gates[0] != gates.data()) {
        std::copy(gates.data(), gates.data() + gates.size(), io.gates[0]);
    }
}

} // namespace rnnscope
