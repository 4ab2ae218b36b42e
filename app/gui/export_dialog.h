#pragma once
// The two Export dialogs of the window: a picture of a view (PNG, PDF or SVG at a size and resolution; this view, or
// every view into a folder), and the recorded trace (HDF5, CSV or NPY; all steps or the visible ones; all samples,
// the current one or a chosen list). They only gather the choices: the window asks for the file or folder, writes
// through QSaveFile and shows progress.

#include <optional>
#include <vector>

#include <QDialog>
#include <QSize>

#include "core/tensor.h"
#include "widgets/plot_export.h"

class QButtonGroup;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace rnnscope::app {

struct PictureExportChoice
{
    widgets::ExportFormat format = widgets::ExportFormat::Png;
    QSize size {1200, 700}; // pixels (points for PDF)
    int dpi = 150; // PNG only
    bool allViews = false; // false: the view the user is in; true: every view, one file each, into a folder
};

class PictureExportDialog : public QDialog
{
    Q_OBJECT

public:
    explicit PictureExportDialog(QWidget* parent = nullptr);

    PictureExportChoice choice() const;
    void setChoice(const PictureExportChoice& choice);
    // The view "This view" stands for, e.g. "Heatmap".
    void setCurrentViewName(const QString& name);

private:
    void updateEnabled();

    QComboBox* m_format;
    QSpinBox* m_width;
    QSpinBox* m_height;
    QLabel* m_sizeUnit;
    QSpinBox* m_dpi;
    QRadioButton* m_thisView;
    QRadioButton* m_allViews;
};

enum class TraceExportFormat { Hdf5, Csv, Npy };
enum class TraceStepRange { All, Visible };
enum class TraceSamples { All, Current, Chosen };

struct TraceExportChoice
{
    TraceExportFormat format = TraceExportFormat::Hdf5;
    TraceStepRange steps = TraceStepRange::All;
    TraceSamples samples = TraceSamples::All;
    std::vector<Index> chosenSamples; // TraceSamples::Chosen: in the order given, no repeats
};

// "0, 2, 5-7" -> {0, 2, 5, 6, 7}: numbers and ranges separated by commas or spaces, each in [0, batch), no repeats.
// nullopt when the text is empty or malformed or names a sample outside the batch.
std::optional<std::vector<Index>> parseSampleList(const QString& text, Index batch);

class TraceExportDialog : public QDialog
{
    Q_OBJECT

public:
    explicit TraceExportDialog(QWidget* parent = nullptr);

    // What the run holds, for the labels and the chosen-samples check.
    void setRun(Index batch, Index currentSample, Index firstVisibleStep, Index lastVisibleStep);
    TraceExportChoice choice() const;
    void setChoice(const TraceExportChoice& choice);
    // False while "chosen samples" is selected with a list that does not parse (OK is disabled then).
    bool isChoiceValid() const;

private:
    void updateState();

    QComboBox* m_format;
    QRadioButton* m_allSteps;
    QRadioButton* m_visibleSteps;
    QRadioButton* m_allSamples;
    QRadioButton* m_currentSample;
    QRadioButton* m_chosenSamples;
    QLineEdit* m_sampleList;
    QLabel* m_sampleProblem;
    QDialogButtonBox* m_buttons;
    Index m_batch = 0;
    Index m_sample = 0; // the current sample
};

} // namespace rnnscope::app
