#include "main_window.h"

#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QShowEvent>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/io/model_loader.h"
#include "core/memory_budget.h"
#include "debug_session.h"
#include "layer_options_panel.h"
#include "memory_budget_setting.h"
#include "probe_dialog.h"
#include "recent_files.h"
#include "record_menu.h"
#include "session_controller.h"
#include "shortcuts_dialog.h"
#include "step_controls.h"
#include "text_input_dialog.h"
#include "widgets/health_view.h"
#include "widgets/heatmap_view.h"
#include "widgets/inspector_view.h"
#include "widgets/mask_strip.h"
#include "widgets/output_view.h"
#include "widgets/sample_unit_view.h"
#include "widgets/series.h"
#include "widgets/unit_traces_view.h"
#include "widgets/view_context.h"

// The icon lives in a resource compiled into the static gui library, which the linker does not register by itself.
// Q_INIT_RESOURCE must be called outside any namespace.
static void initRnnscopeResources()
{
    Q_INIT_RESOURCE(rnnscope);
}

namespace rnnscope::app {

namespace {

const char* const kModelFilter
    = QT_TRANSLATE_NOOP("rnnscope::app::MainWindow", "Keras models (*.h5 *.hdf5 *.keras *.json);;All files (*)");
const char* const kSequenceFilter
    = QT_TRANSLATE_NOOP("rnnscope::app::MainWindow", "Sequences (*.npy *.csv *.tsv *.txt *.h5 *.hdf5);;All files (*)");

// A dropped or recent file is a model unless its content says it is data (.npy magic, or CSV text).
bool looksLikeSequences(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == QLatin1String("npy") || suffix == QLatin1String("csv") || suffix == QLatin1String("tsv");
}

bool isSessionFile(const QString& path)
{
    return QFileInfo(path).suffix().compare(QLatin1String("rnnscope"), Qt::CaseInsensitive) == 0;
}

} // namespace

MainWindow::MainWindow(const QString& modelPath, const QString& inputSpec, QWidget* parent)
    : QMainWindow(parent)
    , m_context(new widgets::ViewContext(this))
    , m_session(new DebugSession(this))
{
    initRnnscopeResources();
    setObjectName(QStringLiteral("MainWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/rnnscope/rnnscope.svg")));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    m_presentError = [this](const QString& message) {
        // Non-modal: the window stays usable, and tests are not blocked by a dialog's event loop.
        auto* box = new QMessageBox(QMessageBox::Warning, tr("RNNScope"), message, QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("errorBox"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setModal(false);
        box->show();
    };
    createViews();
    createActions();
    createStatusBar();
    connectSession();
    createDebuggerParts();
    m_defaultState = saveState();
    restoreLayout();
    updateTitle();
    if (!modelPath.isEmpty()) {
        openModel(modelPath, inputSpec);
    }
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::addDock(
    QWidget* view, const QString& title, const QString& objectName, Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName); // saveState() keys the layout by it
    dock->setWidget(view);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::createViews()
{
    // Centre: the series picker over the heatmap.
    auto* centre = new QWidget(this);
    auto* layout = new QVBoxLayout(centre);
    layout->setContentsMargins(4, 4, 4, 0);
    auto* pickerRow = new QHBoxLayout;
    auto* pickerLabel = new QLabel(tr("&Series:"), centre);
    m_seriesPicker = new QComboBox(centre);
    m_seriesPicker->setObjectName(QStringLiteral("seriesPicker"));
    m_seriesPicker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_seriesPicker->setToolTip(tr("What the heatmap, traces and inspector show: a state, gate, output or input of a "
                                  "recurrent layer"));
    pickerLabel->setBuddy(m_seriesPicker);
    pickerRow->addWidget(pickerLabel);
    pickerRow->addWidget(m_seriesPicker);
    pickerRow->addStretch(1);
    layout->addLayout(pickerRow);
    m_heatmap = new widgets::HeatmapView(m_context, centre);
    m_heatmap->setObjectName(QStringLiteral("heatmap"));
    layout->addWidget(m_heatmap, 1);
    setCentralWidget(centre);
    connect(m_seriesPicker, &QComboBox::activated, this, [this](int index) {
        // The picker lists the snapshot's series in listSeries() order.
        if (index >= 0 && m_context->snapshot()) {
            const auto all = widgets::listSeries(*m_context->snapshot());
            if (index < all.size()) {
                m_context->setSelection(all[index].first);
            }
        }
    });

    m_panel = new LayerOptionsPanel(this);
    m_inspector = new widgets::InspectorView(m_context, this);
    m_traces = new widgets::UnitTracesView(m_context, this);
    m_samples = new widgets::SampleUnitView(m_context, this);
    m_mask = new widgets::MaskStrip(m_context, this);
    m_output = new widgets::OutputView(m_context, this);
    m_health = new widgets::HealthView(m_context, this);

    m_viewMenu = new QMenu(tr("&View"), this);
    QDockWidget* model = addDock(m_panel, tr("Model"), QStringLiteral("modelDock"), Qt::LeftDockWidgetArea);
    QDockWidget* inspector
        = addDock(m_inspector, tr("Inspector"), QStringLiteral("inspectorDock"), Qt::RightDockWidgetArea);
    QDockWidget* health = addDock(m_health, tr("Health"), QStringLiteral("healthDock"), Qt::RightDockWidgetArea);
    QDockWidget* traces = addDock(m_traces, tr("Traces"), QStringLiteral("tracesDock"), Qt::BottomDockWidgetArea);
    QDockWidget* samples
        = addDock(m_samples, tr("Samples × Time"), QStringLiteral("samplesDock"), Qt::BottomDockWidgetArea);
    QDockWidget* mask = addDock(m_mask, tr("Mask"), QStringLiteral("maskDock"), Qt::BottomDockWidgetArea);
    QDockWidget* output = addDock(m_output, tr("Output"), QStringLiteral("outputDock"), Qt::BottomDockWidgetArea);
    // The sketch in DESIGN.md: traces and the samples view side by side under the heatmap, the mask and the output
    // under them; the health panel under the inspector. The left and right columns run the full height.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    splitDockWidget(inspector, health, Qt::Vertical);
    splitDockWidget(traces, mask, Qt::Vertical);
    splitDockWidget(traces, samples, Qt::Horizontal);
    splitDockWidget(mask, output, Qt::Horizontal);
    for (QDockWidget* d : {model, inspector, health, traces, samples, mask, output}) {
        m_viewMenu->addAction(d->toggleViewAction());
    }
}

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    m_fileMenu = file;
    QAction* open = file->addAction(
        QIcon::fromTheme(QStringLiteral("document-open"), style()->standardIcon(QStyle::SP_DialogOpenButton)),
        tr("&Open Model…"), this, &MainWindow::openModelDialog);
    open->setShortcut(QKeySequence::Open);
    open->setStatusTip(tr("Open a Keras model: .h5, .keras, or a config .json"));
    QMenu* recentMenu = file->addMenu(tr("Open &Recent"));
    m_recent = new RecentFiles(recentMenu, this);
    connect(m_recent, &RecentFiles::openRequested, this, [this](const QString& path) {
        if (isSessionFile(path)) {
            m_sessions->open(path);
        } else {
            looksLikeSequences(path) ? openSequences(path) : openModel(path);
        }
    });
    QAction* openData = file->addAction(tr("Open &Sequences…"), this, &MainWindow::openSequencesDialog);
    openData->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    QAction* openText = file->addAction(tr("Open &Text Input…"), this, &MainWindow::openTextDialog);
    openText->setStatusTip(tr("Feed a text file to an Embedding model through a vocabulary"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    m_quitAction = quit;

    QMenu* data = menuBar()->addMenu(tr("&Data"));
    m_dataMenu = data;
    data->addAction(openData);
    data->addAction(openText);
    data->addSeparator();
    QAction* addBatch = data->addAction(tr("&Add Batch…"), this, &MainWindow::addBatchDialog);
    addBatch->setStatusTip(tr("Feed one more batch after the first, as another model.predict call on the same "
                              "model: stateful layers carry their states"));
    QAction* clearBatches
        = data->addAction(tr("&Clear Extra Batches"), this, [this] { m_session->clearExtraBatches(); });
    data->addSeparator();
    QAction* probe = data->addAction(tr("&Generate Probe…"), this, &MainWindow::probeDialog);
    probe->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    QMenu* initial = data->addMenu(tr("&Initial States"));
    initial->addAction(tr("&Zeros"), this, [this] { m_session->setInitialStates(InitialStateKind::Zeros); });
    initial->addAction(
        tr("&Random (uniform −1…1)"), this, [this] { m_session->setInitialStates(InitialStateKind::Random); });
    initial->addAction(tr("From .&npy Files…"), this, &MainWindow::initialStatesFromFiles);

    QMenu* debug = menuBar()->addMenu(tr("&Debug"));
    m_debugMenu = debug;
    m_steps = new StepControls(m_context, this);
    for (QAction* a : m_steps->actions()) {
        debug->addAction(a);
    }
    debug->addSeparator();
    QAction* rerun = debug->addAction(tr("Re-&run Model"), this, [this] { m_session->rerun(); });
    rerun->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F5));
    QAction* nextSample
        = debug->addAction(tr("&Next Sample"), this, [this] { m_context->setSample(m_context->sample() + 1); });
    nextSample->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Down));
    QAction* prevSample
        = debug->addAction(tr("Pre&vious Sample"), this, [this] { m_context->setSample(m_context->sample() - 1); });
    prevSample->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Up));
    connect(m_steps, &StepControls::resetRequested, this, [this] { m_session->resetStates(); });
    auto* record = new RecordMenu(debug, m_session);
    connect(record, &RecordMenu::refused, this, [this](const QString& message) { setStatus(message, true); });
    QAction* budget = debug->addAction(tr("Memory &Budget…"), this, [this] {
        bool ok = false;
        const QString text = QInputDialog::getText(this, tr("Memory Budget"),
            tr("The most memory RNNScope may hold for runs and their traces, e.g. 2G or 512M.\n"
               "Empty for the default, three quarters of this machine's memory (%1). Now: %2.")
                .arg(QString::fromStdString(formatBytes(defaultMemoryBudget())),
                    QString::fromStdString(formatBytes(memoryBudget()))),
            QLineEdit::Normal, savedMemoryBudgetSetting(), &ok);
        if (!ok) {
            return;
        }
        const QString error = applyMemoryBudgetSetting(text);
        error.isEmpty() ? setStatus(tr("Memory budget: %1").arg(QString::fromStdString(formatBytes(memoryBudget()))))
                        : showError(tr("Memory budget: %1").arg(error));
    });
    budget->setStatusTip(tr("Set the memory runs and traces may take; a run that would not fit stops with a message"));

    menuBar()->addMenu(m_viewMenu);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(tr("&Reset Layout"), this, [this] {
        restoreState(m_defaultState);
        applyDefaultSizes();
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), this, [this] {
        auto* dialog = new ShortcutsDialog(allActions(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    keys->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Slash));
    QAction* whatsThis = help->addAction(tr("&About RNNScope"), this, [this] {
        QMessageBox::about(this, tr("About RNNScope"),
            tr("<b>RNNScope %1</b><p>A visual debugger for Keras recurrent neural networks: every state, gate, mask "
               "and output, per sample and per timestep.</p>")
                .arg(QCoreApplication::applicationVersion()));
    });
    whatsThis->setMenuRole(QAction::AboutRole);

    auto* bar = addToolBar(tr("Debug"));
    bar->setObjectName(QStringLiteral("debugToolBar"));
    bar->addAction(open);
    bar->addSeparator();
    m_steps->addTo(bar);
    bar->addWidget(new QLabel(tr(" batch "), bar));
    m_batchBox = new QSpinBox(bar);
    m_batchBox->setObjectName(QStringLiteral("batchBox"));
    m_batchBox->setRange(1, 1);
    m_batchBox->setToolTip(tr("Which batch of the run the views show: Data ▸ Add Batch feeds more batches in a row"));
    bar->addWidget(m_batchBox);
    connect(m_batchBox, &QSpinBox::valueChanged, this, [this](int value) { m_session->showBatch(value - 1); });

    m_actions = {open, openData, openText, addBatch, clearBatches, quit, probe, rerun, nextSample, prevSample, keys};
    m_actions += m_steps->actions();
    for (QAction* a : std::as_const(m_actions)) {
        addAction(a); // shortcuts stay live when the menu bar is hidden
    }
}

QList<QAction*> MainWindow::allActions() const
{
    return m_actions;
}

void MainWindow::createStatusBar()
{
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("statusMessage"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addWidget(m_status, 1);
    m_busy = new QProgressBar(this);
    m_busy->setRange(0, 0); // busy indicator: loads and runs do not report fractions
    m_busy->setMaximumWidth(120);
    m_busy->hide();
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop waiting for the model or data being opened"));
    m_cancel->hide();
    connect(m_cancel, &QToolButton::clicked, m_session, &DebugSession::cancel);
    m_dataLabel = new QLabel(this);
    m_runLabel = new QLabel(this);
    m_batchLabel = new QLabel(this);
    m_batchLabel->setObjectName(QStringLiteral("batchLabel"));
    m_formatLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_busy);
    statusBar()->addPermanentWidget(m_cancel);
    statusBar()->addPermanentWidget(m_dataLabel);
    statusBar()->addPermanentWidget(m_batchLabel);
    statusBar()->addPermanentWidget(m_runLabel);
    statusBar()->addPermanentWidget(m_formatLabel);
}

void MainWindow::connectSession()
{
    connect(m_session, &DebugSession::modelOpened, this, [this](const QString& path) {
        if (QFileInfo(path).isFile()) { // not a model built in the window
            m_recent->add(path);
        }
        m_panel->setModel(m_session->model(), path, m_session->modelFormat());
        m_formatLabel->setText(m_session->modelFormat());
        m_context->setStep(-1);
        updateTitle();
        setStatus(tr("Opened %1").arg(QFileInfo(path).fileName()));
    });
    connect(m_session, &DebugSession::inputsChanged, this, [this](const QString& description) {
        m_panel->setInputDescription(description);
        m_dataLabel->setText(tr("Data: %1").arg(description));
    });
    connect(m_session, &DebugSession::batchesChanged, this, [this](int count) {
        const QSignalBlocker block(m_batchBox);
        m_batchBox->setRange(1, count);
        m_batchBox->setValue(m_session->shownBatch() + 1);
    });
    connect(m_session, &DebugSession::snapshotReady, this, &MainWindow::showSnapshot);
    connect(m_session, &DebugSession::optionsChanged, m_panel, &LayerOptionsPanel::refresh);
    connect(m_session, &DebugSession::failed, this, &MainWindow::showError);
    connect(m_session, &DebugSession::runFailed, this,
        [this](const QString& message) { setStatus(tr("The run failed: %1").arg(message), true); });
    connect(m_session, &DebugSession::busyChanged, this, [this](bool busy, const QString& what) {
        m_busy->setVisible(busy);
        m_cancel->setVisible(busy);
        if (busy && !what.isEmpty()) {
            setStatus(what);
        }
    });
    connect(m_panel, &LayerOptionsPanel::optionToggled, this, &MainWindow::onOptionToggled);
    connect(m_panel, &LayerOptionsPanel::resetStatesRequested, m_session,
        [this](const QString& layer) { m_session->resetStates(layer); });
    connect(m_context, &widgets::ViewContext::maskToggleRequested, m_session, &DebugSession::toggleMask);
    connect(m_context, &widgets::ViewContext::selectionChanged, this, &MainWindow::refreshSeriesPicker);
}

void MainWindow::showSnapshot(const SnapshotPtr& snapshot)
{
    m_context->setSnapshot(snapshot);
    refreshSeriesPicker();
    m_batchLabel->setText(tr("batch %1/%2").arg(snapshot->batch + 1).arg(snapshot->batches));
    {
        const QSignalBlocker block(m_batchBox);
        m_batchBox->setRange(1, static_cast<int>(snapshot->batches));
        m_batchBox->setValue(static_cast<int>(snapshot->batch) + 1);
    }
    if (snapshot->error.empty()) {
        m_runLabel->setText(tr("ran in %1 ms").arg(snapshot->runMilliseconds, 0, 'f', 1));
        if (!snapshot->nonFinite.empty()) {
            setStatus(
                tr("The run produced NaN or Inf (%1). It ran to the end; see Health, or add a NaN/Inf breakpoint.")
                    .arg(QString::fromStdString(snapshot->nonFinite)),
                true);
        } else if (m_status->property("error").toBool() || m_status->text().endsWith(QStringLiteral("…"))) {
            setStatus(tr("Ready: %1 recurrent layer(s) traced").arg(snapshot->trace.layers.size()));
        }
    } else {
        m_runLabel->setText(tr("run failed"));
    }
}

void MainWindow::refreshSeriesPicker()
{
    const SnapshotPtr& snapshot = m_context->snapshot();
    const QSignalBlocker block(m_seriesPicker);
    m_seriesPicker->clear();
    if (!snapshot) {
        return;
    }
    const auto all = widgets::listSeries(*snapshot);
    for (qsizetype i = 0; i < all.size(); ++i) {
        m_seriesPicker->addItem(all[i].second);
        if (all[i].first == m_context->selection()) {
            m_seriesPicker->setCurrentIndex(static_cast<int>(i));
        }
    }
}

void MainWindow::onOptionToggled(const QString& layer, const QString& option, bool on)
{
    const QString error = m_session->setOption(layer, option, on);
    if (error.isEmpty()) {
        m_panel->showOptionError(layer, option, on, {});
        setStatus(tr("%1: %2 turned %3; re-running").arg(layer, option, on ? tr("on") : tr("off")));
        return;
    }
    m_panel->showOptionError(layer, option, !on, error);
    setStatus(error, true);
}

void MainWindow::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    m_status->setProperty("error", error);
    m_status->setStyleSheet(error ? QStringLiteral("color: #d32f2f;") : QString());
}

