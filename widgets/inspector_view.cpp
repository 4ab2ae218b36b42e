#include "inspector_view.h"

#include <cmath>
#include <limits>

#include <QAbstractTableModel>
#include <QAction>
#include <QClipboard>
#include <QEvent>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPainter>
#include <QScrollBar>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace rnnscope::widgets {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The finite extremes of columns [first, first + units) of a series over every step of one sample. Only the shown
// sample: a rebuild follows every run, and scanning every sample of a 2-layer LSTM's trace took about 10 ms.
struct ColumnStats
{
    double maxAbs = 0.0;
    float min = std::numeric_limits<float>::infinity();
    float max = -std::numeric_limits<float>::infinity();
};

ColumnStats columnStats(const TraceSeries& series, Index first, Index units, Index sample)
{
    ColumnStats stats;
    if (sample < 0 || sample >= series.batch()) {
        return stats;
    }
    for (Index t = 0; t < series.steps(); ++t) {
        const float* row = series.stepData(t) + sample * series.width() + first;
        for (Index u = 0; u < units; ++u) {
            const float v = row[u];
            if (std::isfinite(v)) {
                stats.maxAbs = std::max(stats.maxAbs, static_cast<double>(std::abs(v)));
                stats.min = std::min(stats.min, v);
                stats.max = std::max(stats.max, v);
            }
        }
    }
    return stats;
}

enum Role {
    ValueRole = Qt::UserRole, // the number behind the cell (NaN when none)
    BarRole, // BarKind
    ScaleRole, // |value| that fills half the cell (centred bars)
};

enum class BarKind { None, Centred, UnitRange };

struct Column
{
    QString label; // "h", "g", "output"
    QString longName; // "c (cell state)"
    const TraceSeries* series = nullptr;
    Index firstUnit = 0;
    Index units = 0;
    BarKind bar = BarKind::Centred;
    double scale = 1.0;
    bool state = false; // a state of the cell: what-if edits can set it
};

bool isDark(const QPalette& p)
{
    return p.color(QPalette::Window).lightness() < 128;
}

} // namespace

// Two table columns per quantity: the value (with its bar) and its change since the previous step.
class InspectorModel : public QAbstractTableModel
{
public:
    using QAbstractTableModel::QAbstractTableModel;

