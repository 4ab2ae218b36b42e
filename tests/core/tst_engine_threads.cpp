// The batch split across threads (rnn_loop.cpp, engine_threads.h) changes nothing a user can see: for every cell
// kind and every loop option, a run on 2 or 3 threads returns the same outputs and states as a run on 1 thread
// (within 1e-6, float rounding of different GEMM shapes), and records a trace of exactly the same layout and
// values. Also covers what-if edits of chosen samples and units, resuming, constants, Bidirectional, the knob, and
// runConcurrently, which runs the groups on workers the engine keeps.

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <thread>
#include <unistd.h> // gettid: unlike std::thread::id, the kernel's thread ids are not reused at once

#include <QObject>
#include <QTest>

#include "core/bidirectional.h"
#include "core/cancellation.h"
#include "core/cells/projected_cell.h"
#include "core/engine_threads.h"
#include "core/recurrent_product.h"
#include "core/rnn_layer.h"
#include "core/rnn_loop.h"
#include "core/unit_split_loop.h"
#include "engine_fixtures.h"
#include "tests/support/cpu_affinity.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr double kTolerance = 1e-6;
constexpr Index kBatch = 7; // odd: groups of unequal size (4+3, 3+2+2)
constexpr Index kSteps = 9;
constexpr Index kFeatures = 3;

double maxDiff(std::span<const float> a, std::span<const float> b)
{
    if (a.size() != b.size()) {
        return INFINITY;
    }
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
    }
    return m;
}

double maxDiff(const Tensor& a, const Tensor& b)
{
    return a.shape() == b.shape() ? maxDiff(std::span<const float>(a.values()), std::span<const float>(b.values()))
                                  : INFINITY;
}

// Same name, shape [steps, batch, width] and values.
void compareSeries(const TraceSeries& a, const TraceSeries& b, const char* what)
{
    QVERIFY2(a.name() == b.name(), what);
    QVERIFY2(a.steps() == b.steps() && a.batch() == b.batch() && a.width() == b.width(), what);
    QVERIFY2(maxDiff(a.values(), b.values()) < kTolerance, what);
}

void compareTraces(const LayerTrace& a, const LayerTrace& b)
{
    QCOMPARE(a.className, b.className);
    QCOMPARE(a.units, b.units);
    QCOMPARE(a.batch, b.batch);
    QCOMPARE(a.steps, b.steps);
    QCOMPARE(a.stepTime, b.stepTime);
    QCOMPARE(a.mask, b.mask);
    compareSeries(a.input, b.input, "input");
    compareSeries(a.output, b.output, "output");
    QCOMPARE(a.cells.size(), b.cells.size());
    for (std::size_t k = 0; k < a.cells.size(); ++k) {
        const CellTrace& ca = a.cells[k];
        const CellTrace& cb = b.cells[k];
        QCOMPARE(ca.className, cb.className);
        QCOMPARE(ca.gateNames, cb.gateNames);
        QCOMPARE(ca.states.size(), cb.states.size());
        for (std::size_t j = 0; j < ca.states.size(); ++j) {
            compareSeries(ca.states[j], cb.states[j], "state");
        }
        QCOMPARE(ca.gates.size(), cb.gates.size());
        for (std::size_t j = 0; j < ca.gates.size(); ++j) {
            compareSeries(ca.gates[j], cb.gates[j], "gates");
        }
        compareSeries(ca.input, cb.input, "cell input");
        compareSeries(ca.output, cb.output, "cell output");
    }
    QCOMPARE(a.directions.size(), b.directions.size());
    for (std::size_t d = 0; d < a.directions.size(); ++d) {
        compareTraces(a.directions[d], b.directions[d]);
    }
}

void compareResults(const RnnLoopResult& a, const RnnLoopResult& b)
{
    QVERIFY(maxDiff(a.outputs, b.outputs) < kTolerance);
    QVERIFY(maxDiff(a.lastOutput, b.lastOutput) < kTolerance);
    QCOMPARE(a.states.size(), b.states.size());
    for (std::size_t i = 0; i < a.states.size(); ++i) {
        QVERIFY(maxDiff(a.states[i], b.states[i]) < kTolerance);
    }
}

Mask testMask(Index batch, Index steps)
{
    Mask mask(batch, steps);
    for (Index b = 0; b < batch; ++b) {
        for (Index t = 0; t < steps; ++t) {
            mask.set(b, t, (b + 2 * t) % 5 != 0);
        }
    }
    return mask;
}

// Edits of the first state: all units of samples 1 and 5 at step 2, unit 1 of sample 6 (in the last group) at
// step 5, and every sample at the end (the final states).
std::vector<StateEdit> testEdits(const RnnCell& cell, Index batch, Index steps)
{
    const Index width = cell.states()[0].size;
    StateEdit a;
    a.step = 2;
    a.stateIndex = 0;
    a.samples = {1, 5};
    a.values = RowMatrix::Constant(batch, width, 0.75F);
    StateEdit b;
    b.step = 5;
    b.stateIndex = 0;
    b.samples = {6};
    b.units = {1};
    b.values = RowMatrix::Constant(batch, width, -0.5F);
    StateEdit c;
    c.step = steps;
    c.stateIndex = cell.stateCount() - 1;
    c.values = RowMatrix::Constant(batch, cell.states().back().size, 0.25F);
    return {a, b, c};
}

// A user-defined cell that says it can be split: h' = h + x + constant (a per-sample [B, 2] constant).
class SplittableAccumulateCell : public RnnCell
{
public:
    std::string className() const override { return "SplittableAccumulateCell"; }
    Index inputSize() const override { return 2; }
    Index outputSize() const override { return 2; }
    std::vector<StateSpec> states() const override { return {{"h", 2}}; }
    std::vector<GateSpec> gates() const override { return {}; }
    std::vector<WeightSlot> weights() override { return {}; }
    std::unique_ptr<CellWorkspace> createWorkspace(Index, Index) const override
    {
        return std::make_unique<CellWorkspace>();
    }
    void prepare(const ConstMatrixMap&, CellWorkspace&) const override { }
    void step(const StepIo& io, CellWorkspace&) const override
    {
        MatrixMap out(io.output, io.batch, 2);
        out = ConstMatrixMap(io.x, io.batch, 2) + io.constants[0] + ConstMatrixMap(io.states[0], io.batch, 2);
        MatrixMap(io.newStates[0], io.batch, 2) = out;
    }
    bool supportsBatchSplit() const override { return true; }
};

