#pragma once
// The mask of input 0 as samples x input time: kept and masked cells in clearly different colours, the current
// sample and the cursor's input time highlighted. Clicking a cell asks the application to toggle it and re-run.

#include <vector>

#include <QWidget>

#include "view_context.h"

namespace rnnscope::widgets {

class MaskStrip : public QWidget
{
    Q_OBJECT

public:
    explicit MaskStrip(ViewContext* context, QWidget* parent = nullptr);

    int samples() const { return m_samples; }
    int times() const { return m_times; }
    bool cellKept(int sample, int time) const;
    bool hasMask() const { return m_hasMask; } // false: no mask applies and every cell is kept
    QString note() const { return m_note; } // where the mask came from, or why there is none
    QRect cellRect(int sample, int time) const; // in widget coordinates; empty when out of range
    int cursorTime() const { return m_cursorTime; } // input time of the cursor step, -1 before the first step

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool event(QEvent* event) override; // tooltips

private:
    void rebuild();
    void updateCursor();
    QRect gridRect() const;
    bool cellAt(const QPoint& pos, int& sample, int& time) const;

    ViewContext* m_context;
    int m_samples = 0;
    int m_times = 0;
    std::vector<std::uint8_t> m_kept; // [samples * times], batch-major, input time
    std::vector<std::uint8_t> m_computed; // [times]: the input time was consumed at or before the cursor step
    bool m_hasMask = false;
    int m_cursorTime = -1;
    QString m_note;
    QString m_error;
};

} // namespace rnnscope::widgets
