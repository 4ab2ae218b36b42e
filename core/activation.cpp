#include "activation.h"

#include <algorithm>
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

// Calls each(f) with f applying the element-wise activation `kind` in place to a Packet; the switch runs once per
// call, not once per packet.
template <typename Each> void dispatchElementwise(ActivationKind kind, const Each& each)
{
    switch (kind) {
    case ActivationKind::Linear:
    case ActivationKind::Softmax: // row-wise, not element-wise: Activation::apply
        return;
    case ActivationKind::Tanh:
        each([](Packet a) { a = a.tanh(); });
        return;
    case ActivationKind::Sigmoid:
        each([](Packet a) { a = a.logistic(); });
        return;
    case ActivationKind::HardSigmoidKeras2:
        each([](Packet a) { a = (a * 0.2F + 0.5F).max(0.0F).min(1.0F); });
        return;
    case ActivationKind::HardSigmoidKeras3:
        each([](Packet a) { a = (a / 6.0F + 0.5F).max(0.0F).min(1.0F); });
        return;
    case ActivationKind::Relu:
        each([](Packet a) { a = a.max(0.0F); });
        return;
    case ActivationKind::Relu6:
        each([](Packet a) { a = a.max(0.0F).min(6.0F); });
        return;
    case ActivationKind::Elu:
        each([](Packet a) { a = (a > 0.0F).select(a, a.exp() - 1.0F); });
        return;
    case ActivationKind::Selu:
        each([](Packet a) {
            constexpr float alpha = 1.6732632423543772F;
            constexpr float scale = 1.0507009873554805F;
            a = scale * (a > 0.0F).select(a, alpha * (a.exp() - 1.0F));
        });
        return;
    case ActivationKind::Softplus:
        // log(1 + e^x) computed without overflow for large x.
        each([](Packet a) { a = a.max(0.0F) + (-a.abs()).exp().log1p(); });
        return;
    case ActivationKind::Softsign:
        each([](Packet a) { a = a / (a.abs() + 1.0F); });
        return;
    case ActivationKind::Exponential:
        each([](Packet a) { a = a.exp(); });
        return;
    case ActivationKind::Swish:
        each([](Packet a) { a = a * a.logistic(); });
        return;
    }
}

// Applies f to every value of a row-major block, a packet at a time; the last values of a row that do not fill a
// packet go through a zero-padded copy. So every value takes the same vector code wherever the block lies: Eigen's
// own loops peel the unaligned head of a block into scalar code (std::tanh, std::exp, with other roundings), and a
// layer's last bits would then depend on where the heap put its tensor (a model loaded twice could differ).
template <typename F> void forEachPacket(float* data, Index rows, Index cols, Index rowStride, const F& f)
{
    constexpr Index kP = Activation::kPacketFloats;
    for (Index r = 0; r < rows; ++r) {
        float* row = data + r * rowStride;
        Index j = 0;
        for (; j + kP <= cols; j += kP) {
            f(Packet(row + j));
        }
        if (j < cols) {
            alignas(64) float tail[kP] = {};
            std::copy(row + j, row + cols, tail);
            f(Packet(tail));
            std::copy(tail, tail + (cols - j), row + j);
        }
    }
}

} // namespace

void Activation::apply(Eigen::Ref<RowMatrix, 0, Eigen::OuterStride<>> block) const
{
    if (m_kind != ActivationKind::Softmax) {
        dispatchElementwise(m_kind,
            [&](const auto& f) { forEachPacket(block.data(), block.rows(), block.cols(), block.outerStride(), f); });
        return;
    }
    for (Index r = 0; r < block.rows(); ++r) {
        float* row = block.data() + r * block.outerStride();
        const float mx = block.row(r).maxCoeff();
        block.row(r).array() -= mx;
        forEachPacket(row, 1, block.cols(), block.cols(), [](Packet a) { a = a.exp(); });
        // Summed in index order: Eigen's vectorised sum() would start at the row's first aligned address.
        float total = 0.0F;
        for (Index c = 0; c < block.cols(); ++c) {
            total += row[c];
        }
        block.row(r) /= total;
    }
}

void Activation::applyToPacket(float* values) const
{
    dispatchElementwise(m_kind, [&](const auto& f) { f(Packet(values)); });
}

} // namespace rnnscope
