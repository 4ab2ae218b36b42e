#include "file_memory.h"

#include "core/memory_budget.h"
#include "file_error.h"

namespace rnnscope::io {

void checkFileMemory(std::uint64_t bytes, const std::string& what, const std::string& file)
{
    try {
        checkMemory(bytes, what);
    } catch (const MemoryBudgetError& e) {
        throw FileError(file, e.what());
    }
}

} // namespace rnnscope::io
