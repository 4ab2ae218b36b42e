#pragma once
// Keras activations by name, applied in place to a block of pre-activations.

#include <string>

#include "tensor.h"

namespace rnnscope {

enum class ActivationKind {
    Linear,
    Tanh,
    Sigmoid,
    HardSigmoidKeras2, // clip(0.2x + 0.5, 0, 1): Keras 1/2, tf.keras (backend.hard_sigmoid), TF.js
    HardSigmoidKeras3, // clip(x/6 + 0.5, 0, 1) = relu6(x + 3)/6: Keras 3 on every backend
    Relu,
    Relu6,
    Elu,
    Selu,
    Softplus,
    Softsign,
    Exponential,
    Swish, // also "silu"
    Softmax, // over the last axis
};

class Activation
{
public:
    Activation() = default;
    explicit Activation(ActivationKind kind)
        : m_kind(kind)
    {
    }

    // Resolves a Keras activation name. "hard_sigmoid" depends on the Keras major version that wrote the file
    // (keras-formats §4: tensorflow/tensorflow#65381). Throws ModelError naming an unknown activation.
    static Activation fromKerasName(const std::string& name, int kerasMajorVersion);

    ActivationKind kind() const { return m_kind; }
    std::string name() const;

    // Applies the activation element-wise (softmax: row-wise) to every element of the block.
    void apply(Eigen::Ref<RowMatrix, 0, Eigen::OuterStride<>> block) const;
    void apply(float* data, Index rows, Index cols) const;
    // The same on kPacketFloats consecutive values, a vector register's worth, so that a cell can apply its
    // activations inside one pass over its gates. Element-wise activations only (not softmax).
    static constexpr Index kPacketFloats = 16;
    bool elementwise() const { return m_kind != ActivationKind::Softmax; }
    void applyToPacket(float* values) const;

private:
    ActivationKind m_kind = ActivationKind::Linear;
};

// A vector register's worth of floats in place (Activation::kPacketFloats of them): what the fused gate passes and
// the activations work on.
using Packet = Eigen::Map<Eigen::Array<float, Activation::kPacketFloats, 1>>;
using ConstPacket = Eigen::Map<const Eigen::Array<float, Activation::kPacketFloats, 1>>;

// Calls f(rec, act) with two callables that apply `recurrent` and `activation` in place to kPacketFloats values:
// inlined for Keras's defaults (sigmoid, tanh), so that a cell's fused gate pass can interleave its gates'
// independent polynomial chains; through Activation::applyToPacket for any other pair.
template <typename F> void withPacketActivations(const Activation& recurrent, const Activation& activation, F&& f)
{
    if (recurrent.kind() == ActivationKind::Sigmoid && activation.kind() == ActivationKind::Tanh) {
        f(
            [](float* p) {
                Packet a(p);
                a = a.logistic();
            },
            [](float* p) {
                Packet a(p);
                a = a.tanh();
            });
    } else {
        f([&recurrent](float* p) { recurrent.applyToPacket(p); },
            [&activation](float* p) { activation.applyToPacket(p); });
    }
}

} // namespace rnnscope
