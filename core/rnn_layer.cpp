#include "rnn_layer.h"

#include "content_hash.h"
#include "errors.h"

namespace rnnscope {

namespace {
std::string boolText(bool on)
{
    return on ? "True" : "False";
}
} // namespace

RnnLayer::RnnLayer(std::string name, std::string className, CellBuilder cellBuilder, RnnOptions options,
    StatefulInitialState statefulRule)
    : Layer(std::move(name))
    , m_className(std::move(className))
    , m_cellBuilder(std::move(cellBuilder))
    , m_options(options)
    , m_statefulRule(statefulRule)
{
}

RnnLayer::RnnLayer(std::string name, std::string className, std::unique_ptr<RnnCell> cell, RnnOptions options,
    StatefulInitialState statefulRule)
    : Layer(std::move(name))
    , m_className(std::move(className))
    , m_cell(std::move(cell))
    , m_options(options)
    , m_statefulRule(statefulRule)
{
}

RnnCell& RnnLayer::cell()
{
    if (!m_cell) {
        throw ModelError("layer '" + name() + "' (" + m_className + ") is not built yet");
    }
    return *m_cell;
}

const RnnCell& RnnLayer::cell() const
{
    return const_cast<RnnLayer*>(this)->cell();
}

void RnnLayer::build(const std::vector<Shape>& inputShapes)
{
    if (m_cell) {
        return;
    }
    if (inputShapes.empty() || inputShapes[0].size() != 3) {
        throw ModelError("layer '" + name() + "' (" + m_className
            + ") expects inputs of rank 3 (batch, timesteps, features), got "
            + (inputShapes.empty() ? std::string("none") : shapeToString(inputShapes[0])));
    }
    const Index features = inputShapes[0][2];
    if (features < 0) {
        throw ModelError("layer '" + name() + "' (" + m_className + "): the feature dimension of its input "
            + shapeToString(inputShapes[0]) + " must be known");
    }
    m_cell = m_cellBuilder(features);
}

std::vector<WeightSlot> RnnLayer::weights()
{
    return cell().weights();
}

std::vector<std::pair<std::string, std::string>> RnnLayer::optionList() const
{
    return {{"return_sequences", boolText(m_options.returnSequences)},
        {"return_state", boolText(m_options.returnState)}, {"go_backwards", boolText(m_options.goBackwards)},
        {"stateful", boolText(m_options.stateful)}, {"unroll", boolText(m_options.unroll)},
        {"time_major", boolText(m_options.timeMajor)}, {"zero_output_for_mask", boolText(m_options.zeroOutputForMask)}};
}

std::uint64_t RnnLayer::configurationHash()
{
    ContentHash h;
    h.number(Layer::configurationHash());
    for (const auto& [key, value] : optionList()) {
        h.text(key).text(value);
    }
    h.number(m_options.inputLength.value_or(-1)).number(m_options.fixedBatch.value_or(-1));
    h.number(static_cast<std::uint64_t>(m_options.numConstants));
    if (m_cell) {
        for (const RnnCell* c : m_cell->leafCells()) {
            h.text(c->className());
            for (const auto& [key, value] : c->config()) {
                h.text(key).text(value);
            }
        }
    }
    for (const auto& s : m_initialStateOverride) {
        h.bytes(s.shape().data(), s.shape().size() * sizeof(Index)).bytes(s.data(), s.size() * sizeof(float));
    }
    return h.value();
}

std::string RnnLayer::describe() const
{
    std::string d = m_className + "(" + (m_cell ? std::to_string(m_cell->units()) : std::string("?"));
    if (m_cell && m_cell->leafCells().size() == 1) {
        for (const auto& [key, value] : m_cell->config()) {
            d += ", " + key + "=" + value;
        }
    }
    for (const auto& [key, value] : optionList()) {
        if (value == "True") {
            d += ", " + key;
        }
    }
    if (m_cell && m_cell->leafCells().size() > 1) {
        d += ", cells=[";
        bool first = true;
        for (const RnnCell* c : m_cell->leafCells()) {
            d += (first ? "" : ", ") + c->className() + "(" + std::to_string(c->units()) + ")";
            first = false;
        }
        d += "]";
    }
    return d + ")";
}

std::vector<Shape> RnnLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    if (inputShapes.empty() || inputShapes[0].size() != 3) {
        throw ModelError("layer '" + name() + "' (" + m_className
            + ") expects inputs of rank 3 (batch, timesteps, features), got "
            + (inputShapes.empty() ? std::string("none") : shapeToString(inputShapes[0])));
    }
    const Shape& in = inputShapes[0];
    const Index batch = m_options.timeMajor ? in[1] : in[0];
    const Index steps = m_options.timeMajor ? in[0] : in[1];
    const RnnCell& c = cell();
    if (in[2] >= 0 && in[2] != c.inputSize()) {
        throw ModelError("layer '" + name() + "' (" + m_className + ") expects " + std::to_string(c.inputSize())
            + " input features, got input shape " + shapeToString(in));
    }
    std::vector<Shape> out;
    if (m_options.returnSequences) {
        out.push_back(
            m_options.timeMajor ? Shape {steps, batch, c.outputSize()} : Shape {batch, steps, c.outputSize()});
    } else {
        out.push_back({batch, c.outputSize()});
    }
    if (m_options.returnState) {
        for (const auto& s : c.states()) {
            out.push_back({batch, s.size});
        }
    }
    return out;
}

