// Exporting views as pictures: every view (the plots through QCustomPlot's painter, the table, tree and mask strip
// through QWidget::render, and plot views that show an engine error) in every format. PNG must decode at the
// requested size and not be blank; PDF must be a complete document; SVG must be valid, of the requested size, and
// carry the view's title and an axis label as text.

#include <QBuffer>
#include <QDir>
#include <QImage>
#include <QSvgRenderer>
#include <QTest>

#include "tests/widgets/run_fixtures.h"
#include "widgets/health_view.h"
#include "widgets/heatmap_view.h"
#include "widgets/inspector_view.h"
#include "widgets/mask_strip.h"
#include "widgets/output_view.h"
#include "widgets/plot_export.h"
#include "widgets/sample_unit_view.h"
#include "widgets/unit_traces_view.h"

using namespace rnnscope;
using namespace rnnscope::widgets;

namespace {

enum class ViewKind { Heatmap, Traces, Samples, Output, Inspector, Health, Mask };

std::unique_ptr<QWidget> makeView(ViewKind kind, ViewContext* context)
{
    switch (kind) {
    case ViewKind::Heatmap:
        return std::make_unique<HeatmapView>(context);
    case ViewKind::Traces:
        return std::make_unique<UnitTracesView>(context);
    case ViewKind::Samples:
        return std::make_unique<SampleUnitView>(context);
    case ViewKind::Output:
        return std::make_unique<OutputView>(context);
    case ViewKind::Inspector:
        return std::make_unique<InspectorView>(context);
    case ViewKind::Health:
        return std::make_unique<HealthView>(context);
    case ViewKind::Mask:
        return std::make_unique<MaskStrip>(context);
    }
    return nullptr;
}

// Distinct colours in a sample of pixels: a blank or single-colour picture has one or two.
int distinctColours(const QImage& image)
{
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3) {
            colours.insert(image.pixel(x, y));
        }
    }
    return static_cast<int>(colours.size());
}

QByteArray exportToBytes(QWidget& view, const ExportOptions& options, QString* error = nullptr)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    if (!exportView(&view, &buffer, options, error)) {
        return {};
    }
    return buffer.data();
}

} // namespace

class TestPlotExport : public QObject
{
    Q_OBJECT

private slots:
    void formats_data();
    void formats();
    void viewsInEveryFormat_data();
    void viewsInEveryFormat();
    void titleOverrideIsTemporary();
    void outputTitleRowIsTemporary();
    void cursorCanBeLeftOut_data();
    void cursorCanBeLeftOut();
    void pngSizeAndDpi_data();
    void pngSizeAndDpi();
    void refusesBadOptions_data();
    void refusesBadOptions();
};

void TestPlotExport::formats_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("format");
    QTest::newRow("png") << QStringLiteral("png") << int(ExportFormat::Png);
    QTest::newRow(".PDF") << QStringLiteral(".PDF") << int(ExportFormat::Pdf);
    QTest::newRow("path.svg") << QStringLiteral("/tmp/out/fig.svg") << int(ExportFormat::Svg);
    QTest::newRow("dotted dir") << QStringLiteral("/tmp/a.b/fig.Png") << int(ExportFormat::Png);
    QTest::newRow("jpg") << QStringLiteral("fig.jpg") << int(ExportFormat::Unknown);
    QTest::newRow("none") << QStringLiteral("figure") << int(ExportFormat::Unknown);
    QTest::newRow("empty") << QString() << int(ExportFormat::Unknown);
}

void TestPlotExport::formats()
{
    QFETCH(QString, text);
    QFETCH(int, format);
    QCOMPARE(int(formatFromSuffix(text)), format);
    if (format != int(ExportFormat::Unknown)) {
        QCOMPARE(int(formatFromSuffix(suffixFor(static_cast<ExportFormat>(format)))), format);
    }
}

