// `rnnscope-cli run`: load the model, apply the option overrides to the chosen recurrent layer, make each call
// (`--then` = the next model.predict on the same instance, so stateful layers carry their states), and write the
// outputs as float32 .npy files, plus the trace if asked.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <ostream>

#include "commands.h"
#include "core/bidirectional.h"
#include "core/errors.h"
#include "core/io/file_error.h"
#include "core/io/model_loader.h"
#include "core/io/npy.h"
#include "core/io/sequence_readers.h"
#include "core/io/trace_stream.h"
#include "core/io/trace_writer.h"
#include "core/layer_options.h"
#include "core/layers/basic_layers.h"
#include "core/memory_budget.h"

namespace rnnscope::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kProducer = "rnnscope-cli 0.1.0";

std::string recurrentNames(const Model& model)
{
    std::string names;
    for (const Layer* l : model.recurrentLayers()) {
        names += (names.empty() ? "" : ", ") + l->name();
    }
    return names.empty() ? std::string("none") : names;
}

// The layer that --layer names, or the only recurrent one. Null when nothing needs a layer.
Layer* chooseLayer(const Arguments& args, const Model& model)
{
    bool needed = args.layer.has_value() || args.overrides.any();
    for (const auto& c : args.calls) {
        needed = needed || !c.initialStates.empty();
    }
    if (!needed) {
        return nullptr;
    }
    const auto recurrent = model.recurrentLayers();
    if (args.layer) {
        for (Layer* l : recurrent) {
            if (l->name() == *args.layer) {
                return l;
            }
        }
        throw UsageError("--layer " + *args.layer
            + ": the model has no recurrent layer of that name (recurrent layers: " + recurrentNames(model) + ")");
    }
    if (recurrent.size() != 1) {
        throw UsageError("the model has " + std::to_string(recurrent.size()) + " recurrent layers ("
            + recurrentNames(model) + "): name one with --layer");
    }
    return recurrent.front();
}

void warnNonFinite(const Tensor& t, const std::string& file, std::ostream& warnings)
{
    Index nan = 0;
    Index inf = 0;
    for (float v : t.values()) {
        nan += std::isnan(v) ? 1 : 0;
        inf += std::isinf(v) ? 1 : 0;
    }
    if (nan + inf > 0) {
        warnings << "warning: " << file << ": " << nan << " NaN and " << inf << " infinite value(s); the run goes on\n";
    }
}

// The call's inputs in the model's input order, read (any sequence spec: .npy, CSV, HDF5 dataset, text) and
// checked against the model's declared shapes. `derivedMasks[i]` is set when padding input i made a mask.
std::vector<Tensor> readInputs(const CallArgs& call, const Arguments& args, const Model& model,
    std::vector<std::string>& files, std::vector<std::optional<Mask>>& derivedMasks, std::ostream& out,
    std::ostream& warnings)
{
    const auto& specs = model.inputs();
    std::vector<std::optional<std::string>> byIndex(specs.size());
    std::size_t position = 0;
    for (const auto& in : call.inputs) {
        std::size_t index = position;
        if (!in.name.empty()) {
            index = specs.size();
            for (std::size_t i = 0; i < specs.size(); ++i) {
                if (specs[i].name == in.name) {
                    index = i;
                }
            }
            if (index == specs.size()) {
                std::string names;
                for (const auto& s : specs) {
                    names += (names.empty() ? "" : ", ") + s.name;
                }
                throw UsageError(
                    "--input " + in.name + "=...: the model has no input of that name (inputs: " + names + ")");
            }
        } else {
            ++position;
        }
        if (index >= specs.size()) {
            throw UsageError("too many --input files: the model takes " + std::to_string(specs.size()) + " input(s)");
        }
        if (byIndex[index]) {
            throw UsageError("input '" + specs[index].name + "' given twice");
        }
        byIndex[index] = in.file;
    }
    std::vector<Tensor> tensors;
    files.clear();
    derivedMasks.assign(specs.size(), std::nullopt);
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (!byIndex[i]) {
            throw UsageError("no --input for model input '" + specs[i].name + "' (input " + std::to_string(i) + ")");
        }
        const std::string& file = *byIndex[i];
        io::SequenceData data = io::readSequences(file, args.sequences);
        Tensor t = std::move(data.values);
        const Shape& want = specs[i].shape;
        std::string note;
        if (data.format == io::SequenceFormat::CsvFiles) {
            // A one-column CSV holds ids: an Embedding's [B,T], not [B,T,1].
            if (want.size() == 2 && t.rank() == 3 && t.dim(2) == 1) {
                t = t.reshaped({t.dim(0), t.dim(1)});
                note = ", as ids " + shapeToString(t.shape());
            } else if (t.rank() == 3 && args.overrides.timeMajor.value_or(false)) {
                t = swapBatchAndTime(t);
                note = ", time-major " + shapeToString(t.shape());
            }
        }
        if (data.format != io::SequenceFormat::Npy) {
            out << "input '" << specs[i].name << "': " << file << ": " << data.description << note << "\n";
        }
        derivedMasks[i] = std::move(data.mask);
        bool fits = t.rank() == static_cast<Index>(want.size());
        for (std::size_t d = 0; fits && d < want.size(); ++d) {
            fits = want[d] < 0 || want[d] == t.shape()[d];
        }
        if (!fits) {
            throw io::FileError(file,
                "has shape " + shapeToString(t.shape()) + ", but model input '" + specs[i].name + "' expects "
                    + shapeToString(want));
        }
        warnNonFinite(t, file, warnings);
        files.push_back(file);
        tensors.push_back(std::move(t));
    }
    return tensors;
}

