#include "breakpoints.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace rnnscope {

namespace {

// A series resolved against a trace: units [firstUnit, firstUnit + units) of a [steps, batch, width] TraceSeries,
// on the step axis of `layer` (the layer itself or one direction of a Bidirectional).
struct Resolved
{
    const LayerTrace* layer = nullptr;
    const TraceSeries* series = nullptr;
    Index firstUnit = 0;
    Index units = 0;
    int layerIndex = 0;
    int direction = -1;
    std::string path;

    float value(Index step, Index sample, Index unit) const { return series->at(step, sample, firstUnit + unit); }
};

const LayerTrace* layerOf(const ModelTrace& trace, int layer, int direction)
{
    if (layer < 0 || layer >= static_cast<int>(trace.layers.size())) {
        return nullptr;
    }
    const LayerTrace* l = &trace.layers[static_cast<std::size_t>(layer)];
    if (direction < 0) {
        return l->directions.empty() ? l : nullptr;
    }
    if (direction >= static_cast<int>(l->directions.size())) {
        return nullptr;
    }
    return &l->directions[static_cast<std::size_t>(direction)];
}

bool cellKind(HealthQuantityKind kind)
{
    return kind == HealthQuantityKind::State || kind == HealthQuantityKind::Gate;
}

std::optional<Resolved> resolve(const ModelTrace& trace, const TraceSeriesRef& ref)
{
    const LayerTrace* layer = layerOf(trace, ref.layer, ref.direction);
    if (layer == nullptr) {
        return std::nullopt;
    }
    Resolved r;
    r.layer = layer;
    r.layerIndex = ref.layer;
    r.direction = ref.direction;
    r.path = seriesPath(ref, &trace);
    if (ref.kind == HealthQuantityKind::Output || ref.kind == HealthQuantityKind::Input) {
        r.series = ref.kind == HealthQuantityKind::Output ? &layer->output : &layer->input;
        r.units = r.series->width();
    } else {
        if (ref.cell < 0 || ref.cell >= static_cast<int>(layer->cells.size())) {
            return std::nullopt;
        }
        const CellTrace& cell = layer->cells[static_cast<std::size_t>(ref.cell)];
        if (ref.kind == HealthQuantityKind::State) {
            for (const auto& s : cell.states) {
                if (s.name() == ref.name) {
                    r.series = &s;
                    r.units = s.width();
                }
            }
        } else if (!cell.gates.empty() && !cell.gateNames.empty()) {
            // All gates of a cell are one series side by side, each `units` wide (as core/health splits them).
            const Index width = cell.gates.front().width() / static_cast<Index>(cell.gateNames.size());
            for (std::size_t g = 0; g < cell.gateNames.size(); ++g) {
                if (cell.gateNames[g] == ref.name) {
                    r.series = &cell.gates.front();
                    r.firstUnit = static_cast<Index>(g) * width;
                    r.units = width;
                }
            }
        }
    }
    if (r.series == nullptr || r.series->empty() || r.units == 0) {
        return std::nullopt;
    }
    return r;
}

// Every state, gate, output and input series of the trace, in the views' display order.
std::vector<TraceSeriesRef> allSeries(const ModelTrace& trace)
{
    std::vector<TraceSeriesRef> refs;
    for (int l = 0; l < static_cast<int>(trace.layers.size()); ++l) {
        const LayerTrace& top = trace.layers[static_cast<std::size_t>(l)];
        const int directions = top.directions.empty() ? 1 : static_cast<int>(top.directions.size());
        for (int d = 0; d < directions; ++d) {
            const int direction = top.directions.empty() ? -1 : d;
            const LayerTrace* layer = layerOf(trace, l, direction);
            for (int c = 0; c < static_cast<int>(layer->cells.size()); ++c) {
                const CellTrace& cell = layer->cells[static_cast<std::size_t>(c)];
                for (const auto& s : cell.states) {
                    refs.push_back({l, direction, c, HealthQuantityKind::State, s.name()});
                }
                for (const auto& g : cell.gateNames) {
                    refs.push_back({l, direction, c, HealthQuantityKind::Gate, g});
                }
            }
            refs.push_back({l, direction, 0, HealthQuantityKind::Output, "output"});
            refs.push_back({l, direction, 0, HealthQuantityKind::Input, "input"});
        }
    }
    return refs;
}

std::string number(double v, int precision = 4)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    return buf;
}

