#pragma once
// The steps of a run whose batch is not split (a batch of one, or of a few samples), shared by threads by units
// (RnnCell::supportsUnitSplit). A batch of one has no samples to split, and its step is a chain of small products:
// W1's (an LSTM of 64 units) reads a 64 KiB recurrent kernel from L2 at every step, which was 60% of its time. Two
// threads that each compute half of every gate block's units read half the kernel each, on their own cores, and wait
// for each other once a step (the whole new h is the next step's input). The wait is a third of each thread's time
// (perf, W1), but the step is still shorter: W1 0.79 -> 0.64 ms, an LSTM of 512 units 28.8 -> 15.8 ms
// (rnnscope-cli bench, alternating rounds).

#include <atomic>
#include <vector>

#include "cell.h"
#include "trace.h"

namespace rnnscope {

struct UnitSplitRun
{
    const RnnCell* cell = nullptr;
    const float* x = nullptr; // [steps * batch, features]: the inputs in processing order, row s*batch + b
    Index steps = 0;
    Index batch = 0;
    const std::vector<Tensor>* initialStates = nullptr; // [batch, size] each
    float* outputs = nullptr; // [steps * batch, units]: the emitted outputs (the trace's storage, or the loop's buffer)
    // The returned outputs: [batch, steps, units], or [steps, batch, units] when timeMajor.
    float* returned = nullptr;
    bool timeMajor = false;
    // Null, or allocated for this run by the loop: not windowed, one leaf cell, no mask. Its stepTime is filled by
    // the loop; the states, gates and inputs are recorded here.
    LayerTrace* trace = nullptr;
    const std::atomic<bool>* cancel = nullptr;
    std::vector<RowMatrix>* finalStates = nullptr; // [batch, size] each, sized by the caller
};

// Runs every step on `parts` threads (runConcurrently), part p computing units [p*w/parts, (p+1)*w/parts) of every
// state of width w. Results, trace included, are those of one thread bit for bit. Throws RunCancelled when the run's
// cancel flag is set, and what creating a part's workspace throws.
//
// The parts join when waiting costs more than it saves: each part times its work and its waits over steps 16-79, and
// the one that waited longer than it worked steps every part's units itself from step 81 on (the others stop after
// step 80). A part whose wait stalled for 200 us, or 4 of whose last 8 waits outlasted their spinning (the other
// part's thread then runs only when this one yields: both on one CPU), takes over the same way after the next step
// (from step 15 on). On a shared machine the other threads' cores sometimes answer slowly for seconds at a time: W1
// took 0.85 ms split in some runs and 1.8 ms in others, against 1.1 ms on one thread. A run of 256 steps or more tries
// both instead: part 0 steps every part's units alone over steps 32-51, the parts share 52-71 again, and part 0 takes
// over from step 73 if the shared steps were the slower (timed over 36-51 and 56-71). A part stepping alone steps the
// whole cell at once where its workspace is small (unitSplitWholeWorkspaceBytes), else each part's units in turn.
// Returns the step the parts joined at, or -1.
Index runUnitSplit(const UnitSplitRun& run, int parts);

// The bytes of the whole cell's workspace runUnitSplit keeps besides the parts', for the steps one part takes alone,
// or 0 when it keeps none (a workspace over 1 MiB: that part then steps each part's units in turn).
std::size_t unitSplitWholeWorkspaceBytes(const RnnCell& cell, Index batch, Index steps);

// Tests: step >= 1 has part `owner` take over at that step whatever the timing says, 0 never joins the parts, -1
// (the default) decides by timing.
void setUnitSplitJoinStepForTesting(Index step, int owner = 0);
// Tests: the trial of a long run (unit_split_loop.cpp) decided by timing (-1, the default), not run (0), or run with
// its outcome forced: 1 the parts go on sharing the steps, 2 part 0 takes over after it.
void setUnitSplitTrialForTesting(int outcome);
// Tests: part `part` stops as it reaches step `step` (>= 0; -1, the default, never), as if the run's cancel flag were
// set (`cancels`) or by throwing std::runtime_error: the moment a part may be waiting for it, which a flag set from
// another thread hits only by chance.
void setUnitSplitStopForTesting(Index step, int part = 0, bool cancels = true);

} // namespace rnnscope
