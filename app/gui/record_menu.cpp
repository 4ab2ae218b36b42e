#include "record_menu.h"

#include <algorithm>

#include <QAction>
#include <QMenu>
#include <QSignalBlocker>

#include "core/model.h"
#include "debug_session.h"

namespace rnnscope::app {

RecordMenu::RecordMenu(QMenu* debug, DebugSession* session)
    : QObject(debug)
    , m_session(session)
    , m_menu(debug->addMenu(tr("Re&cord")))
{
    m_menu->setStatusTip(tr("Choose which quantities and layers each run records; less makes runs of large models "
                            "lighter"));
    const std::pair<const char*, QString> quantities[]
        = {{"inputs", tr("&Inputs")}, {"states", tr("&States")}, {"gates", tr("&Gates")}, {"outputs", tr("&Outputs")}};
    for (const auto& [key, label] : quantities) {
        QAction* a = m_menu->addAction(label);
        a->setCheckable(true);
        a->setChecked(true);
        a->setObjectName(QStringLiteral("record_") + QLatin1String(key));
        connect(a, &QAction::toggled, this, [this, a] { chosen(a); });
        m_quantities.push_back(a);
    }
    m_menu->addSeparator();
    m_layersMenu = m_menu->addMenu(tr("&Layers"));
    m_layersMenu->setObjectName(QStringLiteral("record_layers_menu"));
    m_layersMenu->setEnabled(false);
    m_allLayers = m_layersMenu->addAction(tr("&All Layers"));
    m_allLayers->setObjectName(QStringLiteral("record_all_layers"));
    m_allLayers->setStatusTip(tr("Record every recurrent layer of the model"));
    connect(m_allLayers, &QAction::triggered, this, [this] {
        for (QAction* a : std::as_const(m_layers)) {
            const QSignalBlocker block(a);
            a->setChecked(true);
        }
        chosen(m_allLayers);
    });
    m_layersMenu->addSeparator();
    connect(m_session, &DebugSession::traceRequestChanged, this, &RecordMenu::showRequest);
}

void RecordMenu::showRequest()
{
    QStringList names;
    QStringList titles;
    if (const Model* model = m_session->model()) {
        for (const Layer* layer : model->recurrentLayers()) {
            names << QString::fromStdString(layer->name());
            titles << QStringLiteral("%1 (%2)").arg(names.back(), QString::fromStdString(layer->className()));
        }
    }
    const bool sameLayers = std::equal(m_layers.begin(), m_layers.end(), names.begin(), names.end(),
        [](const QAction* a, const QString& name) { return a->data().toString() == name; });
    if (!sameLayers) {
        rebuildLayers(names, titles);
    }
    const TraceRequest& request = m_session->traceRequest();
    const bool on[] = {request.inputs, request.states, request.gates, request.outputs};
    for (qsizetype i = 0; i < m_quantities.size(); ++i) {
        const QSignalBlocker block(m_quantities[i]);
        m_quantities[i]->setChecked(on[i]);
    }
    for (QAction* a : std::as_const(m_layers)) {
        const QSignalBlocker block(a);
        a->setChecked(request.wantsLayer(a->data().toString().toStdString()));
    }
}

void RecordMenu::rebuildLayers(const QStringList& names, const QStringList& titles)
{
    qDeleteAll(m_layers); // never the action being toggled: the layers change only with the model
    m_layers.clear();
    for (qsizetype i = 0; i < names.size(); ++i) {
        QAction* a = m_layersMenu->addAction(titles[i]);
        a->setCheckable(true);
        a->setData(names[i]);
        a->setObjectName(QStringLiteral("record_layer_") + names[i]);
        connect(a, &QAction::toggled, this, [this, a] { chosen(a); });
        m_layers.push_back(a);
    }
    m_layersMenu->setEnabled(!m_layers.isEmpty());
}

void RecordMenu::chosen(QAction* toggled)
{
    const auto checked = [](const QVector<QAction*>& actions) {
        return std::count_if(actions.begin(), actions.end(), [](const QAction* a) { return a->isChecked(); });
    };
    const bool quantity = m_quantities.contains(toggled);
    if (checked(quantity ? m_quantities : m_layers) == 0) {
        const QSignalBlocker block(toggled);
        toggled->setChecked(true);
        emit refused(quantity ? tr("At least one quantity is recorded") : tr("At least one layer is recorded"));
        return;
    }
    TraceRequest request;
    request.inputs = m_quantities[0]->isChecked();
    request.states = m_quantities[1]->isChecked();
    request.gates = m_quantities[2]->isChecked();
    request.outputs = m_quantities[3]->isChecked();
    if (checked(m_layers) < m_layers.size()) { // all of them is "every layer" (an empty list), as on the CLI
        for (const QAction* a : std::as_const(m_layers)) {
            if (a->isChecked()) {
                request.layers.push_back(a->data().toString().toStdString());
            }
        }
    }
    m_session->setTraceRequest(request);
}

} // namespace rnnscope::app