    // `snapshot` keeps alive the series the columns point into.
    void setColumns(SnapshotPtr snapshot, QVector<Column> columns, Index sample, Index step, int rows)
    {
        beginResetModel();
        m_snapshot = std::move(snapshot);
        m_columns = std::move(columns);
        m_sample = sample;
        m_step = step;
        m_rows = rows;
        endResetModel();
    }
    void setCursor(Index sample, Index step)
    {
        if ((step < 0) != (m_step < 0)) {
            // Rows exist only from the first step on: the row count changes, which needs a reset, not dataChanged.
            beginResetModel();
            m_sample = sample;
            m_step = step;
            endResetModel();
            return;
        }
        m_sample = sample;
        m_step = step;
        if (rowCount() > 0) {
            emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        }
    }
    void setDark(bool dark)
    {
        m_dark = dark;
        if (rowCount() > 0) {
            emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        }
    }
    void setSelectedUnits(const QVector<int>& units)
    {
        m_selectedUnits = units;
        if (m_rows > 0) {
            emit headerDataChanged(Qt::Vertical, 0, m_rows - 1);
        }
    }

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() || m_step < 0 ? 0 : m_rows; }
    int columnCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(m_columns.size()) * 2;
    }

    int columnOf(const QString& label) const
    {
        for (int c = 0; c < m_columns.size(); ++c) {
            if (m_columns[c].label == label) {
                return c;
            }
        }
        return -1;
    }
    bool isState(int column) const { return column >= 0 && column < m_columns.size() && m_columns[column].state; }
    QStringList labels() const
    {
        QStringList l;
        for (const auto& c : m_columns) {
            l << c.label;
        }
        return l;
    }
    double valueAt(int unit, int column, Index step) const
    {
        if (column < 0 || step < 0 || unit < 0) {
            return kNaN;
        }
        const Column& c = m_columns[column];
        if (c.series == nullptr || unit >= c.units || step >= c.series->steps() || m_sample >= c.series->batch()) {
            return kNaN;
        }
        return c.series->at(step, m_sample, c.firstUnit + unit);
    }
    double value(int unit, int column) const { return valueAt(unit, column, m_step); }
    double delta(int unit, int column) const
    {
        // Step 0 has no recorded predecessor (the initial state is not part of the trace).
        return m_step < 1 ? kNaN : valueAt(unit, column, m_step) - valueAt(unit, column, m_step - 1);
    }

    QVariant data(const QModelIndex& index, int role) const override
    {
        if (!index.isValid()) {
            return {};
        }
        const int q = index.column() / 2;
        const bool isDelta = index.column() % 2 == 1;
        const double v = isDelta ? delta(index.row(), q) : value(index.row(), q);
        switch (role) {
        case Qt::DisplayRole:
            if (std::isnan(v) && !std::isnan(value(index.row(), q))) {
                return QStringLiteral("—");
            }
            if (isDelta) {
                return std::isnan(v) ? QString()
                                     : (v > 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'g', 3);
            }
            return std::isnan(v) && index.row() >= m_columns[q].units ? QString() : QString::number(v, 'g', 4);
        case Qt::TextAlignmentRole:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        case Qt::ForegroundRole:
            if (isDelta && !std::isnan(v) && v != 0.0) {
                // Blue for a rise, orange for a fall: distinguishable with the common colour-vision deficiencies.
                if (v > 0) {
                    return m_dark ? QColor(0x7f, 0xb8, 0xff) : QColor(0x10, 0x5c, 0xc0);
                }
                return m_dark ? QColor(0xff, 0xaa, 0x55) : QColor(0xb3, 0x52, 0x00);
            }
            return {};
        case Qt::ToolTipRole:
            return QStringLiteral("%1, unit %2: %3")
                .arg(isDelta ? QStringLiteral("Δ ") + m_columns[q].longName : m_columns[q].longName)
                .arg(index.row())
                .arg(QString::number(v, 'g', 9));
        case ValueRole:
            return v;
        case BarRole:
            return static_cast<int>(isDelta ? BarKind::None : m_columns[q].bar);
        case ScaleRole:
            return m_columns[q].scale;
        default:
            return {};
        }
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation == Qt::Horizontal) {
            if (section < 0 || section / 2 >= m_columns.size()) {
                return {};
            }
            const Column& c = m_columns[section / 2];
            if (role == Qt::DisplayRole) {
                return section % 2 == 0 ? c.label : QStringLiteral("Δ") + c.label;
            }
            if (role == Qt::ToolTipRole) {
                return section % 2 == 0 ? c.longName
                                        : QObject::tr("%1: change since the previous step").arg(c.longName);
            }
            return {};
        }
        if (role == Qt::DisplayRole) {
            return QObject::tr("unit %1").arg(section);
        }
        if (role == Qt::FontRole && m_selectedUnits.contains(section)) {
            QFont f;
            f.setBold(true);
            return f;
        }
        if (role == Qt::ToolTipRole) {
            return QObject::tr("unit %1 (double-click to select)").arg(section);
        }
        return {};
    }

private:
    SnapshotPtr m_snapshot;
    QVector<Column> m_columns;
    QVector<int> m_selectedUnits;
    Index m_sample = 0;
    Index m_step = -1;
    int m_rows = 0;
    bool m_dark = false;
};

