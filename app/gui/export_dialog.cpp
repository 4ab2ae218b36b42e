#include "export_dialog.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

namespace rnnscope::app {

namespace {

QDialogButtonBox* okCancel(QDialog* dialog)
{
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    return buttons;
}

QSpinBox* spinBox(QWidget* parent, int low, int high, const QString& suffix)
{
    auto* s = new QSpinBox(parent);
    s->setRange(low, high);
    s->setSuffix(suffix);
    s->setAccelerated(true);
    return s;
}

void selectData(QComboBox* box, int value)
{
    const int index = box->findData(value);
    if (index >= 0) {
        box->setCurrentIndex(index);
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------------
// Pictures

PictureExportDialog::PictureExportDialog(QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Export Picture"));
    auto* form = new QFormLayout(this);

    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("format"));
    m_format->addItem(tr("PNG image"), static_cast<int>(widgets::ExportFormat::Png));
    m_format->addItem(tr("PDF document (vector)"), static_cast<int>(widgets::ExportFormat::Pdf));
    m_format->addItem(tr("SVG drawing (vector)"), static_cast<int>(widgets::ExportFormat::Svg));
    form->addRow(tr("&Format:"), m_format);

    m_width = spinBox(this, widgets::kMinExportSide, widgets::kMaxExportSide, QString());
    m_width->setObjectName(QStringLiteral("width"));
    m_height = spinBox(this, widgets::kMinExportSide, widgets::kMaxExportSide, QString());
    m_height->setObjectName(QStringLiteral("height"));
    m_sizeUnit = new QLabel(this);
    auto* size = new QHBoxLayout;
    size->addWidget(m_width);
    size->addWidget(new QLabel(QStringLiteral("×"), this));
    size->addWidget(m_height);
    size->addWidget(m_sizeUnit);
    size->addStretch(1);
    form->addRow(tr("&Size:"), size);

    m_dpi = spinBox(this, widgets::kMinExportDpi, widgets::kMaxExportDpi, tr(" dpi"));
    m_dpi->setObjectName(QStringLiteral("dpi"));
    m_dpi->setToolTip(tr("PNG only: the resolution text and lines are drawn for. PDF and SVG are vector drawings."));
    form->addRow(tr("&Resolution:"), m_dpi);

    m_thisView = new QRadioButton(tr("&This view"), this);
    m_thisView->setObjectName(QStringLiteral("thisView"));
    m_allViews = new QRadioButton(tr("&All views, one file each, into a folder"), this);
    m_allViews->setObjectName(QStringLiteral("allViews"));
    auto* which = new QButtonGroup(this);
    which->addButton(m_thisView);
    which->addButton(m_allViews);
    auto* views = new QVBoxLayout;
    views->addWidget(m_thisView);
    views->addWidget(m_allViews);
    form->addRow(tr("Export:"), views);
    form->addRow(okCancel(this));

    connect(m_format, &QComboBox::currentIndexChanged, this, &PictureExportDialog::updateEnabled);
    setChoice({});
}

PictureExportChoice PictureExportDialog::choice() const
{
    PictureExportChoice c;
    c.format = static_cast<widgets::ExportFormat>(m_format->currentData().toInt());
    c.size = QSize(m_width->value(), m_height->value());
    c.dpi = m_dpi->value();
    c.allViews = m_allViews->isChecked();
    return c;
}

void PictureExportDialog::setChoice(const PictureExportChoice& choice)
{
    selectData(m_format, static_cast<int>(choice.format));
    m_width->setValue(choice.size.width());
    m_height->setValue(choice.size.height());
    m_dpi->setValue(choice.dpi);
    (choice.allViews ? m_allViews : m_thisView)->setChecked(true);
    updateEnabled();
}

void PictureExportDialog::setCurrentViewName(const QString& name)
{
    m_thisView->setText(name.isEmpty() ? tr("&This view") : tr("&This view (%1)").arg(name));
}

void PictureExportDialog::updateEnabled()
{
    const bool png = choice().format == widgets::ExportFormat::Png;
    m_dpi->setEnabled(png);
    m_sizeUnit->setText(choice().format == widgets::ExportFormat::Pdf ? tr("points") : tr("pixels"));
}

// ---------------------------------------------------------------------------------------------------
// Traces

std::optional<std::vector<Index>> parseSampleList(const QString& text, Index batch)
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    static const QRegularExpression item(QStringLiteral("^(\\d+)(?:\\s*-\\s*(\\d+))?$"));
    // Ranges may be written "5 - 7": join them first so the separator split keeps them whole.
    QString joined = text;
    joined.replace(QRegularExpression(QStringLiteral("\\s*-\\s*")), QStringLiteral("-"));
    const QStringList parts = joined.split(separators, Qt::SkipEmptyParts);
    if (parts.isEmpty()) {
        return std::nullopt;
    }
    std::vector<Index> samples;
    for (const QString& part : parts) {
        const auto match = item.match(part);
        if (!match.hasMatch()) {
            return std::nullopt;
        }
        bool ok = false;
        const qlonglong low = match.captured(1).toLongLong(&ok);
        const qlonglong high = match.captured(2).isEmpty() ? low : match.captured(2).toLongLong(&ok);
        if (!ok || high < low || high >= batch) {
            return std::nullopt;
        }
        for (qlonglong b = low; b <= high; ++b) {
            if (std::find(samples.begin(), samples.end(), b) != samples.end()) {
                return std::nullopt;
            }
            samples.push_back(b);
        }
    }
    return samples;
}

TraceExportDialog::TraceExportDialog(QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Export Trace"));
    auto* form = new QFormLayout(this);

    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("format"));
    m_format->addItem(tr("HDF5 trace file (.h5)"), static_cast<int>(TraceExportFormat::Hdf5));
    m_format->addItem(tr("CSV, one file per layer and quantity (folder)"), static_cast<int>(TraceExportFormat::Csv));
    m_format->addItem(tr("NPY, one file per dataset (folder)"), static_cast<int>(TraceExportFormat::Npy));
    form->addRow(tr("&Format:"), m_format);

