#pragma once
// Health of a run: NaN and Inf, saturated gates and exploding states, per layer (direction, cell) and quantity.
// Pure numerics over a RunSnapshot's trace, so the debugger's health panel and any future CLI report agree.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "run_snapshot.h"

namespace rnnscope {

struct HealthOptions
{
    double saturationLow = 0.01; // a [0,1] gate below this, or above saturationHigh, is saturated
    double saturationHigh = 0.99;
    double explodeThreshold = 10.0; // |state| above this explodes
    double explodeGrowth = 100.0; // max |state| growing more than this over the run explodes (an LSTM cell state
    // counting something grows 10-20x by design: the bundled bracket-depth model's c does)
};

// Where something happened first, in processing order; step -1 when it never did.
struct HealthLocation
{
    Index step = -1;
    Index sample = -1;
    Index unit = -1;
    bool found() const { return step >= 0; }
};

enum class HealthQuantityKind { State, Gate, Output, Input };

struct QuantityHealth
{
    // Which series: indices as the views' SeriesRef names them (direction -1 = the layer itself).
    int layer = 0;
    int direction = -1;
    int cell = 0;
    HealthQuantityKind kind = HealthQuantityKind::State;
    std::string name; // state or gate name as recorded ("h", "c", "i"...), "output", "input"
    std::string layerPath; // "lstm", "bidirectional / forward", "stack / cell 1"
    std::string cellClass;
    Index steps = 0;
    Index batch = 0;
    Index units = 0;

    std::int64_t nanCount = 0;
    std::int64_t infCount = 0;
    HealthLocation firstNan;
    HealthLocation firstInf;

    double maxAbs = 0.0; // over finite values
    HealthLocation maxAbsAt;

    // Gates only. A gate whose values stay in [0,1] (sigmoid-like) saturates below saturationLow or above
    // saturationHigh; one that goes negative (a tanh candidate) saturates at |x| > saturationHigh.
    bool saturationApplies = false;
    double saturatedFraction = 0.0; // of all (step, sample, unit) values
    std::vector<double> saturatedPerStep; // [steps]: fraction of (sample, unit) saturated at that step
    std::vector<double> saturatedPerUnit; // [units]: fraction of (step, sample) in which that unit is saturated
    std::vector<std::int32_t> saturatedCounts; // [steps * units]: samples in which (step, unit) is saturated

    // States only.
    bool exploding = false;
    HealthLocation firstExplode; // first |x| > explodeThreshold, or the step where growth passed the factor
    double growth = 1.0; // max |x| at the last step / max |x| at the first step (first floored, see .cpp)

    bool hasNonFinite() const { return nanCount > 0 || infCount > 0; }
    // The first step that is NaN, Inf or exploding; -1 when none is.
    Index firstBadStep() const;
    // Units sorted by how often they saturate, most first, at most `n`.
    std::vector<Index> mostSaturatedUnits(std::size_t n) const;
};

struct HealthReport
{
    std::vector<QuantityHealth> quantities; // in listSeries display order: states, gates, output, input
    std::int64_t nanCount = 0;
    std::int64_t infCount = 0;
    bool anyExploding = false;
    double saturatedFraction = 0.0; // over every gate value of the run
};

HealthReport scanHealth(const RunSnapshot& snapshot, const HealthOptions& options = {});

// The saturation rule of the scan, shared with whatever else judges saturation (breakpoints), so both agree.
// A gate is tanh-like when any recorded value of units [firstUnit, firstUnit + units) is negative anywhere in
// the run; `v` of such a gate is saturated at |v| > saturationHigh, of a [0,1] gate below saturationLow or above
// saturationHigh. NaN is never saturated.
bool gateIsTanhLike(const TraceSeries& series, Index firstUnit, Index units);
bool isSaturatedGateValue(float v, bool tanhLike, const HealthOptions& options);

} // namespace rnnscope
