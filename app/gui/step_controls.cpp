#include "step_controls.h"

#include <QAction>
#include <QInputDialog>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QTimer>
#include <QToolBar>

#include "widgets/view_context.h"

namespace rnnscope::app {

StepControls::StepControls(widgets::ViewContext* context, QWidget* parentWindow)
    : QObject(parentWindow)
    , m_context(context)
    , m_window(parentWindow)
{
    QStyle* style = parentWindow->style();
    auto make = [this](const QIcon& icon, const QString& text, const QKeySequence& key, const QString& tip) {
        auto* a = new QAction(icon, text, m_window);
        a->setShortcut(key);
        a->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        a->setStatusTip(tip);
        m_window->addAction(a); // shortcuts work even with the toolbar hidden
        return a;
    };
    m_runToEnd = make(style->standardIcon(QStyle::SP_MediaSkipForward), tr("&Run"), QKeySequence(Qt::Key_F5),
        tr("Run on to the next breakpoint, or to the end"));
    m_stepForward = make(style->standardIcon(QStyle::SP_MediaSeekForward), tr("&Step Forward"),
        QKeySequence(Qt::Key_F10), tr("Compute one more timestep"));
    m_stepBack = make(style->standardIcon(QStyle::SP_MediaSeekBackward), tr("Step &Back"),
        QKeySequence(Qt::SHIFT | Qt::Key_F10), tr("Go back one timestep"));
    m_goToStep = make(QIcon(), tr("&Go to Step…"), QKeySequence(Qt::CTRL | Qt::Key_G), tr("Jump to a timestep"));
    m_play = make(style->standardIcon(QStyle::SP_MediaPlay), tr("&Play"), QKeySequence(Qt::Key_F8),
        tr("Step forward continuously at the chosen speed"));
    m_play->setCheckable(true);
    m_reset = make(style->standardIcon(QStyle::SP_MediaSkipBackward), tr("Rese&t"), QKeySequence(Qt::CTRL | Qt::Key_R),
        tr("Back to before the first step, and reset the layers' states"));

    m_slider = new QSlider(Qt::Horizontal, parentWindow);
    m_slider->setObjectName(QStringLiteral("stepSlider"));
    m_slider->setMinimumWidth(200);
    m_slider->setToolTip(tr("Timestep (processing order)"));
    m_step = new QSpinBox(parentWindow);
    m_step->setObjectName(QStringLiteral("stepBox"));
    m_step->setSpecialValueText(tr("start"));
    m_stepTotal = new QLabel(parentWindow);
    m_sample = new QSpinBox(parentWindow);
    m_sample->setObjectName(QStringLiteral("sampleBox"));
    m_sample->setToolTip(tr("The sample of the batch the views show"));
    m_speed = new QSpinBox(parentWindow);
    m_speed->setRange(1, 200);
    m_speed->setValue(10);
    m_speed->setSuffix(tr(" steps/s"));
    m_speed->setToolTip(tr("Play speed"));
    m_timer = new QTimer(this);

    connect(m_stepForward, &QAction::triggered, this, [this] { m_context->setStep(m_context->step() + 1); });
    connect(m_stepBack, &QAction::triggered, this, [this] { m_context->setStep(m_context->step() - 1); });
    connect(m_runToEnd, &QAction::triggered, this, [this] {
        setPlaying(false);
        if (!m_runTarget || !m_runTarget()) {
            m_context->setStep(m_context->steps() - 1);
        }
    });
    connect(m_goToStep, &QAction::triggered, this, &StepControls::goToStepDialog);
    connect(m_reset, &QAction::triggered, this, [this] {
        setPlaying(false);
        m_context->setStep(-1);
        emit resetRequested();
    });
    connect(m_play, &QAction::toggled, this, &StepControls::setPlaying);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (m_context->step() >= m_context->steps() - 1) {
            setPlaying(false);
            return;
        }
        m_context->setStep(m_context->step() + 1);
    });
    connect(m_speed, &QSpinBox::valueChanged, this, [this](int v) { m_timer->setInterval(1000 / v); });
    m_timer->setInterval(1000 / m_speed->value());
    // Slider and box show step+1 so that 0 can mean "before the first step".
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) { m_context->setStep(v - 1); });
    connect(m_step, &QSpinBox::valueChanged, this, [this](int v) { m_context->setStep(v - 1); });
    connect(m_sample, &QSpinBox::valueChanged, this, [this](int v) { m_context->setSample(v); });

    connect(m_context, &widgets::ViewContext::stepChanged, this, &StepControls::syncFromContext);
    connect(m_context, &widgets::ViewContext::sampleChanged, this, &StepControls::syncFromContext);
    connect(m_context, &widgets::ViewContext::snapshotChanged, this, &StepControls::syncFromContext);
    connect(m_context, &widgets::ViewContext::selectionChanged, this, &StepControls::syncFromContext);
    syncFromContext();
}

void StepControls::addTo(QToolBar* bar)
{
    bar->addAction(m_reset);
    bar->addAction(m_stepBack);
    bar->addAction(m_stepForward);
    bar->addAction(m_play);
    bar->addAction(m_runToEnd);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" step "), bar));
    bar->addWidget(m_step);
    bar->addWidget(m_stepTotal);
    bar->addWidget(m_slider);
    bar->addWidget(m_speed);
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" sample "), bar));
    bar->addWidget(m_sample);
}

QList<QAction*> StepControls::actions() const
{
    return {m_runToEnd, m_stepForward, m_stepBack, m_goToStep, m_play, m_reset};
}

bool StepControls::playing() const
{
    return m_timer->isActive();
}

void StepControls::setPlaying(bool on)
{
    if (on && m_context->step() >= m_context->steps() - 1) {
        m_context->setStep(-1); // play from the start once the end is reached
    }
    on ? m_timer->start() : m_timer->stop();
    const QSignalBlocker block(m_play);
    m_play->setChecked(on);
    m_play->setText(on ? tr("&Pause") : tr("&Play"));
    m_play->setIcon(m_window->style()->standardIcon(on ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void StepControls::syncFromContext()
{
    const int steps = static_cast<int>(m_context->steps());
    const int samples = static_cast<int>(m_context->samples());
    const int step = static_cast<int>(m_context->step());
    {
        const QSignalBlocker b1(m_slider);
        const QSignalBlocker b2(m_step);
        const QSignalBlocker b3(m_sample);
        m_slider->setRange(0, steps);
        m_slider->setValue(step + 1);
        m_step->setRange(0, steps);
        m_step->setValue(step + 1);
        m_sample->setRange(0, std::max(0, samples - 1));
        m_sample->setValue(static_cast<int>(m_context->sample()));
    }
    m_stepTotal->setText(tr(" / %1 ").arg(steps));
    const bool any = steps > 0;
    m_stepForward->setEnabled(any && step < steps - 1);
    m_runToEnd->setEnabled(any && step < steps - 1);
    m_stepBack->setEnabled(step >= 0);
    m_play->setEnabled(any);
    m_goToStep->setEnabled(any);
}

void StepControls::goToStepDialog()
{
    bool ok = false;
    const int steps = static_cast<int>(m_context->steps());
    const int step = QInputDialog::getInt(m_window, tr("Go to Step"), tr("Timestep (0 to %1):").arg(steps - 1),
        static_cast<int>(std::max<Index>(m_context->step(), 0)), 0, steps - 1, 1, &ok);
    if (ok) {
        m_context->setStep(step);
    }
}

} // namespace rnnscope::app
