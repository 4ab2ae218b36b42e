#include "cancellation.h"

namespace rnnscope {

namespace {

thread_local const std::atomic<bool>* t_flag = nullptr;

} // namespace

CancelScope::CancelScope(const std::atomic<bool>* flag)
    : m_previous(t_flag)
{
    t_flag = flag != nullptr ? flag : m_previous;
}

CancelScope::~CancelScope()
{
    t_flag = m_previous;
}

const std::atomic<bool>* currentCancelFlag()
{
    return t_flag;
}

void throwIfCancelled()
{
    if (cancelRequested(t_flag)) {
        throw RunCancelled();
    }
}

} // namespace rnnscope
