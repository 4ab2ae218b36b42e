#pragma once
// Breakpoints of the debugger, judged over a recorded run: "stop at step 40", "stop when a NaN appears", "stop when
// lstm / c unit 14 crosses 2.0 upward", "stop when more than half of the forget gate is saturated". The app keeps
// the list and asks findNextBreak() where the next stop is when the user runs on from the cursor.
//
// Rules every kind follows:
// - Steps are processing-order step indices of the layer (direction) the breakpoint watches. Layers may have
//   different step counts (a RepeatVector decoder runs its own number of steps), so "step 37" means step 37 of
//   each watched layer, the same index the debugger's step cursor uses for that layer's views.
// - A masked step of a sample never fires (Keras skipped it: states are held, the output is repeated or zero).
//   "The previous value" of a sample is its value at the last earlier step that was not masked for that sample.
// - Threshold: a value crosses when it is on the other side of the threshold than its previous value, a side
//   being "at or above" (v >= threshold) or "below". The first unmasked step of a sample has no previous value
//   (the trace does not hold the state before the first step), so nothing crosses there. A NaN has no side and
//   never crosses.
// - NonFinite: fires where a value is NaN or Inf and its previous value was finite (or it has none): the step a
//   value becomes non-finite, so a NaN that propagates does not stop every later step again.
// - Saturation: fires at every step where the fraction of the gate's units saturated in a sample is above the
//   chosen fraction (level-triggered, like a conditional breakpoint), saturation judged as core/health does.
// - AtStep: fires at that step when some watched layer has that many steps; it concerns all samples.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "health.h"
#include "run_snapshot.h"

namespace rnnscope {

enum class BreakKind { AtStep, NonFinite, Threshold, Saturation };
enum class CrossingDirection { Upward, Downward, Either };

// One recorded series, named as the views' SeriesRef and core/health's QuantityHealth name it.
struct TraceSeriesRef
{
    int layer = 0; // index into ModelTrace::layers
    int direction = -1; // -1: the layer itself; 0 forward, 1 backward (Bidirectional)
    int cell = 0; // leaf cell of a stack (0 for a single cell); ignored for Output and Input
    HealthQuantityKind kind = HealthQuantityKind::State;
    std::string name = "h"; // state or gate name as recorded ("h", "c", "i", "z", "hh"), "output", "input"

    bool operator==(const TraceSeriesRef&) const = default;
};

struct Breakpoint
{
    int id = 0;
    bool enabled = true;
    BreakKind kind = BreakKind::AtStep;

    Index step = 0; // AtStep
    bool anySeries = true; // NonFinite: every recorded series, or only `series`
    TraceSeriesRef series; // Threshold; Saturation (a gate); NonFinite when !anySeries
    std::optional<Index> unit; // Threshold: one unit of the series, or any (nullopt)
    double threshold = 0.0; // Threshold
    CrossingDirection crossing = CrossingDirection::Either; // Threshold
    double saturatedFraction = 0.5; // Saturation: fires when more than this fraction of the gate's units saturate
};

struct BreakHit
{
    int breakpointId = 0;
    Index step = 0; // processing-order step of the watched layer
    int layer = -1; // top-level layer whose step axis `step` is on; -1 for AtStep (every layer)
    int direction = -1;
    Index sample = -1; // -1: not about one sample (AtStep without a chosen sample)
    Index unit = -1; // -1: not about one unit (AtStep, Saturation)
    double value = 0.0; // the value that fired; Saturation: the saturated fraction
    double previous = 0.0; // Threshold: the value before the crossing
    std::string message; // "lstm / c unit 14 crossed 2 upward (1.93 → 2.07) at step 37, sample 3"
};

// The first hit at a step > afterStep (pass -1 to search from the start) among the enabled breakpoints, in
// the samples `sample` names (nullopt = any sample). Ties at one step go to the breakpoint listed first, then
// to the lowest sample, then the lowest unit. Breakpoints naming a series the trace lacks never fire.
std::optional<BreakHit> findNextBreak(const ModelTrace& trace, Index afterStep, std::span<const Breakpoint> breakpoints,
    std::optional<Index> sample, const HealthOptions& health = {});
// The same over a snapshot's trace; a failed run (error set) has no hits.
std::optional<BreakHit> findNextBreak(const RunSnapshot& snapshot, Index afterStep,
    std::span<const Breakpoint> breakpoints, std::optional<Index> sample, const HealthOptions& health = {});

// One line for the breakpoint list, without the trace: "at step 40", "NaN/Inf anywhere",
// "layer 0 / c unit 14 crosses 2 upward". With a trace, layers are named: "lstm / c unit 14 crosses 2 upward".
std::string describe(const Breakpoint& breakpoint);
std::string describe(const Breakpoint& breakpoint, const ModelTrace& trace);
// "lstm", "bidirectional / backward", "stack / cell 1" followed by " / <name>"; "layer 3 / h" when the trace
// lacks the layer.
std::string seriesPath(const TraceSeriesRef& ref, const ModelTrace* trace);

} // namespace rnnscope
