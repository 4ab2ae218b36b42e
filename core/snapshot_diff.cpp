#include "snapshot_diff.h"

#include <algorithm>

namespace rnnscope {

namespace {

std::string shapeText(const Shape& shape)
{
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        s += (i > 0 ? "," : "") + std::to_string(shape[i]);
    }
    return s + "]";
}

// "a GRUCell", "an LSTMCell" (said "el-es-tee-em").
std::string article(const std::string& word)
{
    const bool vowelSound = word.starts_with("LSTM")
        || (!word.empty() && std::string("AEIOUaeiou").find(word.front()) != std::string::npos);
    return (vowelSound ? "an " : "a ") + word;
}

Shape seriesShape(const TraceSeries& s)
{
    return {s.batch(), s.steps(), s.width()}; // the trace file's batch-major layout, which users know
}

// Why `current` and `baseline` cannot be subtracted, or "" when they can. Checks everything subtract() relies on.
class StructureCheck
{
public:
    std::string error;

    bool series(const std::string& path, const TraceSeries& cur, const TraceSeries& base)
    {
        if (seriesShape(cur) != seriesShape(base) || cur.name() != base.name()) {
            return fail("baseline " + path + " is " + shapeText(seriesShape(base)) + ", current is "
                + shapeText(seriesShape(cur)));
        }
        return true;
    }

    bool seriesList(const std::string& path, const std::vector<TraceSeries>& cur, const std::vector<TraceSeries>& base)
    {
        if (cur.size() != base.size()) {
            return fail(path + " has " + std::to_string(base.size()) + " series in the baseline, "
                + std::to_string(cur.size()) + " in the current run");
        }
        for (std::size_t i = 0; i < cur.size(); ++i) {
            if (cur[i].name() != base[i].name()) {
                return fail(path + " series " + std::to_string(i) + " is " + base[i].name() + " in the baseline, "
                    + cur[i].name() + " in the current run");
            }
            if (!series(path + " / " + cur[i].name(), cur[i], base[i])) {
                return false;
            }
        }
        return true;
    }

    bool layer(const std::string& path, const LayerTrace& cur, const LayerTrace& base)
    {
        if (cur.className != base.className) {
            return fail(path + " is " + base.className + " in the baseline, " + cur.className + " in the current run");
        }
        if (cur.directions.size() != base.directions.size() || cur.cells.size() != base.cells.size()) {
            return fail(path + " has " + std::to_string(base.cells.size() + base.directions.size())
                + " cells or directions in the baseline, " + std::to_string(cur.cells.size() + cur.directions.size())
                + " in the current run");
        }
        for (std::size_t c = 0; c < cur.cells.size(); ++c) {
            const CellTrace& cc = cur.cells[c];
            const CellTrace& bc = base.cells[c];
            const std::string cellPath = cur.cells.size() > 1 ? path + " / cell " + std::to_string(c) : path;
            if (cc.className != bc.className || cc.gateNames != bc.gateNames) {
                return fail(cellPath + " runs " + article(bc.className) + " in the baseline, " + article(cc.className)
                    + " in the current run");
            }
            if (!seriesList(cellPath, cc.states, bc.states) || !seriesList(cellPath, cc.gates, bc.gates)
                || !series(cellPath + " / cell input", cc.input, bc.input)
                || !series(cellPath + " / cell output", cc.output, bc.output)) {
                return false;
            }
        }
        // States first: they are what a user compares, so a length change is reported as "lstm / h is ...".
        if (!series(path + " / output", cur.output, base.output) || !series(path + " / input", cur.input, base.input)) {
            return false;
        }
        for (std::size_t d = 0; d < cur.directions.size(); ++d) {
            const LayerTrace& cd = cur.directions[d];
            if (cd.name != base.directions[d].name) {
                return fail(path + " direction " + std::to_string(d) + " is " + base.directions[d].name
                    + " in the baseline, " + cd.name + " in the current run");
            }
            if (!layer(path + " / " + cd.name, cd, base.directions[d])) {
                return false;
            }
        }
        return true;
    }