void RnnLayer::resetStates()
{
    for (auto& s : m_states) {
        std::fill(s.values().begin(), s.values().end(), 0.0F);
    }
}

void RnnLayer::resetStates(std::vector<Tensor> values)
{
    const auto specs = cell().states();
    if (values.size() != specs.size()) {
        throw ModelError("layer '" + name() + "' expects " + std::to_string(specs.size()) + " states, got "
            + std::to_string(values.size()));
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (values[i].rank() != 2 || values[i].dim(1) != specs[i].size
            || (m_options.fixedBatch && values[i].dim(0) != *m_options.fixedBatch)) {
            throw ModelError("layer '" + name() + "': state " + std::to_string(i) + " (" + specs[i].name
                + ") has shape " + shapeToString(values[i].shape()) + ", expected "
                + shapeToString({m_options.fixedBatch.value_or(-1), specs[i].size}));
        }
    }
    m_states = std::move(values);
}

RnnLoopResult RnnLayer::run(const Tensor& x, const Mask* mask, std::vector<Tensor> initialStates,
    const std::vector<Tensor>& constants, LayerTrace* trace, const std::vector<StateEdit>* edits)
{
    RnnCell& c = cell();
    if (x.rank() >= 2 && mask != nullptr) {
        const Index b = m_options.timeMajor ? x.dim(1) : x.dim(0);
        const Index t = m_options.timeMajor ? x.dim(0) : x.dim(1);
        if (mask->batch() != b || mask->steps() != t) {
            throw ModelError("layer '" + name() + "': mask of shape " + shapeToString({mask->batch(), mask->steps()})
                + " does not match inputs " + shapeToString(x.shape()));
        }
    }
    const Index batch = x.rank() >= 2 ? (m_options.timeMajor ? x.dim(1) : x.dim(0)) : 0;
    if (initialStates.empty() && !m_initialStateOverride.empty()) {
        initialStates = m_initialStateOverride;
    }
    const auto specs = c.states();
    if (m_options.stateful) {
        if (m_options.fixedBatch && *m_options.fixedBatch != batch) {
            throw ModelError("layer '" + name() + "' is stateful with batch size "
                + std::to_string(*m_options.fixedBatch) + ", got inputs " + shapeToString(x.shape()));
        }
        if (!m_states.empty() && m_states[0].dim(0) != batch) {
            throw ModelError("layer '" + name() + "' is stateful and holds states for batch size "
                + std::to_string(m_states[0].dim(0)) + ", got inputs " + shapeToString(x.shape()));
        }
        if (m_states.empty()) {
            for (const auto& s : specs) {
                m_states.emplace_back(Shape {batch, s.size});
            }
        }
        bool useRecorded = initialStates.empty();
        if (!useRecorded && m_statefulRule == StatefulInitialState::Keras2) {
            // tf.keras RNN._process_inputs: a passed initial_state is used only while the recorded states are all 0.
            for (const auto& s : m_states) {
                for (float v : s.values()) {
                    useRecorded = useRecorded || v != 0.0F;
                }
            }
        }
        if (useRecorded) {
            initialStates = m_states;
        }
    } else if (initialStates.empty()) {
        for (const auto& s : specs) {
            initialStates.emplace_back(Shape {batch, s.size});
        }
    }
    if (initialStates.size() != specs.size()) {
        throw ModelError("layer '" + name() + "': an initial_state of " + std::to_string(initialStates.size())
            + " tensor(s) was passed, but " + c.className() + " has " + std::to_string(specs.size()) + " state(s)");
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (initialStates[i].shape() != Shape {batch, specs[i].size}) {
            throw ModelError("layer '" + name() + "': initial state " + std::to_string(i) + " (" + specs[i].name
                + ") has shape " + shapeToString(initialStates[i].shape()) + ", expected "
                + shapeToString({batch, specs[i].size}));
        }
    }
    RnnLoopOptions loop;
    loop.goBackwards = m_options.goBackwards;
    loop.unroll = m_options.unroll;
    loop.timeMajor = m_options.timeMajor;
    loop.zeroOutputForMask = m_options.zeroOutputForMask;
    loop.inputLength = m_options.inputLength;
    if (trace != nullptr) {
        trace->name = trace->name.empty() ? name() : trace->name;
        trace->className = m_className;
        trace->options = optionList();
    }
    std::span<const StateEdit> editSpan;
    if (edits != nullptr) {
        editSpan = *edits;
    }
    try {
        RnnLoopResult r = rnnLoop(c, x, initialStates, mask, constants, loop, trace, editSpan);
        if (m_options.stateful) {
            m_states = r.states;
        }
        return r;
    } catch (const ModelError& e) {
        throw ModelError("layer '" + name() + "': " + e.what());
    }
}