void TestPlotExport::viewsInEveryFormat_data()
{
    QTest::addColumn<int>("view");
    QTest::addColumn<bool>("failedRun");
    QTest::addColumn<QString>("title"); // given to the export; empty = the view's own
    QTest::addColumn<QString>("titleText"); // must appear in the SVG
    QTest::addColumn<QString>("otherText"); // an axis label (plots) or a piece of content (widgets)
    QTest::addColumn<int>("format");

    struct Row
    {
        const char* name;
        ViewKind view;
        bool failedRun;
        const char* title;
        const char* titleText;
        const char* otherText;
    };
    const Row rows[] = {
        {"heatmap", ViewKind::Heatmap, false, "", "lstm / h (hidden state), sample 0", "step (processing order)"},
        {"traces", ViewKind::Traces, false, "", "lstm / h (hidden state), sample 0", "step (processing order)"},
        {"samples", ViewKind::Samples, false, "", "unit 0 of lstm / h (hidden state)", "sample"},
        {"output", ViewKind::Output, false, "", "output lstm, sample 0", "timestep"},
        {"inspector", ViewKind::Inspector, false, "Inspector", "Inspector", "lstm"},
        {"health", ViewKind::Health, false, "Health", "Health", "lstm"},
        {"mask", ViewKind::Mask, false, "Mask", "Mask", "masked"},
        {"heatmap error", ViewKind::Heatmap, true, "Heatmap", "Heatmap", "expected 4 features"},
        {"output error", ViewKind::Output, true, "Output", "Output", "expected 4 features"},
    };
    for (const Row& r : rows) {
        for (ExportFormat f : {ExportFormat::Png, ExportFormat::Pdf, ExportFormat::Svg}) {
            QTest::addRow("%s %s", r.name, qPrintable(suffixFor(f)))
                << int(r.view) << r.failedRun << QString::fromUtf8(r.title) << QString::fromUtf8(r.titleText)
                << QString::fromUtf8(r.otherText) << int(f);
        }
    }
}

void TestPlotExport::viewsInEveryFormat()
{
    QFETCH(int, view);
    QFETCH(bool, failedRun);
    QFETCH(QString, title);
    QFETCH(QString, titleText);
    QFETCH(QString, otherText);
    QFETCH(int, format);

    ViewContext context;
    context.setSnapshot(failedRun ? testing::errorSnapshot() : testing::screenshotSnapshot());
    context.setStep(context.steps() - 1);
    const auto widget = makeView(static_cast<ViewKind>(view), &context);

    ExportOptions options;
    options.format = static_cast<ExportFormat>(format);
    options.size = QSize(900, 520);
    options.dpi = 120;
    options.title = title;
    QString error;
    const QByteArray bytes = exportToBytes(*widget, options, &error);
    QVERIFY2(!bytes.isEmpty(), qPrintable(error));

    switch (options.format) {
    case ExportFormat::Png: {
        const QImage image = QImage::fromData(bytes, "PNG");
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), options.size);
        QVERIFY2(distinctColours(image) > 8, "the picture is (nearly) one colour");
        // For a human to look at (not compared), as run_fixtures.h's grab() does.
        image.save(QDir::temp().filePath(QStringLiteral("rnnscope_export_%1.png")
                                             .arg(QString::fromLatin1(QTest::currentDataTag()).replace(' ', '_'))));
        break;
    }
    case ExportFormat::Pdf:
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY(bytes.contains("%%EOF"));
        QVERIFY2(bytes.size() > 1024, qPrintable(QString::number(bytes.size())));
        break;
    case ExportFormat::Svg: {
        QSvgRenderer renderer(bytes);
        QVERIFY(renderer.isValid());
        QCOMPARE(renderer.viewBox(), QRect(0, 0, 900, 520));
        const QString text = QString::fromUtf8(bytes);
        QVERIFY2(text.contains(titleText.toHtmlEscaped()), qPrintable(titleText));
        QVERIFY2(text.contains(otherText.toHtmlEscaped()), qPrintable(otherText));
        break;
    }
    case ExportFormat::Unknown:
        QFAIL("no format");
    }
}

void TestPlotExport::titleOverrideIsTemporary()
{
    ViewContext context;
    context.setSnapshot(testing::screenshotSnapshot());
    HeatmapView view(&context);
    auto* title = qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->element(0, 0));
    QVERIFY(title != nullptr);
    const QString before = title->text();
    QVERIFY(!before.isEmpty());

    ExportOptions options;
    options.format = ExportFormat::Svg;
    options.title = QStringLiteral("Figure 3: hidden state");
    const QString svg = QString::fromUtf8(exportToBytes(view, options));
    QVERIFY(svg.contains(QStringLiteral("Figure 3: hidden state")));
    QVERIFY(!svg.contains(before));
    QCOMPARE(title->text(), before);
    // The colour scale's label is exported too.
    QVERIFY(svg.contains(QStringLiteral("h (hidden state)")));
}