std::unique_ptr<RnnCell> bigLstm(unsigned seed)
{
    // Large enough that the automatic choice uses threads (see kMinFlopsForThreads in rnn_loop.cpp).
    auto cell = std::make_unique<LstmCell>(
        8, 32, Activation(ActivationKind::Tanh), Activation(ActivationKind::Sigmoid), true);
    randomizeWeights(*cell, seed);
    return cell;
}

// Task i of n records its thread, then waits (up to 10 s) until all n have started: true only if they all ran at the
// same time, as a streamed run's groups must (they wait for each other at every window's end).
struct ConcurrencyProbe
{
    explicit ConcurrencyProbe(int n)
        : n(n)
        , threads(static_cast<std::size_t>(n))
        , kernelIds(static_cast<std::size_t>(n))
        , ran(static_cast<std::size_t>(n), 0)
    {
    }

    void operator()(int i)
    {
        threads[static_cast<std::size_t>(i)] = std::this_thread::get_id();
        kernelIds[static_cast<std::size_t>(i)] = gettid();
        ++ran[static_cast<std::size_t>(i)];
        started.fetch_add(1);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (started.load() < n && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::yield();
        }
        if (started.load() < n) {
            timedOut = true;
        }
    }

    bool eachRanOnceOnItsOwnThread() const
    {
        const std::set<std::thread::id> distinct(threads.begin(), threads.end());
        return std::all_of(ran.begin(), ran.end(), [](int r) { return r == 1; })
            && distinct.size() == static_cast<std::size_t>(n);
    }

    int n;
    std::vector<std::thread::id> threads;
    std::vector<pid_t> kernelIds;
    std::vector<int> ran;
    std::atomic<int> started {0};
    std::atomic<bool> timedOut {false};
};

} // namespace

class TestEngineThreads : public QObject
{
    Q_OBJECT

private slots:
    void threadedEqualsSingleThreaded_data();
    void threadedEqualsSingleThreaded();
    void resumeThreadedEqualsSingleThreaded_data();
    void resumeThreadedEqualsSingleThreaded();
    void constantsAreSplitPerSample();
    void automaticChoiceAndKnob();
    void bidirectionalThreadedEqualsSingleThreaded();
    void runConcurrentlyRunsEveryTaskAtOnce_data();
    void runConcurrentlyRunsEveryTaskAtOnce();
    void runConcurrentlyKeepsItsWorkers();
    void concurrentCallersEachRunEveryTask();
    void batchOfOneProjectsAheadOnASecondThread_data();
    void batchOfOneProjectsAheadOnASecondThread();
    void projectionChunksComeFromWhicheverThreadHasThem();
    void smallBatchesShareTheirStepsByUnits_data();
    void smallBatchesShareTheirStepsByUnits();
    void unitSplitOnlyWhereItFits_data();
    void unitSplitOnlyWhereItFits();
    void cancellingAUnitSplitRunStopsEveryPart();
    void aPartStoppingMidTrialStopsTheRun_data();
    void partsOnOneCpuJoinEarly();
    void aPartStoppingMidTrialStopsTheRun();
    void joinedPartsEqualOneThread_data();
    void joinedPartsEqualOneThread();
};

void TestEngineThreads::threadedEqualsSingleThreaded_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("variant");
    for (const char* k : {"simple", "lstm", "gru", "gru_reset_after", "minimal", "stack"}) {
        for (const char* v : {"plain", "mask", "mask_zero", "backwards_mask", "time_major", "unroll_backwards", "edits",
                 "edits_backwards_mask", "initial_states"}) {
            QTest::addRow("%s %s", k, v) << QString::fromLatin1(k) << QString::fromLatin1(v);
        }
    }
}

void TestEngineThreads::threadedEqualsSingleThreaded()
{
    QFETCH(QString, kind);
    QFETCH(QString, variant);
    auto cell = makeTestCell(kind.toStdString(), kFeatures, 41);
    RnnLoopOptions options;
    const bool timeMajor = variant == QLatin1String("time_major");
    options.timeMajor = timeMajor;
    const Tensor x
        = randomTensor(timeMajor ? Shape {kSteps, kBatch, kFeatures} : Shape {kBatch, kSteps, kFeatures}, 42);
    const Mask mask = testMask(kBatch, kSteps);
    const bool masked = variant.contains(QLatin1String("mask")) || variant == QLatin1String("unroll_backwards");
    options.zeroOutputForMask = variant == QLatin1String("mask_zero") || variant == QLatin1String("unroll_backwards");
    options.goBackwards = variant.contains(QLatin1String("backwards"));
    options.unroll = variant == QLatin1String("unroll_backwards");
    std::vector<StateEdit> edits;
    if (variant.startsWith(QLatin1String("edits"))) {
        edits = testEdits(*cell, kBatch, kSteps);
    }
    std::vector<Tensor> states = zeroStates(*cell, kBatch);
    if (variant == QLatin1String("initial_states")) {
        unsigned seed = 43;
        for (auto& s : states) {
            s = randomTensor(s.shape(), seed++);
        }
    }

    options.threads = 1;
    LayerTrace single;
    const auto a = rnnLoop(*cell, x, states, masked ? &mask : nullptr, {}, options, &single, edits);
    for (int threads : {2, 3, static_cast<int>(kBatch)}) {
        options.threads = threads;
        LayerTrace split;
        const auto b = rnnLoop(*cell, x, states, masked ? &mask : nullptr, {}, options, &split, edits);
        compareResults(a, b);
        compareTraces(single, split);
    }
}

