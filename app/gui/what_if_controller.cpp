#include "what_if_controller.h"

#include <cmath>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

#include "core/io/npy.h"
#include "debug_session.h"
#include "widgets/series.h"
#include "widgets/view_context.h"

namespace rnnscope::app {

WhatIfController::WhatIfController(widgets::ViewContext* context, DebugSession* session, QWidget* parentWindow)
    : QObject(parentWindow)
    , m_context(context)
    , m_session(session)
    , m_window(parentWindow)
{
    m_setUnit = new QAction(tr("Set State &Value…"), parentWindow);
    m_setUnit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_setUnit->setStatusTip(tr("What if: set one unit of the selected state at the cursor's step, and re-run"));
    m_fromFile = new QAction(tr("Set State Vector from &File…"), parentWindow);
    m_fromFile->setStatusTip(tr("What if: set the whole state vector at the cursor's step from a .npy or text file"));
    m_paste = new QAction(tr("&Paste State Vector"), parentWindow);
    m_paste->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V));
    m_paste->setStatusTip(tr("What if: set the whole state vector at the cursor's step from numbers on the clipboard"));
    m_clear = new QAction(tr("&Remove All What-If Edits"), parentWindow);
    connect(m_setUnit, &QAction::triggered, this,
        [this] { setUnitDialog(m_context->selectedUnits().isEmpty() ? 0 : m_context->selectedUnits().front()); });
    connect(m_context, &widgets::ViewContext::stateEditRequested, this, [this](const QString& state, int unit) {
        // From the inspector: that state of the layer (direction, cell) the views show.
        widgets::SeriesRef ref = m_context->selection();
        ref.kind = widgets::SeriesKind::State;
        ref.name = state;
        m_context->setSelection(ref);
        setUnitDialog(unit);
    });
    connect(m_fromFile, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(m_window, tr("State Vector"),
            QFileInfo(m_session->modelPath()).absolutePath(), tr("Vectors (*.npy *.txt *.csv);;All files (*)"));
        if (!path.isEmpty()) {
            setVectorFromFile(path);
        }
    });
    connect(m_paste, &QAction::triggered, this, [this] { setVectorFromText(QGuiApplication::clipboard()->text()); });
    connect(m_clear, &QAction::triggered, m_session, &DebugSession::clearWhatIfEdits);

    m_listPanel = new QWidget(parentWindow);
    auto* layout = new QVBoxLayout(m_listPanel);
    layout->setContentsMargins(4, 4, 4, 4);
    m_list = new QListWidget(m_listPanel);
    m_list->setObjectName(QStringLiteral("whatIfList"));
    m_list->setToolTip(tr("The what-if edits every run applies, in order"));
    layout->addWidget(m_list, 1);
    auto* remove = new QPushButton(tr("Remove"), m_listPanel);
    remove->setObjectName(QStringLiteral("removeEdit"));
    layout->addWidget(remove);
    connect(remove, &QPushButton::clicked, this, [this] { m_session->removeWhatIfEdit(m_list->currentRow()); });
    connect(m_session, &DebugSession::whatIfEditsChanged, this, &WhatIfController::refreshList);
    refreshList();
}

QList<QAction*> WhatIfController::actions() const
{
    return {m_setUnit, m_fromFile, m_paste, m_clear};
}

QWidget* WhatIfController::editList() const
{
    return m_listPanel;
}

std::optional<WhatIfEdit> WhatIfController::editAtCursor(QString* error) const
{
    const SnapshotPtr& run = m_context->currentSnapshot();
    if (!run || !run->error.empty()) {
        *error = tr("There is no run to edit.");
        return std::nullopt;
    }
    const widgets::SeriesRef& ref = m_context->selection();
    if (ref.kind != widgets::SeriesKind::State) {
        *error = tr("Select a state (h, c) in the series picker: only states carry from one step to the next.");
        return std::nullopt;
    }
    if (m_context->step() < 0) {
        *error = tr("Step to a timestep first: the edit sets the state after the cursor's step.");
        return std::nullopt;
    }
    if (ref.layer < 0 || ref.layer >= static_cast<int>(run->trace.layers.size())) {
        *error = tr("The selected series is not in this run.");
        return std::nullopt;
    }
    const LayerTrace& layer = run->trace.layers[static_cast<std::size_t>(ref.layer)];
    const LayerTrace* traced = &layer;
    WhatIfEdit edit;
    edit.layer = layer.name;
    if (ref.direction >= 0) {
        if (ref.direction >= static_cast<int>(layer.directions.size())) {
            *error = tr("The selected direction is not in this run.");
            return std::nullopt;
        }
        traced = &layer.directions[static_cast<std::size_t>(ref.direction)];
        edit.layer += "/" + traced->name;
    }
    edit.stateName = ref.name.toStdString();
    edit.stateIndex = flattenedStateIndex(*traced, ref.cell, edit.stateName);
    if (edit.stateIndex < 0) {
        *error = tr("%1 has no state %2.").arg(QString::fromStdString(edit.layer), ref.name);
        return std::nullopt;
    }
    edit.step = m_context->step();
    edit.sample = m_context->sample();
    edit.batch = static_cast<int>(run->batch);
    return edit;
}

