#include "debug_session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <random>

#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include "core/bidirectional.h"
#include "core/breakpoints.h"
#include "core/cancellation.h"
#include "core/errors.h"
#include "core/io/file_error.h"
#include "core/io/model_loader.h"
#include "core/io/npy.h"
#include "core/layer_options.h"
#include "core/layers/basic_layers.h"
#include "core/node_reuse.h"
#include "core/rnn_layer.h"
#include "debug_session_load.h"
#include "model_inputs.h"

namespace rnnscope::app {

namespace {

struct RunCall
{
    std::vector<Tensor> inputs;
    std::optional<Mask> mask;
};

} // namespace

// What a run's calls computed at every node (core/node_reuse.h), kept with the run's snapshots (whose traces the
// records' trace layers point into) so that the next run re-runs only from the layer that changed.
struct RunRecords
{
    const Model* model = nullptr;
    std::vector<CallRecord> calls;
    std::vector<SnapshotPtr> snapshots;
};

namespace {

struct RunJob
{
    std::shared_ptr<Model> model;
    std::vector<RunCall> calls; // in order, on the same model instance
    std::vector<WhatIfEdit> edits;
    std::uint64_t generation = 0;
    std::shared_ptr<std::atomic<bool>> cancel; // raised when a newer request supersedes the run
    std::shared_ptr<const RunRecords> previous; // the last run's records, if of this model
    std::shared_ptr<RunRecords> records; // this run's, filled by the worker
    TraceRequest request; // what every call records
};

// A NaN or Inf reaches the outputs (they are cheap to scan); only then is the trace searched for where it began.
void markNonFinite(RunSnapshot& snapshot)
{
    bool bad = false;
    for (const auto& [name, t] : snapshot.outputs) {
        bad = bad || std::any_of(t.values().begin(), t.values().end(), [](float v) { return !std::isfinite(v); });
    }
    if (!bad) {
        return;
    }
    Breakpoint nan;
    nan.kind = BreakKind::NonFinite;
    const auto hit = findNextBreak(snapshot.trace, -1, std::span<const Breakpoint>(&nan, 1), std::nullopt);
    snapshot.nonFinite = hit ? hit->message : std::string("the outputs hold NaN or Inf");
}

// One model.predict call (call `index` of the run); records its trace in `snapshot`.
void runCall(Model& model, const RunCall& call, int index, const RunJob& job, CallRecord& record, RunSnapshot& snapshot)
{
    const std::vector<WhatIfEdit>& edits = job.edits;
    const std::atomic<bool>* cancel = job.cancel.get();
    const RunRecords* previous = job.previous.get();
    snapshot.mask = call.mask;
    snapshot.trace.recording.request = job.request;
    std::vector<Tensor> fed;
    for (std::size_t i = 0; i < call.inputs.size(); ++i) {
        const Tensor& t = call.inputs[i];
        fed.push_back(inputIsTimeMajor(model, i) && t.rank() == 3 ? swapBatchAndTime(t) : t);
        snapshot.inputs.emplace_back(model.inputs()[i].name, fed.back());
    }
    std::vector<const Mask*> masks(fed.size(), nullptr);
    if (call.mask && !masks.empty()) {
        masks[0] = &*call.mask;
    }
    const Index batchSize = call.inputs.empty() || call.inputs[0].rank() < 1 ? 0 : call.inputs[0].dim(0);
    const StateEditMap stateEdits = stateEditsForCall(edits, index, model, batchSize);
    CallContext context;
    context.trace = &snapshot.trace;
    context.edits = &stateEdits;
    context.cancel = cancel;
    // Nodes whose layer, weights, edits and inputs are those of the last run's same call are taken from it.
    const auto c = static_cast<std::size_t>(index);
    context.record = &record;
    if (previous != nullptr && previous->model == &model && c < previous->calls.size() && c < previous->snapshots.size()
        && previous->snapshots[c]->error.empty()) {
        context.reuse = &previous->calls[c];
        context.reuseTrace = &previous->snapshots[c]->trace;
    }
    const auto outputs = model.predict(fed, masks, context);
    for (std::size_t k = 0; k < outputs.size(); ++k) {
        snapshot.outputs.emplace_back(model.outputs()[k].name, outputs[k]);
    }
    markNonFinite(snapshot);
}

// Runs on a worker thread: every call in order, as consecutive model.predict calls (stateful layers carry their
// states from one to the next). The GUI thread does not touch the model until this returns
// (DebugSession::waitForRun). After a failed call the later ones are not made; their snapshots say so.
std::vector<SnapshotPtr> runEngine(const RunJob& job)
{
    std::vector<SnapshotPtr> snapshots;
    job.records->model = job.model.get();
    job.records->calls.resize(job.calls.size());
    std::string failure;
    for (std::size_t c = 0; c < job.calls.size(); ++c) {
        auto snapshot = std::make_shared<RunSnapshot>();
        snapshot->generation = job.generation;
        snapshot->batch = c;
        snapshot->batches = job.calls.size();
        if (!failure.empty()) {
            snapshot->mask = job.calls[c].mask;
            snapshot->error = failure;
            snapshots.push_back(std::move(snapshot));
            continue;
        }
        const auto start = std::chrono::steady_clock::now();
        try {
            runCall(*job.model, job.calls[c], static_cast<int>(c), job, job.records->calls[c], *snapshot);
        } catch (const std::exception& e) {
            snapshot->error = e.what();
            failure = "not run: batch " + std::to_string(c + 1) + " failed: " + snapshot->error;
        }
        snapshot->runMilliseconds
            = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        snapshots.push_back(std::move(snapshot));
    }
    job.records->snapshots = snapshots;
    return snapshots;
}

} // namespace

DebugSession::DebugSession(QObject* parent)
    : QObject(parent)
{
}

DebugSession::~DebugSession()
{
    // Jobs own copies of what they use; waiting only keeps the thread pool from outliving the session's model.
    m_runFuture.waitForFinished();
}

QStringList DebugSession::optionNames()
{
    return {QStringLiteral("return_sequences"), QStringLiteral("return_state"), QStringLiteral("go_backwards"),
        QStringLiteral("stateful"), QStringLiteral("zero_output_for_mask"), QStringLiteral("unroll"),
        QStringLiteral("time_major")};
}

std::optional<bool> DebugSession::optionValue(const Layer& layer, const QString& option)
{
    const auto o = currentOptions(layer);
    if (!o) {
        return std::nullopt;
    }
    if (option == QLatin1String("return_sequences")) {
        return o->returnSequences;
    }
    if (option == QLatin1String("return_state")) {
        return o->returnState;
    }
    if (option == QLatin1String("go_backwards")) {
        return o->goBackwards;
    }
    if (option == QLatin1String("stateful")) {
        return o->stateful;
    }
    if (option == QLatin1String("zero_output_for_mask")) {
        return o->zeroOutputForMask;
    }
    if (option == QLatin1String("unroll")) {
        return o->unroll;
    }
    if (option == QLatin1String("time_major")) {
        return o->timeMajor;
    }
    return std::nullopt;
}

void DebugSession::updateBusy(const QString& what)
{
    const bool now = busy();
    if (now != m_wasBusy || now) {
        m_wasBusy = now;
        emit busyChanged(now, what);
    }
}

void DebugSession::startLoad(const QString& busyText, std::function<std::shared_ptr<LoadResult>()> job,
    std::shared_ptr<const io::SessionFile> session)
{
    const std::uint64_t generation = ++m_loadGeneration;
    m_loadPending = true;
    updateBusy(busyText);
    auto* watcher = new QFutureWatcher<std::shared_ptr<LoadResult>>(this);
    connect(
        watcher, &QFutureWatcher<std::shared_ptr<LoadResult>>::finished, this, [this, watcher, generation, session] {
            watcher->deleteLater();
            if (generation != m_loadGeneration) {
                return; // cancelled, or another open came after it
            }
            m_loadPending = false;
            auto result = watcher->result();
            if (!result->error.isEmpty()) {
                updateBusy({});
                emit failed(result->error);
                return;
            }
            installLoad(*result, session.get());
        });
    watcher->setFuture(QtConcurrent::run(std::move(job)));
}

void DebugSession::openModel(const QString& path, const QString& weights, const QString& inputSpec)
{
    startLoad(tr("Opening %1…").arg(QFileInfo(path).fileName()), [path, weights, inputSpec] {
        auto r = std::make_shared<LoadResult>();
        r->path = path;
        r->weights = weights;
        try {
            r->model = loadModelFile(path, weights, &r->format, &r->warnings);
        } catch (const std::exception& e) {
            r->error = QString::fromStdString(e.what());
            if (!r->error.contains(path)) {
                r->error = path + QStringLiteral(": ") + r->error;
            }
            return r;
        }
        const Model& model = *r->model;
        for (std::size_t i = 0; i < model.inputs().size(); ++i) {
            r->inputs.push_back(defaultInput(model.inputs()[i], inputIsTimeMajor(model, i)));
        }
        r->inputDescription = tr("sine probe %1").arg(QString::fromStdString(shapeToString(r->inputs[0].shape())));
        if (!inputSpec.isEmpty() && !r->inputs.empty()) {
            try {
                io::SequenceData data = io::readSequences(inputSpec.toStdString());
                checkFits(model, 0, data.values, inputSpec.toStdString());
                r->inputs[0] = std::move(data.values);
                r->mask = std::move(data.mask);
                r->source = fileSource(inputSpec, {});
                r->inputDescription = QStringLiteral("%1 %2").arg(
                    QFileInfo(inputSpec).fileName(), QString::fromStdString(shapeToString(r->inputs[0].shape())));
            } catch (const std::exception& e) {
                r->inputError = QString::fromStdString(e.what());
            }
        }
        return r;
    });
}

void DebugSession::installLoad(LoadResult& result, const io::SessionFile* session)
{
    waitForRun();
    m_model = std::move(result.model);
    m_modelPath = result.path;
    m_weightsPath = result.weights;
    m_sources = {result.source};
    m_maskToggles.clear();
    m_edits.clear();
    m_format = result.format;
    m_inputs = std::move(result.inputs);
    m_mask = std::move(result.mask);
    m_inputDescription = result.inputDescription;
    m_initialKind = InitialStateKind::Zeros;
    m_initialFiles.clear();
    m_initialTensors.clear();
    m_extraBatches.clear();
    for (std::size_t k = 0; k < result.extraInputs.size(); ++k) {
        m_extraBatches.push_back({std::move(result.extraInputs[k]), std::move(result.extraMasks[k])});
    }
    m_shownBatch = 0;
    ++m_inputGeneration; // a sequence read for the previous model must not land on this one
    m_inputPending = false;
    m_traceRequest.layers.clear(); // the previous model's layer names mean nothing here
    const QStringList notes = session != nullptr ? applySession(*session) : QStringList();
    emit modelOpened(m_modelPath);
    emit traceRequestChanged();
    emit inputsChanged(m_inputDescription);
    emit batchesChanged(batchCount());
    if (!result.inputError.isEmpty()) {
        emit failed(result.inputError);
    }
    if (session != nullptr) {
        emit whatIfEditsChanged();
        emit sessionRestored(notes);
    }
    rerun();
}

void DebugSession::readInput(
    const QString& spec, const io::SequenceOptions& options, std::function<QString(io::SequenceData& data)> install)
{
    if (!m_model) {
        emit failed(tr("%1: open a model first").arg(spec));
        return;
    }
    const std::uint64_t generation = ++m_inputGeneration;
    m_inputPending = true;
    updateBusy(tr("Reading %1…").arg(QFileInfo(spec).fileName()));
    struct Read
    {
        std::optional<io::SequenceData> data;
        QString error;
    };
    auto* watcher = new QFutureWatcher<std::shared_ptr<Read>>(this);
    connect(watcher, &QFutureWatcher<std::shared_ptr<Read>>::finished, this,
        [this, watcher, generation, spec, install = std::move(install)] {
            watcher->deleteLater();
            if (generation != m_inputGeneration) {
                return;
            }
            m_inputPending = false;
            auto read = watcher->result();
            if (read->error.isEmpty()) {
                try {
                    checkFits(*m_model, 0, read->data->values, spec.toStdString());
                } catch (const std::exception& e) {
                    read->error = QString::fromStdString(e.what());
                }
            }
            if (read->error.isEmpty()) {
                waitForRun();
                read->error = install(*read->data);
            }
            if (!read->error.isEmpty()) {
                updateBusy({});
                emit failed(read->error);
                return;
            }
            rerun();
        });
    watcher->setFuture(QtConcurrent::run([spec, options] {
        auto r = std::make_shared<Read>();
        try {
            r->data = io::readSequences(spec.toStdString(), options);
        } catch (const std::exception& e) {
            r->error = QString::fromStdString(e.what());
        }
        return r;
    }));
}

void DebugSession::openSequences(const QString& spec, const io::SequenceOptions& options)
{
    readInput(spec, options, [this, spec, options](io::SequenceData& data) {
        m_inputs[0] = std::move(data.values);
        m_mask = std::move(data.mask);
        m_sources[0] = fileSource(spec, options);
        std::erase_if(m_maskToggles, [](const io::SessionMaskToggle& t) { return t.batch == 0; });
        m_inputDescription = QStringLiteral("%1 %2").arg(
            QFileInfo(spec).fileName(), QString::fromStdString(shapeToString(m_inputs[0].shape())));
        emit inputsChanged(m_inputDescription);
        dropMismatchedBatches();
        return QString();
    });
}

void DebugSession::addBatch(const QString& spec, const io::SequenceOptions& options)
{
    readInput(spec, options, [this, spec, options](io::SequenceData& data) {
        if (data.values.shape() != m_inputs[0].shape()) {
            return tr("%1: has shape %2, but every batch must be shaped like the first, %3")
                .arg(spec, QString::fromStdString(shapeToString(data.values.shape())),
                    QString::fromStdString(shapeToString(m_inputs[0].shape())));
        }
        m_extraBatches.push_back({std::move(data.values), std::move(data.mask)});
        m_sources.push_back(fileSource(spec, options));
        emit batchesChanged(batchCount());
        return QString();
    });
}

void DebugSession::clearExtraBatches()
{
    if (m_extraBatches.empty()) {
        return;
    }
    waitForRun();
    m_extraBatches.clear();
    m_sources.resize(1);
    std::erase_if(m_maskToggles, [](const io::SessionMaskToggle& t) { return t.batch > 0; });
    std::erase_if(m_edits, [](const WhatIfEdit& e) { return e.batch > 0; });
    m_shownBatch = 0;
    emit batchesChanged(batchCount());
    rerun();
}

void DebugSession::dropMismatchedBatches()
{
    // Batch 0's input 0 changed: batches of another shape could no longer follow it.
    const auto before = m_extraBatches.size();
    for (std::size_t k = m_extraBatches.size(); k-- > 0;) {
        if (m_extraBatches[k].input.shape() == m_inputs[0].shape()) {
            continue;
        }
        const int batch = static_cast<int>(k) + 1;
        m_extraBatches.erase(m_extraBatches.begin() + static_cast<std::ptrdiff_t>(k));
        m_sources.erase(m_sources.begin() + batch);
        // Later batches move down by one; what was made for the dropped one goes with it.
        std::erase_if(m_maskToggles, [batch](const io::SessionMaskToggle& t) { return t.batch == batch; });
        std::erase_if(m_edits, [batch](const WhatIfEdit& e) { return e.batch == batch; });
        for (auto& t : m_maskToggles) {
            t.batch -= t.batch > batch ? 1 : 0;
        }
        for (auto& e : m_edits) {
            e.batch -= e.batch > batch ? 1 : 0;
        }
    }
    if (m_extraBatches.size() != before) {
        m_shownBatch = std::min(m_shownBatch, batchCount() - 1);
        emit batchesChanged(batchCount());
    }
}

void DebugSession::showBatch(int index)
{
    if (index < 0 || index >= batchCount() || index == m_shownBatch) {
        return;
    }
    m_shownBatch = index;
    if (static_cast<std::size_t>(index) < m_runs.size() && !m_runPending) {
        m_last = m_runs[static_cast<std::size_t>(index)];
        emit snapshotReady(m_last);
    }
}

const Tensor* DebugSession::shownInput() const
{
    if (m_shownBatch == 0) {
        return m_inputs.empty() ? nullptr : &m_inputs[0];
    }
    return &m_extraBatches[static_cast<std::size_t>(m_shownBatch - 1)].input;
}

std::optional<Mask>& DebugSession::shownMask()
{
    return m_shownBatch == 0 ? m_mask : m_extraBatches[static_cast<std::size_t>(m_shownBatch - 1)].mask;
}

void DebugSession::useProbe(const ProbeSpec& spec)
{
    if (!m_model) {
        return;
    }
    waitForRun();
    ++m_inputGeneration; // a file still being read would overwrite the probe
    m_inputPending = false;
    m_inputs[0] = makeProbe(spec);
    m_mask.reset();
    m_sources[0] = io::SessionInput {};
    m_sources[0].source = io::SessionInput::Source::Probe;
    m_sources[0].probe = toSessionProbe(spec);
    std::erase_if(m_maskToggles, [](const io::SessionMaskToggle& t) { return t.batch == 0; });
    m_inputDescription = tr("%1 probe %2")
                             .arg(QString::fromLatin1(kProbeNames[static_cast<int>(spec.kind)]),
                                 QString::fromStdString(shapeToString(m_inputs[0].shape())));
    emit inputsChanged(m_inputDescription);
    dropMismatchedBatches();
    rerun();
}

std::vector<Tensor> DebugSession::initialStateTensors(QString* error) const
{
    std::vector<Tensor> states;
    const auto recurrent = m_model->recurrentLayers();
    if (recurrent.empty() || m_initialKind == InitialStateKind::Zeros) {
        return states;
    }
    const Index batch = m_inputs.empty() || m_inputs[0].rank() < 1 ? 1 : m_inputs[0].dim(0);
    std::size_t k = 0;
    std::mt19937 gen(7);
    std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
    for (RnnLayer* rnn : directionsOf(recurrent.front())) {
        for (const auto& spec : rnn->cell().states()) {
            if (m_initialKind == InitialStateKind::Random) {
                Tensor t({batch, spec.size});
                for (Index i = 0; i < t.size(); ++i) {
                    t.data()[i] = dist(gen);
                }
                states.push_back(std::move(t));
                continue;
            }
            if (k >= static_cast<std::size_t>(m_initialFiles.size())) {
                *error = tr("%1: layer '%2' has more states than the %3 file(s) given")
                             .arg(m_initialFiles.value(0), QString::fromStdString(recurrent.front()->name()))
                             .arg(m_initialFiles.size());
                return {};
            }
            const QString file = m_initialFiles[static_cast<qsizetype>(k)];
            try {
                Tensor t = io::toTensor(io::readNpy(file.toStdString()), file.toStdString());
                if (t.rank() != 2 || t.dim(0) != batch || t.dim(1) != spec.size) {
                    *error
                        = tr("%1: has shape %2, but state %3 of layer '%4' is (%5, %6)")
                              .arg(file, QString::fromStdString(shapeToString(t.shape())),
                                  QString::fromStdString(spec.name), QString::fromStdString(recurrent.front()->name()))
                              .arg(batch)
                              .arg(spec.size);
                    return {};
                }
                states.push_back(std::move(t));
            } catch (const std::exception& e) {
                *error = QString::fromStdString(e.what());
                return {};
            }
            ++k;
        }
    }
    return states;
}

bool DebugSession::setInitialStates(InitialStateKind kind, const QStringList& files)
{
    if (!m_model) {
        return false;
    }
    waitForRun();
    const auto previousKind = m_initialKind;
    const auto previousFiles = m_initialFiles;
    m_initialKind = kind;
    m_initialFiles = files;
    QString error;
    auto tensors = initialStateTensors(&error);
    if (!error.isEmpty()) {
        m_initialKind = previousKind;
        m_initialFiles = previousFiles;
        emit failed(error);
        return false;
    }
    m_initialTensors = std::move(tensors);
    rerun();
    return true;
}

void DebugSession::applyInitialStates()
{
    // Every run replays its model.predict calls from the same start, so a re-run after an option change compares
    // like with like: stateful layers start from their reset (or given) states, not from the previous run's end.
    // Called once per run, before the first batch; the later batches carry the states on.
    m_model->resetStates();
    const auto recurrent = m_model->recurrentLayers();
    std::size_t k = 0;
    for (Layer* layer : recurrent) {
        for (RnnLayer* rnn : directionsOf(layer)) {
            std::vector<Tensor> own;
            if (layer == recurrent.front() && !m_initialTensors.empty()) {
                for (std::size_t s = 0; s < rnn->cell().states().size() && k < m_initialTensors.size(); ++s) {
                    own.push_back(m_initialTensors[k++]);
                }
            }
            if (rnn->options().stateful && !own.empty()) {
                rnn->resetStates(std::move(own));
            } else {
                rnn->setInitialStateOverride(std::move(own));
            }
        }
    }
}

QString DebugSession::setOption(const QString& layerName, const QString& option, bool on)
{
    Layer* layer = m_model ? m_model->findLayer(layerName.toStdString()) : nullptr;
    const auto old = layer ? optionValue(*layer, option) : std::nullopt;
    if (!old) {
        return tr("%1 has no option %2").arg(layerName, option);
    }
    if (*old == on) {
        return {};
    }
    auto overridesFor = [&option](bool value) {
        LayerOverrides o;
        if (option == QLatin1String("return_sequences")) {
            o.returnSequences = value;
        } else if (option == QLatin1String("return_state")) {
            o.returnState = value;
        } else if (option == QLatin1String("go_backwards")) {
            o.goBackwards = value;
        } else if (option == QLatin1String("stateful")) {
            o.stateful = value;
        } else if (option == QLatin1String("zero_output_for_mask")) {
            o.zeroOutputForMask = value;
        } else if (option == QLatin1String("unroll")) {
            o.unroll = value;
        } else {
            o.timeMajor = value;
        }
        return o;
    };
    waitForRun();
    try {
        applyLayerOverrides(overridesFor(on), *layer, *m_model);
    } catch (const std::exception& e) {
        const QString reason = QString::fromStdString(e.what());
        try {
            applyLayerOverrides(overridesFor(*old), *layer, *m_model);
        } catch (const std::exception&) {
            // The previous options built; a failure here would be an engine bug. The run that follows shows it.
        }
        return tr("%1: %2=%3 breaks the model: %4")
            .arg(layerName, option, on ? QStringLiteral("True") : QStringLiteral("False"), reason);
    }
    emit optionsChanged();
    rerun();
    return {};
}

void DebugSession::toggleMask(Index sample, Index time)
{
    const Tensor* input = m_model ? shownInput() : nullptr;
    if (input == nullptr || input->rank() < 2) {
        return;
    }
    const Index batch = input->dim(0);
    const Index steps = input->dim(1);
    if (sample < 0 || sample >= batch || time < 0 || time >= steps) {
        return;
    }
    waitForRun();
    std::optional<Mask>& mask = shownMask();
    if (!mask) {
        mask = Mask(batch, steps, true);
    }
    mask->set(sample, time, !mask->at(sample, time));
    m_maskToggles.push_back({m_shownBatch, sample, time});
    rerun();
}

void DebugSession::resetStates(const QString& layerName)
{
    if (!m_model) {
        return;
    }
    waitForRun();
    if (layerName.isEmpty()) {
        m_model->resetStates();
    } else if (Layer* layer = m_model->findLayer(layerName.toStdString())) {
        layer->resetStates();
    }
    rerun();
}

void DebugSession::waitForRun()
{
    // The engine mutates the model's layers while it runs (states, traces); options and states change only
    // between runs. Runs take milliseconds, so waiting here is cheaper than copying the model for every run.
    m_runFuture.waitForFinished();
}

void DebugSession::rerun()
{
    if (!m_model) {
        return;
    }
    startRun();
}

void DebugSession::setTraceRequest(const TraceRequest& request)
{
    m_traceRequest = request;
    m_records.reset(); // a reused layer would bring the trace recorded to the old request
    emit traceRequestChanged();
    if (m_model) {
        startRun();
    }
}

void DebugSession::startRun()
{
    // A run still under way is superseded by this one: it stops within a step instead of finishing for nothing.
    cancelRun();
    waitForRun();
    applyInitialStates(); // once, before the first call: the later calls carry the states on
    m_runCancel = std::make_shared<std::atomic<bool>>(false);
    auto records = std::make_shared<RunRecords>();
    RunJob job {m_model, {{m_inputs, m_mask}}, m_edits, ++m_runGeneration, m_runCancel,
        m_records && m_records->model == m_model.get() ? m_records : nullptr, records, m_traceRequest};
    for (const ExtraBatch& extra : m_extraBatches) {
        RunCall call {m_inputs, extra.mask};
        call.inputs[0] = extra.input;
        job.calls.push_back(std::move(call));
    }
    const std::uint64_t generation = job.generation;
    m_runPending = true;
    updateBusy(tr("Running %1…").arg(QString::fromStdString(m_model->name())));
    auto* watcher = new QFutureWatcher<std::vector<SnapshotPtr>>(this);
    connect(watcher, &QFutureWatcher<std::vector<SnapshotPtr>>::finished, this, [this, watcher, generation, records] {
        watcher->deleteLater();
        const auto& result = watcher->future().resultCount() > 0 ? watcher->result() : std::vector<SnapshotPtr> {};
        if (!result.empty() && result.front()->error == RunCancelled().what()) {
            emit runCancelled(); // the engine stopped part way
        }
        if (generation != m_runGeneration) {
            return; // superseded by a newer run, or cancelled
        }
        m_runPending = false;
        updateBusy({});
        m_runs = watcher->result();
        m_records = records;
        m_shownBatch = std::min(m_shownBatch, static_cast<int>(m_runs.size()) - 1);
        m_last = m_runs[static_cast<std::size_t>(m_shownBatch)];
        if (!m_last->error.empty()) {
            emit runFailed(QString::fromStdString(m_last->error));
        }
        emit snapshotReady(m_last);
    });
    m_runFuture = QtConcurrent::run([job = std::move(job)] { return runEngine(job); });
    watcher->setFuture(m_runFuture);
}

void DebugSession::cancelRun()
{
    if (m_runCancel) {
        *m_runCancel = true;
    }
}

void DebugSession::cancel()
{
    cancelRun();
    ++m_loadGeneration;
    ++m_runGeneration;
    ++m_inputGeneration;
    m_loadPending = m_runPending = m_inputPending = false;
    updateBusy({});
}

} // namespace rnnscope::app
