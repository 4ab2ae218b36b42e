#include "trace.h"

#include <algorithm>
#include <unordered_set>

#include "errors.h"

namespace rnnscope {

TraceSeries::TraceSeries(std::string name, Index steps, Index batch, Index width)
    : m_name(std::move(name))
    , m_steps(steps)
    , m_batch(batch)
    , m_width(width)
    , m_window(steps)
    , m_values(std::make_shared<TraceBuffer>(static_cast<std::size_t>(shapeVolume({steps, batch, width})), true))
{
}

TraceSeries TraceSeries::forRecording(std::string name, Index steps, Index batch, Index width, Index window)
{
    TraceSeries s;
    s.m_name = std::move(name);
    s.m_steps = steps;
    s.m_batch = batch;
    s.m_width = width;
    s.m_window = std::clamp<Index>(window, steps > 0 ? 1 : 0, steps);
    s.m_values
        = std::make_shared<TraceBuffer>(static_cast<std::size_t>(shapeVolume({s.m_window, batch, width})), false);
    return s;
}

float* TraceSeries::ownCopy()
{
    if (!m_values) {
        return nullptr;
    }
    auto own = std::make_shared<TraceBuffer>(m_values->size(), false);
    std::copy(m_values->data(), m_values->data() + m_values->size(), own->data());
    m_values = std::move(own);
    return m_values->data();
}

Tensor TraceSeries::toBatchMajor() const
{
    if (windowed()) {
        throw ModelError("series " + m_name + " holds only " + std::to_string(m_window) + " of its "
            + std::to_string(m_steps) + " steps (it was streamed)");
    }
    Tensor out({m_batch, m_steps, m_width});
    for (Index s = 0; s < m_steps; ++s) {
        for (Index b = 0; b < m_batch; ++b) {
            const float* src = stepData(s) + b * m_width;
            std::copy(src, src + m_width, out.data() + (b * m_steps + s) * m_width);
        }
    }
    return out;
}

bool TraceRequest::wantsLayer(const std::string& name) const
{
    return layers.empty() || std::find(layers.begin(), layers.end(), name) != layers.end();
}

namespace {

// Series sharing one buffer of values (an output that is the state h, copies not yet written to) count it once.
std::size_t layerBytes(const LayerTrace& l, std::unordered_set<const void*>& counted)
{
    auto once = [&](const TraceSeries& s) -> std::size_t {
        return s.valuesId() != nullptr && counted.insert(s.valuesId()).second ? s.storageBytes() : 0U;
    };
    std::size_t bytes
        = once(l.input) + once(l.output) + l.mask.capacity() + l.stepTime.capacity() * sizeof(std::int32_t);
    for (const auto& c : l.cells) {
        bytes += once(c.input) + once(c.output);
        for (const auto& s : c.states) {
            bytes += once(s);
        }
        for (const auto& g : c.gates) {
            bytes += once(g);
        }
    }
    for (const auto& d : l.directions) {
        bytes += layerBytes(d, counted);
    }
    return bytes;
}

} // namespace

std::size_t ModelTrace::storageBytes() const
{
    std::size_t bytes = 0;
    std::unordered_set<const void*> counted;
    for (const auto& l : layers) {
        bytes += layerBytes(l, counted);
    }
    return bytes;
}

void LayerTrace::makeOwn()
{
    input.makeOwn();
    output.makeOwn();
    for (auto& c : cells) {
        for (auto& st : c.states) {
            st.makeOwn();
        }
        for (auto& g : c.gates) {
            g.makeOwn();
        }
        c.input.makeOwn();
        c.output.makeOwn();
    }
    for (auto& d : directions) {
        d.makeOwn();
    }
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
