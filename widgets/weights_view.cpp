#include "weights_view.h"

#include <algorithm>
#include <cmath>

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QStackedLayout>
#include <QToolTip>
#include <QVBoxLayout>

#include "plot_style.h"
#include "series.h"

namespace rnnscope::widgets {

namespace {

QString shapeText(const WeightMatrix& m, bool vector)
{
    return vector && m.rows == 1 ? QStringLiteral("[%1]").arg(m.cols)
                                 : QStringLiteral("[%1, %2]").arg(m.rows).arg(m.cols);
}

QString matrixName(WeightsView::Matrix which)
{
    switch (which) {
    case WeightsView::Matrix::Kernel:
        return QObject::tr("kernel");
    case WeightsView::Matrix::Recurrent:
        return QObject::tr("recurrent kernel");
    case WeightsView::Matrix::Bias:
        return QObject::tr("bias");
    }
    return {};
}

// A tick every `step` units inside each gate block, numbered from 0 in every block, with `step` chosen so that
// about two dozen labels fit across the whole width.
QSharedPointer<QCPAxisTickerText> unitTicker(Index blocks, Index width)
{
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const Index wanted = std::max<Index>(1, (blocks * width + 23) / 24);
    Index step = 1;
    for (Index s : {1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000}) {
        step = s;
        if (s >= wanted) {
            break;
        }
    }
    for (Index b = 0; b < blocks; ++b) {
        for (Index u = 0; u < width; u += step) {
            // A tick right before the next block's 0 would run into its label ("15" "0" reads "150").
            if (u > 0 && width - 1 - u < step / 2 + 1 && b + 1 < blocks) {
                continue;
            }
            ticker->addTick(static_cast<double>(b * width + u), QString::number(u));
        }
    }
    return ticker;
}

} // namespace

WeightsView::WeightsView(QWidget* parent)
    : QWidget(parent)
    , m_layerBox(new QComboBox(this))
    , m_shape(new QLabel(this))
    , m_message(new QLabel(this))
    , m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* top = new QHBoxLayout;
    auto* label = new QLabel(tr("&Layer:"), this);
    label->setBuddy(m_layerBox);
    m_layerBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_layerBox->setToolTip(tr("The recurrent cell (or Dense layer) whose weights are shown"));
    m_shape->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(label);
    top->addWidget(m_layerBox);
    top->addWidget(m_shape, 1);
    layout->addLayout(top);

    auto* body = new QWidget(this);
    m_stack = new QStackedLayout(body);
    m_stack->setContentsMargins(0, 0, 0, 0);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setMargin(12);
    m_plot->setMinimumSize(320, 280);
    m_plot->setToolTip(tr("Hover a cell for its weight. Columns are grouped by gate; within a gate, by unit."));
    m_stack->addWidget(m_plot);
    m_stack->addWidget(m_message);
    layout->addWidget(body, 1);

    connect(m_layerBox, &QComboBox::currentIndexChanged, this, &WeightsView::setCurrentLayer);
    connect(m_plot, &QCustomPlot::mouseMove, this, &WeightsView::showTip);
    rebuild();
}

void WeightsView::setLayers(std::vector<LayerWeightMatrices> layers)
{
    const std::string shown = m_current >= 0 && m_current < layerCount()
        ? m_layers[static_cast<std::size_t>(m_current)].path
        : std::string();
    m_layers = std::move(layers);
    m_current = m_layers.empty() ? -1 : 0;
    for (int i = 0; i < layerCount(); ++i) {
        if (m_layers[static_cast<std::size_t>(i)].path == shown) {
            m_current = i;
        }
    }
    const QSignalBlocker block(m_layerBox);
    m_layerBox->clear();
    for (const auto& l : m_layers) {
        const QString cls = QString::fromStdString(l.cellClass.empty() ? l.layerClass : l.cellClass);
        m_layerBox->addItem(QStringLiteral("%1 (%2)").arg(QString::fromStdString(l.path), cls));
    }
    m_layerBox->setCurrentIndex(m_current);
    m_layerBox->setEnabled(!m_layers.empty());
    rebuild();
}

void WeightsView::setCurrentLayer(int index)
{
    if (index < 0 || index >= layerCount() || index == m_current) {
        return;
    }
    m_current = index;
    const QSignalBlocker block(m_layerBox);
    m_layerBox->setCurrentIndex(index);
    rebuild();
}

