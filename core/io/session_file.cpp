#include "session_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "breakpoint_json.h"
#include "file_error.h"

namespace rnnscope::io {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "rnnscope-session";
constexpr int kVersion = 1;

// A path as stored: absolute, plus relative to the session's directory so a folder moved as a whole still opens.
json pathJson(const std::string& path, const fs::path& sessionDir)
{
    if (path.empty()) {
        return nullptr;
    }
    const fs::path absolute = fs::absolute(path).lexically_normal();
    std::error_code ec;
    const fs::path relative = fs::relative(absolute, sessionDir, ec);
    return json {{"path", absolute.string()}, {"relative", ec ? std::string() : relative.string()}};
}

bool exists(const std::string& path)
{
    std::error_code ec;
    return !path.empty() && fs::exists(path, ec);
}

// Reads a field, naming it in the error when it has the wrong type.
template <typename T>
T field(const json& object, const char* key, const T& fallback, const std::string& file, const std::string& where)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return fallback;
    }
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        throw FileError(file, "field '" + where + key + "' has the wrong type (" + it->type_name() + ")");
    }
}

json sequenceOptionsJson(const SequenceOptions& o, const fs::path& dir)
{
    json j;
    j["vocab"] = o.vocabFile ? pathJson(*o.vocabFile, dir) : json(nullptr);
    j["tokens"] = o.tokens == TokenMode::Chars ? "chars" : "words";
    j["lower"] = o.lower;
    j["oov_id"] = o.oovId ? json(*o.oovId) : json(nullptr);
    j["pad"] = o.pad;
    j["pad_value"] = o.padValue;
    j["pad_side"] = !o.padSide ? json(nullptr) : json(*o.padSide == PadSide::Pre ? "pre" : "post");
    return j;
}

json probeJson(const SessionProbe& p)
{
    return json {{"kind", p.kind}, {"batch", p.batch}, {"steps", p.steps}, {"features", p.features},
        {"amplitude", p.amplitude}, {"onset", p.onset}, {"period", p.period}, {"seed", p.seed}};
}

json editJson(const WhatIfEdit& e)
{
    return json {{"batch", e.batch}, {"layer", e.layer}, {"step", e.step}, {"state_index", e.stateIndex},
        {"state_name", e.stateName}, {"sample", e.sample}, {"units", e.units}, {"values", e.values}};
}

class Reader
{
public:
    Reader(std::string file, fs::path dir)
        : m_file(std::move(file))
        , m_dir(std::move(dir))
    {
    }

    template <typename T> T get(const json& o, const char* key, const T& fallback, const std::string& where = {}) const
    {
        return field<T>(o, key, fallback, m_file, where);
    }

    const json& object(const json& o, const char* key, const std::string& where = {}) const
    {
        static const json empty = json::object();
        const auto it = o.find(key);
        if (it == o.end() || it->is_null()) {
            return empty;
        }
        if (!it->is_object()) {
            throw FileError(m_file, "field '" + where + key + "' should be an object, not " + it->type_name());
        }
        return *it;
    }

    const json& array(const json& o, const char* key, const std::string& where = {}) const
    {
        static const json empty = json::array();
        const auto it = o.find(key);
        if (it == o.end() || it->is_null()) {
            return empty;
        }
        if (!it->is_array()) {
            throw FileError(m_file, "field '" + where + key + "' should be a list, not " + it->type_name());
        }
        return *it;
    }

    // The stored absolute path when it exists, else the relative one resolved against the session's directory
    // when that exists, else the absolute one (the caller asks the user where it went).
    std::string path(const json& o, const char* key, const std::string& where = {}) const
    {
        const auto it = o.find(key);
        if (it == o.end() || it->is_null()) {
            return {};
        }
        if (!it->is_object()) {
            throw FileError(m_file, "field '" + where + key + "' should be a {path, relative} object");
        }
        const std::string absolute = get<std::string>(*it, "path", {}, where + key + ".");
        const std::string relative = get<std::string>(*it, "relative", {}, where + key + ".");
        if (exists(absolute) || relative.empty()) {
            return absolute;
        }
        const std::string moved = (m_dir / relative).lexically_normal().string();
        return exists(moved) ? moved : absolute;
    }

    const std::string& file() const { return m_file; }

private:
    std::string m_file;
    fs::path m_dir;
};

