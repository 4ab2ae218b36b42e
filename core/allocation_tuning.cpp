#include "allocation_tuning.h"

#include <cstdlib> // defines __GLIBC__ (through <features.h>) where glibc is the C library

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace rnnscope {

void keepFreedMemoryForReuse()
{
#if defined(__GLIBC__)
    // Larger blocks (a streamed trace's windows, a huge run's buffers) are still mapped and unmapped on their own.
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    // The engine's threads allocate from arenas of their own, which grow and shrink in steps of the top pad: 64 MiB
    // keeps a run's worth of pages across runs there too (W5: 7.2 ms without it, 3.1 ms with it).
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}

} // namespace rnnscope
