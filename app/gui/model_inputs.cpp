#include "model_inputs.h"

#include <QDir>
#include <QFileInfo>

#include "core/bidirectional.h"
#include "core/io/file_error.h"
#include "core/io/model_loader.h"
#include "core/layer_options.h"

namespace rnnscope::app {

bool inputIsTimeMajor(const Model& model, std::size_t index)
{
    const std::size_t inputNode = model.inputs()[index].node;
    for (const auto& node : model.nodes()) {
        for (const auto& ref : node.inputs) {
            if (ref.node == inputNode && node.layer != nullptr) {
                const auto options = currentOptions(*node.layer);
                if (options && options->timeMajor) {
                    return true;
                }
            }
        }
    }
    return false;
}

Tensor defaultInput(const ModelInput& spec, bool timeMajor)
{
    Shape shape = spec.shape;
    if (timeMajor && shape.size() == 3) {
        std::swap(shape[0], shape[1]);
    }
    const Index batch = shape.size() > 0 && shape[0] > 0 ? shape[0] : kDefaultBatch;
    const Index steps = shape.size() > 1 && shape[1] > 0 ? shape[1] : kDefaultSteps;
    if (spec.integer || shape.size() == 2) {
        return Tensor({batch, steps}, 1.0F); // id 1 everywhere: a token that is not Keras's mask_zero padding
    }
    ProbeSpec probe;
    probe.batch = batch;
    probe.steps = steps;
    probe.features = shape.size() > 2 && shape[2] > 0 ? shape[2] : 1;
    probe.kind = ProbeKind::Sine;
    return makeProbe(probe);
}

void checkFits(const Model& model, std::size_t index, const Tensor& t, const std::string& file)
{
    Shape want = model.inputs()[index].shape;
    if (inputIsTimeMajor(model, index) && want.size() == 3) {
        std::swap(want[0], want[1]);
    }
    bool fits = t.rank() == static_cast<Index>(want.size());
    for (std::size_t d = 0; fits && d < want.size(); ++d) {
        fits = want[d] < 0 || want[d] == t.shape()[d];
    }
    if (!fits) {
        throw io::FileError(file,
            "has shape " + shapeToString(t.shape()) + ", but model input '" + model.inputs()[index].name + "' expects "
                + shapeToString(want));
    }
}

std::vector<RnnLayer*> directionsOf(Layer* layer)
{
    if (auto* bi = dynamic_cast<BidirectionalLayer*>(layer)) {
        return {&bi->forward(), &bi->backward()};
    }
    if (auto* rnn = dynamic_cast<RnnLayer*>(layer)) {
        return {rnn};
    }
    return {};
}

std::optional<std::string> siblingWeights(const QString& configPath)
{
    const QFileInfo info(configPath);
    const QDir dir = info.absoluteDir();
    for (const QString& name : QStringList {info.completeBaseName() + QStringLiteral(".weights.h5"),
             info.completeBaseName() + QStringLiteral(".h5"), QStringLiteral("model.weights.h5"),
             QStringLiteral("weights.h5")}) {
        if (QFileInfo::exists(dir.filePath(name))) {
            return dir.filePath(name).toStdString();
        }
    }
    return std::nullopt;
}

const char* const kProbeNames[5] = {"zeros", "impulse", "step", "sine", "noise"};

io::SessionProbe toSessionProbe(const ProbeSpec& p)
{
    io::SessionProbe s;
    s.kind = kProbeNames[static_cast<int>(p.kind)];
    s.batch = p.batch;
    s.steps = p.steps;
    s.features = p.features;
    s.amplitude = p.amplitude;
    s.onset = p.onset;
    s.period = p.period;
    s.seed = p.seed;
    return s;
}

ProbeSpec fromSessionProbe(const io::SessionProbe& s, const std::string& file)
{
    ProbeSpec p;
    const auto* kind = std::find(std::begin(kProbeNames), std::end(kProbeNames), s.kind);
    if (kind == std::end(kProbeNames)) {
        throw io::FileError(file, "unknown probe kind '" + s.kind + "'");
    }
    if (s.batch < 1 || s.steps < 1 || s.features < 1 || s.batch * s.steps * s.features > io::kMaxSequenceValues) {
        throw io::FileError(
            file, "probe shape " + shapeToString({s.batch, s.steps, s.features}) + " is empty or too large");
    }
    p.kind = static_cast<ProbeKind>(kind - std::begin(kProbeNames));
    p.batch = s.batch;
    p.steps = s.steps;
    p.features = s.features;
    p.amplitude = static_cast<float>(s.amplitude);
    p.onset = s.onset;
    p.period = static_cast<float>(s.period);
    p.seed = s.seed;
    return p;
}

io::SessionInput fileSource(const QString& spec, const io::SequenceOptions& options)
{
    io::SessionInput input;
    input.source = io::SessionInput::Source::File;
    input.spec = spec.toStdString();
    input.options = options;
    return input;
}

std::shared_ptr<Model> loadModelFile(
    const QString& path, const QString& weights, QString* format, QStringList* warnings)
{
    std::optional<std::string> w = weights.isEmpty() ? std::nullopt : std::optional<std::string>(weights.toStdString());
    if (!w && io::detectFileKind(path.toStdString()) == io::FileKind::Json) {
        w = siblingWeights(path); // a config .json needs weights: take the ones saved beside it
    }
    io::LoadedModel loaded = io::loadModel(path.toStdString(), w);
    *format = QString::fromStdString(loaded.format);
    for (const auto& warning : loaded.warnings) {
        *warnings << QString::fromStdString(warning);
    }
    return std::shared_ptr<Model>(std::move(loaded.model));
}

} // namespace rnnscope::app
