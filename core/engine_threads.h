#pragma once
// How many threads the engine may use, and the threads it runs on. A run splits its batch into contiguous groups of
// samples, one per thread; each thread runs every step of its own samples with its own workspace and
// single-threaded Eigen, so the threads never wait for each other inside the time loop (see rnn_loop.cpp).

#include <functional>
#include <thread>

namespace rnnscope {

// The process-wide thread count for runs that do not set RnnLoopOptions::threads: setEngineThreads(n) if called
// with n >= 1, else the environment variable RNNSCOPE_THREADS (for benchmarks), else the number of CPUs the process
// may run on (usableCpus(): under `taskset -c 0` one, not the machine's count, since two threads on one CPU take
// turns). Always >= 1; 1 disables threading.
int engineThreads();
// n >= 1 sets the count; n <= 0 goes back to the default above.
void setEngineThreads(int n);

// Runs task(0) .. task(n - 1) at the same time and returns when every one has returned: task(0) on the calling
// thread, the others on worker threads the engine keeps from one run to the next (starting and joining a thread
// took 40 us here, 2% of W5's run, on every layer of every run). While another thread's call has the kept workers,
// this call starts threads of its own, so concurrent and nested calls still run every task at the same time (a
// streamed run's groups wait for each other). A task that starts on a CPU another task of the call holds moves to a
// free one first (CpuClaims). The tasks must not throw.
void runConcurrently(int n, const std::function<void(int)>& task);

// One turn of a spin-wait loop: the CPU's pause hint where there is one, which frees the core's resources for its
// sibling and saves power while a flag is polled.
inline void spinPause()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
}

} // namespace rnnscope
