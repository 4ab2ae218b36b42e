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

namespace rnnscope::io {

namespace {

namespace fs = std::filesystem;
// Ordered, so options keep the order Keras lists them in.
using Json = nlohmann::ordered_json;

constexpr int kFormatVersion = 1;
constexpr int kDeflateLevel = 4;

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

struct Attribute
{
    enum class Kind { String, Int, StringList, Json };
    std::string name;
    Kind kind = Kind::String;
    std::string text;
    std::int64_t number = 0;
    std::vector<std::string> list;
    Json json;
};
using Attributes = std::vector<Attribute>;

Attribute stringAttr(std::string name, std::string value)
{
    Attribute a;
    a.name = std::move(name);
    a.kind = Attribute::Kind::String;
    a.text = std::move(value);
    return a;
}

Attribute intAttr(std::string name, std::int64_t value)
{
    Attribute a;
    a.name = std::move(name);
    a.kind = Attribute::Kind::Int;
    a.number = value;
    return a;
}

Attribute listAttr(std::string name, std::vector<std::string> values)
{
    Attribute a;
    a.name = std::move(name);
    a.kind = Attribute::Kind::StringList;
    a.list = std::move(values);
    return a;
}

Attribute jsonAttr(std::string name, Json value)
{
    Attribute a;
    a.name = std::move(name);
    a.kind = Attribute::Kind::Json;
    a.json = std::move(value);
    return a;
}

// Paths are relative to the root, without a leading slash; "" is the root.
class TraceSink
{
public:
    virtual ~TraceSink() = default;
    // Called once per group, before any dataset inside it.
    virtual void group(const std::string& path, const Attributes& attributes) = 0;
    virtual void floats(const std::string& path, const Tensor& values) = 0;
    virtual void mask(const std::string& path, const Shape& shape, const std::uint8_t* values) = 0;
    virtual void ints(const std::string& path, const Shape& shape, const std::int32_t* values) = 0;
    // Attributes of a dataset written before.
    virtual void datasetAttributes(const std::string& path, const Attributes& attributes) = 0;
};

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

Json runOptions(const std::string& text)
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

std::vector<std::string> stateNames(const CellTrace& cell)
{
    std::vector<std::string> names;
    for (const auto& s : cell.states) {
        names.push_back(s.name());
    }
    return names;
}

// A gate series split into per-gate batch-major tensors [B,T,U].
struct Gate
{
    std::string name;
    Tensor values;
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

std::vector<Gate> splitGates(const CellTrace& cell)
{
    std::vector<Gate> gates;
    const auto known = gateNamesForCellClass(cell.className);
    for (const auto& series : cell.gates) {
        if (!splitsInto(series, known)) {
            gates.push_back({series.name(), series.toBatchMajor()});
            continue;
        }
        const auto count = static_cast<Index>(known.size());
        const Index width = series.width() / count;
        for (Index g = 0; g < count; ++g) {
            Tensor t({series.batch(), series.steps(), width});
            for (Index b = 0; b < series.batch(); ++b) {
                for (Index s = 0; s < series.steps(); ++s) {
                    const float* src = series.stepData(s) + b * series.width() + g * width;
                    std::copy(src, src + width, t.data() + (b * series.steps() + s) * width);
                }
            }
            gates.push_back({known[static_cast<std::size_t>(g)], std::move(t)});
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

void writeCell(TraceSink& sink, const std::string& prefix, const CellTrace& cell)
{
    for (const auto& s : cell.states) {
        sink.floats(prefix + "/states/" + pathComponent(s.name()), s.toBatchMajor());
    }
    for (const auto& g : splitGates(cell)) {
        sink.floats(prefix + "/gates/" + pathComponent(g.name), g.values);
    }
}

// One recurrent layer or one direction of a Bidirectional.
void writeSingleLayer(TraceSink& sink, const std::string& prefix, const LayerTrace& layer)
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
        sink.floats(prefix + "/input", layer.input.toBatchMajor());
    }
    if (!layer.output.empty()) {
        sink.floats(prefix + "/output", layer.output.toBatchMajor());
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
            sink.floats(cellPrefix + "/input", cell.input.toBatchMajor());
        }
        if (!cell.output.empty()) {
            sink.floats(cellPrefix + "/output", cell.output.toBatchMajor());
        }
    }
}

void writeLayer(TraceSink& sink, const std::string& prefix, const LayerTrace& layer)
{
    if (layer.directions.empty()) {
        writeSingleLayer(sink, prefix, layer);
        return;
    }
    std::vector<std::string> directionNames;
    for (const auto& d : layer.directions) {
        directionNames.push_back(d.name);
    }
    const auto keys = uniqueComponents(directionNames, "_");
    sink.group(prefix,
        {stringAttr("class", layer.className), intAttr("units", layer.units), stringAttr("name", layer.name),
            listAttr("state_names", {}), listAttr("gate_names", {}), listAttr("directions", keys),
            jsonAttr("options", optionsObject(layer.options))});
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

void writeTrace(TraceSink& sink, const ModelTrace& trace, const TraceInputs& inputs, const Json& options)
{
    sink.group("",
        {stringAttr("format", "rnnscope-trace"), intAttr("format_version", kFormatVersion),
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

    std::vector<std::string> layerNames;
    for (const auto& layer : trace.layers) {
        layerNames.push_back(layer.name);
    }
    const auto layerKeys = uniqueComponents(layerNames, "_call");
    sink.group("layers", {listAttr("order", layerKeys)});
    for (std::size_t i = 0; i < trace.layers.size(); ++i) {
        writeLayer(sink, "layers/" + layerKeys[i], trace.layers[i]);
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

// Builds the file in memory (HDF5's core driver, no backing store) and hands back its bytes, which
// AtomicFile then writes. HDF5 itself never writes to disk here: HDF5 1.10 cannot recover from a failed write
// (a full disk) — after H5Fclose fails, closing the file again, or the library's own clean-up at exit,
// crashes the process. Written with the C API because Hdf5File only creates files on disk; the encodings
// (variable-length UTF-8 strings, int64 scalars, shuffle + deflate) are those of Hdf5Object's writers.
class Hdf5MemorySink : public TraceSink
{
public:
    explicit Hdf5MemorySink(std::string nameForErrors)
        : m_name(std::move(nameForErrors))
    {
        // Once per process, as Hdf5File does: failures become FileError, not HDF5's stderr dump.
        static const bool silenced = [] {
            H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
            return true;
        }();
        (void)silenced;
        Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), Hdf5Handle::Kind::PropertyList);
        if (!fapl || H5Pset_fapl_core(fapl.id(), kCoreIncrement, 0) < 0) {
            fail("cannot set up an in-memory HDF5 file");
        }
        // A name of its own: HDF5 refuses to create a file it has open, and the user may be viewing the old
        // trace under the final name in this very process.
        static std::atomic<unsigned long> counter {0};
        const std::string memoryName = "rnnscope-trace-in-memory-" + std::to_string(counter++);
        m_file
            = Hdf5Handle(H5Fcreate(memoryName.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id()), Hdf5Handle::Kind::File);
        m_lcpl = Hdf5Handle(H5Pcreate(H5P_LINK_CREATE), Hdf5Handle::Kind::PropertyList);
        m_stringType = Hdf5Handle(H5Tcopy(H5T_C_S1), Hdf5Handle::Kind::Datatype);
        if (!m_file || !m_lcpl || !m_stringType || H5Pset_create_intermediate_group(m_lcpl.id(), 1) < 0
            || H5Pset_char_encoding(m_lcpl.id(), H5T_CSET_UTF8) < 0 || H5Tset_size(m_stringType.id(), H5T_VARIABLE) < 0
            || H5Tset_cset(m_stringType.id(), H5T_CSET_UTF8) < 0) {
            fail("cannot create an in-memory HDF5 file");
        }
    }

    void group(const std::string& path, const Attributes& attributes) override
    {
        Hdf5Handle g(path.empty() ? H5Gopen2(m_file.id(), "/", H5P_DEFAULT)
                                  : H5Gcreate2(m_file.id(), path.c_str(), m_lcpl.id(), H5P_DEFAULT, H5P_DEFAULT),
            Hdf5Handle::Kind::Group);
        if (!g) {
            fail(label(path) + ": cannot create group");
        }
        setAttributes(g.id(), path, attributes);
    }
    void floats(const std::string& path, const Tensor& values) override
    {
        write(path, values.shape(), values.data(), H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, sizeof(float));
    }
    void mask(const std::string& path, const Shape& shape, const std::uint8_t* values) override
    {
        write(path, shape, values, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1);
    }
    void ints(const std::string& path, const Shape& shape, const std::int32_t* values) override
    {
        write(path, shape, values, H5T_STD_I32LE, H5T_NATIVE_INT32, sizeof(std::int32_t));
    }
    void datasetAttributes(const std::string& path, const Attributes& attributes) override
    {
        Hdf5Handle d(H5Dopen2(m_file.id(), path.c_str(), H5P_DEFAULT), Hdf5Handle::Kind::Dataset);
        if (!d) {
            fail(label(path) + ": cannot open dataset");
        }
        setAttributes(d.id(), path, attributes);
    }

    // The finished file's bytes; closes the file.
    std::vector<unsigned char> finish()
    {
        if (H5Fflush(m_file.id(), H5F_SCOPE_GLOBAL) < 0) {
            fail("cannot finish the HDF5 file");
        }
        const ssize_t size = H5Fget_file_image(m_file.id(), nullptr, 0);
        std::vector<unsigned char> bytes(size > 0 ? static_cast<std::size_t>(size) : 0U);
        if (size <= 0 || H5Fget_file_image(m_file.id(), bytes.data(), bytes.size()) != size) {
            fail("cannot take the HDF5 file's image");
        }
        if (m_file.close() < 0) {
            fail("cannot close the in-memory HDF5 file");
        }
        return bytes;
    }

private:
    static constexpr std::size_t kCoreIncrement = std::size_t {1} << 20;
    // Chunks of about this size: big enough to compress well, small enough to read one sample cheaply.

    [[noreturn]] void fail(const std::string& problem) const { throw FileError(m_name, problem); }
    static std::string label(const std::string& path) { return path.empty() ? std::string("/") : path; }

    void write(const std::string& path, const Shape& shape, const void* values, hid_t fileType, hid_t memoryType,
        std::size_t itemSize)
    {
        const Index volume = shapeVolume(shape);
        const std::vector<hsize_t> dims(shape.begin(), shape.end());
        Hdf5Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
            Hdf5Handle::Kind::Dataspace);
        Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), Hdf5Handle::Kind::PropertyList);
        if (!space || !dcpl) {
            fail(label(path) + ": cannot create dataset");
        }
        if (volume > 0 && !shape.empty()) {
            // Shuffle then deflate: both are built into every HDF5, so h5py reads them without plugins.
            const std::vector<hsize_t> chunk = hdf5ChunkDims(shape, itemSize);
            if (H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()) < 0
                || H5Pset_shuffle(dcpl.id()) < 0 || H5Pset_deflate(dcpl.id(), kDeflateLevel) < 0) {
                fail(label(path) + ": cannot set up chunking and compression");
            }
        }
        Hdf5Handle d(H5Dcreate2(m_file.id(), path.c_str(), fileType, space.id(), m_lcpl.id(), dcpl.id(), H5P_DEFAULT),
            Hdf5Handle::Kind::Dataset);
        if (!d) {
            fail(label(path) + ": cannot create dataset");
        }
        if (volume > 0 && H5Dwrite(d.id(), memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
            fail(label(path) + ": cannot write dataset");
        }
    }

    void setAttributes(hid_t object, const std::string& path, const Attributes& attributes)
    {
        for (const auto& a : attributes) {
            const bool isList = a.kind == Attribute::Kind::StringList;
            const hsize_t count = isList ? a.list.size() : 1;
            Hdf5Handle space(
                isList ? H5Screate_simple(1, &count, nullptr) : H5Screate(H5S_SCALAR), Hdf5Handle::Kind::Dataspace);
            const hid_t type = a.kind == Attribute::Kind::Int ? H5T_STD_I64LE : m_stringType.id();
            Hdf5Handle attribute(
                space ? H5Acreate2(object, a.name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT) : -1,
                Hdf5Handle::Kind::Attribute);
            if (!attribute) {
                fail(label(path) + ": cannot create attribute '" + a.name + "'");
            }
            herr_t status = 0;
            switch (a.kind) {
            case Attribute::Kind::Int:
                status = H5Awrite(attribute.id(), H5T_NATIVE_INT64, &a.number);
                break;
            case Attribute::Kind::String:
            case Attribute::Kind::Json: {
                const std::string text = a.kind == Attribute::Kind::Json ? a.json.dump() : a.text;
                const char* pointer = text.c_str();
                status = H5Awrite(attribute.id(), m_stringType.id(), &pointer);
                break;
            }
            case Attribute::Kind::StringList: {
                std::vector<const char*> pointers;
                for (const auto& s : a.list) {
                    pointers.push_back(s.c_str());
                }
                status = pointers.empty() ? 0 : H5Awrite(attribute.id(), m_stringType.id(), pointers.data());
                break;
            }
            }
            if (status < 0) {
                fail(label(path) + ": cannot write attribute '" + a.name + "'");
            }
        }
    }

    std::string m_name;
    // Declared before m_file: destroyed after it, so the file is closed while the helpers still exist.
    Hdf5Handle m_lcpl;
    Hdf5Handle m_stringType;
    Hdf5Handle m_file;
};

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
    explicit NpySink(std::string dir)
        : m_dir(std::move(dir))
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
        for (auto& g : splitGates(cell)) {
            add(stem, "gate_" + pathComponent(g.name), std::move(g.values));
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
    const Json options = runOptions(inputs.optionsJson);
    std::error_code ec;
    if (fs::is_directory(fs::status(path, ec))) {
        throw FileError(path, "is a directory");
    }
    // Checked before the (possibly long) in-memory build, so a wrong path fails at once with a clear message.
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
    std::vector<unsigned char> bytes;
    {
        Hdf5MemorySink sink(path);
        writeTrace(sink, trace, inputs, options);
        bytes = sink.finish();
    }
    AtomicFile::writeBytes(path, bytes.data(), bytes.size());
}

void writeTraceNpy(const std::string& dir, const ModelTrace& trace, const TraceInputs& inputs)
{
    const Json options = runOptions(inputs.optionsJson);
    ensureDirectory(dir);
    NpySink sink(dir);
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