void TestEngineThreads::resumeThreadedEqualsSingleThreaded_data()
{
    QTest::addColumn<QString>("kind");
    for (const char* k : {"simple", "lstm", "gru", "gru_reset_after", "minimal", "stack"}) {
        QTest::newRow(k) << QString::fromLatin1(k);
    }
}

void TestEngineThreads::resumeThreadedEqualsSingleThreaded()
{
    // The debugger's what-if path: a recorded run, then a resume from step 4 with an edit at step 6, on the same
    // trace. Threaded and single-threaded resumes update the trace identically.
    QFETCH(QString, kind);
    auto cell = makeTestCell(kind.toStdString(), kFeatures, 44);
    const Tensor x = randomTensor({kBatch, kSteps, kFeatures}, 45);
    const Mask mask = testMask(kBatch, kSteps);
    RnnLoopOptions options;
    options.goBackwards = true;
    StateEdit edit;
    edit.step = 6;
    edit.stateIndex = 0;
    edit.samples = {0, 6};
    edit.values = RowMatrix::Constant(kBatch, cell->states()[0].size, 0.5F);
    const std::vector<StateEdit> edits {edit};
    ResumePoint at;
    at.step = 4;

    options.threads = 1;
    LayerTrace single;
    rnnLoop(*cell, x, zeroStates(*cell, kBatch), &mask, {}, options, &single);
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, kBatch), &mask, {}, options, &single, edits, &at);

    options.threads = 2;
    LayerTrace recorded;
    rnnLoop(*cell, x, zeroStates(*cell, kBatch), &mask, {}, options, &recorded);
    const LayerTrace before = recorded; // kept as recorded: what the what-if run starts from
    // The what-if run goes on in a copy of the recorded trace, which shares its values until written (copy on
    // write; under TSan this also checks that the group threads do not each copy them).
    LayerTrace split = recorded;
    const auto b = rnnLoop(*cell, x, zeroStates(*cell, kBatch), &mask, {}, options, &split, edits, &at);
    compareResults(a, b);
    compareTraces(single, split);
    compareTraces(recorded, before); // the recorded run is untouched
    QVERIFY(!split.output.sharesValuesWith(recorded.output));

    // And the resumed run equals a whole run with the same edit.
    options.threads = 1;
    LayerTrace whole;
    const auto c = rnnLoop(*cell, x, zeroStates(*cell, kBatch), &mask, {}, options, &whole, edits);
    compareResults(c, b);
    compareTraces(whole, split);
}

void TestEngineThreads::constantsAreSplitPerSample()
{
    SplittableAccumulateCell cell;
    const Tensor x = randomTensor({kBatch, kSteps, 2}, 46);
    const Tensor k = randomTensor({kBatch, 2}, 47);
    const Mask mask = testMask(kBatch, kSteps);
    RnnLoopOptions options;
    options.threads = 1;
    LayerTrace single;
    const auto a = rnnLoop(cell, x, zeroStates(cell, kBatch), &mask, {k}, options, &single);
    options.threads = 3;
    LayerTrace split;
    const auto b = rnnLoop(cell, x, zeroStates(cell, kBatch), &mask, {k}, options, &split);
    compareResults(a, b);
    compareTraces(single, split);
    // Exactly the sums: sample b's final state is the sum of its kept inputs plus one constant per kept step.
    for (Index b0 = 0; b0 < kBatch; ++b0) {
        for (Index u = 0; u < 2; ++u) {
            float sum = 0;
            for (Index t = 0; t < kSteps; ++t) {
                if (mask.at(b0, t)) {
                    sum += x.at(b0, t, u) + k.at(b0, u);
                }
            }
            QVERIFY(std::abs(b.states[0].at(b0, u) - sum) < 1e-5);
        }
    }
}

void TestEngineThreads::automaticChoiceAndKnob()
{
    setEngineThreads(3);
    QCOMPARE(engineThreads(), 3);
    setEngineThreads(0);
    QVERIFY(engineThreads() >= 1);

    // threads = 0 (automatic) on a run large enough to split, with the knob at 2 and at 1.
    auto cell = bigLstm(48);
    const Tensor x = randomTensor({16, 20, 8}, 49);
    const Mask mask = testMask(16, 20);
    RnnLoopOptions options;
    options.goBackwards = true;
    setEngineThreads(1);
    LayerTrace single;
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, 16), &mask, {}, options, &single);
    setEngineThreads(2);
    LayerTrace split;
    const auto b = rnnLoop(*cell, x, zeroStates(*cell, 16), &mask, {}, options, &split);
    setEngineThreads(0);
    compareResults(a, b);
    compareTraces(single, split);
}

void TestEngineThreads::bidirectionalThreadedEqualsSingleThreaded()
{
    auto run = [](int threads, ModelTrace& trace) {
        setEngineThreads(threads);
        RnnOptions forward;
        forward.returnSequences = true;
        RnnOptions backward = forward;
        backward.goBackwards = true;
        BidirectionalLayer layer("bi", std::make_unique<RnnLayer>("f", "LSTM", bigLstm(50), forward),
            std::make_unique<RnnLayer>("b", "LSTM", bigLstm(51), backward), MergeMode::Concat);
        const Tensor x = randomTensor({16, 20, 8}, 52);
        const Mask mask = testMask(16, 20);
        CallContext context;
        context.trace = &trace;
        auto out = layer.call({LayerInput {&x, &mask}}, context);
        setEngineThreads(0);
        return std::move(out.at(0).tensor);
    };
    ModelTrace single;
    ModelTrace split;
    const Tensor a = run(1, single);
    const Tensor b = run(2, split);
    QVERIFY(maxDiff(a, b) < kTolerance);
    QCOMPARE(single.layers.size(), std::size_t {1});
    QCOMPARE(split.layers.size(), std::size_t {1});
    compareTraces(single.layers[0], split.layers[0]);
}

