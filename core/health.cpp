#include "health.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rnnscope {

namespace {

// Growth is measured against the first step's max |x|, floored here: a state that starts near zero (as every
// zero-initialised state does) would otherwise "grow" a thousandfold by reaching 0.5. With the floor, a state
// bounded by tanh (|x| <= 1) can never pass a 10x growth factor; only one that really leaves [-1, 1] can.
constexpr double kGrowthFloor = 0.1;

struct Scan
{
    const TraceSeries* series = nullptr;
    Index firstUnit = 0;
    Index units = 0;
};

void scanValues(const Scan& s, QuantityHealth& q, const HealthOptions& options, bool isGate, bool isState)
{
    const Index steps = s.series->steps();
    const Index batch = s.series->batch();
    q.steps = steps;
    q.batch = batch;
    q.units = s.units;
    if (steps == 0 || batch == 0 || s.units == 0) {
        return;
    }

    // A gate that goes negative anywhere is a tanh-like candidate; decide before counting saturation.
    const bool tanhLike = isGate && gateIsTanhLike(*s.series, s.firstUnit, s.units);
    if (isGate) {
        q.saturationApplies = true;
        q.saturatedPerStep.assign(static_cast<std::size_t>(steps), 0.0);
        q.saturatedPerUnit.assign(static_cast<std::size_t>(s.units), 0.0);
        q.saturatedCounts.assign(static_cast<std::size_t>(steps * s.units), 0);
    }

    std::vector<double> stepMax(static_cast<std::size_t>(steps), 0.0);
    std::int64_t saturatedTotal = 0;
    for (Index t = 0; t < steps; ++t) {
        std::int64_t saturatedHere = 0;
        for (Index b = 0; b < batch; ++b) {
            for (Index u = 0; u < s.units; ++u) {
                const float v = s.series->at(t, b, s.firstUnit + u);
                if (std::isnan(v)) {
                    if (q.nanCount++ == 0) {
                        q.firstNan = {t, b, u};
                    }
                    continue;
                }
                if (std::isinf(v)) {
                    if (q.infCount++ == 0) {
                        q.firstInf = {t, b, u};
                    }
                    continue;
                }
                const double a = std::fabs(static_cast<double>(v));
                if (a > q.maxAbs) {
                    q.maxAbs = a;
                    q.maxAbsAt = {t, b, u};
                }
                stepMax[static_cast<std::size_t>(t)] = std::max(stepMax[static_cast<std::size_t>(t)], a);
                if (isState && a > options.explodeThreshold && !q.firstExplode.found()) {
                    q.firstExplode = {t, b, u};
                }
                if (isGate) {
                    if (isSaturatedGateValue(v, tanhLike, options)) {
                        ++saturatedHere;
                        ++q.saturatedCounts[static_cast<std::size_t>(t * s.units + u)];
                    }
                }
            }
        }
        if (isGate) {
            saturatedTotal += saturatedHere;
            q.saturatedPerStep[static_cast<std::size_t>(t)]
                = static_cast<double>(saturatedHere) / static_cast<double>(batch * s.units);
        }
    }

    if (isGate) {
        q.saturatedFraction = static_cast<double>(saturatedTotal) / static_cast<double>(steps * batch * s.units);
        for (Index u = 0; u < s.units; ++u) {
            std::int64_t n = 0;
            for (Index t = 0; t < steps; ++t) {
                n += q.saturatedCounts[static_cast<std::size_t>(t * s.units + u)];
            }
            q.saturatedPerUnit[static_cast<std::size_t>(u)]
                = static_cast<double>(n) / static_cast<double>(steps * batch);
        }
    }

    if (isState) {
        const double base = std::max(stepMax.front(), kGrowthFloor);
        q.growth = stepMax.back() / base;
        if (!q.firstExplode.found()) {
            for (Index t = 0; t < steps; ++t) {
                if (stepMax[static_cast<std::size_t>(t)] > options.explodeGrowth * base) {
                    q.firstExplode = {t, -1, -1};
                    break;
                }
            }
        }
        q.exploding = q.firstExplode.found();
    }
}

void scanLayer(const LayerTrace& layer, int layerIndex, int direction, const std::string& path,
    const HealthOptions& options, std::vector<QuantityHealth>& out)
{
    for (std::size_t c = 0; c < layer.cells.size(); ++c) {
        const CellTrace& cell = layer.cells[c];
        const std::string cellPath = layer.cells.size() > 1 ? path + " / cell " + std::to_string(c) : path;
        auto base = [&](HealthQuantityKind kind, const std::string& name) {
            QuantityHealth q;
            q.layer = layerIndex;
            q.direction = direction;
            q.cell = static_cast<int>(c);
            q.kind = kind;
            q.name = name;
            q.layerPath = cellPath;
            q.cellClass = cell.className;
            return q;
        };
        for (const auto& state : cell.states) {
            QuantityHealth q = base(HealthQuantityKind::State, state.name());
            if (!state.empty()) {
                scanValues({&state, 0, state.width()}, q, options, false, true);
            }
            out.push_back(std::move(q));
        }
        if (!cell.gates.empty() && !cell.gateNames.empty() && !cell.gates.front().empty()) {
            const TraceSeries& gates = cell.gates.front();
            const Index width = gates.width() / static_cast<Index>(cell.gateNames.size());
            for (std::size_t g = 0; g < cell.gateNames.size(); ++g) {
                QuantityHealth q = base(HealthQuantityKind::Gate, cell.gateNames[g]);
                scanValues({&gates, static_cast<Index>(g) * width, width}, q, options, true, false);
                out.push_back(std::move(q));
            }
        }
    }
    for (const auto& [kind, series] :
        {std::pair {HealthQuantityKind::Output, &layer.output}, std::pair {HealthQuantityKind::Input, &layer.input}}) {
        if (series->empty()) {
            continue;
        }
        QuantityHealth q;
        q.layer = layerIndex;
        q.direction = direction;
        q.kind = kind;
        q.name = kind == HealthQuantityKind::Output ? "output" : "input";
        q.layerPath = path;
        scanValues({series, 0, series->width()}, q, options, false, false);
        out.push_back(std::move(q));
    }
}

} // namespace

