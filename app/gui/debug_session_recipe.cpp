// DebugSession: what-if edits, sessions (recipe and restore) and models made in the window. Kept apart from the
// run and load plumbing in debug_session.cpp.

#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include "core/io/file_error.h"
#include "core/io/keras_model_writer.h"
#include "core/io/model_builder.h"
#include "core/layer_options.h"
#include "debug_session.h"
#include "debug_session_load.h"
#include "model_inputs.h"

namespace rnnscope::app {

void DebugSession::addWhatIfEdit(WhatIfEdit edit)
{
    if (!m_model) {
        return;
    }
    waitForRun();
    m_edits.push_back(std::move(edit));
    emit whatIfEditsChanged();
    rerun();
}

void DebugSession::removeWhatIfEdit(int index)
{
    if (index < 0 || index >= static_cast<int>(m_edits.size())) {
        return;
    }
    waitForRun();
    m_edits.erase(m_edits.begin() + index);
    emit whatIfEditsChanged();
    rerun();
}

void DebugSession::clearWhatIfEdits()
{
    if (m_edits.empty()) {
        return;
    }
    waitForRun();
    m_edits.clear();
    emit whatIfEditsChanged();
    rerun();
}

void DebugSession::useModel(std::shared_ptr<Model> model, const QString& origin)
{
    LoadResult result;
    result.model = std::move(model);
    result.path = origin;
    result.format = tr("built in RNNScope");
    const Model& m = *result.model;
    for (std::size_t i = 0; i < m.inputs().size(); ++i) {
        result.inputs.push_back(defaultInput(m.inputs()[i], inputIsTimeMajor(m, i)));
    }
    result.inputDescription
        = tr("sine probe %1").arg(QString::fromStdString(shapeToString(result.inputs.at(0).shape())));
    ++m_loadGeneration; // an open still under way must not replace it
    m_loadPending = false;
    installLoad(result);
}

QString DebugSession::saveModel(const QString& path)
{
    if (!m_model) {
        return tr("%1: there is no model to save").arg(path);
    }
    waitForRun(); // the engine mutates the layers while it runs
    try {
        io::saveKerasModel(*m_model, path.toStdString());
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QString DebugSession::loadWeights(const QString& path)
{
    if (!m_model) {
        return tr("%1: open a model first").arg(path);
    }
    waitForRun();
    // Keep the current weights: a file that does not fit must leave the model as it was.
    std::vector<std::vector<float>> saved;
    for (const auto& layer : m_model->layers()) {
        for (const WeightSlot& slot : layer->weights()) {
            saved.emplace_back(slot.data, slot.data + shapeVolume(slot.shape));
        }
    }
    try {
        io::loadWeightsInto(*m_model, path.toStdString());
    } catch (const std::exception& e) {
        std::size_t k = 0;
        for (const auto& layer : m_model->layers()) {
            for (const WeightSlot& slot : layer->weights()) {
                std::copy(saved[k].begin(), saved[k].end(), slot.data);
                ++k;
            }
        }
        return QString::fromStdString(e.what());
    }
    m_weightsPath = path;
    emit weightsChanged();
    rerun();
    return {};
}

io::SessionFile DebugSession::recipe() const
{
    io::SessionFile s;
    s.model = m_modelPath.toStdString();
    s.weights = m_weightsPath.toStdString();
    s.batches = m_sources;
    if (m_model) {
        for (Layer* layer : m_model->recurrentLayers()) {
            for (const QString& option : optionNames()) {
                if (const auto value = optionValue(*layer, option)) {
                    s.layerOptions[layer->name()][option.toStdString()] = *value;
                }
            }
        }
    }
    s.initialStates = m_initialKind == InitialStateKind::Random ? "random"
        : m_initialKind == InitialStateKind::FromFile           ? "files"
                                                                : "zeros";
    for (const QString& f : m_initialFiles) {
        s.initialStateFiles.push_back(f.toStdString());
    }
    s.maskToggles = m_maskToggles;
    s.edits = m_edits;
    s.record = m_traceRequest;
    s.selection.shownBatch = m_shownBatch;
    return s;
}

void DebugSession::restore(const io::SessionFile& session)
{
    auto recipe = std::make_shared<const io::SessionFile>(session);
    startLoad(
        tr("Opening session of %1…").arg(QFileInfo(QString::fromStdString(session.model)).fileName()),
        [recipe] {
            const io::SessionFile& session = *recipe;
            auto r = std::make_shared<LoadResult>();
            r->path = QString::fromStdString(session.model);
            r->weights = QString::fromStdString(session.weights);
            try {
                r->model = loadModelFile(r->path, r->weights, &r->format, &r->warnings);
                const Model& model = *r->model;
                if (model.inputs().empty()) {
                    throw io::FileError(session.model, "the model has no inputs");
                }
                std::vector<io::SessionInput> sources = session.batches;
                if (sources.empty()) {
                    sources.emplace_back();
                }
                for (std::size_t b = 0; b < sources.size(); ++b) {
                    const io::SessionInput& source = sources[b];
                    Tensor values;
                    std::optional<Mask> mask;
                    QString description;
                    switch (source.source) {
                    case io::SessionInput::Source::Default:
                        values = defaultInput(model.inputs()[0], inputIsTimeMajor(model, 0));
                        description = tr("sine probe %1");
                        break;
                    case io::SessionInput::Source::File: {
                        io::SequenceData data = io::readSequences(source.spec, source.options);
                        values = std::move(data.values);
                        mask = std::move(data.mask);
                        description = QFileInfo(QString::fromStdString(source.spec)).fileName() + QStringLiteral(" %1");
                        break;
                    }
                    case io::SessionInput::Source::Probe:
                        values = makeProbe(fromSessionProbe(source.probe, session.model));
                        description = QString::fromStdString(source.probe.kind) + tr(" probe %1");
                        break;
                    }
                    const std::string origin
                        = source.source == io::SessionInput::Source::File ? source.spec : session.model;
                    // As when the input was chosen (DebugSession::openSequences): a file that does not fit the
                    // model is refused, but a probe is taken and the run says what the engine thinks of it, so a
                    // session saved with a failing run reopens showing that same failure.
                    if (source.source == io::SessionInput::Source::File) {
                        checkFits(model, 0, values, origin);
                    }
                    if (b == 0) {
                        for (std::size_t i = 0; i < model.inputs().size(); ++i) {
                            r->inputs.push_back(defaultInput(model.inputs()[i], inputIsTimeMajor(model, i)));
                        }
                        r->inputDescription = description.arg(QString::fromStdString(shapeToString(values.shape())));
                        r->inputs[0] = std::move(values);
                        r->mask = std::move(mask);
                        r->source = source;
                    } else {
                        if (values.shape() != r->inputs[0].shape()) {
                            throw io::FileError(origin,
                                "has shape " + shapeToString(values.shape())
                                    + ", but every batch must be shaped like the " + "first, "
                                    + shapeToString(r->inputs[0].shape()));
                        }
                        r->extraInputs.push_back(std::move(values));
                        r->extraMasks.push_back(std::move(mask));
                    }
                }
            } catch (const std::exception& e) {
                r->error = QString::fromStdString(e.what());
            }
            return r;
        },
        recipe);
}

QStringList DebugSession::applySession(const io::SessionFile& session)
{
    QStringList notes;
    m_sources = session.batches.empty() ? std::vector<io::SessionInput>(1) : session.batches;
    for (const auto& [layerName, options] : session.layerOptions) {
        Layer* layer = m_model->findLayer(layerName);
        if (layer == nullptr || !layer->isRecurrent()) {
            notes << tr("the model has no recurrent layer '%1' any more: its options were not applied")
                         .arg(QString::fromStdString(layerName));
            continue;
        }
        for (const auto& [option, value] : options) {
            const QString name = QString::fromStdString(option);
            const auto now = optionValue(*layer, name);
            if (!now || *now == value) {
                continue;
            }
            LayerOverrides o;
            const std::map<std::string, std::optional<bool>*> fields {{"return_sequences", &o.returnSequences},
                {"return_state", &o.returnState}, {"go_backwards", &o.goBackwards}, {"stateful", &o.stateful},
                {"zero_output_for_mask", &o.zeroOutputForMask}, {"unroll", &o.unroll}, {"time_major", &o.timeMajor}};
            const auto field = fields.find(option);
            if (field == fields.end()) {
                continue;
            }
            *field->second = value;
            try {
                applyLayerOverrides(o, *layer, *m_model);
            } catch (const std::exception& e) {
                *field->second = *now;
                try {
                    applyLayerOverrides(o, *layer, *m_model);
                } catch (const std::exception&) {
                    // The option built before; the run that follows shows any engine problem.
                }
                notes << tr("%1: %2=%3 was not applied: %4")
                             .arg(QString::fromStdString(layerName), name,
                                 value ? QStringLiteral("True") : QStringLiteral("False"), QString::fromUtf8(e.what()));
            }
        }
    }
    if (session.initialStates != "zeros") {
        QStringList files;
        for (const auto& f : session.initialStateFiles) {
            files << QString::fromStdString(f);
        }
        m_initialKind = session.initialStates == "random" ? InitialStateKind::Random : InitialStateKind::FromFile;
        m_initialFiles = files;
        QString error;
        m_initialTensors = initialStateTensors(&error);
        if (!error.isEmpty()) {
            notes << tr("initial states not restored: %1").arg(error);
            m_initialKind = InitialStateKind::Zeros;
            m_initialFiles.clear();
            m_initialTensors.clear();
        }
    }
    for (const auto& t : session.maskToggles) {
        if (t.batch < 0 || t.batch >= batchCount()) {
            notes << tr("a mask edit of batch %1 was dropped: there are %2 batches").arg(t.batch + 1).arg(batchCount());
            continue;
        }
        std::optional<Mask>& mask = t.batch == 0 ? m_mask : m_extraBatches[static_cast<std::size_t>(t.batch - 1)].mask;
        const Tensor& input = t.batch == 0 ? m_inputs[0] : m_extraBatches[static_cast<std::size_t>(t.batch - 1)].input;
        if (input.rank() < 2 || t.sample < 0 || t.sample >= input.dim(0) || t.time < 0 || t.time >= input.dim(1)) {
            notes << tr("a mask edit at sample %1, time %2 was dropped: it lies outside the input")
                         .arg(t.sample)
                         .arg(t.time);
            continue;
        }
        if (!mask) {
            mask = Mask(input.dim(0), input.dim(1), true);
        }
        mask->set(t.sample, t.time, !mask->at(t.sample, t.time));
        m_maskToggles.push_back(t);
    }
    m_edits = session.edits;
    m_traceRequest = session.record;
    m_traceRequest.layers.clear();
    for (const std::string& name : session.record.layers) {
        const Layer* layer = m_model->findLayer(name);
        if (layer != nullptr && layer->isRecurrent()) {
            m_traceRequest.layers.push_back(name);
        } else {
            notes << tr("the model has no recurrent layer '%1' any more: it is not recorded")
                         .arg(QString::fromStdString(name));
        }
    }
    if (m_traceRequest.layers.empty() && !session.record.layers.empty()) {
        notes << tr("none of the layers the session recorded is left: every layer is recorded");
    }
    m_shownBatch = std::clamp(session.selection.shownBatch, 0, batchCount() - 1);
    return notes;
}

} // namespace rnnscope::app
