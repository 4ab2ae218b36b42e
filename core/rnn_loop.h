#pragma once
// keras.backend.rnn: iterate a cell over the time axis.
//
// Semantics (tf_keras backend.rnn, keras/src/backend/tensorflow/rnn.py):
// - go_backwards reverses the inputs and the mask; outputs are returned in processing order.
// - At a masked step every state keeps its previous value and the output repeats the previously emitted
//   output (zeros before the first), or is zero with zero_output_for_mask. TensorFlow's behaviour is followed
//   where backends differ (JAX/NumPy repeat states[0] instead, which differs only when h0 != 0).
// - last_output is the last emitted output (zero at a masked final step with zero_output_for_mask).
// - unroll=True reproduces TF's unrolled path: zero_output_for_mask is applied after the loop with the mask in
//   original time order, which differs from the loop only together with go_backwards.

#include <optional>
#include <span>

#include "cell.h"
#include "trace.h"

namespace rnnscope {

struct RnnLoopOptions
{
    bool goBackwards = false;
    bool unroll = false;
    bool timeMajor = false; // inputs [T, B, ...] and outputs [T, B, U]
    bool zeroOutputForMask = false;
    std::optional<Index> inputLength; // when given, must equal the number of timesteps
    // Threads to split the batch over. 0: engineThreads(), used only when the batch and the work are large
    // enough to pay for starting threads. n >= 1: up to n threads (at most one per sample) whatever the size;
    // 1 runs on the calling thread. Results agree up to float rounding whatever the count.
    int threads = 0;
};

// A what-if edit: before processing step `step`, state `stateIndex` (flattened Keras order) of the given
// samples is replaced. `values` is [batch, stateSize]; samples not listed keep their values, and so do units not
// listed. step == steps edits the final states (what the layer returns and a stateful layer carries on).
// With a trace, the recorded state after step-1 shows the edited value (the debugger's "set h at step s" is an edit
// at step s+1), while the output emitted at step-1 stays what the cell computed before the edit.
struct StateEdit
{
    Index step = 0;
    Index stateIndex = 0;
    std::vector<Index> samples; // empty = all samples
    std::vector<Index> units; // empty = every unit of the state
    RowMatrix values;
};

// Resume a recorded run: steps before `step` are taken from `trace` (which must hold a complete earlier run of
// the same inputs), and the loop continues from the states recorded after step-1, or from `states` if given.
struct ResumePoint
{
    Index step = 0;
    std::vector<Tensor> states; // [batch, size] each; empty = the recorded ones
};

struct RnnLoopResult
{
    Tensor lastOutput; // [B, U]
    Tensor outputs; // [B, T, U] in processing order ([T, B, U] with time_major)
    std::vector<Tensor> states; // final states, [B, size] each
    int unitParts = 1; // threads that shared each step by units (a batch of one, unit_split_loop.h); 1: not split
    Index unitJoinStep = -1; // the step from which one thread computed every part's units (runUnitSplit), or -1
};

// `trace`, when given, is (re)allocated and filled, except on resume, where it is updated from the resume step.
// Cells that support it (RnnCell::supportsBatchSplit) may run on several threads, each on its own samples; the
// trace's layout and contents do not depend on that.
RnnLoopResult rnnLoop(const RnnCell& cell, const Tensor& inputs, const std::vector<Tensor>& initialStates,
    const Mask* mask, const std::vector<Tensor>& constants, const RnnLoopOptions& options, LayerTrace* trace = nullptr,
    std::span<const StateEdit> edits = {}, const ResumePoint* resume = nullptr);

} // namespace rnnscope
