#include "keras3_weights.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/bidirectional.h"
#include "core/cells/stacked_rnn_cells.h"
#include "core/layers/basic_layers.h"
#include "core/rnn_layer.h"
#include "file_error.h"
#include "weights.h"

namespace rnnscope::io {

namespace {

constexpr const char* layersGroup = "layers";
constexpr const char* checkpointGroup = "_layer_checkpoint_dependencies";

bool isUpper(char c)
{
    return std::isupper(static_cast<unsigned char>(c)) != 0;
}
bool isLower(char c)
{
    return std::islower(static_cast<unsigned char>(c)) != 0;
}

} // namespace

std::string kerasSnakeCase(const std::string& className)
{
    // re.sub(r"\W+", "", name): keep word characters only (ASCII letters, digits, "_"; class names are ASCII).
    std::string name;
    for (char c : className) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_') {
            name += c;
        }
    }
    // re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name): "_" before every capital followed by lower-case letters, unless
    // it starts the string. The regex scans left to right without overlap: a match consumes the preceding character
    // and the whole capitalised word, so the next match can start only after that word.
    std::string step1;
    std::size_t i = 0;
    while (i < name.size()) {
        if (i + 2 < name.size() && isUpper(name[i + 1]) && isLower(name[i + 2])) {
            std::size_t end = i + 2;
            while (end < name.size() && isLower(name[end])) {
                ++end;
            }
            step1 += name[i];
            step1 += '_';
            step1.append(name, i + 1, end - (i + 1));
            i = end;
        } else {
            step1 += name[i];
            ++i;
        }
    }
    // re.sub("([a-z])([A-Z])", r"\1_\2", name).lower(): "_" between a lower-case letter and a capital.
    std::string out;
    for (std::size_t k = 0; k < step1.size(); ++k) {
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(step1[k])));
        if (k + 1 < step1.size() && isLower(step1[k]) && isUpper(step1[k + 1])) {
            out += '_';
        }
    }
    return out;
}

bool isKeras3WeightsRoot(const Hdf5Group& root)
{
    if (root.hasAttribute("layer_names") || root.hasAttribute("layer_names0") || root.hasAttribute("model_config")) {
        return false;
    }
    return root.isGroup(layersGroup) || root.isGroup(checkpointGroup) || root.isGroup("vars");
}

namespace {

bool anySavedName(const Hdf5Group& container)
{
    for (const std::string& child : container.childNames()) {
        if (container.isGroup(child + "/vars") && container.group(child + "/vars").hasAttribute("name")) {
            return true;
        }
    }
    return false;
}

} // namespace

Keras3WeightsSummary inspectKeras3Weights(const Hdf5File& file)
{
    const Hdf5Group root = file.root();
    Keras3WeightsSummary s;
    if (root.isGroup(layersGroup)) {
        s.layout = Keras3WeightsLayout::Layers;
        s.hasSavedNames = anySavedName(root.group(layersGroup));
    } else if (root.isGroup(checkpointGroup)) {
        s.layout = Keras3WeightsLayout::LayerCheckpointDependencies;
        s.hasSavedNames = anySavedName(root.group(checkpointGroup));
    } else {
        root.fail("no 'layers' group (nor tf.keras 2.13's '_layer_checkpoint_dependencies'), so no layer weights");
    }
    return s;
}

