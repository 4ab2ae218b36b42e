#include "input_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "file_error.h"

namespace rnnscope::io {

InputFile openInputFile(const std::string& path, const std::string& kind)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) {
        throw FileError(path, "no such file");
    }
    if (fs::is_directory(status)) {
        throw FileError(path, "is a directory, not " + kind);
    }
    InputFile f;
    f.stream.open(path, std::ios::binary);
    if (!f.stream) {
        const int error = errno;
        throw FileError(path, std::string("cannot open: ") + std::strerror(error));
    }
    f.stream.seekg(0, std::ios::end);
    const std::streamoff end = f.stream.tellg();
    f.stream.seekg(0, std::ios::beg);
    if (end < 0 || !f.stream) {
        throw FileError(path, "cannot determine the file size");
    }
    f.size = static_cast<std::uint64_t>(end);
    return f;
}

} // namespace rnnscope::io
