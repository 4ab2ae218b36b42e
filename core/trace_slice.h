#pragma once
// Cutting a recorded run down to a range of steps and a subset of samples, for exporting part of a trace (the
// export dialog's "visible steps" and "current sample / chosen samples").
//
// What slicing by step means: steps are processing order, the axis every trace series, step_time and the layers'
// masks share, so those are cut to steps [firstStep, lastStep] of each layer (step 0 of the result is firstStep; a
// layer with fewer steps, say one behind a RepeatVector, keeps what it has of the range; step_time keeps naming the
// input timestep each kept step consumed). The model's inputs, its mask and its outputs are in the model's own time
// order ([B,T,F], and go_backwards runs that order backwards), which is not one range of steps for every layer, so they
// are cut by sample only and keep all their timesteps. Tensors are cut on their first (batch) axis; those whose first
// axis is not the batch (a time-major model's [T,B,F], or any tensor of another length) are kept whole.

#include <vector>

#include "run_snapshot.h"

namespace rnnscope {

// `samples` in the order given (empty = all). Throws std::invalid_argument when firstStep < 0, lastStep < firstStep,
// or a sample is outside the run's batch.
RunSnapshot sliceSnapshot(
    const RunSnapshot& snapshot, Index firstStep, Index lastStep, const std::vector<Index>& samples);

} // namespace rnnscope
