#include "layer_options_panel.h"

#include <QCheckBox>
#include <QFileInfo>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSet>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include "core/model.h"
#include "debug_session.h"

namespace rnnscope::app {

LayerOptionsPanel::LayerOptionsPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);
    m_header = new QLabel(tr("No model open.\nFile ▸ Open Model… or drop a .h5/.keras file here."), this);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    outer->addWidget(m_header);
    m_inputLabel = new QLabel(this);
    m_inputLabel->setWordWrap(true);
    outer->addWidget(m_inputLabel);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_layersBox = new QWidget(scroll);
    m_layersLayout = new QVBoxLayout(m_layersBox);
    m_layersLayout->setContentsMargins(0, 0, 0, 0);
    m_layersLayout->addStretch(1);
    scroll->setWidget(m_layersBox);
    outer->addWidget(scroll, 1);
}

void LayerOptionsPanel::setInputDescription(const QString& description)
{
    m_inputLabel->setText(tr("<b>Input:</b> %1").arg(description.toHtmlEscaped()));
}

void LayerOptionsPanel::setModel(const Model* model, const QString& path, const QString& format)
{
    m_model = model;
    m_boxes.clear();
    m_errors.clear();
    while (m_layersLayout->count() > 1) {
        QLayoutItem* item = m_layersLayout->takeAt(0);
        delete item->widget();
        delete item;
    }
    if (!model) {
        return;
    }
    m_header->setText(tr("<b>%1</b> (%2)<br><small>%3, Keras %4</small>")
                          .arg(QFileInfo(path).fileName().toHtmlEscaped(), QString::fromStdString(model->className()),
                              format, QString::fromStdString(model->kerasVersion())));
    m_header->setToolTip(path);

    int row = 0;
    QSet<const Layer*> shown; // a layer called twice is listed once
    for (const auto& node : model->nodes()) {
        const Layer* layer = node.layer;
        if (!layer || shown.contains(layer)) {
            continue;
        }
        shown.insert(layer);
        const QString name = QString::fromStdString(layer->name());
        std::string shape;
        const auto& shapes = model->nodeShapes();
        const auto index = static_cast<std::size_t>(&node - model->nodes().data());
        if (index < shapes.size() && !shapes[index].empty()) {
            shape = shapeToString(shapes[index].front());
        }
        const QString title = QStringLiteral("%1  %2").arg(name, QString::fromStdString(layer->describe()));
        if (!layer->isRecurrent()) {
            auto* label = new QLabel(QStringLiteral("%1 <span style='color:gray'>→ %2</span>")
                                         .arg(title.toHtmlEscaped(), QString::fromStdString(shape)),
                m_layersBox);
            label->setWordWrap(true);
            m_layersLayout->insertWidget(row++, label);
            continue;
        }
        auto* group = new QGroupBox(QStringLiteral("%1 → %2").arg(name, QString::fromStdString(shape)), m_layersBox);
        group->setToolTip(QString::fromStdString(layer->describe()));
        auto* box = new QVBoxLayout(group);
        box->setSpacing(2);
        for (const QString& option : DebugSession::optionNames()) {
            auto* check = new QCheckBox(option, group);
            check->setObjectName(name + QLatin1Char('/') + option);
            check->setChecked(DebugSession::optionValue(*layer, option).value_or(false));
            connect(check, &QCheckBox::toggled, this,
                [this, name, option](bool on) { emit optionToggled(name, option, on); });
            box->addWidget(check);
            m_boxes.insert(check->objectName(), check);
        }
        auto* reset = new QPushButton(tr("Reset states"), group);
        reset->setObjectName(name + QStringLiteral("/reset_states"));
        reset->setToolTip(tr("Keras reset_states(): zero the states a stateful layer carries, then re-run"));
        connect(reset, &QPushButton::clicked, this, [this, name] { emit resetStatesRequested(name); });
        box->addWidget(reset);
        auto* error = new QLabel(group);
        error->setObjectName(name + QStringLiteral("/error"));
        error->setWordWrap(true);
        error->setStyleSheet(QStringLiteral("color: #d32f2f;"));
        error->setTextInteractionFlags(Qt::TextSelectableByMouse);
        error->hide();
        box->addWidget(error);
        m_errors.insert(name, error);
        m_layersLayout->insertWidget(row++, group);
    }
}

void LayerOptionsPanel::refresh()
{
    if (!m_model) {
        return;
    }
    for (auto it = m_boxes.begin(); it != m_boxes.end(); ++it) {
        const QString layerName = it.key().section(QLatin1Char('/'), 0, 0);
        const QString option = it.key().section(QLatin1Char('/'), 1);
        if (const Layer* layer = m_model->findLayer(layerName.toStdString())) {
            const QSignalBlocker block(it.value());
            it.value()->setChecked(DebugSession::optionValue(*layer, option).value_or(false));
        }
    }
}

void LayerOptionsPanel::showOptionError(
    const QString& layer, const QString& option, bool revertTo, const QString& message)
{
    if (QCheckBox* box = m_boxes.value(layer + QLatin1Char('/') + option)) {
        const QSignalBlocker block(box);
        box->setChecked(revertTo);
    }
    if (QLabel* label = m_errors.value(layer)) {
        label->setText(message);
        label->setVisible(!message.isEmpty());
    }
}

void LayerOptionsPanel::clearErrors()
{
    for (QLabel* label : std::as_const(m_errors)) {
        label->clear();
        label->hide();
    }
}

} // namespace rnnscope::app
