#include "output_view.h"

#include <cmath>
#include <limits>

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "plot_style.h"

namespace rnnscope::widgets {

namespace {

bool isDark(const QPalette& p)
{
    return p.color(QPalette::Window).lightness() < 128;
}

// Tableau 10: distinct on light and dark backgrounds.
QColor lineColour(int i)
{
    static const QRgb colours[]
        = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
    return QColor(colours[i % 10]);
}

QString shapeText(const Shape& shape)
{
    QStringList dims;
    for (const auto d : shape) {
        dims << QString::number(d);
    }
    return QStringLiteral("(%1)").arg(dims.join(QStringLiteral(", ")));
}

} // namespace

OutputView::OutputView(ViewContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
    , m_picker(new QComboBox(this))
    , m_message(new QLabel(this))
    , m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* top = new QHBoxLayout;
    auto* label = new QLabel(tr("Output:"), this);
    label->setBuddy(m_picker);
    top->addWidget(label);
    top->addWidget(m_picker, 1);
    layout->addLayout(top);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);
    layout->addWidget(m_plot, 1);
    m_plot->setMinimumSize(240, 160);
    placeLegendInRow(m_plot, 1); // under the plot
    m_plot->legend->setVisible(false);

    connect(m_picker, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (i >= 0 && i != m_outputIndex) {
            m_outputIndex = i;
            redraw();
        }
    });
    connect(m_context, &ViewContext::snapshotChanged, this, &OutputView::rebuildPicker);
    connect(m_context, &ViewContext::sampleChanged, this, &OutputView::redraw);
    connect(m_context, &ViewContext::stepChanged, this, &OutputView::updateCursor);
    rebuildPicker();
}

void OutputView::setOutputIndex(int index)
{
    if (index >= 0 && index < m_picker->count()) {
        m_picker->setCurrentIndex(index);
    }
}

int OutputView::shownSeries() const
{
    switch (m_style) {
    case Style::Lines:
        return m_plot->graphCount();
    case Style::Bars:
    case Style::ColourMap:
        return 1;
    case Style::None:
        break;
    }
    return 0;
}

QString OutputView::message() const
{
    return m_message->isVisible() || m_style == Style::None ? m_message->text() : QString();
}

double OutputView::plottedValue(int series, int point) const
{
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    if (m_style == Style::Lines && series >= 0 && series < m_plot->graphCount()) {
        const auto data = m_plot->graph(series)->data();
        return point >= 0 && point < data->size() ? (data->constBegin() + point)->value : nan;
    }
    if (m_style == Style::Bars && series == 0) {
        for (int i = 0; i < m_plot->plottableCount(); ++i) {
            if (auto* bars = qobject_cast<QCPBars*>(m_plot->plottable(i))) {
                const auto data = bars->data();
                return point >= 0 && point < data->size() ? (data->constBegin() + point)->value : nan;
            }
        }
    }
    if (m_style == Style::ColourMap) {
        for (int i = 0; i < m_plot->plottableCount(); ++i) {
            if (auto* map = qobject_cast<QCPColorMap*>(m_plot->plottable(i))) {
                auto* d = map->data(); // QCPColorMapData::cell is not const
                return point >= 0 && point < d->keySize() && series >= 0 && series < d->valueSize()
                    ? d->cell(point, series)
                    : nan;
            }
        }
    }
    return nan;
}

void OutputView::rebuildPicker()
{
    const QSignalBlocker block(m_picker);
    const QString previous = m_picker->currentText();
    m_picker->clear();
    const SnapshotPtr& snap = m_context->snapshot();
    if (snap && snap->error.empty()) {
        for (const auto& [name, tensor] : snap->outputs) {
            m_picker->addItem(QStringLiteral("%1  %2").arg(QString::fromStdString(name), shapeText(tensor.shape())));
        }
    }
    // Keep the same output across re-runs when it still exists.
    int index = m_picker->findText(previous);
    if (index < 0) {
        index = m_outputIndex < m_picker->count() ? m_outputIndex : 0;
    }
    m_outputIndex = m_picker->count() > 0 ? index : 0;
    m_picker->setCurrentIndex(m_picker->count() > 0 ? m_outputIndex : -1);
    m_picker->setEnabled(m_picker->count() > 1);
    redraw();
}

