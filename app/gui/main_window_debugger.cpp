// MainWindow: the debugger's power tools — breakpoints and Run (F5), what-if edits, the pinned baseline and the
// display mode, sessions, and saving the model. Kept apart from the window's views and data plumbing.

#include <QActionGroup>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>

#include "breakpoint_controller.h"
#include "core/io/model_builder.h"
#include "core/weight_matrices.h"
#include "debug_session.h"
#include "export_controller.h"
#include "layer_options_panel.h"
#include "main_window.h"
#include "model_builder_dialog.h"
#include "recent_files.h"
#include "session_controller.h"
#include "step_controls.h"
#include "what_if_controller.h"
#include "widgets/breakpoint_list.h"
#include "widgets/health_view.h"
#include "widgets/heatmap_view.h"
#include "widgets/inspector_view.h"
#include "widgets/mask_strip.h"
#include "widgets/output_view.h"
#include "widgets/sample_unit_view.h"
#include "widgets/unit_traces_view.h"
#include "widgets/view_context.h"
#include "widgets/weights_view.h"

namespace rnnscope::app {

void MainWindow::createDebuggerParts()
{
    m_breakpoints = new BreakpointController(m_context, this);
    m_whatIf = new WhatIfController(m_context, m_session, this);
    m_sessions = new SessionController(this, m_session, m_context, m_breakpoints);

    // Breakpoints: Run (F5) stops at the next one.
    m_steps->setRunTarget([this] { return m_breakpoints->runToNext(); });
    connect(m_breakpoints, &BreakpointController::stopped, this, [this](const QString& why) { setStatus(why); });
    connect(m_breakpoints, &BreakpointController::ranToEnd, this, [this](const QString& why) { setStatus(why); });
    QDockWidget* bpDock
        = addDock(m_breakpoints->list(), tr("Breakpoints"), QStringLiteral("breakpointsDock"), Qt::LeftDockWidgetArea);
    QAction* addBp
        = m_debugMenu->addAction(tr("Add &Breakpoint…"), this, [this] { emit m_breakpoints->list()->addRequested(); });
    addBp->setShortcut(QKeySequence(Qt::Key_F9));
    addBp->setStatusTip(
        tr("Stop Run (F5) at a step, on NaN/Inf, on a value crossing a threshold, or on a saturated gate"));

    // Weights: each recurrent layer's kernels as heatmaps split by gate, refreshed when a model opens.
    auto* weights = new widgets::WeightsView(this);
    weights->setObjectName(QStringLiteral("weightsView"));
    QDockWidget* weightsDock = addDock(weights, tr("Weights"), QStringLiteral("weightsDock"), Qt::RightDockWidgetArea);
    tabifyDockWidget(findChild<QDockWidget*>(QStringLiteral("healthDock")), weightsDock);
    findChild<QDockWidget*>(QStringLiteral("healthDock"))->raise();
    auto showWeights = [this, weights] {
        weights->setLayers(
            m_session->model() ? weightMatrices(*m_session->model()) : std::vector<LayerWeightMatrices> {});
    };
    connect(m_session, &DebugSession::modelOpened, this, showWeights);
    connect(m_session, &DebugSession::weightsChanged, this, showWeights);

    // Export: pictures of the views, and the trace.
    QList<QPair<QString, QWidget*>> views;
    auto addView = [&views](const char* stem, QWidget* view) { views.append({QString::fromLatin1(stem), view}); };
    addView("heatmap", m_heatmap);
    addView("traces", m_traces);
    addView("samples", m_samples);
    addView("mask", m_mask);
    addView("output", m_output);
    addView("inspector", m_inspector);
    addView("health", m_health);
    addView("weights", weights);
    m_exports = new ExportController(m_context, m_session, views, this);
    connect(m_exports, &ExportController::failed, this, &MainWindow::showError);
    connect(m_exports, &ExportController::exported, this, [this](const QString& text) { setStatus(text); });
    QAction* exportView = new QAction(tr("Export &View as Image…"), this);
    exportView->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    exportView->setStatusTip(tr("The view you are in, or every view into a folder, as PNG, PDF or SVG"));
    connect(exportView, &QAction::triggered, m_exports, &ExportController::exportViewDialog);
    QAction* exportTrace = new QAction(tr("Export &Trace…"), this);
    exportTrace->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    exportTrace->setStatusTip(tr("The shown run's states, gates, outputs and mask as HDF5, CSV or NPY"));
    connect(exportTrace, &QAction::triggered, m_exports, &ExportController::exportTraceDialog);

    // What-if edits, in an Edit menu after File.
    auto* edit = new QMenu(tr("&Edit"), this);
    menuBar()->insertMenu(m_dataMenu->menuAction(), edit);
    for (QAction* a : m_whatIf->actions()) {
        edit->addAction(a);
    }
    QDockWidget* editDock
        = addDock(m_whatIf->editList(), tr("What-If Edits"), QStringLiteral("whatIfDock"), Qt::LeftDockWidgetArea);
    connect(m_whatIf, &WhatIfController::failed, this, &MainWindow::showError);
    connect(m_whatIf, &WhatIfController::edited, this,
        [this](const QString& text) { setStatus(tr("What if: %1; re-running (dashed: the run before)").arg(text)); });
    tabifyDockWidget(bpDock, editDock);
    bpDock->raise();

    // Baseline and display mode.
    m_viewMenu->addSeparator();
    QAction* pin = m_viewMenu->addAction(tr("&Pin Run as Baseline"), this, &MainWindow::pinBaseline);
    pin->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    pin->setStatusTip(
        tr("Keep this run to compare later runs with (after an option, mask, what-if or weights change)"));
    QAction* unpin = m_viewMenu->addAction(tr("&Unpin Baseline"), this, &MainWindow::unpinBaseline);
    auto* modes = new QActionGroup(this);
    const QList<QPair<QString, widgets::DisplayMode>> modeList {
        {tr("Show &Current Run"), widgets::DisplayMode::Current},
        {tr("Show &Baseline Run"), widgets::DisplayMode::Baseline},
        {tr("Show &Difference (current − baseline)"), widgets::DisplayMode::Difference}};
    QList<QAction*> modeActions;
    for (int i = 0; i < modeList.size(); ++i) {
        QAction* a = m_viewMenu->addAction(modeList[i].first);
        a->setCheckable(true);
        a->setChecked(i == 0);
        a->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + i)));
        a->setObjectName(QStringLiteral("displayMode%1").arg(i));
        modes->addAction(a);
        modeActions << a;
        const widgets::DisplayMode mode = modeList[i].second;
        connect(a, &QAction::triggered, this, [this, mode] { m_context->setDisplayMode(mode); });
    }
    m_displayLabel = new QLabel(this);
    m_displayLabel->setObjectName(QStringLiteral("displayLabel"));
    statusBar()->addPermanentWidget(m_displayLabel);
    auto updateDisplay = [this, modeActions, unpin] {
        const auto mode = m_context->displayMode();
        modeActions[static_cast<int>(mode)]->setChecked(true);
        unpin->setEnabled(m_context->baseline() != nullptr);
        for (int i = 1; i < modeActions.size(); ++i) {
            modeActions[i]->setEnabled(m_context->baseline() != nullptr);
        }
        const bool pinned = m_context->baseline() != nullptr;
        const QString text = !pinned                                     ? QString()
            : m_context->shownMode() == widgets::DisplayMode::Difference ? tr("showing current − baseline")
            : m_context->shownMode() == widgets::DisplayMode::Baseline   ? tr("showing the baseline run")
                                                                         : tr("baseline pinned");
        m_displayLabel->setText(text);
        m_displayLabel->setStyleSheet(pinned && m_context->shownMode() != widgets::DisplayMode::Current
                ? QStringLiteral("font-weight: bold;")
                : QString());
    };
    connect(m_context, &widgets::ViewContext::baselineChanged, this, updateDisplay);
    connect(m_context, &widgets::ViewContext::displayModeChanged, this, updateDisplay);
    updateDisplay();

    // Sessions and saving the model, in the File menu before Quit.
    QAction* openSession = new QAction(tr("Open Sess&ion…"), this);
    connect(openSession, &QAction::triggered, this, &MainWindow::openSessionDialog);
    QAction* saveSession = new QAction(tr("&Save Session"), this);
    saveSession->setShortcut(QKeySequence::Save);
    saveSession->setStatusTip(tr("Save the model, data, options, edits, breakpoints and layout as a .rnnscope file"));
    connect(saveSession, &QAction::triggered, this, [this] { saveSessionDialog(false); });
    QAction* saveSessionAs = new QAction(tr("Save Session &As…"), this);
    saveSessionAs->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    connect(saveSessionAs, &QAction::triggered, this, [this] { saveSessionDialog(true); });
    QAction* newModel = new QAction(tr("&New Model…"), this);
    newModel->setShortcut(QKeySequence::New);
    newModel->setStatusTip(tr("Build a recurrent model here: cells, units, options, a Dense on top, and weights from "
                              "Keras's initializers or a .weights.h5"));
    connect(newModel, &QAction::triggered, this, &MainWindow::newModelDialog);
    QAction* loadWeights = new QAction(tr("Load &Weights…"), this);
    loadWeights->setStatusTip(tr("Replace the model's weights with a .weights.h5 or .h5 of the same architecture "
                                 "(pin a baseline first to compare)"));
    connect(loadWeights, &QAction::triggered, this, [this] {
        if (!m_session->model()) {
            showError(tr("Open or build a model first."));
            return;
        }
        const QString path = QFileDialog::getOpenFileName(this, tr("Load Weights"),
            QFileInfo(m_session->modelPath()).absolutePath(), tr("Keras weights (*.h5 *.keras);;All files (*)"));
        if (path.isEmpty()) {
            return;
        }
        const QString error = m_session->loadWeights(path);
        error.isEmpty() ? setStatus(tr("Weights loaded from %1; re-running").arg(path)) : showError(error);
    });
    QAction* saveModel = new QAction(tr("Save &Model As…"), this);
    saveModel->setStatusTip(tr("Save the model as it is now (options included) as a Keras 3 .keras or legacy .h5"));
    connect(saveModel, &QAction::triggered, this, &MainWindow::saveModelDialog);
    m_fileMenu->insertActions(m_fileMenu->actions().value(0), {newModel});
    m_fileMenu->insertActions(m_quitAction, {openSession, saveSession, saveSessionAs, loadWeights, saveModel});
    m_fileMenu->insertSeparator(m_quitAction);
    m_fileMenu->insertActions(m_quitAction, {exportView, exportTrace});
    m_fileMenu->insertSeparator(m_quitAction);
    connect(m_sessions, &SessionController::failed, this, &MainWindow::showError);
    connect(m_sessions, &SessionController::restored, this, [this](const QString& path, const QStringList& notes) {
        m_sessionPath = path;
        m_recent->add(path);
        setStatus(notes.isEmpty()
                ? tr("Session %1 restored").arg(QFileInfo(path).fileName())
                : tr("Session %1 restored; %2").arg(QFileInfo(path).fileName(), notes.join(QStringLiteral("; "))),
            !notes.isEmpty());
    });

    for (QAction* a : {addBp, pin, unpin, newModel, loadWeights, openSession, saveSession, saveSessionAs, saveModel,
             exportView, exportTrace}) {
        m_actions << a;
        addAction(a);
    }
    for (QAction* a : m_whatIf->actions() + modeActions) {
        m_actions << a;
        addAction(a);
    }
    m_viewMenu->insertAction(m_viewMenu->actions().value(0), weightsDock->toggleViewAction());
    m_viewMenu->insertAction(m_viewMenu->actions().value(0), editDock->toggleViewAction());
    m_viewMenu->insertAction(m_viewMenu->actions().value(0), bpDock->toggleViewAction());
}

