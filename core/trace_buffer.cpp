#include "trace_buffer.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "memory_budget.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace rnnscope {

namespace {

constexpr std::size_t kHugePage = std::size_t {2} << 20;
// From this size on a buffer is rounded up to whole huge pages: at most 1/16 (6%) more than asked, which keeps a
// trace's storage within 10% of the bytes it records. Smaller buffers get 4 KiB pages (and are reused, below).
constexpr std::size_t kHugeFrom = std::size_t {32} << 20;
// Smaller buffers are not worth caching: malloc reuses them cheaply anyway.
constexpr std::size_t kCacheFrom = std::size_t {64} << 10;
constexpr std::size_t kDefaultCacheLimit = std::size_t {1} << 30;

struct Block
{
    void* data = nullptr;
    std::size_t bytes = 0;
};

// A fixed number of cached blocks, oldest first, in a plain array: the pool never allocates for itself, so a run's
// allocations do not depend on what earlier runs left behind.
class BlockList
{
public:
    static constexpr std::size_t kCapacity = 128;
    bool empty() const { return m_count == 0; }
    bool full() const { return m_count == kCapacity; }
    std::size_t size() const { return m_count; }
    Block& operator[](std::size_t i) { return m_blocks[i]; }
    void push_back(Block b) { m_blocks[m_count++] = b; }
    Block pop_front()
    {
        const Block b = m_blocks[0];
        erase(0);
        return b;
    }
    void erase(std::size_t i)
    {
        for (std::size_t k = i + 1; k < m_count; ++k) {
            m_blocks[k - 1] = m_blocks[k];
        }
        --m_count;
    }

private:
    std::array<Block, kCapacity> m_blocks {};
    std::size_t m_count = 0;
};

// One process-wide pool: the engine's worker threads, the GUI's engine thread and the views all release buffers.
class Pool
{
public:
    static Pool& instance()
    {
        static Pool pool;
        return pool;
    }

    Block take(std::size_t bytes)
    {
        std::lock_guard lock(m_mutex);
        for (std::size_t i = m_cached.size(); i-- > 0;) {
            if (m_cached[i].bytes == bytes) {
                const Block b = m_cached[i];
                m_cached.erase(i);
                m_cachedBytes -= b.bytes;
                m_inUse += b.bytes;
                return b;
            }
        }
        return {};
    }

    void noteAllocated(std::size_t bytes)
    {
        std::lock_guard lock(m_mutex);
        m_inUse += bytes;
    }

    void give(Block b)
    {
        std::lock_guard lock(m_mutex);
        m_inUse -= b.bytes;
        if (b.bytes >= kCacheFrom && b.bytes <= cacheLimitLocked()) {
            if (m_cached.full()) {
                evictOldestLocked();
            }
            m_cached.push_back(b);
            m_cachedBytes += b.bytes;
            b = {};
        }
        // Oldest first: the buffers of the run before last are the least likely to be asked for again.
        while (m_cachedBytes > cacheLimitLocked() && !m_cached.empty()) {
            evictOldestLocked();
        }
        std::free(b.data);
    }

    void releaseCached()
    {
        std::lock_guard lock(m_mutex);
        while (!m_cached.empty()) {
            evictOldestLocked();
        }
    }

    void setLimit(std::size_t bytes)
    {
        {
            std::lock_guard lock(m_mutex);
            m_limit = bytes;
            m_limitSet = true;
        }
        releaseCached();
    }

    std::size_t inUse()
    {
        std::lock_guard lock(m_mutex);
        return m_inUse;
    }
    std::size_t cached()
    {
        std::lock_guard lock(m_mutex);
        return m_cachedBytes;
    }

private:
    void evictOldestLocked()
    {
        const Block b = m_cached.pop_front();
        m_cachedBytes -= b.bytes;
        std::free(b.data);
    }

    std::size_t cacheLimitLocked() const
    {
        if (m_limitSet) {
            return m_limit;
        }
        // A quarter of the budget at most: the cache must never be why a run does not fit.
        const auto quarter = static_cast<std::size_t>(memoryBudget() / 4);
        return quarter < kDefaultCacheLimit ? quarter : kDefaultCacheLimit;
    }

    std::mutex m_mutex;
    BlockList m_cached;
    std::size_t m_cachedBytes = 0;
    std::size_t m_inUse = 0;
    std::size_t m_limit = 0;
    bool m_limitSet = false;
};

std::size_t roundedBytes(std::size_t count)
{
    const std::size_t bytes = count * sizeof(float);
    if (bytes >= kHugeFrom) {
        return (bytes + kHugePage - 1) / kHugePage * kHugePage;
    }
    return (bytes + kTraceAlignment - 1) / kTraceAlignment * kTraceAlignment;
}

void* allocateBlock(std::size_t bytes)
{
    void* p = nullptr;
    if (bytes >= kHugeFrom) {
        p = std::aligned_alloc(kHugePage, bytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (p != nullptr) {
            // Only advice: without transparent huge pages the kernel ignores it and 4 KiB pages are used.
            (void)madvise(p, bytes, MADV_HUGEPAGE);
        }
#endif
    } else if (bytes > 0) {
        p = std::aligned_alloc(kTraceAlignment, bytes); // bytes is a multiple of it (roundedBytes)
    }
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    return p;
}

} // namespace

TraceBuffer::TraceBuffer(std::size_t count, bool zeroed)
{
    if (count == 0) {
        return;
    }
    const std::size_t bytes = roundedBytes(count);
    Block b = Pool::instance().take(bytes);
    if (b.data == nullptr) {
        b = {allocateBlock(bytes), bytes};
        Pool::instance().noteAllocated(bytes);
    }
    m_data = static_cast<float*>(b.data);
    m_count = count;
    m_bytes = bytes;
    if (zeroed) {
        std::memset(m_data, 0, count * sizeof(float));
    }
}

TraceBuffer::~TraceBuffer()
{
    release();
}

TraceBuffer::TraceBuffer(TraceBuffer&& other) noexcept
    : m_data(other.m_data)
    , m_count(other.m_count)
    , m_bytes(other.m_bytes)
{
    other.m_data = nullptr;
    other.m_count = 0;
    other.m_bytes = 0;
}

TraceBuffer& TraceBuffer::operator=(TraceBuffer&& other) noexcept
{
    if (this != &other) {
        release();
        m_data = other.m_data;
        m_count = other.m_count;
        m_bytes = other.m_bytes;
        other.m_data = nullptr;
        other.m_count = 0;
        other.m_bytes = 0;
    }
    return *this;
}

void TraceBuffer::release() noexcept
{
    if (m_data != nullptr) {
        Pool::instance().give({m_data, m_bytes});
        m_data = nullptr;
        m_count = 0;
        m_bytes = 0;
    }
}

std::size_t traceBytesInUse()
{
    return Pool::instance().inUse();
}

std::size_t traceBytesCached()
{
    return Pool::instance().cached();
}

void releaseCachedTraceBuffers()
{
    Pool::instance().releaseCached();
}

void setTraceBufferCacheLimit(std::size_t bytes)
{
    Pool::instance().setLimit(bytes);
}

} // namespace rnnscope