void TestPlotExport::outputTitleRowIsTemporary()
{
    ViewContext context;
    context.setSnapshot(testing::lstmSnapshot());
    OutputView view(&context);
    const int rows = view.plot()->plotLayout()->rowCount();
    const int elements = view.plot()->plotLayout()->elementCount();
    ExportOptions options;
    options.format = ExportFormat::Svg;
    const QString svg = QString::fromUtf8(exportToBytes(view, options));
    QVERIFY(svg.contains(QStringLiteral("output lstm, sample 0")));
    QCOMPARE(view.plot()->plotLayout()->rowCount(), rows);
    QCOMPARE(view.plot()->plotLayout()->elementCount(), elements);
}

void TestPlotExport::cursorCanBeLeftOut_data()
{
    QTest::addColumn<int>("view");
    QTest::newRow("heatmap") << int(ViewKind::Heatmap);
    QTest::newRow("traces") << int(ViewKind::Traces);
    QTest::newRow("output") << int(ViewKind::Output);
}

void TestPlotExport::cursorCanBeLeftOut()
{
    QFETCH(int, view);
    ViewContext context;
    context.setSnapshot(testing::screenshotSnapshot());
    const auto widget = makeView(static_cast<ViewKind>(view), &context);
    ExportOptions options;
    options.size = QSize(500, 300);
    const auto picture = [&](Index step, bool cursor) {
        context.setStep(step);
        options.showCursor = cursor;
        return QImage::fromData(exportToBytes(*widget, options), "PNG");
    };
    // Without the cursor, where the debugger stands makes no difference to the picture; with it, it does.
    const QImage early = picture(5, false);
    QVERIFY(!early.isNull());
    QCOMPARE(picture(context.steps() - 1, false), early);
    QVERIFY(picture(5, true) != early);
    // The cursor is back on screen afterwards.
    if (auto* steps = qobject_cast<StepPlotView*>(widget.get())) {
        QCOMPARE(steps->cursorPosition(), 5.0);
    }
}

void TestPlotExport::pngSizeAndDpi_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<int>("dpi");
    QTest::newRow("1200x700 @150") << QSize(1200, 700) << 150;
    QTest::newRow("640x480 @96") << QSize(640, 480) << 96;
    QTest::newRow("2000x300 @300") << QSize(2000, 300) << 300;
    QTest::newRow("small @72") << QSize(120, 90) << 72;
}

void TestPlotExport::pngSizeAndDpi()
{
    QFETCH(QSize, size);
    QFETCH(int, dpi);
    ViewContext context;
    context.setSnapshot(testing::screenshotSnapshot());
    context.setStep(context.steps() - 1);
    HeatmapView view(&context);
    ExportOptions options;
    options.size = size;
    options.dpi = dpi;
    const QImage image = QImage::fromData(exportToBytes(view, options), "PNG");
    QCOMPARE(image.size(), size);
    QVERIFY(std::abs(image.dotsPerMeterX() - dpi / 0.0254) < 1.0);
    QVERIFY(distinctColours(image) > 8);
}

void TestPlotExport::refusesBadOptions_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<int>("dpi");
    QTest::addColumn<int>("format");
    QTest::addColumn<QString>("expected");
    QTest::newRow("zero width") << QSize(0, 100) << 96 << int(ExportFormat::Png) << QStringLiteral("size 0 x 100");
    QTest::newRow("huge") << QSize(50000, 100) << 96 << int(ExportFormat::Svg) << QStringLiteral("size 50000 x 100");
    QTest::newRow("dpi") << QSize(100, 100) << 5000 << int(ExportFormat::Png) << QStringLiteral("dpi 5000");
    QTest::newRow("format") << QSize(100, 100) << 96 << int(ExportFormat::Unknown) << QStringLiteral("format");
}

void TestPlotExport::refusesBadOptions()
{
    QFETCH(QSize, size);
    QFETCH(int, dpi);
    QFETCH(int, format);
    QFETCH(QString, expected);
    ViewContext context;
    context.setSnapshot(testing::lstmSnapshot());
    HeatmapView view(&context);
    ExportOptions options;
    options.size = size;
    options.dpi = dpi;
    options.format = static_cast<ExportFormat>(format);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QString error;
    QVERIFY(!exportView(&view, &buffer, options, &error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QCOMPARE(buffer.size(), qint64 {0});
}

QTEST_MAIN(TestPlotExport)
#include "tst_plot_export.moc"
