#include "model.h"

#include <algorithm>

#include "cancellation.h"
#include "content_hash.h"
#include "errors.h"
#include "layers/basic_layers.h"
#include "node_reuse.h"

namespace rnnscope {

Layer& Model::addLayer(std::unique_ptr<Layer> layer)
{
    if (findLayer(layer->name()) != nullptr) {
        throw ModelError("model '" + m_name + "' has two layers named '" + layer->name() + "'");
    }
    m_layers.push_back(std::move(layer));
    return *m_layers.back();
}

std::size_t Model::addInputNode(Layer& inputLayer, Shape shape, bool integer)
{
    m_nodes.push_back({&inputLayer, {}});
    m_inputs.push_back({inputLayer.name(), std::move(shape), integer, m_nodes.size() - 1});
    return m_nodes.size() - 1;
}

std::size_t Model::addNode(Layer& layer, std::vector<TensorRef> inputs)
{
    m_nodes.push_back({&layer, std::move(inputs)});
    return m_nodes.size() - 1;
}

void Model::addOutput(TensorRef ref, std::string name)
{
    m_outputs.push_back({std::move(name), ref});
}

Layer* Model::findLayer(const std::string& name) const
{
    for (const auto& l : m_layers) {
        if (l->name() == name) {
            return l.get();
        }
    }
    return nullptr;
}

std::vector<Layer*> Model::recurrentLayers() const
{
    std::vector<Layer*> r;
    for (const auto& l : m_layers) {
        if (l->isRecurrent()) {
            r.push_back(l.get());
        }
    }
    return r;
}

void Model::finalize()
{
    if (m_inputs.empty()) {
        throw ModelError("model '" + m_name + "' has no inputs");
    }
    if (m_outputs.empty()) {
        throw ModelError("model '" + m_name + "' has no outputs");
    }
    // Kahn's algorithm: configs list layers roughly in creation order, which is not always a valid order.
    const std::size_t n = m_nodes.size();
    std::vector<std::size_t> pending(n, 0);
    std::vector<std::vector<std::size_t>> users(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (const auto& ref : m_nodes[i].inputs) {
            if (ref.node >= n) {
                throw ModelError("model '" + m_name + "': layer '" + m_nodes[i].layer->name()
                    + "' takes an input from a node that does not exist");
            }
            ++pending[i];
            users[ref.node].push_back(i);
        }
    }
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i) {
        if (pending[i] == 0) {
            order.push_back(i);
        }
    }
    for (std::size_t k = 0; k < order.size(); ++k) {
        for (std::size_t u : users[order[k]]) {
            if (--pending[u] == 0) {
                order.push_back(u);
            }
        }
    }
    if (order.size() != n) {
        throw ModelError("model '" + m_name + "': its layer graph has a cycle");
    }
    std::vector<std::size_t> newIndex(n);
    for (std::size_t k = 0; k < n; ++k) {
        newIndex[order[k]] = k;
    }
    std::vector<ModelNode> sorted(n);
    for (std::size_t k = 0; k < n; ++k) {
        sorted[k] = m_nodes[order[k]];
        for (auto& ref : sorted[k].inputs) {
            ref.node = newIndex[ref.node];
        }
    }
    m_nodes = std::move(sorted);
    for (auto& in : m_inputs) {
        in.node = newIndex[in.node];
    }
    for (auto& out : m_outputs) {
        out.ref.node = newIndex[out.ref.node];
    }

    // Shape inference, building each layer the first time it is called (Keras's build()).
    m_nodeShapes.assign(n, {});
    for (std::size_t i = 0; i < n; ++i) {
        const ModelNode& node = m_nodes[i];
        std::vector<Shape> inShapes;
        for (const auto& ref : node.inputs) {
            const auto& produced = m_nodeShapes[ref.node];
            if (ref.index >= produced.size()) {
                throw ModelError("model '" + m_name + "': layer '" + node.layer->name() + "' uses output "
                    + std::to_string(ref.index) + " of layer '" + m_nodes[ref.node].layer->name() + "', which has "
                    + std::to_string(produced.size()) + " output(s)");
            }
            inShapes.push_back(produced[ref.index]);
        }
        if (!node.layer->built()) {
            node.layer->build(inShapes);
        }
        m_nodeShapes[i] = node.layer->outputShapes(inShapes);
    }
    for (const auto& out : m_outputs) {
        if (out.ref.index >= m_nodeShapes[out.ref.node].size()) {
            throw ModelError("model '" + m_name + "': output '" + out.name + "' does not exist");
        }
    }
}