QString WhatIfController::apply(WhatIfEdit edit)
{
    if (!m_context->baseline()) {
        // "The views show the edited run against the original": the original is the run before the first edit.
        m_context->setBaseline(m_context->currentSnapshot());
    }
    const QString text = QString::fromStdString(describe(edit));
    m_session->addWhatIfEdit(std::move(edit));
    emit edited(text);
    return {};
}

QString WhatIfController::setUnitValue(int unit, float value)
{
    QString error;
    auto edit = editAtCursor(&error);
    const auto series = m_context->selectedSeries();
    if (edit && series && (unit < 0 || unit >= series->units)) {
        error = tr("Unit %1 does not exist: %2 has %3 units.").arg(unit).arg(series->title).arg(series->units);
    }
    if (!error.isEmpty() || !edit) {
        emit failed(error);
        return error;
    }
    edit->units = {unit};
    edit->values = {value};
    return apply(std::move(*edit));
}

QString WhatIfController::setVector(const std::vector<float>& values)
{
    QString error;
    auto edit = editAtCursor(&error);
    const auto series = m_context->selectedSeries();
    if (edit && series && static_cast<Index>(values.size()) != series->units) {
        error = tr("%1 values given, but %2 has %3 units.").arg(values.size()).arg(series->title).arg(series->units);
    }
    if (!error.isEmpty() || !edit) {
        emit failed(error);
        return error;
    }
    for (float v : values) {
        if (!std::isfinite(v)) {
            error = tr("The vector holds NaN or Inf; set finite values (a NaN is better found with a breakpoint).");
            emit failed(error);
            return error;
        }
    }
    edit->values = values;
    return apply(std::move(*edit));
}

QString WhatIfController::setVectorFromText(const QString& text)
{
    std::vector<float> values;
    static const QRegularExpression separators(QStringLiteral("[\\s,;\\[\\]()]+"));
    for (const QString& token : text.split(separators, Qt::SkipEmptyParts)) {
        bool ok = false;
        const float v = token.toFloat(&ok);
        if (!ok) {
            const QString error = tr("Not a number: '%1'. Paste numbers separated by spaces or commas.").arg(token);
            emit failed(error);
            return error;
        }
        values.push_back(v);
    }
    if (values.empty()) {
        const QString error = tr("There are no numbers to set the state to.");
        emit failed(error);
        return error;
    }
    return setVector(values);
}

QString WhatIfController::setVectorFromFile(const QString& path)
{
    if (QFileInfo(path).suffix().compare(QLatin1String("npy"), Qt::CaseInsensitive) == 0) {
        try {
            const Tensor t = io::toTensor(io::readNpy(path.toStdString()), path.toStdString());
            if (t.rank() > 2 || (t.rank() == 2 && t.dim(0) != 1)) {
                const QString error = tr("%1: has shape %2; a state vector is (units,) or (1, units)")
                                          .arg(path, QString::fromStdString(shapeToString(t.shape())));
                emit failed(error);
                return error;
            }
            return setVector(std::vector<float>(t.data(), t.data() + t.size()));
        } catch (const std::exception& e) {
            const QString error = QString::fromStdString(e.what());
            emit failed(error);
            return error;
        }
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        const QString error = tr("%1: cannot be opened").arg(path);
        emit failed(error);
        return error;
    }
    const QString error = setVectorFromText(QString::fromUtf8(file.read(1 << 20)));
    if (!error.isEmpty() && !error.startsWith(path)) {
        return path + QStringLiteral(": ") + error;
    }
    return error;
}

void WhatIfController::setUnitDialog(int presetUnit)
{
    QString error;
    const auto edit = editAtCursor(&error);
    const auto series = m_context->selectedSeries();
    if (!edit || !series) {
        emit failed(error);
        return;
    }
    QDialog dialog(m_window);
    dialog.setWindowTitle(tr("Set State Value"));
    auto* form = new QFormLayout(&dialog);
    form->addRow(new QLabel(tr("%1 after step %2, sample %3").arg(series->title).arg(edit->step).arg(edit->sample)));
    auto* unit = new QSpinBox(&dialog);
    unit->setRange(0, static_cast<int>(series->units) - 1);
    unit->setValue(presetUnit);
    auto* value = new QDoubleSpinBox(&dialog);
    value->setDecimals(6);
    value->setRange(-1e6, 1e6);
    auto showCurrent = [&] { value->setValue(series->value(edit->step, edit->sample, unit->value())); };
    showCurrent();
    connect(unit, &QSpinBox::valueChanged, &dialog, showCurrent);
    form->addRow(tr("&Unit:"), unit);
    form->addRow(tr("&Value:"), value);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() == QDialog::Accepted) {
        setUnitValue(unit->value(), static_cast<float>(value->value()));
    }
}

void WhatIfController::refreshList()
{
    m_list->clear();
    for (const WhatIfEdit& e : m_session->whatIfEdits()) {
        m_list->addItem(QString::fromStdString(describe(e)));
    }
    if (m_session->whatIfEdits().empty()) {
        auto* hint = new QListWidgetItem(tr("No edits. Select a state, step to a timestep, then Edit ▸ Set State "
                                            "Value (Ctrl+E) or Paste State Vector."));
        hint->setFlags(Qt::NoItemFlags);
        m_list->addItem(hint);
    }
}

} // namespace rnnscope::app
