#pragma once
// The breakpoints dock: one row per breakpoint with a checkbox to enable it, its description and how often it has
// stopped the run, and Add…, Remove and Remove all buttons. The list shows what the application holds and only
// emits intents; the application changes its list and calls setBreakpoints() again.

#include <vector>

#include <QHash>
#include <QWidget>

#include "core/breakpoints.h"

class QLabel;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace rnnscope::widgets {

class BreakpointList : public QWidget
{
    Q_OBJECT

public:
    enum Column { DescriptionColumn, HitsColumn };

    explicit BreakpointList(QWidget* parent = nullptr);

    // Replaces the rows. `names` (the current run's trace) turns layer indices into layer names; without it rows
    // read "layer 0 / c ...". The selection is kept by breakpoint id.
    void setBreakpoints(const std::vector<Breakpoint>& breakpoints, const ModelTrace* names = nullptr);
    // How many times each breakpoint (by id) has stopped the run; ids not given show nothing.
    void setHitCounts(const QHash<int, int>& hits);
    // The breakpoint the debugger stands at (drawn bold), or 0 for none.
    void setCurrentHit(int id);

    int rowCount() const;
    int rowId(int row) const;
    QString rowText(int row, int column = DescriptionColumn) const;
    bool rowChecked(int row) const;
    bool rowBold(int row) const;
    // What a click on the row's checkbox does.
    void setRowChecked(int row, bool checked);
    void selectRow(int row);
    int selectedId() const; // 0 when nothing is selected
    QTreeWidget* tree() const { return m_tree; }
    QPushButton* addButton() const { return m_add; }
    QPushButton* removeButton() const { return m_remove; }
    QPushButton* removeAllButton() const { return m_removeAll; }
    bool emptyHintShown() const;

signals:
    void enabledChanged(int id, bool enabled);
    void removeRequested(int id);
    void removeAllRequested();
    void addRequested();
    void activated(int id); // double-click or Enter: show where it would stop

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    void updateButtons();
    void applyBold();

    QTreeWidget* m_tree;
    QLabel* m_emptyHint;
    QPushButton* m_add;
    QPushButton* m_remove;
    QPushButton* m_removeAll;
    QHash<int, int> m_hits;
    int m_currentHit = 0;
    bool m_filling = false;
};

} // namespace rnnscope::widgets