namespace {

// The what-if edits of a layer (and of its directions, "<layer>/forward"), hashed.
std::uint64_t editsHash(const StateEditMap* edits, const std::string& layer)
{
    ContentHash h;
    if (edits == nullptr) {
        return h.value();
    }
    for (const auto& [key, list] : *edits) {
        if (key != layer && key.rfind(layer + "/", 0) != 0) {
            continue;
        }
        h.text(key);
        for (const auto& e : list) {
            h.number(static_cast<std::uint64_t>(e.step)).number(static_cast<std::uint64_t>(e.stateIndex));
            h.bytes(e.samples.data(), e.samples.size() * sizeof(Index)).number(e.samples.size());
            h.bytes(e.units.data(), e.units.size() * sizeof(Index)).number(e.units.size());
            h.number(static_cast<std::uint64_t>(e.values.rows())).number(static_cast<std::uint64_t>(e.values.cols()));
            h.bytes(e.values.data(), static_cast<std::size_t>(e.values.size()) * sizeof(float));
        }
    }
    return h.value();
}

// Whether and what the call records: a node recorded without a trace cannot stand in for one traced.
std::uint64_t recordingHash(const CallContext& context)
{
    ContentHash h;
    h.number(context.trace != nullptr ? 1U : 0U);
    if (context.trace != nullptr) {
        const TraceRequest& r = context.trace->recording.request;
        h.number(r.inputs).number(r.states).number(r.gates).number(r.outputs);
        for (const auto& l : r.layers) {
            h.text(l);
        }
    }
    return h.value();
}

} // namespace

std::vector<Tensor> Model::predict(const std::vector<Tensor>& inputs)
{
    CallContext context;
    return predict(inputs, {}, context);
}

