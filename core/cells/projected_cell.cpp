#include "projected_cell.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

#include "core/engine_threads.h"
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

// The most a run's projections computed ahead may take (W1's: 1 MB): the whole run's projections are kept, so that
// the helper thread never waits for the steps to free a chunk.
constexpr Index kMaxAheadBytes = Index {4} << 20;
// At least this many chunks for a helper thread to be worth waking.
constexpr Index kMinAheadChunks = 4;

} // namespace

std::unique_ptr<ProjectionWorkspace> ProjectedCell::newWorkspace(
    Index batch, Index steps, std::shared_ptr<const ProjectionWorkspace::StripMajorKernels> strips) const
{
    auto ws = std::make_unique<ProjectionWorkspace>();
    const Index width = m_gateCount * m_units;
    ws->batch = batch;
    ws->steps = steps;
    ws->width = width;
    ws->chunkSteps = chunkStepsFor(batch, width, std::max<Index>(1, steps));
    ws->projectedStep.resize(batch, width);
    ws->scratch.resize(batch, width);
    ws->recurrent.resize(batch, width);
    ws->scratch2.resize(batch, m_units);
    ws->strips = std::move(strips);
    setProjectionStart(*ws, inputBias());
    return ws;
}

std::unique_ptr<CellWorkspace> ProjectedCell::createWorkspace(Index batch, Index steps) const
{
    return newWorkspace(batch, steps,
        std::make_shared<const ProjectionWorkspace::StripMajorKernels>(
            ProjectionWorkspace::StripMajorKernels {stripMajorKernel(m_kernel), stripMajorKernel(m_recurrentKernel)}));
}

std::unique_ptr<CellWorkspace> ProjectedCell::createSiblingWorkspace(
    Index batch, Index steps, const CellWorkspace& first) const
{
    // One copy of the kernels for every group: the two threads of this machine share one core's caches, and each
    // group's own copy (W4: 288 KB) doubled what they held there.
    return newWorkspace(batch, steps, static_cast<const ProjectionWorkspace&>(first).strips);
}

std::unique_ptr<CellWorkspace> ProjectedCell::createPartWorkspace(
    Index batch, Index steps, Index part, Index parts) const
{
    auto ws = std::make_unique<ProjectionWorkspace>();
    const Index up = m_units / parts;
    const Index u0 = part * up;
    const Index width = m_gateCount * up;
    ws->batch = batch;
    ws->steps = steps;
    ws->width = width;
    ws->unitBegin = u0;
    ws->partUnits = up;
    ws->chunkSteps = chunkStepsFor(batch, width, std::max<Index>(1, steps));
    ws->scratch.resize(batch, width);
    ws->partKernel.resize(m_kernel.rows(), width);
    ws->partRecurrent.resize(m_units, width);
    ws->recurrent.resize(batch, width);
    const float* bias = inputBias();
    const float* recurrentBiasRow = recurrentBias();
    ws->partBias.resize(bias != nullptr ? width : 0);
    ws->partRecurrentStart = RowVector::Zero(width);
    for (Index g = 0; g < m_gateCount; ++g) {
        ws->partKernel.middleCols(g * up, up) = m_kernel.middleCols(g * m_units + u0, up);
        ws->partRecurrent.middleCols(g * up, up) = m_recurrentKernel.middleCols(g * m_units + u0, up);
        if (bias != nullptr) {
            ws->partBias.segment(g * up, up) = Eigen::Map<const RowVector>(bias + g * m_units + u0, up);
        }
        if (recurrentBiasRow != nullptr) {
            ws->partRecurrentStart.segment(g * up, up)
                = Eigen::Map<const RowVector>(recurrentBiasRow + g * m_units + u0, up);
        }
    }
    ws->strips = std::make_shared<const ProjectionWorkspace::StripMajorKernels>(
        ProjectionWorkspace::StripMajorKernels {stripMajorKernel(ws->partKernel), stripMajorKernel(ws->partRecurrent)});
    setProjectionStart(*ws, bias != nullptr ? ws->partBias.data() : nullptr);
    return ws;
}

std::size_t ProjectedCell::partWorkspaceBytes(Index batch, Index steps, Index parts) const
{
    // What createPartWorkspace and prepare() size: scratch, recurrent and the chunk; the part's columns of the kernels,
    // and their strip-major copies; its bias and recurrent start rows.
    const Index width = m_gateCount * (m_units / parts);
    const Index kernels = (m_kernel.rows() + m_units) * width;
    Index floats = (2 + chunkStepsFor(batch, width, std::max<Index>(1, steps))) * batch * width + kernels + 2 * width;
    if (detail::useStripMajorKernel(width)) {
        floats += kernels;
    }
    return static_cast<std::size_t>(floats) * sizeof(float);
}

