#pragma once
// The debugger window: a thin composer (hotspot's MainWindow). It wires the DebugSession's results into the shared
// ViewContext, lays the views out as docks around the heatmap, and owns the menus, the stepping toolbar and the
// status bar. The views never talk to the session; the session never touches a widget.

#include <functional>

#include <QMainWindow>

#include "core/model_spec.h"
#include "core/run_snapshot.h"

class QComboBox;
class QDockWidget;
class QLabel;
class QProgressBar;
class QSpinBox;
class QToolButton;

namespace rnnscope::widgets {
class ViewContext;
class HeatmapView;
class InspectorView;
class UnitTracesView;
class SampleUnitView;
class MaskStrip;
class OutputView;
class HealthView;
} // namespace rnnscope::widgets

namespace rnnscope::app {

class BreakpointController;
class ExportController;
class DebugSession;
class LayerOptionsPanel;
class SessionController;
class WhatIfController;
class RecentFiles;
class StepControls;
class TextInputDialog;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // Opens `modelPath` (with `inputSpec` for input 0, or a probe) when given; an empty path opens nothing.
    explicit MainWindow(const QString& modelPath = {}, const QString& inputSpec = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    // weights: for a config .json; empty = the weights saved beside it.
    void openModel(const QString& path, const QString& inputSpec = {}, const QString& weights = {});
    void openSequences(const QString& spec);
    // Opens the vocabulary dialog for `textFile` (non-modal; returned so tests can fill it in); accepting it reads
    // the text through the vocabulary as input 0.
    TextInputDialog* openTextInput(const QString& textFile);

    // How errors reach the user. The default shows a non-modal message box (so nothing blocks) and the status
    // bar; tests may replace it.
    using ErrorPresenter = std::function<void(const QString& message)>;
    void setErrorPresenter(ErrorPresenter presenter) { m_presentError = std::move(presenter); }

    DebugSession* session() const { return m_session; }
    widgets::ViewContext* viewContext() const { return m_context; }
    StepControls* stepControls() const { return m_steps; }
    LayerOptionsPanel* optionsPanel() const { return m_panel; }
    widgets::HeatmapView* heatmap() const { return m_heatmap; }
    widgets::InspectorView* inspector() const { return m_inspector; }
    widgets::UnitTracesView* traces() const { return m_traces; }
    widgets::MaskStrip* maskStrip() const { return m_mask; }
    QComboBox* seriesPicker() const { return m_seriesPicker; }
    QSpinBox* batchBox() const { return m_batchBox; } // 1..N: which call of a several-batch run is shown
    QString batchText() const; // "batch k/N" in the status bar
    QString statusText() const; // the message shown left in the status bar
    QList<QAction*> allActions() const; // every menu action, for the shortcuts dialog
    BreakpointController* breakpoints() const { return m_breakpoints; }
    WhatIfController* whatIf() const { return m_whatIf; }
    SessionController* sessions() const { return m_sessions; }
    ExportController* exports() const { return m_exports; }
    // Pins the current run as the baseline the views can show, or compare against (View ▸ Difference).
    void pinBaseline();
    void unpinBaseline();

signals:
    void errorShown(const QString& message); // a file could not be opened, read or run: names the file

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createViews();
    void createActions();
    void createStatusBar();
    void connectSession();
    QDockWidget* addDock(QWidget* view, const QString& title, const QString& objectName, Qt::DockWidgetArea area);
    void refreshSeriesPicker();
    void showSnapshot(const SnapshotPtr& snapshot);
    void showError(const QString& message);
    void setStatus(const QString& text, bool error = false);
    void onOptionToggled(const QString& layer, const QString& option, bool on);
    void openModelDialog();
    void openSequencesDialog();
    void openTextDialog();
    void addBatchDialog();
    void probeDialog();
    void initialStatesFromFiles();
    void restoreLayout();
    void applyDefaultSizes();
    void updateTitle();
    void createDebuggerParts(); // breakpoints, what-if edits, baseline and sessions
    void saveSessionDialog(bool askName);
    void openSessionDialog();
    void saveModelDialog();
    void newModelDialog();

public:
    // Builds the model `spec` describes and shows it (the builder's OK). Returns the error shown, or empty.
    QString buildModel(const ModelSpec& spec);

private:
    widgets::ViewContext* m_context;
    DebugSession* m_session;
    LayerOptionsPanel* m_panel = nullptr;
    widgets::HeatmapView* m_heatmap = nullptr;
    widgets::InspectorView* m_inspector = nullptr;
    widgets::UnitTracesView* m_traces = nullptr;
    widgets::SampleUnitView* m_samples = nullptr;
    widgets::MaskStrip* m_mask = nullptr;
    widgets::OutputView* m_output = nullptr;
    widgets::HealthView* m_health = nullptr;
    QComboBox* m_seriesPicker = nullptr;
    StepControls* m_steps = nullptr;
    RecentFiles* m_recent = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_fileMenu = nullptr;
    QMenu* m_dataMenu = nullptr;
    QMenu* m_debugMenu = nullptr;
    QAction* m_quitAction = nullptr;
    BreakpointController* m_breakpoints = nullptr;
    WhatIfController* m_whatIf = nullptr;
    SessionController* m_sessions = nullptr;
    ExportController* m_exports = nullptr;
    QString m_sessionPath;
    QLabel* m_displayLabel = nullptr;
    QList<QAction*> m_actions;
    QLabel* m_status = nullptr;
    QLabel* m_dataLabel = nullptr;
    QLabel* m_runLabel = nullptr;
    QLabel* m_batchLabel = nullptr;
    QSpinBox* m_batchBox = nullptr;
    QLabel* m_formatLabel = nullptr;
    QProgressBar* m_busy = nullptr;
    QToolButton* m_cancel = nullptr;
    QByteArray m_defaultState;
    bool m_layoutRestored = false;
    bool m_sizedOnce = false;
    ErrorPresenter m_presentError;
};

} // namespace rnnscope::app
