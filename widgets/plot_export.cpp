#include "plot_export.h"

#include <cmath>

#include <QBuffer>
#include <QImage>
#include <QLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include "output_view.h"
#include "plot_style.h"

namespace rnnscope::widgets {

namespace {

// The resolution text and layout are measured at: QCustomPlot computes its margins from the screen's font metrics
// (96 dpi offscreen and on most desktops), so every target paints at 96 dpi and scales instead.
constexpr double kLayoutDpi = 96.0;
constexpr double kPointsPerInch = 72.0;

void setError(QString* error, const QString& text)
{
    if (error != nullptr) {
        *error = text;
    }
}

// The plot to redraw through QCustomPlot, or nullptr when the view is drawn as a widget (no plot, or a message
// shown in its place).
QCustomPlot* plotOf(QWidget* view)
{
    if (auto* plot = qobject_cast<QCustomPlot*>(view)) {
        return plot;
    }
    if (auto* steps = qobject_cast<StepPlotView*>(view)) {
        return steps->message().isEmpty() ? steps->plot() : nullptr;
    }
    if (auto* output = qobject_cast<OutputView*>(view)) {
        return output->message().isEmpty() && output->plot()->isVisibleTo(output) ? output->plot() : nullptr;
    }
    return nullptr;
}

QCPTextElement* titleElement(QCustomPlot* plot)
{
    const auto elements = plot->plotLayout()->elements(false);
    for (QCPLayoutElement* e : elements) {
        if (auto* text = qobject_cast<QCPTextElement*>(e)) {
            return text;
        }
    }
    return nullptr;
}

// Gives the plot the export's title for as long as it lives: the title element's text is swapped, or, for a plot
// without one (OutputView), a title row is added on top and removed again.
class ExportTitle
{
public:
    ExportTitle(QWidget* view, QCustomPlot* plot, const QString& title)
        : m_plot(plot)
    {
        m_element = titleElement(plot);
        if (m_element != nullptr) {
            if (!title.isEmpty()) {
                m_previous = m_element->text();
                m_element->setText(title);
                m_swapped = true;
            }
            return;
        }
        QString text = title;
        if (auto* output = qobject_cast<OutputView*>(view); text.isEmpty() && output != nullptr) {
            text = output->title();
        }
        if (text.isEmpty()) {
            return;
        }
        QFont font = plot->font();
        font.setPointSize(font.pointSize() + 1);
        font.setBold(true);
        plot->plotLayout()->insertRow(0);
        m_element = new QCPTextElement(plot, text, font);
        m_element->setTextColor(plot->palette().color(QPalette::WindowText));
        plot->plotLayout()->addElement(0, 0, m_element);
        m_added = true;
    }
    ~ExportTitle()
    {
        if (m_swapped) {
            m_element->setText(m_previous);
        }
        if (m_added) {
            m_plot->plotLayout()->remove(m_element);
            m_plot->plotLayout()->simplify();
        }
    }
    ExportTitle(const ExportTitle&) = delete;
    ExportTitle& operator=(const ExportTitle&) = delete;

private:
    QCustomPlot* m_plot;
    QCPTextElement* m_element = nullptr;
    QString m_previous;
    bool m_swapped = false;
    bool m_added = false;
};

// Hides the plot's cursor items (plot_style.h names them) while it lives.
class HiddenCursor
{
public:
    explicit HiddenCursor(QCustomPlot* plot, bool hide)
    {
        for (int i = 0; hide && i < plot->itemCount(); ++i) {
            QCPAbstractItem* item = plot->item(i);
            const QString name = item->objectName();
            if (item->visible()
                && (name == QLatin1String(kCursorItemName) || name == QLatin1String(kNotComputedItemName))) {
                item->setVisible(false);
                m_hidden.push_back(item);
            }
        }
    }
    ~HiddenCursor()
    {
        for (QCPAbstractItem* item : std::as_const(m_hidden)) {
            item->setVisible(true);
        }
    }
    HiddenCursor(const HiddenCursor&) = delete;
    HiddenCursor& operator=(const HiddenCursor&) = delete;

private:
    QVector<QCPAbstractItem*> m_hidden;
};

void paintPlot(QWidget* view, QCustomPlot* plot, QCPPainter* painter, const QSize& logical, const ExportOptions& o)
{
    const ExportTitle exportTitle(view, plot, o.title);
    const HiddenCursor hiddenCursor(plot, !o.showCursor);
    plot->toPainter(painter, logical.width(), logical.height());
    // toPainter laid the plot out at the export's size; lay it out again for the screen.
    plot->replot(QCustomPlot::rpQueuedReplot);
}

// A widget through QWidget::render: a bold title line (when given), then the widget, fitted below it.
void paintWidget(QWidget* view, QPainter* painter, const QSize& logical, const QString& title)
{
    painter->fillRect(QRect(QPoint(0, 0), logical), view->palette().brush(QPalette::Window));
    int top = 0;
    if (!title.isEmpty()) {
        QFont font = view->font();
        font.setPointSize(font.pointSize() + 1);
        font.setBold(true);
        painter->setFont(font);
        painter->setPen(view->palette().color(QPalette::WindowText));
        const int band = QFontMetrics(font).height() * 2;
        painter->drawText(QRect(0, 0, logical.width(), band), Qt::AlignCenter, title);
        top = band;
    }
    const QSize area(logical.width(), std::max(1, logical.height() - top));
    if (!view->isVisible()) {
        // Off screen (the CLI, tests): lay the widget out at the picture's size.
        view->resize(area);
        if (QLayout* layout = view->layout()) {
            layout->activate();
        }
    }
    const double scale = std::min(static_cast<double>(area.width()) / std::max(1, view->width()),
        static_cast<double>(area.height()) / std::max(1, view->height()));
    painter->save();
    painter->translate((area.width() - view->width() * scale) / 2.0, top);
    painter->scale(scale, scale);
    view->render(painter, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    painter->restore();
}

void paintView(QWidget* view, QCPPainter* painter, const QSize& logical, const ExportOptions& o)
{
    if (QCustomPlot* plot = plotOf(view)) {
        paintPlot(view, plot, painter, logical, o);
    } else {
        paintWidget(view, painter, logical, o.title);
    }
}

bool exportPng(QWidget* view, QIODevice* device, const ExportOptions& o, QString* error)
{
    const double scale = o.dpi / kLayoutDpi;
    const QSize logical(
        static_cast<int>(std::lround(o.size.width() / scale)), static_cast<int>(std::lround(o.size.height() / scale)));
    QImage image(o.size, QImage::Format_ARGB32_Premultiplied);
    if (image.isNull()) {
        setError(
            error, QStringLiteral("not enough memory for a %1 x %2 image").arg(o.size.width()).arg(o.size.height()));
        return false;
    }
    image.fill(view->palette().color(QPalette::Window));
    {
        QCPPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        painter.scale(scale, scale);
        paintView(view, &painter, logical, o);
    }
    // Set after painting: fonts were measured at the layout resolution, the file tells viewers the real one.
    const int dotsPerMeter = static_cast<int>(std::lround(o.dpi / 0.0254));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    if (!image.save(device, "PNG")) {
        setError(error, QStringLiteral("cannot write the PNG image"));
        return false;
    }
    return true;
}

bool exportPdf(QWidget* view, QIODevice* device, const ExportOptions& o, QString* error)
{
    QPdfWriter writer(device);
    writer.setResolution(static_cast<int>(kLayoutDpi));
    writer.setCreator(QStringLiteral("RNNScope"));
    writer.setTitle(o.title);
    const QPageSize page(QSizeF(o.size), QPageSize::Point, QString(), QPageSize::ExactMatch);
    if (!writer.setPageLayout(QPageLayout(page, QPageLayout::Portrait, QMarginsF(0, 0, 0, 0)))) {
        setError(
            error, QStringLiteral("cannot make a PDF page of %1 x %2 points").arg(o.size.width()).arg(o.size.height()));
        return false;
    }
    // The page in layout pixels: width points * 96 / 72.
    const QSize logical(static_cast<int>(std::lround(o.size.width() * kLayoutDpi / kPointsPerInch)),
        static_cast<int>(std::lround(o.size.height() * kLayoutDpi / kPointsPerInch)));
    QCPPainter painter;
    if (!painter.begin(&writer)) {
        setError(error, QStringLiteral("cannot write the PDF document"));
        return false;
    }
    painter.setMode(QCPPainter::pmVectorized);
    paintView(view, &painter, logical, o);
    if (!painter.end()) {
        setError(error, QStringLiteral("cannot finish the PDF document"));
        return false;
    }
    return true;
}

bool exportSvg(QWidget* view, QIODevice* device, const ExportOptions& o, QString* error)
{
    QSvgGenerator generator;
    generator.setOutputDevice(device);
    generator.setSize(o.size);
    generator.setViewBox(QRect(QPoint(0, 0), o.size));
    generator.setResolution(static_cast<int>(kLayoutDpi));
    generator.setTitle(o.title);
    generator.setDescription(QStringLiteral("Exported by RNNScope"));
    QCPPainter painter;
    if (!painter.begin(&generator)) {
        setError(error, QStringLiteral("cannot write the SVG document"));
        return false;
    }
    painter.setMode(QCPPainter::pmVectorized);
    paintView(view, &painter, o.size, o);
    if (!painter.end()) {
        setError(error, QStringLiteral("cannot finish the SVG document"));
        return false;
    }
    return true;
}

} // namespace

ExportFormat formatFromSuffix(const QString& suffixOrPath)
{
    // Plain string work (no QFileInfo): the views never look at the file system.
    const qsizetype slash
        = std::max(suffixOrPath.lastIndexOf(QLatin1Char('/')), suffixOrPath.lastIndexOf(QLatin1Char('\\')));
    const QString name = suffixOrPath.mid(slash + 1);
    const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
    const QString suffix = (dot >= 0 ? name.mid(dot + 1) : name).toLower();
    if (suffix == QLatin1String("png")) {
        return ExportFormat::Png;
    }
    if (suffix == QLatin1String("pdf")) {
        return ExportFormat::Pdf;
    }
    if (suffix == QLatin1String("svg")) {
        return ExportFormat::Svg;
    }
    return ExportFormat::Unknown;
}

QString suffixFor(ExportFormat format)
{
    switch (format) {
    case ExportFormat::Png:
        return QStringLiteral("png");
    case ExportFormat::Pdf:
        return QStringLiteral("pdf");
    case ExportFormat::Svg:
        return QStringLiteral("svg");
    case ExportFormat::Unknown:
        break;
    }
    return {};
}

bool exportView(QWidget* view, QIODevice* device, const ExportOptions& options, QString* error)
{
    const auto sideOk = [](int side) { return side >= kMinExportSide && side <= kMaxExportSide; };
    if (view == nullptr || device == nullptr || !device->isWritable()) {
        setError(error, QStringLiteral("nothing to export, or nowhere to write it"));
        return false;
    }
    if (!sideOk(options.size.width()) || !sideOk(options.size.height())) {
        setError(error,
            QStringLiteral("size %1 x %2 is outside %3..%4")
                .arg(options.size.width())
                .arg(options.size.height())
                .arg(kMinExportSide)
                .arg(kMaxExportSide));
        return false;
    }
    if (options.format == ExportFormat::Png && (options.dpi < kMinExportDpi || options.dpi > kMaxExportDpi)) {
        setError(
            error, QStringLiteral("dpi %1 is outside %2..%3").arg(options.dpi).arg(kMinExportDpi).arg(kMaxExportDpi));
        return false;
    }
    switch (options.format) {
    case ExportFormat::Png:
        return exportPng(view, device, options, error);
    case ExportFormat::Pdf:
        return exportPdf(view, device, options, error);
    case ExportFormat::Svg:
        return exportSvg(view, device, options, error);
    case ExportFormat::Unknown:
        break;
    }
    setError(error, QStringLiteral("unknown picture format (expected PNG, PDF or SVG)"));
    return false;
}

} // namespace rnnscope::widgets
