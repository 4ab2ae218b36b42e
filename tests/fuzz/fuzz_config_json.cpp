// libFuzzer target: model config JSON (see fuzz_feeds.h for what it covers).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz_feeds.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const bool verbose = std::getenv("RNNSCOPE_FUZZ_VERBOSE") != nullptr; // to see why inputs are refused
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (const rnnscope::fuzz::Refusal& refusal : rnnscope::fuzz::feedConfigJson(bytes)) {
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
