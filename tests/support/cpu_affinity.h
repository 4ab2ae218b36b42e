#pragma once
// The calling thread's CPU affinity, for tests that place threads (Linux): what it may run on, and narrowing it to one
// CPU. A thread started afterwards, and a process started from this thread, inherit the mask.

#include <sched.h>
#include <vector>

namespace rnnscope::testing {

// The CPUs the calling thread may run on.
inline cpu_set_t threadAffinity()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    return set;
}

inline std::vector<int> cpusIn(const cpu_set_t& set)
{
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &set)) {
            cpus.push_back(c);
        }
    }
    return cpus;
}

inline cpu_set_t onlyCpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return set;
}

// Lets the calling thread run only on `set` (and moves it there).
inline void setThreadAffinity(const cpu_set_t& set)
{
    sched_setaffinity(0, sizeof set, &set);
}

} // namespace rnnscope::testing
