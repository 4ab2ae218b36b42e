#include "tensor.h"

#include <limits>
#include <stdexcept>

namespace rnnscope {

std::string shapeToString(const Shape& shape)
{
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) {
            s += ", ";
        }
        s += shape[i] < 0 ? std::string("None") : std::to_string(shape[i]);
    }
    if (shape.size() == 1) {
        s += ",";
    }
    return s + ")";
}

Index shapeVolume(const Shape& shape)
{
    Index volume = 1;
    for (Index d : shape) {
        if (d < 0) {
            throw std::invalid_argument("shape " + shapeToString(shape) + " has an unknown dimension");
        }
        if (d != 0 && volume > std::numeric_limits<Index>::max() / d) {
            throw std::invalid_argument("shape " + shapeToString(shape) + " is too large");
        }
        volume *= d;
    }
    return volume;
}

Tensor::Tensor(Shape shape, float fill)
    : m_shape(std::move(shape))
    , m_values(static_cast<std::size_t>(shapeVolume(m_shape)), fill)
{
}

Tensor::Tensor(Shape shape, std::vector<float> values)
    : m_shape(std::move(shape))
    , m_values(std::move(values))
{
    if (static_cast<Index>(m_values.size()) != shapeVolume(m_shape)) {
        throw std::invalid_argument("tensor of shape " + shapeToString(m_shape) + " needs "
            + std::to_string(shapeVolume(m_shape)) + " values, got " + std::to_string(m_values.size()));
    }
}

Index Tensor::dim(Index axis) const
{
    const Index r = rank();
    const Index a = axis < 0 ? axis + r : axis;
    if (a < 0 || a >= r) {
        throw std::out_of_range("axis " + std::to_string(axis) + " out of range for shape " + shapeToString(m_shape));
    }
    return m_shape[static_cast<std::size_t>(a)];
}

MatrixMap Tensor::matrix()
{
    const Index cols = m_shape.empty() ? 1 : m_shape.back();
    const Index rows = cols == 0 ? 0 : size() / cols;
    return {m_values.data(), rows, cols};
}

ConstMatrixMap Tensor::matrix() const
{
    const Index cols = m_shape.empty() ? 1 : m_shape.back();
    const Index rows = cols == 0 ? 0 : size() / cols;
    return {m_values.data(), rows, cols};
}

Tensor Tensor::reshaped(Shape shape) const
{
    return {std::move(shape), m_values};
}

Tensor swapBatchAndTime(const Tensor& t)
{
    if (t.rank() < 2) {
        throw std::invalid_argument("cannot swap batch and time of a tensor of shape " + shapeToString(t.shape()));
    }
    Shape s = t.shape();
    std::swap(s[0], s[1]);
    Tensor out(s);
    const Index a = t.dim(0);
    const Index b = t.dim(1);
    const Index inner = a * b == 0 ? 0 : t.size() / (a * b);
    for (Index i = 0; i < a; ++i) {
        for (Index j = 0; j < b; ++j) {
            std::copy(
                t.data() + (i * b + j) * inner, t.data() + (i * b + j + 1) * inner, out.data() + (j * a + i) * inner);
        }
    }
    return out;
}

Mask::Mask(Index batch, Index steps, bool fill)
    : m_batch(batch)
    , m_steps(steps)
    , m_values(static_cast<std::size_t>(batch * steps), fill ? 1 : 0)
{
}

Mask::Mask(Index batch, Index steps, std::vector<std::uint8_t> values)
    : m_batch(batch)
    , m_steps(steps)
    , m_values(std::move(values))
{
    if (static_cast<Index>(m_values.size()) != batch * steps) {
        throw std::invalid_argument("mask of shape " + shapeToString({batch, steps}) + " needs "
            + std::to_string(batch * steps) + " values, got " + std::to_string(m_values.size()));
    }
    for (auto& v : m_values) {
        v = v != 0 ? 1 : 0;
    }
}

bool Mask::allTrue() const
{
    for (auto v : m_values) {
        if (v == 0) {
            return false;
        }
    }
    return true;
}

} // namespace rnnscope
