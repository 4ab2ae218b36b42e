#pragma once
// Command-line parsing for rnnscope-cli, kept apart from what the commands do so it can be tested alone.
// The accepted syntax is the contract in DESIGN.md ("Command line").

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/io/sequence_readers.h"
#include "core/layer_options.h"
#include "core/trace.h"

namespace rnnscope::cli {

// A malformed command line: exit status 2.
class UsageError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

struct InputArg
{
    std::string name; // from --input NAME=SPEC; empty when given by position
    std::string file; // a sequence spec: X.npy, data.csv, DIR, DIR/*.csv, data.h5:/group/x, text:FILE
};

// One call on the model: `--input`s, an optional `--mask`, `--initial-state`s. `--then` starts the next.
struct CallArgs
{
    std::vector<InputArg> inputs;
    std::optional<std::string> mask;
    std::vector<std::string> initialStates;
};

using LayerOverrides = rnnscope::LayerOverrides;

struct Arguments
{
    std::string command; // "info", "run", "convert", "help", "version"
    std::string model;
    std::optional<std::string> weights;
    std::vector<CallArgs> calls;
    std::optional<std::string> layer;
    LayerOverrides overrides;
    std::optional<std::string> outDir;
    std::optional<std::string> traceFile;
    std::optional<std::string> traceCsvDir;
    std::optional<std::string> traceNpyDir;
    // What the trace records: --trace-layers A,B and --trace-quantities input,states,gates,output.
    TraceRequest traceRequest;
    // --trace-stream[=STEPS]: write the HDF5 trace a window of STEPS steps at a time (0 = as many as fit in 64 MB).
    // The HDF5 trace is always streamed when it is the only trace output; the flag fixes the window.
    std::optional<Index> traceStreamSteps;
    std::optional<std::uint64_t> memoryBudget; // --memory-budget SIZE
    std::optional<std::string> convertOut; // convert: the output file (.keras or .h5)
    // How inputs other than .npy are read (--vocab, --tokens, --lower, --oov-id, --pad, --pad-value, --pad-side):
    // the same for every input of every call.
    io::SequenceOptions sequences;
};

// Throws UsageError with a one-line explanation.
Arguments parseArguments(const std::vector<std::string>& args);

std::string usageText();

} // namespace rnnscope::cli
