#pragma once
// One unit of the selected series across all samples: a samples x steps colour map, so a unit that behaves
// differently on some inputs stands out. The unit is the first selected unit, or unit 0.
//
// Mouse: a click selects the clicked sample (its row is outlined); Ctrl/Shift+click moves the step cursor.

#include "plot_style.h"

namespace rnnscope::widgets {

class SampleUnitView : public StepPlotView
{
    Q_OBJECT

public:
    explicit SampleUnitView(ViewContext* context, QWidget* parent = nullptr);

    // For tests: the value drawn at (sample, step).
    float cellValue(int sample, int step) const;
    int shownUnit() const { return m_unit; }
    int shownSamples() const { return static_cast<int>(m_samples); }
    QCPColorMap* colorMap() const { return m_map; }

protected:
    QString rebuild() override;
    void handleClick(double key, double value, Qt::KeyboardModifiers modifiers, bool inAxisBand) override;
    void restyle() override;

private:
    void updateSampleMark();

    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPItemRect* m_sampleMark = nullptr;
    int m_unit = -1;
    Index m_samples = 0;
    Index m_steps = 0;
};

} // namespace rnnscope::widgets
