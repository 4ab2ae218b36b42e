#pragma once
// The tokenizer of the commands that parse their own options (plot, bench): every option takes a value, as
// "--flag value" or "--flag=value"; anything not starting with "--" is positional; --help / -h stops the parse.

#include <string>
#include <utility>
#include <vector>

namespace rnnscope::cli {

struct FlagArgs
{
    bool help = false;
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> flags; // in command-line order
};

// `args[0]` is the command and is skipped. A flag without a value throws UsageError("<flag> needs a value").
// With `dashedValues` false, a following argument that starts with "--" is not taken as a value.
FlagArgs splitFlagArgs(const std::vector<std::string>& args, bool dashedValues);

} // namespace rnnscope::cli
