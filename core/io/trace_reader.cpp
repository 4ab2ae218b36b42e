#include "core/io/trace_reader.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"
#include "core/io/hdf5_heap_check.h"

namespace rnnscope::io {

namespace {

// Ordered, so options come back in the order the writer stored them (the order Keras lists them in).
using Json = nlohmann::ordered_json;

constexpr std::int64_t kFormatVersion = 1;
constexpr const char* kFormat = "rnnscope-trace";

// The writer's name -> path component rule (trace_writer.cpp): '/' would read as nesting.
std::string pathComponent(const std::string& name)
{
    std::string out = name;
    std::replace(out.begin(), out.end(), '/', '_');
    if (out.empty() || out == "." || out == "..") {
        out = "_" + out;
    }
    return out;
}

std::string inQuotes(const std::string& s)
{
    return "'" + s + "'";
}

bool isFloatType(const std::string& type)
{
    return type == "float32" || type == "float64" || type == "float16";
}

bool isIntegerType(const std::string& type)
{
    return type.rfind("int", 0) == 0 || type.rfind("uint", 0) == 0;
}

Hdf5Dataset requireDataset(const Hdf5Group& group, const std::string& relPath)
{
    if (!group.isDataset(relPath)) {
        group.fail(
            group.hasChild(relPath) ? inQuotes(relPath) + " is not a dataset" : "no dataset " + inQuotes(relPath));
    }
    return group.dataset(relPath);
}

Hdf5Group requireGroup(const Hdf5Group& group, const std::string& relPath)
{
    if (!group.isGroup(relPath)) {
        group.fail(group.hasChild(relPath) ? inQuotes(relPath) + " is not a group" : "no group " + inQuotes(relPath));
    }
    return group.group(relPath);
}

std::vector<float> floatValues(const Hdf5Dataset& d)
{
    const std::string type = d.typeDescription();
    if (!isFloatType(type)) {
        d.fail("dataset is " + type + ", expected float32");
    }
    return d.readFloat32();
}

Tensor readTensor(const Hdf5Dataset& d)
{
    return Tensor(d.shape(), floatValues(d));
}

// A batch-major [B,T,W] dataset as a time-major TraceSeries. `batch` is -1 until the layer's first series fixes it.
TraceSeries readSeries(
    const Hdf5Group& group, const std::string& relPath, const std::string& name, Index steps, Index& batch)
{
    const Hdf5Dataset d = requireDataset(group, relPath);
    const Shape shape = d.shape();
    const std::string shapeText = "shape " + shapeToString(shape);
    if (shape.size() != 3) {
        d.fail(shapeText + " is not [batch, steps, width]");
    }
    if (shape[1] != steps) {
        d.fail(shapeText + " has " + std::to_string(shape[1]) + " steps, but step_time has " + std::to_string(steps));
    }
    if (batch >= 0 && shape[0] != batch) {
        d.fail(shapeText + " has batch " + std::to_string(shape[0]) + ", but the layer's other datasets have batch "
            + std::to_string(batch));
    }
    batch = shape[0];
    const std::vector<float> values = floatValues(d);
    TraceSeries series(name, steps, batch, shape[2]);
    const Index width = shape[2];
    for (Index b = 0; b < batch; ++b) {
        for (Index s = 0; s < steps; ++s) {
            const float* src = values.data() + (b * steps + s) * width;
            std::copy(src, src + width, series.stepData(s) + b * width);
        }
    }
    return series;
}

std::string stringAttributeOr(const Hdf5Group& g, const std::string& name, const std::string& fallback)
{
    return g.hasAttribute(name) ? g.stringAttribute(name) : fallback;
}

std::vector<std::string> listAttributeOr(const Hdf5Group& g, const std::string& name)
{
    return g.hasAttribute(name) ? g.stringListAttribute(name) : std::vector<std::string> {};
}

// JSON option values back to the text Keras prints, which is what the engine records.
std::string optionText(const Json& value)
{
    if (value.is_boolean()) {
        return value.get<bool>() ? "True" : "False";
    }
    if (value.is_null()) {
        return "None";
    }
    if (value.is_string()) {
        return value.get<std::string>();
    }
    return value.dump();
}

std::vector<std::pair<std::string, std::string>> readOptions(const Hdf5Group& g)
{
    std::vector<std::pair<std::string, std::string>> options;
    if (!g.hasAttribute("options")) {
        return options;
    }
    const std::string text = g.stringAttribute("options");
    Json parsed;
    try {
        parsed = Json::parse(text);
    } catch (const Json::exception&) { // parse_error, or out_of_range for a number too large
        g.fail("attribute 'options' is not JSON: " + text);
    }
    if (!parsed.is_object()) {
        g.fail("attribute 'options' is not a JSON object: " + text);
    }
    for (const auto& [key, value] : parsed.items()) {
        options.emplace_back(key, optionText(value));
    }
    return options;
}

Index unitsAttribute(const Hdf5Group& g)
{
    const auto units = g.intAttribute("units");
    if (units && *units < 0) {
        g.fail("attribute 'units' is " + std::to_string(*units));
    }
    return units.value_or(0);
}

std::vector<std::int32_t> readStepTime(const Hdf5Group& g)
{
    const Hdf5Dataset d = requireDataset(g, "step_time");
    const Shape shape = d.shape();
    if (shape.size() != 1) {
        d.fail("shape " + shapeToString(shape) + " is not [steps]");
    }
    const std::string type = d.typeDescription();
    if (!isIntegerType(type)) {
        d.fail("dataset is " + type + ", expected int32");
    }
    std::vector<std::int32_t> out;
    for (const float v : d.readFloat32()) {
        out.push_back(static_cast<std::int32_t>(std::lround(v)));
    }
    return out;
}

// A [B,T] mask dataset, checked against `batch` and `steps` when they are known (>= 0).
std::vector<std::uint8_t> readMask(const Hdf5Dataset& d, Index batch, Index steps)
{
    const Shape shape = d.shape();
    if (shape.size() != 2 || (batch >= 0 && shape[0] != batch) || (steps >= 0 && shape[1] != steps)) {
        d.fail("shape " + shapeToString(shape) + " is not [batch, steps]"
            + (batch >= 0 ? " = " + shapeToString({batch, steps}) : std::string()));
    }
    const std::string type = d.typeDescription();
    if (!isIntegerType(type)) {
        d.fail("dataset is " + type + ", expected uint8");
    }
    return d.readUInt8();
}

// Gates as the engine records them: one "gates" series with the gates side by side, in gate_names order.
void readGates(const Hdf5Group& g, CellTrace& cell, Index steps, Index& batch)
{
    cell.gateNames = listAttributeOr(g, "gate_names");
    if (cell.gateNames.empty()) {
        return;
    }
    std::vector<TraceSeries> parts;
    for (const auto& name : cell.gateNames) {
        parts.push_back(readSeries(g, "gates/" + pathComponent(name), name, steps, batch));
        if (parts.back().width() != parts.front().width()) {
            requireDataset(g, "gates/" + pathComponent(name))
                .fail("shape " + shapeToString({batch, steps, parts.back().width()}) + ": gate is "
                    + std::to_string(parts.back().width()) + " wide, but gate " + inQuotes(cell.gateNames.front())
                    + " is " + std::to_string(parts.front().width()) + " (the gates of a cell must have one width)");
        }
    }
    const Index width = parts.front().width();
    const auto count = static_cast<Index>(parts.size());
    TraceSeries all("gates", steps, batch, width * count);
    for (Index s = 0; s < steps; ++s) {
        for (Index b = 0; b < batch; ++b) {
            for (Index k = 0; k < count; ++k) {
                const float* src = parts[static_cast<std::size_t>(k)].stepData(s) + b * width;
                std::copy(src, src + width, all.stepData(s) + b * width * count + k * width);
            }
        }
    }
    cell.gates.push_back(std::move(all));
}

CellTrace readCell(const Hdf5Group& g, const std::string& className, bool ownIo, Index steps, Index& batch)
{
    CellTrace cell;
    cell.className = className;
    for (const auto& name : listAttributeOr(g, "state_names")) {
        cell.states.push_back(readSeries(g, "states/" + pathComponent(name), name, steps, batch));
    }
    readGates(g, cell, steps, batch);
    if (ownIo && g.isDataset("input")) {
        cell.input = readSeries(g, "input", "input", steps, batch);
    }
    if (ownIo && g.isDataset("output")) {
        cell.output = readSeries(g, "output", "output", steps, batch);
    }
    return cell;
}

// One recurrent layer, or one direction of a Bidirectional.
LayerTrace readSingleLayer(const Hdf5Group& g, const std::string& key)
{
    LayerTrace layer;
    layer.name = stringAttributeOr(g, "name", key);
    layer.className = stringAttributeOr(g, "class", "");
    layer.units = unitsAttribute(g);
    layer.options = readOptions(g);
    layer.stepTime = readStepTime(g);
    layer.steps = static_cast<Index>(layer.stepTime.size());
    Index batch = -1;
    if (g.isDataset("input")) {
        layer.input = readSeries(g, "input", "input", layer.steps, batch);
    }
    if (g.isDataset("output")) {
        layer.output = readSeries(g, "output", "output", layer.steps, batch);
    }
    const std::string cellClass = stringAttributeOr(g, "cell_class", "");
    if (cellClass == "StackedRNNCells" || g.isGroup("cells")) {
        const Hdf5Group cells = requireGroup(g, "cells");
        const auto count = g.intAttribute("cell_count").value_or(static_cast<std::int64_t>(cells.childNames().size()));
        for (std::int64_t k = 0; k < count; ++k) {
            const Hdf5Group c = requireGroup(cells, std::to_string(k));
            layer.cells.push_back(readCell(c, stringAttributeOr(c, "class", ""), true, layer.steps, batch));
        }
    } else if (!cellClass.empty()) {
        layer.cells.push_back(readCell(g, cellClass, false, layer.steps, batch));
    }
    if (g.isDataset("mask")) {
        const Hdf5Dataset d = g.dataset("mask");
        const std::vector<std::uint8_t> byBatch = readMask(d, batch, layer.steps);
        batch = d.shape()[0];
        // [B,T] -> the [steps, batch] processing order the engine records.
        layer.mask.resize(byBatch.size());
        for (Index b = 0; b < batch; ++b) {
            for (Index s = 0; s < layer.steps; ++s) {
                layer.mask[static_cast<std::size_t>(s * batch + b)]
                    = byBatch[static_cast<std::size_t>(b * layer.steps + s)] != 0 ? 1 : 0;
            }
        }
    }
    layer.batch = std::max<Index>(batch, 0);
    return layer;
}

LayerTrace readLayer(const Hdf5Group& layers, const std::string& key)
{
    const Hdf5Group g = requireGroup(layers, key);
    if (!g.hasAttribute("directions")) {
        return readSingleLayer(g, key);
    }
    LayerTrace layer;
    layer.name = stringAttributeOr(g, "name", key);
    layer.className = stringAttributeOr(g, "class", "Bidirectional");
    layer.units = unitsAttribute(g);
    layer.options = readOptions(g);
    const auto directions = g.stringListAttribute("directions");
    if (directions.empty()) {
        g.fail("attribute 'directions' is empty");
    }
    for (const auto& d : directions) {
        layer.directions.push_back(readSingleLayer(requireGroup(g, d), d));
        const LayerTrace& first = layer.directions.front();
        const LayerTrace& last = layer.directions.back();
        if (last.steps != first.steps || last.batch != first.batch) {
            g.fail("direction " + inQuotes(d) + " has batch " + std::to_string(last.batch) + " and "
                + std::to_string(last.steps) + " steps, but " + inQuotes(directions.front()) + " has batch "
                + std::to_string(first.batch) + " and " + std::to_string(first.steps) + " steps");
        }
    }
    layer.batch = layer.directions.front().batch;
    layer.steps = layer.directions.front().steps;
    return layer;
}

// Named tensors of a group in its `order` attribute's order (HDF5 name order without one).
std::vector<std::pair<std::string, Tensor>> readNamedTensors(const Hdf5Group& g)
{
    std::vector<std::pair<std::string, Tensor>> out;
    const std::vector<std::string> names = g.hasAttribute("order") ? g.stringListAttribute("order") : g.childNames();
    for (const auto& name : names) {
        out.emplace_back(name, readTensor(requireDataset(g, name)));
    }
    return out;
}

void checkFormat(const std::string& path, const Hdf5Group& root)
{
    if (!root.hasAttribute("format")) {
        throw FileError(path, "not an RNNScope trace (no 'format' attribute at the root)");
    }
    const std::string format = root.stringAttribute("format");
    if (format != kFormat) {
        throw FileError(path, "not an RNNScope trace (format is \"" + format + "\", expected \"" + kFormat + "\")");
    }
    const auto version = root.intAttribute("format_version");
    if (!version) {
        throw FileError(path, "no 'format_version' attribute at the root");
    }
    if (*version != kFormatVersion) {
        throw FileError(path,
            "trace format_version " + std::to_string(*version) + " is not supported (this RNNScope reads version "
                + std::to_string(kFormatVersion) + ")");
    }
}

} // namespace

RunSnapshot readTraceHdf5(const std::string& path, TraceMetadata* metadata)
{
    // HDF5 reads the variable-length string attributes without checking their heap: check it first.
    checkHdf5GlobalHeapsInFile(path);
    const Hdf5File file = Hdf5File::openReadOnly(path);
    const Hdf5Group root = file.root();
    checkFormat(path, root);
    if (!root.isGroup("layers")) {
        throw FileError(path, "no group 'layers': not a complete trace");
    }

    RunSnapshot snap;
    snap.generation = 1;
    if (metadata != nullptr) {
        metadata->producer = stringAttributeOr(root, "producer", "");
        metadata->model = stringAttributeOr(root, "model", "");
        metadata->optionsJson = stringAttributeOr(root, "options", "{}");
    }

    const Hdf5Group layers = root.group("layers");
    const std::vector<std::string> order
        = layers.hasAttribute("order") ? layers.stringListAttribute("order") : layers.childNames();
    for (const auto& key : order) {
        snap.trace.layers.push_back(readLayer(layers, key));
    }

    if (root.isGroup("inputs")) {
        snap.inputs = readNamedTensors(root.group("inputs"));
    } else if (root.isDataset("input")) {
        snap.inputs.emplace_back("input", readTensor(root.dataset("input")));
    }
    if (root.isDataset("mask")) {
        const Hdf5Dataset d = root.dataset("mask");
        std::vector<std::uint8_t> values = readMask(d, -1, -1);
        const std::string source = d.hasAttribute("source") ? d.stringAttribute("source") : "passed";
        if (source == "passed") {
            for (auto& v : values) {
                v = v != 0 ? 1 : 0;
            }
            snap.mask = Mask(d.shape()[0], d.shape()[1], std::move(values));
        }
    }
    if (root.isGroup("outputs")) {
        snap.outputs = readNamedTensors(root.group("outputs"));
    }
    return snap;
}

} // namespace rnnscope::io
