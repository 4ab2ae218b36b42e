#include "model_loader.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "file_error.h"
#include "hdf5_file.h"
#include "keras_h5.h"
#include "weights.h"

namespace rnnscope::io {

FileKind detectFileKind(const std::string& path)
{
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
    if (got >= 4 && std::memcmp(head.data(), "PK\x03\x04", 4) == 0) {
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

// The weights for a model from `weightsPath`, whatever legacy HDF5 form it has.
LegacyWeights readWeightsPath(const std::string& weightsPath)
{
    switch (detectFileKind(weightsPath)) {
    case FileKind::Hdf5:
        return readLegacyWeightsFile(Hdf5File::openReadOnly(weightsPath));
    case FileKind::Zip:
        throw FileError(weightsPath, "Keras 3 .keras archives are not supported yet");
    case FileKind::Json:
        throw FileError(weightsPath, "a JSON file is not a weights file (give the model config as MODEL)");
    case FileKind::Unknown:
        break;
    }
    throw FileError(weightsPath, "not a Keras weights file (unrecognised content)");
}

void finishLoad(LoadedModel& loaded, const nlohmann::json& config, const std::string& configFile,
    const LegacyWeights& weights, const std::string& weightsFile)
{
    loaded.model = modelFromKerasConfig(config, loaded.version, configFile, &loaded.warnings, hintsFrom(weights));
    auto w = assignModelWeights(*loaded.model, weights.layers, weightsFile);
    loaded.warnings.insert(loaded.warnings.end(), w.begin(), w.end());
}

} // namespace

LoadedModel loadModel(const std::string& modelPath, const std::optional<std::string>& weightsPath)
{
    LoadedModel loaded;
    switch (detectFileKind(modelPath)) {
    case FileKind::Zip:
        throw FileError(modelPath, "Keras 3 .keras archives are not supported yet");
    case FileKind::Unknown:
        throw FileError(modelPath, "not a Keras model file (unrecognised content)");
    case FileKind::Hdf5: {
        const Hdf5File file = Hdf5File::openReadOnly(modelPath);
        const Hdf5Group root = file.root();
        if (!root.hasAttribute("model_config")) {
            if (root.hasAttribute("layer_names") || root.hasAttribute("layer_names0")) {
                throw FileError(modelPath,
                    "weights-only file: give its config (the model's .json) as the model and "
                    "this file as the weights");
            }
            if (root.isGroup("layers") || root.isGroup("vars")) {
                throw FileError(modelPath, "Keras 3 .weights.h5 files are not supported yet");
            }
            throw FileError(modelPath, "HDF5 file without a Keras model (no model_config attribute)");
        }
        LegacyModelFile parts = readLegacyModelFile(file);
        loaded.format = "legacy-h5";
        loaded.version = parts.version;
        if (weightsPath) {
            const LegacyWeights weights = readWeightsPath(*weightsPath);
            finishLoad(loaded, parts.config, modelPath, weights, *weightsPath);
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
        const LegacyWeights weights = readWeightsPath(*weightsPath);
        loaded.format = "json+legacy-h5-weights";
        // The config's own keras_version decides the semantics; a bare config (no version) takes the one of the
        // Keras that saved the weights, which is the same Keras in the usual to_json + save_weights workflow.
        loaded.version = config.version ? *config.version : weights.version;
        if (config.version && config.version->major != weights.version.major) {
            loaded.warnings.push_back(modelPath + ": the config is from Keras " + config.version->text
                + " but the weights from Keras " + weights.version.text + "; using the config's version");
        }
        finishLoad(loaded, config.config, modelPath, weights, *weightsPath);
        return loaded;
    }
    }
    throw FileError(modelPath, "not a Keras model file (unrecognised content)");
}

} // namespace rnnscope::io
