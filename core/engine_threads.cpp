#include "engine_threads.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

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
        return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    }();
    return value;
}

} // namespace

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
