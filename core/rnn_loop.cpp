#include "rnn_loop.h"

#include <algorithm>
#include <barrier>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>

#include "cancellation.h"
#include "engine_threads.h"
#include "errors.h"
#include "memory_budget.h"
#include "unit_split_loop.h"

namespace rnnscope {

namespace {

// Bytes one step of every series the request records takes, over the whole batch. `outputIsState`: the output is
// recorded as the state h's values, not apart.
std::size_t traceBytesPerStep(
    const RnnCell& cell, const TraceRequest& request, Index batch, Index features, bool outputIsState)
{
    Index floats = 0;
    if (request.inputs) {
        floats += features;
    }
    if (request.outputs && !outputIsState) {
        floats += cell.outputSize();
    }
    const auto leaves = cell.leafCells();
    const bool stacked = leaves.size() > 1 || leaves.front() != &cell;
    for (const RnnCell* leaf : leaves) {
        if (request.states) {
            for (const auto& s : leaf->states()) {
                floats += s.size;
            }
        }
        if (request.gates) {
            for (const auto& g : leaf->gates()) {
                floats += g.size;
            }
        }
        if (stacked && request.outputs) {
            floats += leaf->outputSize();
            // A cell's input is the previous cell's output, so it is recorded only alongside the outputs.
            floats += request.inputs ? leaf->inputSize() : 0;
        }
    }
    return static_cast<std::size_t>(floats * batch) * sizeof(float);
}

// outputIsState: the output series is left empty here, and made the first state's values after the run.
void allocateTrace(LayerTrace& trace, const RnnCell& cell, Index steps, Index batch, Index features, bool masked,
    Index window, bool outputIsState)
{
    const TraceRequest& want = trace.recording.request;
    trace.className = trace.className.empty() ? cell.className() : trace.className;
    trace.units = cell.units();
    trace.batch = batch;
    trace.steps = steps;
    trace.stepTime.assign(static_cast<std::size_t>(steps), 0);
    trace.mask.assign(masked ? static_cast<std::size_t>(steps * batch) : 0U, 1);
    auto series = [&](const char* name, bool wanted, Index width) {
        return wanted ? TraceSeries::forRecording(name, steps, batch, width, window) : TraceSeries();
    };
    trace.input = series("input", want.inputs, features);
    trace.output = series("output", want.outputs && !outputIsState, cell.outputSize());
    trace.cells.clear();
    const auto leaves = cell.leafCells();
    const bool stacked = leaves.size() > 1 || leaves.front() != &cell;
    for (const RnnCell* leaf : leaves) {
        CellTrace ct;
        ct.className = leaf->className();
        if (want.states) {
            for (const auto& s : leaf->states()) {
                ct.states.push_back(TraceSeries::forRecording(s.name, steps, batch, s.size, window));
            }
        }
        Index gateWidth = 0;
        for (const auto& g : leaf->gates()) {
            gateWidth += g.size;
            ct.gateNames.push_back(g.name);
        }
        // All gates of a cell are one [steps, batch, sum of gate sizes] block, the buffer the cell computes
        // them in; per-gate series are views the writers split by GateSpec.
        if (gateWidth > 0 && want.gates) {
            ct.gates.push_back(TraceSeries::forRecording("gates", steps, batch, gateWidth, window));
        }
        if (stacked && want.outputs) {
            ct.input = series("input", want.inputs, leaf->inputSize());
            ct.output = series("output", true, leaf->outputSize());
        }
        trace.cells.push_back(std::move(ct));
    }
}

// Asks for `floats` floats from p into the cache (L2), without waiting for them: a hint, no effect on results.
void prefetch(const float* p, Index floats)
{
    constexpr Index kLineFloats = 16; // a 64-byte cache line
    for (Index k = 0; k < floats; k += kLineFloats) {
        __builtin_prefetch(p + k, 0, 1);
    }
}

// Hands a run's workspace to a thread that computes the input projections ahead of the steps
// (RnnCell::projectAhead), and takes it back before the workspace goes.
class ProjectionHelper
{
public:
    // On the helper thread: waits for the workspace (or word that there is none), then computes ahead.
    void run(const RnnCell& cell) noexcept
    {
        int phase = kWaiting;
        for (int turn = 0; (phase = m_phase.load(std::memory_order_acquire)) == kWaiting; ++turn) {
            if (turn < 1000) {
                spinPause();
            } else {
                std::this_thread::yield();
            }
        }
        if (phase == kStarted) {
            cell.projectAhead(*m_workspace, m_stop);
        }
        m_done.store(true, std::memory_order_release);
    }
    // On the step thread, once the workspace is set up for it (null: the run goes without).
    void start(CellWorkspace* workspace)
    {
        m_workspace = workspace;
        m_phase.store(workspace != nullptr ? kStarted : kNone, std::memory_order_release);
    }
    // On the step thread, before the workspace goes (and on every way out of the group, a throw included): stops the
    // helper after its current chunk and waits for it.
    void finish() noexcept
    {
        if (m_phase.load(std::memory_order_relaxed) == kWaiting) {
            start(nullptr);
        }
        m_stop.store(true, std::memory_order_relaxed);
        while (!m_done.load(std::memory_order_acquire)) {
            spinPause();
        }
    }

private:
    static constexpr int kWaiting = 0;
    static constexpr int kStarted = 1;
    static constexpr int kNone = 2;
    std::atomic<int> m_phase {kWaiting};
    CellWorkspace* m_workspace = nullptr;
    std::atomic<bool> m_stop {false};
    std::atomic<bool> m_done {false};
};

std::string describeCell(const RnnCell& cell)
{
    return cell.className() + "(" + std::to_string(cell.units()) + ")";
}

// Samples [b0, b0 + nb) of `inputs` ([batch, steps, features], or [steps, batch, features] when time_major) into
// `x` in processing order, time-major: row s*nb + r is sample b0+r's input at step s.
void gatherInputs(const Tensor& inputs, const RnnLoopOptions& options, Index b0, Index nb, float* x)
{
    const Index steps = options.timeMajor ? inputs.dim(0) : inputs.dim(1);
    const Index batch = options.timeMajor ? inputs.dim(1) : inputs.dim(0);
    const Index features = inputs.dim(2);
    for (Index s = 0; s < steps; ++s) {
        const Index t = options.goBackwards ? steps - 1 - s : s;
        for (Index r = 0; r < nb; ++r) {
            const Index b = b0 + r;
            const float* src = options.timeMajor ? inputs.data() + (t * batch + b) * features
                                                 : inputs.data() + (b * steps + t) * features;
            std::copy(src, src + features, x + (s * nb + r) * features);
        }
    }
}

// Below these, starting a thread (tens of microseconds) costs more than half the run saves.
constexpr Index kMinSamplesPerThread = 4;
constexpr double kMinFlopsForThreads = 4e6;

// Multiply-adds of one sample's step, times two: input and recurrent products of every leaf cell.
double flopsPerSampleStep(const RnnCell& cell)
{
    double flops = 0;
    for (const RnnCell* leaf : cell.leafCells()) {
        Index stateWidth = 0;
        for (const auto& s : leaf->states()) {
            stateWidth += s.size;
        }
        Index gateWidth = 0;
        for (const auto& g : leaf->gates()) {
            gateWidth += g.size;
        }
        flops += 2.0 * static_cast<double>((leaf->inputSize() + stateWidth) * std::max(gateWidth, leaf->outputSize()));
    }
    return flops;
}

// How many groups of samples (threads) a run uses.
Index threadCount(const RnnCell& cell, const RnnLoopOptions& options, Index batch, Index steps)
{
    if (!cell.supportsBatchSplit() || batch < 2 || options.threads == 1) {
        return 1;
    }
    if (options.threads > 1) {
        return std::min<Index>(options.threads, batch);
    }
    const Index wanted = std::min<Index>(engineThreads(), batch / kMinSamplesPerThread);
    if (wanted < 2 || flopsPerSampleStep(cell) * static_cast<double>(batch * steps) < kMinFlopsForThreads) {
        return 1;
    }
    return wanted;
}

} // namespace

RnnLoopResult rnnLoop(const RnnCell& cell, const Tensor& inputs, const std::vector<Tensor>& initialStates,
    const Mask* mask, const std::vector<Tensor>& constants, const RnnLoopOptions& options, LayerTrace* trace,
    std::span<const StateEdit> edits, const ResumePoint* resume)
{
    // --- checks keras.backend.rnn makes, with its wording where it has one ---
    if (inputs.rank() < 3) {
        throw ModelError("Input should be at least 3D: " + describeCell(cell) + " got inputs of shape "
            + shapeToString(inputs.shape()));
    }
    if (inputs.rank() > 3) {
        throw ModelError(
            describeCell(cell) + " takes inputs (samples, time, features); got shape " + shapeToString(inputs.shape()));
    }
    const Index steps = options.timeMajor ? inputs.dim(0) : inputs.dim(1);
    const Index batch = options.timeMajor ? inputs.dim(1) : inputs.dim(0);
    const Index features = inputs.dim(2);
    if (steps == 0) {
        throw ModelError(options.unroll ? std::string("Unrolling requires a fixed number of timesteps.")
                                        : "inputs of shape " + shapeToString(inputs.shape()) + " have no timesteps");
    }
    if (options.inputLength && *options.inputLength != steps) {
        throw ModelError("input_length " + std::to_string(*options.inputLength) + " does not match the "
            + std::to_string(steps) + " timesteps of inputs " + shapeToString(inputs.shape()));
    }
    if (features != cell.inputSize()) {
        throw ModelError(describeCell(cell) + " expects " + std::to_string(cell.inputSize())
            + " input features, got inputs of shape " + shapeToString(inputs.shape()));
    }
    if (mask != nullptr && (mask->batch() != batch || mask->steps() != steps)) {
        throw ModelError("mask should have shape (samples, time) = " + shapeToString({batch, steps}) + ", got "
            + shapeToString({mask->batch(), mask->steps()}));
    }
    const auto stateSpecs = cell.states();
    if (mask != nullptr && stateSpecs.empty()) {
        // A masked step keeps the previous states; a stateless cell has nothing to keep (the Keras backends
        // refuse a mask without states).
        throw ModelError("a mask was given, but " + describeCell(cell) + " has no states to hold at masked steps");
    }
    if (initialStates.size() != stateSpecs.size()) {
        throw ModelError(describeCell(cell) + " has " + std::to_string(stateSpecs.size()) + " states but "
            + std::to_string(initialStates.size()) + " initial states were given");
    }
    for (std::size_t i = 0; i < stateSpecs.size(); ++i) {
        const Shape want {batch, stateSpecs[i].size};
        if (initialStates[i].shape() != want) {
            throw ModelError(describeCell(cell) + ": initial state " + std::to_string(i) + " (" + stateSpecs[i].name
                + ") should have shape " + shapeToString(want) + ", got " + shapeToString(initialStates[i].shape()));
        }
    }
    std::vector<ConstMatrixMap> constantMaps;
    for (const auto& c : constants) {
        constantMaps.emplace_back(
            c.data(), c.rank() > 0 ? c.dim(0) : 1, c.size() / std::max<Index>(1, c.rank() > 0 ? c.dim(0) : 1));
    }
    const Index firstStep = resume != nullptr ? resume->step : 0;
    if (resume != nullptr) {
        if (trace == nullptr || trace->steps != steps || trace->batch != batch || firstStep < 0 || firstStep >= steps) {
            throw ModelError(describeCell(cell) + ": cannot resume at step " + std::to_string(firstStep)
                + " without a recorded run of " + std::to_string(steps) + " steps");
        }
        trace->makeOwn(); // a copy of another run's trace (copy on write): copied here, not on each thread
    }

    const Index units = cell.outputSize();
    const std::size_t nStates = stateSpecs.size();
    auto timeOf = [&](Index s) { return options.goBackwards ? steps - 1 - s : s; };
    auto keep = [&](Index s, Index b) { return mask == nullptr || mask->at(b, timeOf(s)); };

    // The run's own time-major buffers (inputs in processing order, emitted outputs, the returned outputs).
    checkMemory(static_cast<std::uint64_t>(steps * batch * (features + 2 * units)) * sizeof(float),
        "running " + describeCell(cell) + " over " + std::to_string(steps) + " steps of batch "
            + std::to_string(batch));

    TraceStream* const stream = trace != nullptr ? trace->recording.stream : nullptr;
    Index window = steps; // steps each trace series holds: all of them, unless streamed
    if (stream != nullptr && (resume != nullptr || !edits.empty())) {
        throw ModelError(
            describeCell(cell) + ": a streamed trace cannot be resumed or edited (it is not kept in memory)");
    }
    // Keras's SimpleRNN, GRU and LSTM cells return (h, [h, ...]): unmasked, every emitted output is the first new
    // state itself. The trace then holds those values once, as the state, and the output series shares them (copy on
    // write): a step writes them once, and the trace takes one series less of memory (W5's output and h: 3.2 MB a
    // run). Not with a mask (a masked step's output is zero or the last output, its state the last state), edits
    // (an edit changes the state recorded before it, not the output), a resume (it writes into a recorded trace) or
    // streaming (windows are written out as they fill).
    const bool outputIsState = trace != nullptr && resume == nullptr && edits.empty() && stream == nullptr
        && mask == nullptr && cell.outputIsFirstState() && trace->recording.request.outputs
        && trace->recording.request.states;
    if (trace != nullptr && resume == nullptr) {
        const std::size_t perStep = traceBytesPerStep(cell, trace->recording.request, batch, features, outputIsState);
        if (stream != nullptr) {
            window = std::clamp<Index>(stream->windowSteps(steps, perStep), 1, steps);
        }
        checkMemory(static_cast<std::uint64_t>(perStep) * static_cast<std::uint64_t>(window),
            "recording the trace of " + describeCell(cell) + " (" + std::to_string(window) + " steps of batch "
                + std::to_string(batch) + ")");
        allocateTrace(*trace, cell, steps, batch, features, mask != nullptr, window, outputIsState);
    }
    // Emitted outputs, processing order. When the trace holds every step's outputs they are its storage (same
    // [steps, batch, units] layout), so the loop writes each output once. Otherwise a buffer of the run's, not zeroed:
    // every row is written, by the loop or (before a resume step) from the recorded trace, and leaving the pages
    // untouched lets the threads below fault in their own rows.
    const bool outputsInTrace
        = outputIsState || (trace != nullptr && !trace->output.empty() && !trace->output.windowed());
    RowMatrix ownOutputs;
    if (!outputsInTrace) {
        ownOutputs.resize(steps * batch, units);
    }
    float* const outputsData = outputIsState ? trace->cells.front().states.front().stepData(0)
        : outputsInTrace                     ? trace->output.stepData(0)
                                             : ownOutputs.data();
    MatrixMap outputs(outputsData, steps * batch, units);
    if (resume != nullptr) {
        if (trace->output.empty() || trace->output.windowed()) {
            throw ModelError(describeCell(cell) + ": cannot resume at step " + std::to_string(firstStep)
                + ": the recorded trace has no outputs");
        }
        // The outputs the recorded run emitted before firstStep are already in place (the trace's own storage);
        // the states are restored per group.
        if (!resume->states.empty()) {
            if (resume->states.size() != nStates) {
                throw ModelError(describeCell(cell) + ": resume needs " + std::to_string(nStates) + " states");
            }
            for (std::size_t i = 0; i < nStates; ++i) {
                if (resume->states[i].shape() != Shape {batch, stateSpecs[i].size}) {
                    throw ModelError(describeCell(cell) + ": resume state " + std::to_string(i) + " should have shape "
                        + shapeToString({batch, stateSpecs[i].size}) + ", got "
                        + shapeToString(resume->states[i].shape()));
                }
            }
        } else if (firstStep > 0) {
            std::size_t recorded = 0;
            for (const auto& ct : trace->cells) {
                recorded += ct.states.size();
            }
            if (recorded != nStates) {
                throw ModelError(describeCell(cell) + ": the recorded trace has no states to resume from");
            }
        }
    }
    if (trace != nullptr) {
        // Written here, not per step, so that the threads below never write the same element.
        for (Index s = firstStep; s < steps; ++s) {
            trace->stepTime[static_cast<std::size_t>(s)] = static_cast<std::int32_t>(timeOf(s));
        }
    }
    if (stream != nullptr) {
        stream->beginLayer(*trace);
    }

    // Flattened state i lives in the trace of leaf cell stateTraceSlot[i].first, as its .second-th state.
    std::vector<std::pair<std::size_t, std::size_t>> stateTraceSlot;
    if (trace != nullptr) {
        for (std::size_t k = 0; k < trace->cells.size(); ++k) {
            for (std::size_t j = 0; j < trace->cells[k].states.size(); ++j) {
                stateTraceSlot.emplace_back(k, j);
            }
        }
    }
    for (const auto& e : edits) {
        if (e.step < 0 || e.step > steps) {
            throw ModelError(describeCell(cell) + ": edit of state " + std::to_string(e.stateIndex) + " at step "
                + std::to_string(e.step) + ", outside the run's steps 0.." + std::to_string(steps));
        }
    }
    // The edits the loop will apply are checked here, before any thread starts, so the loop itself cannot throw.
    for (const auto& e : edits) {
        if (e.step < firstStep) {
            continue;
        }
        if (e.stateIndex < 0 || static_cast<std::size_t>(e.stateIndex) >= nStates) {
            throw ModelError(describeCell(cell) + ": edit of state " + std::to_string(e.stateIndex) + " at step "
                + std::to_string(e.step) + ", but the cell has " + std::to_string(nStates) + " states");
        }
        const Index width = stateSpecs[static_cast<std::size_t>(e.stateIndex)].size;
        if (e.values.cols() != width || e.values.rows() != batch) {
            throw ModelError(describeCell(cell) + ": edit of state " + std::to_string(e.stateIndex) + " at step "
                + std::to_string(e.step) + " has shape " + shapeToString({e.values.rows(), e.values.cols()})
                + ", expected " + shapeToString({batch, width}));
        }
        const bool anySample = e.samples.empty()
            || std::any_of(e.samples.begin(), e.samples.end(), [&](Index b) { return b >= 0 && b < batch; });
        for (Index u : e.units) {
            if (anySample && (u < 0 || u >= width)) {
                throw ModelError(describeCell(cell) + ": edit of unit " + std::to_string(u) + " of state "
                    + std::to_string(e.stateIndex) + ", which has " + std::to_string(width) + " units");
            }
        }
    }

    std::vector<RowMatrix> finalStates(nStates);
    for (std::size_t i = 0; i < nStates; ++i) {
        finalStates[i].resize(batch, stateSpecs[i].size);
    }
    const bool stacked = trace != nullptr && !trace->cells.empty() && !trace->cells.front().output.empty();
    const std::size_t nLeaves = cell.leafCells().size();
    // TF's unrolled path zeroes masked outputs after the loop, with the mask in original time order.
    const bool zeroAfterLoop = mask != nullptr && options.zeroOutputForMask && options.unroll;

    const std::atomic<bool>* const cancel = currentCancelFlag();
    std::atomic<bool> stop {false}; // a group saw the cancel flag, or writing a streamed window failed
    std::exception_ptr streamError;
    Index windowFirst = 0; // the first step of the window being recorded (streaming only)
    // Writes out the window that just completed. Runs on one group's thread while every other group waits at the
    // window's end (or on the only group), so it sees the whole window and nothing writes the trace meanwhile.
    auto completeWindow = [&]() noexcept {
        try {
            if (cancelRequested(cancel)) {
                throw RunCancelled();
            }
            const Index last = std::min(steps, windowFirst + window);
            if (zeroAfterLoop && !trace->output.empty()) {
                for (Index s = windowFirst; s < last; ++s) {
                    for (Index b = 0; b < batch; ++b) {
                        if (!mask->at(b, s)) {
                            std::fill_n(trace->output.stepData(s) + b * units, units, 0.0F);
                        }
                    }
                }
            }
            stream->writeSteps(*trace, windowFirst, last);
            windowFirst = last;
        } catch (...) {
            streamError = std::current_exception();
            stop = true;
        }
    };
    std::function<void()> windowDone; // set below: completeWindow directly, or through a barrier of the groups

    // The returned outputs, batch-major unless time_major. Each group writes its own samples' rows there as each step
    // emits them, on its own thread, while they are still in cache (a copy after the loop read the whole sequence
    // back: W5 spent 5% of its time on it); only TF's unrolled masking, which rewrites the outputs after the loop,
    // copies them after.
    RnnLoopResult result;
    result.outputs = options.timeMajor ? Tensor({steps, batch, units}) : Tensor({batch, steps, units});
    const bool reorderInGroups = !zeroAfterLoop;
    // Steps [s0, s1) of samples [b0, b0 + nb), from the emitted outputs to the returned ones.
    auto copyOutputsOut = [&](Index b0, Index nb, Index s0, Index s1) {
        MatrixMap out = result.outputs.matrix();
        for (Index s = s0; s < s1; ++s) {
            if (options.timeMajor) {
                out.middleRows(s * batch + b0, nb) = outputs.middleRows(s * batch + b0, nb);
            } else {
                for (Index b = b0; b < b0 + nb; ++b) {
                    out.row(b * steps + s) = outputs.row(s * batch + b);
                }
            }
        }
    };

    // Runs every step for samples [b0, b0 + nb). Each group has its own inputs, workspace and states, and writes
    // only its own rows of `outputs`, `finalStates` and the trace (a step's rows of one series are the contiguous
    // block b0*width .. (b0+nb)*width of that step), so groups on different threads never touch the same memory.
    ProjectionHelper* projectionHelper = nullptr; // set below for a run the batch does not split
    // When the batch is split: the first group's workspace, made before the threads start and kept until they end, so
    // that the other groups' workspaces share what it holds that no step writes (createSiblingWorkspace: the copies of
    // the kernels).
    std::unique_ptr<CellWorkspace> firstGroupWorkspace;
    auto runGroup = [&](Index b0, Index nb) {
        // Inputs in processing order, time-major: row s*nb + r is sample b0+r's input at step s. The inputs and the
        // workspace are declared before the guard, so that the projection helper, which reads both, has stopped
        // before either goes (TSan caught the helper reading freed inputs in tst_soak), and allocated after it, so
        // that a failed allocation still releases the helper waiting for its workspace.
        RowMatrix x;
        std::unique_ptr<CellWorkspace> ownWorkspace;
        struct HelperGuard
        {
            ProjectionHelper* helper;
            ~HelperGuard()
            {
                if (helper != nullptr) {
                    helper->finish();
                }
            }
        } helperGuard {projectionHelper};
        x.resize(steps * nb, features);
        gatherInputs(inputs, options, b0, nb, x.data());
        if (!firstGroupWorkspace) {
            ownWorkspace = cell.createWorkspace(nb, steps);
        } else if (b0 > 0) {
            ownWorkspace = cell.createSiblingWorkspace(nb, steps, *firstGroupWorkspace);
        }
        CellWorkspace& workspace = ownWorkspace ? *ownWorkspace : *firstGroupWorkspace;
        cell.prepare(ConstMatrixMap(x.data(), x.rows(), x.cols()), workspace);
        if (projectionHelper != nullptr) {
            cell.setUpProjectionAhead(workspace, firstStep);
            projectionHelper->start(&workspace);
        }

        // A step reads the states at `current` and writes those at `next`, then they swap. When the trace holds a
        // state for every step and the step's rows start on a 64-byte boundary, the cell writes it there directly
        // (and the next step reads it there); otherwise into one of two buffers of the group's, and it is copied.
        // Only aligned rows: Eigen peels an unaligned head into scalar code that rounds differently, so a step
        // computed elsewhere than at the alignment of the group's buffers could differ in the last bit.
        std::vector<RowMatrix> ownStates(2 * nStates);
        std::vector<float*> current(nStates);
        std::vector<float*> next(nStates);
        std::vector<TraceSeries*> stateSeries(nStates, nullptr);
        for (std::size_t i = 0; i < nStates; ++i) {
            const Index w = stateSpecs[i].size;
            ownStates[2 * i] = ConstMatrixMap(initialStates[i].data() + b0 * w, nb, w);
            ownStates[2 * i + 1].resize(nb, w);
            current[i] = ownStates[2 * i].data();
            if (stateTraceSlot.size() == nStates) {
                const auto [k, j] = stateTraceSlot[i];
                TraceSeries& series = trace->cells[k].states[j];
                // Not in a streaming window: the slot of step s-1 may be the one step s writes.
                stateSeries[i] = series.windowed() ? nullptr : &series;
            }
        }
        auto traceSlot = [&](std::size_t i, Index s) -> float* {
            if (stateSeries[i] == nullptr) {
                return nullptr;
            }
            float* p = stateSeries[i]->stepData(s) + b0 * stateSpecs[i].size;
            return reinterpret_cast<std::uintptr_t>(p) % kTraceAlignment == 0 ? p : nullptr;
        };
        auto stateMap = [&](std::size_t i) { return MatrixMap(current[i], nb, stateSpecs[i].size); };
        if (resume != nullptr) {
            // Restore what the recorded run had at step firstStep-1.
            if (!resume->states.empty()) {
                for (std::size_t i = 0; i < nStates; ++i) {
                    const Index w = stateSpecs[i].size;
                    stateMap(i) = ConstMatrixMap(resume->states[i].data() + b0 * w, nb, w);
                }
            } else if (firstStep > 0) {
                // Flattened states of a stack are spread over its cells' traces in state order.
                std::size_t i = 0;
                for (const auto& ct : trace->cells) {
                    for (const auto& st : ct.states) {
                        stateMap(i) = ConstMatrixMap(st.stepData(firstStep - 1) + b0 * st.width(), nb, st.width());
                        ++i;
                    }
                }
            }
        }
        std::vector<ConstMatrixMap> groupConstants;
        for (const auto& c : constantMaps) {
            // Per-sample constants ([batch, ...]) are split like the inputs; anything else is shared as is.
            groupConstants.emplace_back(
                c.rows() == batch ? c.data() + b0 * c.cols() : c.data(), c.rows() == batch ? nb : c.rows(), c.cols());
        }

        // Pointer tables for StepIo, filled before the loop and re-pointed per step (no allocation in the loop).
        std::vector<const float*> statePtrs(nStates);
        std::vector<float*> newStatePtrs(nStates);
        std::vector<float*> gatePtrs(trace != nullptr ? nLeaves : 0U, nullptr);
        std::vector<float*> cellOutputPtrs(stacked ? nLeaves : 0U, nullptr);
        RowMatrix stepOutput(nb, units);
        const RowVector zeroRow = RowVector::Zero(units);

        auto applyEdits = [&](Index s) {
            for (const auto& e : edits) {
                if (e.step != s) {
                    continue;
                }
                MatrixMap st = stateMap(static_cast<std::size_t>(e.stateIndex));
                for (Index r = 0; r < nb; ++r) {
                    const Index b = b0 + r;
                    if (!e.samples.empty() && std::find(e.samples.begin(), e.samples.end(), b) == e.samples.end()) {
                        continue;
                    }
                    if (e.units.empty()) {
                        st.row(r) = e.values.row(b);
                        continue;
                    }
                    for (Index u : e.units) {
                        st(r, u) = e.values(b, u);
                    }
                }
                if (trace != nullptr && s > 0 && static_cast<std::size_t>(e.stateIndex) < stateTraceSlot.size()) {
                    // The views show the state the user set where they set it: after step s-1.
                    const auto [k, j] = stateTraceSlot[static_cast<std::size_t>(e.stateIndex)];
                    float* recorded = trace->cells[k].states[j].stepData(s - 1) + b0 * st.cols();
                    if (recorded != st.data()) { // else edited in place
                        std::copy(st.data(), st.data() + st.size(), recorded);
                    }
                }
            }
        };

        // The next step's rows of the trace are cold (megabytes a run, each written once): fetched while this step
        // computes, the stores of the next wait less for them. Ten alternating rounds of 21 passes on 2 threads:
        // W5's median 2.69 -> 2.50 ms (faster in 8 rounds of 10), W4's 7.05 -> 6.81 ms (6 of 10). A step of a few
        // samples writes a few lines the hardware's own prefetcher follows, and the hint's loop cost W1 (2 KB a
        // step) 3%: 0.853 -> 0.879 ms.
        const bool prefetchTrace = trace != nullptr
            && traceBytesPerStep(cell, trace->recording.request, nb, features, outputIsState) >= 8192;
        // This group's rows of step s in the trace series the step writes (gates, states, outputs, inputs).
        auto prefetchStep = [&](Index s) {
            for (const auto& ct : trace->cells) {
                if (!ct.gates.empty()) {
                    const TraceSeries& g = ct.gates.front();
                    prefetch(g.stepData(s) + b0 * g.width(), nb * g.width());
                }
            }
            for (std::size_t i = 0; i < nStates; ++i) {
                if (stateSeries[i] != nullptr) {
                    prefetch(stateSeries[i]->stepData(s) + b0 * stateSpecs[i].size, nb * stateSpecs[i].size);
                }
            }
            if (outputsInTrace && !outputIsState) { // else they are the state, fetched above
                prefetch(outputs.data() + (s * batch + b0) * units, nb * units);
            }
            if (!trace->input.empty()) {
                prefetch(trace->input.stepData(s) + b0 * features, nb * features);
            }
        };
        for (Index s = firstStep; s < steps; ++s) {
            if (stream == nullptr && cancelRequested(cancel)) {
                stop = true;
                return;
            }
            applyEdits(s);
            for (std::size_t i = 0; i < nStates; ++i) {
                if (float* slot = traceSlot(i, s)) {
                    next[i] = slot;
                } else {
                    next[i]
                        = current[i] == ownStates[2 * i].data() ? ownStates[2 * i + 1].data() : ownStates[2 * i].data();
                }
                statePtrs[i] = current[i];
                newStatePtrs[i] = next[i];
            }
            if (trace != nullptr) {
                for (std::size_t k = 0; k < nLeaves; ++k) {
                    auto& ct = trace->cells[k];
                    gatePtrs[k]
                        = ct.gates.empty() ? nullptr : ct.gates.front().stepData(s) + b0 * ct.gates.front().width();
                    if (stacked) {
                        cellOutputPtrs[k] = ct.output.stepData(s) + b0 * ct.output.width();
                    }
                }
            }
            if (prefetchTrace && s + 1 < steps) {
                prefetchStep(s + 1);
            }
            StepIo io;
            io.step = s;
            io.batch = nb;
            io.x = x.data() + s * nb * features;
            io.states = statePtrs;
            io.newStates = newStatePtrs;
            // Unmasked, the step's output is what the layer emits: the cell writes it in place.
            io.output = mask == nullptr ? outputs.data() + (s * batch + b0) * units : stepOutput.data();
            io.gates = gatePtrs;
            io.cellOutputs = cellOutputPtrs;
            io.constants = groupConstants;
            cell.step(io, workspace);

            auto emitted = outputs.middleRows(s * batch + b0, nb);
            if (mask != nullptr) {
                for (Index r = 0; r < nb; ++r) {
                    const Index b = b0 + r;
                    if (keep(s, b)) {
                        emitted.row(r) = stepOutput.row(r);
                    } else {
                        for (std::size_t i = 0; i < nStates; ++i) {
                            const Index w = stateSpecs[i].size;
                            std::copy(current[i] + r * w, current[i] + (r + 1) * w, next[i] + r * w);
                        }
                        // TF's while_loop path zeroes at once; its unrolled path repeats and zeroes after the loop.
                        const bool zero = options.zeroOutputForMask && !options.unroll;
                        if (zero || s == 0) {
                            emitted.row(r) = zeroRow;
                        } else {
                            emitted.row(r) = outputs.row((s - 1) * batch + b);
                        }
                    }
                }
            }
            std::swap(current, next);
            if (reorderInGroups) {
                copyOutputsOut(b0, nb, s, s + 1);
            }

            if (trace != nullptr) {
                if (!trace->input.empty()) {
                    std::copy(io.x, io.x + nb * features, trace->input.stepData(s) + b0 * features);
                }
                if (!trace->output.empty() && !outputsInTrace) {
                    std::copy(emitted.data(), emitted.data() + nb * units, trace->output.stepData(s) + b0 * units);
                }
                if (!trace->mask.empty()) {
                    for (Index b = b0; b < b0 + nb; ++b) {
                        trace->mask[static_cast<std::size_t>(s * batch + b)] = keep(s, b) ? 1 : 0;
                    }
                }
                std::size_t i = 0;
                for (auto& ct : trace->cells) {
                    for (auto& st : ct.states) {
                        float* recorded = st.stepData(s) + b0 * st.width();
                        if (recorded != current[i]) { // else the step wrote it in place
                            std::copy(current[i], current[i] + nb * st.width(), recorded);
                        }
                        ++i;
                    }
                    if (stacked && &ct == &trace->cells.front() && !ct.input.empty()) {
                        std::copy(io.x, io.x + nb * features, ct.input.stepData(s) + b0 * features);
                    }
                }
                if (stacked && !trace->cells.front().input.empty()) {
                    for (std::size_t k = 1; k < trace->cells.size(); ++k) {
                        const auto& prevOut = trace->cells[k - 1].output;
                        const Index w = prevOut.width();
                        std::copy(prevOut.stepData(s) + b0 * w, prevOut.stepData(s) + (b0 + nb) * w,
                            trace->cells[k].input.stepData(s) + b0 * w);
                    }
                }
                if (stream != nullptr && ((s + 1) % window == 0 || s + 1 == steps)) {
                    windowDone();
                    if (stop) {
                        return;
                    }
                }
            }
        }

        applyEdits(steps); // an edit after the last step changes the final states only
        for (std::size_t i = 0; i < nStates; ++i) {
            finalStates[i].middleRows(b0, nb) = stateMap(i);
        }
        if (reorderInGroups) {
            copyOutputsOut(b0, nb, 0, firstStep); // a resumed run's earlier steps, recorded before
        }
    };

    const Index groups = threadCount(cell, options, batch, steps - firstStep);
    // A run the batch does not split (a batch of one; on the automatic thread count, fewer than 8 samples) leaves the
    // other threads idle. It may share its steps with one of them by units (unit_split_loop.h; W1: 0.79 -> 0.64 ms),
    // where the cell can, the run is large enough for threads, nothing is done between a step's parts (a mask,
    // edits, a resume, streaming, constants, a stack), and the parts' workspaces fit in the memory budget (each holds
    // its own copy of its columns of the kernels; a small cell's whole workspace is kept too, for the steps one part
    // takes alone). Otherwise one of them computes the input projections ahead of the steps, taking them off the step
    // thread's path (W1: 10% of its profile), within the memory budget: without it the run goes as it would have.
    const bool threadsFree = options.threads > 1 || (options.threads == 0 && engineThreads() > 1);
    constexpr Index kParts = 2;
    const std::uint64_t splitBytes = kParts * static_cast<std::uint64_t>(cell.partWorkspaceBytes(batch, steps, kParts))
        + unitSplitWholeWorkspaceBytes(cell, batch, steps);
    const bool unitSplit = groups <= 1 && threadsFree && mask == nullptr && edits.empty() && resume == nullptr
        && stream == nullptr && constants.empty() && nLeaves == 1
        && flopsPerSampleStep(cell) * static_cast<double>(batch * steps) >= kMinFlopsForThreads
        && cell.supportsUnitSplit(batch, kParts) && memoryInUse() + splitBytes <= memoryBudget();
    // Every group's workspace (or part's): a chunk of projected inputs, scratch, and where the tiled product runs a
    // copy of the kernels, one for all the groups (W3: 6 MiB) and one per part (each of its own columns).
    const Index groupBatch = (batch + groups - 1) / groups;
    checkMemory(unitSplit ? splitBytes
                          : cell.workspaceBytes(groupBatch, steps)
                + static_cast<std::uint64_t>(groups - 1) * cell.siblingWorkspaceBytes(groupBatch, steps),
        "the workspaces of " + describeCell(cell) + " (" + std::to_string(unitSplit ? kParts : groups)
            + " thread(s), batch " + std::to_string(batch) + ")");
    // Streaming with several groups: each waits for the others at a window's end; the last to arrive writes it.
    std::optional<std::barrier<decltype(completeWindow)>> windowBarrier;
    if (stream != nullptr && groups > 1) {
        windowBarrier.emplace(groups, completeWindow);
        windowDone = [&] { windowBarrier->arrive_and_wait(); };
    } else if (stream != nullptr) {
        windowDone = completeWindow;
    }
    const std::size_t aheadBytes = groups <= 1 && threadsFree ? cell.projectionAheadBytes(batch, steps, firstStep) : 0U;
    if (unitSplit) {
        // A batch of one's inputs in processing order are its own rows, unless go_backwards reverses them.
        RowMatrix gathered;
        const bool inPlace = batch == 1 && !options.goBackwards;
        if (!inPlace) {
            gathered.resize(steps * batch, features);
            gatherInputs(inputs, options, 0, batch, gathered.data());
        }
        UnitSplitRun split;
        split.cell = &cell;
        split.x = inPlace ? inputs.data() : gathered.data();
        split.steps = steps;
        split.batch = batch;
        split.initialStates = &initialStates;
        split.outputs = outputs.data();
        split.returned = result.outputs.data();
        split.timeMajor = options.timeMajor;
        split.trace = trace;
        split.cancel = cancel;
        split.finalStates = &finalStates;
        result.unitJoinStep = runUnitSplit(split, kParts);
        result.unitParts = kParts;
    } else if (aheadBytes > 0 && memoryInUse() + aheadBytes <= memoryBudget()) {
        ProjectionHelper helper;
        projectionHelper = &helper;
        std::exception_ptr groupError;
        runConcurrently(2, [&](int gi) {
            if (gi == 1) {
                helper.run(cell);
                return;
            }
            try {
                runGroup(0, batch);
            } catch (...) {
                groupError = std::current_exception();
            }
        });
        projectionHelper = nullptr;
        if (groupError) {
            std::rethrow_exception(groupError);
        }
    } else if (groups <= 1) {
        runGroup(0, batch);
    } else {
        // Contiguous groups of samples, the first `batch % groups` one sample larger. The calling thread runs
        // group 0, the engine's kept workers the others (engine_threads.h); never a thread inside the time loop.
        std::vector<std::exception_ptr> errors(static_cast<std::size_t>(groups));
        const Index base = batch / groups;
        const Index extra = batch % groups;
        firstGroupWorkspace = cell.createWorkspace(base + (extra > 0 ? 1 : 0), steps);
        runConcurrently(static_cast<int>(groups), [&](int gi) {
            const Index g = gi;
            const Index b0 = g * base + std::min(g, extra);
            try {
                runGroup(b0, base + (g < extra ? 1 : 0));
            } catch (...) {
                errors[static_cast<std::size_t>(g)] = std::current_exception();
                if (windowBarrier) {
                    windowBarrier->arrive_and_drop(); // the other groups must not wait for this one
                }
            }
        });
        for (const auto& e : errors) {
            if (e) {
                std::rethrow_exception(e);
            }
        }
    }
    if (streamError) {
        std::rethrow_exception(streamError);
    }
    if (stop) {
        throw RunCancelled();
    }

    if (zeroAfterLoop) {
        // TF's unrolled path: outputs (processing order) are zeroed with the mask in *original* time order.
        for (Index s = 0; s < steps; ++s) {
            for (Index b = 0; b < batch; ++b) {
                if (!mask->at(b, s)) {
                    outputs.row(s * batch + b).setZero();
                }
            }
        }
        if (trace != nullptr && stream == nullptr && !trace->output.empty() && !outputsInTrace) {
            std::copy(outputs.data(), outputs.data() + outputs.size(), trace->output.stepData(0));
        }
        copyOutputsOut(0, batch, 0, steps);
    }
    if (stream != nullptr) {
        stream->endLayer(*trace);
    }
    if (outputIsState) {
        trace->output = trace->cells.front().states.front().sharedAs("output");
    }

    result.lastOutput = Tensor({batch, units});
    MatrixMap(result.lastOutput.data(), batch, units) = outputs.bottomRows(batch);
    if (mask != nullptr && options.zeroOutputForMask && options.unroll) {
        // last_output was zeroed with the last *processed* step's mask (mask_list[-1]).
        for (Index b = 0; b < batch; ++b) {
            if (!keep(steps - 1, b)) {
                result.lastOutput.matrix().row(b).setZero();
            }
        }
    }
    for (std::size_t i = 0; i < nStates; ++i) {
        result.states.emplace_back(Shape {batch, stateSpecs[i].size},
            std::vector<float>(finalStates[i].data(), finalStates[i].data() + finalStates[i].size()));
    }
    return result;
}

} // namespace rnnscope