bool gateIsTanhLike(const TraceSeries& series, Index firstUnit, Index units)
{
    for (Index t = 0; t < series.steps(); ++t) {
        for (Index b = 0; b < series.batch(); ++b) {
            for (Index u = 0; u < units; ++u) {
                if (series.at(t, b, firstUnit + u) < 0.0F) {
                    return true;
                }
            }
        }
    }
    return false;
}

bool isSaturatedGateValue(float v, bool tanhLike, const HealthOptions& options)
{
    if (tanhLike) {
        return std::fabs(static_cast<double>(v)) > options.saturationHigh;
    }
    return v < options.saturationLow || v > options.saturationHigh;
}

Index QuantityHealth::firstBadStep() const
{
    Index first = -1;
    for (const HealthLocation* l : {&firstNan, &firstInf, &firstExplode}) {
        if (l->found() && (first < 0 || l->step < first)) {
            first = l->step;
        }
    }
    return first;
}

std::vector<Index> QuantityHealth::mostSaturatedUnits(std::size_t n) const
{
    std::vector<Index> units(saturatedPerUnit.size());
    std::iota(units.begin(), units.end(), Index {0});
    std::stable_sort(units.begin(), units.end(), [&](Index a, Index b) {
        return saturatedPerUnit[static_cast<std::size_t>(a)] > saturatedPerUnit[static_cast<std::size_t>(b)];
    });
    // Units that never saturate are no answer to "which saturate most".
    while (!units.empty() && saturatedPerUnit[static_cast<std::size_t>(units.back())] <= 0.0) {
        units.pop_back();
    }
    if (units.size() > n) {
        units.resize(n);
    }
    return units;
}

HealthReport scanHealth(const RunSnapshot& snapshot, const HealthOptions& options)
{
    HealthReport report;
    for (std::size_t l = 0; l < snapshot.trace.layers.size(); ++l) {
        const LayerTrace& top = snapshot.trace.layers[l];
        if (top.directions.empty()) {
            scanLayer(top, static_cast<int>(l), -1, top.name, options, report.quantities);
        } else {
            for (std::size_t d = 0; d < top.directions.size(); ++d) {
                scanLayer(top.directions[d], static_cast<int>(l), static_cast<int>(d),
                    top.name + " / " + top.directions[d].name, options, report.quantities);
            }
        }
    }
    std::int64_t gateValues = 0;
    double saturated = 0.0;
    for (const auto& q : report.quantities) {
        report.nanCount += q.nanCount;
        report.infCount += q.infCount;
        report.anyExploding = report.anyExploding || q.exploding;
        if (q.saturationApplies) {
            const auto n = static_cast<std::int64_t>(q.steps * q.batch * q.units);
            gateValues += n;
            saturated += q.saturatedFraction * static_cast<double>(n);
        }
    }
    report.saturatedFraction = gateValues > 0 ? saturated / static_cast<double>(gateValues) : 0.0;
    return report;
}

} // namespace rnnscope
