#pragma once
// Changing a recurrent layer's Keras options on a loaded model, shared by `rnnscope-cli run` (--go-backwards=on ...)
// and the debugger's live option checkboxes, so both apply an option the same way (Bidirectional directions,
// time-major model inputs) and both re-check the model's shapes afterwards.

#include <optional>

#include "model.h"
#include "rnn_layer.h"

namespace rnnscope {

struct LayerOverrides
{
    std::optional<bool> returnSequences;
    std::optional<bool> returnState;
    std::optional<bool> goBackwards;
    std::optional<bool> stateful;
    std::optional<bool> zeroOutputForMask;
    std::optional<bool> timeMajor;
    std::optional<bool> unroll;
    bool any() const
    {
        return returnSequences || returnState || goBackwards || stateful || zeroOutputForMask || timeMajor || unroll;
    }
};

// Sets the given options on `layer` (an RnnLayer or a Bidirectional, whose backward direction keeps the opposite
// go_backwards), declares the model inputs feeding it directly as [T,B,F] when time_major changes, then re-runs
// Model::finalize(). Throws ModelError when the change breaks the model downstream; the options stay changed then,
// and the caller reverts them by applying the previous values (see currentOptions()).
void applyLayerOverrides(const LayerOverrides& overrides, Layer& layer, Model& model);

// The options of a recurrent layer as a user sees them (a Bidirectional's forward direction); nullopt for a layer
// that is not recurrent.
std::optional<RnnOptions> currentOptions(const Layer& layer);

} // namespace rnnscope
