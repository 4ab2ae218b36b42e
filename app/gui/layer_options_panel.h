#pragma once
// The "Model" dock: the model's layers with their shapes, and for each recurrent layer the seven Keras options as
// live checkboxes (objectName "<layer>/<option>") plus a "Reset states" button. A change is passed on as a request;
// when the session refuses it the checkbox is put back and the reason shown in red under the layer.

#include <QHash>
#include <QWidget>

class QCheckBox;
class QLabel;
class QVBoxLayout;

namespace rnnscope {
class Model;
}

namespace rnnscope::app {

class LayerOptionsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit LayerOptionsPanel(QWidget* parent = nullptr);

    // Rebuilds everything for a newly opened model (nullptr: empty panel).
    void setModel(const Model* model, const QString& path, const QString& format);
    void setInputDescription(const QString& description);
    // Re-reads the checkbox states from the model, without emitting optionToggled.
    void refresh();
    // Puts the checkbox back and shows `message` under its layer; an empty message clears the layer's error.
    void showOptionError(const QString& layer, const QString& option, bool revertTo, const QString& message);
    void clearErrors();

signals:
    void optionToggled(const QString& layer, const QString& option, bool on);
    void resetStatesRequested(const QString& layer);

private:
    const Model* m_model = nullptr;
    QVBoxLayout* m_layersLayout = nullptr;
    QLabel* m_header = nullptr;
    QLabel* m_inputLabel = nullptr;
    QWidget* m_layersBox = nullptr;
    QHash<QString, QCheckBox*> m_boxes; // "<layer>/<option>"
    QHash<QString, QLabel*> m_errors; // layer -> its red message
};

} // namespace rnnscope::app
