#include "sample_unit_view.h"

#include <cmath>

namespace rnnscope::widgets {

SampleUnitView::SampleUnitView(ViewContext* context, QWidget* parent)
    : StepPlotView(context, parent)
{
    QCustomPlot* p = plot();
    m_map = addStepColorMap(p, tr("sample"), &m_scale);
    m_sampleMark = new QCPItemRect(p);
    m_sampleMark->setSelectable(false);
    m_sampleMark->setLayer(QStringLiteral("overlay"));
    m_sampleMark->topLeft->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_sampleMark->bottomRight->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_sampleMark->setPen(highlightPen(palette()));
    m_sampleMark->setBrush(Qt::NoBrush);
    applyPalette(p, palette());
    p->setToolTip(tr("Click a row (or its sample number): show that sample in the other views.\n"
                     "Ctrl+click or Shift+click: move the step cursor. Wheel: zoom time. Drag: pan time.\n"
                     "Hatched cells are masked; grey steps are not computed yet."));

    if (context != nullptr) {
        connect(context, &ViewContext::snapshotChanged, this, &SampleUnitView::refresh);
        connect(context, &ViewContext::selectionChanged, this, &SampleUnitView::refresh);
        connect(context, &ViewContext::selectedUnitsChanged, this, &SampleUnitView::refresh);
        connect(context, &ViewContext::sampleChanged, this, [this] {
            updateSampleMark();
            plot()->replot(QCustomPlot::rpQueuedReplot);
        });
    }
    refresh();
}

float SampleUnitView::cellValue(int sample, int step) const
{
    if (sample < 0 || step < 0 || sample >= m_samples || step >= m_steps) {
        return std::nanf("");
    }
    return static_cast<float>(m_map->data()->data(step, sample));
}

QString SampleUnitView::rebuild()
{
    m_samples = 0;
    m_steps = 0;
    m_unit = -1;
    const auto series = context()->selectedSeries();
    if (!series || series->steps() == 0 || series->units == 0 || series->batch() == 0) {
        m_map->data()->clear();
        return tr("Nothing was recorded for this series.");
    }
    const SeriesView& s = *series;
    m_unit = 0;
    for (int u : context()->selectedUnits()) {
        if (u >= 0 && u < s.units) {
            m_unit = u;
            break;
        }
    }
    m_samples = s.batch();
    m_steps = s.steps();
    const Index unit = m_unit;
    fillColorMap(m_map, m_steps, m_samples, [&](Index step, Index sample) { return s.value(step, sample, unit); });
    double maxAbs = 0.0;
    for (Index step = 0; step < m_steps; ++step) {
        for (Index b = 0; b < m_samples; ++b) {
            const double v = std::fabs(static_cast<double>(s.value(step, b, unit)));
            if (std::isfinite(v) && v > maxAbs) {
                maxAbs = v;
            }
        }
    }
    m_map->setDataRange(symmetricRange(maxAbs));
    m_scale->axis()->setLabel(s.quantity);

    QCustomPlot* p = plot();
    p->yAxis->setRange(-0.5, static_cast<double>(m_samples) - 0.5);
    // Two lines: one line does not fit the dock beside the traces view.
    m_title->setText(tr("unit %1 of %2\nacross samples").arg(m_unit).arg(s.title));
    QVector<QPair<double, Index>> rows;
    for (Index b = 0; b < m_samples; ++b) {
        rows.push_back({static_cast<double>(b), b});
    }
    setMaskMarks(s, rows);
    updateSampleMark();
    return {};
}

void SampleUnitView::updateSampleMark()
{
    const Index sample = context() != nullptr ? context()->sample() : -1;
    m_sampleMark->topLeft->setCoords(0.0, static_cast<double>(sample) + 0.5);
    m_sampleMark->bottomRight->setCoords(1.0, static_cast<double>(sample) - 0.5);
    m_sampleMark->setVisible(sample >= 0 && sample < m_samples);
}

void SampleUnitView::handleClick(double key, double value, Qt::KeyboardModifiers modifiers, bool inAxisBand)
{
    if (!inAxisBand && (modifiers & (Qt::ControlModifier | Qt::ShiftModifier))) {
        const long step = std::lround(key);
        if (step >= 0 && step < m_steps) {
            context()->setStep(static_cast<Index>(step));
        }
        return;
    }
    const long sample = std::lround(value);
    if (sample >= 0 && sample < m_samples) {
        context()->setSample(static_cast<Index>(sample));
    }
}

void SampleUnitView::restyle()
{
    m_map->setGradient(divergingGradient(isDarkPalette(palette())));
    m_sampleMark->setPen(highlightPen(palette()));
}

} // namespace rnnscope::widgets
