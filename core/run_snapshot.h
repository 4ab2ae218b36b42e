#pragma once
// Everything one run of a model produced, frozen. The debugger's engine thread builds it, and the views draw from
// it through a shared_ptr<const RunSnapshot>, so a view never sees a run that is still changing.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tensor.h"
#include "trace.h"

namespace rnnscope {

struct RunSnapshot
{
    std::uint64_t generation = 0; // increases with every run of a session
    std::size_t batch = 0; // which call of the run this is (0-based): a run may feed several batches in a row
    std::size_t batches = 1; // how many calls the run made
    ModelTrace trace; // every recurrent layer, in the order they ran
    std::vector<std::pair<std::string, Tensor>> inputs; // model inputs by name, as fed
    std::optional<Mask> mask; // the mask fed with input 0 (after the user's edits), if any
    std::vector<std::pair<std::string, Tensor>> outputs; // model outputs by name, as predict() returns them
    std::string error; // non-empty when the run failed: views show it in place of data
    // Non-empty when the run produced NaN or Inf: where it first appeared. The run still went to the end, as in Keras.
    std::string nonFinite;
    double runMilliseconds = 0.0; // wall time of the engine run
    // Empty for a run as it came out of the engine; otherwise what this snapshot is a view of, for titles:
    // "baseline" (a pinned earlier run), "− baseline" (a difference: the current run minus the baseline).
    std::string viewLabel;
};

using SnapshotPtr = std::shared_ptr<const RunSnapshot>;

} // namespace rnnscope