namespace {

// A bar behind the number: centred on 0 for states and outputs (scaled to the column's largest |value| over the
// run, so it moves as you step), anchored left for gates that live in [0,1].
class BarDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        const auto kind = static_cast<BarKind>(index.data(BarRole).toInt());
        const double v = index.data(ValueRole).toDouble();
        if (kind != BarKind::None && std::isfinite(v)) {
            const QRectF r = QRectF(option.rect).adjusted(2, 3, -2, -3);
            const bool dark = isDark(option.palette);
            QColor pos = dark ? QColor(0x4a, 0x90, 0xe2) : QColor(0x9e, 0xc5, 0xf2);
            QColor neg = dark ? QColor(0xd0, 0x80, 0x30) : QColor(0xf5, 0xc2, 0x8e);
            painter->save();
            painter->setPen(Qt::NoPen);
            if (kind == BarKind::UnitRange) {
                painter->setBrush(pos);
                painter->drawRect(QRectF(r.left(), r.top(), r.width() * std::clamp(v, 0.0, 1.0), r.height()));
            } else {
                const double scale = index.data(ScaleRole).toDouble();
                const double half = r.width() / 2.0;
                const double w = scale > 0 ? std::min(std::abs(v) / scale, 1.0) * half : 0.0;
                const double mid = r.center().x();
                painter->setBrush(v >= 0 ? pos : neg);
                painter->drawRect(
                    v >= 0 ? QRectF(mid, r.top(), w, r.height()) : QRectF(mid - w, r.top(), w, r.height()));
                QColor axis = option.palette.color(QPalette::Mid);
                painter->setPen(axis);
                painter->drawLine(QPointF(mid, r.top()), QPointF(mid, r.bottom()));
            }
            painter->restore();
        }
        QStyledItemDelegate::paint(painter, option, index);
    }
};

} // namespace

InspectorView::InspectorView(ViewContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_header(new QLabel(this))
    , m_table(new QTableView(this))
    , m_model(new InspectorModel(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_header);
    layout->addWidget(m_table, 1);
    m_table->setModel(m_model);
    m_table->setItemDelegate(new BarDelegate(m_table));
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Fixed-width columns that only ever grow while stepping, so the numbers do not jump sideways; a wide cell
    // scrolls horizontally rather than eliding its numbers.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setMinimumSectionSize(
        fontMetrics().horizontalAdvance(QStringLiteral("-0.00000")) + 16);
    // Columns are fitted to the rows in view, not to every unit: measuring each cell's text (QHeaderView's default
    // looks at 1,000 rows) took 4-5 ms a fit for 128 units and 14 columns, three fits a toggle. Rows scrolled into
    // view widen their columns as they come (below).
    m_table->horizontalHeader()->setResizeContentsPrecision(0);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->verticalHeader()->setToolTip(tr("unit"));
    m_table->setCornerButtonEnabled(false);
    m_model->setDark(isDark(palette()));

    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, [this] { fitColumns(false); });
    connect(m_table->verticalScrollBar(), &QScrollBar::rangeChanged, this, [this] { fitColumns(false); });

    // Double-clicking a unit row selects that unit in every view, as the heatmap does.
    connect(
        m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& i) { m_context->toggleUnit(i.row()); });
    connect(m_table->verticalHeader(), &QHeaderView::sectionDoubleClicked, this,
        [this](int unit) { m_context->toggleUnit(unit); });

    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const QModelIndex index = m_table->indexAt(pos);
        QMenu menu(this);
        menu.addAction(tr("&Copy Values"), this, [this] { QGuiApplication::clipboard()->setText(copyText()); });
        const int column = index.isValid() ? index.column() / 2 : -1;
        if (m_model->isState(column) && m_context->step() >= 0) {
            const QString state = m_model->labels()[column];
            const int unit = index.row();
            menu.addAction(tr("&Set %1[%2] after step %3 (what if)…").arg(state).arg(unit).arg(m_context->step()), this,
                [this, state, unit] { emit m_context->stateEditRequested(state, unit); });
        }
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    auto* copy = new QAction(tr("Copy Values"), this);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copy, &QAction::triggered, this, [this] { QGuiApplication::clipboard()->setText(copyText()); });
    addAction(copy);

    connect(m_context, &ViewContext::snapshotChanged, this, &InspectorView::rebuild);
    connect(m_context, &ViewContext::selectionChanged, this, &InspectorView::rebuild);
    connect(m_context, &ViewContext::stepChanged, this, &InspectorView::refresh);
    connect(m_context, &ViewContext::sampleChanged, this, &InspectorView::rebuild); // the bar scales are per sample
    connect(m_context, &ViewContext::selectedUnitsChanged, this,
        [this] { m_model->setSelectedUnits(m_context->selectedUnits()); });
    rebuild();
}

