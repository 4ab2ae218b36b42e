#include "model_loader.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "file_error.h"
#include "hdf5_file.h"
#include "hdf5_heap_check.h"
#include "keras3_weights.h"
#include "keras_archive.h"
#include "keras_h5.h"
#include "weights.h"

namespace rnnscope::io {

FileKind detectFileKind(const std::string& path)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return FileKind::Directory;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
    }
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0);
    std::array<char, 512> head {};
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    const std::size_t got = static_cast<std::size_t>(in.gcount());
    static const char hdf5Magic[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
    if (got >= 8 && std::memcmp(head.data(), hdf5Magic, 8) == 0) {
        return FileKind::Hdf5;
    }
    // A local file header first; an archive without members is only its end-of-central-directory record.
    if (got >= 4
        && (std::memcmp(head.data(), "PK\x03\x04", 4) == 0 || std::memcmp(head.data(), "PK\x05\x06", 4) == 0)) {
        return FileKind::Zip;
    }
    // JSON: skip a UTF-8 byte order mark and white space.
    std::size_t i = 0;
    if (got >= 3 && std::memcmp(head.data(), "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < got && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) {
        ++i;
    }
    if (i < got && head[i] == '{') {
        return FileKind::Json;
    }
    // The HDF5 superblock may follow a user block of 512, 1024, 2048, ... bytes (HDF5 file format spec, 2.1).
    for (std::streamoff offset = 512; offset + 8 <= size; offset *= 2) {
        char magic[8] = {};
        in.clear();
        in.seekg(offset);
        in.read(magic, 8);
        if (in.gcount() == 8 && std::memcmp(magic, hdf5Magic, 8) == 0) {
            return FileKind::Hdf5;
        }
    }
    return FileKind::Unknown;
}

namespace {

ConfigHints hintsFrom(const LegacyWeights& weights)
{
    auto shapes = std::make_shared<std::map<std::string, std::vector<Shape>>>();
    for (const auto& [name, arrays] : weights.layers) {
        auto& list = (*shapes)[name];
        for (const auto& a : arrays) {
            list.push_back(a.shape);
        }
    }
    ConfigHints hints;
    hints.layerWeightShapes = [shapes](const std::string& layer) -> std::optional<std::vector<Shape>> {
        auto it = shapes->find(layer);
        if (it == shapes->end()) {
            return std::nullopt;
        }
        return it->second;
    };
    return hints;
}

// Weights from a file other than the model file, in either generation's layout.
struct WeightsSource
{
    bool keras3 = false;
    LegacyWeights legacy; // !keras3
    std::optional<Hdf5File> file; // keras3: the weights file (from memory for an archive member)
    std::optional<KerasVersion> archiveVersion; // keras3 from a .keras archive: its metadata.json keras_version
    std::string path; // the file the user named
    std::string member; // keras3 from a zip: "model.weights.h5", so errors name the archive and the member
};

// The weights for a model from `weightsPath`: a legacy weights-only or full-model HDF5 file, a Keras 3 .weights.h5,
// or a .keras archive (zip or directory) whose weights are used. Decided by content.
WeightsSource readWeightsPath(const std::string& weightsPath)
{
    WeightsSource source;
    source.path = weightsPath;
    switch (detectFileKind(weightsPath)) {
    case FileKind::Hdf5: {
        checkHdf5GlobalHeapsInFile(weightsPath);
        Hdf5File file = Hdf5File::openReadOnly(weightsPath);
        if (isKeras3WeightsRoot(file.root())) {
            source.keras3 = true;
            source.file = std::move(file);
        } else {
            source.legacy = readLegacyWeightsFile(file);
        }
        return source;
    }
    case FileKind::Zip:
    case FileKind::Directory: {
        KerasArchive archive = readKerasArchive(weightsPath);
        source.keras3 = true;
        source.archiveVersion = archive.version;
        source.member = archive.directory ? std::string() : std::string("model.weights.h5");
        source.file = openKerasArchiveWeights(archive);
        return source;
    }
    case FileKind::Json:
        throw FileError(weightsPath, "a JSON file is not a weights file (give the model config as MODEL)");
    case FileKind::Unknown:
        break;
    }
    throw FileError(weightsPath, "not a Keras weights file (unrecognised content)");
}

// Runs f() so that errors about the weights name the archive and its member when they came from a zip.
template <typename F> decltype(auto) namingWeights(const WeightsSource& source, F&& f)
{
    if (source.member.empty()) {
        return f();
    }
    return withArchiveMember(source.path, source.member, std::forward<F>(f));
}

// When the config and the weights come from two files and do not fit each other, either may be the wrong one:
// the message names the weights file (where the mismatch was found) and the config that expected otherwise.
template <typename F> decltype(auto) blamingBoth(const std::string& configFile, const std::string& weightsFile, F&& f)
{
    if (configFile == weightsFile) {
        return f();
    }
    try {
        return f();
    } catch (const FileError& e) {
        throw FileError(e.file(), e.problem() + " (as the model config " + configFile + " describes it)");
    }
}

void finishLoad(LoadedModel& loaded, const nlohmann::json& config, const std::string& configFile,
    const LegacyWeights& weights, const std::string& weightsFile)
{
    loaded.model = modelFromKerasConfig(config, loaded.version, configFile, &loaded.warnings, hintsFrom(weights));
    auto w = blamingBoth(
        configFile, weightsFile, [&] { return assignModelWeights(*loaded.model, weights.layers, weightsFile); });
    loaded.warnings.insert(loaded.warnings.end(), w.begin(), w.end());
}

// Builds the model and puts Keras 3 weights into it (keras3_weights.h).
void finishLoad(
    LoadedModel& loaded, const nlohmann::json& config, const std::string& configFile, const WeightsSource& weights)
{
    loaded.model = modelFromKerasConfig(config, loaded.version, configFile, &loaded.warnings);
    Keras3WeightsResult result = blamingBoth(configFile, weights.path,
        [&] { return namingWeights(weights, [&] { return loadKeras3Weights(*loaded.model, *weights.file); }); });
    // Warnings name the HDF5 file the way HDF5 errors do; for a zip member, say which archive it is in.
    for (std::string& w : result.warnings) {
        if (!weights.member.empty() && w.rfind(archiveMemberName(weights.path, weights.member), 0) == 0) {
            w = weights.path + ": member " + weights.member
                + w.substr(archiveMemberName(weights.path, weights.member).size());
        }
        loaded.warnings.push_back(std::move(w));
    }
}

// The Keras version for Keras 3 weights: the config's own, else the archive's metadata, else inferred from the files.
KerasVersion keras3Version(LoadedModel& loaded, const std::optional<KerasVersion>& configVersion,
    const std::optional<KerasVersion>& archiveVersion, const nlohmann::json& config, const WeightsSource& weights)
{
    if (configVersion) {
        return *configVersion;
    }
    if (archiveVersion) {
        return *archiveVersion;
    }
    std::string reason;
    const Keras3WeightsSummary summary = namingWeights(weights, [&] { return inspectKeras3Weights(*weights.file); });
    KerasVersion v = inferKeras3FileVersion(config, summary, reason);
    loaded.warnings.push_back(weights.path + ": no keras_version in the config or the weights; assuming Keras "
        + std::to_string(v.major) + " (hard_sigmoid = "
        + (v.major >= 3 ? "clip(x/6 + 0.5, 0, 1)" : "clip(0.2x + 0.5, 0, 1)") + ") because " + reason);
    return v;
}

// A .keras archive (zip or directory) as the model, optionally with weights from elsewhere.
LoadedModel loadArchive(const std::string& modelPath, const std::optional<std::string>& weightsPath)
{
    LoadedModel loaded;
    KerasArchive archive = readKerasArchive(modelPath);
    loaded.warnings = archive.warnings;
    loaded.format = archive.directory ? "keras-archive-dir" : "keras-archive";
    // The config's file for messages: config.json in the directory, or the archive's member.
    const std::string configFile = archive.directory ? (std::filesystem::path(modelPath) / "config.json").string()
                                                     : archiveMemberName(modelPath, "config.json");
    auto build = [&](auto&& body) {
        if (archive.directory) {
            return body();
        }
        return withArchiveMember(modelPath, "config.json", body);
    };
    if (weightsPath) {
        WeightsSource weights = readWeightsPath(*weightsPath);
        if (!weights.keras3) {
            loaded.format += "+legacy-h5-weights";
            loaded.version = archive.version ? *archive.version : weights.legacy.version;
            build([&] { finishLoad(loaded, archive.config, configFile, weights.legacy, *weightsPath); });
            return loaded;
        }
        loaded.format += "+keras3-weights";
        loaded.version = keras3Version(loaded, std::nullopt, archive.version, archive.config, weights);
        build([&] { finishLoad(loaded, archive.config, configFile, weights); });
        return loaded;
    }
    WeightsSource weights;
    weights.keras3 = true;
    weights.path = modelPath;
    weights.member = archive.directory ? std::string() : std::string("model.weights.h5");
    weights.file = openKerasArchiveWeights(archive);
    // hard_sigmoid and the other version-dependent rules follow metadata.json's keras_version (3.x: x/6 + 0.5).
    loaded.version = keras3Version(loaded, std::nullopt, archive.version, archive.config, weights);
    build([&] { finishLoad(loaded, archive.config, configFile, weights); });
    return loaded;
}

} // namespace

LoadedModel loadModel(const std::string& modelPath, const std::optional<std::string>& weightsPath)
{
    LoadedModel loaded;
    switch (detectFileKind(modelPath)) {
    case FileKind::Zip:
    case FileKind::Directory:
        return loadArchive(modelPath, weightsPath);
    case FileKind::Unknown:
        throw FileError(modelPath, "not a Keras model file (unrecognised content)");
    case FileKind::Hdf5: {
        // HDF5 reads variable-length strings (model_config, weight_names, ...) without checking their heap.
        checkHdf5GlobalHeapsInFile(modelPath);
        const Hdf5File file = Hdf5File::openReadOnly(modelPath);
        const Hdf5Group root = file.root();
        if (!root.hasAttribute("model_config")) {
            if (root.hasAttribute("layer_names") || root.hasAttribute("layer_names0")) {
                throw FileError(modelPath,
                    "weights-only file: give its config (the model's .json) as the model and "
                    "this file as the weights");
            }
            if (isKeras3WeightsRoot(root)) {
                throw FileError(modelPath,
                    "a Keras 3 weights file holds no model config: give the model's config.json (from its .keras "
                    "archive) as the model and this file as the weights");
            }
            throw FileError(modelPath, "HDF5 file without a Keras model (no model_config attribute)");
        }
        LegacyModelFile parts = readLegacyModelFile(file);
        loaded.format = "legacy-h5";
        loaded.version = parts.version;
        if (weightsPath) {
            WeightsSource weights = readWeightsPath(*weightsPath);
            if (weights.keras3) {
                loaded.format += "+keras3-weights";
                finishLoad(loaded, parts.config, modelPath, weights);
            } else {
                finishLoad(loaded, parts.config, modelPath, weights.legacy, *weightsPath);
            }
        } else {
            finishLoad(loaded, parts.config, modelPath, parts.weights, modelPath);
        }
        return loaded;
    }
    case FileKind::Json: {
        KerasConfigFile config = readKerasConfigJson(modelPath);
        if (!weightsPath) {
            throw FileError(modelPath, "a model config holds no weights: give the weights file as well");
        }
        WeightsSource weights = readWeightsPath(*weightsPath);
        if (weights.keras3) {
            // A Keras 3 config.json (serialize_keras_object) has no keras_version of its own.
            loaded.format = "json+keras3-weights";
            loaded.version = keras3Version(loaded, config.version, weights.archiveVersion, config.config, weights);
            finishLoad(loaded, config.config, modelPath, weights);
            return loaded;
        }
        loaded.format = "json+legacy-h5-weights";
        // The config's own keras_version decides the semantics; a bare config (no version) takes the one of the
        // Keras that saved the weights, which is the same Keras in the usual to_json + save_weights workflow.
        loaded.version = config.version ? *config.version : weights.legacy.version;
        if (config.version && config.version->major != weights.legacy.version.major) {
            loaded.warnings.push_back(modelPath + ": the config is from Keras " + config.version->text
                + " but the weights from Keras " + weights.legacy.version.text + "; using the config's version");
        }
        finishLoad(loaded, config.config, modelPath, weights.legacy, *weightsPath);
        return loaded;
    }
    }
    throw FileError(modelPath, "not a Keras model file (unrecognised content)");
}

} // namespace rnnscope::io