KerasVersion inferKeras3FileVersion(
    const nlohmann::json& config, const Keras3WeightsSummary& summary, std::string& reason)
{
    auto version = [](int major, int minor, const std::string& text) {
        KerasVersion v;
        v.major = major;
        v.minor = minor;
        v.text = text;
        return v;
    };
    if (summary.layout == Keras3WeightsLayout::LayerCheckpointDependencies) {
        reason = "the weights use tf.keras 2.12-2.14's _layer_checkpoint_dependencies layout";
        return version(2, 13, "2.13 (inferred)");
    }
    if (summary.hasSavedNames) {
        reason = "the weights' vars groups carry layer names, which Keras >= 3.6 writes";
        return version(3, 6, "3.6 (inferred)");
    }
    // Keys only one generation writes (keras-formats §2 and §3.3).
    bool keras3 = false;
    bool tfKeras = false;
    std::function<void(const nlohmann::json&)> scan = [&](const nlohmann::json& v) {
        if (v.is_object()) {
            for (auto it = v.begin(); it != v.end(); ++it) {
                if (it.key() == "batch_shape" || (it.key() == "class_name" && it.value() == "DTypePolicy")) {
                    keras3 = true;
                }
                if (it.key() == "batch_input_shape" || it.key() == "time_major") {
                    tfKeras = true;
                }
                scan(it.value());
            }
        } else if (v.is_array()) {
            for (const auto& e : v) {
                scan(e);
            }
        }
    };
    scan(config);
    if (tfKeras && !keras3) {
        reason = "the config has tf.keras's form (batch_input_shape / time_major) with the 'layers' weights layout "
                 "of tf.keras 2.15";
        return version(2, 15, "2.15 (inferred)");
    }
    reason = keras3 ? "the config has Keras 3's form (batch_shape / DTypePolicy)"
                    : "the weights have Keras 3's 'layers' layout";
    return version(3, 0, "3 (inferred)");
}

namespace {

// One `vars` group the model needs: where it is, which weight slots it fills and for whom (for messages).
struct VarsSpec
{
    std::string path;
    std::vector<WeightSlot> slots;
    std::string owner;
};

// `_save_container_state`'s names: the j-th object of a class in a list is "<snake>" for j = 0, "<snake>_j" after.
class ContainerNames
{
public:
    // Takes `count` consecutive names for one object and returns the first (tf.keras's duplicated entries).
    std::string take(const std::string& snake, int count = 1)
    {
        int& used = m_used[snake];
        const int j = used;
        used += count;
        return j == 0 ? snake : snake + "_" + std::to_string(j);
    }

private:
    std::map<std::string, int> m_used;
};

std::string who(const Layer& layer)
{
    return "layer '" + layer.name() + "' (" + layer.className() + ")";
}

void collectCell(RnnCell& cell, const std::string& base, const std::string& owner, std::vector<VarsSpec>& out)
{
    if (auto* stack = dynamic_cast<StackedRnnCells*>(&cell)) {
        // StackedRNNCells keeps its cells in the list attribute `cells`.
        ContainerNames names;
        std::size_t k = 0;
        for (const auto& child : stack->cells()) {
            collectCell(*child, base + "/cells/" + names.take(kerasSnakeCase(child->className())),
                owner + " cell " + std::to_string(k) + " (" + child->className() + ")", out);
            ++k;
        }
        return;
    }
    std::vector<WeightSlot> slots = cell.weights();
    if (!slots.empty()) {
        out.push_back({base + "/vars", std::move(slots), owner});
    }
}

// The vars groups of `layer` under `base`, in the order of layer.weights(): an RNN's cell is its attribute `cell`,
// Bidirectional's directions are `forward_layer` and `backward_layer` (forward first, as get_weights() lists them),
// TimeDistributed's inner layer is `layer`.
void collectLayer(Layer& layer, const std::string& base, const std::string& owner, std::vector<VarsSpec>& out)
{
    if (auto* rnn = dynamic_cast<RnnLayer*>(&layer)) {
        collectCell(rnn->cell(), base + "/cell", owner, out);
    } else if (auto* bi = dynamic_cast<BidirectionalLayer*>(&layer)) {
        collectLayer(bi->forward(), base + "/forward_layer", owner + " forward " + who(bi->forward()), out);
        collectLayer(bi->backward(), base + "/backward_layer", owner + " backward " + who(bi->backward()), out);
    } else if (auto* td = dynamic_cast<TimeDistributedLayer*>(&layer)) {
        collectLayer(td->inner(), base + "/layer", owner + " inner " + who(td->inner()), out);
    } else {
        std::vector<WeightSlot> slots = layer.weights();
        if (!slots.empty()) {
            out.push_back({base + "/vars", std::move(slots), owner});
        }
    }
}

std::string slotNames(const std::vector<WeightSlot>& slots)
{
    std::string s;
    for (const auto& slot : slots) {
        s += (s.empty() ? "" : ", ") + slot.name;
    }
    return s;
}

std::string joinNames(const std::vector<std::string>& names)
{
    std::string s;
    for (const auto& n : names) {
        s += (s.empty() ? "" : ", ") + n;
    }
    return s.empty() ? "none" : s;
}

// "0", "1", ... without leading zeros, as Keras names variables (f"{i}").
std::optional<std::size_t> variableIndex(const std::string& key)
{
    if (key.empty() || key.size() > 9 || (key.size() > 1 && key[0] == '0')) {
        return std::nullopt;
    }
    std::size_t v = 0;
    for (char c : key) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
            return std::nullopt;
        }
        v = v * 10 + static_cast<std::size_t>(c - '0');
    }
    return v;
}

