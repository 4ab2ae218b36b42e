#include "weights.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "file_error.h"

namespace rnnscope::io {

namespace {

std::string joinNames(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : ", ") + n;
    }
    return out.empty() ? "none" : out;
}

std::string slotNames(const std::vector<WeightSlot>& slots)
{
    std::vector<std::string> names;
    for (const auto& s : slots) {
        names.push_back(s.name);
    }
    return joinNames(names);
}

// A GRU bias of the other reset_after variant is a frequent mix-up (keras-formats §4): (2, 3u) is the
// reset_after=True bias with separate input and recurrent rows, (3u,) the original GRU's.
std::string biasHint(const WeightSlot& slot, const Shape& got)
{
    if (slot.name != "bias") {
        return {};
    }
    if (slot.shape.size() == 1 && got.size() == 2 && got[0] == 2 && got[1] == slot.shape[0]) {
        return " (the file's GRU bias is the reset_after=True form, but the config says reset_after=False)";
    }
    if (slot.shape.size() == 2 && slot.shape[0] == 2 && got.size() == 1 && got[0] == slot.shape[1]) {
        return " (the file's GRU bias is the reset_after=False form, but the config says reset_after=True)";
    }
    return {};
}

} // namespace

std::vector<std::string> assignLayerWeights(
    Layer& layer, const std::vector<WeightArray>& arrays, const std::string& fileForErrors)
{
    const std::vector<WeightSlot> slots = layer.weights();
    const std::string who = "layer '" + layer.name() + "' (" + layer.className() + ")";
    if (slots.size() != arrays.size()) {
        std::vector<std::string> names;
        for (const auto& a : arrays) {
            names.push_back(a.name);
        }
        throw FileError(fileForErrors,
            who + " has " + std::to_string(arrays.size()) + " weight arrays in the file (" + joinNames(names)
                + "), expected " + std::to_string(slots.size()) + " (" + slotNames(slots) + ")");
    }
    // Check everything before writing anything, so a failed load leaves the layer as it was.
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const WeightSlot& slot = slots[i];
        const WeightArray& array = arrays[i];
        if (array.shape != slot.shape) {
            throw FileError(fileForErrors,
                "layer '" + layer.name() + "' weight " + std::to_string(i) + " (" + slot.name + ") has shape "
                    + shapeToString(array.shape) + ", expected " + shapeToString(slot.shape)
                    + biasHint(slot, array.shape));
        }
        if (static_cast<Index>(array.values.size()) != shapeVolume(slot.shape) || slot.data == nullptr) {
            throw FileError(fileForErrors,
                "layer '" + layer.name() + "' weight " + std::to_string(i) + " (" + slot.name
                    + "): " + std::to_string(array.values.size()) + " values for shape " + shapeToString(slot.shape));
        }
    }
    std::vector<std::string> warnings;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const WeightArray& array = arrays[i];
        if (!array.values.empty()) {
            std::memcpy(slots[i].data, array.values.data(), array.values.size() * sizeof(float));
        }
        const auto nans
            = std::count_if(array.values.begin(), array.values.end(), [](float v) { return std::isnan(v); });
        const auto infs
            = std::count_if(array.values.begin(), array.values.end(), [](float v) { return std::isinf(v); });
        if (nans > 0 || infs > 0) {
            warnings.push_back(fileForErrors + ": layer '" + layer.name() + "' weight " + std::to_string(i) + " ("
                + slots[i].name + ") contains " + std::to_string(nans) + " NaN and " + std::to_string(infs)
                + " infinite values");
        }
    }
    return warnings;
}

std::vector<std::string> assignModelWeights(
    Model& model, const std::vector<LayerWeights>& perLayer, const std::string& fileForErrors)
{
    std::vector<Layer*> modelLayers;
    std::vector<std::string> modelNames;
    for (const auto& layer : model.layers()) {
        if (!layer->weights().empty()) {
            modelLayers.push_back(layer.get());
            modelNames.push_back(layer->name());
        }
    }
    std::vector<const LayerWeights*> saved;
    std::vector<std::string> savedNames;
    for (const auto& entry : perLayer) {
        if (!entry.second.empty()) {
            saved.push_back(&entry);
            savedNames.push_back(entry.first);
        }
    }
    if (saved.size() != modelLayers.size()) {
        throw FileError(fileForErrors,
            "the file has weights for " + std::to_string(saved.size()) + " layers (" + joinNames(savedNames)
                + ") but the model has " + std::to_string(modelLayers.size()) + " layers with weights ("
                + joinNames(modelNames) + ")");
    }
    std::vector<std::string> warnings;
    for (std::size_t k = 0; k < saved.size(); ++k) {
        auto w = assignLayerWeights(*modelLayers[k], saved[k]->second, fileForErrors);
        warnings.insert(warnings.end(), w.begin(), w.end());
    }
    return warnings;
}

} // namespace rnnscope::io
