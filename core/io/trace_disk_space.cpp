#include <filesystem>

#include "core/io/trace_layout.h"

#if defined(__unix__)
#include <sys/statvfs.h>
#endif

#include "core/io/file_error.h"
#include "core/memory_budget.h"

namespace rnnscope::io::detail {

namespace fs = std::filesystem;

std::size_t layerSeriesBytes(const LayerTrace& layer)
{
    auto bytes = [&](const TraceSeries& s) {
        return s.empty() ? std::size_t {0}
                         : static_cast<std::size_t>(s.steps() * s.batch() * s.width()) * sizeof(float);
    };
    std::size_t total = bytes(layer.input) + bytes(layer.output);
    for (const auto& c : layer.cells) {
        total += bytes(c.input) + bytes(c.output);
        for (const auto& s : c.states) {
            total += bytes(s);
        }
        for (const auto& g : c.gates) {
            total += bytes(g);
        }
    }
    for (const auto& d : layer.directions) {
        total += layerSeriesBytes(d);
    }
    return total;
}

void checkFreeSpace(
    const std::string& finalPath, const std::string& temporary, std::size_t needed, const std::string& what)
{
#if defined(__unix__)
    struct statvfs vfs
    {
    };
    fs::path dir = fs::path(temporary).parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    if (statvfs(dir.c_str(), &vfs) != 0) {
        return;
    }
    const auto available = static_cast<std::uint64_t>(vfs.f_bavail) * static_cast<std::uint64_t>(vfs.f_frsize);
    if (needed > available) {
        throw FileError(finalPath,
            what + " needs up to " + formatBytes(needed) + ", but only " + formatBytes(available)
                + " are free on its disk");
    }
#else
    (void)finalPath;
    (void)temporary;
    (void)needed;
    (void)what;
#endif
}

} // namespace rnnscope::io::detail
