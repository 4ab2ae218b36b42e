#include "unit_traces_view.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rnnscope::widgets {

namespace {

// Units of largest variance over the steps of one sample, most varying first.
QVector<int> mostVaryingUnits(const SeriesView& s, Index sample, int count)
{
    QVector<QPair<double, int>> variances;
    const auto n = static_cast<double>(s.steps());
    for (Index u = 0; u < s.units; ++u) {
        double sum = 0.0;
        double sumSq = 0.0;
        for (Index step = 0; step < s.steps(); ++step) {
            const double v = s.value(step, sample, u);
            if (std::isfinite(v)) {
                sum += v;
                sumSq += v * v;
            }
        }
        const double mean = sum / n;
        variances.push_back({sumSq / n - mean * mean, static_cast<int>(u)});
    }
    std::stable_sort(
        variances.begin(), variances.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    QVector<int> units;
    for (int i = 0; i < std::min<int>(count, static_cast<int>(variances.size())); ++i) {
        units.push_back(variances[i].second);
    }
    return units;
}

} // namespace

UnitTracesView::UnitTracesView(ViewContext* context, QWidget* parent)
    : StepPlotView(context, parent)
{
    QCustomPlot* p = plot();
    placeLegendInRow(p, 1); // between the title and the plot
    applyPalette(p, palette());
    p->setToolTip(tr("Click: move the step cursor to that step. Wheel: zoom time. Drag: pan time.\n"
                     "Choose units by Ctrl+clicking rows of the heatmap. Hatched steps are masked for this "
                     "sample; grey steps are not computed yet."));

    if (context != nullptr) {
        connect(context, &ViewContext::snapshotChanged, this, &UnitTracesView::refresh);
        connect(context, &ViewContext::selectionChanged, this, &UnitTracesView::refresh);
        connect(context, &ViewContext::sampleChanged, this, &UnitTracesView::refresh);
        connect(context, &ViewContext::selectedUnitsChanged, this, &UnitTracesView::refresh);
        connect(context, &ViewContext::baselineChanged, this, &UnitTracesView::refresh);
    }
    refresh();
}

int UnitTracesView::graphCount() const
{
    return plot()->graphCount();
}

double UnitTracesView::graphValue(int graph, int step) const
{
    if (graph < 0 || graph >= plot()->graphCount()) {
        return std::nan("");
    }
    const auto data = plot()->graph(graph)->data();
    const auto it = data->findBegin(step, false);
    if (it == data->constEnd() || it->key != step) {
        return std::nan("");
    }
    return it->value;
}

QString UnitTracesView::rebuild()
{
    QCustomPlot* p = plot();
    p->clearGraphs();
    m_baselineGraphs = 0;
    m_shownUnits.clear();
    m_autoChosen = false;
    const auto series = context()->selectedSeries();
    if (!series || series->steps() == 0 || series->units == 0 || series->batch() == 0) {
        return tr("Nothing was recorded for this series.");
    }
    const SeriesView& s = *series;
    const Index sample = std::clamp<Index>(context()->sample(), 0, s.batch() - 1);
    for (int u : context()->selectedUnits()) {
        if (u >= 0 && u < s.units && !m_shownUnits.contains(u)) {
            m_shownUnits.push_back(u);
        }
    }
    if (m_shownUnits.isEmpty()) {
        m_autoChosen = true;
        m_shownUnits = mostVaryingUnits(s, sample, 3);
    }

    const bool dark = isDarkPalette(palette());
    double low = 0.0;
    double high = 0.0;
    bool any = false;
    // One graph per unit of `series`; keeps the y range over every finite value drawn.
    auto addGraphs = [&](const SeriesView& series, const QString& name, Qt::PenStyle style, double width) {
        for (int i = 0; i < m_shownUnits.size(); ++i) {
            const int unit = m_shownUnits[i];
            QCPGraph* graph = p->addGraph();
            graph->setName(name.arg(unit));
            graph->setPen(QPen(seriesColor(i, dark), width, style));
            graph->setLineStyle(QCPGraph::lsLine);
            if (style == Qt::SolidLine && series.steps() <= 60) {
                graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
            }
            QVector<QCPGraphData> points;
            points.reserve(static_cast<int>(series.steps()));
            for (Index step = 0; step < series.steps(); ++step) {
                const double v = series.value(step, sample, unit);
                points.push_back(QCPGraphData(static_cast<double>(step), v));
                if (std::isfinite(v)) {
                    low = any ? std::min(low, v) : v;
                    high = any ? std::max(high, v) : v;
                    any = true;
                }
            }
            graph->data()->set(points, true);
        }
    };
    addGraphs(s, tr("unit %1"), Qt::SolidLine, 1.8);
    // The edited (or otherwise changed) run against the pinned one: each unit's baseline as a dashed line.
    const SnapshotPtr& baseline = context()->baseline();
    std::optional<SeriesView> before;
    if (baseline && context()->shownMode() == DisplayMode::Current && baseline->error.empty()) {
        before = resolveSeries(*baseline, context()->selection());
    }
    if (before && before->steps() == s.steps() && before->batch() == s.batch() && before->units == s.units) {
        addGraphs(*before, tr("unit %1, baseline"), Qt::DashLine, 1.2);
        m_baselineGraphs = static_cast<int>(m_shownUnits.size());
    }
    const double pad = high > low ? 0.06 * (high - low) : 1.0;
    p->yAxis->setRange(low - pad, high + pad);
    p->yAxis->setLabel(s.quantity);
    const bool reversed
        = s.layer != nullptr && s.layer->stepTime.size() > 1 && s.layer->stepTime.front() > s.layer->stepTime.back();
    p->xAxis->setLabel(
        reversed ? tr("step (processing order; go_backwards: input time reversed)") : tr("step (processing order)"));
    QString title = tr("%1, sample %2").arg(s.title).arg(sample);
    if (m_autoChosen) {
        title += tr("\n(no unit selected: the %n of largest variance)", nullptr, static_cast<int>(m_shownUnits.size()));
    }
    m_title->setText(title);
    setMaskMarks(s, {});
    return {};
}

void UnitTracesView::handleClick(double key, double, Qt::KeyboardModifiers, bool)
{
    const long step = std::lround(key);
    if (step >= 0 && step < context()->steps()) {
        context()->setStep(static_cast<Index>(step));
    }
}

void UnitTracesView::restyle()
{
    const bool dark = isDarkPalette(palette());
    const int units = plot()->graphCount() - m_baselineGraphs;
    for (int i = 0; i < plot()->graphCount(); ++i) {
        if (i < units) {
            plot()->graph(i)->setPen(QPen(seriesColor(i, dark), 1.8));
        } else {
            plot()->graph(i)->setPen(QPen(seriesColor(i - units, dark), 1.2, Qt::DashLine));
        }
    }
}

} // namespace rnnscope::widgets
