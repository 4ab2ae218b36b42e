#include "fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <unistd.h>

namespace rnnscope::fuzz {

namespace fs = std::filesystem;

namespace {

// One directory per process, so several fuzzers (or -fork workers) never share scratch files. Never destroyed: the
// atexit handler that removes it runs after static destructors registered before it.
const std::string& scratchDirectory()
{
    static const std::string* const dir = [] {
        fs::path base = "/dev/shm";
        std::error_code ec;
        if (!fs::is_directory(base, ec)) {
            const char* tmp = std::getenv("TMPDIR");
            base = tmp != nullptr && *tmp != '\0' ? fs::path(tmp) : fs::temp_directory_path();
        }
        const fs::path d = base / ("rnnscope-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(d);
        std::atexit([] {
            std::error_code ignored;
            fs::remove_all(scratchDirectory(), ignored);
        });
        return new std::string(d.string());
    }();
    return *dir;
}

} // namespace

ScratchFile::ScratchFile(std::string_view bytes, const std::string& name)
    : m_path((fs::path(scratchDirectory()) / name).string())
{
    std::ofstream out(m_path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "fuzz: cannot write the scratch file %s\n", m_path.c_str());
        std::abort();
    }
}

ScratchFile::~ScratchFile()
{
    std::error_code ignored;
    fs::remove(m_path, ignored);
}

TwoParts splitTwoParts(std::string_view bytes)
{
    if (bytes.size() < 4) {
        return {std::string_view(), bytes};
    }
    const auto byte = [&](std::size_t i) { return std::size_t {static_cast<unsigned char>(bytes[i])}; };
    const std::size_t length = std::min(byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24, bytes.size() - 4);
    return {bytes.substr(4, length), bytes.substr(4 + length)};
}

} // namespace rnnscope::fuzz
