#include "plot_style.h"

#include <algorithm>
#include <cmath>

#include <QEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QStackedLayout>

namespace rnnscope::widgets {

bool isDarkPalette(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

namespace {

void styleAxis(QCPAxis* axis, const QPalette& palette)
{
    const QColor text = palette.color(QPalette::WindowText);
    QColor grid = palette.color(QPalette::Mid);
    grid.setAlpha(110);
    axis->setBasePen(QPen(text));
    axis->setTickPen(QPen(text));
    axis->setSubTickPen(QPen(text));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
    axis->grid()->setZeroLinePen(Qt::NoPen);
}

} // namespace

void applyPalette(QCustomPlot* plot, const QPalette& palette)
{
    plot->setBackground(palette.brush(QPalette::Window));
    const auto elements = plot->plotLayout()->elements(true);
    for (QCPLayoutElement* element : elements) {
        if (auto* rect = qobject_cast<QCPAxisRect*>(element)) {
            rect->setBackground(palette.brush(QPalette::Base));
            const auto axes = rect->axes();
            for (QCPAxis* axis : axes) {
                styleAxis(axis, palette);
            }
        } else if (auto* scale = qobject_cast<QCPColorScale*>(element)) {
            styleAxis(scale->axis(), palette);
        } else if (auto* text = qobject_cast<QCPTextElement*>(element)) {
            text->setTextColor(palette.color(QPalette::WindowText));
        }
    }
    // The legend may sit in the axis rect's inset layout, which elements(true) above does not reach.
    if (plot->legend != nullptr) {
        QColor background = palette.color(QPalette::Window);
        background.setAlpha(220);
        plot->legend->setBrush(background);
        plot->legend->setTextColor(palette.color(QPalette::WindowText));
    }
}

QCPColorGradient divergingGradient(bool dark)
{
    QCPColorGradient gradient;
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    gradient.clearColorStops();
    if (dark) {
        // Brighter ends and a near-black middle: on a dark background a white zero would glare.
        gradient.setColorStopAt(0.0, QColor(0x6b, 0xae, 0xd6));
        gradient.setColorStopAt(0.5, QColor(0x26, 0x26, 0x2a));
        gradient.setColorStopAt(1.0, QColor(0xf4, 0x6d, 0x43));
    } else {
        // ColorBrewer RdBu, reversed: blue negative, red positive.
        gradient.setColorStopAt(0.0, QColor(0x21, 0x66, 0xac));
        gradient.setColorStopAt(0.25, QColor(0x92, 0xc5, 0xde));
        gradient.setColorStopAt(0.5, QColor(0xf7, 0xf7, 0xf7));
        gradient.setColorStopAt(0.75, QColor(0xf4, 0xa5, 0x82));
        gradient.setColorStopAt(1.0, QColor(0xb2, 0x18, 0x2b));
    }
    // NaN and Inf must stand out from any value: the health panel's job is to find them, ours to show where.
    gradient.setNanHandling(QCPColorGradient::nhNanColor);
    gradient.setNanColor(dark ? QColor(0xff, 0x40, 0xff) : QColor(0x00, 0xc0, 0x00));
    return gradient;
}

QCPRange symmetricRange(double maxAbs)
{
    if (!(maxAbs > 0.0) || !std::isfinite(maxAbs)) {
        return QCPRange(-1.0, 1.0);
    }
    return QCPRange(-maxAbs, maxAbs);
}

QCPRange symmetricRange(const float* values, std::size_t count)
{
    double m = 0.0;
    for (std::size_t i = 0; i < count; ++i) {
        const double v = std::fabs(static_cast<double>(values[i]));
        if (std::isfinite(v)) {
            m = std::max(m, v);
        }
    }
    return symmetricRange(m);
}

QBrush notComputedBrush(const QPalette& palette)
{
    // Mostly opaque: the values under it exist in the snapshot but the debugger has not stepped there yet, so
    // they must not be mistaken for results.
    QColor c = isDarkPalette(palette) ? QColor(70, 70, 74) : QColor(200, 200, 200);
    c.setAlpha(205);
    return QBrush(c);
}

QBrush maskedBrush(const QPalette& palette)
{
    QColor c = palette.color(QPalette::WindowText);
    c.setAlpha(150);
    return QBrush(c, Qt::BDiagPattern);
}

QPen cursorPen(const QPalette& palette)
{
    QColor c = isDarkPalette(palette) ? QColor(0xff, 0xd7, 0x00) : QColor(0x20, 0x20, 0x20);
    return QPen(c, 2.0);
}

QPen highlightPen(const QPalette& palette)
{
    return QPen(palette.color(QPalette::Highlight), 2.0);
}

QColor seriesColor(int index, bool dark)
{
    // Tableau 10; the dark set is the same hues lightened so lines stay visible on a dark background.
    static const QRgb light[]
        = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    static const QRgb darkSet[]
        = {0x6baed6, 0xfdae6b, 0x74c476, 0xfb6a4a, 0xbcbddc, 0xc49c94, 0xf7b6d2, 0xc7c7c7, 0xdbdb8d, 0x9edae5};
    const int n = static_cast<int>(std::size(light));
    const int i = ((index % n) + n) % n;
    return QColor::fromRgb(dark ? darkSet[i] : light[i]);
}

QCPColorScale* addColorScale(QCustomPlot* plot, QCPColorMap* map)
{
    auto* scale = new QCPColorScale(plot);
    // Row 1: row 0 holds the title.
    plot->plotLayout()->addElement(1, 1, scale);
    scale->setType(QCPAxis::atRight);
    scale->setBarWidth(12);
    map->setColorScale(scale);
    auto* group = new QCPMarginGroup(plot);
    plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    return scale;
}

StepPlotView::StepPlotView(ViewContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
{
    m_stack = new QStackedLayout(this);
    m_stack->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_message = new QLabel(this);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setMargin(12);
    m_stack->addWidget(m_plot);
    m_stack->addWidget(m_message);

    m_plot->setMinimumSize(160, 120);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    // Solid lines as separate segments: QPainter stroking a 1.8 px polyline as one path took 4.5 ms of a toggle's
    // redraw for three 200-step traces; segments draw the same lines with plainer joins.
    m_plot->setPlottingHint(QCP::phFastPolylines, true);
    // Only time zooms and pans: the views share one time axis, while units and samples are fixed rows.
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->xAxis->setLabel(tr("step (processing order)"));
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_plot->xAxis->setTicker(ticker);

    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, QString(), QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);

    m_future = new QCPItemRect(m_plot);
    m_future->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_future->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_future->setPen(Qt::NoPen);
    m_future->setSelectable(false);
    m_cursor = new QCPItemStraightLine(m_plot);
    m_cursor->setSelectable(false);
    // Above the data (plottables added later would otherwise cover them).
    m_future->setLayer(QStringLiteral("overlay"));
    m_cursor->setLayer(QStringLiteral("overlay"));
    m_future->setBrush(notComputedBrush(palette()));
    m_cursor->setPen(cursorPen(palette()));
    m_future->setVisible(false);
    m_cursor->setVisible(false);
    m_future->setObjectName(QLatin1String(kNotComputedItemName));
    m_cursor->setObjectName(QLatin1String(kCursorItemName));

    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this](const QCPRange& r) {
        if (!m_syncingRange && m_context != nullptr) {
            m_context->setTimeRange(r.lower, r.upper);
        }
    });
    connect(m_plot, &QCustomPlot::mousePress, this, &StepPlotView::onMousePress);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &StepPlotView::onMouseRelease);
    if (m_context != nullptr) {
        connect(m_context, &ViewContext::timeRangeChanged, this, [this] {
            applyTimeRange();
            m_plot->replot(QCustomPlot::rpQueuedReplot);
        });
        connect(m_context, &ViewContext::stepChanged, this, [this] {
            updateCursor();
            m_plot->replot(QCustomPlot::rpQueuedReplot);
        });
    }
    applyPalette(m_plot, palette());
}

