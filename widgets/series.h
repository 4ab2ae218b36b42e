#pragma once
// Naming one recorded series of a snapshot (a state, gate, output or input of a layer, a direction of a
// Bidirectional, a cell of a stack) and finding it. Views keep a SeriesRef and resolve it against each new snapshot.

#include <optional>

#include <QString>
#include <QVector>

#include "core/breakpoints.h"
#include "core/run_snapshot.h"

namespace rnnscope::widgets {

enum class SeriesKind { State, Gate, Output, Input };

struct SeriesRef
{
    int layer = 0; // index into snapshot.trace.layers
    int direction = -1; // -1: the layer itself; 0 forward, 1 backward (Bidirectional)
    int cell = 0; // leaf cell of a stack (0 for a single cell)
    SeriesKind kind = SeriesKind::State;
    QString name = QStringLiteral("h"); // state or gate name ("h", "c", "i", "f", "c", "o", "z", "r", "hh")

    bool operator==(const SeriesRef& o) const
    {
        return layer == o.layer && direction == o.direction && cell == o.cell && kind == o.kind && name == o.name;
    }
};

// A resolved series: units [firstUnit, firstUnit + units) of a [steps, batch, width] TraceSeries. Gates of a cell are
// one block side by side; a gate is a column range of it.
struct SeriesView
{
    const TraceSeries* series = nullptr;
    const LayerTrace* layer = nullptr; // the layer (or direction) the series belongs to: step_time, mask
    Index firstUnit = 0;
    Index units = 0;
    QString title; // "lstm / c (cell state)", "bidirectional / backward / i (input gate)"
    QString quantity; // "c (cell state)"

    Index steps() const { return series ? series->steps() : 0; }
    Index batch() const { return series ? series->batch() : 0; }
    float value(Index step, Index sample, Index unit) const { return series->at(step, sample, firstUnit + unit); }
};

std::optional<SeriesView> resolveSeries(const RunSnapshot& snapshot, const SeriesRef& ref);
// The same series as core's health reports and breakpoints name it.
SeriesKind seriesKindOf(HealthQuantityKind kind);
HealthQuantityKind healthKindOf(SeriesKind kind);
SeriesRef toSeriesRef(const TraceSeriesRef& ref);
TraceSeriesRef toTraceSeriesRef(const SeriesRef& ref);
// Every series of the snapshot, in display order, with its title (for pickers).
QVector<QPair<SeriesRef, QString>> listSeries(const RunSnapshot& snapshot);
// Long names Keras users know: "i" -> "i (input gate)", "c" state -> "c (cell state)".
QString describeQuantity(const QString& cellClass, SeriesKind kind, const QString& name);

} // namespace rnnscope::widgets
