#pragma once
// The Debug menu and the stepping toolbar: step forward/back, run to end, go to step, play/pause with a speed,
// reset, the timestep slider and the sample selector. All of it moves the ViewContext's cursor; the views follow.

#include <functional>

#include <QObject>

#include "core/tensor.h"

class QAction;
class QLabel;
class QSlider;
class QSpinBox;
class QTimer;
class QToolBar;

namespace rnnscope::widgets {
class ViewContext;
}

namespace rnnscope::app {

class StepControls : public QObject
{
    Q_OBJECT

public:
    StepControls(widgets::ViewContext* context, QWidget* parentWindow);

    void addTo(QToolBar* toolBar); // the buttons, step slider, step box and sample box
    QList<QAction*> actions() const;

    QAction* stepForwardAction() const { return m_stepForward; }
    QAction* stepBackAction() const { return m_stepBack; }
    QAction* runToEndAction() const { return m_runToEnd; }
    QAction* goToStepAction() const { return m_goToStep; }
    QAction* playAction() const { return m_play; }
    QAction* resetAction() const { return m_reset; }
    QSlider* slider() const { return m_slider; }
    QSpinBox* sampleBox() const { return m_sample; }
    bool playing() const;
    // Run (F5) asks this first: it moves the cursor to the next stop and returns true, or returns false to run to
    // the end. The breakpoints hook in here.
    void setRunTarget(std::function<bool()> target) { m_runTarget = std::move(target); }

signals:
    void resetRequested(); // step -1 and Keras reset_states(): the session re-runs

private:
    void syncFromContext();
    void goToStepDialog();
    void setPlaying(bool on);

    widgets::ViewContext* m_context;
    QWidget* m_window;
    QAction* m_stepForward;
    QAction* m_stepBack;
    QAction* m_runToEnd;
    QAction* m_goToStep;
    QAction* m_play;
    QAction* m_reset;
    QSlider* m_slider;
    QSpinBox* m_step;
    QLabel* m_stepTotal;
    QSpinBox* m_sample;
    QSpinBox* m_speed;
    QTimer* m_timer;
    std::function<bool()> m_runTarget;
};

} // namespace rnnscope::app
