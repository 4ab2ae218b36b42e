#pragma once
// The debugger's controller (hotspot's PerfParser role): owns the model, the inputs, the mask edits and the initial
// states, runs loads and the engine off the GUI thread, and hands each run to the views as an immutable snapshot.
// It never touches a widget; the window subscribes to its signals.
//
// Cancel and supersede: every request takes a new generation number; a result whose generation is no longer the
// current one is dropped when it arrives. A run under way is interrupted (the engine polls a cancel flag once per
// step), so a toggle during a long run, or Cancel, does not wait for it; a model load is abandoned.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <QFuture>
#include <QObject>
#include <QString>
#include <QStringList>

#include "core/io/sequence_readers.h"
#include "core/io/session_file.h"
#include "core/model.h"
#include "core/run_snapshot.h"
#include "core/what_if.h"
#include "probes.h"

namespace rnnscope::app {

struct RunRecords;

class DebugSession : public QObject
{
    Q_OBJECT

public:
    explicit DebugSession(QObject* parent = nullptr);
    ~DebugSession() override;

    // The model and what it is fed. GUI thread only; valid between modelOpened and the next open.
    const Model* model() const { return m_model.get(); }
    QString modelPath() const { return m_modelPath; }
    QString modelFormat() const { return m_format; }
    QString inputDescription() const { return m_inputDescription; }
    const std::vector<Tensor>& inputs() const { return m_inputs; }
    const std::optional<Mask>& mask() const { return m_mask; }
    // Batches: the inputs of consecutive calls on the same model instance, like consecutive model.predict calls
    // (stateful layers carry their states from one to the next). Batch 0 is inputs() and mask(); the others differ
    // from it in input 0 (and its mask) only. A run makes every call in order and keeps each call's snapshot.
    int batchCount() const { return 1 + static_cast<int>(m_extraBatches.size()); }
    int shownBatch() const { return m_shownBatch; } // 0-based; lastSnapshot() is this batch's
    const std::vector<SnapshotPtr>& runSnapshots() const { return m_runs; } // the last run's, one per batch
    bool busy() const { return m_loadPending || m_runPending || m_inputPending; }
    SnapshotPtr lastSnapshot() const { return m_last; }

    // Asynchronous. inputSpec: any spec io::readSequences takes for input 0; empty = a sine probe shaped like the
    // model's input. A config .json without `weights` takes the weights saved beside it (<stem>.weights.h5,
    // <stem>.h5, model.weights.h5, weights.h5). Emits modelOpened and then snapshotReady, or failed.
    void openModel(const QString& path, const QString& weights = {}, const QString& inputSpec = {});
    // Asynchronous: replaces input 0 (and its mask), then re-runs.
    void openSequences(const QString& spec, const io::SequenceOptions& options = {});
    void useProbe(const ProbeSpec& spec); // replaces input 0, then re-runs
    // Asynchronous: appends a batch read from `spec` (shaped like batch 0's input 0, or failed()), then re-runs.
    void addBatch(const QString& spec, const io::SequenceOptions& options = {});
    void clearExtraBatches(); // back to one batch, re-runs
    void showBatch(int index); // 0-based: emits that call's snapshot of the last run; nothing re-runs
    // Initial states of the first recurrent layer (each direction of a Bidirectional): zeros, uniform random in
    // [-1, 1], or one .npy file per state ([batch, size] each, in the cell's state order). Re-runs; false and
    // failed() when the files do not fit.
    bool setInitialStates(InitialStateKind kind, const QStringList& files = {});

    // Synchronous: applies one option ("go_backwards", "return_sequences", ... as Keras names them) to a recurrent
    // layer and re-runs. On a change that breaks the model the option is reverted, nothing re-runs, and the
    // translated reason is returned (empty on success).
    QString setOption(const QString& layer, const QString& option, bool on);
    static QStringList optionNames(); // the seven live options, in display order
    static std::optional<bool> optionValue(const Layer& layer, const QString& option);

    // The shown batch's input 0 mask, created all-kept first if there is none.
    void toggleMask(Index sample, Index time);

    // What-if edits: each sets a state after a step of one batch; every run applies them all (the engine resumes
    // from the edited state). An edit that no longer fits the model (after an option change) fails the run, which
    // says why; removing it fixes that.
    const std::vector<WhatIfEdit>& whatIfEdits() const { return m_edits; }
    void addWhatIfEdit(WhatIfEdit edit); // re-runs
    void removeWhatIfEdit(int index); // re-runs
    void clearWhatIfEdits(); // re-runs