std::vector<LayerOutput> RnnLayer::call(const std::vector<LayerInput>& inputs, CallContext& context)
{
    if (inputs.empty()) {
        expectInputCount(0, 1);
    }
    const std::size_t nConstants = static_cast<std::size_t>(m_options.numConstants);
    if (inputs.size() < 1 + nConstants) {
        throw ModelError("layer '" + name() + "' has num_constants=" + std::to_string(nConstants) + " but got "
            + std::to_string(inputs.size()) + " input(s)");
    }
    std::vector<Tensor> initialStates;
    for (std::size_t i = 1; i + nConstants < inputs.size(); ++i) {
        initialStates.push_back(*inputs[i].tensor);
    }
    std::vector<Tensor> constants;
    for (std::size_t i = inputs.size() - nConstants; i < inputs.size(); ++i) {
        constants.push_back(*inputs[i].tensor);
    }
    LayerTrace* trace = nullptr;
    if (context.trace != nullptr && context.trace->recording.request.wantsLayer(name())) {
        context.trace->layers.emplace_back();
        trace = &context.trace->layers.back();
        trace->name = name();
        trace->recording = context.trace->recording;
    }
    const std::vector<StateEdit>* edits = nullptr;
    if (context.edits != nullptr) {
        if (auto it = context.edits->find(name()); it != context.edits->end()) {
            edits = &it->second;
        }
    }
    RnnLoopResult r = run(*inputs[0].tensor, inputs[0].mask, std::move(initialStates), constants, trace, edits);
    std::vector<LayerOutput> out;
    if (m_options.returnSequences) {
        LayerOutput seq {std::move(r.outputs), std::nullopt};
        if (inputs[0].mask != nullptr) {
            seq.mask = *inputs[0].mask;
        }
        out.push_back(std::move(seq));
    } else {
        out.push_back({std::move(r.lastOutput), std::nullopt});
    }
    if (m_options.returnState) {
        for (auto& s : r.states) {
            out.push_back({std::move(s), std::nullopt});
        }
    }
    return out;
}

} // namespace rnnscope