bool ProjectedCell::unitSplitFits(Index batch, Index parts) const
{
    constexpr Index kMinRecurrentBytes = Index {64} << 10;
    if (batch < 1 || parts < 2 || m_units % (parts * Activation::kPacketFloats) != 0) {
        return false;
    }
    const Index partWidth = m_gateCount * (m_units / parts);
    return detail::useStripMajorKernel(partWidth)
        && m_recurrentKernel.size() * static_cast<Index>(sizeof(float)) >= kMinRecurrentBytes;
}

void ProjectedCell::partProduct(const StepIo& io, ProjectionWorkspace& ws, float* z, const ProductFinish* finish) const
{
    // The part's columns of z = x.W + b + h.U ([batch, G*partUnits]): the same sums, term by term and in the same
    // order, as the whole cell's product computes for those columns (the tiled product sums every column over k in
    // order), so a split step's values are the unsplit step's bit for bit.
    setRecurrentProduct(MatrixMap(z, io.batch, ws.width), projectedInput(io, ws),
        ConstMatrixMap(io.states[0], io.batch, m_units), ws.partRecurrent, &ws.stripMajorRecurrent(), finish);
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

std::size_t ProjectedCell::siblingWorkspaceBytes(Index batch, Index steps) const
{
    const Index width = m_gateCount * m_units;
    const std::size_t strips = detail::useStripMajorKernel(width)
        ? static_cast<std::size_t>(m_kernel.size() + m_recurrentKernel.size()) * sizeof(float)
        : 0U;
    return workspaceBytes(batch, steps) - strips;
}

void ProjectedCell::prepare(const ConstMatrixMap& inputs, CellWorkspace& workspace) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    ws.inputs = inputs.data();
    ws.chunk.resize(ws.chunkSteps * ws.batch, ws.width);
    ws.chunkBegin = 0;
    ws.chunkEnd = 0; // empty: the first step computes its chunk
    ws.ahead = false;
    ws.prepared = true;
}

void ProjectedCell::recordPart(const StepIo& io, const ProjectionWorkspace& ws, const float* gates) const
{
    const Index u = m_units;
    const Index up = ws.partUnits;
    const Index u0 = ws.unitBegin;
    for (Index r = 0; r < io.batch; ++r) {
        const Index at = r * u + u0;
        if (io.output != io.newStates[0]) {
            std::copy(io.newStates[0] + at, io.newStates[0] + at + up, io.output + at);
        }
        if (!io.gates.empty() && io.gates[0] != nullptr) {
            for (Index g = 0; g < m_gateCount; ++g) {
                const float* part = gates + r * ws.width + g * up;
                std::copy(part, part + up, io.gates[0] + (r * m_gateCount + g) * u + u0);
            }
        }
    }
}

void ProjectedCell::setProjectionStart(ProjectionWorkspace& ws, const float* bias)
{
    if (ws.stripMajorKernel().size() == 0) {
        ws.projectionStart = bias; // Eigen's product, then the bias if there is one
        return;
    }
    if (bias == nullptr) {
        ws.zeroStart = RowVector::Zero(ws.width);
        bias = ws.zeroStart.data();
    }
    ws.projectionStart = bias;
}

void ProjectedCell::projectSteps(const ProjectionWorkspace& ws, Index begin, Index end, float* out) const
{
    const RowMatrix& kernel = ws.partUnits > 0 ? ws.partKernel : m_kernel;
    const Index width = ws.width;
    const Index in = kernel.rows();
    const Index rows = (end - begin) * ws.batch;
    MatrixMap chunk(out, rows, width);
    const ConstMatrixMap x(ws.inputs + begin * ws.batch * in, rows, in);
    if (ws.stripMajorKernel().size() > 0) {
        // A kernel that stays in L2: the register-tiled product on the strip-major copy, starting from the bias (or
        // zeros). It skips Eigen's packing and the separate bias pass (W2's projections, 512 rows, ran at 98-105
        // GFLOP/s on one core against Eigen's 83-88), and sums every column alike whichever columns a part computes.
        setRecurrentProductFromRow(chunk, ws.projectionStart, x, kernel, &ws.stripMajorKernel());
    } else {
        chunk.noalias() = x * kernel;
        if (ws.projectionStart != nullptr) {
            chunk.rowwise() += Eigen::Map<const RowVector>(ws.projectionStart, width);
        }
    }
}

