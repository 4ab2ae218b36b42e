#include "basic_layers.h"

#include <cmath>

#include "../errors.h"

namespace rnnscope {

namespace {

std::optional<Mask> maskOf(const LayerInput& in)
{
    return in.mask != nullptr ? std::optional<Mask>(*in.mask) : std::nullopt;
}

// One output, moved into place. `return {{y, mask}}` builds the output in an initializer list, whose elements are
// const, so the vector copies the tensor out of it: megabytes for an input sequence, on every run.
std::vector<LayerOutput> oneOutput(Tensor tensor, std::optional<Mask> mask)
{
    std::vector<LayerOutput> out;
    out.push_back({std::move(tensor), std::move(mask)});
    return out;
}

std::string layerTag(const Layer& l)
{
    return "layer '" + l.name() + "' (" + l.className() + ")";
}

} // namespace

// --- InputLayer ---

InputLayer::InputLayer(std::string name, Shape batchShape, bool integer)
    : Layer(std::move(name))
    , m_batchShape(std::move(batchShape))
    , m_integer(integer)
{
}

std::string InputLayer::describe() const
{
    return "InputLayer(" + shapeToString(m_batchShape) + (m_integer ? ", int" : "") + ")";
}

std::vector<Shape> InputLayer::outputShapes(const std::vector<Shape>& /*inputShapes*/) const
{
    return {m_batchShape};
}

std::vector<LayerOutput> InputLayer::call(const std::vector<LayerInput>& inputs, CallContext& /*context*/)
{
    const LayerInput in = *passThrough(inputs);
    return oneOutput(*in.tensor, maskOf(in));
}

std::optional<LayerInput> InputLayer::passThrough(const std::vector<LayerInput>& inputs) const
{
    expectInputCount(inputs.size(), 1);
    const Tensor& x = *inputs[0].tensor;
    bool fits = x.rank() == static_cast<Index>(m_batchShape.size());
    for (std::size_t i = 0; fits && i < m_batchShape.size(); ++i) {
        fits = m_batchShape[i] < 0 || m_batchShape[i] == x.shape()[i];
    }
    if (!fits) {
        throw ModelError("input '" + name() + "' expects shape " + shapeToString(m_batchShape) + ", got "
            + shapeToString(x.shape()));
    }
    return inputs[0];
}

// --- Embedding ---

EmbeddingLayer::EmbeddingLayer(std::string name, Index inputDim, Index outputDim, bool maskZero)
    : Layer(std::move(name))
    , m_inputDim(inputDim)
    , m_outputDim(outputDim)
    , m_maskZero(maskZero)
    , m_embeddings(RowMatrix::Zero(inputDim, outputDim))
{
}

std::string EmbeddingLayer::describe() const
{
    return "Embedding(" + std::to_string(m_inputDim) + ", " + std::to_string(m_outputDim)
        + (m_maskZero ? ", mask_zero" : "") + ")";
}

std::vector<WeightSlot> EmbeddingLayer::weights()
{
    return {{"embeddings", {m_inputDim, m_outputDim}, m_embeddings.data()}};
}

std::vector<Shape> EmbeddingLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    Shape s = inputShapes.at(0);
    s.push_back(m_outputDim);
    return {s};
}

std::vector<LayerOutput> EmbeddingLayer::call(const std::vector<LayerInput>& inputs, CallContext& /*context*/)
{
    expectInputCount(inputs.size(), 1);
    const Tensor& ids = *inputs[0].tensor;
    Shape s = ids.shape();
    s.push_back(m_outputDim);
    Tensor out(s);
    for (Index i = 0; i < ids.size(); ++i) {
        const float v = ids.data()[i];
        const auto id = static_cast<Index>(v);
        if (!(v >= 0.0F) || static_cast<float>(id) != v || id >= m_inputDim) {
            throw ModelError(layerTag(*this) + ": id " + std::to_string(v) + " at position " + std::to_string(i)
                + " is not an integer in [0, " + std::to_string(m_inputDim) + ")");
        }
        std::copy(m_embeddings.row(id).data(), m_embeddings.row(id).data() + m_outputDim, out.data() + i * m_outputDim);
    }
    std::optional<Mask> mask;
    if (m_maskZero) {
        if (ids.rank() != 2) {
            throw ModelError(layerTag(*this) + ": mask_zero needs ids of shape (batch, timesteps), got "
                + shapeToString(ids.shape()));
        }
        std::vector<std::uint8_t> m(static_cast<std::size_t>(ids.size()));
        for (Index i = 0; i < ids.size(); ++i) {
            m[static_cast<std::size_t>(i)] = ids.data()[i] != 0.0F ? 1 : 0;
        }
        mask = Mask(ids.dim(0), ids.dim(1), std::move(m));
    }
    return oneOutput(std::move(out), std::move(mask));
}