SequenceOptions readSequenceOptions(const Reader& r, const json& j, const std::string& where)
{
    SequenceOptions o;
    const std::string vocab = r.path(j, "vocab", where);
    if (!vocab.empty()) {
        o.vocabFile = vocab;
    }
    const std::string tokens = r.get<std::string>(j, "tokens", "words", where);
    if (tokens != "words" && tokens != "chars") {
        throw FileError(r.file(), "field '" + where + "tokens' is '" + tokens + "', not words or chars");
    }
    o.tokens = tokens == "chars" ? TokenMode::Chars : TokenMode::Words;
    o.lower = r.get<bool>(j, "lower", false, where);
    if (j.contains("oov_id") && !j["oov_id"].is_null()) {
        o.oovId = r.get<std::int64_t>(j, "oov_id", 0, where);
    }
    o.pad = r.get<bool>(j, "pad", false, where);
    o.padValue = r.get<float>(j, "pad_value", 0.0F, where);
    const std::string side = r.get<std::string>(j, "pad_side", {}, where);
    if (side == "pre") {
        o.padSide = PadSide::Pre;
    } else if (side == "post") {
        o.padSide = PadSide::Post;
    } else if (!side.empty()) {
        throw FileError(r.file(), "field '" + where + "pad_side' is '" + side + "', not pre or post");
    }
    return o;
}

} // namespace

std::string specFilePart(const std::string& spec)
{
    const std::string textPrefix = "text:";
    if (spec.rfind(textPrefix, 0) == 0) {
        return spec.substr(textPrefix.size());
    }
    for (const char* ext : {".h5:", ".hdf5:", ".hdf:"}) {
        const auto at = spec.find(ext);
        if (at != std::string::npos) {
            return spec.substr(0, at + std::char_traits<char>::length(ext) - 1);
        }
    }
    if (spec.find_first_of("*?[") != std::string::npos) {
        return fs::path(spec).parent_path().string();
    }
    return spec;
}

std::string replaceSpecFilePart(const std::string& spec, const std::string& file)
{
    const std::string part = specFilePart(spec);
    const auto at = spec.find(part);
    if (part.empty() || at == std::string::npos) {
        return file;
    }
    return spec.substr(0, at) + file + spec.substr(at + part.size());
}

