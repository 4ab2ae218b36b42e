#include "cli_args.h"

#include <charconv>
#include <cmath>

#include "core/io/keras_model_writer.h"
#include "core/memory_budget.h"

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

// --input NAME=SPEC names a model input only when NAME could not be part of a path, so `data.h5:/x=1`,
// `./a=b.csv` and `C:\a=b.csv` stay specs.
bool isInputName(const std::string& name)
{
    return !name.empty() && name.find_first_of("/\\:.") == std::string::npos;
}

std::int64_t parseOovId(const std::string& value)
{
    std::int64_t id = -1;
    const char* end = value.data() + value.size();
    auto [ptr, ec] = std::from_chars(value.data(), end, id);
    if (value.empty() || ec != std::errc() || ptr != end || id < 0 || id > (std::int64_t {1} << 24)) {
        throw UsageError("--oov-id takes a whole number from 0 to 16777216, not '" + value + "'");
    }
    return id;
}

float parsePadValue(const std::string& value)
{
    float v = 0;
    const std::string_view text = !value.empty() && value.front() == '+' ? std::string_view(value).substr(1) : value;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end) {
        throw UsageError("--pad-value takes a number, not '" + value + "'");
    }
    return v;
}

// "a,b,c" -> {"a","b","c"}; empty items are an error.
std::vector<std::string> splitList(const std::string& flag, const std::string& text)
{
    std::vector<std::string> items;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item.empty()) {
            throw UsageError(flag + " takes a comma-separated list of names, not '" + text + "'");
        }
        items.push_back(std::move(item));
        if (comma == std::string::npos) {
            return items;
        }
        start = comma + 1;
    }
}

void setQuantities(TraceRequest& request, const std::string& text)
{
    request.inputs = request.states = request.gates = request.outputs = false;
    for (const auto& q : splitList("--trace-quantities", text)) {
        if (q == "input" || q == "inputs") {
            request.inputs = true;
        } else if (q == "states") {
            request.states = true;
        } else if (q == "gates") {
            request.gates = true;
        } else if (q == "output" || q == "outputs") {
            request.outputs = true;
        } else {
            throw UsageError("--trace-quantities takes input, states, gates and output, not '" + q + "'");
        }
    }
}

Index parseWindow(const std::string& text)
{
    Index steps = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), steps);
    if (ec != std::errc() || p != text.data() + text.size() || steps < 1) {
        throw UsageError("--trace-stream=STEPS takes a number of steps >= 1, not '" + text + "'");
    }
    return steps;
}

std::uint64_t parseBudget(const std::string& text)
{
    try {
        return parseByteSize(text);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--memory-budget: ") + e.what());
    }
}

// convert MODEL OUT [--weights W]: nothing else, and OUT's extension picks the format.
Arguments finishConvert(Arguments& a, const std::vector<std::string>& positional, bool noSequenceFlags)
{
    if (positional.size() != 2) {
        throw UsageError(
            positional.size() < 2 ? "convert needs MODEL and OUT" : "unexpected argument '" + positional[2] + "'");
    }
    if (a.calls.size() > 1 || !a.calls[0].inputs.empty() || a.calls[0].mask || !a.calls[0].initialStates.empty()
        || a.outDir || a.traceFile || a.traceCsvDir || a.traceNpyDir || a.layer || a.overrides.any()
        || !a.traceRequest.everything() || a.traceStreamSteps || !noSequenceFlags) {
        throw UsageError("convert takes only MODEL, OUT and --weights");
    }
    a.model = positional[0];
    a.convertOut = positional[1];
    if (!io::isSupportedModelOutput(*a.convertOut)) {
        throw UsageError("convert writes .keras (Keras 3) or .h5 (legacy Keras 2) files, not '" + *a.convertOut + "'");
    }
    a.calls.clear();
    return a;
}

} // namespace

