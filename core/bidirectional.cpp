#include "bidirectional.h"

#include "content_hash.h"
#include "errors.h"

namespace rnnscope {

MergeMode mergeModeFromName(const std::string& name)
{
    if (name == "concat") {
        return MergeMode::Concat;
    }
    if (name == "sum") {
        return MergeMode::Sum;
    }
    if (name == "mul") {
        return MergeMode::Mul;
    }
    if (name == "ave") {
        return MergeMode::Ave;
    }
    if (name.empty() || name == "none" || name == "None") {
        return MergeMode::None;
    }
    throw ModelError("unknown Bidirectional merge_mode '" + name + "' (expected concat, sum, mul, ave or None)");
}

std::string mergeModeName(MergeMode mode)
{
    switch (mode) {
    case MergeMode::Concat:
        return "concat";
    case MergeMode::Sum:
        return "sum";
    case MergeMode::Mul:
        return "mul";
    case MergeMode::Ave:
        return "ave";
    case MergeMode::None:
        return "None";
    }
    return "None";
}

BidirectionalLayer::BidirectionalLayer(
    std::string name, std::unique_ptr<RnnLayer> forward, std::unique_ptr<RnnLayer> backward, MergeMode mergeMode)
    : Layer(std::move(name))
    , m_forward(std::move(forward))
    , m_backward(std::move(backward))
    , m_mergeMode(mergeMode)
{
    if (m_forward->options().goBackwards == m_backward->options().goBackwards) {
        throw ModelError("Bidirectional '" + Layer::name()
            + "': forward and backward layers must have opposite go_backwards values");
    }
    if (m_forward->options().returnSequences != m_backward->options().returnSequences
        || m_forward->options().returnState != m_backward->options().returnState) {
        throw ModelError("Bidirectional '" + Layer::name()
            + "': forward and backward layers must agree on return_sequences and return_state");
    }
    setReturnSequences(m_forward->options().returnSequences);
}

std::string BidirectionalLayer::describe() const
{
    return "Bidirectional(" + m_forward->describe() + ", merge_mode=" + mergeModeName(m_mergeMode) + ")";
}

void BidirectionalLayer::build(const std::vector<Shape>& inputShapes)
{
    const std::vector<Shape> x {inputShapes.empty() ? Shape {} : inputShapes[0]};
    m_forward->build(x);
    m_backward->build(x);
}

std::uint64_t BidirectionalLayer::configurationHash()
{
    return ContentHash()
        .text(className())
        .text(mergeModeName(m_mergeMode))
        .number(m_forward->configurationHash())
        .number(m_backward->configurationHash())
        .value();
}

std::vector<WeightSlot> BidirectionalLayer::weights()
{
    auto w = m_forward->weights();
    for (auto& b : m_backward->weights()) {
        w.push_back(b);
    }
    return w;
}

std::vector<Shape> BidirectionalLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    const std::vector<Shape> x {inputShapes.empty() ? Shape {} : inputShapes[0]};
    auto f = m_forward->outputShapes(x);
    auto b = m_backward->outputShapes(x);
    std::vector<Shape> out;
    if (m_mergeMode == MergeMode::None) {
        out = {f[0], b[0]};
    } else if (m_mergeMode == MergeMode::Concat) {
        Shape s = f[0];
        s.back() = f[0].back() + b[0].back();
        out = {s};
    } else {
        out = {f[0]};
    }
    for (std::size_t i = 1; i < f.size(); ++i) {
        out.push_back(f[i]);
    }
    for (std::size_t i = 1; i < b.size(); ++i) {
        out.push_back(b[i]);
    }
    return out;
}

void BidirectionalLayer::resetStates()
{
    m_forward->resetStates();
    m_backward->resetStates();
}

void BidirectionalLayer::setReturnSequences(bool on)
{
    for (RnnLayer* l : {m_forward.get(), m_backward.get()}) {
        l->options().returnSequences = on;
        l->options().zeroOutputForMask = on; // Bidirectional.__init__ forces this on both directions
    }
}

void BidirectionalLayer::setReturnState(bool on)
{
    m_forward->options().returnState = on;
    m_backward->options().returnState = on;
}

void BidirectionalLayer::setStateful(bool on)
{
    m_forward->options().stateful = on;
    m_backward->options().stateful = on;
}

void BidirectionalLayer::setUnroll(bool on)
{
    m_forward->options().unroll = on;
    m_backward->options().unroll = on;
}

void BidirectionalLayer::setTimeMajor(bool on)
{
    m_forward->options().timeMajor = on;
    m_backward->options().timeMajor = on;
}