// Enough digits that `a`, `b` and `c` print differently when they differ, so "1.99995 → 2.00004" across a threshold
// of 2 does not read "2 → 2".
int distinctPrecision(double a, double b, double c)
{
    for (int p = 3; p < 9; ++p) {
        const std::string sa = number(a, p);
        const std::string sb = number(b, p);
        const std::string sc = number(c, p);
        if ((a == b || sa != sb) && (a == c || sa != sc) && (b == c || sb != sc)) {
            return p;
        }
    }
    return 9;
}

std::string percent(double fraction)
{
    return number(fraction * 100.0, 3) + "%";
}

std::string crossingWord(CrossingDirection d)
{
    switch (d) {
    case CrossingDirection::Upward:
        return "upward";
    case CrossingDirection::Downward:
        return "downward";
    case CrossingDirection::Either:
        return "either way";
    }
    return {};
}

std::string where(Index step, Index sample)
{
    std::string s = "at step " + std::to_string(step);
    if (sample >= 0) {
        s += ", sample " + std::to_string(sample);
    }
    return s;
}

// Walks the (step, sample) pairs of `layer` with step in (afterStep, limit), step by step and sample by sample,
// skipping masked pairs, and calls visit(step, sample, previous) where `previous` is the sample's last unmasked
// step before `step` (-1 when it has none). Stops at the first visit that returns true; returns whether one did.
template <typename Visit>
bool walkSteps(const LayerTrace& layer, Index steps, Index batch, Index afterStep, Index limit,
    std::optional<Index> sample, Visit&& visit)
{
    const Index b0 = sample ? *sample : 0;
    const Index b1 = sample ? *sample + 1 : batch;
    if (b0 < 0 || b1 > batch || b0 >= b1) {
        return false;
    }
    const Index first = std::max<Index>(afterStep + 1, 0);
    const Index end = std::min(steps, limit);
    if (first >= end) {
        return false;
    }
    std::vector<Index> last(static_cast<std::size_t>(b1 - b0), -1);
    for (Index b = b0; b < b1; ++b) {
        for (Index s = std::min(first, steps) - 1; s >= 0; --s) {
            if (!layer.stepMasked(s, b)) {
                last[static_cast<std::size_t>(b - b0)] = s;
                break;
            }
        }
    }
    for (Index s = first; s < end; ++s) {
        for (Index b = b0; b < b1; ++b) {
            if (layer.stepMasked(s, b)) {
                continue;
            }
            Index& previous = last[static_cast<std::size_t>(b - b0)];
            if (visit(s, b, previous)) {
                return true;
            }
            previous = s;
        }
    }
    return false;
}

BreakHit hitAt(const Breakpoint& bp, const Resolved& r, Index step, Index sample)
{
    BreakHit h;
    h.breakpointId = bp.id;
    h.step = step;
    h.layer = r.layerIndex;
    h.direction = r.direction;
    h.sample = sample;
    return h;
}

std::optional<BreakHit> nonFiniteIn(
    const Breakpoint& bp, const Resolved& r, Index afterStep, Index limit, std::optional<Index> sample)
{
    std::optional<BreakHit> hit;
    walkSteps(*r.layer, r.series->steps(), r.series->batch(), afterStep, limit, sample,
        [&](Index s, Index b, Index previous) {
            for (Index u = 0; u < r.units; ++u) {
                const float v = r.value(s, b, u);
                if (std::isfinite(v) || (previous >= 0 && !std::isfinite(r.value(previous, b, u)))) {
                    continue;
                }
                hit = hitAt(bp, r, s, b);
                hit->unit = u;
                hit->value = v;
                const std::string what = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
                hit->message = what + " in " + r.path + " unit " + std::to_string(u) + " " + where(s, b);
                return true;
            }
            return false;
        });
    return hit;
}

