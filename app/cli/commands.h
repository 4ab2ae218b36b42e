#pragma once
// The rnnscope-cli commands. Each returns the exit status; errors are thrown (UsageError -> 2, FileError and
// ModelError -> 3) and turned into the one-line "error: <file>: <what>" by main().

#include <iosfwd>
#include <string>
#include <vector>

#include "cli_args.h"

namespace rnnscope::cli {

int infoCommand(const Arguments& args, std::ostream& out, std::ostream& warnings);
int runCommand(const Arguments& args, std::ostream& out, std::ostream& warnings);
// Loads MODEL (any form loadModel opens) and saves it as args.convertOut (.keras or .h5).
int convertCommand(const Arguments& args, std::ostream& out, std::ostream& warnings);
// plot TRACE.h5 --layer L --quantity Q --out FIG.svg|png|pdf [...]: parses its own arguments (args[0] == "plot")
// and is the only command that uses Qt (app/cli/plot_command.cpp).
int plotCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// bench (--cell lstm|gru|simple_rnn ... | MODEL --input X ...): times the engine's forward pass; parses its own
// arguments (args[0] == "bench") (app/cli/bench_command.cpp).
int benchCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace rnnscope::cli
