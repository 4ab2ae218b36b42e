// Recording a trace: narrowed to some quantities, streamed a window at a time (with the batch split over threads),
// cancelled, refused by the memory budget, and its storage compared with the bytes it records.

#include <algorithm>
#include <atomic>
#include <memory>
#include <span>
#include <vector>

#include <QObject>
#include <QTest>

#include "core/cancellation.h"
#include "core/memory_budget.h"
#include "core/recurrent_product.h"
#include "core/rnn_loop.h"
#include "core/trace_buffer.h"
#include "engine_fixtures.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr Index kBatch = 7;
constexpr Index kSteps = 11;
constexpr Index kFeatures = 3;

struct Run
{
    RnnLoopResult result;
    LayerTrace trace;
};

struct Setup
{
    std::unique_ptr<RnnCell> cell;
    Tensor x;
    std::optional<Mask> mask;
    RnnLoopOptions options;
};

Setup makeSetup(const QString& kind, int threads, bool masked, bool backwards, bool unrollZero, Index steps = kSteps)
{
    Setup s;
    s.cell = makeTestCell(kind.toStdString(), kFeatures, 11);
    s.x = randomTensor({kBatch, steps, kFeatures}, 5);
    if (masked) {
        std::vector<std::uint8_t> m(static_cast<std::size_t>(kBatch * steps), 1);
        for (Index b = 0; b < kBatch; ++b) {
            for (Index t = 0; t < steps; ++t) {
                m[static_cast<std::size_t>(b * steps + t)] = (b + 2 * t) % 5 == 0 ? 0 : 1;
            }
        }
        s.mask = Mask(kBatch, steps, m);
    }
    s.options.threads = threads;
    s.options.goBackwards = backwards;
    s.options.unroll = unrollZero;
    s.options.zeroOutputForMask = unrollZero;
    return s;
}

Run runWith(const Setup& s, const TraceRecording& recording)
{
    Run r;
    r.trace.recording = recording;
    r.result = rnnLoop(*s.cell, s.x, zeroStates(*s.cell, kBatch), s.mask ? &*s.mask : nullptr, {}, s.options, &r.trace);
    return r;
}

// Every series of a layer, by a path that names it.
std::vector<std::pair<std::string, const TraceSeries*>> seriesOf(const LayerTrace& l)
{
    std::vector<std::pair<std::string, const TraceSeries*>> out;
    auto add = [&](const std::string& path, const TraceSeries& s) {
        if (!s.empty()) {
            out.emplace_back(path, &s);
        }
    };
    add("input", l.input);
    add("output", l.output);
    for (std::size_t k = 0; k < l.cells.size(); ++k) {
        const auto& c = l.cells[k];
        const std::string p = "cells/" + std::to_string(k) + "/";
        add(p + "input", c.input);
        add(p + "output", c.output);
        for (const auto& st : c.states) {
            add(p + "states/" + st.name(), st);
        }
        for (const auto& g : c.gates) {
            add(p + "gates/" + g.name(), g);
        }
    }
    return out;
}

// A stream that copies each window it is handed into whole series, checks the windows are contiguous, and can
// raise a cancel flag after a given window.
class CopyingStream : public TraceStream
{
public:
    Index window = 4;
    int cancelAfterWindows = -1;
    std::atomic<bool>* cancel = nullptr;
    int begins = 0;
    int ends = 0;
    int windows = 0;
    Index nextFirst = 0;
    bool contiguous = true;
    bool heldOnlyAWindow = true;
    std::vector<std::pair<std::string, TraceSeries>> copies;
    std::vector<std::uint8_t> maskAtEnd;

