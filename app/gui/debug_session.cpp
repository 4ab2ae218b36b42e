#include "debug_session.h"

#include <algorithm>
#include <chrono>
#include <random>

#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include "core/bidirectional.h"
#include "core/errors.h"
#include "core/io/file_error.h"
#include "core/io/model_loader.h"
#include "core/io/npy.h"
#include "core/layer_options.h"
#include "core/layers/basic_layers.h"
#include "core/rnn_layer.h"

namespace rnnscope::app {

namespace {

// Default shapes for dimensions a model leaves open, so a probe can always be made.
constexpr Index kDefaultBatch = 4;
constexpr Index kDefaultSteps = 50;

// Whether model input `index` feeds a time-major recurrent layer directly (then it is fed as [T,B,F]).
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

// A probe shaped like model input `spec` (batch-major), for opening a model before the user has data for it.
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

// Throws FileError when `t` (batch-major) cannot feed model input `index`.
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

// The RnnLayers that make up a recurrent layer (both directions of a Bidirectional).
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

// For a model config .json opened without weights: "<stem>.weights.h5", "<stem>.h5", "model.weights.h5" or
// "weights.h5" in the same directory, the names Keras and our CLI examples save them under.
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

struct RunCall
{
    std::vector<Tensor> inputs;
    std::optional<Mask> mask;
};

struct RunJob
{
    std::shared_ptr<Model> model;
    std::vector<RunCall> calls; // in order, on the same model instance
    std::uint64_t generation = 0;
};

// One model.predict call; records its trace in `snapshot`.
void runCall(Model& model, const RunCall& call, RunSnapshot& snapshot)
{
    snapshot.mask = call.mask;
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
    CallContext context;
    context.trace = &snapshot.trace;
    const auto outputs = model.predict(fed, masks, context);
    for (std::size_t k = 0; k < outputs.size(); ++k) {
        snapshot.outputs.emplace_back(model.outputs()[k].name, outputs[k]);
    }
}

// Runs on a worker thread: every call in order, as consecutive model.predict calls (stateful layers carry their
// states from one to the next). The GUI thread does not touch the model until this returns
// (DebugSession::waitForRun). After a failed call the later ones are not made; their snapshots say so.
std::vector<SnapshotPtr> runEngine(const RunJob& job)
{
    std::vector<SnapshotPtr> snapshots;
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
            runCall(*job.model, job.calls[c], *snapshot);
        } catch (const std::exception& e) {
            snapshot->error = e.what();
            failure = "not run: batch " + std::to_string(c + 1) + " failed: " + snapshot->error;
        }
        snapshot->runMilliseconds
            = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        snapshots.push_back(std::move(snapshot));
    }
    return snapshots;
}

} // namespace

struct DebugSession::LoadResult
{
    std::shared_ptr<Model> model;
    QString path;
    QString format;
    QStringList warnings;
    std::vector<Tensor> inputs;
    std::optional<Mask> mask;
    QString inputDescription;
    QString error; // the model could not be opened
    QString inputError; // the model opened, its input file could not be read (a probe stands in)
    std::uint64_t generation = 0;
};

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

void DebugSession::openModel(const QString& path, const QString& weights, const QString& inputSpec)
{
    const std::uint64_t generation = ++m_loadGeneration;
    m_loadPending = true;
    updateBusy(tr("Opening %1…").arg(QFileInfo(path).fileName()));
    auto* watcher = new QFutureWatcher<std::shared_ptr<LoadResult>>(this);
    connect(watcher, &QFutureWatcher<std::shared_ptr<LoadResult>>::finished, this, [this, watcher, generation] {
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
        installLoad(*result);
    });
    watcher->setFuture(QtConcurrent::run([path, weights, inputSpec, generation] {
        auto r = std::make_shared<LoadResult>();
        r->generation = generation;
        r->path = path;
        try {
            std::optional<std::string> w
                = weights.isEmpty() ? std::nullopt : std::optional<std::string>(weights.toStdString());
            if (!w && io::detectFileKind(path.toStdString()) == io::FileKind::Json) {
                w = siblingWeights(path); // a config .json needs weights: take the ones saved beside it
            }
            io::LoadedModel loaded = io::loadModel(path.toStdString(), w);
            r->model = std::shared_ptr<Model>(std::move(loaded.model));
            r->format = QString::fromStdString(loaded.format);
            for (const auto& warning : loaded.warnings) {
                r->warnings << QString::fromStdString(warning);
            }
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
                r->inputDescription = QStringLiteral("%1 %2").arg(
                    QFileInfo(inputSpec).fileName(), QString::fromStdString(shapeToString(r->inputs[0].shape())));
            } catch (const std::exception& e) {
                r->inputError = QString::fromStdString(e.what());
            }
        }
        return r;
    }));
}

