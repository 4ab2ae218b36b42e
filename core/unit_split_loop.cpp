#include "unit_split_loop.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>

#include "cancellation.h"
#include "engine_threads.h"
#include "trace_buffer.h"

namespace rnnscope {

namespace {

// One part's progress, on a cache line of its own: the others poll it while it writes its own.
struct alignas(64) PartProgress
{
    std::atomic<Index> stepsDone {0};
};

// Pause turns before a waiting part yields its core instead: about 20 us here, two orders of magnitude over a wait
// between running threads, and little lost when the other part's thread is not running (tests run two processes on
// two cores).
constexpr int kSpinTurns = 1024;

using Clock = std::chrono::steady_clock;

// A wait this much longer than its spinning means another part's thread was not running (its core lent to another
// process or virtual machine): a time slice is milliseconds, a step of the parts' microseconds.
constexpr Clock::duration kStall = std::chrono::microseconds(200);

// Waits that outlast their spinning in 4 of 8 in a row mean the same as a stall: the other part's thread runs only
// when this one yields, on this CPU (two threads on one CPU under `taskset -c 0`, or another process on the other).
// W1 then took 23 us a step instead of 0.65, every other wait of each part spinning out (1024 turns) and yielding.
constexpr unsigned kYieldWindow = 0xFFU; // the last 8 waits
constexpr int kYieldsInWindow = 4;

// Waits until every other part has finished step s; false when the run is abandoned meanwhile. Sets *stalled (when
// not null) if the wait went on for kStall after its spinning, and *yielded if it outlasted its spinning at all.
bool waitForOtherParts(std::span<const PartProgress> progress, int self, Index s, const std::atomic<bool>& abandon,
    bool* stalled, bool* yielded)
{
    *yielded = false;
    Clock::time_point yieldingSince;
    for (int p = 0; p < static_cast<int>(progress.size()); ++p) {
        if (p == self) {
            continue;
        }
        const std::atomic<Index>& done = progress[static_cast<std::size_t>(p)].stepsDone;
        for (int turn = 0; done.load(std::memory_order_acquire) <= s; ++turn) {
            if (abandon.load(std::memory_order_relaxed)) {
                return false;
            }
            if (turn < kSpinTurns) {
                spinPause();
                continue;
            }
            *yielded = true;
            if (stalled != nullptr && !*stalled) {
                const Clock::time_point now = Clock::now();
                if (turn == kSpinTurns) {
                    yieldingSince = now;
                } else if (now - yieldingSince >= kStall) {
                    *stalled = true;
                }
            }
            std::this_thread::yield();
        }
    }
    return true;
}

// Units [first, first + count) of each of `rows` rows of `width` floats, from one buffer to another.
void copyUnits(const float* from, float* to, Index rows, Index width, Index first, Index count)
{
    for (Index r = 0; r < rows; ++r) {
        std::copy(from + r * width + first, from + r * width + first + count, to + r * width + first);
    }
}

bool aligned(const float* p)
{
    return reinterpret_cast<std::uintptr_t>(p) % kTraceAlignment == 0;
}

// Part 0 times its own work and its wait in each of steps [kTimedFrom, kJoinDecision) (past the first steps, which
// fault in pages and warm the caches), and at step kJoinDecision decides whether the parts go on sharing the steps.
constexpr Index kTimedFrom = 16;
constexpr Index kJoinDecision = 80;

// The trial of a long run (kMinTrialSteps or more): the parts share steps [0, kTrialJoinedFrom), part 0 alone steps
// every part's units in [kTrialJoinedFrom, kTrialSplitFrom) while the others wait, then the parts share the
// steps again. Part 0 times steps [kTrialJoinedTimedFrom, kTrialSplitFrom) alone and [kTrialSplitTimedFrom,
// kTrialDecision) shared (each time past a few steps that warm the caches after the change), and at kTrialDecision
// takes over for good if the shared steps were the slower. The timed rule above judges by waits; a split can also be
// slow with short waits, when each part's own work grows (the two virtual CPUs far apart, each reading the new h from
// the other's cache): W1 took 1.6-1.9 ms split in every round of a side-by-side run, one thread about 1.1 ms.
constexpr Index kTrialJoinedFrom = 32;
constexpr Index kTrialJoinedTimedFrom = 36;
constexpr Index kTrialSplitFrom = 52;
constexpr Index kTrialSplitTimedFrom = 56;
constexpr Index kTrialDecision = 72;
constexpr Index kMinTrialSteps = 256;

// The largest workspace of the whole cell kept for the steps a part takes alone (unitSplitWholeWorkspaceBytes).
constexpr std::size_t kMaxWholeWorkspaceBytes = std::size_t {1} << 20;

std::atomic<Index> forcedJoinStep {-1};
std::atomic<int> forcedJoinOwner {0};
std::atomic<int> forcedTrial {-1};
std::atomic<Index> stopStep {-1};
std::atomic<int> stopPart {0};
std::atomic<bool> stopCancels {true};

} // namespace

void setUnitSplitJoinStepForTesting(Index step, int owner)
{
    forcedJoinStep.store(step);
    forcedJoinOwner.store(owner);
}

void setUnitSplitTrialForTesting(int outcome)
{
    forcedTrial.store(outcome);
}

void setUnitSplitStopForTesting(Index step, int part, bool cancels)
{
    stopStep.store(step);
    stopPart.store(part);
    stopCancels.store(cancels);
}

std::size_t unitSplitWholeWorkspaceBytes(const RnnCell& cell, Index batch, Index steps)
{
    const std::size_t bytes = cell.workspaceBytes(batch, steps);
    return bytes <= kMaxWholeWorkspaceBytes ? bytes : 0U;
}

Index runUnitSplit(const UnitSplitRun& run, int parts)
{
    const RnnCell& cell = *run.cell;
    const auto specs = cell.states();
    const std::size_t nStates = specs.size();
    const Index units = cell.outputSize();
    const Index features = cell.inputSize();
    const Index steps = run.steps;
    const Index batch = run.batch;
    LayerTrace* const trace = run.trace;

    // Each state's two buffers, shared by the parts (a step reads one and writes the other, each part its own units of
    // each row; rows of a multiple of 32 floats in 64-byte-aligned storage, so two parts never write one cache line). A
    // state the trace records at a 64-byte boundary is written there instead, as in the batch-split loop.
    std::vector<RowMatrix> own(2 * nStates);
    std::vector<TraceSeries*> stateSeries(nStates, nullptr);
    for (std::size_t i = 0; i < nStates; ++i) {
        own[2 * i].resize(batch, specs[i].size);
        own[2 * i + 1].resize(batch, specs[i].size);
    }
    TraceSeries* gateSeries = nullptr;
    if (trace != nullptr) {
        if (!trace->input.empty()) {
            std::copy(run.x, run.x + steps * batch * features, trace->input.stepData(0)); // the same layout
        }
        CellTrace& ct = trace->cells.front();
        if (ct.states.size() == nStates) {
            for (std::size_t i = 0; i < nStates; ++i) {
                stateSeries[i] = &ct.states[i];
            }
        }
        gateSeries = ct.gates.empty() ? nullptr : &ct.gates.front();
    }

    std::vector<PartProgress> progress(static_cast<std::size_t>(parts));
    std::atomic<bool> abandon {false}; // a part stopped early: cancelled, or it threw
    std::atomic<bool> cancelled {false};
    // The join, or -1: (step + 1) * parts + owner, where part `owner` computes every part's units from step+1 on. The
    // part that waits takes over (the one it waits for is the slow one). Claimed (compare-exchange from -1, so one
    // part only) before the claimer publishes `step`: the others read it once they have finished that step, and stop
    // after it; a part that reads it earlier goes on to finish that step.
    std::atomic<Index> join {-1};
    const Index forcedJoin = forcedJoinStep.load();
    const int forcedOwner = forcedJoinOwner.load();
    const int trialOutcome = forcedTrial.load();
    const Index stopAt = stopStep.load();
    const int stopIn = stopPart.load();
    const bool stopByCancel = stopCancels.load();
    // Not with a forced join (tests of the join) nor in short runs, where the trial would be much of the run.
    const bool trial = forcedJoin < 0 && trialOutcome != 0 && steps >= kMinTrialSteps;
    // The trial's handovers: the other parts, once done with step kTrialJoinedFrom-1, count themselves in `paused` and
    // wait until part 0 sets `resumed` (1: at step kTrialSplitFrom; 2: the run is abandoned).
    std::atomic<int> paused {0};
    std::atomic<int> resumed {0};
    auto abandonRun = [&] {
        abandon = true;
        resumed.store(2, std::memory_order_release);
    };
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
    // Each part's workspace, created on its own thread (its pages first touched there); outliving the parts' threads,
    // so that the part that takes over can step the others' units.
    std::vector<std::unique_ptr<CellWorkspace>> workspaces(static_cast<std::size_t>(parts));
    // The whole cell's workspace, for the steps one part takes alone (the trial's, and every step after a takeover),
    // made here on part 0's thread: one step of the whole cell is faster than each part's units in turn (W1: 0.84 ms a
    // pass on one thread, 1.0-1.1 ms after a takeover that stepped the parts), and gives the same values bit for bit.
    // Not for a cell whose workspace is large (an LSTM of 512 units: 6 MiB of kernel copies), whose parts then take
    // turns on the thread that took over.
    std::unique_ptr<CellWorkspace> whole;
    if (unitSplitWholeWorkspaceBytes(cell, batch, steps) > 0) {
        whole = cell.createWorkspace(batch, steps);
        cell.prepare(ConstMatrixMap(run.x, steps * batch, features), *whole);
    }

    auto runPart = [&](int p) {
        auto& workspace = workspaces[static_cast<std::size_t>(p)];
        workspace = cell.createPartWorkspace(batch, steps, p, parts);
        cell.prepare(ConstMatrixMap(run.x, steps * batch, features), *workspace);
        // The units this thread computes of each state, and of the output: its part's, or all after the join.
        std::vector<Index> first(nStates);
        std::vector<Index> count(nStates);
        for (std::size_t i = 0; i < nStates; ++i) {
            count[i] = specs[i].size / parts;
            first[i] = p * count[i];
        }
        Index outCount = units / parts;
        Index outFirst = p * outCount;
        int firstPart = p; // the parts this thread steps: its own, or after it took over, all of them
        int partsHere = 1;

        std::vector<const float*> current(nStates);
        std::vector<float*> next(nStates);
        for (std::size_t i = 0; i < nStates; ++i) {
            current[i] = (*run.initialStates)[i].data();
        }
        float* gatePtr[1] = {nullptr};
        Clock::duration work {}; // part 0's own work in the timed steps, and its waits for the others
        Clock::duration waited {};
        bool stalled = false; // a wait of this part's outlasted kStall, or kYieldsInWindow waits their spinning
        unsigned yieldHistory = 0; // bit i: the wait i waits ago yielded
        Clock::time_point waitEnd;
        Clock::time_point joinedStart; // the trial: when part 0 began its timed steps alone, and when it shared them
        Clock::duration joinedTime {};
        Clock::time_point splitStart;
        bool inTrial = trial; // until a part takes over for good
        // Steps every part's units: all of them from now on (the caller has them share none after this).
        auto takeAll = [&] {
            firstPart = 0;
            partsHere = parts;
            outCount = units;
            outFirst = 0;
            for (std::size_t i = 0; i < nStates; ++i) {
                count[i] = specs[i].size;
                first[i] = 0;
            }
        };
        auto takeOwn = [&] {
            firstPart = p;
            partsHere = 1;
            outCount = units / parts;
            outFirst = p * outCount;
            for (std::size_t i = 0; i < nStates; ++i) {
                count[i] = specs[i].size / parts;
                first[i] = p * count[i];
            }
        };
        for (Index s = 0; s < steps; ++s) {
            if (s == stopAt && p == stopIn && !stopByCancel) {
                throw std::runtime_error("a test stopped part " + std::to_string(p) + " at step " + std::to_string(s));
            }
            if (cancelRequested(run.cancel) || (s == stopAt && p == stopIn)) {
                cancelled = true;
                abandonRun();
                return;
            }
            // Every part makes the same choices here, so all write one step's states in the same place.
            for (std::size_t i = 0; i < nStates; ++i) {
                float* slot = stateSeries[i] != nullptr ? stateSeries[i]->stepData(s) : nullptr;
                if (slot != nullptr && aligned(slot)) {
                    next[i] = slot;
                } else {
                    next[i] = current[i] == own[2 * i].data() ? own[2 * i + 1].data() : own[2 * i].data();
                }
            }
            if (inTrial && s >= kTrialJoinedFrom && s < kTrialSplitFrom) {
                if (p != 0) {
                    // Part 0 steps this part's units now: only the choices above are made, to stay in step with it.
                    std::copy(next.begin(), next.end(), current.begin());
                    continue;
                }
                if (s == kTrialJoinedFrom) {
                    // Once the others have recorded their units of the last shared step (their copies read buffers
                    // this part writes again two steps on).
                    for (int turn = 0; paused.load(std::memory_order_acquire) < parts - 1; ++turn) {
                        if (abandon.load(std::memory_order_relaxed)) {
                            return;
                        }
                        if (turn < kSpinTurns) {
                            spinPause();
                        } else {
                            std::this_thread::yield(); // the others' thread may be waiting for this core
                        }
                    }
                    takeAll();
                }
                if (s == kTrialJoinedTimedFrom) {
                    joinedStart = Clock::now();
                }
            }
            gatePtr[0] = gateSeries != nullptr ? gateSeries->stepData(s) : nullptr;
            StepIo io;
            io.step = s;
            io.batch = batch;
            io.x = run.x + s * batch * features;
            io.states = current;
            io.newStates = next;
            io.output = run.outputs + s * batch * units;
            io.gates = gateSeries != nullptr ? std::span<float* const>(gatePtr) : std::span<float* const>();
            if (partsHere == parts && whole) {
                cell.step(io, *whole);
            } else {
                for (int q = firstPart; q < firstPart + partsHere; ++q) {
                    cell.stepPart(io, *workspaces[static_cast<std::size_t>(q)]);
                }
            }
            if (partsHere == 1 && forcedJoin != 0) {
                // A part takes over when the others' cores answer slowly: when over the timed steps it waited for
                // them longer than it worked, so that one thread stepping every part would be faster (their virtual
                // CPUs sharing a core, or far from this one), or once a wait of its stalled. A first run, which faults
                // in the trace's pages, sometimes joins too: W1 then took about 1.1 ms instead of 0.65. In a trial,
                // part 0 takes over when the shared steps were slower than its own alone.
                bool take = false;
                if (forcedJoin > 0) {
                    take = s + 1 == forcedJoin && p == forcedOwner;
                } else if (inTrial) {
                    // A forced outcome (tests) ignores stalls, which a sanitizer's slow threads would have.
                    const bool decide = p == 0 && s == kTrialDecision;
                    take = trialOutcome > 0
                        ? decide && trialOutcome == 2
                        : (s >= kTimedFrom && stalled) || (decide && waitEnd - splitStart > joinedTime);
                } else {
                    take = s >= kTimedFrom && (stalled || (s == kJoinDecision && waited > work));
                }
                Index none = -1;
                if (take) {
                    join.compare_exchange_strong(none, (s + 1) * parts + p, std::memory_order_relaxed);
                }
            }
            if (partsHere == 1) {
                progress[static_cast<std::size_t>(p)].stepsDone.store(s + 1, std::memory_order_release);
            }

            // What only this part reads, recorded while the others finish their units.
            for (std::size_t i = 0; i < nStates; ++i) {
                if (stateSeries[i] != nullptr && next[i] != stateSeries[i]->stepData(s)) {
                    copyUnits(next[i], stateSeries[i]->stepData(s), batch, specs[i].size, first[i], count[i]);
                }
            }
            for (Index b = 0; b < batch; ++b) {
                const float* out = run.outputs + (s * batch + b) * units + outFirst;
                const Index row = run.timeMajor ? s * batch + b : b * steps + s;
                std::copy(out, out + outCount, run.returned + row * units + outFirst);
            }

            if (partsHere == 1) {
                const bool timed = !trial && s >= kTimedFrom && s < kJoinDecision;
                const Clock::time_point workEnd = timed ? Clock::now() : Clock::time_point {};
                // Not at the trial's first shared step, whose wait includes waking the other parts.
                const bool watchStall = s + 1 >= kTimedFrom && !(inTrial && s == kTrialSplitFrom);
                bool yielded = false;
                if (!waitForOtherParts(progress, p, s, abandon, watchStall ? &stalled : nullptr, &yielded)) {
                    return;
                }
                yieldHistory = (yieldHistory << 1U) | (yielded && watchStall ? 1U : 0U);
                stalled = stalled || std::popcount(yieldHistory & kYieldWindow) >= kYieldsInWindow;
                if (trial ? s + 1 == kTrialSplitTimedFrom || s + 1 == kTrialDecision
                          : s + 1 >= kTimedFrom && s < kJoinDecision) {
                    const Clock::time_point now = Clock::now();
                    if (timed) {
                        work += workEnd - waitEnd;
                        waited += now - workEnd;
                    }
                    waitEnd = now;
                    if (trial && s + 1 == kTrialSplitTimedFrom) {
                        splitStart = now;
                    }
                }
                if (const Index j = join.load(std::memory_order_relaxed); j >= 0 && j / parts == s + 1) {
                    if (j % parts != p) {
                        return; // the owner computes the rest, final states included
                    }
                    takeAll();
                    inTrial = false;
                }
                if (inTrial && p != 0 && s + 1 == kTrialJoinedFrom) {
                    // Part 0 steps this part's units until kTrialSplitFrom (W1: about 20 us), while this one spins,
                    // then yields, as a wait for a step does. Asleep instead (a futex), it was slow to wake: W1's
                    // median pass took 0.79-0.93 ms in three runs, against 0.76-0.79 ms spinning (a longer trial).
                    paused.fetch_add(1, std::memory_order_release);
                    int r = 0;
                    for (int turn = 0; (r = resumed.load(std::memory_order_acquire)) == 0; ++turn) {
                        if (turn < kSpinTurns) {
                            spinPause();
                        } else {
                            std::this_thread::yield();
                        }
                    }
                    if (r == 2) {
                        return;
                    }
                }
            } else if (inTrial && p == 0 && s + 1 == kTrialSplitFrom) {
                joinedTime = Clock::now() - joinedStart;
                takeOwn();
                resumed.store(1, std::memory_order_release);
            }
            std::copy(next.begin(), next.end(), current.begin());
        }
        for (std::size_t i = 0; i < nStates; ++i) {
            copyUnits(current[i], (*run.finalStates)[i].data(), batch, specs[i].size, first[i], count[i]);
        }
    };

    runConcurrently(parts, [&](int p) {
        try {
            runPart(p);
        } catch (...) {
            errors[static_cast<std::size_t>(p)] = std::current_exception();
            abandonRun();
        }
    });
    for (const auto& e : errors) {
        if (e) {
            std::rethrow_exception(e);
        }
    }
    if (cancelled) {
        throw RunCancelled();
    }
    const Index j = join.load();
    return j >= 0 ? j / parts : -1;
}

} // namespace rnnscope