    Index windowSteps(Index steps, std::size_t) const override { return std::min(steps, window); }
    void beginLayer(const LayerTrace& layer) override
    {
        ++begins;
        for (const auto& [path, s] : seriesOf(layer)) {
            copies.emplace_back(path, TraceSeries(s->name(), s->steps(), s->batch(), s->width()));
            heldOnlyAWindow = heldOnlyAWindow && s->windowSteps() == std::min(window, s->steps());
        }
    }
    void writeSteps(const LayerTrace& layer, Index first, Index last) override
    {
        contiguous = contiguous && first == nextFirst && last > first && last - first <= window;
        nextFirst = last;
        const auto all = seriesOf(layer);
        for (std::size_t i = 0; i < all.size(); ++i) {
            const TraceSeries& s = *all[i].second;
            for (Index t = first; t < last; ++t) {
                std::copy(s.stepData(t), s.stepData(t) + s.batch() * s.width(), copies[i].second.stepData(t));
            }
        }
        if (++windows == cancelAfterWindows && cancel != nullptr) {
            *cancel = true;
        }
    }
    void endLayer(const LayerTrace& layer) override
    {
        ++ends;
        maskAtEnd = layer.mask;
    }
};

void compareBitwise(const TraceSeries& got, const TraceSeries& want, const std::string& what)
{
    QVERIFY2(got.steps() == want.steps() && got.batch() == want.batch() && got.width() == want.width(), what.c_str());
    for (Index t = 0; t < want.steps(); ++t) {
        const float* a = got.stepData(t);
        const float* b = want.stepData(t);
        for (Index i = 0; i < want.batch() * want.width(); ++i) {
            if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
                QFAIL((what + " differs at step " + std::to_string(t) + ", element " + std::to_string(i)).c_str());
            }
        }
    }
}

} // namespace

class TestTraceRecording : public QObject
{
    Q_OBJECT

private slots:
    void cleanup()
    {
        setMemoryBudget(0);
        setTraceBufferCacheLimit(std::size_t {1} << 30);
    }

    // Copies of a series share its values until one of them writes: then only the writer gets its own copy.
    void copiesShareValuesUntilOneWrites()
    {
        TraceSeries a("h", 3, 2, 4);
        a.stepData(1)[5] = 7.0F; // step 1, sample 1, unit 1
        const std::size_t inUse = traceBytesInUse();
        const TraceSeries b = a;
        TraceSeries c;
        c = a;
        QVERIFY(b.sharesValuesWith(a));
        QVERIFY(c.sharesValuesWith(a));
        QCOMPARE(traceBytesInUse(), inUse); // no buffer was made for the copies
        TraceSeries d = b;
        d.stepData(1)[5] = -1.0F;
        QVERIFY(!d.sharesValuesWith(a));
        QVERIFY(b.sharesValuesWith(a));
        QCOMPARE(d.at(1, 1, 1), -1.0F);
        QCOMPARE(a.at(1, 1, 1), 7.0F);
        QCOMPARE(b.at(1, 1, 1), 7.0F);
        QCOMPARE(c.at(1, 1, 1), 7.0F);
        QCOMPARE(traceBytesInUse(), inUse + d.storageBytes());
        c.makeOwn();
        QVERIFY(!c.sharesValuesWith(a));
        QCOMPARE(c.at(1, 1, 1), 7.0F);
        // A series that is the only one left with its values writes them in place.
        TraceSeries e("c", 2, 1, 16);
        const float* where = e.values().data();
        e.stepData(1)[0] = 1.0F;
        QCOMPARE(e.values().data(), where);
    }