void OutputView::redraw()
{
    m_plot->clearPlottables();
    m_plot->clearItems();
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_plot->legend->setVisible(false);
    if (m_plot->plotLayout()->hasElement(0, 1)) {
        m_plot->plotLayout()->remove(m_plot->plotLayout()->element(0, 1));
        m_plot->plotLayout()->simplify();
    }
    m_style = Style::None;
    m_sequenceLength = 0;
    m_title.clear();

    const SnapshotPtr& snap = m_context->snapshot();
    QString message;
    const Tensor* tensor = nullptr;
    if (!snap) {
        message = tr("No run yet.");
    } else if (!snap->error.empty()) {
        message = tr("<b>The run failed:</b> %1").arg(QString::fromStdString(snap->error).toHtmlEscaped());
    } else if (snap->outputs.empty()) {
        message = tr("The model produced no outputs.");
    } else {
        tensor = &snap->outputs[static_cast<std::size_t>(
                                    std::clamp<int>(m_outputIndex, 0, static_cast<int>(snap->outputs.size()) - 1))]
                      .second;
    }
    const Index sample = m_context->sample();
    if (tensor != nullptr && (tensor->rank() < 1 || tensor->rank() > 3 || sample >= tensor->dim(0))) {
        message = tr("Output of shape %1 cannot be drawn per sample.").arg(shapeText(tensor->shape()));
        tensor = nullptr;
    }
    m_message->setText(message);
    m_message->setVisible(!message.isEmpty());
    m_plot->setVisible(tensor != nullptr);
    if (tensor == nullptr) {
        m_plot->replot();
        return;
    }

    const QString name = QString::fromStdString(snap->outputs[static_cast<std::size_t>(m_outputIndex)].first);
    m_title = tr("output %1, sample %2").arg(name).arg(sample);
    const float* base = tensor->data();
    if (tensor->rank() == 3) {
        const Index steps = tensor->dim(1);
        const Index units = tensor->dim(2);
        m_sequenceLength = steps;
        const float* row = base + sample * steps * units;
        m_plot->xAxis->setLabel(tr("timestep"));
        if (units <= kMaxLines) {
            m_style = Style::Lines;
            for (Index u = 0; u < units; ++u) {
                QCPGraph* g = m_plot->addGraph();
                g->setName(tr("u%1").arg(u));
                g->setPen(QPen(lineColour(static_cast<int>(u)), 1.5));
                QVector<double> keys(static_cast<int>(steps));
                QVector<double> values(static_cast<int>(steps));
                for (Index t = 0; t < steps; ++t) {
                    keys[static_cast<int>(t)] = static_cast<double>(t);
                    values[static_cast<int>(t)] = row[t * units + u];
                }
                g->setData(keys, values, true);
            }
            m_plot->yAxis->setLabel(name);
            m_plot->rescaleAxes();
            m_plot->xAxis->setRange(-0.5, std::max<double>(static_cast<double>(steps) - 0.5, 0.5));
            const QCPRange y = m_plot->yAxis->range();
            const double pad = std::max(y.size() * 0.05, 1e-3);
            m_plot->yAxis->setRange(y.lower - pad, y.upper + pad);
            m_plot->legend->setVisible(units <= 8);
            m_plot->legend->setFont(font());
        } else {
            m_style = Style::ColourMap;
            auto* map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
            map->data()->setSize(static_cast<int>(steps), static_cast<int>(units));
            map->data()->setRange(
                QCPRange(0, static_cast<double>(steps - 1)), QCPRange(0, static_cast<double>(units - 1)));
            for (Index t = 0; t < steps; ++t) {
                for (Index u = 0; u < units; ++u) {
                    map->data()->setCell(static_cast<int>(t), static_cast<int>(u), row[t * units + u]);
                }
            }
            auto* scale = new QCPColorScale(m_plot);
            m_plot->plotLayout()->addElement(0, 1, scale);
            scale->setLabel(name);
            map->setColorScale(scale);
            map->setGradient(QCPColorGradient::gpPolar);
            map->rescaleDataRange(true);
            // A diverging map centred on 0, so the sign reads at a glance.
            const QCPRange r = map->dataRange();
            const double m = std::max({std::abs(r.lower), std::abs(r.upper), 1e-6});
            map->setDataRange(QCPRange(-m, m));
            m_plot->yAxis->setLabel(tr("unit (sample %1)").arg(sample));
            m_plot->xAxis->setRange(-0.5, static_cast<double>(steps) - 0.5);
            m_plot->yAxis->setRange(-0.5, static_cast<double>(units) - 0.5);
        }
    } else {
        const Index units = tensor->rank() == 2 ? tensor->dim(1) : 1;
        const float* row = base + sample * units;
        m_style = Style::Bars;
        auto* bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setName(name);
        bars->setWidth(0.7);
        QVector<double> keys(static_cast<int>(units));
        QVector<double> values(static_cast<int>(units));
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        // Label every unit while they fit; beyond that every n-th.
        const int every = std::max<int>(1, static_cast<int>(units / 24) + 1);
        for (Index u = 0; u < units; ++u) {
            keys[static_cast<int>(u)] = static_cast<double>(u);
            values[static_cast<int>(u)] = row[u];
            if (u % every == 0) {
                ticker->addTick(static_cast<double>(u), QString::number(u));
            }
        }
        bars->setData(keys, values, true);
        m_plot->xAxis->setTicker(ticker);
        m_plot->xAxis->setLabel(tr("unit"));
        m_plot->yAxis->setLabel(tr("%1 (sample %2)").arg(name).arg(sample));
        m_plot->xAxis->setRange(-0.7, static_cast<double>(units) - 0.3);
        double lo = 0.0;
        double hi = 0.0;
        for (const double v : values) {
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
        const double pad = std::max((hi - lo) * 0.08, 1e-3);
        m_plot->yAxis->setRange(lo - (lo < 0 ? pad : 0.0), hi + pad);
    }
    applyColours();
    updateCursor();
}

void OutputView::updateCursor()
{
    // Only sequence outputs share the time axis with the cursor.
    if (m_style != Style::Lines && m_style != Style::ColourMap) {
        m_plot->replot();
        return;
    }
    m_plot->clearItems();
    const Index step = m_context->step();
    const QColor text = palette().color(QPalette::Text);
    if (step >= 0) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(static_cast<double>(step), 0);
        line->point2->setCoords(static_cast<double>(step), 1);
        line->setPen(QPen(palette().color(QPalette::Highlight), 1.5, Qt::DashLine));
        line->setObjectName(QLatin1String(kCursorItemName));
    }
    if (step + 1 < m_sequenceLength) {
        // The model's outputs come from the whole run; the steps after the cursor are shaded as in the other views.
        auto* shade = new QCPItemRect(m_plot);
        shade->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        shade->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        shade->topLeft->setCoords(static_cast<double>(step) + 0.5, 0);
        shade->bottomRight->setCoords(static_cast<double>(m_sequenceLength) + 1.0, 1);
        QColor fill = palette().color(QPalette::Window);
        fill.setAlpha(140);
        shade->setBrush(fill);
        shade->setPen(Qt::NoPen);
        shade->setClipToAxisRect(true);
        shade->setObjectName(QLatin1String(kNotComputedItemName));
        auto* note = new QCPItemText(m_plot);
        note->position->setTypeX(QCPItemPosition::ptPlotCoords);
        note->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        note->position->setCoords(static_cast<double>(step) + 0.7, 0.98);
        note->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        note->setText(tr("after the cursor"));
        note->setColor(text);
        note->setClipToAxisRect(true);
        note->setObjectName(QLatin1String(kNotComputedItemName));
    }
    m_plot->replot();
}