    m_allSteps = new QRadioButton(tr("All steps"), this);
    m_allSteps->setObjectName(QStringLiteral("allSteps"));
    m_visibleSteps = new QRadioButton(tr("Visible steps"), this);
    m_visibleSteps->setObjectName(QStringLiteral("visibleSteps"));
    auto* stepGroup = new QButtonGroup(this);
    stepGroup->addButton(m_allSteps);
    stepGroup->addButton(m_visibleSteps);
    auto* steps = new QVBoxLayout;
    steps->addWidget(m_allSteps);
    steps->addWidget(m_visibleSteps);
    form->addRow(tr("Steps:"), steps);

    m_allSamples = new QRadioButton(tr("All samples"), this);
    m_allSamples->setObjectName(QStringLiteral("allSamples"));
    m_currentSample = new QRadioButton(tr("Current sample"), this);
    m_currentSample->setObjectName(QStringLiteral("currentSample"));
    m_chosenSamples = new QRadioButton(tr("These samples:"), this);
    m_chosenSamples->setObjectName(QStringLiteral("chosenSamples"));
    m_sampleList = new QLineEdit(this);
    m_sampleList->setObjectName(QStringLiteral("sampleList"));
    m_sampleList->setPlaceholderText(tr("e.g. 0, 2, 5-7"));
    m_sampleProblem = new QLabel(this);
    m_sampleProblem->setObjectName(QStringLiteral("sampleProblem"));
    auto* sampleGroup = new QButtonGroup(this);
    sampleGroup->addButton(m_allSamples);
    sampleGroup->addButton(m_currentSample);
    sampleGroup->addButton(m_chosenSamples);
    auto* chosen = new QHBoxLayout;
    chosen->addWidget(m_chosenSamples);
    chosen->addWidget(m_sampleList, 1);
    auto* samples = new QVBoxLayout;
    samples->addWidget(m_allSamples);
    samples->addWidget(m_currentSample);
    samples->addLayout(chosen);
    samples->addWidget(m_sampleProblem);
    form->addRow(tr("Samples:"), samples);

    m_buttons = okCancel(this);
    form->addRow(m_buttons);

    connect(sampleGroup, &QButtonGroup::buttonToggled, this, &TraceExportDialog::updateState);
    connect(m_sampleList, &QLineEdit::textChanged, this, [this] {
        if (!m_sampleList->text().isEmpty()) {
            m_chosenSamples->setChecked(true);
        }
        updateState();
    });
    setRun(1, 0, 0, 0);
    setChoice({});
}

void TraceExportDialog::setRun(Index batch, Index currentSample, Index firstVisibleStep, Index lastVisibleStep)
{
    m_batch = batch;
    m_sample = currentSample;
    m_allSamples->setText(tr("All samples (%1)").arg(batch));
    m_currentSample->setText(tr("Current sample (%1)").arg(currentSample));
    m_visibleSteps->setText(tr("Visible steps (%1 to %2)").arg(firstVisibleStep).arg(lastVisibleStep));
    updateState();
}

TraceExportChoice TraceExportDialog::choice() const
{
    TraceExportChoice c;
    c.format = static_cast<TraceExportFormat>(m_format->currentData().toInt());
    c.steps = m_visibleSteps->isChecked() ? TraceStepRange::Visible : TraceStepRange::All;
    if (m_currentSample->isChecked()) {
        c.samples = TraceSamples::Current;
        c.chosenSamples = {m_sample};
    } else if (m_chosenSamples->isChecked()) {
        c.samples = TraceSamples::Chosen;
        c.chosenSamples = parseSampleList(m_sampleList->text(), m_batch).value_or(std::vector<Index> {});
    }
    return c;
}

void TraceExportDialog::setChoice(const TraceExportChoice& choice)
{
    selectData(m_format, static_cast<int>(choice.format));
    (choice.steps == TraceStepRange::Visible ? m_visibleSteps : m_allSteps)->setChecked(true);
    if (choice.samples == TraceSamples::Chosen) {
        QStringList numbers;
        for (const Index b : choice.chosenSamples) {
            numbers << QString::number(b);
        }
        m_sampleList->setText(numbers.join(QStringLiteral(", ")));
    }
    switch (choice.samples) {
    case TraceSamples::All:
        m_allSamples->setChecked(true);
        break;
    case TraceSamples::Current:
        m_currentSample->setChecked(true);
        break;
    case TraceSamples::Chosen:
        m_chosenSamples->setChecked(true);
        break;
    }
    updateState();
}

bool TraceExportDialog::isChoiceValid() const
{
    return !m_chosenSamples->isChecked() || parseSampleList(m_sampleList->text(), m_batch).has_value();
}

void TraceExportDialog::updateState()
{
    const bool valid = isChoiceValid();
    m_sampleProblem->setText(valid
            ? QString()
            : tr("Give sample numbers from 0 to %1, separated by commas; a-b for a range.").arg(m_batch - 1));
    m_sampleProblem->setVisible(!valid);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(valid);
}

} // namespace rnnscope::app
