#pragma once
// Line traces of chosen units of the selected series over steps, for the current sample (PlotJuggler's curves).
// The units are the context's selected units; with none selected the view picks the three that vary most, so it
// never opens empty, and says so in its title. With a pinned baseline, each unit's baseline is drawn dashed beside it.

#include "plot_style.h"

namespace rnnscope::widgets {

class UnitTracesView : public StepPlotView
{
    Q_OBJECT

public:
    explicit UnitTracesView(ViewContext* context, QWidget* parent = nullptr);

    int graphCount() const;
    // For tests: the value of graph `graph` at `step` (NaN when out of range).
    double graphValue(int graph, int step) const;
    // The unit each graph shows, in graph order.
    const QVector<int>& shownUnits() const { return m_shownUnits; }
    // True when no unit is selected and the view chose the units of largest variance.
    bool autoChosen() const { return m_autoChosen; }
    // Dashed graphs of the pinned baseline run, after the unit graphs (shown in Current mode when one is pinned).
    int baselineGraphCount() const { return m_baselineGraphs; }

protected:
    QString rebuild() override;
    void handleClick(double key, double value, Qt::KeyboardModifiers modifiers, bool inAxisBand) override;
    void restyle() override;

private:
    QVector<int> m_shownUnits;
    bool m_autoChosen = false;
    int m_baselineGraphs = 0;
};

} // namespace rnnscope::widgets