    void streamedWindowsEqualTheWholeTrace_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("window");
        QTest::addColumn<bool>("masked");
        QTest::addColumn<bool>("backwards");
        QTest::addColumn<bool>("unrollZero");
        for (const char* kind : {"lstm", "gru", "gru_reset_after", "simple", "stack"}) {
            for (int threads : {1, 3}) {
                for (int window : {1, 4, 11}) {
                    QTest::addRow("%s threads=%d window=%d", kind, threads, window)
                        << kind << threads << window << false << false << false;
                }
                QTest::addRow("%s threads=%d masked go_backwards", kind, threads)
                    << kind << threads << 3 << true << true << false;
                QTest::addRow("%s threads=%d masked unroll zero_output_for_mask", kind, threads)
                    << kind << threads << 4 << true << true << true;
            }
        }
    }
    // The windows a stream is handed, put together, are the trace recorded whole: same series, bit for bit, and
    // each series held only one window while the loop ran.
    void streamedWindowsEqualTheWholeTrace()
    {
        QFETCH(QString, kind);
        QFETCH(int, threads);
        QFETCH(int, window);
        QFETCH(bool, masked);
        QFETCH(bool, backwards);
        QFETCH(bool, unrollZero);
        const Setup s = makeSetup(kind, threads, masked, backwards, unrollZero);
        const Run whole = runWith(s, {});
        CopyingStream stream;
        stream.window = window;
        TraceRecording recording;
        recording.stream = &stream;
        const Run streamed = runWith(s, recording);

        QCOMPARE(stream.begins, 1);
        QCOMPARE(stream.ends, 1);
        QVERIFY(stream.contiguous);
        QCOMPARE(stream.nextFirst, kSteps);
        QCOMPARE(stream.windows, static_cast<int>((kSteps + window - 1) / window));
        QVERIFY(stream.heldOnlyAWindow);
        QCOMPARE(stream.maskAtEnd, whole.trace.mask);
        QCOMPARE(streamed.trace.stepTime, whole.trace.stepTime);
        const auto want = seriesOf(whole.trace);
        QCOMPARE(stream.copies.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            QCOMPARE(stream.copies[i].first, want[i].first);
            compareBitwise(stream.copies[i].second, *want[i].second, want[i].first);
        }
        QVERIFY(streamed.result.outputs.values() == whole.result.outputs.values());
    }

    void narrowedRequestRecordsOnlyWhatWasAsked_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("inputs");
        QTest::addColumn<bool>("states");
        QTest::addColumn<bool>("gates");
        QTest::addColumn<bool>("outputs");
        for (const char* kind : {"lstm", "gru", "stack"}) {
            QTest::addRow("%s states", kind) << kind << false << true << false << false;
            QTest::addRow("%s gates", kind) << kind << false << false << true << false;
            QTest::addRow("%s input+output", kind) << kind << true << false << false << true;
            QTest::addRow("%s input only", kind) << kind << true << false << false << false;
            QTest::addRow("%s nothing", kind) << kind << false << false << false << false;
        }
    }
    void narrowedRequestRecordsOnlyWhatWasAsked()
    {
        QFETCH(QString, kind);
        QFETCH(bool, inputs);
        QFETCH(bool, states);
        QFETCH(bool, gates);
        QFETCH(bool, outputs);
        const Setup s = makeSetup(kind, 1, true, false, false);
        const Run whole = runWith(s, {});
        TraceRecording recording;
        recording.request.inputs = inputs;
        recording.request.states = states;
        recording.request.gates = gates;
        recording.request.outputs = outputs;
        const Run narrow = runWith(s, recording);

        QCOMPARE(narrow.trace.input.empty(), !inputs);
        QCOMPARE(narrow.trace.output.empty(), !outputs);
        QCOMPARE(narrow.trace.mask, whole.trace.mask);
        QCOMPARE(narrow.trace.stepTime, whole.trace.stepTime);
        for (const auto& c : narrow.trace.cells) {
            QCOMPARE(c.states.empty(), !states);
            QCOMPARE(c.gates.empty(), !gates);
        }
        // What was recorded is what a full recording holds; nothing else is there.
        const auto full = seriesOf(whole.trace);
        for (const auto& [path, series] : seriesOf(narrow.trace)) {
            const auto it = std::find_if(full.begin(), full.end(), [&](const auto& f) { return f.first == path; });
            QVERIFY2(it != full.end(), path.c_str());
            compareBitwise(*series, *it->second, path);
        }
        QVERIFY(narrow.result.outputs.values() == whole.result.outputs.values());
        // Each recorded series occupies its bytes, rounded up to the 64-byte line every trace buffer starts on.
        std::size_t want = 0;
        for (const auto& [path, series] : seriesOf(narrow.trace)) {
            const auto bytes
                = static_cast<std::size_t>(series->steps() * series->batch() * series->width()) * sizeof(float);
            want += (bytes + kTraceAlignment - 1) / kTraceAlignment * kTraceAlignment;
        }
        QVERIFY(narrow.trace.input.storageBytes() + narrow.trace.output.storageBytes() <= want);
    }

    void layerRequestNamesLayers()
    {
        TraceRequest r;
        QVERIFY(r.wantsLayer("lstm"));
        r.layers = {"encoder", "decoder"};
        QVERIFY(r.wantsLayer("decoder"));
        QVERIFY(!r.wantsLayer("lstm"));
        QVERIFY(!r.everything());
    }

    void cancelStopsTheRun_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<bool>("streamed");
        QTest::newRow("1 thread") << 1 << false;
        QTest::newRow("3 threads") << 3 << false;
        QTest::newRow("1 thread, streamed, after 2 windows") << 1 << true;
        QTest::newRow("3 threads, streamed, after 2 windows") << 3 << true;
    }
    void cancelStopsTheRun()
    {
        QFETCH(int, threads);
        QFETCH(bool, streamed);
        const Setup s = makeSetup("lstm", threads, false, false, false);
        std::atomic<bool> cancel {false};
        CopyingStream stream;
        stream.window = 2;
        stream.cancel = &cancel;
        stream.cancelAfterWindows = 2;
        TraceRecording recording;
        if (streamed) {
            recording.stream = &stream;
        } else {
            cancel = true; // raised before the run: not one step is taken
        }
        const CancelScope scope(&cancel);
        bool cancelled = false;
        try {
            (void)runWith(s, recording);
        } catch (const RunCancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        if (streamed) {
            QCOMPARE(stream.windows, 2); // the window after the request is never written
            QCOMPARE(stream.ends, 0);
        }
        // Without the flag the same run completes.
        cancel = false;
        CopyingStream again;
        TraceRecording r2;
        r2.stream = streamed ? &again : nullptr;
        const Run done = runWith(s, r2);
        QCOMPARE(done.result.outputs.dim(1), kSteps);
    }

    void budgetRefusesWhatDoesNotFit()
    {
        // 200 steps: the trace grows with them, the workspace (a chunk of at most 32 steps) does not.
        constexpr Index steps = 200;
        const Setup s = makeSetup("lstm", 1, false, false, false, steps);
        releaseCachedTraceBuffers();
        // Room for the run's own buffers (61 KB), its workspace (16 KB) and a states-only trace (45 KB), not for the
        // whole trace (173 KB), with a margin either way for the small allocations the heap count sees too.
        setMemoryBudget(memoryInUse() + 150000);
        QString message;
        try {
            (void)runWith(s, {});
        } catch (const MemoryBudgetError& e) {
            message = QString::fromStdString(e.what());
        }
        QVERIFY2(message.contains("recording the trace of LSTMCell(4)"), qPrintable(message));
        QVERIFY2(message.contains("memory budget"), qPrintable(message));
        // Recording less fits: states only.
        TraceRecording statesOnly;
        statesOnly.request.inputs = statesOnly.request.gates = statesOnly.request.outputs = false;
        {
            const Run r = runWith(s, statesOnly);
            QVERIFY(!r.trace.cells.front().states.empty());
        } // the budget counts what is held: the states-only run is let go before the next
        // And so does no trace at all.
        RnnLoopResult plain = rnnLoop(*s.cell, s.x, zeroStates(*s.cell, kBatch), nullptr, {}, s.options);
        QCOMPARE(plain.outputs.dim(1), steps);
    }

    // What a cell says its workspace takes is what createWorkspace and prepare allocate (the heap's own count, within
    // 10% and a page of bookkeeping), with or without the strip-major kernel copies this build makes. parts 2: a unit
    // split's two part workspaces, each holding its columns of the kernels (and strip-major copies of them), against
    // twice partWorkspaceBytes, which the budget counts for them. groups 2: a split batch's first group's workspace and
    // a sibling sharing its kernel copies, against workspaceBytes plus siblingWorkspaceBytes (a sibling with copies of
    // its own would hold W3's 6 MiB twice).
    void workspaceBytesAreWhatWorkspacesHold_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("features");
        QTest::addColumn<int>("units");
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("steps");
        QTest::addColumn<int>("parts");
        QTest::addColumn<int>("groups");
        QTest::newRow("W3 LSTM") << "lstm" << 256 << 512 << 32 << 500 << 0 << 1;
        QTest::newRow("W2 LSTM") << "lstm" << 64 << 128 << 16 << 200 << 0 << 1;
        QTest::newRow("W4 GRU reset_after") << "gru_reset_after" << 64 << 128 << 16 << 200 << 0 << 1;
        QTest::newRow("W5 SimpleRNN") << "simple" << 64 << 128 << 16 << 200 << 0 << 1;
        QTest::newRow("stack") << "stack" << 64 << 128 << 16 << 200 << 0 << 1;
        QTest::newRow("W1 LSTM") << "lstm" << 16 << 64 << 1 << 1000 << 0 << 1;
        QTest::newRow("W3 LSTM, 2 groups") << "lstm" << 256 << 512 << 32 << 500 << 0 << 2;
        QTest::newRow("W4 GRU reset_after, 2 groups") << "gru_reset_after" << 64 << 128 << 16 << 200 << 0 << 2;
        QTest::newRow("stack, 2 groups") << "stack" << 64 << 128 << 16 << 200 << 0 << 2;
        QTest::newRow("W1 LSTM, 2 parts") << "lstm" << 16 << 64 << 1 << 1000 << 2 << 1;
        QTest::newRow("LSTM 512, batch of one, 2 parts") << "lstm" << 256 << 512 << 1 << 500 << 2 << 1;
        QTest::newRow("SimpleRNN 256, batch of 3, 2 parts") << "simple" << 64 << 256 << 3 << 500 << 2 << 1;
        QTest::newRow("GRU reset_after 128, batch of one, 2 parts")
            << "gru_reset_after" << 64 << 128 << 1 << 1000 << 2 << 1;
    }
    void workspaceBytesAreWhatWorkspacesHold()
    {
        if (heapBytesInUse() == 0) {
            QSKIP("this C library's heap cannot be counted");
        }
#if defined(__SANITIZE_THREAD__)
        // TSan's allocator adds to its count when a thread's cache takes a batch of blocks, not per block (a single
        // malloc of 64 KiB left it unchanged here), so a workspace's few blocks are not counted to within 10%. The
        // ci and native-tests builds count glibc's heap and run this check.
        QSKIP("ThreadSanitizer's heap count is per cached batch of blocks, not per block");
#endif
        QFETCH(QString, kind);
        QFETCH(int, features);
        QFETCH(int, units);
        QFETCH(int, batch);
        QFETCH(int, steps);
        QFETCH(int, parts);
        QFETCH(int, groups);
        const auto cell = makeTestCell(kind.toStdString(), features, 1, units);
        const std::vector<float> x(static_cast<std::size_t>(batch * steps * features), 0.5F);
        const std::uint64_t before = heapBytesInUse();
        std::vector<std::unique_ptr<CellWorkspace>> workspaces;
        for (Index p = 0; p < std::max(parts, groups); ++p) {
            workspaces.push_back(parts > 0 ? cell->createPartWorkspace(batch, steps, p, parts)
                    : p == 0               ? cell->createWorkspace(batch, steps)
                                           : cell->createSiblingWorkspace(batch, steps, *workspaces.front()));
            QVERIFY(workspaces.back() != nullptr);
            cell->prepare(ConstMatrixMap(x.data(), batch * steps, features), *workspaces.back());
        }
        const auto held = static_cast<double>(heapBytesInUse() - before);
        const auto said = parts == 0 ? static_cast<double>(cell->workspaceBytes(batch, steps))
                + (groups - 1) * static_cast<double>(cell->siblingWorkspaceBytes(batch, steps))
                                     : parts * static_cast<double>(cell->partWorkspaceBytes(batch, steps, parts));
        QVERIFY2(said >= held * 0.9 - 4096 && said <= held * 1.1 + 4096,
            qPrintable(QStringLiteral("workspace bytes said %1, held %2").arg(said).arg(held)));
    }

    // A batch of one is shared by units only when both parts' workspaces fit in the budget; otherwise it runs as it
    // would without the split (here: an LSTM of 512 units, whose parts hold 12 MiB of kernel columns and copies
    // against one workspace's 6 MiB).
    void unitSplitOnlyWithinTheBudget()
    {
        const auto tanh = Activation(ActivationKind::Tanh);
        const auto sigmoid = Activation(ActivationKind::Sigmoid);
        const LstmCell cell(256, 512, tanh, sigmoid, true);
        const Tensor x = randomTensor({1, 8, 256}, 4);
        const std::size_t buffers = std::size_t {8} * (256 + 2 * 512) * sizeof(float);
        const std::size_t split = 2 * cell.partWorkspaceBytes(1, 8, 2);
        const std::size_t one = cell.workspaceBytes(1, 8);
        QVERIFY(split > one + (2 << 20));
        RnnLoopOptions options;
        options.threads = 2;
        releaseCachedTraceBuffers();
        setMemoryBudget(memoryInUse() + buffers + one + (1 << 20));
        const RnnLoopResult within = rnnLoop(cell, x, zeroStates(cell, 1), nullptr, {}, options);
        setMemoryBudget(0);
        QCOMPARE(within.unitParts, 1);
        const RnnLoopResult free = rnnLoop(cell, x, zeroStates(cell, 1), nullptr, {}, options);
        QCOMPARE(free.unitParts, detail::useStripMajorKernel(64) ? 2 : 1);
        QVERIFY(within.outputs.values() == free.outputs.values());
    }

    // The loop checks the workspaces against the budget before any thread starts: W3's layer with room for its
    // buffers but not for its workspaces is refused, naming them.
    void budgetRefusesWorkspacesThatDoNotFit()
    {
        const auto tanh = Activation(ActivationKind::Tanh);
        const auto sigmoid = Activation(ActivationKind::Sigmoid);
        const LstmCell cell(256, 512, tanh, sigmoid, true);
        const Tensor x = randomTensor({64, 4, 256}, 3);
        const std::size_t buffers = std::size_t {4} * 64 * (256 + 2 * 512) * sizeof(float);
        const std::size_t workspace = cell.workspaceBytes(32, 4);
        QVERIFY(workspace > buffers); // refused whether or not the buffers are allocated by then
        releaseCachedTraceBuffers();
        setMemoryBudget(memoryInUse() + buffers + workspace); // one thread's workspace, not two
        RnnLoopOptions options;
        options.threads = 2;
        QString message;
        try {
            (void)rnnLoop(cell, x, zeroStates(cell, 64), nullptr, {}, options);
        } catch (const MemoryBudgetError& e) {
            message = QString::fromStdString(e.what());
        }
        setMemoryBudget(0);
        QVERIFY2(message.contains("the workspaces of LSTMCell(512) (2 thread(s), batch 64)"), qPrintable(message));
        options.threads = 1;
        setMemoryBudget(memoryInUse() + buffers + cell.workspaceBytes(64, 4) + (1 << 20));
        const RnnLoopResult one = rnnLoop(cell, x, zeroStates(cell, 64), nullptr, {}, options);
        setMemoryBudget(0);
        QCOMPARE(one.outputs.dim(0), Index {64});
    }

    // The budget adds up everything the process holds, not only traces: a plain buffer of 4 MiB leaves no room
    // for 6 MiB more under an 8 MiB allowance, and freeing it makes room again.
    void budgetCountsEveryBuffer()
    {
        if (heapBytesInUse() == 0) {
            QSKIP("this C library's heap cannot be counted");
        }
        releaseCachedTraceBuffers();
        constexpr std::uint64_t MiB = 1 << 20;
        setMemoryBudget(memoryInUse() + 8 * MiB);
        checkMemory(6 * MiB, "six MiB");
        auto held = std::make_unique<std::vector<float>>(MiB, 1.0F); // 4 MiB
        QString message;
        try {
            checkMemory(6 * MiB, "six MiB");
        } catch (const MemoryBudgetError& e) {
            message = QString::fromStdString(e.what());
        }
        QVERIFY2(message.startsWith("six MiB needs 6.00 MB"), qPrintable(message));
        QCOMPARE(held->at(12345), 1.0F);
        held.reset();
        checkMemory(6 * MiB, "six MiB");
        setMemoryBudget(0);
    }

    void budgetSizesParse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qulonglong>("bytes");
        QTest::newRow("plain") << "1000000" << qulonglong(1000000);
        QTest::newRow("K") << "4K" << qulonglong(4096);
        QTest::newRow("M") << "512M" << qulonglong(512ULL << 20);
        QTest::newRow("GB") << "2GB" << qulonglong(2ULL << 30);
        QTest::newRow("fraction") << "1.5G" << qulonglong(3ULL << 29);
        QTest::newRow("MiB lower") << "8mib" << qulonglong(8ULL << 20);
        QTest::newRow("bad unit") << "12Q" << qulonglong(0);
        QTest::newRow("empty") << "" << qulonglong(0);
        QTest::newRow("negative") << "-5M" << qulonglong(0);
        QTest::newRow("zero") << "0" << qulonglong(0);
    }
    void budgetSizesParse()
    {
        QFETCH(QString, text);
        QFETCH(qulonglong, bytes);
        if (bytes == 0) {
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, parseByteSize(text.toStdString()));
        } else {
            QCOMPARE(static_cast<qulonglong>(parseByteSize(text.toStdString())), bytes);
        }
    }

    void outputSharesTheStateValuesWhenUnmasked_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<Index>("units");
        QTest::addColumn<int>("threads");
        // 4 units: most steps' rows are not 64-byte aligned, so the state is computed apart and copied in; 128: the
        // tiled product writes it in place (AVX-512 builds) and activates it as it stores.
        for (const char* kind : {"simple", "lstm", "gru", "gru_reset_after"}) {
            QTest::addRow("%s, 4 units", kind) << QString(kind) << Index(4) << 1;
            QTest::addRow("%s, 128 units, 2 threads", kind) << QString(kind) << Index(128) << 2;
        }
    }
    // Unmasked, the output series is the state h's values (one buffer); a mask that keeps every step makes the loop
    // record the output apart, and gives the same values bit for bit. Writing through either series then leaves the
    // other as it was (copy on write).
    void outputSharesTheStateValuesWhenUnmasked()
    {
        QFETCH(QString, kind);
        QFETCH(Index, units);
        QFETCH(int, threads);
        const auto cell = makeTestCell(kind.toStdString(), kFeatures, 11, units);
        const Tensor x = randomTensor({kBatch, kSteps, kFeatures}, 5);
        RnnLoopOptions options;
        options.threads = threads;
        LayerTrace shared;
        const RnnLoopResult sharedResult = rnnLoop(*cell, x, zeroStates(*cell, kBatch), nullptr, {}, options, &shared);
        const Mask keepAll(kBatch, kSteps, true);
        LayerTrace apart;
        const RnnLoopResult apartResult = rnnLoop(*cell, x, zeroStates(*cell, kBatch), &keepAll, {}, options, &apart);

        TraceSeries& h = shared.cells.front().states.front();
        QVERIFY(shared.output.sharesValuesWith(h));
        QCOMPARE(shared.output.name(), std::string("output"));
        QVERIFY(!apart.output.sharesValuesWith(apart.cells.front().states.front()));
        QVERIFY(std::ranges::equal(shared.output.values(), apart.output.values()));
        QVERIFY(std::ranges::equal(h.values(), apart.cells.front().states.front().values()));
        QVERIFY(std::ranges::equal(sharedResult.outputs.values(), apartResult.outputs.values()));

        const float before = h.at(2, 1, 0);
        shared.output.stepData(2)[units] = before + 1.0F; // step 2, sample 1, unit 0
        QVERIFY(!shared.output.sharesValuesWith(h));
        QCOMPARE(h.at(2, 1, 0), before);
        QCOMPARE(shared.output.at(2, 1, 0), before + 1.0F);
    }

    // An edit sets the state recorded before the edited step, not the output emitted there: the two are kept apart.
    void editedRunsRecordTheOutputApart()
    {
        const auto cell = makeTestCell("simple", kFeatures, 11);
        const Tensor x = randomTensor({kBatch, kSteps, kFeatures}, 5);
        StateEdit edit;
        edit.step = 3;
        edit.values = RowMatrix::Constant(kBatch, 4, 0.5F);
        const std::vector<StateEdit> edits {edit};
        LayerTrace trace;
        (void)rnnLoop(*cell, x, zeroStates(*cell, kBatch), nullptr, {}, {}, &trace, edits);
        const TraceSeries& h = trace.cells.front().states.front();
        QVERIFY(!trace.output.sharesValuesWith(h));
        QCOMPARE(h.at(2, 0, 0), 0.5F);
        QVERIFY(trace.output.at(2, 0, 0) != 0.5F);
        QCOMPARE(trace.output.at(4, 0, 0), h.at(4, 0, 0));
    }

    void storageIsWithinTenPercentOfTheRecordedBytes_data()
    {
        QTest::addColumn<Index>("batch");
        QTest::addColumn<Index>("steps");
        QTest::addColumn<Index>("features");
        QTest::addColumn<Index>("units");
        QTest::addColumn<bool>("masked");
        QTest::newRow("tiny") << Index(2) << Index(5) << Index(3) << Index(4) << false;
        QTest::newRow("W2 layer 1") << Index(32) << Index(200) << Index(64) << Index(128) << false;
        QTest::newRow("W2 layer 1, masked") << Index(32) << Index(200) << Index(64) << Index(128) << true;
        // Gates of 35 MB: rounded up to whole 2 MiB pages.
        QTest::newRow("huge-page sized gates") << Index(64) << Index(4500) << Index(1) << Index(8) << false;
    }
    // The bytes recorded, counted from the shapes alone: per step and sample, the input (F), h and c (2U), the four
    // gates (4U) and, with a mask, the output (U), as float32. Unmasked, the output is h itself (Keras's LSTMCell
    // returns h, [h, c]), and the trace holds those values once: the output series shares h's.
    void storageIsWithinTenPercentOfTheRecordedBytes()
    {
        QFETCH(Index, batch);
        QFETCH(Index, steps);
        QFETCH(Index, features);
        QFETCH(Index, units);
        QFETCH(bool, masked);
        const auto tanh = Activation(ActivationKind::Tanh);
        const auto sigmoid = Activation(ActivationKind::Sigmoid);
        LstmCell cell(features, units, tanh, sigmoid, true);
        randomizeWeights(cell, 3);
        const Tensor x = randomTensor({batch, steps, features}, 4);
        Mask mask(batch, steps);
        mask.set(0, steps - 1, false);
        LayerTrace trace;
        (void)rnnLoop(cell, x, zeroStates(cell, batch), masked ? &mask : nullptr, {}, {}, &trace);
        QCOMPARE(trace.output.sharesValuesWith(trace.cells.front().states.front()), !masked);
        ModelTrace model;
        model.layers.push_back(std::move(trace));
        const Index outputWidth = masked ? units : 0;
        const double raw = static_cast<double>(batch * steps * (features + outputWidth + 2 * units + 4 * units)) * 4.0;
        const double stored = static_cast<double>(model.storageBytes());
        qInfo("recorded %.0f bytes, stored %.0f bytes (%.4fx)", raw, stored, stored / raw);
        QVERIFY(stored >= raw);
        QVERIFY(stored <= 1.10 * raw);
    }

    // A run's released trace buffers are handed to the next run of the same shape instead of new memory, and the
    // values recorded into reused memory are the same as into fresh memory.
    void buffersAreReusedBetweenRuns()
    {
        releaseCachedTraceBuffers();
        const auto tanh = Activation(ActivationKind::Tanh);
        const auto sigmoid = Activation(ActivationKind::Sigmoid);
        LstmCell cell(16, 64, tanh, sigmoid, true);
        randomizeWeights(cell, 3);
        const Tensor x = randomTensor({8, 100, 16}, 4);
        std::vector<float> first;
        const float* firstAddress = nullptr;
        {
            LayerTrace t;
            (void)rnnLoop(cell, x, zeroStates(cell, 8), nullptr, {}, {}, &t);
            first.assign(t.cells.front().gates.front().values().begin(), t.cells.front().gates.front().values().end());
            firstAddress = t.cells.front().gates.front().stepData(0);
        }
        QVERIFY(traceBytesCached() > 0);
        const std::size_t inUseBefore = traceBytesInUse();
        LayerTrace again;
        (void)rnnLoop(cell, x, zeroStates(cell, 8), nullptr, {}, {}, &again);
        QCOMPARE(again.cells.front().gates.front().stepData(0), firstAddress);
        QVERIFY(std::ranges::equal(again.cells.front().gates.front().values(), first));
        QVERIFY(traceBytesInUse() > inUseBefore);
        // With reuse switched off nothing is kept.
        setTraceBufferCacheLimit(0);
        QCOMPARE(traceBytesCached(), std::size_t {0});
    }
};

QTEST_APPLESS_MAIN(TestTraceRecording)
#include "tst_trace_recording.moc"
