#pragma once
// Exporting a view as a PNG, PDF or SVG picture, written to a QIODevice the caller owns (the application writes
// through a QSaveFile, so nothing half-written ever appears under the final name; views never touch files).
//
// Views drawn with QCustomPlot (the StepPlotView family, OutputView, a bare QCustomPlot) are redrawn through
// QCustomPlot's own painter at the requested size, as vectors in PDF and SVG: text stays text, lines stay lines.
// Any other widget (the inspector's table, the health tree, the mask strip), and a plot view that shows a message
// (an engine error) instead of its plot, is drawn with QWidget::render into the same three targets: a widget that is
// not on screen is first resized to the requested size; one on screen is drawn at its size, scaled to fit.
//
// Sizes: PNG is width x height pixels, laid out as a (width x height) * 96 / dpi window scaled up by dpi / 96, so
// text has the same size relative to the picture at any pixel count for a given dpi (matplotlib's figsize x dpi).
// The dpi is also written into the PNG. PDF is one page of width x height points (1/72 inch). SVG is width x height
// user units (CSS pixels) with viewBox "0 0 width height".
//
// Every exported plot carries a title (the view's own, or ExportOptions::title) and its axis labels.

#include <QSize>
#include <QString>

class QIODevice;
class QWidget;

namespace rnnscope::widgets {

enum class ExportFormat { Unknown, Png, Pdf, Svg };

// "png", ".PDF", "fig.svg", "/out/fig.png" -> the format; Unknown for anything else.
ExportFormat formatFromSuffix(const QString& suffixOrPath);
QString suffixFor(ExportFormat format); // "png", "pdf", "svg"; "" for Unknown

struct ExportOptions
{
    ExportFormat format = ExportFormat::Png;
    QSize size {1200, 700}; // PNG and SVG: pixels; PDF: points. Each side 16..10000.
    int dpi = 96; // PNG only, 24..1200
    QString title; // replaces the view's title when not empty; heads widget exports
    // False leaves out the step cursor and the "not yet computed" overlay: a figure of a whole run, not of where
    // the debugger stands.
    bool showCursor = true;
};

// Limits checked by exportView.
constexpr int kMinExportSide = 16;
constexpr int kMaxExportSide = 10000;
constexpr int kMinExportDpi = 24;
constexpr int kMaxExportDpi = 1200;

// Draws `view` into `device` (open for writing). Returns false with a one-line reason in *error when the options
// are out of range or the device refuses the data; writes nothing else anywhere.
bool exportView(QWidget* view, QIODevice* device, const ExportOptions& options, QString* error = nullptr);

} // namespace rnnscope::widgets
