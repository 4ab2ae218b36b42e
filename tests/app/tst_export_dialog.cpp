// The Export dialogs: what the user sets in the widgets is what choice() returns, setChoice() shows a choice in the
// widgets, and the chosen-samples list is parsed and checked (OK is disabled while it is wrong).

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTest>

#include "export_dialog.h"

using namespace rnnscope;
using namespace rnnscope::app;

namespace {

template <typename T> T* child(QWidget& parent, const char* name)
{
    auto* w = parent.findChild<T*>(QString::fromLatin1(name));
    if (w == nullptr) {
        qFatal("no child %s", name);
    }
    return w;
}

void selectFormat(QComboBox* box, int value)
{
    box->setCurrentIndex(box->findData(value));
}

QPushButton* okButton(QDialog& dialog)
{
    return dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
}

} // namespace

class TestExportDialog : public QObject
{
    Q_OBJECT

private slots:
    void pictureWidgetsMapToChoice_data();
    void pictureWidgetsMapToChoice();
    void pictureSetChoiceShowsIt();
    void sampleLists_data();
    void sampleLists();
    void traceWidgetsMapToChoice_data();
    void traceWidgetsMapToChoice();
    void traceSetChoiceShowsIt();
};

void TestExportDialog::pictureWidgetsMapToChoice_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<QSize>("size");
    QTest::addColumn<int>("dpi");
    QTest::addColumn<bool>("allViews");
    QTest::addColumn<bool>("dpiEnabled");
    QTest::newRow("png this view") << int(widgets::ExportFormat::Png) << QSize(1600, 900) << 300 << false << true;
    QTest::newRow("pdf all views") << int(widgets::ExportFormat::Pdf) << QSize(600, 400) << 150 << true << false;
    QTest::newRow("svg this view") << int(widgets::ExportFormat::Svg) << QSize(800, 800) << 96 << false << false;
}

void TestExportDialog::pictureWidgetsMapToChoice()
{
    QFETCH(int, format);
    QFETCH(QSize, size);
    QFETCH(int, dpi);
    QFETCH(bool, allViews);
    QFETCH(bool, dpiEnabled);
    PictureExportDialog dialog;
    // What a new dialog offers.
    QCOMPARE(int(dialog.choice().format), int(widgets::ExportFormat::Png));
    QCOMPARE(dialog.choice().size, QSize(1200, 700));
    QVERIFY(!dialog.choice().allViews);

    selectFormat(child<QComboBox>(dialog, "format"), format);
    child<QSpinBox>(dialog, "width")->setValue(size.width());
    child<QSpinBox>(dialog, "height")->setValue(size.height());
    child<QSpinBox>(dialog, "dpi")->setValue(dpi);
    child<QRadioButton>(dialog, allViews ? "allViews" : "thisView")->setChecked(true);
    const PictureExportChoice c = dialog.choice();
    QCOMPARE(int(c.format), format);
    QCOMPARE(c.size, size);
    QCOMPARE(c.dpi, dpi);
    QCOMPARE(c.allViews, allViews);
    QCOMPARE(child<QSpinBox>(dialog, "dpi")->isEnabled(), dpiEnabled);
}

void TestExportDialog::pictureSetChoiceShowsIt()
{
    PictureExportDialog dialog;
    dialog.setCurrentViewName(QStringLiteral("Heatmap"));
    QVERIFY(child<QRadioButton>(dialog, "thisView")->text().contains(QStringLiteral("Heatmap")));
    PictureExportChoice c;
    c.format = widgets::ExportFormat::Svg;
    c.size = QSize(333, 222);
    c.dpi = 72;
    c.allViews = true;
    dialog.setChoice(c);
    QCOMPARE(child<QComboBox>(dialog, "format")->currentData().toInt(), int(widgets::ExportFormat::Svg));
    QCOMPARE(child<QSpinBox>(dialog, "width")->value(), 333);
    QCOMPARE(child<QSpinBox>(dialog, "height")->value(), 222);
    QVERIFY(child<QRadioButton>(dialog, "allViews")->isChecked());
    const PictureExportChoice back = dialog.choice();
    QCOMPARE(int(back.format), int(c.format));
    QCOMPARE(back.size, c.size);
    QCOMPARE(back.dpi, c.dpi);
    QCOMPARE(back.allViews, c.allViews);
    // Sizes outside what exportView accepts cannot be entered.
    child<QSpinBox>(dialog, "width")->setValue(100000);
    QCOMPARE(dialog.choice().size.width(), widgets::kMaxExportSide);
}