// --- Masking ---

MaskingLayer::MaskingLayer(std::string name, float maskValue)
    : Layer(std::move(name))
    , m_maskValue(maskValue)
{
}

std::string MaskingLayer::describe() const
{
    return "Masking(mask_value=" + std::to_string(m_maskValue) + ")";
}

std::vector<Shape> MaskingLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    return {inputShapes.at(0)};
}

std::vector<LayerOutput> MaskingLayer::call(const std::vector<LayerInput>& inputs, CallContext& /*context*/)
{
    expectInputCount(inputs.size(), 1);
    const Tensor& x = *inputs[0].tensor;
    if (x.rank() != 3) {
        throw ModelError(
            layerTag(*this) + " expects inputs (batch, timesteps, features), got " + shapeToString(x.shape()));
    }
    const Index batch = x.dim(0);
    const Index steps = x.dim(1);
    const Index features = x.dim(2);
    Tensor out = x;
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(batch * steps), 0);
    for (Index r = 0; r < batch * steps; ++r) {
        bool any = false;
        for (Index f = 0; f < features; ++f) {
            // not_equal is true for NaN, as in Keras.
            any = any || !(x.data()[r * features + f] == m_maskValue);
        }
        keep[static_cast<std::size_t>(r)] = any ? 1 : 0;
        if (!any) {
            std::fill(out.data() + r * features, out.data() + (r + 1) * features, 0.0F);
        }
    }
    return oneOutput(std::move(out), Mask(batch, steps, std::move(keep)));
}

// --- Dense ---

DenseLayer::DenseLayer(std::string name, Index units, Activation activation, bool useBias)
    : Layer(std::move(name))
    , m_units(units)
    , m_activation(activation)
    , m_useBias(useBias)
{
}

std::string DenseLayer::describe() const
{
    return "Dense(" + std::to_string(m_units) + ", activation=" + m_activation.name()
        + (m_useBias ? "" : ", use_bias=False") + ")";
}

void DenseLayer::build(const std::vector<Shape>& inputShapes)
{
    const Index in = inputShapes.at(0).empty() ? -1 : inputShapes.at(0).back();
    if (in < 0) {
        throw ModelError(layerTag(*this) + ": the last dimension of its input " + shapeToString(inputShapes.at(0))
            + " must be known");
    }
    if (m_inputSize == in) {
        return;
    }
    m_inputSize = in;
    m_kernel = RowMatrix::Zero(in, m_units);
    m_bias = RowVector::Zero(m_useBias ? m_units : 0);
}

std::vector<WeightSlot> DenseLayer::weights()
{
    std::vector<WeightSlot> w {{"kernel", {m_inputSize, m_units}, m_kernel.data()}};
    if (m_useBias) {
        w.push_back({"bias", {m_units}, m_bias.data()});
    }
    return w;
}

std::vector<Shape> DenseLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    Shape s = inputShapes.at(0);
    if (s.size() < 2) {
        throw ModelError(layerTag(*this) + " expects inputs of rank >= 2, got " + shapeToString(s));
    }
    if (m_inputSize >= 0 && s.back() >= 0 && s.back() != m_inputSize) {
        throw ModelError(
            layerTag(*this) + " expects " + std::to_string(m_inputSize) + " input features, got " + shapeToString(s));
    }
    s.back() = m_units;
    return {s};
}

void DenseLayer::apply(const ConstMatrixMap& x, MatrixMap y) const
{
    y.noalias() = x * m_kernel;
    if (m_useBias) {
        y.rowwise() += m_bias;
    }
    m_activation.apply(y);
}

std::vector<LayerOutput> DenseLayer::call(const std::vector<LayerInput>& inputs, CallContext& /*context*/)
{
    expectInputCount(inputs.size(), 1);
    const Tensor& x = *inputs[0].tensor;
    const auto shapes = outputShapes({x.shape()});
    if (x.shape().back() != m_inputSize) {
        throw ModelError(layerTag(*this) + " expects " + std::to_string(m_inputSize) + " input features, got "
            + shapeToString(x.shape()));
    }
    Tensor y(shapes[0]);
    apply(x.matrix(), y.matrix());
    return oneOutput(std::move(y), maskOf(inputs[0]));
}

// --- identity layers (Dropout & co. at inference) ---

IdentityLayer::IdentityLayer(std::string name, std::string kerasClass)
    : Layer(std::move(name))
    , m_class(std::move(kerasClass))
{
}

std::vector<Shape> IdentityLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    return {inputShapes.at(0)};
}

