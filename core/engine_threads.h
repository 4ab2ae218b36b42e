#pragma once
// How many threads the engine may use. A run splits its batch into contiguous groups of samples, one per thread;
// each thread runs every step of its own samples with its own workspace and single-threaded Eigen, so the threads
// never wait for each other inside the time loop (see rnn_loop.cpp).

namespace rnnscope {

// The process-wide thread count for runs that do not set RnnLoopOptions::threads: setEngineThreads(n) if called
// with n >= 1, else the environment variable RNNSCOPE_THREADS (for benchmarks), else
// std::thread::hardware_concurrency(). Always >= 1; 1 disables threading.
int engineThreads();
// n >= 1 sets the count; n <= 0 goes back to the default above.
void setEngineThreads(int n);

} // namespace rnnscope
