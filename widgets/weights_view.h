#pragma once
// Per-gate weight heatmaps of one layer, picked in a combo: the kernel (input features x gate columns), the
// recurrent kernel (units x gate columns) and the bias, stacked so their gate columns line up, each split into its
// gate blocks with separators and the gate names on top, and coloured with the diverging gradient on its own
// symmetric scale. The application sets the matrices (core/weight_matrices.h copies); the view never reads files
// or touches the model.

#include <vector>

#include <QSharedPointer>
#include <QStringList>
#include <QWidget>

#include "core/weight_matrices.h"

class QCPAxisTickerText;

class QComboBox;
class QCustomPlot;
class QCPAxisRect;
class QCPColorMap;
class QCPColorScale;
class QCPItemStraightLine;
class QCPTextElement;
class QLabel;
class QStackedLayout;

namespace rnnscope::widgets {

class WeightsView : public QWidget
{
    Q_OBJECT

public:
    enum class Matrix { Kernel, Recurrent, Bias };

    explicit WeightsView(QWidget* parent = nullptr);

    void setLayers(std::vector<LayerWeightMatrices> layers); // keeps the shown layer when its path is still there
    int layerCount() const { return static_cast<int>(m_layers.size()); }
    int currentLayer() const { return m_current; }
    void setCurrentLayer(int index);

    // For tests: the value drawn in `matrix` at (row, col), NaN outside it or when the matrix is not shown.
    float cellValue(Matrix matrix, int row, int col) const;
    bool matrixShown(Matrix matrix) const;
    QStringList gateLabels() const; // over the gate blocks, left to right
    QString title() const;
    QString message() const; // the text shown instead of the plot; empty when the plot is shown
    int separatorCount() const { return static_cast<int>(m_separators.size()); }
    QComboBox* layerBox() const { return m_layerBox; }
    QCustomPlot* plot() const { return m_plot; }

    // The gate names drawn over the blocks: the long ones ("i (input gate)") when they fit, else the short ones.
    QStringList shownGateLabels() const;

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Panel
    {
        const WeightMatrix* matrix = nullptr;
        QCPAxisRect* rect = nullptr;
        QCPColorMap* map = nullptr;
        QCPColorScale* scale = nullptr;
    };

    void rebuild();
    void addPanel(Matrix which, const WeightMatrix& matrix, const QString& rowLabel, const QStringList& rowNames);
    void restyle();
    void showTip(QMouseEvent* event);
    void fitGateLabels(); // long or short gate names over the blocks, by the width each block has

    std::vector<LayerWeightMatrices> m_layers;
    int m_current = -1;
    Panel m_panels[3];
    QStringList m_gateLabels;
    std::vector<QCPItemStraightLine*> m_separators;
    QComboBox* m_layerBox;
    QLabel* m_shape;
    QStackedLayout* m_stack;
    QLabel* m_message;
    QCustomPlot* m_plot;
    QCPTextElement* m_title = nullptr;
    QSharedPointer<QCPAxisTickerText> m_gateTicker;
    double m_blockWidth = 0.0; // units per gate block
    QStringList m_shownGateLabels;
};

} // namespace rnnscope::widgets