Eigen::Map<const RowMatrix> ProjectedCell::projectedInput(const StepIo& io, ProjectionWorkspace& ws) const
{
    const Index width = ws.width;
    if (ws.prepared) {
        if (io.step < ws.chunkBegin || io.step >= ws.chunkEnd) {
            if (ws.ahead) {
                takeChunkAhead(io.step, ws);
            } else {
                // Steps come in order (a resume starts mid-run), so a chunk starts at the first step that needs it.
                ws.chunkBegin = io.step;
                ws.chunkEnd = std::min(io.step + ws.chunkSteps, ws.steps);
                projectSteps(ws, ws.chunkBegin, ws.chunkEnd, ws.chunk.data());
                ws.chunkData = ws.chunk.data();
            }
        }
        return {ws.chunkData + (io.step - ws.chunkBegin) * io.batch * width, io.batch, width};
    }
    ConstMatrixMap x(io.x, io.batch, m_kernel.rows());
    ws.projectedStep.noalias() = x * m_kernel;
    if (const float* b = inputBias()) {
        ws.projectedStep.rowwise() += Eigen::Map<const RowVector>(b, width);
    }
    return {ws.projectedStep.data(), io.batch, width};
}

std::size_t ProjectedCell::projectionAheadBytes(Index batch, Index steps, Index firstStep) const
{
    const Index width = m_kernel.cols();
    const Index chunkSteps = chunkStepsFor(batch, width, std::max<Index>(1, steps));
    // Every step's projections (prepare's chunk grows to them), and a chunk of the step thread's own.
    const Index bytes = (steps + chunkSteps) * batch * width * static_cast<Index>(sizeof(float));
    return bytes <= kMaxAheadBytes && steps - firstStep >= kMinAheadChunks * chunkSteps
        ? static_cast<std::size_t>(bytes)
        : 0U;
}

void ProjectedCell::setUpProjectionAhead(CellWorkspace& workspace, Index firstStep) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    ws.chunk.resize(ws.steps * ws.batch, m_kernel.cols());
    ws.ownChunk.resize(ws.chunkSteps * ws.batch, m_kernel.cols());
    ws.chunkCount = (ws.steps + ws.chunkSteps - 1) / ws.chunkSteps;
    ws.firstChunk = firstStep / ws.chunkSteps;
    ws.chunkState = std::make_unique<std::atomic<int>[]>(static_cast<std::size_t>(ws.chunkCount));
    ws.chunkBegin = 0;
    ws.chunkEnd = 0;
    ws.ahead = true;
}

void ProjectedCell::projectAhead(CellWorkspace& workspace, const std::atomic<bool>& stop) const
{
    auto& ws = static_cast<ProjectionWorkspace&>(workspace);
    const Index width = ws.width;
    for (Index k = ws.firstChunk; k < ws.chunkCount && !stop.load(std::memory_order_relaxed); ++k) {
        int expected = ProjectionWorkspace::kChunkFree;
        if (!ws.chunkState[k].compare_exchange_strong(
                expected, ProjectionWorkspace::kChunkComputing, std::memory_order_acquire, std::memory_order_relaxed)) {
            continue; // the steps caught up and took it
        }
        const Index begin = k * ws.chunkSteps;
        const Index end = std::min(begin + ws.chunkSteps, ws.steps);
        projectSteps(ws, begin, end, ws.chunk.data() + begin * ws.batch * width);
        ws.chunkState[k].store(ProjectionWorkspace::kChunkReady, std::memory_order_release);
    }
}

void ProjectedCell::takeChunkAhead(Index step, ProjectionWorkspace& ws) const
{
    const Index width = ws.width;
    const Index k = step / ws.chunkSteps;
    ws.chunkBegin = k * ws.chunkSteps;
    ws.chunkEnd = std::min(ws.chunkBegin + ws.chunkSteps, ws.steps);
    float* const inChunk = ws.chunk.data() + ws.chunkBegin * ws.batch * width;
    std::atomic<int>& state = ws.chunkState[k];
    int seen = ProjectionWorkspace::kChunkFree;
    if (state.compare_exchange_strong(
            seen, ProjectionWorkspace::kChunkComputing, std::memory_order_acquire, std::memory_order_acquire)) {
        projectSteps(ws, ws.chunkBegin, ws.chunkEnd, inChunk); // the helper is behind: computed here
        state.store(ProjectionWorkspace::kChunkReady, std::memory_order_relaxed);
        ws.chunkData = inChunk;
        return;
    }
    if (seen == ProjectionWorkspace::kChunkComputing) {
        // The helper is on it; a chunk takes it microseconds (W1's: about 3). Past 20, it has probably lost its core
        // (a descheduled virtual CPU), and the step thread computes its own copy rather than wait.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
        while ((seen = state.load(std::memory_order_acquire)) == ProjectionWorkspace::kChunkComputing
            && std::chrono::steady_clock::now() < deadline) {
            spinPause();
        }
        if (seen == ProjectionWorkspace::kChunkComputing) {
            projectSteps(ws, ws.chunkBegin, ws.chunkEnd, ws.ownChunk.data());
            ws.chunkData = ws.ownChunk.data();
            return;
        }
    }
    ws.chunkData = inChunk; // ready: the acquire above made the helper's values visible
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