std::optional<BreakHit> threshold(
    const Breakpoint& bp, const Resolved& r, Index afterStep, Index limit, std::optional<Index> sample)
{
    Index u0 = 0;
    Index u1 = r.units;
    if (bp.unit) {
        if (*bp.unit < 0 || *bp.unit >= r.units) {
            return std::nullopt;
        }
        u0 = *bp.unit;
        u1 = *bp.unit + 1;
    }
    std::optional<BreakHit> hit;
    walkSteps(*r.layer, r.series->steps(), r.series->batch(), afterStep, limit, sample,
        [&](Index s, Index b, Index previous) {
            if (previous < 0) {
                return false;
            }
            for (Index u = u0; u < u1; ++u) {
                const double v = r.value(s, b, u);
                const double p = r.value(previous, b, u);
                if (std::isnan(v) || std::isnan(p)) {
                    continue;
                }
                const bool above = v >= bp.threshold;
                if (above == (p >= bp.threshold)) {
                    continue;
                }
                if ((bp.crossing == CrossingDirection::Upward && !above)
                    || (bp.crossing == CrossingDirection::Downward && above)) {
                    continue;
                }
                hit = hitAt(bp, r, s, b);
                hit->unit = u;
                hit->value = v;
                hit->previous = p;
                const int prec = distinctPrecision(p, v, bp.threshold);
                hit->message = r.path + " unit " + std::to_string(u) + " crossed " + number(bp.threshold, prec)
                    + (above ? " upward (" : " downward (") + number(p, prec) + " \u2192 " + number(v, prec) + ") "
                    + where(s, b);
                return true;
            }
            return false;
        });
    return hit;
}

std::optional<BreakHit> saturation(const Breakpoint& bp, const Resolved& r, Index afterStep, Index limit,
    std::optional<Index> sample, const HealthOptions& options)
{
    // Tanh-like or not is decided over the whole run, as the health scan decides it.
    const bool tanhLike = gateIsTanhLike(*r.series, r.firstUnit, r.units);
    std::optional<BreakHit> hit;
    walkSteps(*r.layer, r.series->steps(), r.series->batch(), afterStep, limit, sample, [&](Index s, Index b, Index) {
        Index saturated = 0;
        for (Index u = 0; u < r.units; ++u) {
            saturated += isSaturatedGateValue(r.value(s, b, u), tanhLike, options) ? 1 : 0;
        }
        const double fraction = static_cast<double>(saturated) / static_cast<double>(r.units);
        if (fraction <= bp.saturatedFraction) {
            return false;
        }
        hit = hitAt(bp, r, s, b);
        hit->value = fraction;
        hit->message = r.path + ": " + std::to_string(saturated) + " of " + std::to_string(r.units) + " units ("
            + percent(fraction) + ") saturated, above " + percent(bp.saturatedFraction) + ", " + where(s, b);
        return true;
    });
    return hit;
}

std::optional<BreakHit> atStep(
    const Breakpoint& bp, const ModelTrace& trace, Index afterStep, Index limit, std::optional<Index> sample)
{
    if (bp.step <= afterStep || bp.step >= limit) {
        return std::nullopt;
    }
    const bool exists = std::any_of(trace.layers.begin(), trace.layers.end(), [&](const LayerTrace& l) {
        const Index steps = l.directions.empty() ? l.steps : l.directions.front().steps;
        return bp.step < steps;
    });
    if (!exists) {
        return std::nullopt;
    }
    BreakHit h;
    h.breakpointId = bp.id;
    h.step = bp.step;
    h.sample = sample.value_or(-1);
    h.message = "reached step " + std::to_string(bp.step);
    return h;
}

bool earlier(const BreakHit& a, const BreakHit& b)
{
    return a.step < b.step || (a.step == b.step && a.sample < b.sample);
}

