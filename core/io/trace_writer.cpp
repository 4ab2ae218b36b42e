#include "core/io/trace_writer.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>

#include <hdf5.h>
#include <nlohmann/json.hpp>

#include "core/io/atomic_file.h"
#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"
#include "core/io/npy.h"
#include "core/io/trace_hdf5_sink.h"
#include "core/io/trace_layout.h"
#include "core/memory_budget.h"

namespace rnnscope::io {

using namespace detail;

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------------
// Names

// A name as one path component: HDF5 would read '/' as nesting, and the file system as a directory.
std::string pathComponent(const std::string& name)
{
    std::string out = name;
    for (char& ch : out) {
        if (ch == '/') {
            ch = '_';
        }
    }
    if (out.empty() || out == "." || out == "..") {
        out = "_" + out;
    }
    return out;
}

// Path components for `names`, unique: a shared layer traced twice must not overwrite its first call.
std::vector<std::string> uniqueComponents(const std::vector<std::string>& names, const std::string& suffix)
{
    std::vector<std::string> out;
    std::set<std::string> used;
    std::map<std::string, int> calls;
    for (const auto& name : names) {
        const std::string base = pathComponent(name);
        std::string key = base;
        int& k = calls[base];
        while (used.count(key) != 0) {
            key = base + suffix + std::to_string(++k);
        }
        used.insert(key);
        out.push_back(key);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------
// The layout, once: a walker describes groups and datasets to a sink, which stores them as HDF5 or .npy.

// Option values as Keras prints them ("True", "None", "3", "concat") -> JSON.
Json optionValue(const std::string& text)
{
    if (text == "True") {
        return true;
    }
    if (text == "False") {
        return false;
    }
    if (text == "None") {
        return nullptr;
    }
    std::int64_t integer = 0;
    const char* end = text.data() + text.size();
    if (auto [p, ec] = std::from_chars(text.data(), end, integer); ec == std::errc() && p == end && !text.empty()) {
        return integer;
    }
    if (!text.empty()) {
        char* parsedEnd = nullptr;
        errno = 0;
        const double real = std::strtod(text.c_str(), &parsedEnd);
        const bool numeral = text.find_first_not_of("0123456789+-.eE") == std::string::npos;
        if (numeral && errno == 0 && parsedEnd == text.c_str() + text.size()) {
            return real;
        }
    }
    return text;
}

Json optionsObject(const std::vector<std::pair<std::string, std::string>>& options)
{
    Json out = Json::object();
    for (const auto& [key, value] : options) {
        out[key] = optionValue(value);
    }
    return out;
}

std::vector<std::string> stateNames(const CellTrace& cell)
{
    std::vector<std::string> names;
    for (const auto& s : cell.states) {
        names.push_back(s.name());
    }
    return names;
}

// One gate of a cell as columns of its recorded "gates" series.
struct GateColumns
{
    std::string name;
    const TraceSeries* series = nullptr;
    Index column = 0;
    Index width = 0;
};

// The engine records all gates of a cell as one "gates" series side by side; the class says which they are.
// Any other series (or a class we do not know) is written whole under its own name.
bool splitsInto(const TraceSeries& series, const std::vector<std::string>& known)
{
    const auto count = static_cast<Index>(known.size());
    return series.name() == "gates" && count > 0 && series.width() % count == 0;
}

std::vector<std::string> gateNames(const CellTrace& cell)
{
    std::vector<std::string> names;
    const auto known = gateNamesForCellClass(cell.className);
    for (const auto& series : cell.gates) {
        if (splitsInto(series, known)) {
            names.insert(names.end(), known.begin(), known.end());
        } else {
            names.push_back(series.name());
        }
    }
    return names;
}

std::vector<GateColumns> splitGates(const CellTrace& cell)
{
    std::vector<GateColumns> gates;
    const auto known = gateNamesForCellClass(cell.className);
    for (const auto& series : cell.gates) {
        if (!splitsInto(series, known)) {
            gates.push_back({series.name(), &series, 0, series.width()});
            continue;
        }
        const auto count = static_cast<Index>(known.size());
        const Index width = series.width() / count;
        for (Index g = 0; g < count; ++g) {
            gates.push_back({known[static_cast<std::size_t>(g)], &series, g * width, width});
        }
    }
    return gates;
}

// A stack records each cell's own input and output; a single cell does not (they equal the layer's).
bool isStacked(const LayerTrace& layer)
{
    return layer.cells.size() > 1
        || (layer.cells.size() == 1 && (!layer.cells.front().input.empty() || !layer.cells.front().output.empty()));
}

// [steps, batch] processing order -> [batch, steps].
std::vector<std::uint8_t> batchMajorMask(const LayerTrace& layer)
{
    std::vector<std::uint8_t> out(layer.mask.size());
    for (Index s = 0; s < layer.steps; ++s) {
        for (Index b = 0; b < layer.batch; ++b) {
            out[static_cast<std::size_t>(b * layer.steps + s)]
                = layer.mask[static_cast<std::size_t>(s * layer.batch + b)];
        }
    }
    return out;
}

bool hasMask(const LayerTrace& layer)
{
    return !layer.mask.empty() && layer.mask.size() == static_cast<std::size_t>(layer.steps * layer.batch);
}

void writeWhole(TraceSink& sink, const std::string& path, const TraceSeries& series)
{
    sink.series(path, series, 0, series.width());
}

void writeCell(TraceSink& sink, const std::string& prefix, const CellTrace& cell)
{
    for (const auto& s : cell.states) {
        writeWhole(sink, prefix + "/states/" + pathComponent(s.name()), s);
    }
    for (const auto& g : splitGates(cell)) {
        sink.series(prefix + "/gates/" + pathComponent(g.name), *g.series, g.column, g.width);
    }
}

} // namespace

Json detail::runOptions(const std::string& text)
{
    if (text.empty()) {
        return Json::object();
    }
    Json parsed;
    try {
        parsed = Json::parse(text);
    } catch (const Json::parse_error& e) {
        throw std::invalid_argument(std::string("trace options are not valid JSON: ") + e.what());
    }
    if (!parsed.is_object()) {
        throw std::invalid_argument("trace options must be a JSON object, got: " + text);
    }
    return parsed;
}

void detail::TraceSink::series(const std::string& path, const TraceSeries& values, Index column, Index width)
{
    floats(path, seriesColumns(values, column, width));
}

Tensor detail::seriesColumns(const TraceSeries& series, Index column, Index width)
{
    if (series.windowed()) {
        throw std::logic_error("series " + series.name() + " was streamed: only a window of its steps is held");
    }
    // A copy as large as the series, held while a sink writes it: counted against the memory budget first.
    checkMemory(static_cast<std::uint64_t>(series.batch() * series.steps() * width) * sizeof(float),
        "copying out series " + series.name() + " to write it");
    Tensor t({series.batch(), series.steps(), width});
    for (Index b = 0; b < series.batch(); ++b) {
        for (Index s = 0; s < series.steps(); ++s) {
            const float* src = series.stepData(s) + b * series.width() + column;
            std::copy(src, src + width, t.data() + (b * series.steps() + s) * width);
        }
    }
    return t;
}

// One recurrent layer or one direction of a Bidirectional.
void detail::writeSingleLayer(TraceSink& sink, const std::string& prefix, const LayerTrace& layer)
{
    const bool stacked = isStacked(layer);
    Attributes attrs;
    attrs.push_back(stringAttr("class", layer.className));
    attrs.push_back(intAttr("units", layer.units));
    attrs.push_back(stringAttr("name", layer.name));
    if (stacked) {
        attrs.push_back(stringAttr("cell_class", "StackedRNNCells"));
        attrs.push_back(intAttr("cell_count", static_cast<std::int64_t>(layer.cells.size())));
        attrs.push_back(listAttr("state_names", {}));
        attrs.push_back(listAttr("gate_names", {}));
    } else if (!layer.cells.empty()) {
        attrs.push_back(stringAttr("cell_class", layer.cells.front().className));
        attrs.push_back(listAttr("state_names", stateNames(layer.cells.front())));
        attrs.push_back(listAttr("gate_names", gateNames(layer.cells.front())));
    } else {
        attrs.push_back(listAttr("state_names", {}));
        attrs.push_back(listAttr("gate_names", {}));
    }
    attrs.push_back(jsonAttr("options", optionsObject(layer.options)));
    sink.group(prefix, attrs);

    sink.ints(prefix + "/step_time", {static_cast<Index>(layer.stepTime.size())}, layer.stepTime.data());
    if (hasMask(layer)) {
        const auto m = batchMajorMask(layer);
        sink.mask(prefix + "/mask", {layer.batch, layer.steps}, m.data());
        sink.datasetAttributes(prefix + "/mask", {stringAttr("time_order", "processing")});
    }
    if (!layer.input.empty()) {
        writeWhole(sink, prefix + "/input", layer.input);
    }
    if (!layer.output.empty()) {
        writeWhole(sink, prefix + "/output", layer.output);
    }
    if (!stacked) {
        if (!layer.cells.empty()) {
            writeCell(sink, prefix, layer.cells.front());
        }
        return;
    }
    for (std::size_t k = 0; k < layer.cells.size(); ++k) {
        const CellTrace& cell = layer.cells[k];
        const std::string cellPrefix = prefix + "/cells/" + std::to_string(k);
        Index units = 0;
        if (!cell.output.empty()) {
            units = cell.output.width();
        } else if (!cell.states.empty()) {
            units = cell.states.front().width();
        }
        sink.group(cellPrefix,
            {stringAttr("class", cell.className), intAttr("units", units), listAttr("state_names", stateNames(cell)),
                listAttr("gate_names", gateNames(cell))});
        writeCell(sink, cellPrefix, cell);
        if (!cell.input.empty()) {
            writeWhole(sink, cellPrefix + "/input", cell.input);
        }
        if (!cell.output.empty()) {
            writeWhole(sink, cellPrefix + "/output", cell.output);
        }
    }
}

std::vector<std::string> detail::directionKeys(const LayerTrace& layer)
{
    std::vector<std::string> directionNames;
    for (const auto& d : layer.directions) {
        directionNames.push_back(d.name);
    }
    return uniqueComponents(directionNames, "_");
}

void detail::writeBidirectionalGroup(TraceSink& sink, const std::string& prefix, const LayerTrace& layer)
{
    // While the layer runs (streaming) its own units are not set yet; its directions' are the same.
    const Index units = layer.units != 0 || layer.directions.empty() ? layer.units : layer.directions.front().units;
    sink.group(prefix,
        {stringAttr("class", layer.className), intAttr("units", units), stringAttr("name", layer.name),
            listAttr("state_names", {}), listAttr("gate_names", {}), listAttr("directions", directionKeys(layer)),
            jsonAttr("options", optionsObject(layer.options))});
}

namespace {

void writeLayer(TraceSink& sink, const std::string& prefix, const LayerTrace& layer)
{
    if (layer.directions.empty()) {
        writeSingleLayer(sink, prefix, layer);
        return;
    }
    writeBidirectionalGroup(sink, prefix, layer);
    const auto keys = directionKeys(layer);
    for (std::size_t i = 0; i < layer.directions.size(); ++i) {
        writeSingleLayer(sink, prefix + "/" + keys[i], layer.directions[i]);
    }
}

// The mask in original time order for /mask: the one passed, else the first recurrent layer's, mapped back
// through step_time, when it covers the same [B,T] as /input (a layer behind RepeatVector would not).
bool rootMask(const ModelTrace& trace, const TraceInputs& inputs, Shape& shape, std::vector<std::uint8_t>& values,
    std::string& source)
{
    if (inputs.mask != nullptr) {
        shape = {inputs.mask->batch(), inputs.mask->steps()};
        values = inputs.mask->values();
        source = "passed";
        return true;
    }
    if (trace.layers.empty() || inputs.inputs.empty()) {
        return false;
    }
    const LayerTrace& first = trace.layers.front();
    const LayerTrace& masked = first.directions.empty() ? first : first.directions.front();
    const Tensor& x = inputs.inputs.front().second;
    if (!hasMask(masked) || x.rank() < 2 || x.dim(0) != masked.batch || x.dim(1) != masked.steps
        || masked.stepTime.size() != static_cast<std::size_t>(masked.steps)) {
        return false;
    }
    for (const auto& [key, value] : masked.options) {
        if (key == "time_major" && value == "True") {
            return false; // /input is then [T,B,...]
        }
    }
    shape = {masked.batch, masked.steps};
    values.assign(masked.mask.size(), 1);
    for (Index s = 0; s < masked.steps; ++s) {
        const Index t = masked.stepTime[static_cast<std::size_t>(s)];
        if (t < 0 || t >= masked.steps) {
            return false;
        }
        for (Index b = 0; b < masked.batch; ++b) {
            values[static_cast<std::size_t>(b * masked.steps + t)]
                = masked.mask[static_cast<std::size_t>(s * masked.batch + b)];
        }
    }
    source = "layer:" + first.name;
    return true;
}

} // namespace

std::vector<std::string> detail::layerKeys(const ModelTrace& trace)
{
    std::vector<std::string> layerNames;
    for (const auto& layer : trace.layers) {
        layerNames.push_back(layer.name);
    }
    return uniqueComponents(layerNames, "_call");
}

void detail::writeTrace(
    TraceSink& sink, const ModelTrace& trace, const TraceInputs& inputs, const Json& options, bool withLayers)
{
    sink.group("",
        {stringAttr("format", "rnnscope-trace"), intAttr("format_version", kTraceFormatVersion),
            stringAttr("producer", inputs.producer), stringAttr("model", inputs.model), jsonAttr("options", options)});

    if (!inputs.inputs.empty()) {
        sink.floats("input", inputs.inputs.front().second);
        std::vector<std::string> names;
        for (const auto& [name, tensor] : inputs.inputs) {
            names.push_back(name);
        }
        const auto keys = uniqueComponents(names, "_");
        sink.group("inputs", {listAttr("order", keys)});
        for (std::size_t i = 0; i < inputs.inputs.size(); ++i) {
            sink.floats("inputs/" + keys[i], inputs.inputs[i].second);
        }
    }

    Shape maskShape;
    std::vector<std::uint8_t> maskValues;
    std::string maskSource;
    if (rootMask(trace, inputs, maskShape, maskValues, maskSource)) {
        sink.mask("mask", maskShape, maskValues.data());
        sink.datasetAttributes("mask", {stringAttr("time_order", "original"), stringAttr("source", maskSource)});
    }

    const auto keys = layerKeys(trace);
    sink.group("layers", {listAttr("order", keys)});
    for (std::size_t i = 0; withLayers && i < trace.layers.size(); ++i) {
        writeLayer(sink, "layers/" + keys[i], trace.layers[i]);
    }

    std::vector<std::string> outputNames;
    for (const auto& [name, tensor] : inputs.outputs) {
        outputNames.push_back(name);
    }
    const auto outputKeys = uniqueComponents(outputNames, "_");
    sink.group("outputs", {listAttr("order", outputKeys)});
    for (std::size_t i = 0; i < inputs.outputs.size(); ++i) {
        sink.floats("outputs/" + outputKeys[i], inputs.outputs[i].second);
    }
}

// ---------------------------------------------------------------------------------------------------
// Sinks

namespace {

void ensureDirectory(const std::string& dir)
{
    std::error_code ec;
    const fs::file_status status = fs::status(dir, ec);
    if (fs::exists(status)) {
        if (!fs::is_directory(status)) {
            throw FileError(dir, "exists and is not a directory");
        }
        return;
    }
    fs::create_directories(dir, ec);
    if (ec) {
        throw FileError(dir, "cannot create directory: " + ec.message());
    }
}

Json toJson(const Attributes& attributes)
{
    Json attrs = Json::object();
    for (const auto& a : attributes) {
        switch (a.kind) {
        case Attribute::Kind::String:
            attrs[a.name] = a.text;
            break;
        case Attribute::Kind::Int:
            attrs[a.name] = a.number;
            break;
        case Attribute::Kind::StringList:
            attrs[a.name] = a.list;
            break;
        case Attribute::Kind::Json:
            attrs[a.name] = a.json;
            break;
        }
    }
    return attrs;
}

class NpySink : public TraceSink
{
public:
    NpySink(std::string dir, std::size_t blockBytes)
        : m_dir(std::move(dir))
        , m_blockBytes(blockBytes)
    {
        m_attributes = Json::object();
        m_datasets = Json::object();
    }

    void group(const std::string& path, const Attributes& attributes) override
    {
        m_attributes["/" + path] = toJson(attributes);
    }
    void datasetAttributes(const std::string& path, const Attributes& attributes) override
    {
        m_datasets["/" + path]["attributes"] = toJson(attributes);
    }
    void floats(const std::string& path, const Tensor& values) override
    {
        writeNpy(file(path, values.shape(), "float32"), values);
    }
    // Written a block of (sample, step) rows at a time from the time-major series, not copied out whole first.
    void series(const std::string& path, const TraceSeries& values, Index column, Index width) override
    {
        if (values.windowed()) {
            throw std::logic_error("series " + values.name() + " was streamed: only a window of its steps is held");
        }
        const Index steps = values.steps();
        const Shape shape {values.batch(), steps, width};
        const Index rowsPerBlock
            = std::max<Index>(1, static_cast<Index>(m_blockBytes / (std::max<Index>(1, width) * sizeof(float))));
        writeNpyFloat32Rows(
            file(path, shape, "float32"), shape, width, rowsPerBlock, [&](float* out, Index first, Index count) {
                for (Index r = first; r < first + count; ++r) {
                    const float* src = values.stepData(r % steps) + (r / steps) * values.width() + column;
                    std::copy(src, src + width, out + (r - first) * width);
                }
            });
    }
    void mask(const std::string& path, const Shape& shape, const std::uint8_t* values) override
    {
        writeNpy(file(path, shape, "bool"), shape, values, true);
    }
    void ints(const std::string& path, const Shape& shape, const std::int32_t* values) override
    {
        writeNpyInt32(file(path, shape, "int32"), shape, values);
    }

    // trace.json last, so its presence says the export finished.
    void finish()
    {
        Json doc = Json::object();
        doc["attributes"] = m_attributes;
        doc["datasets"] = m_datasets;
        const std::string text = doc.dump(2) + "\n";
        AtomicFile::writeBytes(m_dir + "/trace.json", text.data(), text.size());
    }

private:
    std::string file(const std::string& path, const Shape& shape, const std::string& dtype)
    {
        const std::string relative = path + ".npy";
        const std::string full = m_dir + "/" + relative;
        ensureDirectory(fs::path(full).parent_path().string());
        m_datasets["/" + path] = {{"file", relative}, {"dtype", dtype}, {"shape", shape}};
        return full;
    }

    std::string m_dir;
    std::size_t m_blockBytes;
    Json m_attributes;
    Json m_datasets;
};

// ---------------------------------------------------------------------------------------------------
// CSV

struct CsvTable
{
    std::string fileName;
    std::string quantity;
    const LayerTrace* layer = nullptr; // step_time and mask
    Tensor values; // [B,T,W]
};

void collectCsv(std::vector<CsvTable>& tables, const std::string& base, const LayerTrace& layer)
{
    auto add = [&](const std::string& stem, const std::string& quantity, Tensor values) {
        tables.push_back({stem + "." + quantity + ".csv", quantity, &layer, std::move(values)});
    };
    auto addCell = [&](const std::string& stem, const CellTrace& cell) {
        for (const auto& s : cell.states) {
            add(stem, "state_" + pathComponent(s.name()), s.toBatchMajor());
        }
        for (const auto& g : splitGates(cell)) {
            add(stem, "gate_" + pathComponent(g.name), seriesColumns(*g.series, g.column, g.width));
        }
    };
    if (!layer.input.empty()) {
        add(base, "input", layer.input.toBatchMajor());
    }
    if (!layer.output.empty()) {
        add(base, "output", layer.output.toBatchMajor());
    }
    if (!isStacked(layer)) {
        if (!layer.cells.empty()) {
            addCell(base, layer.cells.front());
        }
        return;
    }
    for (std::size_t k = 0; k < layer.cells.size(); ++k) {
        const std::string stem = base + ".cell" + std::to_string(k);
        const CellTrace& cell = layer.cells[k];
        addCell(stem, cell);
        if (!cell.input.empty()) {
            add(stem, "input", cell.input.toBatchMajor());
        }
        if (!cell.output.empty()) {
            add(stem, "output", cell.output.toBatchMajor());
        }
    }
}

std::string csvText(const CsvTable& table)
{
    const LayerTrace& layer = *table.layer;
    const Index batch = table.values.dim(0);
    const Index steps = table.values.dim(1);
    const Index width = table.values.dim(2);
    const bool masked = hasMask(layer);
    std::string out = "sample,step,time";
    if (masked) {
        out += ",mask";
    }
    for (Index u = 0; u < width; ++u) {
        out += "," + table.quantity + "_" + std::to_string(u);
    }
    out += "\n";
    char number[64];
    for (Index b = 0; b < batch; ++b) {
        for (Index s = 0; s < steps; ++s) {
            const auto si = static_cast<std::size_t>(s);
            const std::int32_t time = si < layer.stepTime.size() ? layer.stepTime[si] : static_cast<std::int32_t>(s);
            out += std::to_string(b) + "," + std::to_string(s) + "," + std::to_string(time);
            if (masked) {
                out += layer.stepMasked(s, b) ? ",0" : ",1";
            }
            for (Index u = 0; u < width; ++u) {
                // 9 significant digits: every float32 reads back as the same float32.
                std::snprintf(number, sizeof number, ",%.9g", static_cast<double>(table.values.at(b, s, u)));
                out += number;
            }
            out += "\n";
        }
    }
    return out;
}

} // namespace

std::vector<std::string> gateNamesForCellClass(const std::string& cellClass)
{
    if (cellClass == "LSTMCell") {
        return {"i", "f", "c", "o"};
    }
    if (cellClass == "GRUCell") {
        return {"z", "r", "hh"};
    }
    return {};
}

void writeTraceHdf5(const std::string& path, const ModelTrace& trace, const TraceInputs& inputs)
{
    detail::writeTraceHdf5(path, trace, inputs, TraceWriteLimits {});
}

void detail::writeTraceHdf5(
    const std::string& path, const ModelTrace& trace, const TraceInputs& inputs, const TraceWriteLimits& limits)
{
    const Json options = runOptions(inputs.optionsJson);
    std::error_code ec;
    if (fs::is_directory(fs::status(path, ec))) {
        throw FileError(path, "is a directory");
    }
    // Checked before the (possibly long) build of the file, so a wrong path fails at once with a clear message.
    fs::path parent = fs::path(path).parent_path();
    if (parent.empty()) {
        parent = ".";
    }
    const fs::file_status parentStatus = fs::status(parent, ec);
    if (!fs::exists(parentStatus)) {
        throw FileError(path, "directory " + parent.string() + " does not exist");
    }
    if (!fs::is_directory(parentStatus)) {
        throw FileError(path, parent.string() + " is not a directory");
    }
    std::size_t seriesBytes = 0;
    for (const auto& layer : trace.layers) {
        seriesBytes += layerSeriesBytes(layer);
    }
    if (seriesBytes <= limits.inMemoryBytes) {
        // Built in memory and written by AtomicFile, which recovers from any failed write (trace_hdf5_sink.h).
        std::vector<unsigned char> bytes;
        {
            detail::Hdf5TraceSink sink(path);
            sink.setSeriesBlockBytes(limits.blockBytes);
            writeTrace(sink, trace, inputs, options);
            bytes = sink.finishImage();
        }
        AtomicFile::writeBytes(path, bytes.data(), bytes.size());
        return;
    }
    // A large trace goes straight to disk under a temporary name: in memory, the file and the copy of its image
    // were twice its size on top of the trace (1.4 GB at peak for the 371 MB trace of the [8, 100000, 4] example).
    // The space it may take is checked first, as the streamed writer does, since HDF5 1.10 cannot recover from a
    // failed write to disk.
    std::size_t topLevelBytes = std::size_t {1} << 20;
    for (const auto& list : {&inputs.inputs, &inputs.outputs}) {
        for (const auto& named : *list) {
            topLevelBytes += static_cast<std::size_t>(named.second.size()) * sizeof(float);
        }
    }
    AtomicFile file(path);
    checkFreeSpace(path, file.tempPath(), seriesBytes + topLevelBytes, "the trace");
    {
        detail::Hdf5TraceSink sink(path, file.tempPath());
        sink.setSeriesBlockBytes(limits.blockBytes);
        writeTrace(sink, trace, inputs, options);
        sink.close();
    }
    file.commit();
}

void writeTraceNpy(const std::string& dir, const ModelTrace& trace, const TraceInputs& inputs)
{
    detail::writeTraceNpy(dir, trace, inputs, TraceWriteLimits {});
}

void detail::writeTraceNpy(
    const std::string& dir, const ModelTrace& trace, const TraceInputs& inputs, const TraceWriteLimits& limits)
{
    const Json options = runOptions(inputs.optionsJson);
    ensureDirectory(dir);
    NpySink sink(dir, limits.blockBytes);
    writeTrace(sink, trace, inputs, options);
    sink.finish();
}

void writeTraceCsv(const std::string& dir, const ModelTrace& trace, const TraceInputs& inputs)
{
    (void)runOptions(inputs.optionsJson); // the same contract as the other writers: bad options fail up front
    ensureDirectory(dir);
    std::vector<std::string> layerNames;
    for (const auto& layer : trace.layers) {
        layerNames.push_back(layer.name);
    }
    const auto layerKeys = uniqueComponents(layerNames, "_call");
    for (std::size_t i = 0; i < trace.layers.size(); ++i) {
        const LayerTrace& layer = trace.layers[i];
        std::vector<CsvTable> tables;
        if (layer.directions.empty()) {
            collectCsv(tables, layerKeys[i], layer);
        } else {
            for (const auto& d : layer.directions) {
                collectCsv(tables, layerKeys[i] + "." + pathComponent(d.name), d);
            }
        }
        for (const auto& table : tables) {
            const std::string text = csvText(table);
            AtomicFile::writeBytes(dir + "/" + table.fileName, text.data(), text.size());
        }
    }
}

} // namespace rnnscope::io