void MainWindow::pinBaseline()
{
    const SnapshotPtr& run = m_context->currentSnapshot();
    if (!run || !run->error.empty()) {
        showError(tr("There is no successful run to pin as the baseline."));
        return;
    }
    m_context->setBaseline(run);
    setStatus(tr("Baseline pinned: change an option, the mask, the data or the weights, then View ▸ Difference"));
}

void MainWindow::unpinBaseline()
{
    m_context->setBaseline(nullptr);
    m_context->setDisplayMode(widgets::DisplayMode::Current);
}

void MainWindow::saveSessionDialog(bool askName)
{
    QString path = m_sessionPath;
    if (askName || path.isEmpty()) {
        const QString suggested = m_sessionPath.isEmpty()
            ? QFileInfo(m_session->modelPath())
                  .absoluteDir()
                  .filePath(QFileInfo(m_session->modelPath()).completeBaseName() + QStringLiteral(".rnnscope"))
            : m_sessionPath;
        path = QFileDialog::getSaveFileName(this, tr("Save Session"), suggested, tr("RNNScope sessions (*.rnnscope)"));
        if (path.isEmpty()) {
            return;
        }
        if (QFileInfo(path).suffix().isEmpty()) {
            path += QStringLiteral(".rnnscope");
        }
    }
    if (m_sessions->save(path).isEmpty()) {
        m_sessionPath = path;
        setStatus(tr("Session saved to %1").arg(path));
    }
}

