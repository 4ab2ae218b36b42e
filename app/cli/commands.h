#pragma once
// The rnnscope-cli commands. Each returns the exit status; errors are thrown (UsageError -> 2, FileError and
// ModelError -> 3) and turned into the one-line "error: <file>: <what>" by main().

#include <iosfwd>

#include "cli_args.h"

namespace rnnscope::cli {

int infoCommand(const Arguments& args, std::ostream& out, std::ostream& warnings);
int runCommand(const Arguments& args, std::ostream& out, std::ostream& warnings);

} // namespace rnnscope::cli