InspectorView::~InspectorView() = default;

Index InspectorView::shownStep() const
{
    return m_context->snapshot() ? m_context->step() : -1;
}

QString InspectorView::headerText() const
{
    return m_header->text();
}

QStringList InspectorView::quantities() const
{
    return m_model->labels();
}

QString InspectorView::valueText(int unit, const QString& quantity) const
{
    const int c = m_model->columnOf(quantity);
    if (c < 0 || unit < 0 || unit >= m_model->rowCount()) {
        return {};
    }
    return m_model->data(m_model->index(unit, c * 2), Qt::DisplayRole).toString();
}

double InspectorView::value(int unit, const QString& quantity) const
{
    return m_model->value(unit, m_model->columnOf(quantity));
}

double InspectorView::delta(int unit, const QString& quantity) const
{
    return m_model->delta(unit, m_model->columnOf(quantity));
}

QString InspectorView::copyText() const
{
    // Tab-separated, one row per unit, so it pastes into a spreadsheet or numpy.loadtxt as a table.
    const QStringList labels = m_model->labels();
    if (labels.isEmpty() || m_model->rowCount() == 0) {
        return {};
    }
    QString text = QStringLiteral("unit");
    for (const QString& l : labels) {
        text += QLatin1Char('\t') + l + QStringLiteral("\tΔ") + l;
    }
    text += QLatin1Char('\n');
    for (int u = 0; u < m_model->rowCount(); ++u) {
        text += QString::number(u);
        for (int c = 0; c < labels.size(); ++c) {
            text += QLatin1Char('\t') + QString::number(m_model->value(u, c), 'g', 9) + QLatin1Char('\t')
                + QString::number(m_model->delta(u, c), 'g', 9);
        }
        text += QLatin1Char('\n');
    }
    return text;
}

void InspectorView::showEvent(QShowEvent* event)
{
    // Sizes measured before the first show use an unpolished style; measure again.
    QWidget::showEvent(event);
    fitColumns(false);
}

void InspectorView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        m_model->setDark(isDark(palette()));
    }
    QWidget::changeEvent(event);
}

