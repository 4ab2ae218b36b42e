#pragma once
// A pinned baseline: the difference of two runs of the same model, as a snapshot the views draw like any other.
// Every recorded series, every model input and output becomes current - baseline; the mask, step_time, names
// and options are the current run's. Non-finite values subtract as IEEE floats do (NaN stays NaN, Inf - Inf is
// NaN), so a NaN in either run shows in the difference.

#include "run_snapshot.h"

namespace rnnscope {

// When the two runs are not shaped alike (layer count, names, classes, series names or shapes, inputs, outputs),
// or either failed, the result carries `error` saying what differs, e.g.
// "baseline lstm / h is [32,200,16], current is [32,100,16]", and no data (empty trace, inputs and outputs).
// Shapes in messages are [batch, steps, width], the layout of the trace file.
RunSnapshot diffSnapshot(const RunSnapshot& current, const RunSnapshot& baseline);

} // namespace rnnscope
