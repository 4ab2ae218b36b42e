#pragma once
// What the engine records while it runs: for every recurrent layer (each cell of a stack, each direction of a
// Bidirectional), per step and sample, the input, every state after the step, every gate after its activation,
// the emitted output and the mask.
//
// Storage is time-major in processing order, [steps, batch, width], so one step is one contiguous
// [batch, width] block that the loop writes in place; it is allocated once before the loop (trace_buffer.h).
// Writers transpose to the batch-major [batch, steps, width] of the trace file.
//
// What is recorded can be narrowed (TraceRequest: some layers, some quantities), and a trace too large for memory
// can be streamed: its series then hold only a window of steps, which a TraceStream writes out as the loop goes.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tensor.h"
#include "trace_buffer.h"

namespace rnnscope {

class TraceSeries
{
public:
    TraceSeries() = default;
    // Zero-filled, all steps held.
    TraceSeries(std::string name, Index steps, Index batch, Index width);
    // What the engine records into: not zero-filled (the loop writes every element), holding `window` steps
    // (window == steps: the whole run; fewer: step s lives in slot s % window, for streaming).
    static TraceSeries forRecording(std::string name, Index steps, Index batch, Index width, Index window);

    // Copies share the values until one of them writes (copy on write): a re-run that takes an unchanged layer's
    // trace from the previous run (node_reuse.h), or a view showing the pinned baseline, does not copy megabytes.
    TraceSeries(const TraceSeries&) = default;
    TraceSeries& operator=(const TraceSeries&) = default;
    TraceSeries(TraceSeries&&) noexcept = default;
    TraceSeries& operator=(TraceSeries&&) noexcept = default;

    const std::string& name() const { return m_name; }
    Index steps() const { return m_steps; }
    Index batch() const { return m_batch; }
    Index width() const { return m_width; }
    bool empty() const { return !m_values || m_values->empty(); }
    // Holds fewer steps than the run had (a streamed trace): only stepData() of the current window is valid.
    bool windowed() const { return m_window < m_steps; }
    Index windowSteps() const { return m_window; }
    std::span<const float> values() const { return {data(), m_values ? m_values->size() : 0U}; }
    std::size_t storageBytes() const { return m_values ? m_values->capacityBytes() : 0U; }

    // Writing through a series whose values are shared first gives it its own copy of them.
    float* stepData(Index step) { return writableData() + slot(step) * m_batch * m_width; }
    const float* stepData(Index step) const { return data() + slot(step) * m_batch * m_width; }
    float at(Index step, Index sample, Index unit) const
    {
        return data()[static_cast<std::size_t>((slot(step) * m_batch + sample) * m_width + unit)];
    }
    // Makes the values this series' own now (copying them if shared), so that writers on several threads later
    // find nothing to copy: stepData() must not copy on two threads at once.
    void makeOwn() { (void)writableData(); }
    bool sharesValuesWith(const TraceSeries& other) const { return m_values && m_values == other.m_values; }
    // A copy under another name, sharing the values (copy on write): a quantity that is another one's values, such
    // as a SimpleRNN's output and its state h.
    TraceSeries sharedAs(std::string name) const
    {
        TraceSeries s = *this;
        s.m_name = std::move(name);
        return s;
    }
    // Identifies the values' buffer (null when empty), so that bytes shared by several series count once.
    const void* valuesId() const { return m_values.get(); }
    // Batch-major copy [batch, steps, width], the layout of the trace file (a whole series only).
    Tensor toBatchMajor() const;

private:
    Index slot(Index step) const { return m_window == m_steps ? step : step % m_window; }
    const float* data() const { return m_values ? m_values->data() : nullptr; }
    // Inline for the engine's loop, which asks for every step's rows: one reference count read when not shared.
    float* writableData() { return m_values && m_values.use_count() == 1 ? m_values->data() : ownCopy(); }
    float* ownCopy(); // copies shared values into a buffer of this series' own

    std::string m_name;
    Index m_steps = 0;
    Index m_batch = 0;
    Index m_width = 0;
    Index m_window = 0;
    std::shared_ptr<TraceBuffer> m_values; // shared between copies until one writes
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

// What to record. Everything by default; the user may narrow it to some layers and quantities to save memory
// and time. The mask and step_time are always recorded (they are small and every view needs them).
struct TraceRequest
{
    std::vector<std::string> layers; // recurrent layer names; empty = all
    bool inputs = true; // each step's input (and a stack's per-cell inputs)
    bool states = true;
    bool gates = true;
    bool outputs = true; // emitted outputs (and a stack's per-cell outputs)

    bool wantsLayer(const std::string& name) const;
    bool everything() const { return layers.empty() && inputs && states && gates && outputs; }
};

struct LayerTrace;

// Receives a trace a window of steps at a time while the engine runs, so that a trace larger than memory can be
// written to a file instead of held. Calls come from the engine's calling thread (or, with the batch split over
// threads, from whichever thread completes a window while the others wait), one layer at a time, in run order.
class TraceStream
{
public:
    virtual ~TraceStream() = default;
    // How many steps of `layer` to hold at once; `bytesPerStep` is what one step of all its series takes.
    virtual Index windowSteps(Index steps, std::size_t bytesPerStep) const = 0;
    // The layer's series are allocated and named (not yet filled); step_time is known, the mask is not.
    virtual void beginLayer(const LayerTrace& layer) = 0;
    // Steps [first, last) of every series of `layer` are complete.
    virtual void writeSteps(const LayerTrace& layer, Index first, Index last) = 0;
    // The loop finished: the mask is complete.
    virtual void endLayer(const LayerTrace& layer) = 0;
};

// How a layer is to be recorded; set by the layer that creates the LayerTrace, read by the loop.
struct TraceRecording
{
    TraceRequest request;
    TraceStream* stream = nullptr;
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
    TraceRecording recording; // what the loop records (set before it runs)

    bool stepMasked(Index step, Index sample) const
    {
        return !mask.empty() && mask[static_cast<std::size_t>(step * batch + sample)] == 0;
    }
    // TraceSeries::makeOwn on every series of the layer (its cells' and directions' too).
    void makeOwn();
};

struct ModelTrace
{
    std::vector<LayerTrace> layers; // recurrent layers in the order they ran
    TraceRecording recording; // applies to every layer of a run
    const LayerTrace* find(const std::string& layerName) const;
    // Bytes the recorded series occupy (for the memory figures and the budget); values shared by several series
    // (an output that is the state h) count once.
    std::size_t storageBytes() const;
};

} // namespace rnnscope