void DebugSession::installLoad(LoadResult& result)
{
    waitForRun();
    m_model = std::move(result.model);
    m_modelPath = result.path;
    m_format = result.format;
    m_inputs = std::move(result.inputs);
    m_mask = std::move(result.mask);
    m_inputDescription = result.inputDescription;
    m_initialKind = InitialStateKind::Zeros;
    m_initialFiles.clear();
    m_initialTensors.clear();
    m_extraBatches.clear();
    m_shownBatch = 0;
    ++m_inputGeneration; // a sequence read for the previous model must not land on this one
    m_inputPending = false;
    emit modelOpened(m_modelPath);
    emit inputsChanged(m_inputDescription);
    emit batchesChanged(batchCount());
    if (!result.inputError.isEmpty()) {
        emit failed(result.inputError);
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
    readInput(spec, options, [this, spec](io::SequenceData& data) {
        m_inputs[0] = std::move(data.values);
        m_mask = std::move(data.mask);
        m_inputDescription = QStringLiteral("%1 %2").arg(
            QFileInfo(spec).fileName(), QString::fromStdString(shapeToString(m_inputs[0].shape())));
        emit inputsChanged(m_inputDescription);
        dropMismatchedBatches();
        return QString();
    });
}

void DebugSession::addBatch(const QString& spec, const io::SequenceOptions& options)
{
    readInput(spec, options, [this, spec](io::SequenceData& data) {
        if (data.values.shape() != m_inputs[0].shape()) {
            return tr("%1: has shape %2, but every batch must be shaped like the first, %3")
                .arg(spec, QString::fromStdString(shapeToString(data.values.shape())),
                    QString::fromStdString(shapeToString(m_inputs[0].shape())));
        }
        m_extraBatches.push_back({std::move(data.values), std::move(data.mask)});
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
    m_shownBatch = 0;
    emit batchesChanged(batchCount());
    rerun();
}

void DebugSession::dropMismatchedBatches()
{
    // Batch 0's input 0 changed: batches of another shape could no longer follow it.
    const auto before = m_extraBatches.size();
    std::erase_if(m_extraBatches, [this](const ExtraBatch& b) { return b.input.shape() != m_inputs[0].shape(); });
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
    static const char* const kNames[] = {"zeros", "impulse", "step", "sine", "noise"};
    m_inputDescription = tr("%1 probe %2")
                             .arg(QString::fromLatin1(kNames[static_cast<int>(spec.kind)]),
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

void DebugSession::startRun()
{
    waitForRun();
    applyInitialStates(); // once, before the first call: the later calls carry the states on
    RunJob job {m_model, {{m_inputs, m_mask}}, ++m_runGeneration};
    for (const ExtraBatch& extra : m_extraBatches) {
        RunCall call {m_inputs, extra.mask};
        call.inputs[0] = extra.input;
        job.calls.push_back(std::move(call));
    }
    const std::uint64_t generation = job.generation;
    m_runPending = true;
    updateBusy(tr("Running %1…").arg(QString::fromStdString(m_model->name())));
    auto* watcher = new QFutureWatcher<std::vector<SnapshotPtr>>(this);
    connect(watcher, &QFutureWatcher<std::vector<SnapshotPtr>>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_runGeneration) {
            return; // superseded by a newer run, or cancelled
        }
        m_runPending = false;
        updateBusy({});
        m_runs = watcher->result();
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

void DebugSession::cancel()
{
    ++m_loadGeneration;
    ++m_runGeneration;
    ++m_inputGeneration;
    m_loadPending = m_runPending = m_inputPending = false;
    updateBusy({});
}

} // namespace rnnscope::app