void TestEngineThreads::runConcurrentlyRunsEveryTaskAtOnce_data()
{
    QTest::addColumn<int>("tasks");
    QTest::newRow("1") << 1;
    QTest::newRow("2") << 2;
    QTest::newRow("5, more than the cores") << 5;
    QTest::newRow("3, after 5: fewer than the workers kept") << 3;
}

void TestEngineThreads::runConcurrentlyRunsEveryTaskAtOnce()
{
    QFETCH(int, tasks);
    ConcurrencyProbe probe(tasks);
    runConcurrently(tasks, std::ref(probe));
    QVERIFY(!probe.timedOut);
    QVERIFY(probe.eachRanOnceOnItsOwnThread());
    QCOMPARE(probe.threads[0], std::this_thread::get_id()); // task 0 on the caller
}

void TestEngineThreads::runConcurrentlyKeepsItsWorkers()
{
    // The point of keeping them: a second call runs on the same threads, without starting new ones.
    ConcurrencyProbe first(3);
    runConcurrently(3, std::ref(first));
    ConcurrencyProbe second(3);
    runConcurrently(3, std::ref(second));
    QVERIFY(first.eachRanOnceOnItsOwnThread() && second.eachRanOnceOnItsOwnThread());
    QCOMPARE(std::set<pid_t>(second.kernelIds.begin(), second.kernelIds.end()),
        std::set<pid_t>(first.kernelIds.begin(), first.kernelIds.end()));

    // And a run through them twice gives the same results as on one thread.
    auto cell = bigLstm(53);
    const Tensor x = randomTensor({16, 20, 8}, 54);
    RnnLoopOptions options;
    options.threads = 1;
    const auto single = rnnLoop(*cell, x, zeroStates(*cell, 16), nullptr, {}, options, nullptr);
    options.threads = 2;
    for (int pass = 0; pass < 2; ++pass) {
        compareResults(single, rnnLoop(*cell, x, zeroStates(*cell, 16), nullptr, {}, options, nullptr));
    }
}

void TestEngineThreads::concurrentCallersEachRunEveryTask()
{
    // Two threads call at once, each from inside a task of a third call (nested): the calls that find the workers
    // busy start their own threads, and every task of every call still runs, all of a call's tasks at once.
    ConcurrencyProbe outer(2);
    std::vector<std::unique_ptr<ConcurrencyProbe>> inner;
    inner.push_back(std::make_unique<ConcurrencyProbe>(3));
    inner.push_back(std::make_unique<ConcurrencyProbe>(3));
    runConcurrently(2, [&](int i) {
        runConcurrently(3, std::ref(*inner[static_cast<std::size_t>(i)]));
        outer(i);
    });
    QVERIFY(!outer.timedOut && outer.eachRanOnceOnItsOwnThread());
    for (const auto& p : inner) {
        QVERIFY(!p->timedOut);
        QVERIFY(p->eachRanOnceOnItsOwnThread());
    }
}

void TestEngineThreads::batchOfOneProjectsAheadOnASecondThread_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Index>("units");
    for (const char* k : {"simple", "lstm", "gru", "gru_reset_after", "minimal", "stack"}) {
        QTest::addRow("%s, 4 units", k) << QString::fromLatin1(k) << Index {4};
        QTest::addRow("%s, 64 units", k) << QString::fromLatin1(k) << Index {64};
    }
}

// A batch of one on 2 threads: a second thread computes the input projections ahead of the steps (W1). Outputs,
// states and trace are the same bit for bit as on one thread, for a whole run and a resumed one with an edit.
void TestEngineThreads::batchOfOneProjectsAheadOnASecondThread()
{
    QFETCH(QString, kind);
    QFETCH(Index, units);
    auto cell = makeTestCell(kind.toStdString(), kFeatures, 46, units);
    constexpr Index steps = 700;
    const Tensor x = randomTensor({1, steps, kFeatures}, 47);
    RnnLoopOptions options;
    options.goBackwards = true;
    // Bit for bit (a minimal cell, without an activation, overflows to NaN over 700 steps: NaN == NaN is false).
    auto same = [](const auto& a, const auto& b) {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
    };

    options.threads = 1;
    LayerTrace single;
    const auto a = rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options, &single);
    options.threads = 2;
    LayerTrace ahead;
    const auto b = rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options, &ahead);
    QVERIFY(same(a.outputs.values(), b.outputs.values()));
    QVERIFY(same(a.states.front().values(), b.states.front().values()));
    QVERIFY(same(single.output.values(), ahead.output.values()));
    QVERIFY(same(single.cells.back().states.front().values(), ahead.cells.back().states.front().values()));

    StateEdit edit;
    edit.step = 400;
    edit.values = RowMatrix::Constant(1, cell->states()[0].size, 0.5F);
    const std::vector<StateEdit> edits {edit};
    ResumePoint at;
    at.step = 300;
    options.threads = 1;
    const auto c = rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options, &single, edits, &at);
    options.threads = 2;
    const auto d = rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options, &ahead, edits, &at);
    QVERIFY(same(c.outputs.values(), d.outputs.values()));
    QVERIFY(same(single.output.values(), ahead.output.values()));
    QVERIFY(!same(a.outputs.values(), c.outputs.values())); // the edit took effect
}