void applyInitialStates(const CallArgs& call, Layer* layer, std::size_t callIndex)
{
    if (call.initialStates.empty()) {
        return;
    }
    std::vector<Tensor> states;
    for (const auto& f : call.initialStates) {
        states.push_back(io::toTensor(io::readNpy(f), f));
    }
    std::vector<RnnLayer*> targets;
    if (auto* bi = dynamic_cast<BidirectionalLayer*>(layer)) {
        targets = {&bi->forward(), &bi->backward()};
    } else {
        targets = {static_cast<RnnLayer*>(layer)};
    }
    std::size_t needed = 0;
    for (RnnLayer* t : targets) {
        needed += t->cell().states().size();
    }
    if (states.size() != needed) {
        throw io::FileError(call.initialStates.front(),
            "layer '" + layer->name() + "' has " + std::to_string(needed) + " state(s) but "
                + std::to_string(states.size()) + " --initial-state file(s) were given for call "
                + std::to_string(callIndex));
    }
    std::size_t k = 0;
    for (RnnLayer* t : targets) {
        std::vector<Tensor> own;
        for (const auto& spec : t->cell().states()) {
            const Tensor& s = states[k];
            if (s.rank() != 2 || s.dim(1) != spec.size) {
                throw io::FileError(call.initialStates[k],
                    "has shape " + shapeToString(s.shape()) + ", but state " + spec.name + " of layer '" + layer->name()
                        + "' is (batch, " + std::to_string(spec.size) + ")");
            }
            own.push_back(s);
            ++k;
        }
        if (t->options().stateful) {
            t->resetStates(std::move(own)); // tf.keras reset_states(states=...)
        } else {
            t->setInitialStateOverride(std::move(own));
        }
    }
}

std::string outputNameText(const Model& model)
{
    std::string s;
    for (const auto& o : model.outputs()) {
        s += (s.empty() ? "" : ", ") + o.name;
    }
    return s;
}

std::string withCallSuffix(const std::string& path, std::size_t call, std::size_t calls, bool isDir)
{
    if (calls == 1) {
        return path;
    }
    if (isDir) {
        return (fs::path(path) / ("call_" + std::to_string(call))).string();
    }
    fs::path p(path);
    return (p.parent_path() / (p.stem().string() + ".call_" + std::to_string(call) + p.extension().string())).string();
}

} // namespace

namespace {

// --trace-layers names recurrent layers of the model.
void checkTraceLayers(const Arguments& args, const Model& model)
{
    std::string known;
    for (const Layer* l : model.recurrentLayers()) {
        known += (known.empty() ? "" : ", ") + l->name();
    }
    for (const auto& name : args.traceRequest.layers) {
        const Layer* l = model.findLayer(name);
        if (l == nullptr || !l->isRecurrent()) {
            throw io::FileError(args.model,
                "--trace-layers: no recurrent layer named '" + name + "' (recurrent layers: " + known + ")");
        }
    }
}

// A run that produces NaN or Inf goes on (Keras would too) and says so, naming the outputs and the first place.
void reportNonFinite(const std::vector<Tensor>& outputs, const Model& model, std::size_t call, std::ostream& warnings)
{
    for (std::size_t k = 0; k < outputs.size(); ++k) {
        const auto& v = outputs[k].values();
        const auto bad = std::find_if(v.begin(), v.end(), [](float x) { return !std::isfinite(x); });
        if (bad == v.end()) {
            continue;
        }
        const auto count = std::count_if(v.begin(), v.end(), [](float x) { return !std::isfinite(x); });
        warnings << "warning: call " << call << ": output " << k << " (" << model.outputs()[k].name << ") has " << count
                 << " non-finite value(s) (NaN or Inf), the first at flat index " << (bad - v.begin()) << "\n";
    }
}

} // namespace

