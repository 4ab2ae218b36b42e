// `rnnscope-cli info`: what model.summary() prints, plus what a debugger user needs to know about the file:
// its format, the Keras version that wrote it (which decides hard_sigmoid), every recurrent option and weight.

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <set>

#include "commands.h"
#include "core/io/model_loader.h"
#include "core/layers/basic_layers.h"

namespace rnnscope::cli {

namespace {

std::string shapesText(const std::vector<Shape>& shapes)
{
    std::string s;
    for (const auto& shape : shapes) {
        s += (s.empty() ? "" : ", ") + shapeToString(shape);
    }
    return shapes.size() > 1 ? "[" + s + "]" : s;
}

Index paramCount(Layer& layer)
{
    Index n = 0;
    for (const auto& w : layer.weights()) {
        n += shapeVolume(w.shape);
    }
    return n;
}

} // namespace

int infoCommand(const Arguments& args, std::ostream& out, std::ostream& warnings)
{
    io::LoadedModel loaded = io::loadModel(args.model, args.weights);
    for (const auto& w : loaded.warnings) {
        warnings << "warning: " << w << "\n";
    }
    Model& model = *loaded.model;
    out << "Model: \"" << model.name() << "\" (" << model.className() << ")\n";
    out << "File: " << args.model << (args.weights ? " + " + *args.weights : std::string()) << "\n";
    out << "Format: " << loaded.format << ", written by Keras " << loaded.version.text
        << " (hard_sigmoid = " << (loaded.version.major >= 3 ? "clip(x/6 + 0.5, 0, 1)" : "clip(0.2x + 0.5, 0, 1)")
        << ")\n";
    out << "Inputs:\n";
    for (const auto& in : model.inputs()) {
        out << "  " << in.name << "  " << shapeToString(in.shape) << (in.integer ? "  int (ids)" : "  float32") << "\n";
    }
    // Columns as wide as their longest entry, so long layer names (real files have them) stay aligned.
    struct Row
    {
        std::string layer, shapes, params, config;
    };
    std::vector<Row> rows {{"Layer (type)", "Output Shape", "Param #", "Configuration"}};
    Index total = 0;
    std::set<const Layer*> seen;
    for (std::size_t i = 0; i < model.nodes().size(); ++i) {
        Layer& layer = *model.nodes()[i].layer;
        const bool first = seen.insert(&layer).second;
        const Index params = first ? paramCount(layer) : 0;
        total += params;
        rows.push_back({layer.name() + " (" + layer.className() + ")", shapesText(model.nodeShapes()[i]),
            std::to_string(params), layer.describe()});
    }
    std::size_t w0 = 0;
    std::size_t w1 = 0;
    std::size_t w2 = 0;
    for (const auto& r : rows) {
        w0 = std::max(w0, r.layer.size());
        w1 = std::max(w1, r.shapes.size());
        w2 = std::max(w2, r.params.size());
    }
    for (const auto& r : rows) {
        out << std::left << std::setw(static_cast<int>(w0 + 2)) << r.layer << std::setw(static_cast<int>(w1 + 2))
            << r.shapes << std::setw(static_cast<int>(w2 + 2)) << r.params << r.config << "\n";
    }
    out << "Outputs:\n";
    for (const auto& o : model.outputs()) {
        out << "  " << o.name << "  " << shapeToString(model.nodeShapes()[o.ref.node][o.ref.index]) << "\n";
    }
    out << "Total params: " << total << "\n";
    out << "Weights:\n";
    for (const auto& layer : model.layers()) {
        const auto weights = layer->weights();
        if (weights.empty()) {
            continue;
        }
        out << "  " << layer->name() << ":";
        for (const auto& w : weights) {
            out << " " << w.name << " " << shapeToString(w.shape);
        }
        out << "\n";
    }
    return 0;
}

} // namespace rnnscope::cli