// The three ways a step gets its chunk of projections ahead, driven by hand: computed by the helper first, claimed
// by the step thread itself (the helper stopped), and computed into the step thread's own chunk when the helper has
// claimed it and does not finish (a lost core). Each gives the projections of a workspace without the helper.
void TestEngineThreads::projectionChunksComeFromWhicheverThreadHasThem()
{
    auto owned = makeTestCell("lstm", kFeatures, 48, 64);
    const auto& cell = dynamic_cast<const ProjectedCell&>(*owned);
    constexpr Index steps = 300;
    const RowMatrix x = RowMatrix::Random(steps, kFeatures);
    const Index width = cell.recurrentKernel().cols();
    QVERIFY(cell.projectionAheadBytes(1, steps, 0) > 0);
    QCOMPARE(cell.projectionAheadBytes(1, 100, 0), std::size_t {0}); // under 4 chunks: not worth a thread

    // Every step's output from a workspace set up as `setUp` says; the outputs of a step depend on its projection.
    auto run = [&](const std::function<void(ProjectionWorkspace&)>& setUp) {
        auto ws = cell.createWorkspace(1, steps);
        cell.prepare(ConstMatrixMap(x.data(), steps, kFeatures), *ws);
        setUp(static_cast<ProjectionWorkspace&>(*ws));
        RowMatrix h = RowMatrix::Zero(1, 64), c = RowMatrix::Zero(1, 64);
        RowMatrix h2(1, 64), c2(1, 64), out(steps, 64);
        for (Index s = 0; s < steps; ++s) {
            const float* states[] = {h.data(), c.data()};
            float* newStates[] = {h2.data(), c2.data()};
            StepIo io;
            io.step = s;
            io.batch = 1;
            io.x = x.data() + s * kFeatures;
            io.states = states;
            io.newStates = newStates;
            io.output = out.data() + s * 64;
            cell.step(io, *ws);
            std::swap(h, h2);
            std::swap(c, c2);
        }
        return out;
    };
    const RowMatrix plain = run([](ProjectionWorkspace&) {});
    auto setUpAhead = [&](ProjectionWorkspace& ws) {
        cell.setUpProjectionAhead(ws, 0);
        ws.chunk.setConstant(NAN); // nothing computed may be read before it is
    };
    const std::atomic<bool> go {false};
    const std::atomic<bool> stopped {true};
    const RowMatrix helperFirst = run([&](ProjectionWorkspace& ws) {
        setUpAhead(ws);
        cell.projectAhead(ws, go);
        for (Index k = 0; k < ws.chunkCount; ++k) {
            QCOMPARE(ws.chunkState[k].load(), ProjectionWorkspace::kChunkReady);
        }
    });
    QCOMPARE(helperFirst, plain);
    const RowMatrix stepsAlone = run([&](ProjectionWorkspace& ws) {
        setUpAhead(ws);
        cell.projectAhead(ws, stopped); // stopped before its first chunk
        QCOMPARE(ws.chunkState[0].load(), ProjectionWorkspace::kChunkFree);
    });
    QCOMPARE(stepsAlone, plain);
    const RowMatrix helperStalled = run([&](ProjectionWorkspace& ws) {
        setUpAhead(ws);
        ws.chunkState[2].store(ProjectionWorkspace::kChunkComputing); // claimed, never finished
        QVERIFY(width == 4 * 64);
    });
    QCOMPARE(helperStalled, plain);
}

// A unit split's parts are whole strips of the tiled product, which AVX-512 builds use (RNNSCOPE_NATIVE; CI's
// native-tests and tsan stages); other builds keep a batch of one on one step thread, and these tests then check that.
int unitSplitParts()
{
    return detail::useStripMajorKernel(64) ? 2 : 1;
}

