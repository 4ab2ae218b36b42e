#include "mask_strip.h"

#include <algorithm>

#include <QEvent>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace rnnscope::widgets {

namespace {

constexpr int kLegendHeight = 22;
constexpr int kAxisHeight = 34; // tick numbers + "input time"
constexpr int kMaxRowHeight = 18;
constexpr int kMaxColumnWidth = 24;

bool isDark(const QPalette& p)
{
    return p.color(QPalette::Window).lightness() < 128;
}

// Kept is a calm filled colour, masked a dark hatched one: they differ in lightness and texture, not only hue.
QColor keptColour(bool dark)
{
    return dark ? QColor(0x3f, 0x8f, 0x5a) : QColor(0x8f, 0xd1, 0xa0);
}
QColor maskedColour(bool dark)
{
    return dark ? QColor(0x2a, 0x2a, 0x2a) : QColor(0x55, 0x55, 0x55);
}
// The hatch stays close to the masked colour so a masked cell reads as one mid-grey texture in both palettes.
QColor hatchColour(bool dark)
{
    return dark ? QColor(0x5a, 0x5a, 0x5a) : QColor(0x80, 0x80, 0x80);
}

} // namespace

MaskStrip::MaskStrip(ViewContext* context, QWidget* parent)
    : QWidget(parent)
    , m_context(context)
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    connect(m_context, &ViewContext::snapshotChanged, this, &MaskStrip::rebuild);
    connect(m_context, &ViewContext::selectionChanged, this, &MaskStrip::rebuild);
    connect(m_context, &ViewContext::stepChanged, this, &MaskStrip::updateCursor);
    connect(m_context, &ViewContext::sampleChanged, this, qOverload<>(&MaskStrip::update));
    rebuild();
}

QSize MaskStrip::sizeHint() const
{
    const int rows = std::max(m_samples, 1);
    return {480, kLegendHeight + kAxisHeight + 8 + std::min(rows * 14, 240)};
}

QSize MaskStrip::minimumSizeHint() const
{
    return {200, kLegendHeight + kAxisHeight + 8 + 20};
}

bool MaskStrip::cellKept(int sample, int time) const
{
    if (sample < 0 || sample >= m_samples || time < 0 || time >= m_times) {
        return false;
    }
    return m_kept[static_cast<std::size_t>(sample * m_times + time)] != 0;
}

void MaskStrip::rebuild()
{
    m_samples = 0;
    m_times = 0;
    m_kept.clear();
    m_hasMask = false;
    m_note.clear();
    m_error.clear();
    const SnapshotPtr& snap = m_context->snapshot();
    if (!snap) {
        m_note = tr("No run yet.");
    } else if (!snap->error.empty()) {
        m_error = QString::fromStdString(snap->error);
    } else if (snap->mask) {
        const Mask& mask = *snap->mask;
        m_samples = static_cast<int>(mask.batch());
        m_times = static_cast<int>(mask.steps());
        m_kept = mask.values();
        m_hasMask = true;
        m_note = tr("mask of input 0 (click a cell to toggle it and re-run)");
    } else if (const auto selected = m_context->selectedSeries()) {
        // No mask was passed with the input: a layer may still see one (Masking, Embedding(mask_zero)). Show the
        // selected layer's, mapped back from processing order to input time.
        const LayerTrace* layer = selected->layer;
        if (layer->mask.empty() && !layer->directions.empty()) {
            layer = &layer->directions.front();
        }
        m_samples = static_cast<int>(layer->batch);
        Index times = layer->steps;
        for (const auto t : layer->stepTime) {
            times = std::max<Index>(times, t + 1);
        }
        m_times = static_cast<int>(times);
        m_kept.assign(static_cast<std::size_t>(m_samples * m_times), 1);
        if (!layer->mask.empty()) {
            m_hasMask = true;
            for (Index s = 0; s < layer->steps; ++s) {
                const Index t
                    = s < static_cast<Index>(layer->stepTime.size()) ? layer->stepTime[static_cast<std::size_t>(s)] : s;
                for (Index b = 0; b < layer->batch; ++b) {
                    m_kept[static_cast<std::size_t>(b * m_times + t)] = layer->stepMasked(s, b) ? 0 : 1;
                }
            }
            m_note = tr("mask seen by %1 (none passed with the input; click to pass one)")
                         .arg(selected->title.section(QStringLiteral(" / "), 0, -2));
        } else {
            m_note = tr("no mask: every step is kept (click a cell to mask it)");
        }
    } else {
        m_note = tr("No recurrent layer was recorded in this run.");
    }
    updateGeometry();
    updateCursor();
}

