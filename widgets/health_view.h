#pragma once
// The health panel: per layer (direction, cell) and quantity, NaN and Inf counts, saturated gates, max |x| and the
// first bad step, flagged in colour. Double-clicking a row selects that series and moves the cursor to the first
// bad step. The numbers come from core/health (scanHealth), recomputed when the snapshot changes.

#include <QWidget>

#include "core/health.h"
#include "view_context.h"

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace rnnscope::widgets {

class HealthView : public QWidget
{
    Q_OBJECT

public:
    enum Column { LayerColumn, QuantityColumn, NanColumn, InfColumn, SaturatedColumn, MaxAbsColumn, FirstBadColumn };

    explicit HealthView(ViewContext* context, QWidget* parent = nullptr);

    int rowCount() const;
    QString rowText(int row, int column) const;
    QString summaryText() const; // the line above the table: "No NaN or Inf. 12% of gate values saturated. ..."
    const HealthReport& report() const { return m_report; }
    void setOptions(const HealthOptions& options);
    void activateRow(int row); // what a double-click does
    QTreeWidget* tree() const { return m_tree; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    void applyColours();

    ViewContext* m_context;
    QLabel* m_summary;
    QTreeWidget* m_tree;
    HealthOptions m_options;
    HealthReport m_report;
};

} // namespace rnnscope::widgets