// The GRU bias of the other reset_after variant is the usual mix-up (keras-formats §4).
std::string biasHint(const WeightSlot& slot, const Shape& got)
{
    if (slot.name != "bias") {
        return {};
    }
    if (slot.shape.size() == 1 && got.size() == 2 && got[0] == 2 && got[1] == slot.shape[0]) {
        return "; the file's GRU bias is the reset_after=True form, but the config says reset_after=False";
    }
    if (slot.shape.size() == 2 && slot.shape[0] == 2 && got.size() == 1 && got[0] == slot.shape[1]) {
        return "; the file's GRU bias is the reset_after=False form, but the config says reset_after=True";
    }
    return {};
}

// Keras's Layer.load_own_variables: exactly as many entries as variables, read as store["0"], store["1"], ...
std::vector<WeightArray> readVars(const Hdf5Group& root, const VarsSpec& spec)
{
    const Hdf5Group vars = root.group(spec.path);
    std::vector<std::size_t> indices;
    for (const std::string& key : vars.childNames()) {
        const auto index = variableIndex(key);
        if (!index) {
            vars.fail("unexpected entry '" + key + "' (Keras numbers the variables of " + spec.owner + " 0, 1, ...)");
        }
        indices.push_back(*index);
    }
    // HDF5 lists links by name ("0", "1", "10", "2", ...): order numerically.
    std::sort(indices.begin(), indices.end());
    bool contiguous = true;
    for (std::size_t i = 0; i < indices.size(); ++i) {
        contiguous = contiguous && indices[i] == i;
    }
    if (indices.size() != spec.slots.size() || !contiguous) {
        vars.fail("holds " + std::to_string(indices.size()) + " arrays, expected " + std::to_string(spec.slots.size())
            + " (" + slotNames(spec.slots) + ") for " + spec.owner);
    }
    std::vector<WeightArray> arrays;
    for (std::size_t i = 0; i < spec.slots.size(); ++i) {
        const WeightSlot& slot = spec.slots[i];
        const std::string key = std::to_string(i);
        const std::string path = spec.path + "/" + key;
        if (!vars.isDataset(key)) {
            vars.fail("entry '" + key + "' is not a dataset (" + slot.name + " of " + spec.owner + ")");
        }
        const Hdf5Dataset dataset = vars.dataset(key);
        // H5IOStore.__setitem__ marks bfloat16 variables this way; h5py stores them as 2-byte opaque data.
        if (dataset.hasAttribute("dtype") && dataset.stringAttribute("dtype") == "bfloat16") {
            dataset.fail("bfloat16 data (attribute dtype=\"bfloat16\"), which RNNScope does not read; convert the "
                         "model to float32 in Keras and save it again");
        }
        const Shape shape = dataset.shape();
        if (shape != slot.shape) {
            throw FileError(dataset.fileName(),
                path + " has shape " + shapeToString(shape) + ", expected " + shapeToString(slot.shape) + " ("
                    + slot.name + " of " + spec.owner + ")" + biasHint(slot, shape));
        }
        WeightArray array;
        array.name = path;
        array.shape = shape;
        array.values = dataset.readFloat32(); // refuses non-numeric data and sizes the file cannot hold
        arrays.push_back(std::move(array));
    }
    return arrays;
}