QString MainWindow::statusText() const
{
    return m_status->text();
}

QString MainWindow::batchText() const
{
    return m_batchLabel->text();
}

void MainWindow::showError(const QString& message)
{
    setStatus(message, true);
    emit errorShown(message);
    if (m_presentError) {
        m_presentError(message);
    }
}

void MainWindow::openModel(const QString& path, const QString& inputSpec, const QString& weights)
{
    m_panel->clearErrors();
    if (isSessionFile(path)) {
        m_sessions->open(path);
        return;
    }
    m_session->openModel(path, weights, inputSpec);
}

void MainWindow::openSequences(const QString& spec)
{
    m_recent->add(spec);
    m_session->openSequences(spec);
}

void MainWindow::openModelDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Model"), QFileInfo(m_session->modelPath()).absolutePath(), tr(kModelFilter));
    if (!path.isEmpty()) {
        openModel(path);
    }
}

void MainWindow::openSequencesDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Sequences"), QFileInfo(m_session->modelPath()).absolutePath(), tr(kSequenceFilter));
    if (!path.isEmpty()) {
        openSequences(path);
    }
}

void MainWindow::openTextDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Text Input"),
        QFileInfo(m_session->modelPath()).absolutePath(), tr("Text, one sequence a line (*.txt);;All files (*)"));
    if (!path.isEmpty()) {
        openTextInput(path);
    }
}