double StepPlotView::cursorPosition() const
{
    return m_stack->currentWidget() == m_plot && m_cursor->visible() ? m_cursor->point1->key() : -1.0;
}

QCPColorMap* addStepColorMap(QCustomPlot* plot, const QString& yLabel, QCPColorScale** scale)
{
    auto* map = new QCPColorMap(plot->xAxis, plot->yAxis);
    map->setInterpolate(false);
    map->setTightBoundary(false);
    *scale = addColorScale(plot, map);
    map->setGradient(divergingGradient(isDarkPalette(plot->palette())));
    plot->yAxis->setLabel(yLabel);
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot->yAxis->setTicker(ticker);
    plot->xAxis->grid()->setVisible(false);
    plot->yAxis->grid()->setVisible(false);
    return map;
}

void placeLegendInRow(QCustomPlot* plot, int row)
{
    plot->legend->setVisible(true);
    plot->axisRect()->insetLayout()->take(plot->legend);
    plot->plotLayout()->insertRow(row);
    plot->plotLayout()->addElement(row, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(row, 0.001);
    plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot->legend->setWrap(8);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setMargins(QMargins(4, 0, 4, 0));
}

bool StepPlotView::stepShownAsComputed(int step) const
{
    return m_context != nullptr && m_stack->currentWidget() == m_plot && step >= 0 && step <= m_context->step()
        && step < m_context->steps();
}

QString StepPlotView::message() const
{
    return m_stack->currentWidget() == m_message ? m_message->text() : QString();
}

void StepPlotView::showMessage(const QString& text)
{
    m_message->setText(text);
    m_stack->setCurrentWidget(m_message);
}

void StepPlotView::refresh()
{
    QString why;
    if (m_context == nullptr || !m_context->snapshot()) {
        why = tr("No run yet.");
    } else if (!m_context->snapshot()->error.empty()) {
        why = tr("The run failed:\n%1").arg(QString::fromStdString(m_context->snapshot()->error));
    }
    if (why.isEmpty()) {
        why = rebuild();
    }
    if (!why.isEmpty()) {
        clearMaskMarks();
        m_cursor->setVisible(false);
        m_future->setVisible(false);
        showMessage(why);
        return;
    }
    m_stack->setCurrentWidget(m_plot);
    applyTimeRange();
    updateCursor();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void StepPlotView::applyTimeRange()
{
    if (m_context == nullptr) {
        return;
    }
    m_syncingRange = true;
    m_plot->xAxis->setRange(m_context->timeLow(), m_context->timeHigh());
    m_syncingRange = false;
}

void StepPlotView::updateCursor()
{
    const Index steps = m_context != nullptr ? m_context->steps() : 0;
    const Index step = m_context != nullptr ? m_context->step() : -1;
    const double x = static_cast<double>(step);
    m_cursor->point1->setCoords(x, 0.0);
    m_cursor->point2->setCoords(x, 1.0);
    m_cursor->setVisible(step >= 0 && steps > 0);
    // The overlay starts half a step after the cursor so the current step's column stays fully visible.
    m_future->topLeft->setCoords(x + 0.5, 0.0);
    m_future->bottomRight->setCoords(static_cast<double>(steps) - 0.5, 1.0);
    m_future->setVisible(step < steps - 1);
}

void StepPlotView::clearMaskMarks()
{
    for (QCPItemRect* mark : std::as_const(m_maskMarks)) {
        m_plot->removeItem(mark);
    }
    m_maskMarks.clear();
}

void StepPlotView::setMaskMarks(const SeriesView& series, const QVector<QPair<double, Index>>& rows)
{
    clearMaskMarks();
    const LayerTrace* layer = series.layer;
    if (layer == nullptr || layer->mask.empty()) {
        return;
    }
    // Each row is (y centre, sample). With no rows, the marks span the whole height for the context's sample.
    QVector<QPair<double, Index>> targets = rows;
    const bool fullHeight = rows.isEmpty();
    if (fullHeight) {
        targets.push_back({0.0, m_context->sample()});
    }
    // One rect per run of consecutive masked steps keeps the item count small on long padded sequences.
    constexpr int maxMarks = 4000;
    for (const auto& [y, sample] : std::as_const(targets)) {
        if (sample < 0 || sample >= layer->batch) {
            continue;
        }
        Index s = 0;
        while (s < layer->steps && m_maskMarks.size() < maxMarks) {
            if (!layer->stepMasked(s, sample)) {
                ++s;
                continue;
            }
            const Index first = s;
            while (s < layer->steps && layer->stepMasked(s, sample)) {
                ++s;
            }
            auto* mark = new QCPItemRect(m_plot);
            mark->setSelectable(false);
            mark->setPen(Qt::NoPen);
            mark->setBrush(maskedBrush(palette()));
            if (fullHeight) {
                mark->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
                mark->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
                mark->topLeft->setCoords(static_cast<double>(first) - 0.5, 0.0);
                mark->bottomRight->setCoords(static_cast<double>(s) - 0.5, 1.0);
            } else {
                mark->topLeft->setCoords(static_cast<double>(first) - 0.5, y + 0.5);
                mark->bottomRight->setCoords(static_cast<double>(s) - 0.5, y - 0.5);
            }
            mark->setLayer(QStringLiteral("overlay"));
            m_maskMarks.push_back(mark);
        }
    }
}

void StepPlotView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyPalette(m_plot, palette());
        m_future->setBrush(notComputedBrush(palette()));
        m_cursor->setPen(cursorPen(palette()));
        for (QCPItemRect* mark : std::as_const(m_maskMarks)) {
            mark->setBrush(maskedBrush(palette()));
        }
        restyle();
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
    QWidget::changeEvent(event);
}

void StepPlotView::onMousePress(QMouseEvent* event)
{
    m_pressPos = event->position();
    m_pressed = event->button() == Qt::LeftButton;
}

void StepPlotView::onMouseRelease(QMouseEvent* event)
{
    if (!m_pressed || event->button() != Qt::LeftButton) {
        return;
    }
    m_pressed = false;
    const QPointF pos = event->position();
    // A drag pans the time axis; only a press and release in (nearly) one place is a click.
    if ((pos - m_pressPos).manhattanLength() > 4.0) {
        return;
    }
    const QRect area = m_plot->axisRect()->rect();
    const bool inArea = area.contains(pos.toPoint());
    const bool inAxisBand = !inArea && pos.x() < area.left() && pos.y() >= area.top() && pos.y() <= area.bottom();
    if (!inArea && !inAxisBand) {
        return;
    }
    handleClick(
        m_plot->xAxis->pixelToCoord(pos.x()), m_plot->yAxis->pixelToCoord(pos.y()), event->modifiers(), inAxisBand);
}

} // namespace rnnscope::widgets