std::string usageText()
{
    return "usage:\n"
           "  rnnscope-cli info MODEL [--weights W.h5]\n"
           "  rnnscope-cli run MODEL [--weights W.h5] --input X [--input [NAME=]X2 ...] [--mask M.npy]\n"
           "               [--initial-state S.npy ...] [--then --input X ...]\n"
           "               [--layer NAME] [--return-sequences=on|off] [--return-state=on|off]\n"
           "               [--go-backwards=on|off] [--stateful=on|off] [--zero-output-for-mask=on|off]\n"
           "               [--time-major=on|off] [--unroll=on|off]\n"
           "               [--vocab VOCAB.json] [--tokens chars|words] [--lower] [--oov-id N]\n"
           "               [--pad] [--pad-value V] [--pad-side pre|post]\n"
           "               --out DIR [--trace TRACE.h5] [--trace-csv DIR] [--trace-npy DIR]\n"
           "               [--trace-layers L1,L2] [--trace-quantities input,states,gates,output]\n"
           "               [--trace-stream[=STEPS]] [--memory-budget SIZE]\n"
           "  rnnscope-cli convert MODEL OUT.keras|OUT.h5 [--weights W.h5]\n"
           "               saves MODEL as a Keras 3 .keras archive or a legacy Keras 2 .h5 model\n"
           "  rnnscope-cli plot TRACE.h5 --layer L --quantity Q --out FIG.svg|FIG.png|FIG.pdf\n"
           "               [--kind heatmap|lines|samples] [--sample N] [--units 0,3,5]\n"
           "               [--direction forward|backward] [--cell K] [--width 1200] [--height 700] [--dpi 150]\n"
           "               [--title TEXT]\n"
           "               draws one view of a trace written by run --trace. Q is a state (h, c), a gate (i f c o;\n"
           "               z r hh), output or input; a name that is both a state and a gate (LSTM's c) is the\n"
           "               state: write gate:c for the gate (state:NAME is accepted too)\n"
           "  rnnscope-cli bench --cell lstm|gru|simple_rnn [--layers N] --batch B --steps T --features F\n"
           "               --units U [--seed S] [--trace on|off] [--threads N] [--repeat N] [--warmup N]\n"
           "  rnnscope-cli bench MODEL --input X [--input X2 ...] [--weights W.h5] [--trace on|off]\n"
           "               [--threads N] [--repeat N] [--warmup N]\n"
           "               times the engine's forward pass (model.predict, the full trace recorded unless\n"
           "               --trace off) on N layers (default 1) with return_sequences, Keras's default\n"
           "               activations and initializers drawn from seed S (GRU: reset_after=True), or on MODEL\n"
           "               with X (read as run reads it). After --warmup passes (default 1) it prints one line\n"
           "               per --repeat pass (default 5), then: median_ms=... min_ms=... gflops=..., where\n"
           "               gflops = sum over recurrent layers of 2*B*T*(F_in*G*U + U*G*U) / median time\n"
           "               (G gates: LSTM 4, GRU 3, SimpleRNN 1; F_in the layer's input width).\n"
           "               --threads N sets RNNSCOPE_THREADS=N, honoured when the engine runs threaded\n"
           "The trace records every recurrent layer's input, states, gates and output unless --trace-layers or\n"
           "--trace-quantities narrow it. The HDF5 trace is written while the model runs, STEPS steps at a time\n"
           "(default: as many as fit in 64 MB), so a trace larger than memory is never held whole; --trace-csv and\n"
           "--trace-npy need the whole trace in memory. --memory-budget SIZE (512M, 2G; also the environment\n"
           "variable RNNSCOPE_MEMORY_BUDGET; default 3/4 of physical memory) is checked before every large\n"
           "allocation: a run that would exceed it stops with an error saying what needed how much.\n"
           "MODEL is a legacy Keras .h5 model, or a model config .json with --weights; the format is read from\n"
           "the file's content. Exit status: 0 success, 2 usage error, 3 bad input.\n"
           "An input X is one of:\n"
           "  X.npy              float [B,T,F], or integer ids [B,T] for an Embedding\n"
           "  data.csv           one sample: rows are timesteps, columns features (header optional; ',' ';' tab\n"
           "                     or spaces; '#' comments), or a long table with a header naming a `sample` and a\n"
           "                     `step` (or `time`, `t`) column, rows in any order\n"
           "  DIR, DIR/*.csv     one CSV file per sample, in name order (s2 before s10)\n"
           "  data.h5:/group/x   an HDF5 dataset [B,T,F] or [B,T]\n"
           "  text:FILE          one sequence per line, tokens turned into ids by --vocab (a JSON token -> id\n"
           "                     object such as Tokenizer.word_index); --tokens words (default, split at\n"
           "                     whitespace) or chars (every character, spaces too); --lower lowercases first;\n"
           "                     unknown tokens are an error unless --oov-id N. Lines are padded to the longest\n"
           "                     with --pad-value (default 0) at the front, as Keras pad_sequences does by\n"
           "                     default (padding='pre'); --pad-side post pads at the end.\n"
           "CSV samples of different lengths, and missing rows of a long table, are an error unless --pad (or\n"
           "--pad-value V) is given: then they are padded at the end (--pad-side pre: at the front) and masked,\n"
           "and the mask is passed with the input unless --mask is given.\n";
}

