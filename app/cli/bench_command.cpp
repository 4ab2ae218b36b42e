// rnnscope-cli bench: the wall time of the engine's forward pass (Model::predict, with the full trace recorded unless
// --trace off), on a synthetic stack of recurrent layers or on a real model with real input. One line per repetition,
// then exactly one summary line "median_ms=... min_ms=... gflops=...", where gflops counts the recurrent layers'
// multiply-adds only: 2*B*T*(F_in*G*U + U*G*U) per layer (G gates: LSTM 4, GRU 3, SimpleRNN 1), over the median.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli_args.h"
#include "commands.h"
#include "core/bidirectional.h"
#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/simple_rnn_cell.h"
#include "core/engine_threads.h"
#include "core/errors.h"
#include "core/initializers.h"
#include "core/io/file_error.h"
#include "core/io/model_loader.h"
#include "core/io/sequence_readers.h"
#include "core/layers/basic_layers.h"
#include "core/model.h"
#include "core/rnn_layer.h"
#include "flag_args.h"

namespace rnnscope::cli {

namespace {

// Each synthetic dimension, and the largest [B, T, width] block a synthetic run may allocate (the same 2^28 float
// limit the sequence readers apply): a typo must not make the benchmark allocate the machine away.
constexpr std::int64_t kMaxDimension = std::int64_t {1} << 24;
constexpr std::int64_t kMaxBlock = std::int64_t {1} << 28;

struct BenchArgs
{
    bool help = false;
    // The MODEL form.
    std::optional<std::string> model;
    std::optional<std::string> weights;
    std::vector<std::string> inputs;
    // The synthetic form.
    std::string cell;
    std::int64_t layers = 1;
    std::optional<std::int64_t> batch;
    std::optional<std::int64_t> steps;
    std::optional<std::int64_t> features;
    std::optional<std::int64_t> units;
    std::uint64_t seed = 1;
    // Both.
    bool trace = true;
    std::optional<std::int64_t> threads;
    std::int64_t repeat = 5;
    std::int64_t warmup = 1;
};

std::string quoted(const std::string& s)
{
    return "'" + s + "'";
}

std::int64_t parseCount(const std::string& flag, const std::string& text, std::int64_t min, std::int64_t max)
{
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || p != end) {
        throw UsageError(flag + " takes a whole number, not " + quoted(text));
    }
    if (value < min || value > max) {
        throw UsageError(flag + " " + text + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    }
    return value;
}

bool parseOnOff(const std::string& flag, const std::string& value)
{
    if (value == "on" || value == "true" || value == "1") {
        return true;
    }
    if (value == "off" || value == "false" || value == "0") {
        return false;
    }
    throw UsageError(flag + " takes on or off, not " + quoted(value));
}

BenchArgs parseBenchArgs(const std::vector<std::string>& args)
{
    BenchArgs a;
    std::vector<std::string> positional;
    std::vector<std::string> syntheticFlags;
    const FlagArgs split = splitFlagArgs(args, false);
    if (split.help) {
        a.help = true;
        return a;
    }
    positional = split.positional;
    for (const auto& [flag, value] : split.flags) {
        if (flag == "--cell") {
            if (value != "lstm" && value != "gru" && value != "simple_rnn") {
                throw UsageError("--cell is lstm, gru or simple_rnn, not " + quoted(value));
            }
            a.cell = value;
            syntheticFlags.push_back(flag);
        } else if (flag == "--layers") {
            a.layers = parseCount(flag, value, 1, 1024);
            syntheticFlags.push_back(flag);
        } else if (flag == "--batch") {
            a.batch = parseCount(flag, value, 1, kMaxDimension);
            syntheticFlags.push_back(flag);
        } else if (flag == "--steps") {
            a.steps = parseCount(flag, value, 1, kMaxDimension);
            syntheticFlags.push_back(flag);
        } else if (flag == "--features") {
            a.features = parseCount(flag, value, 1, kMaxDimension);
            syntheticFlags.push_back(flag);
        } else if (flag == "--units") {
            a.units = parseCount(flag, value, 1, kMaxDimension);
            syntheticFlags.push_back(flag);
        } else if (flag == "--seed") {
            a.seed = static_cast<std::uint64_t>(parseCount(flag, value, 0, std::int64_t {1} << 62));
            syntheticFlags.push_back(flag);
        } else if (flag == "--input") {
            if (value.empty()) {
                throw UsageError("--input needs a file");
            }
            a.inputs.push_back(value);
        } else if (flag == "--weights") {
            a.weights = value;
        } else if (flag == "--trace") {
            a.trace = parseOnOff(flag, value);
        } else if (flag == "--threads") {
            a.threads = parseCount(flag, value, 1, 1024);
        } else if (flag == "--repeat") {
            a.repeat = parseCount(flag, value, 1, 100000);
        } else if (flag == "--warmup") {
            a.warmup = parseCount(flag, value, 0, 100000);
        } else {
            throw UsageError("unknown option " + quoted(flag) + " for bench");
        }
    }
    if (positional.size() > 1) {
        throw UsageError("unexpected argument " + quoted(positional[1]));
    }
    if (positional.size() == 1) {
        a.model = positional[0];
        if (!syntheticFlags.empty()) {
            throw UsageError("bench MODEL takes no " + syntheticFlags.front() + ": that is for the synthetic form");
        }
        if (a.inputs.empty()) {
            throw UsageError("bench MODEL needs --input X.npy (one per model input)");
        }
        return a;
    }
    if (!a.inputs.empty() || a.weights) {
        throw UsageError(std::string(a.inputs.empty() ? "--weights" : "--input") + " needs a MODEL");
    }
    if (a.cell.empty()) {
        throw UsageError("bench needs a MODEL, or --cell lstm|gru|simple_rnn for a synthetic model");
    }
    for (const auto& [value, flag] :
        {std::pair {&a.batch, "--batch"}, {&a.steps, "--steps"}, {&a.features, "--features"}, {&a.units, "--units"}}) {
        if (!*value) {
            throw UsageError(std::string("bench --cell needs ") + flag);
        }
    }
    const std::int64_t bt = *a.batch * *a.steps; // both <= 2^24: no overflow
    if (bt > kMaxBlock / *a.features || bt > kMaxBlock / *a.units) {
        throw UsageError("--batch x --steps x --features (or --units) exceeds 2^28 values: too large to bench");
    }
    return a;
}

// A synthetic stack as Keras would build it: Input [B, T, F], then `layers` recurrent layers of `units` units, each
// with return_sequences=True, Keras's default activations (GRU: reset_after=True, Keras 3's default) and Keras's
// default initializers drawn from `seed`.
std::unique_ptr<Model> syntheticModel(const BenchArgs& a)
{
    const Index batch = *a.batch;
    const Index steps = *a.steps;
    const Index units = *a.units;
    auto model = std::make_unique<Model>("bench_" + a.cell, "Sequential");
    model->setKerasVersion("3.0.0", 3);
    Layer& input = model->addLayer(std::make_unique<InputLayer>("input", Shape {batch, steps, *a.features}));
    std::size_t node = model->addInputNode(input, {batch, steps, *a.features}, false);
    Index inputSize = *a.features;
    const Activation tanh(ActivationKind::Tanh);
    const Activation sigmoid(ActivationKind::Sigmoid);
    for (std::int64_t l = 0; l < a.layers; ++l) {
        std::unique_ptr<RnnCell> cell;
        std::string className;
        if (a.cell == "lstm") {
            cell = std::make_unique<LstmCell>(inputSize, units, tanh, sigmoid, true);
            className = "LSTM";
        } else if (a.cell == "gru") {
            cell = std::make_unique<GruCell>(inputSize, units, tanh, sigmoid, true, true);
            className = "GRU";
        } else {
            cell = std::make_unique<SimpleRnnCell>(inputSize, units, tanh, true);
            className = "SimpleRNN";
        }
        RnnOptions options;
        options.returnSequences = true;
        std::string name = a.cell + (l == 0 ? std::string() : "_" + std::to_string(l));
        Layer& layer = model->addLayer(std::make_unique<RnnLayer>(name, className, std::move(cell), options));
        node = model->addNode(layer, {{node, 0}});
        inputSize = units;
    }
    model->addOutput({node, 0}, model->layers().back()->name());
    model->finalize();
    initializeModelWeights(*model, {}, a.seed);
    return model;
}

Tensor syntheticInput(const BenchArgs& a)
{
    Tensor x({*a.batch, *a.steps, *a.features});
    // A cheap deterministic pattern in [-1, 1]: the values do not change the work done.
    std::uint32_t state = 2463534242U;
    for (float& v : x.values()) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        v = static_cast<float>(state >> 8) / static_cast<float>(1U << 23) - 1.0F;
    }
    return x;
}

// Multiply-add FLOPs of one leaf cell over batch x steps: 2*B*T*(F_in*G*U + U*G*U), read off its kernels.
double cellFlops(const RnnCell& cell, double batch, double steps)
{
    double flops = 0.0;
    for (const RnnCell* leaf : cell.leafCells()) {
        if (const auto* p = dynamic_cast<const ProjectedCell*>(leaf)) {
            const auto in = static_cast<double>(p->kernel().rows());
            const auto gu = static_cast<double>(p->kernel().cols());
            const auto u = static_cast<double>(p->recurrentKernel().rows());
            flops += 2.0 * batch * steps * (in * gu + u * gu);
        }
    }
    return flops;
}

// The recurrent layers' FLOPs for one pass with `batch` samples; a layer's steps are its input's time dimension
// (the model input's when only known at run time).
double modelFlops(const Model& model, Index batch, Index runSteps)
{
    double flops = 0.0;
    const auto& nodes = model.nodes();
    for (const auto& node : nodes) {
        if (node.layer == nullptr || !node.layer->isRecurrent() || node.inputs.empty()) {
            continue;
        }
        const Shape& shape = model.nodeShapes().at(node.inputs.front().node).at(node.inputs.front().index);
        const Index steps = shape.size() >= 2 && shape[1] > 0 ? shape[1] : runSteps;
        std::vector<const RnnLayer*> rnns;
        if (const auto* bi = dynamic_cast<const BidirectionalLayer*>(node.layer)) {
            rnns = {&bi->forward(), &bi->backward()};
        } else if (const auto* rnn = dynamic_cast<const RnnLayer*>(node.layer)) {
            rnns = {rnn};
        }
        for (const RnnLayer* rnn : rnns) {
            const Index t = rnn->options().timeMajor && shape.size() >= 2 && shape[0] > 0 ? shape[0] : steps;
            flops += cellFlops(rnn->cell(), static_cast<double>(batch), static_cast<double>(t));
        }
    }
    return flops;
}

// The model's inputs, read with the readers `run` uses, in the model's input order and checked against its shapes.
std::vector<Tensor> readModelInputs(
    const BenchArgs& a, const Model& model, std::vector<std::optional<Mask>>& masks, std::ostream& warnings)
{
    const auto& specs = model.inputs();
    if (a.inputs.size() != specs.size()) {
        throw UsageError("the model takes " + std::to_string(specs.size()) + " input(s) but "
            + std::to_string(a.inputs.size()) + " --input file(s) were given");
    }
    std::vector<Tensor> tensors;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        io::SequenceData data = io::readSequences(a.inputs[i]);
        const Shape& want = specs[i].shape;
        bool fits = data.values.rank() == static_cast<Index>(want.size());
        for (std::size_t d = 0; fits && d < want.size(); ++d) {
            fits = want[d] < 0 || want[d] == data.values.shape()[d];
        }
        if (!fits) {
            throw io::FileError(a.inputs[i],
                "has shape " + shapeToString(data.values.shape()) + ", but model input '" + specs[i].name + "' expects "
                    + shapeToString(want));
        }
        if (data.format != io::SequenceFormat::Npy) {
            warnings << "note: input '" << specs[i].name << "': " << a.inputs[i] << ": " << data.description << "\n";
        }
        masks.push_back(std::move(data.mask));
        tensors.push_back(std::move(data.values));
    }
    return tensors;
}