void WeightsView::rebuild()
{
    m_plot->clearPlottables();
    m_plot->clearItems();
    m_plot->plotLayout()->clear();
    // The margin groups of the previous layer: the layout above deleted what used them.
    for (QCPMarginGroup* group : m_plot->findChildren<QCPMarginGroup*>(Qt::FindDirectChildrenOnly)) {
        delete group;
    }
    for (Panel& p : m_panels) {
        p = Panel {};
    }
    m_separators.clear();
    m_gateLabels.clear();
    m_title = nullptr;

    if (m_current < 0 || m_current >= layerCount()) {
        m_shape->clear();
        m_message->setText(tr("No weights to show: the model has no recurrent or Dense layer with weights."));
        m_stack->setCurrentWidget(m_message);
        return;
    }
    const LayerWeightMatrices& l = m_layers[static_cast<std::size_t>(m_current)];
    if (l.kernel.empty() && l.recurrentKernel.empty()) {
        m_shape->clear();
        m_message->setText(tr("%1 has no kernel to show.").arg(QString::fromStdString(l.path)));
        m_stack->setCurrentWidget(m_message);
        return;
    }
    m_stack->setCurrentWidget(m_plot);

    QStringList shapes;
    shapes << tr("kernel %1").arg(shapeText(l.kernel, false));
    if (!l.recurrentKernel.empty()) {
        shapes << tr("recurrent kernel %1").arg(shapeText(l.recurrentKernel, false));
    }
    if (!l.bias.empty()) {
        shapes << tr("bias %1").arg(shapeText(l.bias, true));
    }
    m_shape->setText(shapes.join(QStringLiteral(" · ")));

    const QString cls = QString::fromStdString(l.cellClass.empty() ? l.layerClass : l.cellClass);
    m_title = new QCPTextElement(m_plot, tr("%1 — %2, %3 units").arg(QString::fromStdString(l.path), cls).arg(l.units),
        QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);

    const bool gates = !l.gateNames.empty();
    for (const auto& g : l.gateNames) {
        m_gateLabels << describeQuantity(
            QString::fromStdString(l.cellClass), SeriesKind::Gate, QString::fromStdString(g));
    }
    addPanel(Matrix::Kernel, l.kernel, tr("input feature"), {});
    if (!l.recurrentKernel.empty()) {
        addPanel(Matrix::Recurrent, l.recurrentKernel, tr("unit (from)"), {});
    }
    if (!l.bias.empty()) {
        QStringList rows;
        for (const auto& r : l.biasRows) {
            rows << QString::fromStdString(r);
        }
        addPanel(Matrix::Bias, l.bias, QString(), rows);
    }

    // Gate names over the first panel; unit numbers and the axis title under the last one only, so the panels
    // sit close together.
    QCPAxisRect* first = nullptr;
    QCPAxisRect* last = nullptr;
    for (const Panel& p : m_panels) {
        if (p.rect != nullptr) {
            first = first != nullptr ? first : p.rect;
            last = p.rect;
        }
    }
    const Index width = l.blockWidth();
    if (gates) {
        QCPAxis* top = first->axis(QCPAxis::atTop);
        m_gateTicker = QSharedPointer<QCPAxisTickerText>::create();
        m_blockWidth = static_cast<double>(width);
        top->setVisible(true);
        top->setTicker(m_gateTicker);
        top->setTickLength(0, 0);
        top->setSubTicks(false);
        top->setRange(first->axis(QCPAxis::atBottom)->range());
        QFont bold = font();
        bold.setBold(true);
        top->setTickLabelFont(bold);
    }
    QCPAxis* bottom = last->axis(QCPAxis::atBottom);
    bottom->setTickLabels(true);
    bottom->setLabel(gates ? tr("unit within gate") : tr("unit"));
    if (!gates) {
        m_gateTicker.reset();
    }
    fitGateLabels();
    restyle();
    m_plot->replot();
}

