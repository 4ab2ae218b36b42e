// A long run (issue 7, item 4): a stateful model driven through 1,000,000 timesteps as consecutive calls, with the
// trace recorded on every call as the debugger does, like consecutive model.predict calls in Keras with
// stateful=True. Memory stays flat, the final states are those of a fresh model fed the same calls (bit for bit)
// and agree with a run fed the same steps in calls ten times longer, and the states stay finite.

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unistd.h>

#include <QObject>
#include <QTest>

#include "core/layers/basic_layers.h"
#include "core/model.h"
#include "core/rnn_layer.h"
#include "core/trace.h"
#include "engine_fixtures.h"

#if defined(__SANITIZE_ADDRESS__)
// The ASan runtime's count of live heap bytes. Declared here: GCC ships no <sanitizer/allocator_interface.h>
// (clang does), but both runtimes export the function.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#define RNNSCOPE_SOAK_ASAN 1
#else
#include <malloc.h>
#define RNNSCOPE_SOAK_ASAN 0
#endif

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

constexpr Index kBatch = 4;
constexpr Index kFeatures = 3;
constexpr Index kTotalSteps = 1'000'000;
constexpr Index kStepsPerCall = 1'000;
constexpr Index kLongStepsPerCall = 10'000;
constexpr int kWarmUpCalls = 50; // the allocator settles its arenas on the first calls
constexpr int kSampleEvery = 50;
// What a call allocates and frees: its input (4 x 1000 x 3 floats, 48 KB), outputs, and a trace of about ten
// series of 4 x 1000 x 4 floats (64 KB each): ~0.7 MB. Keeping even one 64 KB series per call would add 60 MB over
// the 950 calls after the warm-up, one float per step and sample 15 MB. 2 MB leaves room for the allocator's
// fragmentation and Qt's logging buffers while catching any per-call retention above ~2 KB.
constexpr double kMaxGrowthBytes = 2.0 * 1024 * 1024;

// Input value of sample b, feature f at global timestep t: a fixed hash, so any split into calls sees the same data.
float inputValue(Index t, Index b, Index f)
{
    std::uint64_t z = static_cast<std::uint64_t>((t * kBatch + b) * kFeatures + f) + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<float>(static_cast<double>(z >> 40) / static_cast<double>(1ULL << 24) * 2.0 - 1.0);
}

Tensor callInput(Index firstStep, Index steps)
{
    Tensor x(Shape {kBatch, steps, kFeatures});
    float* p = x.data();
    for (Index b = 0; b < kBatch; ++b) {
        for (Index s = 0; s < steps; ++s) {
            for (Index f = 0; f < kFeatures; ++f) {
                *p++ = inputValue(firstStep + s, b, f);
            }
        }
    }
    return x;
}

// Input(batch 4, steps) -> stateful RNN layer "rnn" over the test cell `kind` (always the same weights).
std::unique_ptr<Model> makeStatefulModel(const std::string& kind, const std::string& className, Index steps)
{
    auto model = std::make_unique<Model>("soak", "Sequential");
    Layer& input = model->addLayer(std::make_unique<InputLayer>("x", Shape {kBatch, steps, kFeatures}));
    RnnOptions o;
    o.stateful = true;
    o.fixedBatch = kBatch;
    Layer& rnn = model->addLayer(std::make_unique<RnnLayer>("rnn", className, makeTestCell(kind, kFeatures, 7), o));
    const auto in = model->addInputNode(input, {kBatch, steps, kFeatures}, false);
    const auto out = model->addNode(rnn, {{in, 0}});
    model->addOutput({out, 0}, "rnn");
    model->finalize();
    return model;
}

const std::vector<Tensor>& layerStates(Model& model)
{
    return dynamic_cast<RnnLayer&>(*model.findLayer("rnn")).states();
}

double residentBytes()
{
    long pages = 0;
    long resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) {
            resident = 0;
        }
        std::fclose(f);
    }
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Bytes the heap holds for live allocations. Under ASan freed blocks sit in its quarantine (256 MB by default), so
// the RSS climbs until the quarantine is full whatever the program does; the allocator's live count does not.
double liveHeapBytes()
{
#if RNNSCOPE_SOAK_ASAN
    return static_cast<double>(__sanitizer_get_current_allocated_bytes());
#else
    const struct mallinfo2 m = mallinfo2();
    return static_cast<double>(m.uordblks + m.hblkhd);
#endif
}

struct Sample
{
    double rss = 0;
    double heap = 0;
};

// Drives the model through kTotalSteps in calls of stepsPerCall. With `traced`, each call records its trace as the
// debugger does and the memory samples are taken.
std::vector<Sample> drive(Model& model, Index stepsPerCall, bool traced)
{
    std::vector<Sample> samples;
    const Index calls = kTotalSteps / stepsPerCall;
    for (Index c = 0; c < calls; ++c) {
        const Tensor x = callInput(c * stepsPerCall, stepsPerCall);
        ModelTrace trace;
        CallContext context;
        context.trace = traced ? &trace : nullptr;
        const std::vector<Tensor> out = model.predict({x}, {}, context);
        if (traced && (trace.layers.size() != 1 || trace.layers[0].steps != stepsPerCall)) {
            qFatal("call %lld recorded %zu layers", static_cast<long long>(c), trace.layers.size());
        }
        // Sampled while the call's trace is alive, as the debugger holds the last one; the last call is sampled too.
        const bool sampleCall = (c >= kWarmUpCalls && (c - kWarmUpCalls) % kSampleEvery == 0) || c == calls - 1;
        if (traced && sampleCall) {
            samples.push_back({residentBytes(), liveHeapBytes()});
        }
    }
    return samples;
}

