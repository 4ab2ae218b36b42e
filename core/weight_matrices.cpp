#include "weight_matrices.h"

#include <algorithm>

#include "bidirectional.h"
#include "cells/stacked_rnn_cells.h"
#include "rnn_layer.h"

namespace rnnscope {

namespace {

WeightMatrix copyOf(const WeightSlot& slot)
{
    WeightMatrix m;
    if (slot.data == nullptr || slot.shape.empty() || slot.shape.size() > 2) {
        return m;
    }
    // A vector (a bias) is one row.
    m.rows = slot.shape.size() == 2 ? slot.shape[0] : 1;
    m.cols = slot.shape.back();
    m.values.assign(slot.data, slot.data + m.rows * m.cols);
    return m;
}

const WeightSlot* findSlot(const std::vector<WeightSlot>& slots, const std::string& name)
{
    const auto it = std::find_if(slots.begin(), slots.end(), [&](const WeightSlot& s) { return s.name == name; });
    return it != slots.end() ? &*it : nullptr;
}

void fillFromSlots(LayerWeightMatrices& out, const std::vector<WeightSlot>& slots)
{
    if (const WeightSlot* k = findSlot(slots, "kernel")) {
        out.kernel = copyOf(*k);
    }
    if (const WeightSlot* r = findSlot(slots, "recurrent_kernel")) {
        out.recurrentKernel = copyOf(*r);
    }
    if (const WeightSlot* b = findSlot(slots, "bias")) {
        out.bias = copyOf(*b);
        out.biasRows = out.bias.rows == 2 ? std::vector<std::string> {"input bias", "recurrent bias"}
                                          : std::vector<std::string> {"bias"};
    }
}

// Leaf cells in order, descending into stacks (a stack may hold a stack).
void leafCells(RnnCell& cell, std::vector<RnnCell*>& out)
{
    if (auto* stack = dynamic_cast<StackedRnnCells*>(&cell)) {
        for (const auto& c : stack->cells()) {
            leafCells(*c, out);
        }
        return;
    }
    out.push_back(&cell);
}

void addRecurrent(RnnLayer& layer, const std::string& layerName, const std::string& layerClass, const std::string& path,
    int direction, std::vector<LayerWeightMatrices>& out)
{
    if (!layer.built()) {
        return;
    }
    std::vector<RnnCell*> cells;
    leafCells(layer.cell(), cells);
    for (std::size_t c = 0; c < cells.size(); ++c) {
        RnnCell& cell = *cells[c];
        LayerWeightMatrices m;
        m.path = cells.size() > 1 ? path + " / cell " + std::to_string(c) : path;
        m.layerName = layerName;
        m.layerClass = layerClass;
        m.cellClass = cell.className();
        m.direction = direction;
        m.cell = static_cast<int>(c);
        m.units = cell.units();
        for (const GateSpec& g : cell.gates()) {
            m.gateNames.push_back(g.name);
        }
        fillFromSlots(m, cell.weights());
        out.push_back(std::move(m));
    }
}

} // namespace

std::vector<LayerWeightMatrices> weightMatrices(const Model& model, bool includeDense)
{
    std::vector<LayerWeightMatrices> out;
    for (const auto& owned : model.layers()) {
        Layer* layer = owned.get();
        if (auto* bidi = dynamic_cast<BidirectionalLayer*>(layer)) {
            addRecurrent(bidi->forward(), bidi->name(), bidi->className(), bidi->name() + " / forward", 0, out);
            addRecurrent(bidi->backward(), bidi->name(), bidi->className(), bidi->name() + " / backward", 1, out);
        } else if (auto* rnn = dynamic_cast<RnnLayer*>(layer)) {
            addRecurrent(*rnn, rnn->name(), rnn->className(), rnn->name(), -1, out);
        } else if (includeDense && layer->built()) {
            const auto slots = layer->weights();
            const WeightSlot* kernel = findSlot(slots, "kernel");
            if (kernel == nullptr || kernel->shape.size() != 2) {
                continue;
            }
            LayerWeightMatrices m;
            m.path = layer->name();
            m.layerName = layer->name();
            m.layerClass = layer->className();
            m.units = kernel->shape[1];
            fillFromSlots(m, slots);
            out.push_back(std::move(m));
        }
    }
    return out;
}

} // namespace rnnscope
