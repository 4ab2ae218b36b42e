#include "flag_args.h"

#include "cli_args.h"

namespace rnnscope::cli {

FlagArgs splitFlagArgs(const std::vector<std::string>& args, bool dashedValues)
{
    FlagArgs out;
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string flag = args[i];
        if (flag == "--help" || flag == "-h") {
            out.help = true;
            return out;
        }
        if (flag.rfind("--", 0) != 0) {
            out.positional.push_back(flag);
            continue;
        }
        std::string value;
        if (const auto eq = flag.find('='); eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
        } else if (i + 1 < args.size() && (dashedValues || args[i + 1].rfind("--", 0) != 0)) {
            value = args[++i];
        } else {
            throw UsageError(flag + " needs a value");
        }
        out.flags.emplace_back(std::move(flag), std::move(value));
    }
    return out;
}

} // namespace rnnscope::cli
