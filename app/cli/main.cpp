// rnnscope-cli: the headless twin of the debugger. Exit status 0 on success, 2 for a usage error, 3 for bad input,
// with one line "error: <file>: <what is wrong>" on stderr. Never a crash: every exception ends here.

#include <cstdlib>
#include <iostream>
#include <new>

#include "cli_args.h"
#include "commands.h"
#include "core/allocation_tuning.h"
#include "core/errors.h"
#include "core/io/file_error.h"
#include "core/memory_budget.h"

namespace {

// One line, whatever the message held.
std::string oneLine(std::string s)
{
    for (char& ch : s) {
        if (ch == '\n' || ch == '\r') {
            ch = ' ';
        }
    }
    return s;
}

// RNNSCOPE_MEMORY_BUDGET, then --memory-budget SIZE (any command) override the default budget.
void applyMemoryBudget(const std::vector<std::string>& args)
{
    using namespace rnnscope;
    if (const char* env = std::getenv("RNNSCOPE_MEMORY_BUDGET"); env != nullptr && *env != 0) {
        try {
            setMemoryBudget(parseByteSize(env));
        } catch (const std::invalid_argument& e) {
            throw cli::UsageError(std::string("RNNSCOPE_MEMORY_BUDGET: ") + e.what());
        }
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string value;
        if (args[i] == "--memory-budget" && i + 1 < args.size()) {
            value = args[i + 1];
        } else if (args[i].rfind("--memory-budget=", 0) == 0) {
            value = args[i].substr(16);
        } else {
            continue;
        }
        try {
            setMemoryBudget(parseByteSize(value));
        } catch (const std::invalid_argument& e) {
            throw cli::UsageError(std::string("--memory-budget: ") + e.what());
        }
    }
}

} // namespace

int main(int argc, char** argv)
{
    using namespace rnnscope;
    keepFreedMemoryForReuse(); // repeated runs (bench --repeat, --then calls) reuse their pages
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        applyMemoryBudget(args);
        if (!args.empty() && args[0] == "plot") {
            return cli::plotCommand(args, std::cout, std::cerr);
        }
        if (!args.empty() && args[0] == "bench") {
            return cli::benchCommand(args, std::cout, std::cerr);
        }
        const cli::Arguments parsed = cli::parseArguments(args);
        if (parsed.command == "help") {
            std::cout << cli::usageText();
            return 0;
        }
        if (parsed.command == "version") {
            std::cout << "rnnscope-cli 0.1.0\n";
            return 0;
        }
        if (parsed.command == "info") {
            return cli::infoCommand(parsed, std::cout, std::cerr);
        }
        if (parsed.command == "convert") {
            return cli::convertCommand(parsed, std::cout, std::cerr);
        }
        return cli::runCommand(parsed, std::cout, std::cerr);
    } catch (const cli::UsageError& e) {
        std::cerr << "error: " << oneLine(e.what()) << "\n" << cli::usageText();
        return 2;
    } catch (const io::FileError& e) {
        std::cerr << "error: " << oneLine(e.what()) << "\n";
        return 3;
    } catch (const ModelError& e) {
        std::cerr << "error: " << (args.size() > 1 ? args[1] + ": " : std::string()) << oneLine(e.what()) << "\n";
        return 3;
    } catch (const std::bad_alloc&) {
        std::cerr << "error: out of memory\n";
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "error: " << oneLine(e.what()) << "\n";
        return 3;
    }
}
