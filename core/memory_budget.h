#pragma once
// The memory budget: how many bytes RNNScope may hold. Every large allocation the engine makes (a layer's trace, a
// run's time-major buffers), every array a .npy reader builds and every series a trace writer copies out is checked
// first against what the process already holds plus what it asks for. So a run that would not fit fails with a
// message saying what needed how much, instead of the process being killed by the system. The debugger and the CLI
// set it from the user's setting (--memory-budget, RNNSCOPE_MEMORY_BUDGET); by default it is three quarters of the
// machine's physical memory.

#include <cstdint>
#include <string>
#include <string_view>

#include "errors.h"

namespace rnnscope {

// A run or a file needs more memory than the budget leaves. A ModelError, so every caller that reports a
// failed run reports this one the same way.
class MemoryBudgetError : public ModelError
{
public:
    using ModelError::ModelError;
};

// 0 restores the default (three quarters of physical memory).
void setMemoryBudget(std::uint64_t bytes);
std::uint64_t memoryBudget();
std::uint64_t defaultMemoryBudget();

// Bytes the process holds on its heap right now (every buffer: inputs, runs, traces in use and cached for reuse,
// export copies); the budget's running total. Checks therefore add up everything held, not only traces.
std::uint64_t memoryInUse();
// The heap part alone (glibc's count, or AddressSanitizer's under ASan); 0 where it cannot be counted.
std::uint64_t heapBytesInUse();

// Throws MemoryBudgetError("<what> needs 1.2 GB, but the memory budget is 1 GB (300 MB in use) ...") when
// `bytes` more would not fit. Cached trace buffers are released first, since they can be.
void checkMemory(std::uint64_t bytes, const std::string& what);

// "512M", "2G", "1.5GB", "800MiB", "1000000" (bytes); throws std::invalid_argument with the text on anything else.
std::uint64_t parseByteSize(std::string_view text);
// 1234567890 -> "1.15 GB" (binary units, as the budget is given).
std::string formatBytes(std::uint64_t bytes);

} // namespace rnnscope
