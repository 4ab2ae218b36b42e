#pragma once
// A debugger runs the same model again and again; each run allocates its buffers afresh (inputs in processing
// order, outputs, per-call tensors) and frees them at the end. glibc serves blocks over 128 KB-32 MB with fresh
// mmap()s and returns freed memory at the top of the heap to the system, so every run faulted in and zeroed the same
// pages again (perf: page faults and zeroing were about a fifth of a W5 run's samples). Traces already come from their
// own pool (trace_buffer.h); this keeps the rest, bounded.

namespace rnnscope {

// Called once at the start of a program (the window, the CLI, the benchmarks): blocks below 256 MiB come from the
// heap, up to 512 MiB of freed heap stays with the process for reuse, and arenas grow and shrink by 64 MiB. A no-op
// outside glibc (and under ASan and valgrind, whose allocators ignore it).
void keepFreedMemoryForReuse();

} // namespace rnnscope
