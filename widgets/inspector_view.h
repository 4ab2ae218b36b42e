#pragma once
// The vectors at the cursor: for the selected layer (direction, cell), every state, every gate and the output at
// the cursor step for the current sample, units as rows, each with a bar and the change since the previous step.

#include <QWidget>

#include "view_context.h"

class QLabel;
class QTableView;

namespace rnnscope::widgets {

class InspectorModel;

class InspectorView : public QWidget
{
    Q_OBJECT

public:
    explicit InspectorView(ViewContext* context, QWidget* parent = nullptr);
    ~InspectorView() override;

    // For tests and the application. `quantity` is a column label: a state ("h", "c"), a gate as Keras users
    // name it ("i", "f", "g", "o"; "z", "r", "hh"), or "output". Out of range or before the first step: NaN/"".
    Index shownStep() const;
    QString headerText() const;
    QStringList quantities() const;
    QString valueText(int unit, const QString& quantity) const;
    double value(int unit, const QString& quantity) const;
    double delta(int unit, const QString& quantity) const; // value(s) - value(s-1); NaN at step 0
    QTableView* table() const { return m_table; }
    // The table at the cursor as tab-separated text (what Copy Values puts on the clipboard): a header row, then
    // per unit each quantity's value and change, full float precision.
    QString copyText() const;

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void rebuild(); // the snapshot or the selection changed: new columns
    void refresh(); // the step or the sample changed: new numbers
    void updateHeader(); // the title above the table: layer, step, sample, masked or not
    void fitColumns(bool shrink);

    ViewContext* m_context;
    QLabel* m_header;
    QTableView* m_table;
    InspectorModel* m_model;
};

} // namespace rnnscope::widgets
