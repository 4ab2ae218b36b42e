#include "keras_config_writer.h"

#include <map>

#include "core/bidirectional.h"
#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/simple_rnn_cell.h"
#include "core/cells/stacked_rnn_cells.h"
#include "core/layers/basic_layers.h"
#include "core/rnn_layer.h"
#include "file_error.h"
#include "keras3_weights.h"
#include "keras_config.h"

namespace rnnscope::io {

using json = nlohmann::ordered_json;

namespace {

json shapeJson(const Shape& shape)
{
    json out = json::array();
    for (Index d : shape) {
        out.push_back(d < 0 ? json(nullptr) : json(d));
    }
    return out;
}

class ConfigWriter
{
public:
    ConfigWriter(const Model& model, KerasGeneration generation, const std::string& file)
        : m_model(model)
        , m_k3(generation == KerasGeneration::Keras3)
        , m_file(file)
    {
        // The reader picks the stateful initial_state rule by version (keras_config.h); the written file must
        // give the same rule wherever it matters.
        const KerasVersion source = KerasVersion::parse(
            model.kerasVersion().empty() ? std::string(kKeras2WriteVersion) : model.kerasVersion(), file);
        const KerasVersion target = KerasVersion::parse(m_k3 ? kKeras3WriteVersion : kKeras2WriteVersion, file);
        m_statefulRuleChanges = statefulRuleFor(source) != statefulRuleFor(target);
    }

    json write() const;

private:
    [[noreturn]] void fail(const std::string& problem) const
    {
        throw FileError(m_file, problem + (m_k3 ? " (in a Keras 3 .keras file)" : " (in a legacy Keras 2 .h5 file)"));
    }
    static std::string who(const Layer& layer) { return "layer '" + layer.name() + "' (" + layer.className() + ")"; }

    // ----- pieces shared by every layer
    json dtype(bool integer = false) const
    {
        const std::string name = integer ? "int32" : "float32";
        if (m_k3) {
            return {{"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", {{"name", name}}},
                {"registered_name", nullptr}};
        }
        return name;
    }
    json base(const std::string& name) const { return {{"name", name}, {"trainable", true}, {"dtype", dtype()}}; }
    static json initializer(const std::string& className, json config = json::object())
    {
        // tf.keras >= 2.13 and Keras 3 both write the serialization_lib form (keras-formats §2).
        return {{"module", "keras.initializers"}, {"class_name", className}, {"config", std::move(config)},
            {"registered_name", nullptr}};
    }
    json glorot() const { return initializer("GlorotUniform", {{"seed", nullptr}}); }
    json orthogonal() const { return initializer("Orthogonal", {{"gain", 1.0}, {"seed", nullptr}}); }
    json zeros() const { return initializer("Zeros"); }
    // Keras writes each activation by name; both hard_sigmoids are "hard_sigmoid", and only the file's generation
    // says which formula it means.
    std::string activation(const Activation& a, const std::string& ctx) const
    {
        switch (a.kind()) {
        case ActivationKind::HardSigmoidKeras2:
            if (m_k3) {
                fail(ctx + ": Keras 2's hard_sigmoid (clip(0.2x+0.5)) has no Keras 3 equivalent");
            }
            return "hard_sigmoid";
        case ActivationKind::HardSigmoidKeras3:
            if (!m_k3) {
                fail(ctx + ": Keras 3's hard_sigmoid (clip(x/6+0.5)) has no Keras 2 equivalent");
            }
            return "hard_sigmoid";
        default:
            return a.name();
        }
    }
    // A nested object (cell, wrapped layer) in the generation's serialised form.
    json wrap(const std::string& className, json config, const std::optional<Shape>& buildShape = std::nullopt,
        const std::string& module = "keras.layers") const
    {
        json out;
        if (m_k3) {
            out["module"] = module;
        }
        out["class_name"] = className;
        out["config"] = std::move(config);
        if (m_k3) {
            out["registered_name"] = nullptr;
            if (buildShape) {
                out["build_config"] = {{"input_shape", shapeJson(*buildShape)}};
            }
        }
        return out;
    }