// The same floats bit for bit. An empty series has no data (memcmp of null pointers is undefined even for 0 bytes).
template <typename A, typename B> bool same(const A& a, const B& b)
{
    return a.size() == b.size() && (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void TestEngineThreads::smallBatchesShareTheirStepsByUnits_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Index>("units");
    QTest::addColumn<QString>("variant");
    QTest::addColumn<Index>("batch");
    const std::pair<const char*, Index> cells[]
        = {{"lstm", 64}, {"lstm", 128}, {"lstm_nobias", 64}, {"lstm_hard_sigmoid", 64}, {"simple", 128},
            {"simple_nobias", 128}, {"simple", 256}, {"gru_reset_after", 128}, {"gru_reset_after_nobias", 128}};
    for (const auto& [kind, units] : cells) {
        for (const char* v : {"plain", "backwards", "time_major", "initial_states", "no_trace", "states_only",
                 "gates_and_inputs", "outputs_only"}) {
            for (Index batch : {1, 3}) {
                QTest::addRow("%s %d units, %s, batch %d", kind, static_cast<int>(units), v, static_cast<int>(batch))
                    << QString::fromLatin1(kind) << units << QString::fromLatin1(v) << batch;
            }
        }
    }
}

// A batch of one on 2 threads, or of three on the automatic thread count (which does not split fewer than 8 samples),
// in a cell large enough (unit_split_loop.h): each thread computes half of every step's units. Outputs, final states
// and every recorded series are those of one thread bit for bit, whatever the trace records, and the run says it was
// split (it is not, and this test fails, if the cell or the loop stops offering it).
void TestEngineThreads::smallBatchesShareTheirStepsByUnits()
{
    QFETCH(QString, kind);
    QFETCH(Index, units);
    QFETCH(QString, variant);
    QFETCH(Index, batch);
    auto cell = makeTestCell(kind.toStdString(), kFeatures, 61, units);
    constexpr Index steps = 150;
    RnnLoopOptions options;
    options.goBackwards = variant == QLatin1String("backwards");
    options.timeMajor = variant == QLatin1String("time_major");
    const Tensor x
        = randomTensor(options.timeMajor ? Shape {steps, batch, kFeatures} : Shape {batch, steps, kFeatures}, 62);
    std::vector<Tensor> states = zeroStates(*cell, batch);
    if (variant == QLatin1String("initial_states")) {
        unsigned seed = 63;
        for (auto& s : states) {
            s = randomTensor(s.shape(), seed++);
        }
    }
    TraceRequest request;
    request.inputs = variant == QLatin1String("gates_and_inputs") || !variant.contains(QLatin1Char('_'));
    request.states = variant == QLatin1String("states_only") || !variant.contains(QLatin1Char('_'));
    request.gates = variant == QLatin1String("gates_and_inputs") || !variant.contains(QLatin1Char('_'));
    request.outputs = variant == QLatin1String("outputs_only") || !variant.contains(QLatin1Char('_'));
    if (variant == QLatin1String("time_major") || variant == QLatin1String("initial_states")) {
        request = TraceRequest();
    }
    const bool traced = variant != QLatin1String("no_trace");
    auto sameSeries = [&](const TraceSeries& a, const TraceSeries& b) {
        return a.steps() == b.steps() && a.width() == b.width() && same(a.values(), b.values());
    };

    options.threads = 1;
    LayerTrace single;
    single.recording.request = request;
    const auto a = rnnLoop(*cell, x, states, nullptr, {}, options, traced ? &single : nullptr);
    QCOMPARE(a.unitParts, 1);
    // A batch of one on 2 threads; more samples on the automatic count, with 2 engine threads whatever the machine.
    options.threads = batch == 1 ? 2 : 0;
    setEngineThreads(2);
    setUnitSplitJoinStepForTesting(0); // the parts share every step, however slowly a sanitizer runs them
    LayerTrace shared;
    shared.recording.request = request;
    const auto b = rnnLoop(*cell, x, states, nullptr, {}, options, traced ? &shared : nullptr);
    setUnitSplitJoinStepForTesting(-1);
    setEngineThreads(0);
    QCOMPARE(b.unitParts, unitSplitParts());
    QCOMPARE(b.unitJoinStep, Index {-1});
    QVERIFY(same(a.outputs.values(), b.outputs.values()));
    QVERIFY(same(a.lastOutput.values(), b.lastOutput.values()));
    QCOMPARE(a.states.size(), b.states.size());
    for (std::size_t i = 0; i < a.states.size(); ++i) {
        QVERIFY(same(a.states[i].values(), b.states[i].values()));
    }
    if (!traced) {
        return;
    }
    compareTraces(single, shared);
    QVERIFY(sameSeries(single.input, shared.input));
    QVERIFY(sameSeries(single.output, shared.output));
    for (std::size_t j = 0; j < single.cells.front().states.size(); ++j) {
        QVERIFY(sameSeries(single.cells.front().states[j], shared.cells.front().states[j]));
    }
    for (std::size_t j = 0; j < single.cells.front().gates.size(); ++j) {
        QVERIFY(sameSeries(single.cells.front().gates[j], shared.cells.front().gates[j]));
    }
}

void TestEngineThreads::unitSplitOnlyWhereItFits_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Index>("units");
    QTest::addColumn<QString>("variant");
    QTest::addColumn<int>("parts");
    QTest::newRow("lstm 64, batch of one") << "lstm" << Index {64} << "plain" << unitSplitParts();
    QTest::newRow("simple 128, batch of one") << "simple" << Index {128} << "plain" << unitSplitParts();
    QTest::newRow("lstm 64, one thread") << "lstm" << Index {64} << "threads_1" << 1;
    QTest::newRow("lstm 64, batch of two on 2 threads: split by samples") << "lstm" << Index {64} << "batch_2" << 1;
    QTest::newRow("lstm 64, batch of 7, automatic") << "lstm" << Index {64} << "auto_batch_7" << unitSplitParts();
    QTest::newRow("lstm 64, batch of 8, automatic: split by samples") << "lstm" << Index {64} << "auto_batch_8" << 1;
    QTest::newRow("lstm 64, a short run") << "lstm" << Index {64} << "short" << 1;
    QTest::newRow("lstm 64, masked") << "lstm" << Index {64} << "mask" << 1;
    QTest::newRow("lstm 64, edited") << "lstm" << Index {64} << "edit" << 1;
    QTest::newRow("lstm 32: kernel in L1") << "lstm" << Index {32} << "plain" << 1;
    QTest::newRow("lstm 48: parts not whole registers") << "lstm" << Index {48} << "plain" << 1;
    QTest::newRow("simple 160: parts not whole strips") << "simple" << Index {160} << "plain" << 1;
    QTest::newRow("simple 64: kernel in L1") << "simple" << Index {64} << "plain" << 1;
    QTest::newRow("gru, reset_after=False") << "gru" << Index {128} << "plain" << 1;
    QTest::newRow("gru reset_after 128") << "gru_reset_after" << Index {128} << "plain" << unitSplitParts();
    QTest::newRow("gru reset_after 64: parts not whole strips") << "gru_reset_after" << Index {64} << "plain" << 1;
    QTest::newRow("minimal") << "minimal" << Index {128} << "plain" << 1;
    QTest::newRow("stack") << "stack" << Index {128} << "plain" << 1;
}

// The loop splits a step by units only where the cell offers it and nothing happens between a step's parts; every
// other run keeps its batch-split or one-thread path (and its results: covered by the tests above).
void TestEngineThreads::unitSplitOnlyWhereItFits()
{
    QFETCH(QString, kind);
    QFETCH(Index, units);
    QFETCH(QString, variant);
    QFETCH(int, parts);
    auto cell = makeTestCell(kind.toStdString(), kFeatures, 64, units);
    const Index batch = variant == QLatin1String("batch_2") ? 2
        : variant == QLatin1String("auto_batch_7")          ? 7
        : variant == QLatin1String("auto_batch_8")          ? 8
                                                            : 1;
    // Threads need 4 MFLOP of work (an LSTM of 64 units: 60 steps); a short run stays on one.
    const Index steps = variant == QLatin1String("short") ? 10 : 120;
    const Tensor x = randomTensor({batch, steps, kFeatures}, 65);
    RnnLoopOptions options;
    options.threads = variant == QLatin1String("threads_1") ? 1 : 2;
    if (variant.startsWith(QLatin1String("auto"))) {
        options.threads = 0;
        setEngineThreads(2);
    }
    Mask mask(batch, steps);
    mask.set(0, 3, false);
    std::vector<StateEdit> edits;
    if (variant == QLatin1String("edit")) {
        StateEdit edit;
        edit.step = 5;
        edit.values = RowMatrix::Constant(batch, cell->states()[0].size, 0.5F);
        edits.push_back(edit);
    }
    LayerTrace trace;
    const auto r = rnnLoop(*cell, x, zeroStates(*cell, batch), variant == QLatin1String("mask") ? &mask : nullptr, {},
        options, &trace, edits);
    setEngineThreads(0);
    QCOMPARE(r.unitParts, parts);
}

