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

void Activation::apply(Eigen::Ref<RowMatrix, 0, Eigen::OuterStride<>> block) const
{
    switch (m_kind) {
    case ActivationKind::Linear:
        return;
    case ActivationKind::Tanh:
        block.array() = block.array().tanh();
        return;
    case ActivationKind::Sigmoid:
        block.array() = block.array().logistic();
        return;
    case ActivationKind::HardSigmoidKeras2:
        block.array() = (block.array() * 0.2F + 0.5F).max(0.0F).min(1.0F);
        return;
    case ActivationKind::HardSigmoidKeras3:
        block.array() = (block.array() / 6.0F + 0.5F).max(0.0F).min(1.0F);
        return;
    case ActivationKind::Relu:
        block.array() = block.array().max(0.0F);
        return;
    case ActivationKind::Relu6:
        block.array() = block.array().max(0.0F).min(6.0F);
        return;
    case ActivationKind::Elu:
        block.array() = (block.array() > 0.0F).select(block.array(), block.array().exp() - 1.0F);
        return;
    case ActivationKind::Selu: {
        constexpr float alpha = 1.6732632423543772F;
        constexpr float scale = 1.0507009873554805F;
        block.array() = scale * (block.array() > 0.0F).select(block.array(), alpha * (block.array().exp() - 1.0F));
        return;
    }
    case ActivationKind::Softplus:
        // log(1 + e^x) computed without overflow for large x.
        block.array() = block.array().max(0.0F) + (-block.array().abs()).exp().log1p();
        return;
    case ActivationKind::Softsign:
        block.array() = block.array() / (block.array().abs() + 1.0F);
        return;
    case ActivationKind::Exponential:
        block.array() = block.array().exp();
        return;
    case ActivationKind::Swish:
        block.array() = block.array() * block.array().logistic();
        return;
    case ActivationKind::Softmax:
        for (Index r = 0; r < block.rows(); ++r) {
            const float mx = block.row(r).maxCoeff();
            block.row(r).array() = (block.row(r).array() - mx).exp();
            block.row(r) /= block.row(r).sum();
        }
        return;
    }
}

} // namespace rnnscope
