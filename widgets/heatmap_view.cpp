#include "heatmap_view.h"

#include <cmath>

namespace rnnscope::widgets {

HeatmapView::HeatmapView(ViewContext* context, QWidget* parent)
    : StepPlotView(context, parent)
{
    QCustomPlot* p = plot();
    m_map = addStepColorMap(p, tr("unit"), &m_scale);
    applyPalette(p, palette());
    p->setToolTip(tr("Click: move the step cursor to that step.\n"
                     "Ctrl+click or Shift+click, or click a unit number: select or deselect that unit "
                     "(its trace is drawn in the traces view).\n"
                     "Wheel: zoom time. Drag: pan time. Hatched steps are masked for this sample; "
                     "grey steps are not computed yet."));

    if (context != nullptr) {
        connect(context, &ViewContext::snapshotChanged, this, &HeatmapView::refresh);
        connect(context, &ViewContext::selectionChanged, this, &HeatmapView::refresh);
        connect(context, &ViewContext::sampleChanged, this, &HeatmapView::refresh);
        connect(context, &ViewContext::selectedUnitsChanged, this, [this] {
            updateUnitMarks();
            plot()->replot(QCustomPlot::rpQueuedReplot);
        });
    }
    refresh();
}

float HeatmapView::cellValue(int unit, int step) const
{
    if (unit < 0 || step < 0 || unit >= m_units || step >= m_steps) {
        return std::nanf("");
    }
    return static_cast<float>(m_map->data()->data(step, unit));
}

QString HeatmapView::rebuild()
{
    m_steps = 0;
    m_units = 0;
    const auto series = context()->selectedSeries();
    if (!series || series->steps() == 0 || series->units == 0 || series->batch() == 0) {
        m_map->data()->clear();
        return tr("Nothing was recorded for this series.");
    }
    const SeriesView& s = *series;
    const Index sample = std::clamp<Index>(context()->sample(), 0, s.batch() - 1);
    m_steps = s.steps();
    m_units = s.units;
    fillColorMap(m_map, m_steps, m_units, [&](Index step, Index unit) { return s.value(step, sample, unit); });

    // One scale for all samples of the series, so switching samples compares like with like.
    double maxAbs = 0.0;
    for (Index step = 0; step < s.steps(); ++step) {
        for (Index b = 0; b < s.batch(); ++b) {
            for (Index u = 0; u < s.units; ++u) {
                const double v = std::fabs(static_cast<double>(s.value(step, b, u)));
                if (std::isfinite(v) && v > maxAbs) {
                    maxAbs = v;
                }
            }
        }
    }
    m_map->setDataRange(symmetricRange(maxAbs));
    m_scale->axis()->setLabel(s.quantity);

    QCustomPlot* p = plot();
    p->yAxis->setRange(-0.5, static_cast<double>(m_units) - 0.5);
    const bool reversed
        = s.layer != nullptr && s.layer->stepTime.size() > 1 && s.layer->stepTime.front() > s.layer->stepTime.back();
    p->xAxis->setLabel(
        reversed ? tr("step (processing order; go_backwards: input time reversed)") : tr("step (processing order)"));
    m_title->setText(tr("%1, sample %2").arg(s.title).arg(sample));
    setMaskMarks(s, {});
    updateUnitMarks();
    return {};
}

void HeatmapView::updateUnitMarks()
{
    for (QCPItemRect* mark : std::as_const(m_unitMarks)) {
        plot()->removeItem(mark);
    }
    m_unitMarks.clear();
    if (context() == nullptr) {
        return;
    }
    for (int unit : context()->selectedUnits()) {
        if (unit < 0 || unit >= m_units) {
            continue;
        }
        auto* mark = new QCPItemRect(plot());
        mark->setSelectable(false);
        mark->setLayer(QStringLiteral("overlay"));
        mark->topLeft->setTypeX(QCPItemPosition::ptAxisRectRatio);
        mark->bottomRight->setTypeX(QCPItemPosition::ptAxisRectRatio);
        mark->topLeft->setCoords(0.0, unit + 0.5);
        mark->bottomRight->setCoords(1.0, unit - 0.5);
        mark->setPen(highlightPen(palette()));
        mark->setBrush(Qt::NoBrush);
        m_unitMarks.push_back(mark);
    }
}

void HeatmapView::handleClick(double key, double value, Qt::KeyboardModifiers modifiers, bool inAxisBand)
{
    const long unit = std::lround(value);
    const long step = std::lround(key);
    if (inAxisBand || (modifiers & (Qt::ControlModifier | Qt::ShiftModifier))) {
        if (unit >= 0 && unit < m_units) {
            context()->toggleUnit(static_cast<int>(unit));
        }
        return;
    }
    if (step >= 0 && step < m_steps) {
        context()->setStep(static_cast<Index>(step));
    }
}

void HeatmapView::restyle()
{
    m_map->setGradient(divergingGradient(isDarkPalette(palette())));
    for (QCPItemRect* mark : std::as_const(m_unitMarks)) {
        mark->setPen(highlightPen(palette()));
    }
}

} // namespace rnnscope::widgets