// The first hit of one breakpoint at a step in (afterStep, limit).
std::optional<BreakHit> firstHit(const Breakpoint& bp, const ModelTrace& trace, Index afterStep, Index limit,
    std::optional<Index> sample, const HealthOptions& options)
{
    if (bp.kind == BreakKind::AtStep) {
        return atStep(bp, trace, afterStep, limit, sample);
    }
    if (bp.kind == BreakKind::NonFinite && bp.anySeries) {
        std::optional<BreakHit> best;
        for (const auto& ref : allSeries(trace)) {
            const auto r = resolve(trace, ref);
            if (!r) {
                continue;
            }
            // A later series can still win at the same step with a lower sample.
            auto hit = nonFiniteIn(bp, *r, afterStep, best ? best->step + 1 : limit, sample);
            if (hit && (!best || earlier(*hit, *best))) {
                best = std::move(hit);
            }
        }
        return best;
    }
    const auto r = resolve(trace, bp.series);
    if (!r) {
        return std::nullopt;
    }
    switch (bp.kind) {
    case BreakKind::NonFinite:
        return nonFiniteIn(bp, *r, afterStep, limit, sample);
    case BreakKind::Threshold:
        return threshold(bp, *r, afterStep, limit, sample);
    case BreakKind::Saturation:
        if (bp.series.kind != HealthQuantityKind::Gate) {
            return std::nullopt;
        }
        return saturation(bp, *r, afterStep, limit, sample, options);
    case BreakKind::AtStep:
        break;
    }
    return std::nullopt;
}

std::string describeWith(const Breakpoint& bp, const ModelTrace* trace)
{
    switch (bp.kind) {
    case BreakKind::AtStep:
        return "at step " + std::to_string(bp.step);
    case BreakKind::NonFinite:
        return bp.anySeries ? "NaN/Inf in any series" : "NaN/Inf in " + seriesPath(bp.series, trace);
    case BreakKind::Threshold: {
        std::string s = seriesPath(bp.series, trace);
        s += bp.unit ? " unit " + std::to_string(*bp.unit) : std::string(" any unit");
        s += " crosses " + number(bp.threshold, 6);
        return s + " " + crossingWord(bp.crossing);
    }
    case BreakKind::Saturation:
        return seriesPath(bp.series, trace) + ": more than " + percent(bp.saturatedFraction) + " of units saturated";
    }
    return {};
}

} // namespace

std::string seriesPath(const TraceSeriesRef& ref, const ModelTrace* trace)
{
    std::string path;
    const LayerTrace* layer = trace != nullptr ? layerOf(*trace, ref.layer, ref.direction) : nullptr;
    if (layer != nullptr) {
        path = trace->layers[static_cast<std::size_t>(ref.layer)].name;
        if (ref.direction >= 0) {
            path += " / " + layer->name;
        }
        if (cellKind(ref.kind) && layer->cells.size() > 1) {
            path += " / cell " + std::to_string(ref.cell);
        }
    } else {
        path = "layer " + std::to_string(ref.layer);
        if (ref.direction >= 0) {
            path += ref.direction == 0 ? " / forward" : (ref.direction == 1 ? " / backward" : " / ?");
        }
        if (cellKind(ref.kind) && ref.cell > 0) {
            path += " / cell " + std::to_string(ref.cell);
        }
    }
    return path + " / " + ref.name;
}

std::string describe(const Breakpoint& breakpoint)
{
    return describeWith(breakpoint, nullptr);
}

std::string describe(const Breakpoint& breakpoint, const ModelTrace& trace)
{
    return describeWith(breakpoint, &trace);
}

std::optional<BreakHit> findNextBreak(const ModelTrace& trace, Index afterStep, std::span<const Breakpoint> breakpoints,
    std::optional<Index> sample, const HealthOptions& health)
{
    std::optional<BreakHit> best;
    for (const Breakpoint& bp : breakpoints) {
        if (!bp.enabled) {
            continue;
        }
        // Only a strictly earlier step can beat a breakpoint listed before this one.
        const Index limit = best ? best->step : std::numeric_limits<Index>::max();
        if (auto hit = firstHit(bp, trace, afterStep, limit, sample, health)) {
            best = std::move(hit);
        }
    }
    return best;
}

std::optional<BreakHit> findNextBreak(const RunSnapshot& snapshot, Index afterStep,
    std::span<const Breakpoint> breakpoints, std::optional<Index> sample, const HealthOptions& health)
{
    if (!snapshot.error.empty()) {
        return std::nullopt;
    }
    return findNextBreak(snapshot.trace, afterStep, breakpoints, sample, health);
}

} // namespace rnnscope
