#include "trace.h"

namespace rnnscope {

TraceSeries::TraceSeries(std::string name, Index steps, Index batch, Index width)
    : m_name(std::move(name))
    , m_steps(steps)
    , m_batch(batch)
    , m_width(width)
    , m_values(static_cast<std::size_t>(shapeVolume({steps, batch, width})), 0.0F)
{
}

Tensor TraceSeries::toBatchMajor() const
{
    Tensor out({m_batch, m_steps, m_width});
    for (Index s = 0; s < m_steps; ++s) {
        for (Index b = 0; b < m_batch; ++b) {
            const float* src = stepData(s) + b * m_width;
            std::copy(src, src + m_width, out.data() + (b * m_steps + s) * m_width);
        }
    }
    return out;
}

const LayerTrace* ModelTrace::find(const std::string& layerName) const
{
    for (const auto& l : layers) {
        if (l.name == layerName) {
            return &l;
        }
    }
    return nullptr;
}

} // namespace rnnscope
