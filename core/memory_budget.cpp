#include "memory_budget.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "trace_buffer.h"

#if defined(__unix__)
#include <unistd.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// AddressSanitizer's allocator replaces malloc, and glibc's statistics then see nothing: under ASan its own count
// is used. A weak declaration, so that a build without ASan links without it.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes() __attribute__((weak));

namespace rnnscope {

namespace {

std::atomic<std::uint64_t> g_budget {0}; // 0: the default

} // namespace

std::uint64_t defaultMemoryBudget()
{
#if defined(__unix__)
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && pageSize > 0) {
        return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize) / 4 * 3;
    }
#endif
    return std::uint64_t {8} << 30;
}

void setMemoryBudget(std::uint64_t bytes)
{
    g_budget = bytes;
}

std::uint64_t memoryBudget()
{
    const std::uint64_t b = g_budget.load();
    return b != 0 ? b : defaultMemoryBudget();
}

std::uint64_t heapBytesInUse()
{
    if (__sanitizer_get_current_allocated_bytes != nullptr) {
        return __sanitizer_get_current_allocated_bytes();
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    // Bytes in use in malloc's arenas plus its separately mapped large blocks: every buffer the process holds on the
    // heap (inputs, a run's buffers, traces, export copies, HDF5's in-memory images), not only traces.
    const struct mallinfo2 info = mallinfo2();
    return static_cast<std::uint64_t>(info.uordblks) + static_cast<std::uint64_t>(info.hblkhd);
#else
    return 0;
#endif
}

std::uint64_t memoryInUse()
{
    // Trace buffers come from malloc, so the heap count includes them; where the heap cannot be counted (another C
    // library, or valgrind's allocator) the traces are still counted.
    return std::max<std::uint64_t>(heapBytesInUse(), traceBytesInUse() + traceBytesCached());
}

void checkMemory(std::uint64_t bytes, const std::string& what)
{
    const std::uint64_t budget = memoryBudget();
    if (memoryInUse() + bytes <= budget) {
        return;
    }
    releaseCachedTraceBuffers();
    const std::uint64_t inUse = memoryInUse();
    if (inUse + bytes <= budget) {
        return;
    }
    throw MemoryBudgetError(what + " needs " + formatBytes(bytes) + ", but the memory budget is " + formatBytes(budget)
        + " (" + formatBytes(inUse) + " already in use)");
}

std::uint64_t parseByteSize(std::string_view text)
{
    const std::string original(text);
    auto bad = [&]() -> std::invalid_argument {
        return std::invalid_argument("'" + original + "' is not a size (examples: 512M, 2G, 1.5GB, 1000000)");
    };
    std::size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0 || text[i] == '.')) {
        ++i;
    }
    if (i == 0) {
        throw bad();
    }
    double number = 0;
    try {
        std::size_t used = 0;
        number = std::stod(std::string(text.substr(0, i)), &used);
        if (used != i) {
            throw bad();
        }
    } catch (const std::logic_error&) {
        throw bad();
    }
    std::string unit;
    for (char c : text.substr(i)) {
        unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    double scale = 1;
    if (unit.empty() || unit == "B") {
        scale = 1;
    } else if (unit == "K" || unit == "KB" || unit == "KIB") {
        scale = 1024.0;
    } else if (unit == "M" || unit == "MB" || unit == "MIB") {
        scale = 1024.0 * 1024.0;
    } else if (unit == "G" || unit == "GB" || unit == "GIB") {
        scale = 1024.0 * 1024.0 * 1024.0;
    } else if (unit == "T" || unit == "TB" || unit == "TIB") {
        scale = 1024.0 * 1024.0 * 1024.0 * 1024.0;
    } else {
        throw bad();
    }
    const double bytes = std::floor(number * scale);
    if (!(bytes >= 1) || bytes > 1e18) {
        throw bad();
    }
    return static_cast<std::uint64_t>(bytes);
}

std::string formatBytes(std::uint64_t bytes)
{
    const char* units[] = {"bytes", "KB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char text[48];
    if (u == 0) {
        std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
    } else {
        std::snprintf(text, sizeof text, v < 10 ? "%.2f %s" : (v < 100 ? "%.1f %s" : "%.0f %s"), v, units[u]);
    }
    return text;
}

} // namespace rnnscope
