#include "cli_args.h"

namespace rnnscope::cli {

namespace {

bool parseSwitch(const std::string& flag, const std::string& value)
{
    if (value == "on" || value == "true" || value == "1") {
        return true;
    }
    if (value == "off" || value == "false" || value == "0") {
        return false;
    }
    throw UsageError(flag + " takes on or off, not '" + value + "'");
}

} // namespace

std::string usageText()
{
    return "usage:\n"
           "  rnnscope-cli info MODEL [--weights W.h5]\n"
           "  rnnscope-cli run MODEL [--weights W.h5] --input X.npy [--input [NAME=]X2.npy ...] [--mask M.npy]\n"
           "               [--initial-state S.npy ...] [--then --input X.npy ...]\n"
           "               [--layer NAME] [--return-sequences=on|off] [--return-state=on|off]\n"
           "               [--go-backwards=on|off] [--stateful=on|off] [--zero-output-for-mask=on|off]\n"
           "               [--time-major=on|off] [--unroll=on|off]\n"
           "               --out DIR [--trace TRACE.h5] [--trace-csv DIR] [--trace-npy DIR]\n"
           "MODEL is a legacy Keras .h5 model, or a model config .json with --weights; the format is read from\n"
           "the file's content. Exit status: 0 success, 2 usage error, 3 bad input.\n";
}

Arguments parseArguments(const std::vector<std::string>& args)
{
    Arguments a;
    if (args.empty()) {
        throw UsageError("no command given (expected info or run)");
    }
    a.command = args[0];
    if (a.command == "help" || a.command == "--help" || a.command == "-h") {
        a.command = "help";
        return a;
    }
    if (a.command == "version" || a.command == "--version") {
        a.command = "version";
        return a;
    }
    if (a.command != "info" && a.command != "run") {
        throw UsageError("unknown command '" + a.command + "' (expected info or run)");
    }
    a.calls.emplace_back();
    std::vector<std::string> positional;
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> value;
        if (flag.rfind("--", 0) == 0) {
            if (const auto eq = flag.find('='); eq != std::string::npos) {
                value = flag.substr(eq + 1);
                flag = flag.substr(0, eq);
            }
        } else {
            positional.push_back(flag);
            continue;
        }
        auto next = [&]() -> std::string {
            if (value) {
                return *value;
            }
            if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
                throw UsageError(flag + " needs a value");
            }
            return args[++i];
        };
        if (flag == "--input") {
            // --input X.npy, --input NAME=X.npy, --input=X.npy
            const std::string v = next();
            InputArg in;
            if (const auto eq = v.find('='); eq != std::string::npos && eq > 0) {
                in.name = v.substr(0, eq);
                in.file = v.substr(eq + 1);
            } else {
                in.file = v;
            }
            if (in.file.empty()) {
                throw UsageError("--input needs a file");
            }
            a.calls.back().inputs.push_back(in);
        } else if (flag == "--mask") {
            if (a.calls.back().mask) {
                throw UsageError("--mask given twice for one call");
            }
            a.calls.back().mask = next();
        } else if (flag == "--initial-state") {
            a.calls.back().initialStates.push_back(next());
        } else if (flag == "--then") {
            if (value) {
                throw UsageError("--then takes no value");
            }
            a.calls.emplace_back();
        } else if (flag == "--weights") {
            a.weights = next();
        } else if (flag == "--layer") {
            a.layer = next();
        } else if (flag == "--out") {
            a.outDir = next();
        } else if (flag == "--trace") {
            a.traceFile = next();
        } else if (flag == "--trace-csv") {
            a.traceCsvDir = next();
        } else if (flag == "--trace-npy") {
            a.traceNpyDir = next();
        } else if (flag == "--return-sequences") {
            a.overrides.returnSequences = parseSwitch(flag, next());
        } else if (flag == "--return-state") {
            a.overrides.returnState = parseSwitch(flag, next());
        } else if (flag == "--go-backwards") {
            a.overrides.goBackwards = parseSwitch(flag, next());
        } else if (flag == "--stateful") {
            a.overrides.stateful = parseSwitch(flag, next());
        } else if (flag == "--zero-output-for-mask") {
            a.overrides.zeroOutputForMask = parseSwitch(flag, next());
        } else if (flag == "--time-major") {
            a.overrides.timeMajor = parseSwitch(flag, next());
        } else if (flag == "--unroll") {
            a.overrides.unroll = parseSwitch(flag, next());
        } else {
            throw UsageError("unknown option '" + flag + "'");
        }
    }
    if (positional.size() != 1) {
        throw UsageError(positional.empty() ? "no MODEL given" : "unexpected argument '" + positional[1] + "'");
    }
    a.model = positional[0];
    if (a.command == "info") {
        if (a.calls.size() > 1 || !a.calls[0].inputs.empty() || a.calls[0].mask || a.outDir || a.traceFile) {
            throw UsageError("info takes only MODEL and --weights");
        }
        a.calls.clear();
        return a;
    }
    for (std::size_t c = 0; c < a.calls.size(); ++c) {
        if (a.calls[c].inputs.empty()) {
            throw UsageError(c == 0 ? std::string("run needs --input") : "--then must be followed by --input");
        }
    }
    if (!a.outDir) {
        throw UsageError("run needs --out DIR");
    }
    return a;
}

} // namespace rnnscope::cli
