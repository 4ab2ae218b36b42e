#include "layer_options.h"

#include <utility>

#include "bidirectional.h"
#include "layers/basic_layers.h"

namespace rnnscope {

void applyLayerOverrides(const LayerOverrides& o, Layer& layer, Model& model)
{
    if (auto* bi = dynamic_cast<BidirectionalLayer*>(&layer)) {
        if (o.returnSequences) {
            bi->setReturnSequences(*o.returnSequences);
        }
        if (o.returnState) {
            bi->setReturnState(*o.returnState);
        }
        if (o.stateful) {
            bi->setStateful(*o.stateful);
        }
        if (o.unroll) {
            bi->setUnroll(*o.unroll);
        }
        if (o.timeMajor) {
            bi->setTimeMajor(*o.timeMajor);
        }
        if (o.goBackwards) {
            bi->forward().options().goBackwards = *o.goBackwards;
            bi->backward().options().goBackwards = !*o.goBackwards;
        }
        if (o.zeroOutputForMask) {
            bi->forward().options().zeroOutputForMask = *o.zeroOutputForMask;
            bi->backward().options().zeroOutputForMask = *o.zeroOutputForMask;
        }
    } else {
        auto& opt = static_cast<RnnLayer&>(layer).options();
        opt.returnSequences = o.returnSequences.value_or(opt.returnSequences);
        opt.returnState = o.returnState.value_or(opt.returnState);
        opt.goBackwards = o.goBackwards.value_or(opt.goBackwards);
        opt.stateful = o.stateful.value_or(opt.stateful);
        opt.zeroOutputForMask = o.zeroOutputForMask.value_or(opt.zeroOutputForMask);
        opt.unroll = o.unroll.value_or(opt.unroll);
        opt.timeMajor = o.timeMajor.value_or(opt.timeMajor);
    }
    if (o.timeMajor) {
        // A time-major layer reads [T, B, F]: the model inputs that feed it directly are declared that way too.
        for (const auto& node : model.nodes()) {
            if (node.layer != &layer) {
                continue;
            }
            for (const auto& ref : node.inputs) {
                if (auto* in = dynamic_cast<InputLayer*>(model.nodes()[ref.node].layer)) {
                    Shape s = in->batchShape();
                    if (s.size() == 3 && *o.timeMajor != (s[0] >= 0 && s[1] < 0)) {
                        std::swap(s[0], s[1]);
                        in->setBatchShape(s);
                    }
                }
            }
        }
    }
    // Re-run shape inference: an option can break the layers downstream (Keras would refuse to build it).
    model.finalize();
}

std::optional<RnnOptions> currentOptions(const Layer& layer)
{
    if (const auto* bi = dynamic_cast<const BidirectionalLayer*>(&layer)) {
        return bi->forward().options();
    }
    if (const auto* rnn = dynamic_cast<const RnnLayer*>(&layer)) {
        return rnn->options();
    }
    return std::nullopt;
}

} // namespace rnnscope
