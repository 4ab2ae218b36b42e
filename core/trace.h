#pragma once
// What the engine records while it runs: for every recurrent layer (each cell of a stack, each direction of a
// Bidirectional), per step and sample, the input, every state after the step, every gate after its activation,
// the emitted output and the mask.
//
// Storage is time-major in processing order, [steps, batch, width], so one step is one contiguous
// [batch, width] block that the loop writes in place; it is allocated once before the loop. Writers transpose
// to the batch-major [batch, steps, width] of the trace file.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tensor.h"

namespace rnnscope {

class TraceSeries
{
public:
    TraceSeries() = default;
    TraceSeries(std::string name, Index steps, Index batch, Index width);

    const std::string& name() const { return m_name; }
    Index steps() const { return m_steps; }
    Index batch() const { return m_batch; }
    Index width() const { return m_width; }
    bool empty() const { return m_values.empty(); }
    const std::vector<float>& values() const { return m_values; }

    float* stepData(Index step) { return m_values.data() + step * m_batch * m_width; }
    const float* stepData(Index step) const { return m_values.data() + step * m_batch * m_width; }
    float at(Index step, Index sample, Index unit) const
    {
        return m_values[static_cast<std::size_t>((step * m_batch + sample) * m_width + unit)];
    }
    // Batch-major copy [batch, steps, width], the layout of the trace file.
    Tensor toBatchMajor() const;

private:
    std::string m_name;
    Index m_steps = 0;
    Index m_batch = 0;
    Index m_width = 0;
    std::vector<float> m_values;
};

struct CellTrace
{
    std::string className;
    std::vector<TraceSeries> states; // after each step (held at masked steps)
    std::vector<TraceSeries> gates; // post-activation, all gates side by side in one series named "gates"
    std::vector<std::string> gateNames; // the gates in that series, in order, each `units` wide
    TraceSeries input; // recorded for the cells of a stack
    TraceSeries output; // the cell's own step output, recorded for the cells of a stack
};

struct LayerTrace
{
    std::string name; // layer name; "forward"/"backward" for the directions of a Bidirectional
    std::string className;
    Index units = 0;
    Index batch = 0;
    Index steps = 0;
    std::vector<std::pair<std::string, std::string>> options; // option name -> value as Keras would print it
    std::vector<std::int32_t> stepTime; // input timestep consumed at each processing step
    std::vector<std::uint8_t> mask; // [steps, batch] in processing order; empty when no mask applied
    TraceSeries input; // [steps, batch, features]
    TraceSeries output; // emitted output per step
    std::vector<CellTrace> cells; // one per leaf cell; empty for a Bidirectional
    std::vector<LayerTrace> directions; // Bidirectional: forward, backward

    bool stepMasked(Index step, Index sample) const
    {
        return !mask.empty() && mask[static_cast<std::size_t>(step * batch + sample)] == 0;
    }
};

struct ModelTrace
{
    std::vector<LayerTrace> layers; // recurrent layers in the order they ran
    const LayerTrace* find(const std::string& layerName) const;
};

} // namespace rnnscope