// The first dataset below `group` (depth-limited: hard links can make HDF5 group graphs cyclic), or "".
std::string firstDatasetBelow(const Hdf5Group& group, const std::string& relPath, int depth = 0)
{
    if (depth > 16) {
        return {};
    }
    const Hdf5Group g = relPath.empty() ? group : group.group(relPath);
    for (const std::string& child : g.childNames()) {
        const std::string rel = relPath.empty() ? child : relPath + "/" + child;
        if (group.isDataset(rel)) {
            return rel;
        }
        if (group.isGroup(rel)) {
            std::string found = firstDatasetBelow(group, rel, depth + 1);
            if (!found.empty()) {
                return found;
            }
        }
    }
    return {};
}

void datasetsBelow(const Hdf5Group& root, const std::string& path, std::vector<std::string>& out, int depth = 0)
{
    if (depth > 16) {
        return;
    }
    const Hdf5Group g = root.group(path);
    for (const std::string& child : g.childNames()) {
        const std::string p = path + "/" + child;
        if (root.isDataset(p)) {
            out.push_back(p);
        } else if (root.isGroup(p)) {
            datasetsBelow(root, p, out, depth + 1);
        }
    }
}

std::optional<std::string> savedName(const Hdf5Group& container, const std::string& child)
{
    const std::string vars = child + "/vars";
    if (!container.isGroup(vars)) {
        return std::nullopt;
    }
    const Hdf5Group g = container.group(vars);
    if (!g.hasAttribute("name")) {
        return std::nullopt;
    }
    return g.stringAttribute("name");
}

} // namespace

