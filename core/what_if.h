#pragma once
// What-if edits as the debugger's user makes them: "after step s of batch k, unit u of lstm's c holds 2.0 in
// sample 3". They are kept in this form (which survives re-runs, option changes and session files) and turned
// into the engine's StateEdits (rnn_loop.h) for each call of a run.
//
// An edit names the state the user sees after step s, so it becomes a StateEdit before step s+1: the trace shows
// the value at step s, and exactly the steps after s are recomputed from it.

#include <string>
#include <vector>

#include "layer.h"
#include "model.h"
#include "trace.h"

namespace rnnscope {

struct WhatIfEdit
{
    int batch = 0; // which call of a several-batch run (0-based)
    std::string layer; // recurrent layer name, or "<layer>/forward" / "<layer>/backward" for a Bidirectional
    Index step = 0; // processing step after which the state holds the new value
    int stateIndex = 0; // flattened Keras state order of the layer's cell (cell by cell for a stack)
    std::string stateName; // "h", "c" (for display; stateIndex decides)
    Index sample = 0;
    std::vector<Index> units; // which units are set; empty = the whole vector
    std::vector<float> values; // one per listed unit, or the state's full width when `units` is empty

    bool operator==(const WhatIfEdit&) const = default;
};

// The engine's edits for call `batch` of a run with `batchSize` samples. Throws ModelError naming the edit when
// its layer, state, sample, units or value count do not fit the model.
StateEditMap stateEditsForCall(const std::vector<WhatIfEdit>& edits, int batch, const Model& model, Index batchSize);

// The flattened state index of state `stateName` of leaf cell `cell` in a recorded layer (or direction), -1 when
// it has no such state.
int flattenedStateIndex(const LayerTrace& layer, int cell, const std::string& stateName);

// "lstm / c[14] = 2 after step 37 (sample 3)"
std::string describe(const WhatIfEdit& edit);

} // namespace rnnscope
