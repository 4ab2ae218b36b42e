#include "activation.h"

#include <cmath>

#include "errors.h"

namespace rnnscope {

Activation Activation::fromKerasName(const std::string& name, int kerasMajorVersion)
{
    // Names as Keras serialises them; TF.js's camelCase spellings are accepted as well.
    if (name == "linear" || name.empty()) {
        return Activation(ActivationKind::Linear);
    }
    if (name == "tanh") {
        return Activation(ActivationKind::Tanh);
    }
    if (name == "sigmoid") {
        return Activation(ActivationKind::Sigmoid);
    }
    if (name == "hard_sigmoid" || name == "hardSigmoid") {
        return Activation(
            kerasMajorVersion >= 3 ? ActivationKind::HardSigmoidKeras3 : ActivationKind::HardSigmoidKeras2);
    }
    if (name == "relu") {
        return Activation(ActivationKind::Relu);
    }
    if (name == "relu6") {
        return Activation(ActivationKind::Relu6);
    }
    if (name == "elu") {
        return Activation(ActivationKind::Elu);
    }
    if (name == "selu") {
        return Activation(ActivationKind::Selu);
    }
    if (name == "softplus") {
        return Activation(ActivationKind::Softplus);
    }
    if (name == "softsign") {
        return Activation(ActivationKind::Softsign);
    }
    if (name == "exponential") {
        return Activation(ActivationKind::Exponential);
    }
    if (name == "swish" || name == "silu") {
        return Activation(ActivationKind::Swish);
    }
    if (name == "softmax") {
        return Activation(ActivationKind::Softmax);
    }
    throw ModelError("unknown activation '" + name + "'");
}

std::string Activation::name() const
{
    switch (m_kind) {
    case ActivationKind::Linear:
        return "linear";
    case ActivationKind::Tanh:
        return "tanh";
    case ActivationKind::Sigmoid:
        return "sigmoid";
    case ActivationKind::HardSigmoidKeras2:
        return "hard_sigmoid (Keras 2: 0.2x+0.5)";
    case ActivationKind::HardSigmoidKeras3:
        return "hard_sigmoid (Keras 3: x/6+0.5)";
    case ActivationKind::Relu:
        return "relu";
    case ActivationKind::Relu6:
        return "relu6";
    case ActivationKind::Elu:
        return "elu";
    case ActivationKind::Selu:
        return "selu";
    case ActivationKind::Softplus:
        return "softplus";
    case ActivationKind::Softsign:
        return "softsign";
    case ActivationKind::Exponential:
        return "exponential";
    case ActivationKind::Swish:
        return "swish";
    case ActivationKind::Softmax:
        return "softmax";
    }
    return "linear";
}

void Activation::apply(float* data, Index rows, Index cols) const
{
    Eigen::Map<RowMatrix> m(data, rows, cols);
    apply(Eigen::Ref<RowMatrix, 0, Eigen::OuterStride<>>(m));
}

namespace {

// The element-wise activations on any Eigen array expression: a block of a matrix, or one 16-float packet.
template <typename A> void applyElementwise(ActivationKind kind, A&& a)
{
    switch (kind) {
    case ActivationKind::Linear:
    case ActivationKind::Softmax: // row-wise, not element-wise: Activation::apply
        return;
    case ActivationKind::Tanh:
        a = a.tanh();
        return;
    case ActivationKind::Sigmoid:
        a = a.logistic();
        return;
    case ActivationKind::HardSigmoidKeras2:
        a = (a * 0.2F + 0.5F).max(0.0F).min(1.0F);
        return;
    case ActivationKind::HardSigmoidKeras3:
        a = (a / 6.0F + 0.5F).max(0.0F).min(1.0F);
        return;
    case ActivationKind::Relu:
        a = a.max(0.0F);
        return;
    case ActivationKind::Relu6:
        a = a.max(0.0F).min(6.0F);
        return;
    case ActivationKind::Elu:
        a = (a > 0.0F).select(a, a.exp() - 1.0F);
        return;
    case ActivationKind::Selu: {
        constexpr float alpha = 1.6732632423543772F;
        constexpr float scale = 1.0507009873554805F;
        a = scale * (a > 0.0F).select(a, alpha * (a.exp() - 1.0F));
        return;
    }
    case ActivationKind::Softplus:
        // log(1 + e^x) computed without overflow for large x.
        a = a.max(0.0F) + (-a.abs()).exp().log1p();
        return;
    case ActivationKind::Softsign:
        a = a / (a.abs() + 1.0F);
        return;
    case ActivationKind::Exponential:
        a = a.exp();
        return;
    case ActivationKind::Swish:
        a = a * a.logistic();
        return;
    }
}

} // namespace

void Activation::apply(Eigen::Ref<RowMatrix, 0, Eigen::OuterStride<>> block) const
{
    if (m_kind != ActivationKind::Softmax) {
        applyElementwise(m_kind, block.array());
        return;
    }
    for (Index r = 0; r < block.rows(); ++r) {
        const float mx = block.row(r).maxCoeff();
        block.row(r).array() = (block.row(r).array() - mx).exp();
        block.row(r) /= block.row(r).sum();
    }
}

void Activation::applyToPacket(float* values) const
{
    applyElementwise(m_kind, Eigen::Map<Eigen::Array<float, kPacketFloats, 1>>(values));
}

} // namespace rnnscope
