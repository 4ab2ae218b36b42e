#pragma once
// Dense float32 tensors and masks: the values that flow between layers of a model.
//
// Layout is C order (row-major) like numpy and Keras, so a [B,T,F] tensor is B blocks of T rows of F floats.
// Shapes use -1 for a dimension that is unknown (Keras's None) only in symbolic shapes; a Tensor holding
// values always has a fully known shape.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace rnnscope {

using Index = std::int64_t;
using Shape = std::vector<Index>;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

// "(2, 10, 8)" with "None" for unknown dimensions, the way Keras prints shapes.
std::string shapeToString(const Shape& shape);
// Number of elements; throws std::invalid_argument for unknown or negative dimensions or overflow.
Index shapeVolume(const Shape& shape);

class Tensor
{
public:
    Tensor() = default;
    explicit Tensor(Shape shape, float fill = 0.0F);
    Tensor(Shape shape, std::vector<float> values); // throws if values.size() != volume(shape)

    const Shape& shape() const { return m_shape; }
    Index rank() const { return static_cast<Index>(m_shape.size()); }
    Index dim(Index axis) const; // negative axis counts from the end, as in numpy
    Index size() const { return static_cast<Index>(m_values.size()); }
    bool empty() const { return m_values.empty(); }

    float* data() { return m_values.data(); }
    const float* data() const { return m_values.data(); }
    const std::vector<float>& values() const { return m_values; }
    std::vector<float>& values() { return m_values; }

    // The tensor as a matrix whose columns are the last axis and whose rows are all leading axes flattened.
    MatrixMap matrix();
    ConstMatrixMap matrix() const;

    // Same values under another shape of equal volume.
    Tensor reshaped(Shape shape) const;

    float& at(Index i0, Index i1) { return m_values[static_cast<std::size_t>(i0 * m_shape[1] + i1)]; }
    float at(Index i0, Index i1) const { return m_values[static_cast<std::size_t>(i0 * m_shape[1] + i1)]; }
    float& at(Index i0, Index i1, Index i2)
    {
        return m_values[static_cast<std::size_t>((i0 * m_shape[1] + i1) * m_shape[2] + i2)];
    }
    float at(Index i0, Index i1, Index i2) const
    {
        return m_values[static_cast<std::size_t>((i0 * m_shape[1] + i1) * m_shape[2] + i2)];
    }

private:
    Shape m_shape;
    std::vector<float> m_values;
};

// [B, T, ...] <-> [T, B, ...]: batch-major to time-major and back (rank >= 2).
Tensor swapBatchAndTime(const Tensor& t);

// A Keras timestep mask: [batch, steps], true where the step is kept.
class Mask
{
public:
    Mask() = default;
    Mask(Index batch, Index steps, bool fill = true);
    Mask(Index batch, Index steps, std::vector<std::uint8_t> values);

    Index batch() const { return m_batch; }
    Index steps() const { return m_steps; }
    bool at(Index b, Index t) const { return m_values[static_cast<std::size_t>(b * m_steps + t)] != 0; }
    void set(Index b, Index t, bool keep) { m_values[static_cast<std::size_t>(b * m_steps + t)] = keep ? 1 : 0; }
    const std::vector<std::uint8_t>& values() const { return m_values; }
    bool allTrue() const;

private:
    Index m_batch = 0;
    Index m_steps = 0;
    std::vector<std::uint8_t> m_values;
};

} // namespace rnnscope