void OutputView::applyColours()
{
    const QPalette& pal = palette();
    const QColor base = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    const QColor grid = isDark(pal) ? QColor(0x50, 0x50, 0x50) : QColor(0xdc, 0xdc, 0xdc);
    m_plot->setBackground(base);
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
    }
    m_plot->legend->setBrush(base);
    m_plot->legend->setTextColor(text);
    m_plot->legend->setBorderPen(QPen(grid));
    for (int i = 0; i < m_plot->plottableCount(); ++i) {
        if (auto* bars = qobject_cast<QCPBars*>(m_plot->plottable(i))) {
            bars->setPen(QPen(text.darker(110)));
            bars->setBrush(isDark(pal) ? QColor(0x4a, 0x90, 0xe2) : QColor(0x4e, 0x79, 0xa7));
        }
    }
    for (int i = 0; i < m_plot->plotLayout()->elementCount(); ++i) {
        if (auto* scale = qobject_cast<QCPColorScale*>(m_plot->plotLayout()->elementAt(i))) {
            QCPAxis* a = scale->axis();
            a->setBasePen(QPen(text));
            a->setTickPen(QPen(text));
            a->setSubTickPen(QPen(text));
            a->setTickLabelColor(text);
            a->setLabelColor(text);
        }
    }
}

void OutputView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyColours();
        updateCursor();
    }
    QWidget::changeEvent(event);
}

} // namespace rnnscope::widgets