std::string fixed(double value, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::string general(double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

} // namespace

int benchCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    const BenchArgs a = parseBenchArgs(args);
    if (a.help) {
        out << usageText();
        return 0;
    }
    if (a.threads) {
        // Read by the engine when it runs threaded; set before any model exists so it applies to every run.
        ::setenv("RNNSCOPE_THREADS", std::to_string(*a.threads).c_str(), 1);
    }

    std::unique_ptr<Model> model;
    std::vector<Tensor> inputs;
    std::vector<std::optional<Mask>> masks;
    std::string what;
    if (a.model) {
        io::LoadedModel loaded = io::loadModel(*a.model, a.weights);
        for (const auto& w : loaded.warnings) {
            err << "warning: " << w << "\n";
        }
        model = std::move(loaded.model);
        inputs = readModelInputs(a, *model, masks, err);
        what = *a.model;
    } else {
        try {
            model = syntheticModel(a);
        } catch (const ModelError& e) {
            throw UsageError(std::string("cannot build the synthetic model: ") + e.what());
        }
        inputs.push_back(syntheticInput(a));
        masks.emplace_back();
        what = std::to_string(a.layers) + " x " + model->layers().back()->className() + "(" + std::to_string(*a.units)
            + ", return_sequences=True)";
    }
    const Tensor& x0 = inputs.front();
    const Index batch = x0.rank() >= 1 ? x0.dim(0) : 1;
    const Index steps = x0.rank() >= 2 ? x0.dim(1) : 1;
    const double flops = modelFlops(*model, batch, steps);
    std::vector<const Mask*> maskPointers;
    for (const auto& m : masks) {
        maskPointers.push_back(m ? &*m : nullptr);
    }

    out << "bench: " << what << ", input " << shapeToString(x0.shape()) << ", trace " << (a.trace ? "on" : "off")
        << ", " << general(flops * 1e-9) << " GFLOP per pass, threads=" << engineThreads() << "\n";
    out.flush();

    // One forward pass, as the debugger makes it: a fresh trace (when recorded) filled by Model::predict.
    auto pass = [&]() {
        ModelTrace trace;
        CallContext context;
        context.trace = a.trace ? &trace : nullptr;
        const auto start = std::chrono::steady_clock::now();
        try {
            model->predict(inputs, maskPointers, context);
        } catch (const ModelError& e) {
            throw io::FileError(a.model.value_or("bench"), e.what());
        }
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    };
    for (std::int64_t w = 0; w < a.warmup; ++w) {
        pass();
    }
    std::vector<double> times;
    for (std::int64_t r = 0; r < a.repeat; ++r) {
        times.push_back(pass());
        out << "repeat " << (r + 1) << "/" << a.repeat << ": " << fixed(times.back(), 4) << " ms\n";
        out.flush();
    }
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    const double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    const double gflops = median > 0.0 ? flops / (median * 1e6) : 0.0;
    out << "median_ms=" << fixed(median, 4) << " min_ms=" << fixed(sorted.front(), 4) << " gflops=" << general(gflops)
        << "\n";
    return 0;
}

} // namespace rnnscope::cli
