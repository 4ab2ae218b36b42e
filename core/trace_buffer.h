#pragma once
// Storage for one recorded trace series. Three things make recording a trace cheap:
// - the engine writes every element, so the floats are not zero-filled first (zero-filling a 50 MB trace costs as
//   much as computing it);
// - large buffers are aligned to 2 MiB and advised as transparent huge pages, so the kernel faults them in a
//   2 MiB page at a time instead of 4 KiB;
// - a released buffer is kept (up to a bound) and handed to the next run that asks for the same size: a debugger
//   re-running on every toggle reuses the previous run's pages instead of faulting in fresh ones.
// Bytes handed out and cached count against the memory budget (memory_budget.h).

#include <cstddef>

namespace rnnscope {

// Every buffer starts on a 64-byte boundary (a cache line, an AVX-512 register), like Eigen's own buffers in any
// build, so a cell may compute a step in place in the trace with the same rounding as in its workspace.
inline constexpr std::size_t kTraceAlignment = 64;

class TraceBuffer
{
public:
    TraceBuffer() = default;
    // `count` floats; zeroed only when asked (readers and tests rely on zeros, the engine does not).
    TraceBuffer(std::size_t count, bool zeroed);
    ~TraceBuffer();
    TraceBuffer(TraceBuffer&& other) noexcept;
    TraceBuffer& operator=(TraceBuffer&& other) noexcept;
    TraceBuffer(const TraceBuffer&) = delete;
    TraceBuffer& operator=(const TraceBuffer&) = delete;

    float* data() { return m_data; }
    const float* data() const { return m_data; }
    std::size_t size() const { return m_count; }
    bool empty() const { return m_count == 0; }
    // What the buffer occupies (its size rounded up to its allocation granule).
    std::size_t capacityBytes() const { return m_bytes; }

private:
    void release() noexcept;

    float* m_data = nullptr;
    std::size_t m_count = 0;
    std::size_t m_bytes = 0;
};

// Bytes of trace buffers handed out, and cached for reuse.
std::size_t traceBytesInUse();
std::size_t traceBytesCached();
// Frees every cached buffer (the budget asks before refusing; tests measure memory with it).
void releaseCachedTraceBuffers();
// Upper bound of the cache; 0 disables reuse. Default: 1 GiB, or less when the budget is smaller.
void setTraceBufferCacheLimit(std::size_t bytes);

} // namespace rnnscope
