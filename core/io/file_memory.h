#pragma once
// The memory budget (core/memory_budget.h) for what a reader is about to allocate, refused as a problem with the file
// being read: a FileError naming it, like every other reason a file cannot be opened.

#include <cstdint>
#include <string>

namespace rnnscope::io {

// Throws FileError(file, "<what> needs 1.2 GB, but the memory budget is ...") when `bytes` more would not fit.
void checkFileMemory(std::uint64_t bytes, const std::string& what, const std::string& file);

} // namespace rnnscope::io