void MaskStrip::updateCursor()
{
    m_cursorTime = -1;
    m_computed.assign(static_cast<std::size_t>(std::max(m_times, 0)), 0);
    const auto selected = m_context->selectedSeries();
    const Index step = m_context->step();
    if (selected && m_times > 0) {
        const LayerTrace* layer = selected->layer;
        for (Index s = 0; s <= step && s < layer->steps; ++s) {
            const Index t
                = s < static_cast<Index>(layer->stepTime.size()) ? layer->stepTime[static_cast<std::size_t>(s)] : s;
            if (t >= 0 && t < m_times) {
                m_computed[static_cast<std::size_t>(t)] = 1;
                if (s == step) {
                    m_cursorTime = static_cast<int>(t);
                }
            }
        }
    }
    update();
}

QRect MaskStrip::gridRect() const
{
    const int labelWidth = fontMetrics().horizontalAdvance(QStringLiteral("sample 000")) + 8;
    const QRect area = rect().adjusted(labelWidth, kLegendHeight + 4, -8, -kAxisHeight);
    if (m_samples <= 0 || m_times <= 0 || area.width() <= 0 || area.height() <= 0) {
        return {};
    }
    // Cells never grow past a comfortable size; the grid sits at the top left.
    const int w = std::min(area.width(), m_times * kMaxColumnWidth);
    const int h = std::min(area.height(), m_samples * kMaxRowHeight);
    return {area.left(), area.top(), w, h};
}

QRect MaskStrip::cellRect(int sample, int time) const
{
    const QRect g = gridRect();
    if (g.isEmpty() || sample < 0 || sample >= m_samples || time < 0 || time >= m_times) {
        return {};
    }
    const int x0 = g.left() + time * g.width() / m_times;
    const int x1 = g.left() + (time + 1) * g.width() / m_times;
    const int y0 = g.top() + sample * g.height() / m_samples;
    const int y1 = g.top() + (sample + 1) * g.height() / m_samples;
    return {x0, y0, std::max(x1 - x0, 1), std::max(y1 - y0, 1)};
}

bool MaskStrip::cellAt(const QPoint& pos, int& sample, int& time) const
{
    const QRect g = gridRect();
    if (g.isEmpty() || !g.contains(pos)) {
        return false;
    }
    time = std::clamp((pos.x() - g.left()) * m_times / g.width(), 0, m_times - 1);
    sample = std::clamp((pos.y() - g.top()) * m_samples / g.height(), 0, m_samples - 1);
    return true;
}

void MaskStrip::mousePressEvent(QMouseEvent* event)
{
    int sample = 0;
    int time = 0;
    if (event->button() == Qt::LeftButton && cellAt(event->position().toPoint(), sample, time)) {
        emit m_context->maskToggleRequested(sample, time);
        event->accept();
        return;
    }
    QWidget::mousePressEvent(event);
}

bool MaskStrip::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        int sample = 0;
        int time = 0;
        if (cellAt(help->pos(), sample, time)) {
            QToolTip::showText(help->globalPos(),
                tr("sample %1, input time %2: %3 (click to toggle)")
                    .arg(sample)
                    .arg(time)
                    .arg(cellKept(sample, time) ? tr("kept") : tr("masked")),
                this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

void MaskStrip::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        update();
    }
    QWidget::changeEvent(event);
}

