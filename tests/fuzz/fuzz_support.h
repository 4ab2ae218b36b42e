#pragma once
// What the fuzz feeds share: the fuzz input as a file on disk (most readers take a path, as users give them one),
// and inputs split in two parts for readers that take two files.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rnnscope::fuzz {

// A file holding fuzz bytes, under a directory private to this process (in /dev/shm when it exists: no disk
// traffic). Named `name` so readers see a realistic file name. Removed when destroyed.
class ScratchFile
{
public:
    ScratchFile(std::string_view bytes, const std::string& name);
    ~ScratchFile();
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;

    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

// Inputs for readers that take two files (a config and its weights, a vocabulary and a text): a 4-byte
// little-endian length N, then N bytes of the first part, then the second part. Inputs shorter than 4 bytes are all
// second part; a length past the end is cut to the end. tests/fuzz/make_seeds.sh writes seeds in this form.
struct TwoParts
{
    std::string_view first;
    std::string_view second;
};
TwoParts splitTwoParts(std::string_view bytes);

} // namespace rnnscope::fuzz