std::vector<LayerOutput> IdentityLayer::call(const std::vector<LayerInput>& inputs, CallContext& /*context*/)
{
    expectInputCount(inputs.size(), 1);
    return oneOutput(*inputs[0].tensor, maskOf(inputs[0]));
}

// --- Activation ---

ActivationLayer::ActivationLayer(std::string name, Activation activation)
    : Layer(std::move(name))
    , m_activation(activation)
{
}

std::string ActivationLayer::describe() const
{
    return "Activation(" + m_activation.name() + ")";
}

std::vector<Shape> ActivationLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    return {inputShapes.at(0)};
}

std::vector<LayerOutput> ActivationLayer::call(const std::vector<LayerInput>& inputs, CallContext& /*context*/)
{
    expectInputCount(inputs.size(), 1);
    Tensor y = *inputs[0].tensor;
    m_activation.apply(y.matrix());
    return oneOutput(std::move(y), maskOf(inputs[0]));
}

// --- RepeatVector ---

RepeatVectorLayer::RepeatVectorLayer(std::string name, Index n)
    : Layer(std::move(name))
    , m_n(n)
{
}

std::string RepeatVectorLayer::describe() const
{
    return "RepeatVector(" + std::to_string(m_n) + ")";
}

std::vector<Shape> RepeatVectorLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    const Shape& s = inputShapes.at(0);
    if (s.size() != 2) {
        throw ModelError(layerTag(*this) + " expects inputs (batch, features), got " + shapeToString(s));
    }
    return {{s[0], m_n, s[1]}};
}

std::vector<LayerOutput> RepeatVectorLayer::call(const std::vector<LayerInput>& inputs, CallContext& /*context*/)
{
    expectInputCount(inputs.size(), 1);
    const Tensor& x = *inputs[0].tensor;
    outputShapes({x.shape()});
    Tensor y({x.dim(0), m_n, x.dim(1)});
    for (Index b = 0; b < x.dim(0); ++b) {
        for (Index t = 0; t < m_n; ++t) {
            std::copy(x.data() + b * x.dim(1), x.data() + (b + 1) * x.dim(1), y.data() + (b * m_n + t) * x.dim(1));
        }
    }
    return oneOutput(std::move(y), std::nullopt);
}

// --- TimeDistributed ---

TimeDistributedLayer::TimeDistributedLayer(std::string name, std::unique_ptr<Layer> inner)
    : Layer(std::move(name))
    , m_inner(std::move(inner))
{
}

std::string TimeDistributedLayer::describe() const
{
    return "TimeDistributed(" + m_inner->describe() + ")";
}

namespace {
Shape withoutTime(const Shape& s)
{
    Shape inner {s[0] < 0 || s[1] < 0 ? -1 : s[0] * s[1]};
    inner.insert(inner.end(), s.begin() + 2, s.end());
    return inner;
}
} // namespace

void TimeDistributedLayer::build(const std::vector<Shape>& inputShapes)
{
    const Shape& s = inputShapes.at(0);
    if (s.size() < 3) {
        throw ModelError(layerTag(*this) + " expects inputs of rank >= 3, got " + shapeToString(s));
    }
    m_inner->build({withoutTime(s)});
}

std::vector<Shape> TimeDistributedLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    const Shape& s = inputShapes.at(0);
    if (s.size() < 3) {
        throw ModelError(layerTag(*this) + " expects inputs of rank >= 3, got " + shapeToString(s));
    }
    Shape inner = m_inner->outputShapes({withoutTime(s)}).at(0);
    Shape out {s[0], s[1]};
    out.insert(out.end(), inner.begin() + 1, inner.end());
    return {out};
}

std::vector<LayerOutput> TimeDistributedLayer::call(const std::vector<LayerInput>& inputs, CallContext& context)
{
    expectInputCount(inputs.size(), 1);
    const Tensor& x = *inputs[0].tensor;
    if (x.rank() < 3) {
        throw ModelError(layerTag(*this) + " expects inputs of rank >= 3, got " + shapeToString(x.shape()));
    }
    const Tensor flat = x.reshaped(withoutTime(x.shape()));
    auto inner = m_inner->call({{&flat, nullptr}}, context);
    Shape s {x.dim(0), x.dim(1)};
    s.insert(s.end(), inner[0].tensor.shape().begin() + 1, inner[0].tensor.shape().end());
    return oneOutput(inner[0].tensor.reshaped(s), maskOf(inputs[0]));
}

// --- merge layers ---

MergeLayer::MergeLayer(std::string name, MergeOp op, Index axis)
    : Layer(std::move(name))
    , m_op(op)
    , m_axis(axis)
{
}