void MaskStrip::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QPalette& pal = palette();
    const bool dark = isDark(pal);
    p.fillRect(rect(), pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Text));
    const QFontMetrics fm = fontMetrics();

    if (!m_error.isEmpty()) {
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
            tr("The run failed: %1").arg(m_error));
        return;
    }
    if (m_samples <= 0 || m_times <= 0) {
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, m_note);
        return;
    }

    // Legend: kept, masked, cursor, then the note.
    int x = 8;
    const int ly = 4;
    auto swatch = [&](const QColor& c, bool hatched, const QString& label) {
        const QRect r(x, ly + 3, 14, 12);
        p.fillRect(r, c);
        if (hatched) {
            p.fillRect(r, QBrush(hatchColour(dark), Qt::BDiagPattern));
        }
        p.setPen(pal.color(QPalette::Mid));
        p.drawRect(r);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(QPoint(x + 18, ly + 3 + fm.ascent() - 1), label);
        x += 18 + fm.horizontalAdvance(label) + 14;
    };
    swatch(keptColour(dark), false, tr("kept"));
    swatch(maskedColour(dark), true, tr("masked"));
    p.setPen(QPen(pal.color(QPalette::Highlight), 2));
    p.drawRect(QRect(x, ly + 3, 14, 12));
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QPoint(x + 18, ly + 3 + fm.ascent() - 1), tr("cursor / sample"));
    x += 18 + fm.horizontalAdvance(tr("cursor / sample")) + 14;
    QColor noteColour = pal.color(QPalette::Text);
    noteColour.setAlphaF(0.65F); // secondary text; PlaceholderText is not set by every theme
    p.setPen(noteColour);
    p.drawText(QRect(x, ly, width() - x - 8, kLegendHeight), Qt::AlignLeft | Qt::AlignVCenter,
        fm.elidedText(m_note, Qt::ElideRight, std::max(width() - x - 8, 0)));

    const QRect g = gridRect();
    if (g.isEmpty()) {
        return;
    }
    for (int s = 0; s < m_samples; ++s) {
        for (int t = 0; t < m_times; ++t) {
            const QRect r = cellRect(s, t);
            const bool kept = cellKept(s, t);
            QColor c = kept ? keptColour(dark) : maskedColour(dark);
            if (!m_computed.empty() && m_computed[static_cast<std::size_t>(t)] == 0) {
                // Not yet computed at the cursor: the same colours, faded.
                c = QColor::fromRgbF(c.redF() * 0.45 + pal.color(QPalette::Base).redF() * 0.55,
                    c.greenF() * 0.45 + pal.color(QPalette::Base).greenF() * 0.55,
                    c.blueF() * 0.45 + pal.color(QPalette::Base).blueF() * 0.55);
            }
            p.fillRect(r, c);
            if (!kept) {
                p.fillRect(r, QBrush(hatchColour(dark), Qt::BDiagPattern));
            }
        }
    }
    // Grid lines only when cells are big enough for them to help.
    if (g.width() / m_times >= 6) {
        p.setPen(pal.color(QPalette::Base));
        for (int t = 1; t < m_times; ++t) {
            const int gx = cellRect(0, t).left();
            p.drawLine(gx, g.top(), gx, g.bottom());
        }
    }
    if (g.height() / m_samples >= 6) {
        p.setPen(pal.color(QPalette::Base));
        for (int s = 1; s < m_samples; ++s) {
            const int gy = cellRect(s, 0).top();
            p.drawLine(g.left(), gy, g.right(), gy);
        }
    }

    // Highlights: the current sample's row and the cursor's input time column.
    const QColor hl = pal.color(QPalette::Highlight);
    const int sample = static_cast<int>(m_context->sample());
    if (sample >= 0 && sample < m_samples) {
        const QRect r = cellRect(sample, 0).united(cellRect(sample, m_times - 1));
        p.setPen(QPen(hl, 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(r.adjusted(0, 0, -1, -1));
    }
    if (m_cursorTime >= 0) {
        const QRect r = cellRect(0, m_cursorTime).united(cellRect(m_samples - 1, m_cursorTime));
        p.setPen(QPen(hl, 2));
        p.drawRect(r.adjusted(0, 0, -1, -1));
    }

    // Axes: sample numbers on the left, time ticks below, and their titles.
    p.setPen(pal.color(QPalette::Text));
    const int rowStep = std::max(1, (fm.height() + 2) * m_samples / std::max(g.height(), 1) + 1);
    for (int s = 0; s < m_samples; s += rowStep) {
        const QRect r = cellRect(s, 0);
        p.drawText(QRect(0, r.top(), g.left() - 6, std::max(r.height(), fm.height())),
            Qt::AlignRight | Qt::AlignVCenter, QString::number(s));
    }
    p.save();
    p.translate(fm.height() / 2 + 2, g.top() + g.height() / 2);
    p.rotate(-90);
    p.drawText(QRect(-60, -fm.height() / 2, 120, fm.height()), Qt::AlignCenter, tr("sample"));
    p.restore();
    const int label = fm.horizontalAdvance(QString::number(m_times)) + 8;
    const int timeStep = std::max(1, label * m_times / std::max(g.width(), 1) + 1);
    for (int t = 0; t < m_times; t += timeStep) {
        const QRect r = cellRect(0, t);
        p.drawText(QRect(r.center().x() - 30, g.bottom() + 2, 60, fm.height()), Qt::AlignHCenter | Qt::AlignTop,
            QString::number(t));
    }
    p.drawText(
        QRect(g.left(), g.bottom() + 2 + fm.height(), g.width(), fm.height() + 2), Qt::AlignCenter, tr("input time"));
}

} // namespace rnnscope::widgets