    // Sessions. recipe() describes the model, the inputs of every batch, the options, initial states, mask and
    // what-if edits (the window adds breakpoints, selection and layout). restore() opens all of it in one
    // asynchronous job and re-runs once: modelOpened, inputsChanged, batchesChanged, then sessionRestored with
    // the notes (an option that no longer applies, ...) and snapshotReady; or failed() naming the file.
    io::SessionFile recipe() const;
    void restore(const io::SessionFile& session);
    QString weightsPath() const { return m_weightsPath; }
    // A model made in the window (the builder) rather than opened from a file; `origin` says how for the title.
    void useModel(std::shared_ptr<Model> model, const QString& origin);
    // Saves the model as it is now (options included) as .keras or legacy .h5, by the extension; atomic. Returns
    // the error naming the file, or an empty string.
    QString saveModel(const QString& path);
    // Replaces the model's weights with those of a Keras 3 .weights.h5, a legacy weights .h5 or a full model file
    // of the same architecture, and re-runs. Returns the error naming the file (the weights are then unchanged),
    // or an empty string. Keeps the weights file for sessions.
    QString loadWeights(const QString& path);
    void resetStates(const QString& layer = {}); // Keras reset_states() (every recurrent layer when empty), re-runs
    void rerun();
    void cancel(); // drops whatever is under way, and stops the engine's run within a step
    // What each run records (all of it by default): fewer layers and quantities make a run of a large model lighter.
    // Re-runs, without re-using the last run's layers (their traces were recorded to another request). A newly
    // opened model records all of its layers (the quantities stay); a session brings its own choice.
    void setTraceRequest(const TraceRequest& request);
    const TraceRequest& traceRequest() const { return m_traceRequest; }

signals:
    void modelOpened(const QString& path);
    void inputsChanged(const QString& description);
    void batchesChanged(int count);
    void snapshotReady(rnnscope::SnapshotPtr snapshot);
    void optionsChanged(); // an option changed: the panel re-reads the model
    void failed(const QString& message); // a file could not be opened or read: names the file
    void runFailed(const QString& message); // the engine refused the inputs (also in the snapshot's error)
    void whatIfEditsChanged();
    void weightsChanged(); // loadWeights() replaced the model's weights
    void sessionRestored(const QStringList& notes);
    void busyChanged(bool busy, const QString& what);
    void runCancelled(); // a run was stopped part way (by cancel() or a newer request)
    void traceRequestChanged(); // setTraceRequest(), a model opened, or a session restored

private:
    struct LoadResult;
    struct ExtraBatch
    {
        Tensor input; // input 0, batch-major
        std::optional<Mask> mask;
    };
    // Reads `spec` off the GUI thread; on success `install` checks and takes the data (a non-empty return is the
    // error shown instead).
    void readInput(const QString& spec, const io::SequenceOptions& options,
        std::function<QString(io::SequenceData& data)> install);
    void dropMismatchedBatches();
    const Tensor* shownInput() const;
    std::optional<Mask>& shownMask();
    void startRun();
    // Runs `job` (a model load) off the GUI thread; the newest load wins, an older one is dropped when it ends.
    void startLoad(const QString& busyText, std::function<std::shared_ptr<LoadResult>()> job,
        std::shared_ptr<const io::SessionFile> session = nullptr);
    // Takes a loaded model and its inputs; with a session, also its options, states, mask and what-if edits.
    void installLoad(LoadResult& result, const io::SessionFile* session = nullptr);
    QStringList applySession(const io::SessionFile& session); // returns notes on what could not be applied
    void waitForRun();
    void cancelRun(); // raises the running job's cancel flag
    void updateBusy(const QString& what);
    void applyInitialStates();
    std::vector<Tensor> initialStateTensors(QString* error) const;

    std::shared_ptr<Model> m_model;
    QString m_modelPath;
    QString m_format;
    QString m_inputDescription;
    std::vector<Tensor> m_inputs; // batch-major, as the user gave them; transposed at run time for time_major
    std::optional<Mask> m_mask; // input 0's
    InitialStateKind m_initialKind = InitialStateKind::Zeros;
    QStringList m_initialFiles;
    std::vector<Tensor> m_initialTensors; // random or read, fixed until changed so re-runs compare
    std::vector<ExtraBatch> m_extraBatches; // batches 1.. (batch 0 is m_inputs and m_mask)
    std::vector<io::SessionInput> m_sources; // how each batch's input 0 was made, for sessions
    std::vector<io::SessionMaskToggle> m_maskToggles; // since the inputs were last replaced
    std::vector<WhatIfEdit> m_edits;
    QString m_weightsPath;
    int m_shownBatch = 0;
    std::vector<SnapshotPtr> m_runs; // the last run's snapshots, one per batch
    SnapshotPtr m_last;
    std::uint64_t m_loadGeneration = 0;
    std::uint64_t m_runGeneration = 0;
    std::uint64_t m_inputGeneration = 0;
    bool m_loadPending = false; // a job of the current generation is under way
    bool m_runPending = false;
    bool m_inputPending = false;
    bool m_wasBusy = false;
    QFuture<std::vector<SnapshotPtr>> m_runFuture;
    std::shared_ptr<std::atomic<bool>> m_runCancel; // the running job's cancel flag
    std::shared_ptr<const RunRecords> m_records; // the last run's nodes, for re-running from a changed layer on
    TraceRequest m_traceRequest;
};

} // namespace rnnscope::app