int runCommand(const Arguments& args, std::ostream& out, std::ostream& warnings)
{
    io::LoadedModel loaded = io::loadModel(args.model, args.weights);
    for (const auto& w : loaded.warnings) {
        warnings << "warning: " << w << "\n";
    }
    Model& model = *loaded.model;
    Layer* layer = chooseLayer(args, model);
    try {
        if (layer != nullptr && args.overrides.any()) {
            applyLayerOverrides(args.overrides, *layer, model);
        }
    } catch (const ModelError& e) {
        throw io::FileError(args.model, std::string("with the requested options: ") + e.what());
    }
    const bool tracing = args.traceFile || args.traceCsvDir || args.traceNpyDir;
    checkTraceLayers(args, model);
    // The HDF5 trace is streamed whenever it is the only trace asked for: it is then never held whole, whatever its
    // size. CSV and NPY exports need the whole trace in memory.
    const bool streaming = args.traceFile && !args.traceCsvDir && !args.traceNpyDir;
    const std::size_t calls = args.calls.size();
    std::error_code ec;
    fs::create_directories(*args.outDir, ec);
    if (ec) {
        throw io::FileError(*args.outDir, "cannot create the output directory: " + ec.message());
    }
    for (std::size_t c = 0; c < calls; ++c) {
        const CallArgs& call = args.calls[c];
        std::vector<std::string> files;
        std::vector<std::optional<Mask>> derivedMasks;
        const std::vector<Tensor> inputs = readInputs(call, args, model, files, derivedMasks, out, warnings);
        std::optional<Mask> mask;
        if (call.mask) {
            mask = io::toMask(io::readNpy(*call.mask), *call.mask);
            const Tensor& x0 = inputs.front();
            const bool timeMajor = layer != nullptr && args.overrides.timeMajor.value_or(false);
            const Index b = x0.rank() >= 2 ? x0.dim(timeMajor ? 1 : 0) : -1;
            const Index t = x0.rank() >= 2 ? x0.dim(timeMajor ? 0 : 1) : -1;
            if (mask->batch() != b || mask->steps() != t) {
                throw io::FileError(*call.mask,
                    "mask of shape " + shapeToString({mask->batch(), mask->steps()}) + " does not match input "
                        + files.front() + " of shape " + shapeToString(x0.shape())
                        + " (expected (samples, timesteps))");
            }
        }
        applyInitialStates(call, layer, c);

        ModelTrace trace;
        trace.recording.request = args.traceRequest;
        std::unique_ptr<io::Hdf5TraceStream> stream;
        if (streaming) {
            stream = std::make_unique<io::Hdf5TraceStream>(
                withCallSuffix(*args.traceFile, c, calls, false), trace, args.traceStreamSteps.value_or(0));
            trace.recording.stream = stream.get();
        }
        CallContext context;
        context.trace = tracing ? &trace : nullptr;
        // A mask made by padding ragged input goes with that input, unless --mask names the first input's.
        std::vector<const Mask*> masks(inputs.size(), nullptr);
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            if (derivedMasks[i] && !(i == 0 && mask)) {
                masks[i] = &*derivedMasks[i];
                out << "call " << c << ": input '" << model.inputs()[i].name
                    << "': using the mask derived from the padding of " << files[i] << "\n";
            }
        }
        if (mask) {
            masks[0] = &*mask;
            if (derivedMasks[0]) {
                out << "call " << c << ": --mask " << *call.mask << " replaces the mask derived from the padding of "
                    << files[0] << "\n";
            }
        }
        std::vector<Tensor> outputs;
        try {
            outputs = model.predict(inputs, masks, context);
        } catch (const MemoryBudgetError& e) {
            throw io::FileError(args.model,
                std::string(e.what())
                    + (tracing ? "; record less (--trace-layers, --trace-quantities), stream the trace (--trace only), "
                                 "or raise --memory-budget"
                               : "; raise --memory-budget"));
        } catch (const ModelError& e) {
            throw io::FileError(args.model, e.what());
        }
        reportNonFinite(outputs, model, c, warnings);

        const std::string dir = withCallSuffix(*args.outDir, c, calls, true);
        fs::create_directories(dir, ec);
        if (ec) {
            throw io::FileError(dir, "cannot create the output directory: " + ec.message());
        }
        for (std::size_t k = 0; k < outputs.size(); ++k) {
            io::writeNpy((fs::path(dir) / ("output_" + std::to_string(k) + ".npy")).string(), outputs[k]);
        }
        out << "call " << c << ": wrote " << outputs.size() << " output(s) (" << outputNameText(model) << ") to " << dir
            << "\n";

        if (tracing) {
            io::TraceInputs ti;
            for (std::size_t i = 0; i < inputs.size(); ++i) {
                ti.inputs.emplace_back(model.inputs()[i].name, inputs[i]);
            }
            ti.mask = masks.empty() ? nullptr : masks[0];
            for (std::size_t k = 0; k < outputs.size(); ++k) {
                ti.outputs.emplace_back(model.outputs()[k].name, outputs[k]);
            }
            ti.producer = kProducer;
            ti.model = args.model;
            ti.optionsJson = "{\"call\": " + std::to_string(c) + ", \"calls\": " + std::to_string(calls)
                + ", \"keras_version\": \"" + loaded.version.text + "\"}";
            if (stream) {
                stream->finish(ti);
            } else if (args.traceFile) {
                io::writeTraceHdf5(withCallSuffix(*args.traceFile, c, calls, false), trace, ti);
            }
            if (args.traceCsvDir) {
                io::writeTraceCsv(withCallSuffix(*args.traceCsvDir, c, calls, true), trace, ti);
            }
            if (args.traceNpyDir) {
                io::writeTraceNpy(withCallSuffix(*args.traceNpyDir, c, calls, true), trace, ti);
            }
        }
    }
    return 0;
}

} // namespace rnnscope::cli
