#pragma once
// Re-running from the changed layer on. A call of Model::predict can record, for every node of the graph, a
// signature of everything its outputs depend on (its layer's class, options, weights and what-if edits, and the
// signatures of its inputs, down to the model inputs' values and masks) together with those outputs. The next call,
// handed that record, takes a node's outputs (and the trace layers it recorded) from it instead of calling the layer
// when the signatures are equal: toggling an option of a model's last recurrent layer re-runs only that layer.
// Stateful layers are always called (their states move on with every call).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "layer.h"

namespace rnnscope {

struct NodeRecord
{
    bool valid = false;
    std::uint64_t signature = 0;
    std::vector<LayerOutput> outputs;
    std::size_t firstTraceLayer = 0; // the trace layers the node recorded: ModelTrace::layers[first, first + count)
    std::size_t traceLayers = 0;
};

struct CallRecord
{
    std::vector<NodeRecord> nodes; // by Model::nodes() index
    std::size_t reusedNodes = 0; // how many nodes of this call were taken from the record it was given
    std::size_t calledNodes = 0; // how many were computed
};

} // namespace rnnscope
