#include "trace_slice.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace rnnscope {

namespace {

// The kept steps of a layer with `steps` steps: [first, last] clipped to it; empty when it starts after the layer.
struct StepRange
{
    Index first = 0;
    Index count = 0;
};

StepRange rangeFor(Index steps, Index firstStep, Index lastStep)
{
    const Index last = std::min(lastStep, steps - 1);
    return {std::min(firstStep, steps), std::max<Index>(0, last - firstStep + 1)};
}

TraceSeries sliceSeries(const TraceSeries& series, const StepRange& range, const std::vector<Index>& samples)
{
    if (series.empty() && series.steps() == 0) {
        return series;
    }
    TraceSeries out(series.name(), range.count, static_cast<Index>(samples.size()), series.width());
    const Index width = series.width();
    for (Index s = 0; s < range.count; ++s) {
        for (std::size_t j = 0; j < samples.size(); ++j) {
            const float* src = series.stepData(range.first + s) + samples[j] * width;
            std::copy(src, src + width, out.stepData(s) + static_cast<Index>(j) * width);
        }
    }
    return out;
}

LayerTrace sliceLayer(const LayerTrace& layer, Index firstStep, Index lastStep, const std::vector<Index>& samples)
{
    LayerTrace out;
    out.name = layer.name;
    out.className = layer.className;
    out.units = layer.units;
    out.options = layer.options;
    const StepRange range = rangeFor(layer.steps, firstStep, lastStep);
    out.batch = static_cast<Index>(samples.size());
    out.steps = range.count;
    if (!layer.stepTime.empty()) {
        const auto begin = layer.stepTime.begin() + range.first;
        out.stepTime.assign(begin, begin + range.count);
    }
    if (!layer.mask.empty()) {
        out.mask.resize(static_cast<std::size_t>(range.count * out.batch));
        for (Index s = 0; s < range.count; ++s) {
            for (std::size_t j = 0; j < samples.size(); ++j) {
                out.mask[static_cast<std::size_t>(s * out.batch) + j]
                    = layer.mask[static_cast<std::size_t>((range.first + s) * layer.batch + samples[j])];
            }
        }
    }
    out.input = sliceSeries(layer.input, range, samples);
    out.output = sliceSeries(layer.output, range, samples);
    for (const CellTrace& cell : layer.cells) {
        CellTrace c;
        c.className = cell.className;
        c.gateNames = cell.gateNames;
        for (const auto& s : cell.states) {
            c.states.push_back(sliceSeries(s, range, samples));
        }
        for (const auto& g : cell.gates) {
            c.gates.push_back(sliceSeries(g, range, samples));
        }
        c.input = sliceSeries(cell.input, range, samples);
        c.output = sliceSeries(cell.output, range, samples);
        out.cells.push_back(std::move(c));
    }
    for (const LayerTrace& d : layer.directions) {
        out.directions.push_back(sliceLayer(d, firstStep, lastStep, samples));
    }
    return out;
}

// The run's batch: the first layer's, else the first input's leading axis.
Index batchOf(const RunSnapshot& snapshot)
{
    if (!snapshot.trace.layers.empty()) {
        return snapshot.trace.layers.front().batch;
    }
    if (!snapshot.inputs.empty() && snapshot.inputs.front().second.rank() > 0) {
        return snapshot.inputs.front().second.dim(0);
    }
    return 0;
}

bool timeMajor(const ModelTrace& trace)
{
    for (const LayerTrace& layer : trace.layers) {
        for (const auto& [key, value] : layer.options) {
            if (key == "time_major" && value == "True") {
                return true;
            }
        }
    }
    return false;
}

Tensor sliceTensor(const Tensor& t, Index batch, bool keepWhole, const std::vector<Index>& samples)
{
    if (keepWhole || t.rank() < 1 || t.dim(0) != batch) {
        return t;
    }
    Shape shape = t.shape();
    shape[0] = static_cast<Index>(samples.size());
    Tensor out(shape);
    const Index row = batch > 0 ? t.size() / batch : 0;
    for (std::size_t j = 0; j < samples.size(); ++j) {
        std::copy(
            t.data() + samples[j] * row, t.data() + (samples[j] + 1) * row, out.data() + static_cast<Index>(j) * row);
    }
    return out;
}

} // namespace

RunSnapshot sliceSnapshot(
    const RunSnapshot& snapshot, Index firstStep, Index lastStep, const std::vector<Index>& samples)
{
    if (firstStep < 0 || lastStep < firstStep) {
        throw std::invalid_argument("step range " + std::to_string(firstStep) + ".." + std::to_string(lastStep)
            + " is empty or starts before step 0");
    }
    const Index batch = batchOf(snapshot);
    std::vector<Index> kept = samples;
    if (kept.empty()) {
        for (Index b = 0; b < batch; ++b) {
            kept.push_back(b);
        }
    }
    for (const Index b : kept) {
        if (b < 0 || b >= batch) {
            throw std::invalid_argument(
                "sample " + std::to_string(b) + " is outside the run's batch of " + std::to_string(batch));
        }
    }

    RunSnapshot out;
    out.generation = snapshot.generation;
    out.batch = snapshot.batch;
    out.batches = snapshot.batches;
    out.error = snapshot.error;
    out.runMilliseconds = snapshot.runMilliseconds;
    out.viewLabel = snapshot.viewLabel;
    for (const LayerTrace& layer : snapshot.trace.layers) {
        out.trace.layers.push_back(sliceLayer(layer, firstStep, lastStep, kept));
    }
    const bool whole = timeMajor(snapshot.trace);
    for (const auto& [name, tensor] : snapshot.inputs) {
        out.inputs.emplace_back(name, sliceTensor(tensor, batch, whole, kept));
    }
    for (const auto& [name, tensor] : snapshot.outputs) {
        out.outputs.emplace_back(name, sliceTensor(tensor, batch, whole, kept));
    }
    if (snapshot.mask) {
        const Mask& m = *snapshot.mask;
        if (m.batch() == batch) {
            Mask sliced(static_cast<Index>(kept.size()), m.steps());
            for (std::size_t j = 0; j < kept.size(); ++j) {
                for (Index t = 0; t < m.steps(); ++t) {
                    sliced.set(static_cast<Index>(j), t, m.at(kept[j], t));
                }
            }
            out.mask = std::move(sliced);
        } else {
            out.mask = m;
        }
    }
    return out;
}

} // namespace rnnscope