TextInputDialog* MainWindow::openTextInput(const QString& textFile)
{
    auto* dialog = new TextInputDialog(textFile, {}, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
        [this, dialog] { m_session->openSequences(QStringLiteral("text:") + dialog->textFile(), dialog->options()); });
    dialog->open(); // window-modal, without a nested event loop
    return dialog;
}

void MainWindow::addBatchDialog()
{
    if (!m_session->model()) {
        showError(tr("Open a model first: a batch is shaped like the model's input."));
        return;
    }
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Add Batch"), QFileInfo(m_session->modelPath()).absolutePath(), tr(kSequenceFilter));
    if (!path.isEmpty()) {
        m_session->addBatch(path);
    }
}

void MainWindow::probeDialog()
{
    if (!m_session->model() || m_session->inputs().empty()) {
        showError(tr("Open a model first: a probe is shaped like the model's input."));
        return;
    }
    ProbeSpec defaults;
    const Tensor& x = m_session->inputs().front();
    defaults.batch = x.rank() > 0 ? x.dim(0) : 1;
    defaults.steps = x.rank() > 1 ? x.dim(1) : 50;
    defaults.features = x.rank() > 2 ? x.dim(2) : 1;
    ProbeDialog dialog(defaults, this);
    if (dialog.exec() == QDialog::Accepted) {
        m_session->useProbe(dialog.spec());
    }
}

