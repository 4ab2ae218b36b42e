#include "thread_placement.h"

#include <algorithm>
#include <thread>

#ifdef __linux__
#include <sched.h>
#endif

namespace rnnscope {

int usableCpus()
{
#ifdef __linux__
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        return std::max(1, CPU_COUNT(&allowed));
    }
#endif
    return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

int currentCpu()
{
#ifdef __linux__
    return sched_getcpu();
#else
    return -1;
#endif
}

bool moveOffCpus(std::span<const int> taken)
{
#ifdef __linux__
    const int here = sched_getcpu();
    if (here < 0 || std::find(taken.begin(), taken.end(), here) == taken.end()) {
        return false;
    }
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        return false;
    }
    cpu_set_t free = allowed;
    for (const int cpu : taken) {
        if (cpu >= 0 && cpu < CPU_SETSIZE) {
            CPU_CLR(cpu, &free);
        }
    }
    if (CPU_COUNT(&free) == 0) {
        return false; // more threads than CPUs: they share, wherever they are
    }
    // Narrowing the mask migrates the thread before the call returns; widening it again leaves it where it is.
    if (sched_setaffinity(0, sizeof free, &free) != 0) {
        return false;
    }
    sched_setaffinity(0, sizeof allowed, &allowed);
    return true;
#else
    (void)taken;
    return false;
#endif
}

void CpuClaims::add(int cpu)
{
    if (m_count < m_taken.size()) {
        m_taken[m_count++] = cpu;
    }
}

void CpuClaims::claim()
{
    const int cpu = currentCpu();
    const std::lock_guard lock(m_mutex);
    add(cpu);
}

void CpuClaims::claimOrMove()
{
    const std::lock_guard lock(m_mutex); // the workers one at a time, so two never move to one free CPU
    moveOffCpus(std::span<const int>(m_taken.data(), m_count));
    add(currentCpu());
}

} // namespace rnnscope