std::string MergeLayer::className() const
{
    switch (m_op) {
    case MergeOp::Concatenate:
        return "Concatenate";
    case MergeOp::Add:
        return "Add";
    case MergeOp::Subtract:
        return "Subtract";
    case MergeOp::Multiply:
        return "Multiply";
    case MergeOp::Average:
        return "Average";
    case MergeOp::Maximum:
        return "Maximum";
    case MergeOp::Minimum:
        return "Minimum";
    }
    return "Merge";
}

std::vector<Shape> MergeLayer::outputShapes(const std::vector<Shape>& inputShapes) const
{
    if (inputShapes.size() < 2 || (m_op == MergeOp::Subtract && inputShapes.size() != 2)) {
        throw ModelError(layerTag(*this) + " needs " + (m_op == MergeOp::Subtract ? "exactly 2" : "at least 2")
            + " inputs, got " + std::to_string(inputShapes.size()));
    }
    const Shape& first = inputShapes[0];
    const auto rank = static_cast<Index>(first.size());
    const Index axis = m_axis < 0 ? m_axis + rank : m_axis;
    Shape out = first;
    for (std::size_t i = 1; i < inputShapes.size(); ++i) {
        const Shape& s = inputShapes[i];
        bool ok = s.size() == first.size();
        for (Index d = 0; ok && d < rank; ++d) {
            if (m_op == MergeOp::Concatenate && d == axis) {
                continue;
            }
            const Index a = first[static_cast<std::size_t>(d)];
            const Index b = s[static_cast<std::size_t>(d)];
            ok = a < 0 || b < 0 || a == b;
        }
        if (!ok) {
            throw ModelError(
                layerTag(*this) + ": incompatible input shapes " + shapeToString(first) + " and " + shapeToString(s));
        }
        if (m_op == MergeOp::Concatenate) {
            Index& o = out[static_cast<std::size_t>(axis)];
            const Index b = s[static_cast<std::size_t>(axis)];
            o = o < 0 || b < 0 ? -1 : o + b;
        }
    }
    return {out};
}

std::vector<LayerOutput> MergeLayer::call(const std::vector<LayerInput>& inputs, CallContext& /*context*/)
{
    std::vector<Shape> shapes;
    for (const auto& in : inputs) {
        shapes.push_back(in.tensor->shape());
    }
    const Shape outShape = outputShapes(shapes).at(0);
    Tensor y(outShape);
    if (m_op == MergeOp::Concatenate) {
        const auto rank = static_cast<Index>(outShape.size());
        const Index axis = m_axis < 0 ? m_axis + rank : m_axis;
        Index outer = 1;
        for (Index d = 0; d < axis; ++d) {
            outer *= outShape[static_cast<std::size_t>(d)];
        }
        Index offset = 0;
        const Index outInner = y.size() / std::max<Index>(outer, 1);
        for (const auto& in : inputs) {
            const Index inner = in.tensor->size() / std::max<Index>(outer, 1);
            for (Index o = 0; o < outer; ++o) {
                std::copy(in.tensor->data() + o * inner, in.tensor->data() + (o + 1) * inner,
                    y.data() + o * outInner + offset);
            }
            offset += inner;
        }
    } else {
        y = *inputs[0].tensor;
        MatrixMap acc = y.matrix();
        for (std::size_t i = 1; i < inputs.size(); ++i) {
            const ConstMatrixMap b = inputs[i].tensor->matrix();
            switch (m_op) {
            case MergeOp::Add:
            case MergeOp::Average:
                acc += b;
                break;
            case MergeOp::Subtract:
                acc -= b;
                break;
            case MergeOp::Multiply:
                acc.array() *= b.array();
                break;
            case MergeOp::Maximum:
                acc = acc.cwiseMax(b);
                break;
            case MergeOp::Minimum:
                acc = acc.cwiseMin(b);
                break;
            case MergeOp::Concatenate:
                break;
            }
        }
        if (m_op == MergeOp::Average) {
            acc /= static_cast<float>(inputs.size());
        }
    }
    // Output mask: the AND of the inputs' masks, an absent mask counting as all-true (Keras Merge.compute_mask).
    std::optional<Mask> mask;
    for (const auto& in : inputs) {
        if (in.mask == nullptr) {
            continue;
        }
        if (!mask) {
            mask = *in.mask;
            continue;
        }
        for (Index b = 0; b < mask->batch(); ++b) {
            for (Index t = 0; t < mask->steps(); ++t) {
                mask->set(b, t, mask->at(b, t) && in.mask->at(b, t));
            }
        }
    }
    return oneOutput(std::move(y), std::move(mask));
}

} // namespace rnnscope