// A cancel request reaches every part: the run throws RunCancelled and returns, whichever part sees the flag first
// (a part left waiting for one that stopped would never return).
void TestEngineThreads::cancellingAUnitSplitRunStopsEveryPart()
{
    auto cell = makeTestCell("lstm", kFeatures, 66, 64);
    const Tensor x = randomTensor({1, 100000, kFeatures}, 67);
    RnnLoopOptions options;
    options.threads = 2;
    std::atomic<bool> cancel {true};
    {
        const CancelScope scope(&cancel);
        QVERIFY_THROWS_EXCEPTION(RunCancelled, rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options));
    }
    cancel = false;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2)); // the run takes 60 ms or more
        cancel = true;
    });
    {
        const CancelScope scope(&cancel);
        QVERIFY_THROWS_EXCEPTION(RunCancelled, rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options));
    }
    canceller.join();
    // The part that took over sees the flag too.
    cancel = false;
    setUnitSplitJoinStepForTesting(10, 1); // the worker takes over, the caller waits for it
    std::thread lateCanceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        cancel = true;
    });
    {
        const CancelScope scope(&cancel);
        QVERIFY_THROWS_EXCEPTION(RunCancelled, rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options));
    }
    lateCanceller.join();
    setUnitSplitJoinStepForTesting(-1);
    // The engine's threads are free again: a run after the cancelled one completes.
    const Tensor shortRun = randomTensor({1, 100, kFeatures}, 68);
    QCOMPARE(rnnLoop(*cell, shortRun, zeroStates(*cell, 1), nullptr, {}, options).unitParts, unitSplitParts());
}

void TestEngineThreads::aPartStoppingMidTrialStopsTheRun_data()
{
    QTest::addColumn<int>("trial"); // setUnitSplitTrialForTesting: 1 stay split, 2 part 0 takes over at step 73
    QTest::addColumn<Index>("step");
    QTest::addColumn<int>("part");
    QTest::addColumn<bool>("cancels");
    for (const bool cancels : {true, false}) {
        const char* how = cancels ? "cancelled" : "throws";
        // Part 0 stops while part 1 waits for the trial's end (steps 32-51), part 1 at the step before it would pause
        // or as the trial ends; then while shared again, at the decision, and after part 0 took over.
        QTest::addRow("part 0 %s while part 1 waits, step 40", how) << 1 << Index {40} << 0 << cancels;
        QTest::addRow("part 0 %s at the trial's first step, 32", how) << 1 << Index {32} << 0 << cancels;
        QTest::addRow("part 1 %s at the last step before the trial, 31", how) << 1 << Index {31} << 1 << cancels;
        QTest::addRow("part 1 %s as the parts share again, step 52", how) << 1 << Index {52} << 1 << cancels;
        QTest::addRow("part 0 %s at the decision, step 72", how) << 2 << Index {72} << 0 << cancels;
        QTest::addRow("part 1 %s at the decision, step 72", how) << 2 << Index {72} << 1 << cancels;
        QTest::addRow("part 0 %s after taking over, step 200", how) << 2 << Index {200} << 0 << cancels;
    }
}

// Whichever part stops in a long run's trial, and whenever, the other is released: the run throws what stopped it
// (RunCancelled, or the part's error) instead of hanging, and the engine's threads run the next run. The stop is forced
// at a chosen step of a chosen part (setUnitSplitStopForTesting), the moments a cancel from another thread hits only
// by chance.
void TestEngineThreads::aPartStoppingMidTrialStopsTheRun()
{
    QFETCH(int, trial);
    QFETCH(Index, step);
    QFETCH(int, part);
    QFETCH(bool, cancels);
    if (unitSplitParts() < 2) {
        QSKIP("this build does not share a step's units between threads");
    }
    auto cell = makeTestCell("lstm", kFeatures, 74, 64);
    const Tensor x = randomTensor({1, 300, kFeatures}, 75);
    RnnLoopOptions options;
    options.threads = 2;
    setUnitSplitTrialForTesting(trial);
    setUnitSplitStopForTesting(step, part, cancels);
    // 0 returned, 1 cancelled, 2 the part's error; on its own thread, so that a hang fails the test instead of
    // blocking it.
    QString error;
    auto outcome = std::async(std::launch::async, [&] {
        try {
            rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options);
            return 0;
        } catch (const RunCancelled&) {
            return 1;
        } catch (const std::runtime_error& e) {
            error = QString::fromStdString(e.what());
            return 2;
        }
    });
    if (outcome.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
        qFatal("the run hung after part %d stopped at step %d", part, static_cast<int>(step));
    }
    setUnitSplitStopForTesting(-1);
    const int result = outcome.get();
    QCOMPARE(result, cancels ? 1 : 2);
    if (!cancels) {
        QCOMPARE(error, QStringLiteral("a test stopped part %1 at step %2").arg(part).arg(step));
    }
    // The engine's threads are free again, and the run after it completes with the trial as forced.
    const auto after = rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options);
    setUnitSplitTrialForTesting(-1);
    QCOMPARE(after.unitParts, 2);
    QCOMPARE(after.unitJoinStep, trial == 2 ? Index {73} : Index {-1});
}

