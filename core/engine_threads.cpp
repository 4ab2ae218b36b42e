#include "engine_threads.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "thread_placement.h"

namespace rnnscope {

namespace {

std::atomic<int> g_override {0};

int defaultThreads()
{
    // Read once: the environment does not change under a running program, and getenv is not cheap enough for
    // every layer of every run.
    static const int value = [] {
        if (const char* env = std::getenv("RNNSCOPE_THREADS"); env != nullptr && *env != '\0') {
            try {
                const int n = std::stoi(env);
                if (n >= 1) {
                    return n;
                }
            } catch (const std::exception&) {
                // not a number: fall through to the hardware's count
            }
        }
        return usableCpus();
    }();
    return value;
}

// A kept thread that runs one task at a time, handed over through `m_state` (futex waits, no lock).
class Worker
{
public:
    Worker()
        : m_thread([this] { loop(); })
    {
    }

    void start(const std::function<void(int)>* task, int index)
    {
        m_task = task;
        m_index = index;
        m_state.store(kRun, std::memory_order_release);
        m_state.notify_one();
    }

    void waitUntilDone()
    {
        for (std::uint32_t s = m_state.load(std::memory_order_acquire); s != kDone;
             s = m_state.load(std::memory_order_acquire)) {
            m_state.wait(s, std::memory_order_acquire);
        }
        m_state.store(kIdle, std::memory_order_relaxed);
    }

private:
    static constexpr std::uint32_t kIdle = 0;
    static constexpr std::uint32_t kRun = 1;
    static constexpr std::uint32_t kDone = 2;

    [[noreturn]] void loop()
    {
        for (;;) {
            for (std::uint32_t s = m_state.load(std::memory_order_acquire); s != kRun;
                 s = m_state.load(std::memory_order_acquire)) {
                m_state.wait(s, std::memory_order_acquire);
            }
            (*m_task)(m_index);
            m_state.store(kDone, std::memory_order_release);
            m_state.notify_one();
        }
    }

    std::atomic<std::uint32_t> m_state {kIdle};
    const std::function<void(int)>* m_task = nullptr;
    int m_index = 0;
    std::jthread m_thread; // last: started once the members it reads exist
};

class WorkerPool
{
public:
    // False, without running anything, while another call has the workers.
    bool tryRun(int n, const std::function<void(int)>& task)
    {
        const std::unique_lock lock(m_busy, std::try_to_lock);
        if (!lock.owns_lock()) {
            return false;
        }
        while (m_workers.size() < static_cast<std::size_t>(n - 1)) {
            m_workers.push_back(std::make_unique<Worker>());
        }
        for (int i = 1; i < n; ++i) {
            m_workers[static_cast<std::size_t>(i - 1)]->start(&task, i);
        }
        task(0);
        for (int i = 1; i < n; ++i) {
            m_workers[static_cast<std::size_t>(i - 1)]->waitUntilDone();
        }
        return true;
    }

private:
    std::mutex m_busy;
    std::vector<std::unique_ptr<Worker>> m_workers;
};

} // namespace

void runConcurrently(int n, const std::function<void(int)>& task)
{
    if (n <= 1) {
        if (n == 1) {
            task(0);
        }
        return;
    }
    // Never destroyed: its workers wait for work until the process ends (joining them from a static destructor
    // could wait for a run still going on another thread).
    static WorkerPool* const pool = new WorkerPool;
    // Each task on a CPU of its own while there are enough (thread_placement.h).
    CpuClaims claims;
    claims.claim();
    const std::function<void(int)> placed = [&claims, &task](int i) {
        if (i > 0) {
            claims.claimOrMove();
        }
        task(i);
    };
    if (pool->tryRun(n, placed)) {
        return;
    }
    std::vector<std::jthread> threads;
    threads.reserve(static_cast<std::size_t>(n - 1));
    for (int i = 1; i < n; ++i) {
        threads.emplace_back(placed, i);
    }
    placed(0);
    // `threads` joins them as it goes
}

int engineThreads()
{
    const int n = g_override.load(std::memory_order_relaxed);
    return n >= 1 ? n : defaultThreads();
}

void setEngineThreads(int n)
{
    g_override.store(n >= 1 ? n : 0, std::memory_order_relaxed);
}

} // namespace rnnscope
