#pragma once
// A Keras model as a graph of layer calls: Sequential models are chains, Functional models DAGs with several
// inputs and outputs (an encoder's states feeding a decoder's initial_state). Layers may be called more than once.
//
// Keras's mask propagation: each tensor carries the mask its producing layer computed (Embedding mask_zero,
// Masking, RNN with return_sequences, ...), and a layer receives the masks of its inputs.

#include <memory>

#include "layer.h"

namespace rnnscope {

struct TensorRef
{
    std::size_t node = 0; // index into Model::nodes()
    std::size_t index = 0; // which output of that node's call
};

struct ModelNode
{
    Layer* layer = nullptr;
    std::vector<TensorRef> inputs; // empty for an InputLayer node
};

struct ModelInput
{
    std::string name; // the InputLayer's name
    Shape shape; // with the batch dimension; -1 = unknown
    bool integer = false; // feeds an Embedding (ids)
    std::size_t node = 0;
};

struct ModelOutputSpec
{
    std::string name; // "<layer>" or "<layer>_<k>" for a layer's k-th output
    TensorRef ref;
};

class Model
{
public:
    Model(std::string name, std::string className)
        : m_name(std::move(name))
        , m_className(std::move(className))
    {
    }

    const std::string& name() const { return m_name; }
    const std::string& className() const { return m_className; } // "Sequential", "Functional"
    int kerasMajorVersion() const { return m_kerasMajor; }
    void setKerasVersion(std::string version, int major)
    {
        m_kerasVersion = std::move(version);
        m_kerasMajor = major;
    }
    const std::string& kerasVersion() const { return m_kerasVersion; }

    // Building. Layers are owned in model.layers order (what Keras's weight files are keyed by).
    Layer& addLayer(std::unique_ptr<Layer> layer);
    std::size_t addInputNode(Layer& inputLayer, Shape shape, bool integer); // returns node index
    std::size_t addNode(Layer& layer, std::vector<TensorRef> inputs); // returns node index
    void addOutput(TensorRef ref, std::string name);
    // Orders nodes so that every input is computed first, checks shapes by inference; throws ModelError.
    void finalize();

    const std::vector<std::unique_ptr<Layer>>& layers() const { return m_layers; }
    Layer* findLayer(const std::string& name) const;
    const std::vector<ModelNode>& nodes() const { return m_nodes; }
    const std::vector<ModelInput>& inputs() const { return m_inputs; }
    const std::vector<ModelOutputSpec>& outputs() const { return m_outputs; }
    // Symbolic output shapes of each node, computed by finalize().
    const std::vector<std::vector<Shape>>& nodeShapes() const { return m_nodeShapes; }
    std::vector<Layer*> recurrentLayers() const;

    // model.predict on one batch: one tensor per model input (masks optional, one per input), outputs in
    // Keras's order. Throws ModelError for inputs that do not fit.
    std::vector<Tensor> predict(
        const std::vector<Tensor>& inputs, const std::vector<const Mask*>& masks, CallContext& context);
    std::vector<Tensor> predict(const std::vector<Tensor>& inputs);
    void resetStates();

private:
    std::string m_name;
    std::string m_className;
    std::string m_kerasVersion;
    int m_kerasMajor = 2;
    std::vector<std::unique_ptr<Layer>> m_layers;
    std::vector<ModelNode> m_nodes;
    std::vector<ModelInput> m_inputs;
    std::vector<ModelOutputSpec> m_outputs;
    std::vector<std::vector<Shape>> m_nodeShapes;
};

} // namespace rnnscope
