#include "health_view.h"

#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace rnnscope::widgets {

namespace {

constexpr int QuantityIndexRole = Qt::UserRole; // index into HealthReport::quantities
constexpr int SeverityRole = Qt::UserRole + 1;

enum Severity { Fine = 0, Warning = 1, Bad = 2 };

// Gates saturated more than this share of the time deserve a second look; less is normal for trained LSTMs.
constexpr double kSaturationWarning = 0.5;

bool isDark(const QPalette& p)
{
    return p.color(QPalette::Window).lightness() < 128;
}

QString locationText(const HealthLocation& l)
{
    if (l.sample < 0) {
        return QObject::tr("step %1").arg(l.step);
    }
    return QObject::tr("step %1, sample %2, unit %3").arg(l.step).arg(l.sample).arg(l.unit);
}

} // namespace

HealthView::HealthView(ViewContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_summary(new QLabel(this))
    , m_tree(new QTreeWidget(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_summary);
    layout->addWidget(m_tree, 1);
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setHeaderLabels(
        {tr("layer"), tr("quantity"), tr("NaN"), tr("Inf"), tr("saturated"), tr("max |x|"), tr("first bad step")});
    m_tree->headerItem()->setToolTip(SaturatedColumn,
        tr("gates only: share of values below %1 or above %2")
            .arg(m_options.saturationLow)
            .arg(m_options.saturationHigh));
    m_tree->headerItem()->setToolTip(FirstBadColumn, tr("first step with a NaN, an Inf or an exploding value"));
    m_tree->header()->setStretchLastSection(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tree->setToolTip(tr("Double-click a row to show that series at its first bad step"));
    connect(m_tree, &QTreeWidget::itemDoubleClicked, this,
        [this](QTreeWidgetItem* item, int) { activateRow(m_tree->indexOfTopLevelItem(item)); });
    connect(m_context, &ViewContext::snapshotChanged, this, &HealthView::rebuild);
    rebuild();
}

int HealthView::rowCount() const
{
    return m_tree->topLevelItemCount();
}

QString HealthView::rowText(int row, int column) const
{
    const QTreeWidgetItem* item = m_tree->topLevelItem(row);
    return item != nullptr ? item->text(column) : QString();
}

QString HealthView::summaryText() const
{
    return m_summary->text();
}

void HealthView::setOptions(const HealthOptions& options)
{
    m_options = options;
    rebuild();
}

void HealthView::activateRow(int row)
{
    const QTreeWidgetItem* item = m_tree->topLevelItem(row);
    if (item == nullptr) {
        return;
    }
    const int qi = item->data(0, QuantityIndexRole).toInt();
    if (qi < 0 || qi >= static_cast<int>(m_report.quantities.size())) {
        return;
    }
    const QuantityHealth& q = m_report.quantities[static_cast<std::size_t>(qi)];
    SeriesRef ref;
    ref.layer = q.layer;
    ref.direction = q.direction;
    ref.cell = q.cell;
    ref.kind = seriesKindOf(q.kind);
    ref.name = QString::fromStdString(q.name);
    m_context->setSelection(ref);
    const HealthLocation& where
        = q.firstNan.found() && (!q.firstInf.found() || q.firstNan.step <= q.firstInf.step) ? q.firstNan : q.firstInf;
    Index step = q.firstBadStep();
    if (step < 0 && q.saturationApplies && !q.saturatedPerStep.empty()) {
        // Nothing broken, only saturation: go to the step where it is worst.
        step = static_cast<Index>(
            std::max_element(q.saturatedPerStep.begin(), q.saturatedPerStep.end()) - q.saturatedPerStep.begin());
    }
    if (step >= 0) {
        m_context->setStep(step);
    }
    if (where.found() && where.step == step && where.sample >= 0) {
        m_context->setSample(where.sample);
    }
}

void HealthView::rebuild()
{
    m_tree->clear();
    m_report = {};
    const SnapshotPtr& snap = m_context->snapshot();
    if (!snap) {
        m_summary->setText(tr("No run yet."));
        m_tree->setEnabled(false);
        return;
    }
    if (!snap->error.empty()) {
        m_summary->setText(tr("<b>The run failed:</b> %1").arg(QString::fromStdString(snap->error).toHtmlEscaped()));
        m_tree->setEnabled(false);
        return;
    }
    m_tree->setEnabled(true);
    m_report = scanHealth(*snap, m_options);
    if (m_report.quantities.empty()) {
        m_summary->setText(tr("No recurrent layer was recorded in this run."));
        return;
    }

    QList<QTreeWidgetItem*> items;
    int exploding = 0;
    for (std::size_t i = 0; i < m_report.quantities.size(); ++i) {
        const QuantityHealth& q = m_report.quantities[i];
        auto* item = new QTreeWidgetItem;
        item->setData(0, QuantityIndexRole, static_cast<int>(i));
        item->setText(LayerColumn, QString::fromStdString(q.layerPath));
        item->setText(QuantityColumn,
            describeQuantity(
                QString::fromStdString(q.cellClass), seriesKindOf(q.kind), QString::fromStdString(q.name)));
        item->setText(NanColumn, QString::number(q.nanCount));
        item->setText(InfColumn, QString::number(q.infCount));
        if (q.firstNan.found()) {
            item->setToolTip(NanColumn, tr("first NaN at %1").arg(locationText(q.firstNan)));
        }
        if (q.firstInf.found()) {
            item->setToolTip(InfColumn, tr("first Inf at %1").arg(locationText(q.firstInf)));
        }
        if (q.saturationApplies) {
            item->setText(SaturatedColumn, QStringLiteral("%1%").arg(q.saturatedFraction * 100.0, 0, 'f', 1));
            const auto units = q.mostSaturatedUnits(5);
            if (!units.empty()) {
                QStringList l;
                for (const auto u : units) {
                    l << tr("unit %1: %2%")
                             .arg(u)
                             .arg(q.saturatedPerUnit[static_cast<std::size_t>(u)] * 100.0, 0, 'f', 0);
                }
                item->setToolTip(SaturatedColumn, tr("most saturated units:\n%1").arg(l.join(QLatin1Char('\n'))));
            }
        } else {
            item->setText(SaturatedColumn, QStringLiteral("—"));
        }
        item->setText(MaxAbsColumn, QString::number(q.maxAbs, 'g', 4));
        if (q.maxAbsAt.found()) {
            item->setToolTip(MaxAbsColumn, tr("at %1").arg(locationText(q.maxAbsAt)));
        }
        const Index bad = q.firstBadStep();
        QString badText = bad >= 0 ? QString::number(bad) : QStringLiteral("—");
        if (q.exploding) {
            ++exploding;
            badText += tr(" (exploding)");
            item->setToolTip(FirstBadColumn,
                tr("|x| passes %1 or grows more than %2x (growth %3x)")
                    .arg(m_options.explodeThreshold)
                    .arg(m_options.explodeGrowth)
                    .arg(q.growth, 0, 'g', 3));
        }
        item->setText(FirstBadColumn, badText);
        for (int c = NanColumn; c <= FirstBadColumn; ++c) {
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        }
        Severity severity = Fine;
        if (q.hasNonFinite()) {
            severity = Bad;
        } else if (q.exploding || (q.saturationApplies && q.saturatedFraction > kSaturationWarning)) {
            severity = Warning;
        }
        item->setData(0, SeverityRole, static_cast<int>(severity));
        items << item;
    }
    m_tree->addTopLevelItems(items);

    QStringList summary;
    if (m_report.nanCount == 0 && m_report.infCount == 0) {
        summary << tr("No NaN or Inf.");
    } else {
        summary << tr("<b>%1 NaN, %2 Inf.</b>").arg(m_report.nanCount).arg(m_report.infCount);
    }
    summary << tr("%1% of gate values saturated.").arg(m_report.saturatedFraction * 100.0, 0, 'f', 1);
    if (exploding > 0) {
        summary << (exploding == 1 ? tr("<b>1 exploding quantity.</b>")
                                   : tr("<b>%1 exploding quantities.</b>").arg(exploding));
    }
    m_summary->setText(summary.join(QLatin1Char(' ')));
    applyColours();
}

void HealthView::applyColours()
{
    // Backgrounds tinted by severity, with text that stays readable in light and dark palettes.
    const bool dark = isDark(palette());
    const QColor bad = dark ? QColor(0x7a, 0x1f, 0x1f) : QColor(0xf8, 0xc9, 0xc4);
    const QColor warn = dark ? QColor(0x6b, 0x52, 0x10) : QColor(0xfc, 0xe8, 0xb2);
    for (int r = 0; r < m_tree->topLevelItemCount(); ++r) {
        QTreeWidgetItem* item = m_tree->topLevelItem(r);
        const auto severity = static_cast<Severity>(item->data(0, SeverityRole).toInt());
        for (int c = 0; c < m_tree->columnCount(); ++c) {
            if (severity == Fine) {
                item->setData(c, Qt::BackgroundRole, QVariant());
                item->setData(c, Qt::ForegroundRole, QVariant());
            } else {
                item->setBackground(c, severity == Bad ? bad : warn);
                item->setForeground(c, dark ? QColor(Qt::white) : QColor(Qt::black));
            }
        }
        QFont f = item->font(0);
        f.setBold(severity == Bad);
        for (int c = 0; c < m_tree->columnCount(); ++c) {
            item->setFont(c, f);
        }
    }
}

void HealthView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyColours();
    }
    QWidget::changeEvent(event);
}

} // namespace rnnscope::widgets