void InspectorView::rebuild()
{
    QVector<Column> columns;
    int rows = 0;
    const SnapshotPtr& snap = m_context->snapshot();
    const auto selected = m_context->selectedSeries();
    if (snap && snap->error.empty() && selected) {
        const SeriesRef& ref = m_context->selection();
        const LayerTrace& layer = *selected->layer;
        const int cellIndex = ref.cell >= 0 && ref.cell < static_cast<int>(layer.cells.size()) ? ref.cell : 0;
        auto addColumn = [&](Column c) {
            // The bar scale is the column's largest finite |value| over the whole run for this sample, so a bar's
            // length means the same at every step.
            const double scale = columnStats(*c.series, c.firstUnit, c.units, m_context->sample()).maxAbs;
            c.scale = scale > 0 ? scale : 1.0;
            rows = std::max(rows, static_cast<int>(c.units));
            columns.push_back(std::move(c));
        };
        if (!layer.cells.empty()) {
            const CellTrace& cell = layer.cells[static_cast<std::size_t>(cellIndex)];
            const QString cellClass = QString::fromStdString(cell.className);
            for (const auto& s : cell.states) {
                const QString name = QString::fromStdString(s.name());
                addColumn({name, describeQuantity(cellClass, SeriesKind::State, name), &s, 0, s.width(),
                    BarKind::Centred, 1.0, true});
            }
            if (!cell.gates.empty() && !cell.gateNames.empty()) {
                const TraceSeries& gates = cell.gates.front();
                const Index width = gates.width() / static_cast<Index>(cell.gateNames.size());
                for (std::size_t g = 0; g < cell.gateNames.size(); ++g) {
                    const QString name = QString::fromStdString(cell.gateNames[g]);
                    const QString longName = describeQuantity(cellClass, SeriesKind::Gate, name);
                    // The column label is the name Keras users know ("g" for the LSTM's candidate, which is
                    // recorded as "c" and would clash with the cell state).
                    const QString label = longName.section(QLatin1Char(' '), 0, 0);
                    const ColumnStats stats
                        = columnStats(gates, static_cast<Index>(g) * width, width, m_context->sample());
                    const bool unitRange = stats.min >= 0.0F && stats.max <= 1.0F;
                    addColumn({label, longName, &gates, static_cast<Index>(g) * width, width,
                        unitRange ? BarKind::UnitRange : BarKind::Centred, 1.0});
                }
            }
            // A stack's inner cells record their own output; the last cell's is the layer's.
            const TraceSeries* out = !cell.output.empty() ? &cell.output : &layer.output;
            if (cellIndex + 1 < static_cast<int>(layer.cells.size()) && cell.output.empty()) {
                out = nullptr;
            }
            if (out != nullptr && !out->empty()) {
                addColumn({QStringLiteral("output"), tr("output"), out, 0, out->width(), BarKind::Centred, 1.0});
            }
        } else if (!layer.output.empty()) {
            addColumn({QStringLiteral("output"), tr("output"), &layer.output, 0, layer.output.width(), BarKind::Centred,
                1.0});
        }
    }
    m_model->setColumns(m_context->snapshot(), std::move(columns), m_context->sample(), m_context->step(), rows);
    m_model->setSelectedUnits(m_context->selectedUnits());
    fitColumns(true);
    updateHeader();
}

void InspectorView::fitColumns(bool shrink)
{
    auto* header = m_table->horizontalHeader();
    for (int c = 0; c < m_model->columnCount(); ++c) {
        const int before = header->sectionSize(c);
        m_table->resizeColumnToContents(c);
        const int want = std::max(header->sectionSize(c), header->minimumSectionSize());
        header->resizeSection(c, shrink ? want : std::max(want, before));
    }
}

void InspectorView::refresh()
{
    m_model->setCursor(m_context->sample(), m_context->step());
    fitColumns(false);
    updateHeader();
}

void InspectorView::updateHeader()
{
    const SnapshotPtr& snap = m_context->snapshot();
    if (!snap) {
        m_header->setText(tr("No run yet."));
        return;
    }
    if (!snap->error.empty()) {
        m_header->setText(tr("<b>The run failed:</b> %1").arg(QString::fromStdString(snap->error).toHtmlEscaped()));
        return;
    }
    const auto selected = m_context->selectedSeries();
    if (!selected) {
        m_header->setText(tr("No recurrent layer was recorded in this run."));
        return;
    }
    // The title without its quantity: the layer, direction and cell the columns belong to.
    const QString where = selected->title.section(QStringLiteral(" / "), 0, -2);
    const Index step = m_context->step();
    const Index sample = m_context->sample();
    if (step < 0) {
        m_header->setText(tr("<b>%1</b><br>Before the first step (sample %2): nothing computed yet. Step forward "
                             "to see the vectors.")
                              .arg(where.toHtmlEscaped())
                              .arg(sample));
        return;
    }
    const LayerTrace& layer = *selected->layer;
    const int time = step < static_cast<Index>(layer.stepTime.size()) ? layer.stepTime[static_cast<std::size_t>(step)]
                                                                      : static_cast<int>(step);
    QString text
        = tr("<b>%1</b><br>step %2 (t = %3), sample %4").arg(where.toHtmlEscaped()).arg(step).arg(time).arg(sample);
    if (layer.stepMasked(step, sample)) {
        text += tr(" — <b>masked</b> (states held from the previous step)");
    }
    if (step == 0) {
        text += tr("<br><small>Δ: no previous step recorded</small>");
    } else {
        text += tr("<br><small>Δ = change since step %1</small>").arg(step - 1);
    }
    m_header->setText(text);
}

} // namespace rnnscope::widgets