bool sameBits(const Tensor& a, const Tensor& b)
{
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.values().size() * sizeof(float)) == 0;
}

} // namespace

class TestSoak : public QObject
{
    Q_OBJECT

private slots:
    void millionSteps_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("className");
        QTest::newRow("lstm") << QStringLiteral("lstm") << QStringLiteral("LSTM");
        QTest::newRow("gru reset_after") << QStringLiteral("gru_reset_after") << QStringLiteral("GRU");
    }

    void millionSteps()
    {
        QFETCH(QString, kind);
        QFETCH(QString, className);
        auto model = makeStatefulModel(kind.toStdString(), className.toStdString(), kStepsPerCall);

        const auto start = std::chrono::steady_clock::now();
        const std::vector<Sample> samples = drive(*model, kStepsPerCall, true);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

        double maxRss = 0;
        double maxHeap = 0;
        for (const Sample& s : samples) {
            maxRss = std::max(maxRss, s.rss);
            maxHeap = std::max(maxHeap, s.heap);
        }
        const double mb = 1024.0 * 1024.0;
        const double rssGrowth = samples.back().rss - samples.front().rss;
        const double heapGrowth = samples.back().heap - samples.front().heap;
        qInfo("%s: %lld steps in %lld calls of %lld (batch %lld, trace on every call): %.1f s, %.0f steps/s",
            qPrintable(kind), static_cast<long long>(kTotalSteps), static_cast<long long>(kTotalSteps / kStepsPerCall),
            static_cast<long long>(kStepsPerCall), static_cast<long long>(kBatch), seconds, kTotalSteps / seconds);
        qInfo("%s: RSS after warm-up %.2f MB, at the end %.2f MB, max %.2f MB (growth %+.3f MB, %zu samples)",
            qPrintable(kind), samples.front().rss / mb, samples.back().rss / mb, maxRss / mb, rssGrowth / mb,
            samples.size());
        qInfo("%s: live heap after warm-up %.3f MB, at the end %.3f MB, max %.3f MB (growth %+.3f MB)",
            qPrintable(kind), samples.front().heap / mb, samples.back().heap / mb, maxHeap / mb, heapGrowth / mb);

        // (1) Memory stays flat. The live heap in every build; the RSS too except under ASan (see liveHeapBytes).
        QVERIFY2(
            heapGrowth < kMaxGrowthBytes, qPrintable(QStringLiteral("live heap grew by %1 bytes").arg(heapGrowth)));
        if (!RNNSCOPE_SOAK_ASAN) {
            QVERIFY2(rssGrowth < kMaxGrowthBytes, qPrintable(QStringLiteral("RSS grew by %1 bytes").arg(rssGrowth)));
        } else {
            qInfo("ASan build: the RSS includes ASan's quarantine of freed blocks; the live heap is what is bounded");
        }

        // (3) States stay finite.
        const std::vector<Tensor>& got = layerStates(*model);
        QVERIFY(!got.empty());
        for (const Tensor& s : got) {
            for (const float v : s.values()) {
                QVERIFY(std::isfinite(v));
            }
        }

        // (2a) A fresh instance fed the same data in the same calls (without recording) ends in the same bits.
        auto fresh = makeStatefulModel(kind.toStdString(), className.toStdString(), kStepsPerCall);
        drive(*fresh, kStepsPerCall, false);
        const std::vector<Tensor>& want = layerStates(*fresh);
        QCOMPARE(got.size(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            QVERIFY2(sameBits(got[i], want[i]), qPrintable(QStringLiteral("state %1 differs").arg(i)));
        }

        // (2b) The same steps in calls of 10,000. The input projection X.W is one GEMM per call, whose blocking may
        // round differently for a longer call, so the recurrences see inputs that differ by a few float32 ulps
        // (eps = 2^-24 ~ 6e-8 relative, on projections of magnitude < 3). These cells are contracting (weights in
        // [-0.5, 0.5], gates in (0, 1), |h| < 1), so a perturbation decays instead of adding up over the million
        // steps: the states can differ by a small multiple of the per-step rounding, not by 1e6 of it. 1e-5
        // absolute is ~100 ulps of values of order 1; an off-by-one step or a lost state would differ by ~0.1.
        constexpr float kTolerance = 1e-5F;
        auto longCalls = makeStatefulModel(kind.toStdString(), className.toStdString(), kLongStepsPerCall);
        drive(*longCalls, kLongStepsPerCall, false);
        const std::vector<Tensor>& other = layerStates(*longCalls);
        QCOMPARE(other.size(), got.size());
        float maxDiff = 0;
        for (std::size_t i = 0; i < got.size(); ++i) {
            QVERIFY(other[i].shape() == got[i].shape());
            for (Index k = 0; k < got[i].size(); ++k) {
                maxDiff = std::max(maxDiff, std::abs(other[i].data()[k] - got[i].data()[k]));
            }
        }
        qInfo("%s: calls of %lld vs %lld steps: final states differ by at most %g", qPrintable(kind),
            static_cast<long long>(kStepsPerCall), static_cast<long long>(kLongStepsPerCall),
            static_cast<double>(maxDiff));
        QVERIFY2(maxDiff <= kTolerance, qPrintable(QStringLiteral("max difference %1").arg(maxDiff)));
    }
};

QTEST_MAIN(TestSoak)
#include "tst_soak.moc"