// Two parts whose threads share one CPU (as under `taskset -c 0` with two threads) only take turns: each wait spins
// out and yields to the other. The part that sees half its last 8 waits do so takes over well before the trial's
// decision (step 72), and the run is still one thread's bit for bit.
void TestEngineThreads::partsOnOneCpuJoinEarly()
{
    if (unitSplitParts() < 2) {
        QSKIP("this build does not share a step's units between threads");
    }
    auto cell = makeTestCell("lstm", kFeatures, 76, 64);
    const Tensor x = randomTensor({1, 300, kFeatures}, 77);
    RnnLoopOptions options;
    options.threads = 1;
    const auto single = rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options);
    options.threads = 2;
    const cpu_set_t allowed = threadAffinity();
    QVERIFY2(CPU_COUNT(&allowed) > 0, "the thread's affinity mask is readable and not empty");
    const cpu_set_t one = onlyCpu(cpusIn(allowed).front());
    RnnLoopResult shared;
    std::thread([&] {
        // This thread and the engine's kept worker, on one CPU for the run; then free again.
        auto pinAll = [&](const cpu_set_t& set) {
            setThreadAffinity(set);
            runConcurrently(2, [&](int i) {
                if (i > 0) {
                    setThreadAffinity(set);
                }
            });
        };
        pinAll(one);
        shared = rnnLoop(*cell, x, zeroStates(*cell, 1), nullptr, {}, options);
        pinAll(allowed);
    }).join();
    QCOMPARE(shared.unitParts, 2);
    QVERIFY2(shared.unitJoinStep >= 16 && shared.unitJoinStep < 40,
        qPrintable(QStringLiteral("joined at step %1").arg(shared.unitJoinStep)));
    QVERIFY(same(single.outputs.values(), shared.outputs.values()));
    for (std::size_t i = 0; i < single.states.size(); ++i) {
        QVERIFY(same(single.states[i].values(), shared.states[i].values()));
    }
}

void TestEngineThreads::joinedPartsEqualOneThread_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Index>("units");
    QTest::addColumn<Index>("batch");
    QTest::addColumn<bool>("backwards");
    QTest::addColumn<Index>("joinStep");
    QTest::addColumn<int>("owner");
    QTest::addColumn<int>("trial");
    const std::pair<const char*, Index> cells[] = {{"lstm", 64}, {"simple", 128}, {"gru_reset_after", 128}};
    for (const auto& [kind, units] : cells) {
        for (Index batch : {1, 3}) {
            for (bool backwards : {false, true}) {
                // After the first step, mid-run, before the last step, and after it (the parts share every step and
                // part 0 alone copies the final states).
                for (Index join : {1, 37, 149, 150}) {
                    for (int owner : {0, 1}) {
                        QTest::addRow("%s %d units, batch %d%s, part %d takes over at step %d", kind,
                            static_cast<int>(units), static_cast<int>(batch), backwards ? ", backwards" : "", owner,
                            static_cast<int>(join))
                            << QString::fromLatin1(kind) << units << batch << backwards << join << owner << 0;
                    }
                }
                // A long run's trial (part 0 alone over steps 32-51, then shared again), after which the parts go on
                // sharing the steps (no join reported) or part 0 takes over from step 73.
                for (int trial : {1, 2}) {
                    QTest::addRow("%s %d units, batch %d%s, trial, then %s", kind, static_cast<int>(units),
                        static_cast<int>(batch), backwards ? ", backwards" : "", trial == 1 ? "shared" : "joined")
                        << QString::fromLatin1(kind) << units << batch << backwards << Index {trial == 1 ? -1 : 73} << 0
                        << trial;
                }
            }
        }
    }
}

// When one part takes over every part's units mid-run (unit_split_loop.h: the other's core answered slowly), the run
// is still one thread's bit for bit: outputs, final states and every trace series, whichever part takes over. Forced
// here at a chosen step; the run reports the step (a build without the split reports none). So is a long run's trial,
// where part 0 steps every part's units for a while and the other parts then resume theirs.
void TestEngineThreads::joinedPartsEqualOneThread()
{
    QFETCH(QString, kind);
    QFETCH(Index, units);
    QFETCH(Index, batch);
    QFETCH(bool, backwards);
    QFETCH(Index, joinStep);
    QFETCH(int, owner);
    QFETCH(int, trial);
    auto cell = makeTestCell(kind.toStdString(), kFeatures, 71, units);
    const Index steps = trial > 0 ? 300 : 150;
    RnnLoopOptions options;
    options.goBackwards = backwards;
    const Tensor x = randomTensor({batch, steps, kFeatures}, 72);
    std::vector<Tensor> states = zeroStates(*cell, batch);
    unsigned seed = 73;
    for (auto& st : states) {
        st = randomTensor(st.shape(), seed++);
    }

    options.threads = 1;
    LayerTrace single;
    const auto a = rnnLoop(*cell, x, states, nullptr, {}, options, &single);
    options.threads = batch == 1 ? 2 : 0;
    setEngineThreads(2);
    if (trial > 0) {
        setUnitSplitTrialForTesting(trial);
    } else {
        setUnitSplitJoinStepForTesting(joinStep, owner);
    }
    LayerTrace joined;
    const auto b = rnnLoop(*cell, x, states, nullptr, {}, options, &joined);
    setUnitSplitJoinStepForTesting(-1);
    setUnitSplitTrialForTesting(-1);
    setEngineThreads(0);
    QCOMPARE(b.unitParts, unitSplitParts());
    QCOMPARE(b.unitJoinStep, unitSplitParts() == 2 ? joinStep : Index {-1});
    QVERIFY(same(a.outputs.values(), b.outputs.values()));
    QVERIFY(same(a.lastOutput.values(), b.lastOutput.values()));
    QCOMPARE(a.states.size(), b.states.size());
    for (std::size_t i = 0; i < a.states.size(); ++i) {
        QVERIFY(same(a.states[i].values(), b.states[i].values()));
    }
    compareTraces(single, joined);
    QVERIFY(same(single.input.values(), joined.input.values()));
    QVERIFY(same(single.output.values(), joined.output.values()));
    for (std::size_t j = 0; j < single.cells.front().states.size(); ++j) {
        QVERIFY(same(single.cells.front().states[j].values(), joined.cells.front().states[j].values()));
    }
    for (std::size_t j = 0; j < single.cells.front().gates.size(); ++j) {
        QVERIFY(same(single.cells.front().gates[j].values(), joined.cells.front().gates[j].values()));
    }
}

QTEST_GUILESS_MAIN(TestEngineThreads)
#include "tst_engine_threads.moc"
