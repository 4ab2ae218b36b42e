// Where the engine's threads run (thread_placement.h): the thread count follows the CPUs the process may use, a
// thread moves off a CPU another of the run's threads holds, and runConcurrently starts each task on a CPU of its own
// even when the worker last ran on the caller's CPU. Placement needs at least two usable CPUs; with one, the rows that
// move threads are skipped (and say so).

#include <algorithm>
#include <atomic>
#include <functional>
#include <sched.h>
#include <set>
#include <thread>
#include <vector>

#include <QObject>
#include <QTest>

#include "core/engine_threads.h"
#include "core/thread_placement.h"
#include "tests/support/cpu_affinity.h"

using namespace rnnscope;
using namespace rnnscope::testing;

namespace {

// Puts the calling thread on `cpu` and leaves it free to run anywhere it could before (it stays there until the
// scheduler moves it, which it does not do to a running thread within microseconds).
void settleOn(int cpu, const cpu_set_t& allowed)
{
    setThreadAffinity(onlyCpu(cpu));
    setThreadAffinity(allowed);
}

// Runs f on a thread of its own, so that affinity changes never outlive the test function.
void onFreshThread(const std::function<void()>& f)
{
    std::thread(f).join();
}

} // namespace

class TestThreadPlacement : public QObject
{
    Q_OBJECT

private slots:
    void usableCpusFollowTheAffinityMask_data()
    {
        QTest::addColumn<bool>("narrow");
        QTest::newRow("every CPU allowed") << false;
        QTest::newRow("one CPU allowed") << true;
    }
    void usableCpusFollowTheAffinityMask()
    {
        QFETCH(bool, narrow);
        const cpu_set_t allowed = threadAffinity();
        int expected = CPU_COUNT(&allowed);
        int counted = 0;
        onFreshThread([&] {
            if (narrow) {
                setThreadAffinity(onlyCpu(cpusIn(allowed).front()));
                expected = 1;
            }
            counted = usableCpus();
        });
        QCOMPARE(counted, expected);
    }

    void moveOffCpus_data()
    {
        QTest::addColumn<QString>("taken"); // "own", "other" or "all"
        QTest::addColumn<bool>("moves");
        QTest::newRow("its own CPU taken: moves") << "own" << true;
        QTest::newRow("another CPU taken: stays") << "other" << false;
        QTest::newRow("every CPU taken: stays") << "all" << false;
    }
    void moveOffCpus()
    {
        QFETCH(QString, taken);
        QFETCH(bool, moves);
        const cpu_set_t allowed = threadAffinity();
        const std::vector<int> cpus = cpusIn(allowed);
        if (cpus.size() < 2) {
            QSKIP("needs two usable CPUs");
        }
        int before = -1;
        int after = -1;
        bool moved = false;
        bool maskKept = false;
        std::vector<int> takenCpus;
        onFreshThread([&] {
            settleOn(cpus.front(), allowed);
            before = currentCpu();
            if (taken == "own") {
                takenCpus = {before};
            } else if (taken == "other") {
                takenCpus = {before == cpus.front() ? cpus[1] : cpus.front()};
            } else {
                takenCpus = cpus;
            }
            moved = rnnscope::moveOffCpus(takenCpus);
            after = currentCpu();
            const cpu_set_t now = threadAffinity();
            maskKept = CPU_EQUAL(&now, &allowed);
        });
        QCOMPARE(moved, moves);
        QVERIFY2(maskKept, "the thread may run wherever it could before");
        if (moves) {
            QVERIFY2(after != before, qPrintable(QString("still on CPU %1").arg(after)));
            QVERIFY(std::find(takenCpus.begin(), takenCpus.end(), after) == takenCpus.end());
        } else {
            QCOMPARE(after, before);
        }
    }

    // The worker last ran on the caller's CPU, and is woken from it: the case where Linux starts it there.
    void runConcurrentlyGivesEachTaskItsOwnCpu_data()
    {
        QTest::addColumn<int>("tasks");
        QTest::newRow("2 tasks") << 2;
        QTest::newRow("as many tasks as CPUs") << 0;
    }
    void runConcurrentlyGivesEachTaskItsOwnCpu()
    {
        QFETCH(int, tasks);
        const cpu_set_t allowed = threadAffinity();
        const std::vector<int> cpus = cpusIn(allowed);
        if (cpus.size() < 2) {
            QSKIP("needs two usable CPUs");
        }
        const int n = tasks > 0 ? tasks : static_cast<int>(std::min<std::size_t>(cpus.size(), 8));
        const int home = cpus.front();
        int shared = 0;
        onFreshThread([&] {
            setThreadAffinity(onlyCpu(home)); // the caller stays on `home`
            for (int round = 0; round < 20; ++round) {
                // Every worker ends its task on `home`, so it sleeps there.
                runConcurrently(n, [&](int i) {
                    if (i > 0) {
                        settleOn(home, allowed);
                    }
                });
                std::vector<std::atomic<int>> where(static_cast<std::size_t>(n));
                runConcurrently(n, [&](int i) { where[static_cast<std::size_t>(i)] = currentCpu(); });
                std::set<int> distinct;
                for (const auto& w : where) {
                    distinct.insert(w.load());
                }
                if (static_cast<int>(distinct.size()) != n) {
                    ++shared;
                }
            }
        });
        QVERIFY2(shared == 0, qPrintable(QString("tasks shared a CPU in %1 of 20 rounds").arg(shared)));
    }
};

QTEST_GUILESS_MAIN(TestThreadPlacement)
#include "tst_thread_placement.moc"
