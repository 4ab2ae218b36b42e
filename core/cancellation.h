#pragma once
// Cancelling a run. The caller (the debugger's engine thread, a CLI signal handler) owns an atomic flag and puts it
// in the CallContext; Model::predict makes it the calling thread's current flag for the run, and the recurrent loop
// polls it once per step, so a long run stops within one step of the request. Polling is one relaxed load: no
// per-step cost worth measuring, and no allocation.

#include <atomic>

#include "errors.h"

namespace rnnscope {

// The run was cancelled on request; nothing it produced is valid.
class RunCancelled : public ModelError
{
public:
    RunCancelled()
        : ModelError("the run was cancelled")
    {
    }
};

// While alive, `flag` is the calling thread's cancel flag (nullptr: none). Scopes nest.
class CancelScope
{
public:
    explicit CancelScope(const std::atomic<bool>* flag);
    ~CancelScope();
    CancelScope(const CancelScope&) = delete;
    CancelScope& operator=(const CancelScope&) = delete;

private:
    const std::atomic<bool>* m_previous;
};

// The calling thread's flag (read it before starting worker threads and hand it to them).
const std::atomic<bool>* currentCancelFlag();

inline bool cancelRequested(const std::atomic<bool>* flag)
{
    return flag != nullptr && flag->load(std::memory_order_relaxed);
}

// Throws RunCancelled when the calling thread's flag is set.
void throwIfCancelled();

} // namespace rnnscope