void MainWindow::initialStatesFromFiles()
{
    const QStringList files = QFileDialog::getOpenFileNames(this,
        tr("Initial States (one .npy per state, in the cell's order: h, c for an LSTM)"),
        QFileInfo(m_session->modelPath()).absolutePath(), tr("NumPy arrays (*.npy)"));
    if (!files.isEmpty()) {
        m_session->setInitialStates(InitialStateKind::FromFile, files);
    }
}

void MainWindow::updateTitle()
{
    const QString path = m_session->modelPath();
    setWindowTitle(path.isEmpty() ? tr("RNNScope") : tr("%1 — RNNScope").arg(QFileInfo(path).fileName()));
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    m_layoutRestored = restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

void MainWindow::applyDefaultSizes()
{
    // Dock sizes only take once the window has its size: the heatmap keeps about half the height, the plots below
    // get room for readable axes, the side columns fit their tables.
    auto dock = [this](const char* name) { return findChild<QDockWidget*>(QLatin1String(name)); };
    const int w = width();
    const int h = height();
    resizeDocks({dock("modelDock"), dock("inspectorDock")}, {w * 19 / 100, w * 22 / 100}, Qt::Horizontal);
    if (dock("breakpointsDock") != nullptr) {
        // The model's options need the height; the breakpoints and what-if lists are short.
        resizeDocks({dock("modelDock"), dock("breakpointsDock")}, {h * 66 / 100, h * 34 / 100}, Qt::Vertical);
    }
    resizeDocks({dock("inspectorDock"), dock("healthDock")}, {h * 55 / 100, h * 45 / 100}, Qt::Vertical);
    resizeDocks({dock("tracesDock"), dock("maskDock")}, {h * 27 / 100, h * 19 / 100}, Qt::Vertical);
    resizeDocks({dock("tracesDock"), dock("samplesDock")}, {w * 30 / 100, w * 29 / 100}, Qt::Horizontal);
    resizeDocks({dock("maskDock"), dock("outputDock")}, {w * 30 / 100, w * 29 / 100}, Qt::Horizontal);
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    if (!m_layoutRestored && !m_sizedOnce) {
        m_sizedOnce = true;
        applyDefaultSizes();
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls()) {
        event->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) {
        return;
    }
    const QString path = urls.front().toLocalFile();
    // A session restores; data onto an open model feeds it; anything else is taken for a model.
    if (isSessionFile(path)) {
        m_sessions->open(path);
    } else if (m_session->model() && looksLikeSequences(path)) {
        openSequences(path);
    } else {
        openModel(path);
    }
    event->acceptProposedAction();
}

} // namespace rnnscope::app
