#pragma once
// Debug ▸ Record: what each run records, the window's counterpart of the CLI's --trace-quantities and
// --trace-layers. Four quantities (inputs, states, gates, outputs) and, under Layers, one entry per recurrent layer of
// the open model. Views list only what was recorded. At least one quantity and one layer stay on, so the cursor
// always has a step axis. The menu shows DebugSession's TraceRequest, which sessions save and restore; a newly
// opened model records all of its layers.

#include <QObject>
#include <QVector>

class QAction;
class QMenu;

namespace rnnscope::app {

class DebugSession;

class RecordMenu : public QObject
{
    Q_OBJECT

public:
    // Adds the menu to `debug`.
    RecordMenu(QMenu* debug, DebugSession* session);

signals:
    void refused(const QString& message); // the last quantity or layer was unchecked: it stays checked

private:
    void showRequest(); // the checks (and, for another model, the layer entries) from the session's request
    void rebuildLayers(const QStringList& names, const QStringList& titles);
    void chosen(QAction* toggled);

    DebugSession* m_session;
    QMenu* m_menu;
    QMenu* m_layersMenu;
    QVector<QAction*> m_quantities; // inputs, states, gates, outputs
    QAction* m_allLayers;
    QVector<QAction*> m_layers; // in the model's order; data() is the layer's name
};

} // namespace rnnscope::app
