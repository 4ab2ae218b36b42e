#pragma once
// The look every plot of the debugger shares, and the base of the views that draw over the step axis.
//
// Colours come from the widget's QPalette (hotspot's FrequencyPage does the same), so a dark desktop theme gives
// dark plots; views call applyPalette() again on QEvent::PaletteChange. Values are coloured with a diverging
// gradient centred on 0, so the sign of a state or gate reads at a glance.

#include <algorithm>

#include <QColor>
#include <QPalette>
#include <QPen>
#include <QWidget>
#include <qcustomplot.h>

#include "view_context.h"

class QLabel;
class QStackedLayout;

namespace rnnscope::widgets {

// True when the palette's window colour is dark (the user runs a dark theme).
bool isDarkPalette(const QPalette& palette);
// Axes, ticks, tick labels, axis titles, grid, background, legend and text elements of `plot` in the palette's
// colours.
void applyPalette(QCustomPlot* plot, const QPalette& palette);
// Blue (negative) - neutral (0) - red (positive). The neutral colour is white, or near-black for a dark palette,
// so zero always blends into the background.
QCPColorGradient divergingGradient(bool dark);
// [-m, m] with m = max |v| over the finite values; [-1, 1] when all are zero (or there are none).
QCPRange symmetricRange(const float* values, std::size_t count);
QCPRange symmetricRange(double maxAbs);
// Overlay for steps after the cursor, which the debugger has not computed yet: translucent grey, hatched.
QBrush notComputedBrush(const QPalette& palette);
// Hatching for masked steps (Keras skipped them: states are held).
QBrush maskedBrush(const QPalette& palette);
QPen cursorPen(const QPalette& palette);
// Object names of the step cursor's items (the line, and the "not yet computed" overlay after it), so a picture of a
// whole run can leave them out (plot_export's ExportOptions::showCursor).
inline constexpr char kCursorItemName[] = "stepCursor";
inline constexpr char kNotComputedItemName[] = "notComputed";
// Outline of a selected unit or sample row.
QPen highlightPen(const QPalette& palette);
// The i-th of a set of distinct line colours, readable on the palette's background.
QColor seriesColor(int index, bool dark);

// Sizes `map` to keys x values cells centred on the integer coordinates 0..keys-1, 0..values-1 and fills it with
// value(key, value). A dimension of one cell is stored as two equal cells a quarter apart, since QCustomPlot draws
// a single cell with zero width.
template <typename F> void fillColorMap(QCPColorMap* map, Index keys, Index values, F&& value)
{
    const int keyCells = static_cast<int>(std::max<Index>(keys, 2));
    const int valueCells = static_cast<int>(std::max<Index>(values, 2));
    QCPColorMapData* data = map->data();
    data->setSize(keyCells, valueCells);
    data->setRange(keys == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0.0, static_cast<double>(keys - 1)),
        values == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0.0, static_cast<double>(values - 1)));
    for (int k = 0; k < keyCells; ++k) {
        const Index key = keys == 1 ? 0 : k;
        for (int v = 0; v < valueCells; ++v) {
            data->setCell(k, v, static_cast<double>(value(key, values == 1 ? 0 : v)));
        }
    }
}
// A colour scale right of the plot's axis rect, its height kept equal to the rect's, labelled `label`.
QCPColorScale* addColorScale(QCustomPlot* plot, QCPColorMap* map);
// Moves the legend into its own row of the plot layout (inserted at `row`): inside the axis rect it hides data, and
// as a column beside it QCustomPlot stretches it to the full height.
void placeLegendInRow(QCustomPlot* plot, int row);
// A units-or-samples x steps colour map with the diverging gradient, a colour scale, integer ticks on y labelled
// `yLabel`, and no grid (cells are the grid). Returns the map; `scale` receives its colour scale.
QCPColorMap* addStepColorMap(QCustomPlot* plot, const QString& yLabel, QCPColorScale** scale);

// A view that plots something over the step axis (processing order) of the context's selected series: the shared
// plumbing of the heatmap, the unit traces and the samples view. It keeps the step cursor, the "not yet computed"
// overlay after it, the masked-step hatching, the x range synced with the context, the error message in place of
// the plot, and the palette. Subclasses fill the plot in rebuild() and handle clicks in handleClick().
class StepPlotView : public QWidget
{
    Q_OBJECT

public:
    explicit StepPlotView(ViewContext* context, QWidget* parent = nullptr);

    QCustomPlot* plot() const { return m_plot; }
    // x of the cursor line (the context's step), or -1 when it is hidden (no step computed yet).
    double cursorPosition() const;
    // False for steps after the cursor: they are covered by the "not yet computed" overlay.
    bool stepShownAsComputed(int step) const;
    // The text shown instead of the plot (an engine error, or why there is nothing to show); empty when the plot
    // is shown.
    QString message() const;
    // Number of masked-step marks drawn (runs of consecutive masked steps).
    int maskMarkCount() const { return static_cast<int>(m_maskMarks.size()); }

protected:
    // Refill the plot from the context (snapshot, selection, sample or units changed). Return the reason there is
    // nothing to draw, or an empty string when the plot was filled.
    virtual QString rebuild() = 0;
    // A click (press and release without a drag) at `key` (step) and `value` on the y axis. `inAxisBand` is true
    // when the click fell on the y axis labels left of the plot area rather than in it.
    virtual void handleClick(double key, double value, Qt::KeyboardModifiers modifiers, bool inAxisBand) = 0;
    // Palette changed: recolour what the subclass owns (gradients, line colours).
    virtual void restyle() { }

    ViewContext* context() const { return m_context; }
    // Runs rebuild(), then places the cursor and overlay and replots.
    void refresh();
    // Moves the cursor line and the "not yet computed" overlay to the context's step.
    void updateCursor();
    // Hatches the masked steps: `rows` empty means whole columns (one sample); otherwise one mark per
    // (row, masked run), rows being y coordinates of unit height.
    void setMaskMarks(const SeriesView& series, const QVector<QPair<double, Index>>& rows);
    void clearMaskMarks();
    // x range from the context's shared time range.
    void applyTimeRange();
    void changeEvent(QEvent* event) override;

    QCPTextElement* m_title = nullptr;

private:
    void showMessage(const QString& text);
    void onMousePress(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);

    ViewContext* m_context;
    QStackedLayout* m_stack = nullptr;
    QLabel* m_message = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPItemStraightLine* m_cursor = nullptr;
    QCPItemRect* m_future = nullptr;
    QVector<QCPItemRect*> m_maskMarks;
    QPointF m_pressPos;
    bool m_pressed = false;
    bool m_syncingRange = false;
};

} // namespace rnnscope::widgets