void WeightsView::addPanel(
    Matrix which, const WeightMatrix& matrix, const QString& rowLabel, const QStringList& rowNames)
{
    const LayerWeightMatrices& l = m_layers[static_cast<std::size_t>(m_current)];
    const int row = m_plot->plotLayout()->rowCount();
    auto* grid = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(row, 0, grid);
    // Room by rows, within limits, so a 2-feature kernel is not a sliver beside a 128-unit recurrent kernel and
    // a bias strip stays a strip.
    const double rows = which == Matrix::Bias ? 1.0 : std::clamp(static_cast<double>(matrix.rows), 4.0, 48.0);
    m_plot->plotLayout()->setRowStretchFactor(row, rows + 3.0);

    auto* rect = new QCPAxisRect(m_plot, true);
    auto* scale = new QCPColorScale(m_plot);
    // Below these heights the axis titles and scale labels no longer fit beside a panel.
    rect->setMinimumSize(0, which == Matrix::Bias ? 36 : 90);
    grid->addElement(0, 0, rect);
    grid->addElement(0, 1, scale);
    grid->setColumnStretchFactor(1, 0.001);
    scale->setType(QCPAxis::atRight);
    scale->setBarWidth(10);
    // Short labels and few ticks: a scale is only as tall as its panel, and the bias strip is short.
    scale->axis()->setLabel(which == Matrix::Recurrent ? tr("recurrent") : matrixName(which));
    scale->axis()->ticker()->setTickCount(which == Matrix::Bias ? 2 : 3);

    // Panels share their left and right edges, so the gate columns line up from kernel to bias; each scale
    // spans its panel's height.
    auto group = [this](const char* name) {
        auto* g = m_plot->findChild<QCPMarginGroup*>(QLatin1String(name), Qt::FindDirectChildrenOnly);
        if (g == nullptr) {
            g = new QCPMarginGroup(m_plot);
            g->setObjectName(QLatin1String(name));
        }
        return g;
    };
    rect->setMarginGroup(QCP::msLeft | QCP::msRight, group("columns"));
    scale->setMarginGroup(QCP::msLeft | QCP::msRight, group("scales"));
    auto* rowGroup = new QCPMarginGroup(m_plot);
    rect->setMarginGroup(QCP::msTop | QCP::msBottom, rowGroup);
    scale->setMarginGroup(QCP::msTop | QCP::msBottom, rowGroup);

    QCPAxis* x = rect->axis(QCPAxis::atBottom);
    QCPAxis* y = rect->axis(QCPAxis::atLeft);
    auto* map = new QCPColorMap(x, y);
    map->setInterpolate(false);
    map->setTightBoundary(false);
    map->setColorScale(scale);
    fillColorMap(map, matrix.cols, matrix.rows, [&](Index col, Index r) { return matrix.at(r, col); });
    map->setDataRange(symmetricRange(matrix.values.data(), matrix.values.size()));

    x->setRange(-0.5, static_cast<double>(matrix.cols) - 0.5);
    x->setTicker(unitTicker(l.blockCount(), l.blockWidth()));
    x->setTickLabels(false);
    x->grid()->setVisible(false);
    x->setSubTicks(false);
    y->setRange(-0.5, static_cast<double>(matrix.rows) - 0.5);
    y->setRangeReversed(true); // row 0 on top, as the matrix is printed
    y->grid()->setVisible(false);
    y->setLabel(rowLabel);
    if (!rowNames.isEmpty()) {
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (int r = 0; r < rowNames.size(); ++r) {
            ticker->addTick(r, rowNames[r]);
        }
        y->setTicker(ticker);
        y->setTickLength(0, 0);
    } else {
        auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        y->setTicker(ticker);
    }
    y->setSubTicks(false);

    for (Index b = 1; b < l.blockCount(); ++b) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->setClipAxisRect(rect);
        line->point1->setAxes(x, y);
        line->point2->setAxes(x, y);
        const double at = static_cast<double>(b * l.blockWidth()) - 0.5;
        line->point1->setCoords(at, 0.0);
        line->point2->setCoords(at, 1.0);
        line->setSelectable(false);
        m_separators.push_back(line);
    }
    m_panels[static_cast<int>(which)] = Panel {&matrix, rect, map, scale};
}

void WeightsView::restyle()
{
    applyPalette(m_plot, palette());
    const QCPColorGradient gradient = divergingGradient(isDarkPalette(palette()));
    for (const Panel& p : m_panels) {
        if (p.map != nullptr) {
            p.map->setGradient(gradient);
        }
    }
    // Separators in the text colour: they must show on both ends of the gradient and on its neutral middle.
    for (QCPItemStraightLine* line : m_separators) {
        line->setPen(QPen(palette().color(QPalette::WindowText), 1.5));
    }
}