Keras3WeightsResult loadKeras3Weights(Model& model, const Hdf5File& file)
{
    Keras3WeightsResult result;
    result.summary = inspectKeras3Weights(file);
    const bool checkpointLayout = result.summary.layout == Keras3WeightsLayout::LayerCheckpointDependencies;
    const std::string containerName = checkpointLayout ? checkpointGroup : layersGroup;
    const Hdf5Group root = file.root();
    const Hdf5Group container = root.group(containerName);
    const std::string fileName = file.path();

    // Keras's model.layers: Sequential.layers leaves out its InputLayer (keras/src/models/sequential.py), Functional
    // keeps its InputLayers (keras-formats §1.1, §3.2).
    std::vector<Layer*> top;
    for (const auto& layer : model.layers()) {
        if (model.className() == "Sequential" && layer->className() == "InputLayer") {
            continue;
        }
        top.push_back(layer.get());
    }
    std::vector<bool> hasWeights;
    for (Layer* layer : top) {
        hasWeights.push_back(!layer->weights().empty());
    }

    // Positional names, as _save_container_state gives them. tf.keras 2.12-2.14 lists a layer with weights twice in
    // _layer_checkpoint_dependencies, so it takes two names (see the header); Keras 3's H5IOStore.get reads such files
    // with its own single-step names, so that form is the fallback when the doubled one does not fit the file.
    auto positional = [&](bool doubled) {
        ContainerNames names;
        std::vector<std::string> out;
        for (std::size_t i = 0; i < top.size(); ++i) {
            out.push_back(names.take(kerasSnakeCase(top[i]->className()), doubled && hasWeights[i] ? 2 : 1));
        }
        return out;
    };
    auto allPresent = [&](const std::vector<std::string>& groups) {
        for (std::size_t i = 0; i < top.size(); ++i) {
            if (hasWeights[i] && !container.isGroup(groups[i])) {
                return false;
            }
        }
        return true;
    };
    std::vector<std::string> byPosition = positional(checkpointLayout);
    if (checkpointLayout && !allPresent(byPosition) && allPresent(positional(false))) {
        byPosition = positional(false);
    }

    // Keras >= 3.6 records each object's name on its vars group. When those names identify every layer with
    // weights exactly once, they decide; otherwise (another model instance saved the weights, so its auto-generated
    // names differ) the positions do, as in Keras's own loader.
    std::map<std::string, std::vector<std::string>> groupsBySavedName;
    for (const std::string& child : container.childNames()) {
        if (auto name = savedName(container, child)) {
            groupsBySavedName[*name].push_back(child);
        }
    }
    std::vector<std::string> groups = byPosition;
    if (!groupsBySavedName.empty()) {
        std::vector<std::string> byName = byPosition;
        std::set<std::string> taken;
        bool complete = true;
        for (std::size_t i = 0; i < top.size() && complete; ++i) {
            auto it = groupsBySavedName.find(top[i]->name());
            if (it != groupsBySavedName.end() && it->second.size() == 1 && taken.insert(it->second.front()).second) {
                byName[i] = it->second.front();
            } else if (hasWeights[i]) {
                complete = false;
            }
        }
        if (complete) {
            for (std::size_t i = 0; i < top.size(); ++i) {
                if (hasWeights[i] && byName[i] != byPosition[i]) {
                    result.warnings.push_back(fileName + ": " + who(*top[i]) + " matched by its saved name to "
                        + containerName + "/" + byName[i] + ", not by position to " + containerName + "/"
                        + byPosition[i]);
                }
            }
            groups = byName;
        } else {
            std::vector<std::string> differing;
            for (std::size_t i = 0; i < top.size(); ++i) {
                auto name
                    = hasWeights[i] && container.isGroup(groups[i]) ? savedName(container, groups[i]) : std::nullopt;
                if (name && *name != top[i]->name()) {
                    differing.push_back(
                        "'" + top[i]->name() + "' <- " + containerName + "/" + groups[i] + " ('" + *name + "')");
                }
            }
            if (!differing.empty()) {
                result.warnings.push_back(fileName + ": the weights file names its layers differently from the "
                    + "model; matched by position as Keras does: " + joinNames(differing));
            }
        }
    }

    // Find and read everything before writing anything.
    std::vector<std::vector<WeightArray>> perLayer(top.size());
    std::set<std::string> usedGroups;
    std::set<std::string> readPaths;
    for (std::size_t i = 0; i < top.size(); ++i) {
        Layer& layer = *top[i];
        if (!hasWeights[i]) {
            if (container.isGroup(groups[i])) {
                usedGroups.insert(groups[i]);
            }
            continue;
        }
        const std::string base = containerName + "/" + groups[i];
        if (!container.isGroup(groups[i])) {
            std::vector<std::string> present;
            for (const std::string& child : container.childNames()) {
                if (container.isGroup(child) && !firstDatasetBelow(container, child).empty()) {
                    present.push_back(child);
                }
            }
            throw FileError(fileName,
                "no " + base + " for " + who(layer) + ": the file has weights for " + containerName + "/{"
                    + joinNames(present) + "}, so it does not belong to this model");
        }
        usedGroups.insert(groups[i]);
        std::vector<VarsSpec> specs;
        collectLayer(layer, base, who(layer), specs);
        for (const VarsSpec& spec : specs) {
            if (!root.isGroup(spec.path)) {
                throw FileError(fileName, "no " + spec.path + " (the weights of " + spec.owner + ")");
            }
            for (WeightArray& array : readVars(root, spec)) {
                readPaths.insert(array.name);
                result.locations.push_back({layer.name(), perLayer[i].size(), array.name});
                perLayer[i].push_back(std::move(array));
            }
        }
    }
    // Weights no layer takes mean the file was saved from another model (Keras would load the rest and ignore them
    // silently; a debugger must not show a model with weights from somewhere else).
    for (const std::string& child : container.childNames()) {
        if (usedGroups.count(child) != 0 || !container.isGroup(child)) {
            continue;
        }
        const std::string found = firstDatasetBelow(container, child);
        if (!found.empty()) {
            const auto name = savedName(container, child);
            throw FileError(fileName,
                containerName + "/" + found + " belongs to no layer of the model"
                    + (name ? " (it was saved for a layer named '" + *name + "')" : std::string())
                    + ": the weights file does not match the model's layers");
        }
    }
    // Arrays inside a matched layer that no slot reads (a variable kind RNNScope does not know) are reported.
    for (const std::string& group : usedGroups) {
        std::vector<std::string> all;
        datasetsBelow(root, containerName + "/" + group, all);
        for (const std::string& path : all) {
            if (readPaths.count(path) == 0) {
                result.warnings.push_back(fileName + ": " + path + " is not used by the model");
            }
        }
    }

    for (std::size_t i = 0; i < top.size(); ++i) {
        if (!hasWeights[i]) {
            continue;
        }
        auto w = assignLayerWeights(*top[i], perLayer[i], fileName);
        result.warnings.insert(result.warnings.end(), w.begin(), w.end());
    }
    return result;
}

} // namespace rnnscope::io
