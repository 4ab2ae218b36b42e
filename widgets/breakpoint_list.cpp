#include "breakpoint_list.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace rnnscope::widgets {

namespace {

constexpr int IdRole = Qt::UserRole;

QString kindName(BreakKind kind)
{
    switch (kind) {
    case BreakKind::AtStep:
        return QObject::tr("step");
    case BreakKind::NonFinite:
        return QObject::tr("NaN/Inf");
    case BreakKind::Threshold:
        return QObject::tr("threshold");
    case BreakKind::Saturation:
        return QObject::tr("saturation");
    }
    return {};
}

} // namespace

BreakpointList::BreakpointList(QWidget* parent)
    : QWidget(parent)
    , m_tree(new QTreeWidget(this))
    , m_emptyHint(new QLabel(this))
    , m_add(new QPushButton(tr("Add…"), this))
    , m_remove(new QPushButton(tr("Remove"), this))
    , m_removeAll(new QPushButton(tr("Remove All"), this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setHeaderLabels({tr("breakpoint"), tr("hits")});
    m_tree->headerItem()->setToolTip(HitsColumn, tr("how many times this breakpoint has stopped the run"));
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(DescriptionColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(HitsColumn, QHeaderView::ResizeToContents);
    m_tree->setToolTip(tr("Tick to enable a breakpoint. Double-click to go to where it stops next."));
    layout->addWidget(m_tree, 1);

    m_emptyHint->setText(tr("No breakpoints. Add one to stop the run at a step, on NaN/Inf, when a value crosses a "
                            "threshold or when a gate saturates."));
    m_emptyHint->setWordWrap(true);
    m_emptyHint->setEnabled(false); // greyed, as a placeholder text is
    layout->addWidget(m_emptyHint);

    auto* buttons = new QHBoxLayout;
    m_add->setToolTip(tr("Add a breakpoint"));
    m_remove->setToolTip(tr("Remove the selected breakpoint (Delete)"));
    m_removeAll->setToolTip(tr("Remove every breakpoint"));
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addWidget(m_removeAll);
    buttons->addStretch(1);
    layout->addLayout(buttons);

    connect(m_add, &QPushButton::clicked, this, &BreakpointList::addRequested);
    connect(m_remove, &QPushButton::clicked, this, [this] {
        if (const int id = selectedId(); id != 0) {
            emit removeRequested(id);
        }
    });
    connect(m_removeAll, &QPushButton::clicked, this, &BreakpointList::removeAllRequested);
    connect(m_tree, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem* item, int column) {
        if (!m_filling && column == DescriptionColumn) {
            emit enabledChanged(
                item->data(DescriptionColumn, IdRole).toInt(), item->checkState(DescriptionColumn) == Qt::Checked);
        }
    });
    connect(m_tree, &QTreeWidget::itemActivated, this,
        [this](QTreeWidgetItem* item, int) { emit activated(item->data(DescriptionColumn, IdRole).toInt()); });
    connect(m_tree, &QTreeWidget::itemSelectionChanged, this, &BreakpointList::updateButtons);
    setBreakpoints({});
}

void BreakpointList::setBreakpoints(const std::vector<Breakpoint>& breakpoints, const ModelTrace* names)
{
    const int selected = selectedId();
    m_filling = true;
    m_tree->clear();
    for (const Breakpoint& bp : breakpoints) {
        auto* item = new QTreeWidgetItem(m_tree);
        const std::string text = names != nullptr ? describe(bp, *names) : describe(bp);
        item->setText(DescriptionColumn, QString::fromStdString(text));
        item->setToolTip(DescriptionColumn,
            tr("%1 breakpoint #%2: %3").arg(kindName(bp.kind)).arg(bp.id).arg(QString::fromStdString(text)));
        item->setData(DescriptionColumn, IdRole, bp.id);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(DescriptionColumn, bp.enabled ? Qt::Checked : Qt::Unchecked);
        item->setTextAlignment(HitsColumn, Qt::AlignRight | Qt::AlignVCenter);
        if (m_hits.contains(bp.id)) {
            item->setText(HitsColumn, QString::number(m_hits.value(bp.id)));
        }
        if (bp.id == selected) {
            item->setSelected(true);
        }
    }
    m_filling = false;
    applyBold();
    m_tree->setVisible(!breakpoints.empty());
    m_emptyHint->setVisible(breakpoints.empty());
    updateButtons();
}

void BreakpointList::setHitCounts(const QHash<int, int>& hits)
{
    m_hits = hits;
    m_filling = true;
    for (int r = 0; r < rowCount(); ++r) {
        QTreeWidgetItem* item = m_tree->topLevelItem(r);
        const int id = rowId(r);
        item->setText(HitsColumn, m_hits.contains(id) ? QString::number(m_hits.value(id)) : QString());
    }
    m_filling = false;
}

void BreakpointList::setCurrentHit(int id)
{
    m_currentHit = id;
    applyBold();
}

void BreakpointList::applyBold()
{
    m_filling = true;
    for (int r = 0; r < rowCount(); ++r) {
        QTreeWidgetItem* item = m_tree->topLevelItem(r);
        QFont f = item->font(DescriptionColumn);
        f.setBold(m_currentHit != 0 && rowId(r) == m_currentHit);
        item->setFont(DescriptionColumn, f);
        item->setFont(HitsColumn, f);
    }
    m_filling = false;
}

int BreakpointList::rowCount() const
{
    return m_tree->topLevelItemCount();
}

int BreakpointList::rowId(int row) const
{
    const QTreeWidgetItem* item = m_tree->topLevelItem(row);
    return item != nullptr ? item->data(DescriptionColumn, IdRole).toInt() : 0;
}

QString BreakpointList::rowText(int row, int column) const
{
    const QTreeWidgetItem* item = m_tree->topLevelItem(row);
    return item != nullptr ? item->text(column) : QString();
}

bool BreakpointList::rowChecked(int row) const
{
    const QTreeWidgetItem* item = m_tree->topLevelItem(row);
    return item != nullptr && item->checkState(DescriptionColumn) == Qt::Checked;
}

bool BreakpointList::rowBold(int row) const
{
    const QTreeWidgetItem* item = m_tree->topLevelItem(row);
    return item != nullptr && item->font(DescriptionColumn).bold();
}

void BreakpointList::setRowChecked(int row, bool checked)
{
    if (QTreeWidgetItem* item = m_tree->topLevelItem(row)) {
        item->setCheckState(DescriptionColumn, checked ? Qt::Checked : Qt::Unchecked);
    }
}

void BreakpointList::selectRow(int row)
{
    m_tree->clearSelection();
    if (QTreeWidgetItem* item = m_tree->topLevelItem(row)) {
        item->setSelected(true);
        m_tree->setCurrentItem(item);
    }
}

int BreakpointList::selectedId() const
{
    const auto items = m_tree->selectedItems();
    return items.isEmpty() ? 0 : items.front()->data(DescriptionColumn, IdRole).toInt();
}

bool BreakpointList::emptyHintShown() const
{
    return !m_emptyHint->isHidden();
}

void BreakpointList::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) {
        if (const int id = selectedId(); id != 0) {
            emit removeRequested(id);
            return;
        }
    }
    QWidget::keyPressEvent(event);
}

void BreakpointList::updateButtons()
{
    m_remove->setEnabled(selectedId() != 0);
    m_removeAll->setEnabled(rowCount() > 0);
}

} // namespace rnnscope::widgets
