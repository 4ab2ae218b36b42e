// "No allocation inside the per-timestep loop": every heap allocation goes through the replaced global operator
// new below, and a run over 200 steps must allocate exactly as often as a run over 10 steps (setup only), for every
// cell kind, with and without a mask and a trace. A batch of one on two threads, where a second thread computes the
// input projections ahead of the steps (from 4 chunks of steps on), compares 200 steps with 400; so does a batch of
// one of 128 units, whose steps two threads share by units where the cell can (unit_split_loop.h).

#include <atomic>
#include <cstdlib>
#include <new>

#include <QObject>
#include <QTest>

#include "core/rnn_loop.h"
#include "engine_fixtures.h"

namespace {
std::atomic<long> g_allocations {0};
}

void* operator new(std::size_t size)
{
    ++g_allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) {
        return p;
    }
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept
{
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept
{
    std::free(p);
}

using namespace rnnscope;
using namespace rnnscope::testing;

class TestNoAllocation : public QObject
{
    Q_OBJECT

private slots:
    void allocationsDoNotGrowWithSteps_data();
    void allocationsDoNotGrowWithSteps();
};

void TestNoAllocation::allocationsDoNotGrowWithSteps_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("masked");
    QTest::addColumn<bool>("traced");
    QTest::addColumn<bool>("projectionAhead");
    QTest::addColumn<Index>("units");
    for (const char* k : {"simple", "lstm", "gru", "gru_reset_after", "minimal", "stack"}) {
        for (bool masked : {false, true}) {
            for (bool traced : {false, true}) {
                for (bool ahead : {false, true}) {
                    QTest::addRow("%s%s%s%s", k, masked ? " masked" : "", traced ? " traced" : "",
                        ahead ? ", batch of one on 2 threads" : "")
                        << QString::fromLatin1(k) << masked << traced << ahead << Index {0};
                }
                QTest::addRow(
                    "%s%s%s, 128 units, batch of one on 2 threads", k, masked ? " masked" : "", traced ? " traced" : "")
                    << QString::fromLatin1(k) << masked << traced << true << Index {128};
            }
        }
    }
}

void TestNoAllocation::allocationsDoNotGrowWithSteps()
{
    QFETCH(QString, kind);
    QFETCH(bool, masked);
    QFETCH(bool, traced);
    QFETCH(bool, projectionAhead);
    QFETCH(Index, units);
    auto cell = makeTestCell(kind.toStdString(), 3, 31, units);
    const Index batch = projectionAhead ? 1 : 2;
    auto countFor = [&](Index steps) {
        const Tensor x = randomTensor({batch, steps, 3}, 7);
        Mask mask(batch, steps);
        for (Index t = 0; t < steps; t += 3) {
            mask.set(batch - 1, t, false);
        }
        const auto states = zeroStates(*cell, batch);
        LayerTrace trace;
        RnnLoopOptions options;
        options.goBackwards = true;
        options.threads = projectionAhead ? 2 : 1;
        const long before = g_allocations.load();
        rnnLoop(*cell, x, states, masked ? &mask : nullptr, {}, options, traced ? &trace : nullptr);
        return g_allocations.load() - before;
    };
    (void)countFor(projectionAhead ? 200 : 10); // once per process: the engine's kept worker threads start
    const long shortRun = countFor(projectionAhead ? 200 : 10);
    const long longRun = countFor(projectionAhead ? 400 : 200);
    QVERIFY(shortRun > 0); // the counter works: setup does allocate
    QCOMPARE(longRun, shortRun);
}

QTEST_GUILESS_MAIN(TestNoAllocation)
#include "tst_no_allocation.moc"