SessionFile readSession(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw FileError(path, "cannot be opened");
    }
    std::ostringstream text;
    text << in.rdbuf();
    json j;
    try {
        j = json::parse(text.str());
    } catch (const json::exception& e) { // parse_error, or out_of_range for a number too large
        throw FileError(path, std::string("is not a session file (malformed JSON: ") + e.what() + ")");
    }
    // Not j.value("format", ...): that throws a json type_error when "format" is there but not a string.
    const auto format = j.is_object() ? j.find("format") : j.end();
    if (format == j.end() || !format->is_string() || format->get<std::string>() != kFormat) {
        throw FileError(path, "is not an RNNScope session (no \"format\": \"rnnscope-session\")");
    }
    const Reader r(path, fs::absolute(path).parent_path());
    const int version = r.get<int>(j, "version", 0);
    if (version != kVersion) {
        throw FileError(path,
            "is a session of version " + std::to_string(version) + "; this RNNScope reads version "
                + std::to_string(kVersion));
    }
    SessionFile s;
    s.model = r.path(j, "model");
    if (s.model.empty()) {
        throw FileError(path, "names no model");
    }
    s.weights = r.path(j, "weights");
    int b = 0;
    for (const json& batch : r.array(j, "batches")) {
        const std::string where = "batches[" + std::to_string(b++) + "].";
        if (!batch.is_object()) {
            throw FileError(path, "field '" + where.substr(0, where.size() - 1) + "' should be an object");
        }
        SessionInput input;
        const std::string source = r.get<std::string>(batch, "source", "default", where);
        if (source == "file") {
            input.source = SessionInput::Source::File;
            const json& spec = r.object(batch, "spec", where);
            const std::string file = r.path(batch, "spec", where);
            const std::string stored = r.get<std::string>(spec, "spec", {}, where + "spec.");
            input.spec = stored.empty() ? file : replaceSpecFilePart(stored, file);
            input.options = readSequenceOptions(r, r.object(batch, "options", where), where + "options.");
        } else if (source == "probe") {
            input.source = SessionInput::Source::Probe;
            const json& p = r.object(batch, "probe", where);
            const std::string w = where + "probe.";
            input.probe.kind = r.get<std::string>(p, "kind", "sine", w);
            input.probe.batch = r.get<Index>(p, "batch", 1, w);
            input.probe.steps = r.get<Index>(p, "steps", 50, w);
            input.probe.features = r.get<Index>(p, "features", 1, w);
            input.probe.amplitude = r.get<double>(p, "amplitude", 1.0, w);
            input.probe.onset = r.get<Index>(p, "onset", 0, w);
            input.probe.period = r.get<double>(p, "period", 20.0, w);
            input.probe.seed = r.get<std::uint32_t>(p, "seed", 1, w);
        } else if (source != "default") {
            throw FileError(path, "field '" + where + "source' is '" + source + "', not file, probe or default");
        }
        s.batches.push_back(std::move(input));
    }
    for (const auto& [layer, options] : r.object(j, "layer_options").items()) {
        if (!options.is_object()) {
            throw FileError(path, "field 'layer_options." + layer + "' should be an object");
        }
        for (const auto& [option, value] : options.items()) {
            if (!value.is_boolean()) {
                throw FileError(path, "field 'layer_options." + layer + "." + option + "' should be true or false");
            }
            s.layerOptions[layer][option] = value.get<bool>();
        }
    }
    const json& initial = r.object(j, "initial_states");
    s.initialStates = r.get<std::string>(initial, "kind", "zeros", "initial_states.");
    if (s.initialStates != "zeros" && s.initialStates != "random" && s.initialStates != "files") {
        throw FileError(path, "field 'initial_states.kind' is '" + s.initialStates + "', not zeros, random or files");
    }
    const json& files = r.array(initial, "files", "initial_states.");
    for (std::size_t k = 0; k < files.size(); ++k) {
        const json wrapper {{"f", files[k]}};
        s.initialStateFiles.push_back(r.path(wrapper, "f", "initial_states.files[" + std::to_string(k) + "]."));
    }
    for (const json& t : r.array(j, "mask_toggles")) {
        if (!t.is_array() || t.size() != 3 || !t[0].is_number_integer() || !t[1].is_number_integer()
            || !t[2].is_number_integer()) {
            throw FileError(path, "field 'mask_toggles' should hold [batch, sample, time] integer triples");
        }
        s.maskToggles.push_back({t[0].get<int>(), t[1].get<Index>(), t[2].get<Index>()});
    }
    int e = 0;
    for (const json& edit : r.array(j, "what_if")) {
        const std::string where = "what_if[" + std::to_string(e++) + "].";
        WhatIfEdit w;
        w.batch = r.get<int>(edit, "batch", 0, where);
        w.layer = r.get<std::string>(edit, "layer", {}, where);
        w.step = r.get<Index>(edit, "step", 0, where);
        w.stateIndex = r.get<int>(edit, "state_index", 0, where);
        w.stateName = r.get<std::string>(edit, "state_name", {}, where);
        w.sample = r.get<Index>(edit, "sample", 0, where);
        w.units = r.get<std::vector<Index>>(edit, "units", {}, where);
        w.values = r.get<std::vector<float>>(edit, "values", {}, where);
        if (w.layer.empty() || w.values.empty()) {
            throw FileError(path, "field '" + where + "' needs a layer and values");
        }
        s.edits.push_back(std::move(w));
    }
    int k = 0;
    for (const json& bp : r.array(j, "breakpoints")) {
        s.breakpoints.push_back(breakpointFromJson(bp, path, "breakpoints[" + std::to_string(k++) + "]."));
    }
    const json& record = r.object(j, "record");
    s.record.layers = r.get<std::vector<std::string>>(record, "layers", {}, "record.");
    s.record.inputs = r.get<bool>(record, "inputs", true, "record.");
    s.record.states = r.get<bool>(record, "states", true, "record.");
    s.record.gates = r.get<bool>(record, "gates", true, "record.");
    s.record.outputs = r.get<bool>(record, "outputs", true, "record.");
    if (!s.record.inputs && !s.record.states && !s.record.gates && !s.record.outputs) {
        throw FileError(path, "field 'record' records no quantity (inputs, states, gates, outputs)");
    }
    const json& sel = r.object(j, "selection");
    const std::string w = "selection.";
    s.selection.layer = r.get<int>(sel, "layer", 0, w);
    s.selection.direction = r.get<int>(sel, "direction", -1, w);
    s.selection.cell = r.get<int>(sel, "cell", 0, w);
    s.selection.kind = r.get<std::string>(sel, "kind", "state", w);
    s.selection.name = r.get<std::string>(sel, "name", "h", w);
    s.selection.sample = r.get<Index>(sel, "sample", 0, w);
    s.selection.step = r.get<Index>(sel, "step", -1, w);
    s.selection.units = r.get<std::vector<int>>(sel, "units", {}, w);
    if (sel.contains("time_range") && !sel["time_range"].is_null()) {
        const auto range = r.get<std::vector<double>>(sel, "time_range", {}, w);
        if (range.size() != 2) {
            throw FileError(path, "field 'selection.time_range' should be [low, high]");
        }
        s.selection.timeRange = std::make_pair(range[0], range[1]);
    }
    s.selection.shownBatch = r.get<int>(sel, "shown_batch", 0, w);
    s.selection.display = r.get<std::string>(sel, "display", "current", w);
    const json& window = r.object(j, "window");
    s.windowGeometry = r.get<std::string>(window, "geometry", {}, "window.");
    s.windowState = r.get<std::string>(window, "state", {}, "window.");
    return s;
}