    bool tensors(const std::string& what, const std::vector<std::pair<std::string, Tensor>>& cur,
        const std::vector<std::pair<std::string, Tensor>>& base)
    {
        if (cur.size() != base.size()) {
            return fail("the baseline has " + std::to_string(base.size()) + " " + what + ", the current run "
                + std::to_string(cur.size()));
        }
        for (std::size_t i = 0; i < cur.size(); ++i) {
            if (cur[i].first != base[i].first) {
                return fail(what + " " + std::to_string(i) + " is " + base[i].first + " in the baseline, "
                    + cur[i].first + " in the current run");
            }
            if (cur[i].second.shape() != base[i].second.shape()) {
                return fail("baseline " + what + " " + cur[i].first + " is " + shapeText(base[i].second.shape())
                    + ", current is " + shapeText(cur[i].second.shape()));
            }
        }
        return true;
    }

private:
    bool fail(std::string message)
    {
        error = std::move(message);
        return false;
    }
};

// For each current step, the baseline step that consumed the same input timestep. When go_backwards differs
// between the runs, processing order differs, and subtracting step for step would compare different inputs.
// Identity when the step_time lists are not permutations of each other.
std::vector<Index> alignSteps(const LayerTrace& cur, const LayerTrace& base)
{
    std::vector<Index> map(static_cast<std::size_t>(cur.steps));
    for (Index s = 0; s < cur.steps; ++s) {
        map[static_cast<std::size_t>(s)] = s;
    }
    if (cur.stepTime == base.stepTime || cur.stepTime.size() != base.stepTime.size()
        || cur.stepTime.size() != map.size()) {
        return map;
    }
    if (!std::is_permutation(cur.stepTime.begin(), cur.stepTime.end(), base.stepTime.begin())) {
        return map;
    }
    for (std::size_t s = 0; s < map.size(); ++s) {
        const auto it = std::find(base.stepTime.begin(), base.stepTime.end(), cur.stepTime[s]);
        map[s] = static_cast<Index>(it - base.stepTime.begin());
    }
    return map;
}

void subtract(TraceSeries& cur, const TraceSeries& base, const std::vector<Index>& baseStep)
{
    const Index block = cur.batch() * cur.width();
    for (Index s = 0; s < cur.steps(); ++s) {
        float* d = cur.stepData(s);
        const Index bs = s < static_cast<Index>(baseStep.size()) ? baseStep[static_cast<std::size_t>(s)] : s;
        const float* b = base.stepData(bs);
        for (Index i = 0; i < block; ++i) {
            d[i] -= b[i];
        }
    }
}

void subtractLayer(LayerTrace& cur, const LayerTrace& base)
{
    const std::vector<Index> steps = alignSteps(cur, base);
    subtract(cur.input, base.input, steps);
    subtract(cur.output, base.output, steps);
    for (std::size_t c = 0; c < cur.cells.size(); ++c) {
        CellTrace& cc = cur.cells[c];
        const CellTrace& bc = base.cells[c];
        for (std::size_t i = 0; i < cc.states.size(); ++i) {
            subtract(cc.states[i], bc.states[i], steps);
        }
        for (std::size_t i = 0; i < cc.gates.size(); ++i) {
            subtract(cc.gates[i], bc.gates[i], steps);
        }
        subtract(cc.input, bc.input, steps);
        subtract(cc.output, bc.output, steps);
    }
    for (std::size_t d = 0; d < cur.directions.size(); ++d) {
        subtractLayer(cur.directions[d], base.directions[d]);
    }
}

void subtractTensors(
    std::vector<std::pair<std::string, Tensor>>& cur, const std::vector<std::pair<std::string, Tensor>>& base)
{
    for (std::size_t i = 0; i < cur.size(); ++i) {
        float* d = cur[i].second.data();
        const float* b = base[i].second.data();
        for (Index k = 0; k < cur[i].second.size(); ++k) {
            d[k] -= b[k];
        }
    }
}

std::string structureError(const RunSnapshot& current, const RunSnapshot& baseline)
{
    if (!current.error.empty()) {
        return "the current run failed: " + current.error;
    }
    if (!baseline.error.empty()) {
        return "the baseline run failed: " + baseline.error;
    }
    const auto& cur = current.trace.layers;
    const auto& base = baseline.trace.layers;
    if (cur.size() != base.size()) {
        return "the baseline has " + std::to_string(base.size()) + " recurrent layers, the current run "
            + std::to_string(cur.size());
    }
    StructureCheck check;
    for (std::size_t l = 0; l < cur.size(); ++l) {
        if (cur[l].name != base[l].name) {
            return "recurrent layer " + std::to_string(l) + " is " + base[l].name + " in the baseline, " + cur[l].name
                + " in the current run";
        }
        if (!check.layer(cur[l].name, cur[l], base[l])) {
            return check.error;
        }
    }
    if (!check.tensors("input", current.inputs, baseline.inputs)
        || !check.tensors("output", current.outputs, baseline.outputs)) {
        return check.error;
    }
    return {};
}

} // namespace

RunSnapshot diffSnapshot(const RunSnapshot& current, const RunSnapshot& baseline)
{
    if (std::string error = structureError(current, baseline); !error.empty()) {
        RunSnapshot failed;
        failed.generation = current.generation;
        failed.batch = current.batch;
        failed.batches = current.batches;
        failed.runMilliseconds = current.runMilliseconds;
        failed.error = "cannot compare with the baseline: " + error;
        return failed;
    }
    RunSnapshot diff = current;
    for (std::size_t l = 0; l < diff.trace.layers.size(); ++l) {
        subtractLayer(diff.trace.layers[l], baseline.trace.layers[l]);
    }
    subtractTensors(diff.inputs, baseline.inputs);
    subtractTensors(diff.outputs, baseline.outputs);
    return diff;
}

} // namespace rnnscope