std::vector<LayerOutput> BidirectionalLayer::call(const std::vector<LayerInput>& inputs, CallContext& context)
{
    if (inputs.empty()) {
        expectInputCount(0, 1);
    }
    const Index nConstants = m_forward->options().numConstants;
    const std::size_t nStateInputs = inputs.size() - 1 - static_cast<std::size_t>(nConstants);
    const std::size_t nForward = static_cast<std::size_t>(m_forward->cell().stateCount());
    const std::size_t nBackward = static_cast<std::size_t>(m_backward->cell().stateCount());
    if (nStateInputs != 0 && nStateInputs != nForward + nBackward) {
        throw ModelError("Bidirectional '" + name() + "': initial_state needs " + std::to_string(nForward + nBackward)
            + " tensors (forward's then backward's), got " + std::to_string(nStateInputs));
    }
    std::vector<Tensor> forwardStates;
    std::vector<Tensor> backwardStates;
    for (std::size_t i = 0; i < nStateInputs; ++i) {
        (i < nForward ? forwardStates : backwardStates).push_back(*inputs[1 + i].tensor);
    }
    std::vector<Tensor> constants;
    for (std::size_t i = inputs.size() - static_cast<std::size_t>(nConstants); i < inputs.size(); ++i) {
        constants.push_back(*inputs[i].tensor);
    }

    LayerTrace* trace = nullptr;
    if (context.trace != nullptr && context.trace->recording.request.wantsLayer(name())) {
        context.trace->layers.emplace_back();
        trace = &context.trace->layers.back();
        trace->name = name();
        trace->recording = context.trace->recording;
        trace->className = "Bidirectional";
        trace->options = m_forward->optionList();
        trace->options.emplace_back("merge_mode", mergeModeName(m_mergeMode));
        trace->directions.resize(2);
        trace->directions[0].name = "forward";
        trace->directions[1].name = "backward";
        trace->directions[0].recording = trace->recording;
        trace->directions[1].recording = trace->recording;
    }
    auto editsFor = [&](const std::string& direction) -> const std::vector<StateEdit>* {
        if (context.edits == nullptr) {
            return nullptr;
        }
        auto it = context.edits->find(name() + "/" + direction);
        return it == context.edits->end() ? nullptr : &it->second;
    };
    const Tensor& x = *inputs[0].tensor;
    const Mask* mask = inputs[0].mask;
    RnnLoopResult y = m_forward->run(x, mask, std::move(forwardStates), constants,
        trace != nullptr ? &trace->directions[0] : nullptr, editsFor("forward"));
    RnnLoopResult yRev = m_backward->run(x, mask, std::move(backwardStates), constants,
        trace != nullptr ? &trace->directions[1] : nullptr, editsFor("backward"));
    if (trace != nullptr) {
        trace->units = trace->directions[0].units;
        trace->batch = trace->directions[0].batch;
        trace->steps = trace->directions[0].steps;
    }

    const bool sequences = m_forward->options().returnSequences;
    Tensor a = sequences ? std::move(y.outputs) : std::move(y.lastOutput);
    Tensor b = sequences ? std::move(yRev.outputs) : std::move(yRev.lastOutput);
    if (sequences) {
        // The backward layer emits in processing order; flip it back to input time (axis 1, or 0 if time-major).
        const bool timeMajor = m_backward->options().timeMajor;
        const Index batch = timeMajor ? b.dim(1) : b.dim(0);
        const Index steps = timeMajor ? b.dim(0) : b.dim(1);
        const Index width = b.dim(2);
        Tensor flipped(b.shape());
        for (Index i = 0; i < batch; ++i) {
            for (Index t = 0; t < steps; ++t) {
                const Index src = timeMajor ? ((steps - 1 - t) * batch + i) : (i * steps + steps - 1 - t);
                const Index dst = timeMajor ? (t * batch + i) : (i * steps + t);
                std::copy(b.data() + src * width, b.data() + (src + 1) * width, flipped.data() + dst * width);
            }
        }
        b = std::move(flipped);
    }
    std::optional<Mask> outMask;
    if (sequences && mask != nullptr) {
        outMask = *mask;
    }
    std::vector<LayerOutput> out;
    switch (m_mergeMode) {
    case MergeMode::None:
        out.push_back({std::move(a), outMask});
        out.push_back({std::move(b), outMask});
        break;
    case MergeMode::Concat: {
        Shape s = a.shape();
        const Index wa = a.shape().back();
        const Index wb = b.shape().back();
        s.back() = wa + wb;
        Tensor c(s);
        MatrixMap cm = c.matrix();
        cm.leftCols(wa) = a.matrix();
        cm.rightCols(wb) = b.matrix();
        out.push_back({std::move(c), outMask});
        break;
    }
    case MergeMode::Sum:
        a.matrix() += b.matrix();
        out.push_back({std::move(a), outMask});
        break;
    case MergeMode::Mul:
        a.matrix().array() *= b.matrix().array();
        out.push_back({std::move(a), outMask});
        break;
    case MergeMode::Ave:
        a.matrix() = (a.matrix() + b.matrix()) / 2.0F;
        out.push_back({std::move(a), outMask});
        break;
    }
    if (m_forward->options().returnState) {
        for (auto& s : y.states) {
            out.push_back({std::move(s), std::nullopt});
        }
        for (auto& s : yRev.states) {
            out.push_back({std::move(s), std::nullopt});
        }
    }
    return out;
}

} // namespace rnnscope
