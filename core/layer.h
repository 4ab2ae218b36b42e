#pragma once
// A Keras layer in the engine: shape inference for `info`, weights in get_weights() order for the loaders,
// and call() on concrete tensors with Keras's mask propagation.

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cell.h"
#include "rnn_loop.h"
#include "tensor.h"
#include "trace.h"

namespace rnnscope {

struct LayerInput
{
    const Tensor* tensor = nullptr;
    const Mask* mask = nullptr; // the Keras mask carried by this tensor, or nullptr
};

struct LayerOutput
{
    Tensor tensor;
    std::optional<Mask> mask;
};

// What-if edits for one recurrent layer (or one direction "<layer>/forward", "<layer>/backward").
using StateEditMap = std::map<std::string, std::vector<StateEdit>>;

struct CallRecord;

struct CallContext
{
    ModelTrace* trace = nullptr; // when set, recurrent layers append their LayerTrace (as trace->recording says)
    const std::atomic<bool>* cancel = nullptr; // when set and raised, the run stops with RunCancelled
    const StateEditMap* edits = nullptr;
    bool training = false; // inference only: Dropout is the identity
    // Re-running from the changed layer on (node_reuse.h): the call records its nodes into `record`, and takes a
    // node whose signature equals the one in `reuse` from there (with its trace layers from `reuseTrace`).
    CallRecord* record = nullptr;
    const CallRecord* reuse = nullptr;
    const ModelTrace* reuseTrace = nullptr;
};

class Layer
{
public:
    explicit Layer(std::string name)
        : m_name(std::move(name))
    {
    }
    virtual ~Layer() = default;
    Layer(const Layer&) = delete;
    Layer& operator=(const Layer&) = delete;

    const std::string& name() const { return m_name; }
    void rename(std::string name) { m_name = std::move(name); }
    virtual std::string className() const = 0;
    // One line for `info`: the class and the options that matter, e.g. "LSTM(32, return_sequences=True)".
    virtual std::string describe() const { return className(); }

    // Like Keras's build(): creates the weights once the input shapes are known. Model::finalize() calls it.
    virtual void build(const std::vector<Shape>& inputShapes) { (void)inputShapes; }
    virtual bool built() const { return true; }
    virtual std::vector<WeightSlot> weights() { return {}; } // valid after build()
    // Symbolic shapes (-1 = unknown); throws ModelError when the inputs cannot feed this layer.
    virtual std::vector<Shape> outputShapes(const std::vector<Shape>& inputShapes) const = 0;
    virtual std::vector<LayerOutput> call(const std::vector<LayerInput>& inputs, CallContext& context) = 0;
    // For a layer whose one output is its one input unchanged (InputLayer): makes the checks `call` makes and
    // returns that input, so Model::predict hands the caller's tensor on instead of a copy of it (an input sequence
    // is megabytes; copying W5's was 3% of its profile, on one thread). Other layers: nullopt, and `call` computes the
    // output.
    virtual std::optional<LayerInput> passThrough(const std::vector<LayerInput>& inputs) const
    {
        (void)inputs;
        return std::nullopt;
    }

    virtual bool isRecurrent() const { return false; }
    // Everything the layer's outputs depend on besides its inputs (class, options, weights), hashed: equal hashes
    // and equal inputs give equal outputs.
    virtual std::uint64_t configurationHash();
    // False when a call changes the layer itself (a stateful RNN's states), so an earlier output cannot stand in.
    virtual bool reusable() const { return true; }
    virtual void resetStates() { }

protected:
    // Throws ModelError "<layer> (<class>) expects N inputs, got M".
    void expectInputCount(std::size_t got, std::size_t want) const;

private:
    std::string m_name;
};

} // namespace rnnscope
