#pragma once
// Keras's RNN cell protocol in C++.
//
// A cell is what `keras.layers.RNN(cell)` iterates: it declares its state sizes and output size and computes one
// step, (x_t, states_t, constants) -> (output_t, states_t+1). Unlike Keras, a step also exposes the gate values it
// computed, so the debugger can show them. Steps write into buffers the caller preallocated: nothing is allocated
// inside the time loop.

#include <atomic>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tensor.h"

namespace rnnscope {

struct StateSpec
{
    std::string name; // "h", "c"
    Index size = 0;
};

struct GateSpec
{
    std::string name; // "i", "f", "c", "o" (LSTM); "z", "r", "hh" (GRU)
    Index size = 0;
};

// A weight array a layer or cell owns, as Keras lists it in get_weights(): the loaders fill `data`.
struct WeightSlot
{
    std::string name; // "kernel", "recurrent_kernel", "bias", "embeddings"
    Shape shape;
    float* data = nullptr;
};

// Per-run scratch a cell needs (input projections, pre-activations). Created once per (batch, steps).
class CellWorkspace
{
public:
    virtual ~CellWorkspace() = default;
};

// Everything one step reads and writes. Pointers are row-major [batch, width] blocks.
struct StepIo
{
    Index step = 0; // processing-order index of this step (selects precomputed input projections)
    Index batch = 0;
    const float* x = nullptr; // [B, inputSize]
    std::span<const float* const> states; // flattened, Keras state order
    std::span<float* const> newStates; // same layout; never aliases `states`
    float* output = nullptr; // [B, outputSize]
    // One pointer per leaf cell (a stack has several): [B, sum of gate sizes], or nullptr when not recorded.
    std::span<float* const> gates;
    // One pointer per leaf cell: its own step output [B, outputSize] (recorded for stacks), or nullptr.
    std::span<float* const> cellOutputs;
    std::span<const ConstMatrixMap> constants;
};

class RnnCell
{
public:
    virtual ~RnnCell() = default;

    virtual std::string className() const = 0; // Keras class: "LSTMCell", "GRUCell", ...
    virtual Index inputSize() const = 0;
    virtual Index outputSize() const = 0;
    virtual std::vector<StateSpec> states() const = 0; // flattened, in Keras's order
    virtual std::vector<GateSpec> gates() const = 0; // post-activation values recorded per step
    virtual std::vector<WeightSlot> weights() = 0; // Keras get_weights() order
    // Leaf cells in order: itself, or the cells of a StackedRNNCells.
    virtual std::vector<const RnnCell*> leafCells() const { return {this}; }
    // The options that define the cell, as Keras names them ("activation" -> "tanh"), for `info` and traces.
    virtual std::vector<std::pair<std::string, std::string>> config() const { return {}; }
    // Units shown to users (Keras's `units`).
    virtual Index units() const { return outputSize(); }

    // Scratch for runs of `batch` samples and `steps` steps.
    virtual std::unique_ptr<CellWorkspace> createWorkspace(Index batch, Index steps) const = 0;
    // The bytes createWorkspace(batch, steps) and prepare() allocate, for the memory budget: the built-in cells hold a
    // chunk of projected inputs and, where the tiled product runs, a copy of each kernel. 0 for scratch too small to
    // count.
    virtual std::size_t workspaceBytes(Index /*batch*/, Index /*steps*/) const { return 0; }
    // A workspace for another group of samples of the same run, with `first` (from createWorkspace, of this cell)
    // alive until both are gone: it may share what no step writes (the built-in cells' copies of the kernels), which
    // the groups' threads then read from one place. Default: a workspace of its own.
    virtual std::unique_ptr<CellWorkspace> createSiblingWorkspace(
        Index batch, Index steps, const CellWorkspace& /*first*/) const
    {
        return createWorkspace(batch, steps);
    }
    // The bytes createSiblingWorkspace(batch, steps, ...) and prepare() allocate on top of the first workspace's.
    virtual std::size_t siblingWorkspaceBytes(Index batch, Index steps) const { return workspaceBytes(batch, steps); }
    // Called once before the loop with every step's input in processing order: rows s*batch + b of `inputs`
    // ([steps*batch, inputSize]). `inputs` stays valid until the loop ends. Built-in cells keep a view of it and
    // compute x.W (+ input bias) a chunk of steps at a time, in one product per chunk, as the steps come.
    virtual void prepare(const ConstMatrixMap& inputs, CellWorkspace& workspace) const = 0;
    virtual void step(const StepIo& io, CellWorkspace& workspace) const = 0;
    // True when step() touches nothing but its StepIo and its own workspace, so that several threads may run
    // disjoint groups of samples at once, each with its own workspace, and a sample's results do not depend on the
    // grouping (beyond float rounding). The loop then may split the batch across threads. Off unless a cell says so.
    virtual bool supportsBatchSplit() const { return false; }
    // A run whose batch is not split (a batch of one, W1) leaves the engine's other threads idle; one of them may
    // compute the input projections ahead of the steps. projectionAheadBytes(batch, steps, firstStep): what that
    // takes on top of the workspace, or 0 when the cell cannot or the run is too short to gain (the default: 0).
    // setUpProjectionAhead(ws, firstStep), after prepare(), readies the workspace; then projectAhead(ws, stop) runs on
    // another thread while the steps run, computing projections in order until all are done or `stop` is set, and a
    // step that needs one not yet done computes it itself. The values are the same bit for bit whoever computes them.
    virtual std::size_t projectionAheadBytes(Index /*batch*/, Index /*steps*/, Index /*firstStep*/) const { return 0; }
    virtual void setUpProjectionAhead(CellWorkspace& /*workspace*/, Index /*firstStep*/) const { }
    virtual void projectAhead(CellWorkspace& /*workspace*/, const std::atomic<bool>& /*stop*/) const { }
    // A batch of one has no samples to split across threads; its steps may instead be shared by `parts` threads by
    // units, each computing its own range of every state's units (with their gates and output), the threads waiting
    // for each other at every step (rnn_loop.cpp). supportsUnitSplit(batch, parts): whether the cell can and gains
    // (default: no). createPartWorkspace(batch, steps, part, parts): part `part`'s workspace, which prepare() then
    // readies as any other. stepPart(io, ws): step() for that part's units only, reading the whole of io.states and
    // writing its own units of io.newStates, io.output and io.gates[0]; the values are step()'s bit for bit.
    virtual bool supportsUnitSplit(Index /*batch*/, Index /*parts*/) const { return false; }
    virtual std::unique_ptr<CellWorkspace> createPartWorkspace(
        Index /*batch*/, Index /*steps*/, Index /*part*/, Index /*parts*/) const
    {
        return nullptr;
    }
    // What one part's workspace takes (the memory budget counts `parts` of them for a split run).
    virtual std::size_t partWorkspaceBytes(Index /*batch*/, Index /*steps*/, Index /*parts*/) const { return 0; }
    virtual void stepPart(const StepIo& /*io*/, CellWorkspace& /*workspace*/) const { }
    // True when every step's output is its first new state itself (SimpleRNN's, GRU's and LSTM's h: the Keras cells
    // return `h, [h, ...]`). An unmasked run then records the two as one series of values (rnn_loop.cpp).
    virtual bool outputIsFirstState() const { return false; }

    Index stateCount() const { return static_cast<Index>(states().size()); }
};

} // namespace rnnscope
