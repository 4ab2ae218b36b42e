#pragma once
// Where the engine's threads run. A run's threads wait for each other (the unit split every step, the batch split at
// its end), so two of them on one CPU take turns instead of running at once; see CpuClaims.

#include <array>
#include <mutex>
#include <span>

namespace rnnscope {

// The CPUs this process may run on (its affinity mask, as taskset and cpusets narrow it), at least 1.
int usableCpus();

// The CPU the calling thread runs on, or -1 where the system does not say.
int currentCpu();

// Moves the calling thread to one of the CPUs it may run on that is not in `taken`, when it runs on one that is and
// such a CPU exists; true if it moved. The thread may run anywhere it could before, afterwards: only the move is
// forced, and the scheduler is free to balance later.
bool moveOffCpus(std::span<const int> taken);

// The CPUs the threads of one concurrent run hold. The calling thread claims its CPU before it wakes the workers;
// each worker claims its own as it starts, first moving off a claimed one. Linux wakes a sleeping thread on the CPU of
// the thread that woke it when it judges that CPU's cache the warmer: here the worker often started on the main
// thread's CPU and stayed there for several runs, until the load balancer moved it (W1 then took 2.5 ms a pass
// instead of 0.65: each step's wait spun out its turns and yielded to the other part).
class CpuClaims
{
public:
    void claim();
    void claimOrMove();

private:
    void add(int cpu);

    std::mutex m_mutex;
    std::array<int, 64> m_taken {}; // past 64 threads, the later ones go where the scheduler puts them
    std::size_t m_count = 0;
};

} // namespace rnnscope