void writeSession(const std::string& path, const SessionFile& s)
{
    const fs::path dir = fs::absolute(path).parent_path();
    json j;
    j["format"] = kFormat;
    j["version"] = kVersion;
    j["model"] = pathJson(s.model, dir);
    j["weights"] = pathJson(s.weights, dir);
    json batches = json::array();
    for (const SessionInput& input : s.batches) {
        json b;
        switch (input.source) {
        case SessionInput::Source::Default:
            b["source"] = "default";
            break;
        case SessionInput::Source::File: {
            b["source"] = "file";
            const std::string file = specFilePart(input.spec);
            json spec = pathJson(file, dir);
            spec["spec"] = input.spec;
            b["spec"] = spec;
            b["options"] = sequenceOptionsJson(input.options, dir);
            break;
        }
        case SessionInput::Source::Probe:
            b["source"] = "probe";
            b["probe"] = probeJson(input.probe);
            break;
        }
        batches.push_back(std::move(b));
    }
    j["batches"] = batches;
    j["layer_options"] = s.layerOptions;
    json files = json::array();
    for (const auto& f : s.initialStateFiles) {
        files.push_back(pathJson(f, dir));
    }
    j["initial_states"] = {{"kind", s.initialStates}, {"files", files}};
    json toggles = json::array();
    for (const auto& t : s.maskToggles) {
        toggles.push_back({t.batch, t.sample, t.time});
    }
    j["mask_toggles"] = toggles;
    json edits = json::array();
    for (const auto& e : s.edits) {
        edits.push_back(editJson(e));
    }
    j["what_if"] = edits;
    json breakpoints = json::array();
    for (const auto& bp : s.breakpoints) {
        breakpoints.push_back(breakpointToJson(bp));
    }
    j["breakpoints"] = breakpoints;
    j["record"] = {{"layers", s.record.layers}, {"inputs", s.record.inputs}, {"states", s.record.states},
        {"gates", s.record.gates}, {"outputs", s.record.outputs}};
    const SessionSelection& sel = s.selection;
    j["selection"] = {{"layer", sel.layer}, {"direction", sel.direction}, {"cell", sel.cell}, {"kind", sel.kind},
        {"name", sel.name}, {"sample", sel.sample}, {"step", sel.step}, {"units", sel.units},
        {"time_range", sel.timeRange ? json {sel.timeRange->first, sel.timeRange->second} : json(nullptr)},
        {"shown_batch", sel.shownBatch}, {"display", sel.display}};
    j["window"] = {{"geometry", s.windowGeometry}, {"state", s.windowState}};
    const std::string text = j.dump(1) + "\n";
    AtomicFile::writeBytes(path, text.data(), text.size());
}

std::vector<SessionFileRef> sessionFileRefs(SessionFile& session)
{
    std::vector<SessionFileRef> refs;
    refs.push_back({"model", &session.model});
    if (!session.weights.empty()) {
        refs.push_back({"weights", &session.weights});
    }
    for (std::size_t b = 0; b < session.batches.size(); ++b) {
        SessionInput& input = session.batches[b];
        if (input.source != SessionInput::Source::File) {
            continue;
        }
        refs.push_back({"input of batch " + std::to_string(b + 1), &input.spec, true});
        if (input.options.vocabFile) {
            refs.push_back({"vocabulary of batch " + std::to_string(b + 1), &*input.options.vocabFile});
        }
    }
    for (std::size_t k = 0; k < session.initialStateFiles.size(); ++k) {
        refs.push_back({"initial state " + std::to_string(k + 1), &session.initialStateFiles[k]});
    }
    return refs;
}

} // namespace rnnscope::io
