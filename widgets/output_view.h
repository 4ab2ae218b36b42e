#pragma once
// The model's outputs for the current sample: a sequence output [B,T,U] as lines over time (a colour map when
// there are too many units for lines), a per-sample vector [B,U] as bars, with a picker for which output.

#include <QWidget>

#include "view_context.h"

class QComboBox;
class QCustomPlot;
class QLabel;

namespace rnnscope::widgets {

class OutputView : public QWidget
{
    Q_OBJECT

public:
    enum class Style { None, Lines, ColourMap, Bars };

    explicit OutputView(ViewContext* context, QWidget* parent = nullptr);

    int outputIndex() const { return m_outputIndex; }
    void setOutputIndex(int index);
    // What is drawn: series = lines (one per unit), 1 for bars or a colour map, 0 for nothing.
    int shownSeries() const;
    Style style() const { return m_style; }
    // The plotted value of series `series` at point `point` (time for lines, unit for bars; the colour map
    // takes series = unit). NaN when out of range.
    double plottedValue(int series, int point) const;
    QString message() const; // the note shown instead of a plot (no run, an error), empty when plotting
    // What is plotted, for exported pictures (the dock's picker says it on screen): "output dense, sample 0".
    QString title() const { return m_title; }
    QCustomPlot* plot() const { return m_plot; }

    static constexpr int kMaxLines = 16;

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuildPicker();
    void redraw();
    void updateCursor();
    void applyColours();

    ViewContext* m_context;
    QComboBox* m_picker;
    QLabel* m_message;
    QCustomPlot* m_plot;
    int m_outputIndex = 0;
    Style m_style = Style::None;
    Index m_sequenceLength = 0;
    QString m_title;
};

} // namespace rnnscope::widgets
