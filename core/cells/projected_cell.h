#pragma once
// Shared machinery of the built-in cells (SimpleRNN, LSTM, GRU, minimal): a kernel W [in, G*u], a recurrent
// kernel U [u, G*u], an optional input bias, and the input projection x.W + b that does not depend on the
// state, so when the inputs are known up front it is computed for a chunk of steps in one product.

#include "../cell.h"

namespace rnnscope {

struct ProductFinish; // recurrent_product.h

class ProjectionWorkspace : public CellWorkspace
{
public:
    // Input projections x.W + b of `chunkSteps` consecutive steps, [chunkSteps*batch, G*u], computed by one
    // product when the loop reaches the first step of the chunk. A chunk rather than all steps: the block
    // stays in cache between its product and its use, and the workspace does not grow with the run.
    RowMatrix chunk;
    Index chunkSteps = 0;
    Index chunkBegin = 0; // steps [chunkBegin, chunkEnd) are in `chunk`
    Index chunkEnd = 0;
    Index batch = 0;
    Index steps = 0;
    Index width = 0; // columns of a step's projection: G*u, or G*partUnits
    // x.W's first term, the input bias (or zeros, `zeroStart`, for a cell without one) when the tiled product
    // computes the projections; null when Eigen does, without a bias.
    const float* projectionStart = nullptr;
    RowVector zeroStart;
    const float* inputs = nullptr; // prepare()'s inputs [steps*batch, in], owned by the loop
    RowMatrix projectedStep; // [batch, G*u], used when the inputs were not prepared (inner cells of a stack)
    RowMatrix scratch; // [batch, G*u]
    RowMatrix recurrent; // [batch, G*u]: h.U when a cell needs it apart from the input projection
    RowMatrix scratch2; // [batch, u]
    // The kernel and the recurrent kernel in stripMajorKernel's layout (empty where the tiled product is not used);
    // copied per run, so that weights edited between runs are always the ones used, and shared by the run's groups of
    // samples (createSiblingWorkspace), which never write them.
    struct StripMajorKernels
    {
        RowMatrix kernel;
        RowMatrix recurrent;
    };
    std::shared_ptr<const StripMajorKernels> strips;
    const RowMatrix& stripMajorKernel() const { return strips->kernel; }
    const RowMatrix& stripMajorRecurrent() const { return strips->recurrent; }
    bool prepared = false;
    // Unit split (RnnCell::createPartWorkspace): this workspace computes units [unitBegin, unitBegin + partUnits) of
    // every gate block. partKernel, partRecurrent and partBias hold those columns, gate block by gate block (a part
    // of LSTM's [i f c o] is [i' f' c' o']), and the strip-major copies above are theirs. partUnits 0: the whole cell.
    Index unitBegin = 0;
    Index partUnits = 0;
    RowMatrix partKernel;
    RowMatrix partRecurrent;
    RowVector partBias;
    // h.U's first term for a part whose cell adds a bias to h.U apart (recurrentBias): those columns of it, or zeros.
    RowVector partRecurrentStart;
    // Projection ahead (RnnCell::setUpProjectionAhead): `chunk` holds every step's projection, chunk k being steps
    // [k*chunkSteps, (k+1)*chunkSteps); chunkState[k] is kChunkFree, kChunkComputing (by whichever thread claimed it)
    // or kChunkReady. `chunkData` holds steps [chunkBegin, chunkEnd) for the step thread: in `chunk`, or in `ownChunk`
    // when it computed a chunk itself rather than wait for the helper.
    static constexpr int kChunkFree = 0;
    static constexpr int kChunkComputing = 1;
    static constexpr int kChunkReady = 2;
    bool ahead = false;
    std::unique_ptr<std::atomic<int>[]> chunkState;
    Index chunkCount = 0;
    Index firstChunk = 0;
    RowMatrix ownChunk;
    const float* chunkData = nullptr;
};

class ProjectedCell : public RnnCell
{
public:
    ProjectedCell(Index inputSize, Index units, Index gateCount, bool useBias);

    Index inputSize() const override { return m_kernel.rows(); }
    Index units() const override { return m_units; }
    bool useBias() const { return m_useBias; }