void WeightsView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        restyle();
        m_plot->replot();
    }
}

float WeightsView::cellValue(Matrix matrix, int row, int col) const
{
    const Panel& p = m_panels[static_cast<int>(matrix)];
    if (p.map == nullptr || row < 0 || col < 0 || row >= p.matrix->rows || col >= p.matrix->cols) {
        return std::nanf("");
    }
    return static_cast<float>(p.map->data()->data(col, row));
}

bool WeightsView::matrixShown(Matrix matrix) const
{
    return m_panels[static_cast<int>(matrix)].map != nullptr && m_stack->currentWidget() == m_plot;
}

void WeightsView::fitGateLabels()
{
    m_shownGateLabels.clear();
    if (!m_gateTicker || m_gateLabels.isEmpty()) {
        return;
    }
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics metrics(bold);
    // Roughly the plot's data width shared by the blocks; a label wider than its block would run into the next.
    const double perBlock = 0.75 * m_plot->width() / static_cast<double>(m_gateLabels.size());
    bool fit = true;
    for (const QString& label : m_gateLabels) {
        fit = fit && metrics.horizontalAdvance(label) + 8 < perBlock;
    }
    m_gateTicker->clear();
    for (int b = 0; b < m_gateLabels.size(); ++b) {
        // "i (input gate)" -> "i": the name Keras's gate order uses.
        const QString label = fit ? m_gateLabels[b] : m_gateLabels[b].section(QLatin1Char(' '), 0, 0);
        m_shownGateLabels << label;
        m_gateTicker->addTick(b * m_blockWidth + (m_blockWidth - 1.0) / 2.0, label);
    }
}

void WeightsView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    const QStringList before = m_shownGateLabels;
    fitGateLabels();
    if (m_shownGateLabels != before) {
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

QStringList WeightsView::shownGateLabels() const
{
    return m_shownGateLabels;
}

QStringList WeightsView::gateLabels() const
{
    return m_gateLabels;
}

QString WeightsView::title() const
{
    return m_title != nullptr ? m_title->text() : QString();
}

QString WeightsView::message() const
{
    return m_stack->currentWidget() == m_message ? m_message->text() : QString();
}

void WeightsView::showTip(QMouseEvent* event)
{
    if (m_current < 0) {
        return;
    }
    const LayerWeightMatrices& l = m_layers[static_cast<std::size_t>(m_current)];
    for (int i = 0; i < 3; ++i) {
        const Panel& p = m_panels[i];
        if (p.rect == nullptr || !p.rect->rect().contains(event->pos())) {
            continue;
        }
        const long col = std::lround(p.rect->axis(QCPAxis::atBottom)->pixelToCoord(event->pos().x()));
        const long row = std::lround(p.rect->axis(QCPAxis::atLeft)->pixelToCoord(event->pos().y()));
        if (col < 0 || row < 0 || col >= p.matrix->cols || row >= p.matrix->rows) {
            break;
        }
        const Index width = l.blockWidth();
        const QString gate = l.gateNames.empty()
            ? QString()
            : QString::fromStdString(l.gateNames[static_cast<std::size_t>(col / width)]) + QLatin1Char(' ');
        const auto which = static_cast<Matrix>(i);
        QString from;
        if (which == Matrix::Kernel) {
            from = tr("input feature %1 → ").arg(row);
        } else if (which == Matrix::Recurrent) {
            from = tr("unit %1 → ").arg(row);
        } else if (static_cast<std::size_t>(row) < l.biasRows.size()) {
            from = QString::fromStdString(l.biasRows[static_cast<std::size_t>(row)]) + QStringLiteral(", ");
        }
        QToolTip::showText(event->globalPosition().toPoint(),
            tr("%1[%2, %3]: %4%5unit %6 = %7")
                .arg(matrixName(which))
                .arg(row)
                .arg(col)
                .arg(from, gate)
                .arg(col % width)
                .arg(static_cast<double>(p.matrix->at(row, col)), 0, 'g', 5),
            m_plot);
        return;
    }
    QToolTip::hideText();
}

} // namespace rnnscope::widgets