void MainWindow::openSessionDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Session"),
        QFileInfo(m_sessionPath.isEmpty() ? m_session->modelPath() : m_sessionPath).absolutePath(),
        tr("RNNScope sessions (*.rnnscope);;All files (*)"));
    if (!path.isEmpty()) {
        m_panel->clearErrors();
        m_sessions->open(path);
    }
}

void MainWindow::newModelDialog()
{
    auto* dialog = new ModelBuilderDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { buildModel(dialog->spec()); });
    dialog->open();
}

QString MainWindow::buildModel(const ModelSpec& spec)
{
    try {
        std::shared_ptr<Model> model = io::buildModelFromSpec(spec, tr("model builder").toStdString());
        m_panel->clearErrors();
        m_session->useModel(std::move(model), tr("built model"));
        setStatus(tr("Built %1; File ▸ Save Model As writes it as .keras or .h5")
                      .arg(QString::fromStdString(m_session->model() ? m_session->model()->name() : std::string())));
        return {};
    } catch (const std::exception& e) {
        const QString error = QString::fromStdString(e.what());
        showError(error);
        return error;
    }
}

void MainWindow::saveModelDialog()
{
    if (!m_session->model()) {
        showError(tr("Open or build a model first."));
        return;
    }
    const QFileInfo info(m_session->modelPath());
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Model As"),
        info.isFile() ? info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral("_saved.keras"))
                      : QString(),
        tr("Keras 3 archive (*.keras);;Legacy Keras HDF5 (*.h5)"));
    if (path.isEmpty()) {
        return;
    }
    const QString error = m_session->saveModel(path);
    if (error.isEmpty()) {
        setStatus(tr("Model saved to %1").arg(path));
    } else {
        showError(error);
    }
}

} // namespace rnnscope::app
