#pragma once
// What-if edits from the window: set one unit of the selected state, or the whole vector (typed, pasted from the
// clipboard, or read from a .npy/.txt file), at the cursor's step for the shown sample and batch. The session
// re-runs with every edit applied; the first edit pins the run before it as the baseline, so the views can show
// the edited run against the original (dashed traces, or View ▸ Difference).

#include <vector>

#include <QObject>
#include <QString>

#include "core/what_if.h"

class QAction;
class QListWidget;
class QWidget;

namespace rnnscope::widgets {
class ViewContext;
}

namespace rnnscope::app {

class DebugSession;

class WhatIfController : public QObject
{
    Q_OBJECT

public:
    WhatIfController(widgets::ViewContext* context, DebugSession* session, QWidget* parentWindow);

    QList<QAction*> actions() const;
    QWidget* editList() const; // the "What-if edits" dock's content

    // The edit the cursor stands at (selected state series, step, sample, batch) without values, or an error
    // saying what is missing ("select a state (h, c), not a gate", "step to a timestep first").
    std::optional<WhatIfEdit> editAtCursor(QString* error) const;
    // Each returns an empty string on success, else the reason (also emitted as failed()).
    QString setUnitValue(int unit, float value);
    QString setVector(const std::vector<float>& values);
    QString setVectorFromText(const QString& text); // numbers separated by spaces, commas, semicolons or brackets
    QString setVectorFromFile(const QString& path); // .npy (size or [1, size]) or text

signals:
    void failed(const QString& message);
    void edited(const QString& description);

private:
    QString apply(WhatIfEdit edit);
    void refreshList();
    void setUnitDialog(int presetUnit);

    widgets::ViewContext* m_context;
    DebugSession* m_session;
    QWidget* m_window;
    QAction* m_setUnit;
    QAction* m_fromFile;
    QAction* m_paste;
    QAction* m_clear;
    QWidget* m_listPanel;
    QListWidget* m_list;
};

} // namespace rnnscope::app
