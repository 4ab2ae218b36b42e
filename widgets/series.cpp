#include "series.h"

namespace rnnscope::widgets {

namespace {

const LayerTrace* layerOf(const RunSnapshot& snapshot, const SeriesRef& ref)
{
    if (ref.layer < 0 || ref.layer >= static_cast<int>(snapshot.trace.layers.size())) {
        return nullptr;
    }
    const LayerTrace* layer = &snapshot.trace.layers[static_cast<std::size_t>(ref.layer)];
    if (ref.direction >= 0) {
        if (ref.direction >= static_cast<int>(layer->directions.size())) {
            return nullptr;
        }
        layer = &layer->directions[static_cast<std::size_t>(ref.direction)];
    }
    return layer;
}

QString layerTitle(const RunSnapshot& snapshot, const SeriesRef& ref)
{
    const auto& top = snapshot.trace.layers[static_cast<std::size_t>(ref.layer)];
    QString t = QString::fromStdString(top.name);
    if (ref.direction >= 0) {
        t += QStringLiteral(" / ")
            + QString::fromStdString(top.directions[static_cast<std::size_t>(ref.direction)].name);
    }
    const LayerTrace* layer = layerOf(snapshot, ref);
    if (layer != nullptr && layer->cells.size() > 1 && ref.kind != SeriesKind::Output
        && ref.kind != SeriesKind::Input) {
        t += QStringLiteral(" / cell %1").arg(ref.cell);
    }
    return t;
}

} // namespace

QString describeQuantity(const QString& cellClass, SeriesKind kind, const QString& name)
{
    switch (kind) {
    case SeriesKind::Output:
        return QStringLiteral("output");
    case SeriesKind::Input:
        return QStringLiteral("input");
    case SeriesKind::State:
        if (name == QLatin1String("h")) {
            return QStringLiteral("h (hidden state)");
        }
        if (name == QLatin1String("c")) {
            return QStringLiteral("c (cell state)");
        }
        return name;
    case SeriesKind::Gate:
        if (cellClass == QLatin1String("LSTMCell")) {
            if (name == QLatin1String("i")) {
                return QStringLiteral("i (input gate)");
            }
            if (name == QLatin1String("f")) {
                return QStringLiteral("f (forget gate)");
            }
            if (name == QLatin1String("c")) {
                return QStringLiteral("g (cell candidate)");
            }
            if (name == QLatin1String("o")) {
                return QStringLiteral("o (output gate)");
            }
        }
        if (cellClass == QLatin1String("GRUCell")) {
            if (name == QLatin1String("z")) {
                return QStringLiteral("z (update gate)");
            }
            if (name == QLatin1String("r")) {
                return QStringLiteral("r (reset gate)");
            }
            if (name == QLatin1String("hh")) {
                return QStringLiteral("hh (candidate)");
            }
        }
        return name;
    }
    return name;
}

std::optional<SeriesView> resolveSeries(const RunSnapshot& snapshot, const SeriesRef& ref)
{
    const LayerTrace* layer = layerOf(snapshot, ref);
    if (layer == nullptr) {
        return std::nullopt;
    }
    SeriesView v;
    v.layer = layer;
    if (ref.kind == SeriesKind::Output || ref.kind == SeriesKind::Input) {
        v.series = ref.kind == SeriesKind::Output ? &layer->output : &layer->input;
        if (v.series->empty()) {
            return std::nullopt;
        }
        v.units = v.series->width();
        v.quantity = describeQuantity({}, ref.kind, ref.name);
    } else {
        if (ref.cell < 0 || ref.cell >= static_cast<int>(layer->cells.size())) {
            return std::nullopt;
        }
        const CellTrace& cell = layer->cells[static_cast<std::size_t>(ref.cell)];
        const QString cellClass = QString::fromStdString(cell.className);
        if (ref.kind == SeriesKind::State) {
            for (const auto& s : cell.states) {
                if (QString::fromStdString(s.name()) == ref.name) {
                    v.series = &s;
                    v.units = s.width();
                }
            }
        } else if (!cell.gates.empty() && !cell.gateNames.empty()) {
            const Index width = cell.gates.front().width() / static_cast<Index>(cell.gateNames.size());
            for (std::size_t g = 0; g < cell.gateNames.size(); ++g) {
                if (QString::fromStdString(cell.gateNames[g]) == ref.name) {
                    v.series = &cell.gates.front();
                    v.firstUnit = static_cast<Index>(g) * width;
                    v.units = width;
                }
            }
        }
        if (v.series == nullptr) {
            return std::nullopt;
        }
        v.quantity = describeQuantity(cellClass, ref.kind, ref.name);
    }
    v.title = layerTitle(snapshot, ref) + QStringLiteral(" / ") + v.quantity;
    if (!snapshot.viewLabel.empty()) {
        // "lstm / c (cell state) − baseline", "lstm / c (cell state) [baseline]": short, the views are narrow.
        const QString label = QString::fromStdString(snapshot.viewLabel);
        v.title += label.startsWith(QLatin1Char('-')) || label.startsWith(QChar(0x2212))
            ? QLatin1Char(' ') + label
            : QStringLiteral(" [") + label + QLatin1Char(']');
    }
    return v;
}

QVector<QPair<SeriesRef, QString>> listSeries(const RunSnapshot& snapshot)
{
    QVector<QPair<SeriesRef, QString>> all;
    for (int l = 0; l < static_cast<int>(snapshot.trace.layers.size()); ++l) {
        const auto& top = snapshot.trace.layers[static_cast<std::size_t>(l)];
        const int directions = top.directions.empty() ? 1 : static_cast<int>(top.directions.size());
        for (int d = 0; d < directions; ++d) {
            SeriesRef base;
            base.layer = l;
            base.direction = top.directions.empty() ? -1 : d;
            const LayerTrace* layer = layerOf(snapshot, base);
            for (int c = 0; c < static_cast<int>(layer->cells.size()); ++c) {
                const CellTrace& cell = layer->cells[static_cast<std::size_t>(c)];
                for (const auto& s : cell.states) {
                    SeriesRef r = base;
                    r.cell = c;
                    r.kind = SeriesKind::State;
                    r.name = QString::fromStdString(s.name());
                    if (auto v = resolveSeries(snapshot, r)) {
                        all.push_back({r, v->title});
                    }
                }
                for (const auto& g : cell.gateNames) {
                    SeriesRef r = base;
                    r.cell = c;
                    r.kind = SeriesKind::Gate;
                    r.name = QString::fromStdString(g);
                    // A trace recorded without gates (TraceRequest) still names them: list only what resolves.
                    if (auto v = resolveSeries(snapshot, r)) {
                        all.push_back({r, v->title});
                    }
                }
            }
            for (SeriesKind k : {SeriesKind::Output, SeriesKind::Input}) {
                SeriesRef r = base;
                r.kind = k;
                r.name = k == SeriesKind::Output ? QStringLiteral("output") : QStringLiteral("input");
                if (auto v = resolveSeries(snapshot, r)) {
                    all.push_back({r, v->title});
                }
            }
        }
    }
    return all;
}

// The two enumerations list the same four kinds; a switch keeps them honest if either grows.
SeriesKind seriesKindOf(HealthQuantityKind kind)
{
    switch (kind) {
    case HealthQuantityKind::State:
        return SeriesKind::State;
    case HealthQuantityKind::Gate:
        return SeriesKind::Gate;
    case HealthQuantityKind::Output:
        return SeriesKind::Output;
    case HealthQuantityKind::Input:
        return SeriesKind::Input;
    }
    return SeriesKind::State;
}

HealthQuantityKind healthKindOf(SeriesKind kind)
{
    switch (kind) {
    case SeriesKind::State:
        return HealthQuantityKind::State;
    case SeriesKind::Gate:
        return HealthQuantityKind::Gate;
    case SeriesKind::Output:
        return HealthQuantityKind::Output;
    case SeriesKind::Input:
        return HealthQuantityKind::Input;
    }
    return HealthQuantityKind::State;
}

SeriesRef toSeriesRef(const TraceSeriesRef& ref)
{
    return {ref.layer, ref.direction, ref.cell, seriesKindOf(ref.kind), QString::fromStdString(ref.name)};
}

TraceSeriesRef toTraceSeriesRef(const SeriesRef& ref)
{
    return {ref.layer, ref.direction, ref.cell, healthKindOf(ref.kind), ref.name.toStdString()};
}

} // namespace rnnscope::widgets