void TestExportDialog::sampleLists_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QList<qint64>>("samples");
    QTest::newRow("one") << QStringLiteral("3") << true << QList<qint64> {3};
    QTest::newRow("list and range") << QStringLiteral("0, 2, 5-7") << true << QList<qint64> {0, 2, 5, 6, 7};
    QTest::newRow("spaces") << QStringLiteral(" 7 1  4 - 5 ") << true << QList<qint64> {7, 1, 4, 5};
    QTest::newRow("empty") << QString() << false << QList<qint64> {};
    QTest::newRow("outside") << QStringLiteral("0, 8") << false << QList<qint64> {};
    QTest::newRow("repeat") << QStringLiteral("1, 0-2") << false << QList<qint64> {};
    QTest::newRow("backwards range") << QStringLiteral("5-3") << false << QList<qint64> {};
    QTest::newRow("words") << QStringLiteral("first") << false << QList<qint64> {};
    QTest::newRow("negative") << QStringLiteral("-1") << false << QList<qint64> {};
}

void TestExportDialog::sampleLists()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(QList<qint64>, samples);
    const auto parsed = parseSampleList(text, 8);
    QCOMPARE(parsed.has_value(), valid);
    if (valid) {
        QCOMPARE(QList<qint64>(parsed->begin(), parsed->end()), samples);
    }
}

void TestExportDialog::traceWidgetsMapToChoice_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<bool>("visible");
    QTest::addColumn<QString>("samplesButton");
    QTest::addColumn<QString>("list");
    QTest::addColumn<int>("samples");
    QTest::addColumn<QList<qint64>>("chosen");
    QTest::addColumn<bool>("valid");
    QTest::newRow("hdf5 all all") << int(TraceExportFormat::Hdf5) << false << QStringLiteral("allSamples") << QString()
                                  << int(TraceSamples::All) << QList<qint64> {} << true;
    QTest::newRow("csv visible current") << int(TraceExportFormat::Csv) << true << QStringLiteral("currentSample")
                                         << QString() << int(TraceSamples::Current) << QList<qint64> {2} << true;
    QTest::newRow("npy chosen") << int(TraceExportFormat::Npy) << true << QStringLiteral("chosenSamples")
                                << QStringLiteral("4, 0-1") << int(TraceSamples::Chosen) << QList<qint64> {4, 0, 1}
                                << true;
    QTest::newRow("chosen, bad list") << int(TraceExportFormat::Hdf5) << false << QStringLiteral("chosenSamples")
                                      << QStringLiteral("9") << int(TraceSamples::Chosen) << QList<qint64> {} << false;
}

void TestExportDialog::traceWidgetsMapToChoice()
{
    QFETCH(int, format);
    QFETCH(bool, visible);
    QFETCH(QString, samplesButton);
    QFETCH(QString, list);
    QFETCH(int, samples);
    QFETCH(QList<qint64>, chosen);
    QFETCH(bool, valid);
    TraceExportDialog dialog;
    dialog.setRun(6, 2, 10, 25);
    QVERIFY(child<QRadioButton>(dialog, "visibleSteps")->text().contains(QStringLiteral("10 to 25")));
    QCOMPARE(int(dialog.choice().format), int(TraceExportFormat::Hdf5));
    QCOMPARE(int(dialog.choice().samples), int(TraceSamples::All));

    selectFormat(child<QComboBox>(dialog, "format"), format);
    child<QRadioButton>(dialog, visible ? "visibleSteps" : "allSteps")->setChecked(true);
    child<QLineEdit>(dialog, "sampleList")->setText(list);
    child<QRadioButton>(dialog, qPrintable(samplesButton))->setChecked(true);
    const TraceExportChoice c = dialog.choice();
    QCOMPARE(int(c.format), format);
    QCOMPARE(int(c.steps), int(visible ? TraceStepRange::Visible : TraceStepRange::All));
    QCOMPARE(int(c.samples), samples);
    QCOMPARE(QList<qint64>(c.chosenSamples.begin(), c.chosenSamples.end()), chosen);
    QCOMPARE(dialog.isChoiceValid(), valid);
    QCOMPARE(okButton(dialog)->isEnabled(), valid);
}

void TestExportDialog::traceSetChoiceShowsIt()
{
    TraceExportDialog dialog;
    dialog.setRun(10, 0, 0, 31);
    TraceExportChoice c;
    c.format = TraceExportFormat::Csv;
    c.steps = TraceStepRange::Visible;
    c.samples = TraceSamples::Chosen;
    c.chosenSamples = {3, 1};
    dialog.setChoice(c);
    QCOMPARE(child<QLineEdit>(dialog, "sampleList")->text(), QStringLiteral("3, 1"));
    QVERIFY(child<QRadioButton>(dialog, "chosenSamples")->isChecked());
    const TraceExportChoice back = dialog.choice();
    QCOMPARE(int(back.format), int(c.format));
    QCOMPARE(int(back.steps), int(c.steps));
    QCOMPARE(int(back.samples), int(c.samples));
    QVERIFY(back.chosenSamples == c.chosenSamples);
    // Typing a list picks "these samples".
    child<QRadioButton>(dialog, "allSamples")->setChecked(true);
    child<QLineEdit>(dialog, "sampleList")->setText(QStringLiteral("5"));
    QVERIFY(child<QRadioButton>(dialog, "chosenSamples")->isChecked());
}

QTEST_MAIN(TestExportDialog)
#include "tst_export_dialog.moc"
