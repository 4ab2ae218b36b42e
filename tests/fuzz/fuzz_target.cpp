// The libFuzzer entry point of every fuzz target: built once per reader, with RNNSCOPE_FUZZ_TARGET naming it
// ("npy", "h5_model", ...; tests/fuzz/CMakeLists.txt). How each reader is fed is in fuzz_feeds.h.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_feeds.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const std::string target = RNNSCOPE_FUZZ_TARGET;
    static const bool verbose = std::getenv("RNNSCOPE_FUZZ_VERBOSE") != nullptr; // to see why inputs are refused
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (const rnnscope::fuzz::Refusal& refusal : rnnscope::fuzz::feedTarget(target, bytes)) {
        if (verbose) {
            std::fprintf(stderr, "refused: %s\n", refusal.message.c_str());
        }
        // Users must be told which file is wrong: a refusal that names none is a finding too.
        if (!refusal.namesAFile()) {
            std::fprintf(stderr, "fuzz: FileError naming none of the files given: %s\n", refusal.message.c_str());
            std::abort();
        }
    }
    return 0;
}
