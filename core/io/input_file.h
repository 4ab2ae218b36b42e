#pragma once
// Opening a file a user named, with the checks every reader makes first: it exists, is not a directory, can be
// opened, and has a size. Failures are FileError("<path>: no such file", ...).

#include <cstdint>
#include <fstream>
#include <string>

namespace rnnscope::io {

struct InputFile
{
    std::ifstream stream; // binary, positioned at the start
    std::uint64_t size = 0;
};

// `kind` completes "is a directory, not <kind>", e.g. "an HDF5 file".
InputFile openInputFile(const std::string& path, const std::string& kind);

} // namespace rnnscope::io
