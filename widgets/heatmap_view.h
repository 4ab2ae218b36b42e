#pragma once
// Units x steps of the selected series for the current sample, as a colour map (LSTMVis's main view). The step
// cursor, the "not yet computed" overlay and the shared time range come from StepPlotView.
//
// Mouse: a click moves the step cursor to the clicked column; Ctrl/Shift+click, or a click on the unit numbers
// left of the map, toggles the clicked unit in the selection (drawn as an outlined row, plotted by the traces view).

#include "plot_style.h"

namespace rnnscope::widgets {

class HeatmapView : public StepPlotView
{
    Q_OBJECT

public:
    explicit HeatmapView(ViewContext* context, QWidget* parent = nullptr);

    // For tests: the value drawn at (unit, step), steps in processing order.
    float cellValue(int unit, int step) const;
    int shownSteps() const { return static_cast<int>(m_steps); }
    int shownUnits() const { return static_cast<int>(m_units); }
    QCPColorMap* colorMap() const { return m_map; }
    QCPColorScale* colorScale() const { return m_scale; }

protected:
    QString rebuild() override;
    void handleClick(double key, double value, Qt::KeyboardModifiers modifiers, bool inAxisBand) override;
    void restyle() override;

private:
    void updateUnitMarks();

    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QVector<QCPItemRect*> m_unitMarks;
    Index m_steps = 0;
    Index m_units = 0;
};

} // namespace rnnscope::widgets