    RowMatrix& kernel() { return m_kernel; }
    RowMatrix& recurrentKernel() { return m_recurrentKernel; }
    const RowMatrix& kernel() const { return m_kernel; }
    const RowMatrix& recurrentKernel() const { return m_recurrentKernel; }

    std::unique_ptr<CellWorkspace> createWorkspace(Index batch, Index steps) const override;
    std::size_t workspaceBytes(Index batch, Index steps) const override;
    std::unique_ptr<CellWorkspace> createSiblingWorkspace(
        Index batch, Index steps, const CellWorkspace& first) const override;
    std::size_t siblingWorkspaceBytes(Index batch, Index steps) const override;
    void prepare(const ConstMatrixMap& inputs, CellWorkspace& workspace) const override;
    bool supportsBatchSplit() const override { return true; }
    std::size_t projectionAheadBytes(Index batch, Index steps, Index firstStep) const override;
    void setUpProjectionAhead(CellWorkspace& workspace, Index firstStep) const override;
    void projectAhead(CellWorkspace& workspace, const std::atomic<bool>& stop) const override;
    std::unique_ptr<CellWorkspace> createPartWorkspace(
        Index batch, Index steps, Index part, Index parts) const override;
    std::size_t partWorkspaceBytes(Index batch, Index steps, Index parts) const override;

protected:
    // Whether a unit split into `parts` fits this cell's sizes (the cells add their own conditions): each part's units
    // a whole number of vector registers and its gate columns a whole number of the tiled product's strips (AVX-512
    // builds), and a recurrent kernel larger than L1 (64 KiB or more), which each part then reads only half of. Below
    // that a step is too short to pay for the threads' wait for each other (about 0.1 us).
    bool unitSplitFits(Index batch, Index parts) const;
    // z = x.W + b + h.U for a part's columns ([batch, G*partUnits]); `finish` as in setRecurrentProduct.
    void partProduct(const StepIo& io, ProjectionWorkspace& ws, float* z, const ProductFinish* finish) const;
    // After a part's step: its units of each row of the new first state copied to io.output (unless the output is that
    // state), and its gate values ([batch, G*partUnits], gate block by gate block) to their columns of io.gates[0].
    void recordPart(const StepIo& io, const ProjectionWorkspace& ws, const float* gates) const;
    // x.W + input bias for this step: a row block of the precomputed projection, or computed now.
    Eigen::Map<const RowMatrix> projectedInput(const StepIo& io, ProjectionWorkspace& ws) const;
    // x.W + input bias of steps [begin, end) of prepare()'s inputs, into `out` ([(end-begin)*batch, G*u]).
    void projectSteps(const ProjectionWorkspace& ws, Index begin, Index end, float* out) const;
    // Sets ws.projectionStart from the input bias (null: none), once ws.width and ws.strips are set.
    static void setProjectionStart(ProjectionWorkspace& ws, const float* bias);
    // Points ws.chunkData at the chunk of `step` computed ahead, computing it here if no thread has started it, or if
    // the helper has and does not finish it soon.
    void takeChunkAhead(Index step, ProjectionWorkspace& ws) const;
    // Where a step computes its gates: in the trace when it records them at a 64-byte boundary, else in the
    // workspace, and recordGates then copies them to the trace. Eigen peels the unaligned head of a loop into scalar
    // code that rounds (and sums) differently, so computing at an address of another alignment than the workspace's
    // would make a run's last bits depend on how it was recorded (the step, the streaming window).
    static float* gateBuffer(const StepIo& io, ProjectionWorkspace& ws);
    static void recordGates(const StepIo& io, const MatrixMap& gates);
    // A workspace of the whole cell for `batch` samples and `steps` steps, reading the kernels from `strips`.
    std::unique_ptr<ProjectionWorkspace> newWorkspace(
        Index batch, Index steps, std::shared_ptr<const ProjectionWorkspace::StripMajorKernels> strips) const;
    // Bias added to the input projection (all of it for LSTM/SimpleRNN/GRU v1, row 0 for GRU reset_after).
    virtual const float* inputBias() const = 0;
    // The bias added to h.U apart from the input projection (GRU reset_after's row 1), or null.
    virtual const float* recurrentBias() const { return nullptr; }

    Index m_units;
    Index m_gateCount;
    bool m_useBias;
    RowMatrix m_kernel;
    RowMatrix m_recurrentKernel;
};

} // namespace rnnscope
