#include "keras_h5.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "file_error.h"

namespace rnnscope::io {

KerasVersion readLegacyKerasVersion(const Hdf5Group& group)
{
    if (!group.hasAttribute("keras_version")) {
        throw FileError(group.fileName(), "Keras 1 files are not supported (no keras_version attribute)");
    }
    const KerasVersion version = KerasVersion::parse(group.stringAttribute("keras_version"), group.fileName());
    if (version.major < 2) {
        throw FileError(group.fileName(), "Keras 1 files are not supported (keras_version " + version.text + ")");
    }
    return version;
}

LegacyWeights readLegacyWeights(const Hdf5Group& group, const std::optional<KerasVersion>& fallbackVersion)
{
    LegacyWeights out;
    out.version
        = fallbackVersion && !group.hasAttribute("keras_version") ? *fallbackVersion : readLegacyKerasVersion(group);
    if (group.hasAttribute("backend")) {
        out.backend = group.stringAttribute("backend");
    }
    // Names over HDF5's 64 KiB attribute limit are split into layer_names0, layer_names1, ... (keras-formats §1).
    for (const std::string& layerName : group.chunkedStringListAttribute("layer_names")) {
        if (!group.isGroup(layerName)) {
            group.fail("layer_names lists '" + layerName + "' but there is no such group");
        }
        const Hdf5Group layerGroup = group.group(layerName);
        std::vector<WeightArray> arrays;
        for (const std::string& weightName : layerGroup.chunkedStringListAttribute("weight_names")) {
            if (!layerGroup.isDataset(weightName)) {
                layerGroup.fail("weight_names lists '" + weightName + "' but there is no such dataset");
            }
            const Hdf5Dataset dataset = layerGroup.dataset(weightName);
            WeightArray array;
            array.name = weightName;
            array.shape = dataset.shape();
            array.values = dataset.readFloat32(); // refuses non-numeric data and sizes the file cannot hold
            arrays.push_back(std::move(array));
        }
        out.layers.emplace_back(layerName, std::move(arrays));
    }
    return out;
}

namespace {

nlohmann::json parseJsonText(const std::string& text, const std::string& file, const std::string& what)
{
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) { // parse_error, or out_of_range for a number too large
        throw FileError(file, what + " is not valid JSON (" + e.what() + ")");
    }
}

} // namespace

LegacyModelFile readLegacyModelFile(const Hdf5File& file)
{
    const Hdf5Group root = file.root();
    LegacyModelFile out;
    if (!root.hasAttribute("model_config")) {
        root.fail("no model_config attribute: not a Keras model file");
    }
    // Keras writes keras_version on the root and again on model_weights; Keras 2 reads the latter to decide
    // whether a file is Keras 1, so either one counts.
    if (root.hasAttribute("keras_version")) {
        out.version = readLegacyKerasVersion(root);
    } else if (root.isGroup("model_weights")) {
        out.version = readLegacyKerasVersion(root.group("model_weights"));
    } else {
        out.version = readLegacyKerasVersion(root); // throws the Keras 1 error
    }
    out.config = parseJsonText(root.stringAttribute("model_config"), file.path(), "the model_config attribute");
    if (!root.isGroup("model_weights")) {
        root.fail("no model_weights group (a model saved without weights?)");
    }
    out.weights = readLegacyWeights(root.group("model_weights"), out.version);
    return out;
}

LegacyWeights readLegacyWeightsFile(const Hdf5File& file)
{
    const Hdf5Group root = file.root();
    if (root.hasAttribute("layer_names") || root.hasAttribute("layer_names0")) {
        return readLegacyWeights(root);
    }
    if (root.isGroup("model_weights")) {
        std::optional<KerasVersion> rootVersion;
        if (root.hasAttribute("keras_version")) {
            rootVersion = readLegacyKerasVersion(root);
        }
        return readLegacyWeights(root.group("model_weights"), rootVersion);
    }
    if (root.isGroup("layers") || root.isGroup("vars")) {
        throw FileError(file.path(), "a Keras 3 .weights.h5 file, not legacy weights (load it through loadModel)");
    }
    throw FileError(file.path(), "not a Keras weights file (no layer_names attribute and no model_weights group)");
}

KerasConfigFile parseKerasConfigJson(const std::string& text, const std::string& nameForErrors)
{
    nlohmann::json j = parseJsonText(text, nameForErrors, "the file");
    KerasConfigFile out;
    auto takeVersion = [&](const nlohmann::json& obj) {
        auto it = obj.find("keras_version");
        if (it != obj.end() && it->is_string()) {
            out.version = KerasVersion::parse(it->get<std::string>(), nameForErrors);
        }
    };
    if (!j.is_object()) {
        throw FileError(nameForErrors, "not a Keras model config (the JSON is not an object)");
    }
    takeVersion(j);
    // TF.js model.json: {"modelTopology": {...}, "weightsManifest": ...}.
    if (j.contains("modelTopology") && j["modelTopology"].is_object()) {
        nlohmann::json inner = j["modelTopology"];
        j = std::move(inner);
        takeVersion(j);
    }
    // {"model_config": {...}} as in the legacy HDF5 attributes; some writers store it as a JSON string.
    if (j.contains("model_config")) {
        nlohmann::json inner = j["model_config"];
        if (inner.is_string()) {
            inner = parseJsonText(inner.get<std::string>(), nameForErrors, "model_config");
        }
        j = std::move(inner);
        if (j.is_object()) {
            takeVersion(j);
        }
    }
    if (!j.is_object() || !j.contains("class_name") || !j.contains("config")) {
        throw FileError(nameForErrors, "not a Keras model config (no class_name and config)");
    }
    out.config = nlohmann::json::object({{"class_name", j["class_name"]}, {"config", j["config"]}});
    return out;
}

KerasConfigFile readKerasConfigJson(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
        throw FileError(path, "read error");
    }
    return parseKerasConfigJson(buffer.str(), path);
}

} // namespace rnnscope::io
