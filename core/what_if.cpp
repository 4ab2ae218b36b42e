#include "what_if.h"

#include <sstream>

#include "bidirectional.h"
#include "errors.h"
#include "rnn_layer.h"

namespace rnnscope {

namespace {

// The RnnLayer an edit's layer key names: "<layer>" or "<layer>/forward|backward".
const RnnLayer* findRecurrent(const Model& model, const std::string& key)
{
    const auto slash = key.rfind('/');
    if (slash != std::string::npos) {
        const std::string direction = key.substr(slash + 1);
        if (const auto* bi = dynamic_cast<const BidirectionalLayer*>(model.findLayer(key.substr(0, slash)))) {
            if (direction == "forward") {
                return &bi->forward();
            }
            if (direction == "backward") {
                return &bi->backward();
            }
        }
    }
    return dynamic_cast<const RnnLayer*>(model.findLayer(key));
}

} // namespace

StateEditMap stateEditsForCall(const std::vector<WhatIfEdit>& edits, int batch, const Model& model, Index batchSize)
{
    StateEditMap map;
    for (const WhatIfEdit& e : edits) {
        if (e.batch != batch) {
            continue;
        }
        const RnnLayer* rnn = findRecurrent(model, e.layer);
        if (rnn == nullptr || !rnn->built()) {
            throw ModelError("what-if edit " + describe(e) + ": the model has no recurrent layer '" + e.layer + "'");
        }
        const auto states = rnn->cell().states();
        if (e.stateIndex < 0 || static_cast<std::size_t>(e.stateIndex) >= states.size()) {
            throw ModelError(
                "what-if edit " + describe(e) + ": '" + e.layer + "' has " + std::to_string(states.size()) + " states");
        }
        const Index width = states[static_cast<std::size_t>(e.stateIndex)].size;
        if (e.sample < 0 || e.sample >= batchSize) {
            throw ModelError(
                "what-if edit " + describe(e) + ": the batch has " + std::to_string(batchSize) + " samples");
        }
        const std::size_t want = e.units.empty() ? static_cast<std::size_t>(width) : e.units.size();
        if (e.values.size() != want) {
            throw ModelError("what-if edit " + describe(e) + ": " + std::to_string(e.values.size())
                + " values given for " + std::to_string(want) + (e.units.empty() ? " units of the state" : " units"));
        }
        StateEdit edit;
        edit.step = e.step + 1; // the state after step s is the one step s+1 starts from
        edit.stateIndex = e.stateIndex;
        edit.samples = {e.sample};
        edit.units = e.units;
        edit.values = RowMatrix::Zero(batchSize, width);
        for (std::size_t i = 0; i < want; ++i) {
            const Index unit = e.units.empty() ? static_cast<Index>(i) : e.units[i];
            if (unit < 0 || unit >= width) {
                throw ModelError("what-if edit " + describe(e) + ": unit " + std::to_string(unit) + " of a state of "
                    + std::to_string(width) + " units");
            }
            edit.values(e.sample, unit) = e.values[i];
        }
        map[e.layer].push_back(std::move(edit));
    }
    return map;
}

int flattenedStateIndex(const LayerTrace& layer, int cell, const std::string& stateName)
{
    int index = 0;
    for (int k = 0; k < static_cast<int>(layer.cells.size()); ++k) {
        const auto& states = layer.cells[static_cast<std::size_t>(k)].states;
        for (const auto& s : states) {
            if (k == cell && s.name() == stateName) {
                return index;
            }
            ++index;
        }
    }
    return -1;
}

std::string describe(const WhatIfEdit& edit)
{
    std::ostringstream text;
    text << edit.layer << " / " << edit.stateName;
    if (edit.units.size() == 1 && edit.values.size() == 1) {
        text << "[" << edit.units.front() << "] = " << edit.values.front();
    } else if (edit.units.empty()) {
        text << " = a vector of " << edit.values.size();
    } else {
        text << " (" << edit.units.size() << " units) set";
    }
    text << " after step " << edit.step << " (sample " << edit.sample;
    if (edit.batch > 0) {
        text << ", batch " << edit.batch + 1;
    }
    text << ")";
    return text.str();
}

} // namespace rnnscope