std::vector<Tensor> Model::predict(
    const std::vector<Tensor>& inputs, const std::vector<const Mask*>& masks, CallContext& context)
{
    if (inputs.size() != m_inputs.size()) {
        std::string names;
        for (const auto& in : m_inputs) {
            names += (names.empty() ? "" : ", ") + in.name;
        }
        throw ModelError("model '" + m_name + "' takes " + std::to_string(m_inputs.size()) + " input(s) (" + names
            + "), got " + std::to_string(inputs.size()));
    }
    if (masks.size() > inputs.size()) {
        throw ModelError("model '" + m_name + "': " + std::to_string(masks.size()) + " masks for "
            + std::to_string(inputs.size()) + " input(s)");
    }
    const CancelScope cancelScope(context.cancel);
    // Recording and reusing nodes (node_reuse.h). Not with a streamed trace: the stream must see every layer run.
    const bool streaming = context.trace != nullptr && context.trace->recording.stream != nullptr;
    const bool tracking = (context.record != nullptr || context.reuse != nullptr) && !streaming;
    std::vector<std::uint64_t> signatures(tracking ? m_nodes.size() : 0U);
    if (context.record != nullptr) {
        context.record->nodes.assign(m_nodes.size(), NodeRecord {});
        context.record->reusedNodes = 0;
        context.record->calledNodes = 0;
    }
    const std::uint64_t settings = tracking ? recordingHash(context) : 0U;
    std::vector<std::vector<LayerOutput>> values(m_nodes.size());
    // What each node hands the layers after it: its `values`, or for a node whose layer passes its input through
    // (an InputLayer) the caller's own tensor and mask, not a copy.
    std::vector<std::vector<LayerInput>> views(m_nodes.size());
    auto runNode = [&](std::size_t i, const std::vector<LayerInput>& in, std::uint64_t inputsHash) {
        Layer& layer = *m_nodes[i].layer;
        std::uint64_t signature = 0;
        if (tracking) {
            signature = ContentHash()
                            .number(inputsHash)
                            .number(layer.configurationHash())
                            .number(editsHash(context.edits, layer.name()))
                            .number(settings)
                            .value();
            signatures[i] = signature;
        }
        const std::size_t traceBefore = context.trace != nullptr ? context.trace->layers.size() : 0U;
        const NodeRecord* old = tracking && context.reuse != nullptr && i < context.reuse->nodes.size()
            ? &context.reuse->nodes[i]
            : nullptr;
        const bool traceAvailable = context.trace == nullptr
            || (old != nullptr && context.reuseTrace != nullptr
                && old->firstTraceLayer + old->traceLayers <= context.reuseTrace->layers.size());
        const std::optional<LayerInput> through = layer.passThrough(in);
        const bool unchanged = old != nullptr && old->valid && old->signature == signature;
        const bool reuse = !through && unchanged && layer.reusable() && traceAvailable;
        if (through) {
            views[i] = {*through}; // nothing computed, nothing kept: the next call hands its own input on again
        } else if (reuse) {
            values[i] = old->outputs;
            for (std::size_t k = 0; context.trace != nullptr && k < old->traceLayers; ++k) {
                context.trace->layers.push_back(context.reuseTrace->layers[old->firstTraceLayer + k]);
            }
        } else {
            values[i] = layer.call(in, context);
            if (tracking && !layer.reusable()) {
                // A stateful layer's outputs depend on its states too: what follows it is identified by the values
                // it actually produced.
                ContentHash h;
                for (const auto& o : values[i]) {
                    h.bytes(o.tensor.data(), static_cast<std::size_t>(o.tensor.size()) * sizeof(float));
                    h.number(o.mask ? 1U : 0U);
                    if (o.mask) {
                        h.bytes(o.mask->values().data(), o.mask->values().size());
                    }
                }
                signature = h.value();
                signatures[i] = signature;
            }
        }
        if (!through) {
            for (const auto& v : values[i]) {
                views[i].push_back({&v.tensor, v.mask ? &*v.mask : nullptr});
            }
        }
        if (context.record != nullptr && tracking) {
            NodeRecord& r = context.record->nodes[i];
            r.valid = layer.reusable();
            r.signature = signature;
            r.outputs = values[i];
            r.firstTraceLayer = traceBefore;
            r.traceLayers = context.trace != nullptr ? context.trace->layers.size() - traceBefore : 0U;
            // A passed-through input counts as reused when it is the same as last time.
            ++(reuse || (through && unchanged) ? context.record->reusedNodes : context.record->calledNodes);
        }
    };
    for (std::size_t i = 0; i < m_inputs.size(); ++i) {
        const std::size_t node = m_inputs[i].node;
        const Mask* mask = i < masks.size() ? masks[i] : nullptr;
        std::uint64_t inputsHash = 0;
        if (tracking) {
            ContentHash h;
            h.bytes(inputs[i].shape().data(), inputs[i].shape().size() * sizeof(Index));
            h.bytes(inputs[i].data(), static_cast<std::size_t>(inputs[i].size()) * sizeof(float));
            h.number(mask != nullptr ? 1U : 0U);
            if (mask != nullptr) {
                h.number(static_cast<std::uint64_t>(mask->batch())).number(static_cast<std::uint64_t>(mask->steps()));
                h.bytes(mask->values().data(), mask->values().size());
            }
            inputsHash = h.value();
        }
        runNode(node, {{&inputs[i], mask}}, inputsHash);
    }
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        const ModelNode& node = m_nodes[i];
        if (node.inputs.empty()) {
            continue;
        }
        throwIfCancelled();
        std::vector<LayerInput> in;
        ContentHash inputsHash;
        for (const auto& ref : node.inputs) {
            in.push_back(views[ref.node].at(ref.index));
            if (tracking) {
                inputsHash.number(signatures[ref.node]).number(ref.index);
            }
        }
        runNode(i, in, inputsHash.value());
    }
    // Moved out rather than copied (an output sequence can be megabytes), except a value that a later output
    // names again.
    std::vector<Tensor> out;
    for (std::size_t k = 0; k < m_outputs.size(); ++k) {
        const auto& ref = m_outputs[k].ref;
        if (values[ref.node].empty()) { // a model input named as an output: the caller's tensor, copied
            out.push_back(*views[ref.node].at(ref.index).tensor);
            continue;
        }
        Tensor& value = values[ref.node].at(ref.index).tensor;
        const bool namedAgain = std::any_of(m_outputs.begin() + static_cast<std::ptrdiff_t>(k) + 1, m_outputs.end(),
            [&](const auto& later) { return later.ref.node == ref.node && later.ref.index == ref.index; });
        out.push_back(namedAgain ? value : std::move(value));
    }
    return out;
}

void Model::resetStates()
{
    for (const auto& l : m_layers) {
        l->resetStates();
    }
}

} // namespace rnnscope