Arguments parseArguments(const std::vector<std::string>& args)
{
    Arguments a;
    if (args.empty()) {
        throw UsageError("no command given (expected info, run, convert, plot or bench)");
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
    if (a.command != "info" && a.command != "run" && a.command != "convert") {
        throw UsageError("unknown command '" + a.command + "' (expected info, run or convert)");
    }
    a.calls.emplace_back();
    std::vector<std::string> positional;
    std::string textFlag; // the last flag given that only text:FILE inputs use
    std::string padFlag;
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
            if (const auto eq = v.find('='); eq != std::string::npos && isInputName(v.substr(0, eq))) {
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
        } else if (flag == "--trace-layers") {
            a.traceRequest.layers = splitList(flag, next());
        } else if (flag == "--trace-quantities") {
            setQuantities(a.traceRequest, next());
        } else if (flag == "--trace-stream") {
            a.traceStreamSteps = value ? parseWindow(*value) : Index {0};
        } else if (flag == "--memory-budget") {
            a.memoryBudget = parseBudget(next());
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
        } else if (flag == "--vocab") {
            a.sequences.vocabFile = next();
            textFlag = flag;
        } else if (flag == "--tokens") {
            const std::string v = next();
            if (v != "chars" && v != "words") {
                throw UsageError("--tokens takes chars or words, not '" + v + "'");
            }
            a.sequences.tokens = v == "chars" ? io::TokenMode::Chars : io::TokenMode::Words;
            textFlag = flag;
        } else if (flag == "--lower") {
            // A switch: `--lower` alone must not swallow the next argument.
            a.sequences.lower = value ? parseSwitch(flag, *value) : true;
            textFlag = flag;
        } else if (flag == "--oov-id") {
            a.sequences.oovId = parseOovId(next());
            textFlag = flag;
        } else if (flag == "--pad") {
            a.sequences.pad = value ? parseSwitch(flag, *value) : true;
            padFlag = flag;
        } else if (flag == "--pad-value") {
            a.sequences.padValue = parsePadValue(next());
            a.sequences.pad = true;
            padFlag = flag;
        } else if (flag == "--pad-side") {
            const std::string v = next();
            if (v != "pre" && v != "post") {
                throw UsageError("--pad-side takes pre or post, not '" + v + "'");
            }
            a.sequences.padSide = v == "pre" ? io::PadSide::Pre : io::PadSide::Post;
            padFlag = flag;
        } else {
            throw UsageError("unknown option '" + flag + "'");
        }
    }
    if (a.command == "convert") {
        return finishConvert(a, positional, textFlag.empty() && padFlag.empty());
    }
    if (positional.size() != 1) {
        throw UsageError(positional.empty() ? "no MODEL given" : "unexpected argument '" + positional[1] + "'");
    }
    a.model = positional[0];
    if (a.command == "info") {
        if (a.calls.size() > 1 || !a.calls[0].inputs.empty() || a.calls[0].mask || a.outDir || a.traceFile
            || !textFlag.empty() || !padFlag.empty()) {
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
    const bool anyTrace = a.traceFile || a.traceCsvDir || a.traceNpyDir;
    if (!anyTrace && (!a.traceRequest.everything() || a.traceStreamSteps)) {
        throw UsageError("--trace-layers, --trace-quantities and --trace-stream need a trace (--trace, --trace-csv or "
                         "--trace-npy)");
    }
    if (a.traceStreamSteps && (!a.traceFile || a.traceCsvDir || a.traceNpyDir)) {
        throw UsageError("--trace-stream streams the HDF5 trace (--trace); --trace-csv and --trace-npy need the whole "
                         "trace in memory");
    }
    // Text flags with no text input, or text without a vocabulary, are mistakes worth stopping for.
    bool text = false;
    for (const auto& c : a.calls) {
        for (const auto& in : c.inputs) {
            text = text || in.file.rfind("text:", 0) == 0;
        }
    }
    if (text && !a.sequences.vocabFile) {
        throw UsageError("text:FILE inputs need --vocab VOCAB.json (a JSON object mapping tokens to ids)");
    }
    if (!text && !textFlag.empty()) {
        throw UsageError(textFlag + " applies to text:FILE inputs, and no --input is one");
    }
    return a;
}

} // namespace rnnscope::cli