    // ----- recurrent layers
    json cellKeys(const RnnCell& cell, const std::string& ctx, bool forCell) const;
    json cellObject(const RnnCell& cell, const std::string& name, const std::string& ctx) const;
    json rnnConfig(const RnnLayer& rnn, const std::string& name, const std::string& ctx) const;
    json rnnObject(const RnnLayer& rnn, const std::string& name, const std::optional<Shape>& inShape,
        const std::string& ctx) const;
    json layerObject(const Layer& layer, const std::optional<Shape>& inShape) const;

    json sequential() const;
    json functional() const;
    // The symbolic shape of node input `ref`, and which call of its layer a node is.
    const Shape& shapeOf(const TensorRef& ref) const { return m_model.nodeShapes()[ref.node][ref.index]; }
    std::size_t callIndex(std::size_t node) const;
    bool nodeIsInteger(std::size_t node) const;
    json tensorRef(const TensorRef& ref) const;
    void checkStatefulInputs() const;

    const Model& m_model;
    bool m_k3;
    const std::string& m_file;
    bool m_statefulRuleChanges = false;
};

// The keys of a SimpleRNN / LSTM / GRU (or of its cell): units, activations, use_bias, initialisers, regularisers,
// constraints, dropout, in the order of their get_config (keras/src/layers/rnn/lstm.py and siblings; tf_keras's
// layers/rnn/lstm.py adds `implementation`).
json ConfigWriter::cellKeys(const RnnCell& cell, const std::string& ctx, bool forCell) const
{
    json c = json::object();
    const std::string cls = cell.className();
    if (cls == "MinimalRNNCell") {
        c["units"] = cell.units();
        return c;
    }
    const auto* projected = dynamic_cast<const ProjectedCell*>(&cell);
    if (projected == nullptr) {
        fail(ctx + ": cell class '" + cls + "' cannot be written");
    }
    c["units"] = cell.units();
    if (const auto* s = dynamic_cast<const SimpleRnnCell*>(&cell)) {
        c["activation"] = activation(s->activation(), ctx);
    } else if (const auto* l = dynamic_cast<const LstmCell*>(&cell)) {
        c["activation"] = activation(l->activation(), ctx);
        c["recurrent_activation"] = activation(l->recurrentActivation(), ctx);
    } else if (const auto* g = dynamic_cast<const GruCell*>(&cell)) {
        c["activation"] = activation(g->activation(), ctx);
        c["recurrent_activation"] = activation(g->recurrentActivation(), ctx);
    } else {
        fail(ctx + ": cell class '" + cls + "' cannot be written");
    }
    c["use_bias"] = projected->useBias();
    c["kernel_initializer"] = glorot();
    c["recurrent_initializer"] = orthogonal();
    c["bias_initializer"] = zeros();
    if (cls == "LSTMCell") {
        c["unit_forget_bias"] = true;
    }
    c["kernel_regularizer"] = nullptr;
    c["recurrent_regularizer"] = nullptr;
    c["bias_regularizer"] = nullptr;
    if (!forCell) {
        c["activity_regularizer"] = nullptr;
    }
    c["kernel_constraint"] = nullptr;
    c["recurrent_constraint"] = nullptr;
    c["bias_constraint"] = nullptr;
    c["dropout"] = 0.0;
    c["recurrent_dropout"] = 0.0;
    if (!m_k3 && cls != "SimpleRNNCell") {
        c["implementation"] = 2;
    }
    if (const auto* g = dynamic_cast<const GruCell*>(&cell)) {
        c["reset_after"] = g->resetAfter();
    }
    // Keras 3's SimpleRNN.get_config has no seed (keras/src/layers/rnn/simple_rnn.py; verified on a 3.10 file).
    if (m_k3 && !(cls == "SimpleRNNCell" && !forCell)) {
        c["seed"] = nullptr;
    }
    return c;
}

json ConfigWriter::cellObject(const RnnCell& cell, const std::string& name, const std::string& ctx) const
{
    json c = base(name);
    if (const auto* stack = dynamic_cast<const StackedRnnCells*>(&cell)) {
        if (stack->reverseStateOrder()) {
            if (m_k3) {
                fail(ctx + ": StackedRNNCells with the reversed state order of Keras < 2.3 cannot be written");
            }
            c["reverse_state_order"] = true; // StackedRNNCells.__init__ takes it; get_config does not write it
        }
        json cells = json::array();
        std::map<std::string, int> used;
        for (const auto& child : stack->cells()) {
            const std::string snake = kerasSnakeCase(child->className());
            const int k = used[snake]++;
            cells.push_back(cellObject(*child, k == 0 ? snake : snake + "_" + std::to_string(k), ctx));
        }
        c["cells"] = std::move(cells);
        return wrap("StackedRNNCells", std::move(c));
    }
    json keys = cellKeys(cell, ctx, true);
    c.update(keys);
    if (cell.className() == "MinimalRNNCell") {
        // Not a Keras class: the cell of keras.layers.RNN's documentation example, which Keras loads only with a
        // custom_objects entry of that name.
        json out = wrap("MinimalRNNCell", std::move(c));
        if (m_k3) {
            out["module"] = nullptr;
            out["registered_name"] = "MinimalRNNCell";
        }
        return out;
    }
    return wrap(cell.className(), std::move(c));
}

// keras/src/layers/rnn/rnn.py::get_config (Keras 3) and tf_keras/layers/rnn/base_rnn.py::get_config (Keras 2).
json ConfigWriter::rnnConfig(const RnnLayer& rnn, const std::string& name, const std::string& ctx) const
{
    const RnnOptions& o = rnn.options();
    json c = base(name);
    c["return_sequences"] = o.returnSequences;
    c["return_state"] = o.returnState;
    c["go_backwards"] = o.goBackwards;
    c["stateful"] = o.stateful;
    c["unroll"] = o.unroll;
    if (m_k3) {
        if (o.timeMajor) {
            fail(ctx + ": time_major does not exist in Keras 3");
        }
        if (o.numConstants > 0) {
            fail(ctx + ": constants (num_constants) do not exist in Keras 3's RNN");
        }
        c["zero_output_for_mask"] = o.zeroOutputForMask;
    } else {
        c["time_major"] = o.timeMajor;
        // Written by tf.keras only when set (keras-formats §2).
        if (o.zeroOutputForMask) {
            c["zero_output_for_mask"] = true;
        }
        if (o.numConstants > 0) {
            c["num_constants"] = o.numConstants;
        }
    }
    return c;
}

json ConfigWriter::rnnObject(
    const RnnLayer& rnn, const std::string& name, const std::optional<Shape>& inShape, const std::string& ctx) const
{
    json c = rnnConfig(rnn, name, ctx);
    const RnnCell& cell = rnn.cell();
    const std::string cls = rnn.className();
    if (cls == "RNN") {
        c["cell"] = cellObject(cell, kerasSnakeCase(cell.className()), ctx);
        return wrap("RNN", std::move(c), inShape);
    }
    if (cls + "Cell" != cell.className()) {
        fail(ctx + ": a " + cls + " layer over a " + cell.className() + " cannot be written");
    }
    c.update(cellKeys(cell, ctx, false));
    return wrap(cls, std::move(c), inShape);
}

json ConfigWriter::layerObject(const Layer& layer, const std::optional<Shape>& inShape) const
{
    const std::string ctx = who(layer);
    const std::string cls = layer.className();
    if (const auto* input = dynamic_cast<const InputLayer*>(&layer)) {
        json c;
        c[m_k3 ? "batch_shape" : "batch_input_shape"] = shapeJson(input->batchShape());
        c["dtype"] = input->integer() ? "int32" : "float32";
        c["sparse"] = false;
        c["ragged"] = false;
        c["name"] = layer.name();
        return wrap("InputLayer", std::move(c));
    }
    if (const auto* rnn = dynamic_cast<const RnnLayer*>(&layer)) {
        return rnnObject(*rnn, layer.name(), inShape, ctx);
    }
    if (const auto* bi = dynamic_cast<const BidirectionalLayer*>(&layer)) {
        json c = base(layer.name());
        const MergeMode mode = bi->mergeMode();
        json merge = mode == MergeMode::None ? json(nullptr) : json(mergeModeName(mode));
        auto strip
            = [](const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0 ? s.substr(p.size()) : s; };
        if (m_k3) {
            // Keras 3 stores the forward copy as "layer" and always the backward one (bidirectional.py get_config).
            c["merge_mode"] = merge;
            c["layer"] = rnnObject(bi->forward(), bi->forward().name(), inShape, ctx + " forward");
            c["backward_layer"] = rnnObject(bi->backward(), bi->backward().name(), inShape, ctx + " backward");
        } else {
            // tf.keras stores the wrapped layer as the user made it ("lstm", go_backwards false) and the backward
            // layer only when the user passed one; Bidirectional.__init__ otherwise rebuilds it with go_backwards
            // flipped. The engine's backward copy is that rebuilt layer unless it differs in more than that.
            const std::string inner = strip(bi->forward().name(), "forward_");
            json fwd = rnnObject(bi->forward(), inner, std::nullopt, ctx + " forward");
            json bwd = rnnObject(bi->backward(), inner, std::nullopt, ctx + " backward");
            // The user's layer predates the zero_output_for_mask = return_sequences that __init__ forces on the copies.
            fwd["config"].erase("zero_output_for_mask");
            bwd["config"].erase("zero_output_for_mask");
            bwd["config"]["go_backwards"] = fwd["config"]["go_backwards"];
            c["layer"] = fwd;
            c["merge_mode"] = merge;
            if (bwd != fwd) {
                c["backward_layer"]
                    = rnnObject(bi->backward(), strip(bi->backward().name(), "backward_"), std::nullopt, ctx);
            }
        }
        return wrap("Bidirectional", std::move(c), inShape);
    }
    if (const auto* dense = dynamic_cast<const DenseLayer*>(&layer)) {
        json c = base(layer.name());
        c["units"] = dense->units();
        c["activation"] = activation(dense->activation(), ctx);
        c["use_bias"] = dense->useBias();
        c["kernel_initializer"] = glorot();
        c["bias_initializer"] = zeros();
        c["kernel_regularizer"] = nullptr;
        c["bias_regularizer"] = nullptr;
        if (!m_k3) {
            c["activity_regularizer"] = nullptr;
        }
        c["kernel_constraint"] = nullptr;
        c["bias_constraint"] = nullptr;
        return wrap("Dense", std::move(c), inShape);
    }
    if (const auto* embedding = dynamic_cast<const EmbeddingLayer*>(&layer)) {
        json c = base(layer.name());
        c["input_dim"] = embedding->inputDim();
        c["output_dim"] = embedding->outputDim();
        c["embeddings_initializer"]
            = initializer("RandomUniform", {{"minval", -0.05}, {"maxval", 0.05}, {"seed", nullptr}});
        c["embeddings_regularizer"] = nullptr;
        c["activity_regularizer"] = nullptr;
        c["embeddings_constraint"] = nullptr;
        c["mask_zero"] = embedding->maskZero();
        if (!m_k3) {
            c["input_length"] = nullptr;
        }
        return wrap("Embedding", std::move(c), inShape);
    }
    if (const auto* masking = dynamic_cast<const MaskingLayer*>(&layer)) {
        json c = base(layer.name());
        c["mask_value"] = masking->maskValue();
        return wrap("Masking", std::move(c));
    }
    if (const auto* act = dynamic_cast<const ActivationLayer*>(&layer)) {
        json c = base(layer.name());
        c["activation"] = activation(act->activation(), ctx);
        return wrap("Activation", std::move(c));
    }
    if (const auto* repeat = dynamic_cast<const RepeatVectorLayer*>(&layer)) {
        json c = base(layer.name());
        c["n"] = repeat->n();
        return wrap("RepeatVector", std::move(c));
    }
    if (const auto* td = dynamic_cast<const TimeDistributedLayer*>(&layer)) {
        json c = base(layer.name());
        std::optional<Shape> innerShape;
        if (inShape && inShape->size() >= 2) {
            innerShape = Shape {(*inShape)[0]};
            innerShape->insert(innerShape->end(), inShape->begin() + 2, inShape->end());
        }
        c["layer"] = layerObject(td->inner(), innerShape);
        return wrap("TimeDistributed", std::move(c), inShape);
    }
    if (const auto* merge = dynamic_cast<const MergeLayer*>(&layer)) {
        json c = base(layer.name());
        if (merge->op() == MergeOp::Concatenate) {
            c["axis"] = merge->axis();
        }
        return wrap(cls, std::move(c));
    }
    if (dynamic_cast<const IdentityLayer*>(&layer) != nullptr) {
        // Identity at inference; the training-time parameters are not kept by the engine (written as no-ops).
        json c = base(layer.name());
        if (cls == "Dropout" || cls == "SpatialDropout1D" || cls == "GaussianDropout" || cls == "AlphaDropout") {
            c["rate"] = 0.0;
            if (cls == "Dropout") {
                c["seed"] = nullptr;
                c["noise_shape"] = nullptr;
            }
        } else if (cls == "GaussianNoise") {
            c["stddev"] = 0.0;
        } else if (cls == "ActivityRegularization") {
            c["l1"] = 0.0;
            c["l2"] = 0.0;
        } else {
            fail(ctx + ": layer class '" + cls + "' cannot be written");
        }
        return wrap(cls, std::move(c));
    }
    fail(ctx + ": layer class '" + cls + "' cannot be written");
}

std::size_t ConfigWriter::callIndex(std::size_t node) const
{
    const auto& nodes = m_model.nodes();
    std::size_t k = 0;
    for (std::size_t i = 0; i < node; ++i) {
        k += nodes[i].layer == nodes[node].layer ? 1 : 0;
    }
    return k;
}

bool ConfigWriter::nodeIsInteger(std::size_t node) const
{
    for (const auto& in : m_model.inputs()) {
        if (in.node == node) {
            return in.integer;
        }
    }
    return false;
}

json ConfigWriter::tensorRef(const TensorRef& ref) const
{
    const std::string& layer = m_model.nodes()[ref.node].layer->name();
    const std::size_t call = callIndex(ref.node);
    if (!m_k3) {
        return json::array({layer, call, ref.index, json::object()});
    }
    // keras/src/models/functional.py::serialize_node: a __keras_tensor__ with its shape and history.
    return {{"class_name", "__keras_tensor__"},
        {"config",
            {{"shape", shapeJson(shapeOf(ref))}, {"dtype", nodeIsInteger(ref.node) ? "int32" : "float32"},
                {"keras_history", json::array({layer, call, ref.index})}}}};
}

// A stateful layer fed initial states on every call keeps or replaces its states by a rule that differs between
// tf.keras and Keras 3 / standalone Keras 2; the reader picks the rule by keras_version.
void ConfigWriter::checkStatefulInputs() const
{
    if (!m_statefulRuleChanges) {
        return;
    }
    for (const auto& node : m_model.nodes()) {
        bool stateful = false;
        if (const auto* rnn = dynamic_cast<const RnnLayer*>(node.layer)) {
            stateful = rnn->options().stateful;
        } else if (const auto* bi = dynamic_cast<const BidirectionalLayer*>(node.layer)) {
            stateful = bi->forward().options().stateful;
        }
        if (stateful && node.inputs.size() > 1) {
            fail(who(*node.layer)
                + ": a stateful layer called with initial_state behaves differently in the source file's Keras "
                  "version ("
                + m_model.kerasVersion() + ")");
        }
    }
}

json ConfigWriter::sequential() const
{
    const auto& nodes = m_model.nodes();
    json layers = json::array();
    std::optional<Shape> inputShape;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const ModelNode& node = nodes[i];
        std::optional<Shape> inShape;
        if (!node.inputs.empty()) {
            inShape = shapeOf(node.inputs.front());
        } else {
            inputShape = m_model.nodeShapes()[i].front();
        }
        layers.push_back(layerObject(*node.layer, inShape));
    }
    json c;
    c["name"] = m_model.name();
    if (m_k3) {
        c["trainable"] = true;
        c["dtype"] = dtype();
    }
    c["layers"] = std::move(layers);
    if (m_k3) {
        c["build_input_shape"] = shapeJson(*inputShape);
        return {{"module", "keras"}, {"class_name", "Sequential"}, {"config", std::move(c)},
            {"registered_name", nullptr}, {"build_config", {{"input_shape", shapeJson(*inputShape)}}}};
    }
    return {{"class_name", "Sequential"}, {"config", std::move(c)}};
}

json ConfigWriter::functional() const
{
    const auto& nodes = m_model.nodes();
    json layers = json::array();
    for (const auto& owned : m_model.layers()) {
        const Layer& layer = *owned;
        json inbound = json::array();
        std::optional<Shape> inShape;
        for (const auto& node : nodes) {
            if (node.layer != &layer || node.inputs.empty()) {
                continue;
            }
            if (!inShape) {
                inShape = shapeOf(node.inputs.front());
            }
            if (!m_k3) {
                // An RNN lists x, then its initial states, then its constants (tf_keras engine/node.py).
                json call = json::array();
                for (const auto& ref : node.inputs) {
                    call.push_back(tensorRef(ref));
                }
                inbound.push_back(std::move(call));
                continue;
            }
            json args = json::array();
            json kwargs = json::object();
            if (dynamic_cast<const MergeLayer*>(&layer) != nullptr) {
                json list = json::array();
                for (const auto& ref : node.inputs) {
                    list.push_back(tensorRef(ref));
                }
                args.push_back(std::move(list));
            } else {
                args.push_back(tensorRef(node.inputs.front()));
                if (node.inputs.size() > 1) {
                    json states = json::array();
                    for (std::size_t k = 1; k < node.inputs.size(); ++k) {
                        states.push_back(tensorRef(node.inputs[k]));
                    }
                    kwargs["initial_state"] = std::move(states);
                }
            }
            inbound.push_back({{"args", std::move(args)}, {"kwargs", std::move(kwargs)}});
        }
        json entry = layerObject(layer, inShape);
        entry["name"] = layer.name();
        entry["inbound_nodes"] = std::move(inbound);
        layers.push_back(std::move(entry));
    }
    auto refList = [&](const std::vector<TensorRef>& refs) {
        json list = json::array();
        for (const auto& r : refs) {
            list.push_back(json::array({nodes[r.node].layer->name(), callIndex(r.node), r.index}));
        }
        // Keras 3 writes a single tensor flat, a list nested; tf.keras always nested (keras-formats §2, §3.3).
        return m_k3 && list.size() == 1 ? list[0] : list;
    };
    std::vector<TensorRef> inputs;
    for (const auto& in : m_model.inputs()) {
        inputs.push_back({in.node, 0});
    }
    std::vector<TensorRef> outputs;
    for (const auto& out : m_model.outputs()) {
        outputs.push_back(out.ref);
    }
    json c;
    c["name"] = m_model.name();
    c["trainable"] = true;
    c["layers"] = std::move(layers);
    c["input_layers"] = refList(inputs);
    c["output_layers"] = refList(outputs);
    if (m_k3) {
        return {{"module", "keras.src.models.functional"}, {"class_name", "Functional"}, {"config", std::move(c)},
            {"registered_name", "Functional"}, {"build_config", {{"input_shape", nullptr}}}};
    }
    return {{"class_name", "Functional"}, {"config", std::move(c)}};
}

json ConfigWriter::write() const
{
    checkStatefulInputs();
    // A Sequential model is a chain from its one InputLayer; anything else is written as Functional.
    bool chain = m_model.className() == "Sequential" && m_model.inputs().size() == 1 && m_model.outputs().size() == 1;
    const auto& nodes = m_model.nodes();
    for (std::size_t i = 0; chain && i < nodes.size(); ++i) {
        chain = i == 0
            ? nodes[i].inputs.empty()
            : nodes[i].inputs.size() == 1 && nodes[i].inputs[0].node == i - 1 && nodes[i].inputs[0].index == 0;
    }
    chain = chain && nodes.size() == m_model.layers().size() && m_model.outputs()[0].ref.node == nodes.size() - 1;
    return chain ? sequential() : functional();
}

} // namespace

nlohmann::ordered_json kerasConfigFromModel(
    const Model& model, KerasGeneration generation, const std::string& outputFile)
{
    return ConfigWriter(model, generation, outputFile).write();
}

} // namespace rnnscope::io
