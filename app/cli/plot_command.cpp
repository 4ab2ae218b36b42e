// rnnscope-cli plot: one view of a trace file as a PNG, PDF or SVG picture, drawn offscreen by the very widgets the
// debugger window uses (HeatmapView, UnitTracesView, SampleUnitView) and exported by widgets/plot_export. The only
// command that needs Qt: it makes its QApplication itself, on the offscreen platform unless QT_QPA_PLATFORM says
// otherwise, so the rest of rnnscope-cli runs without a display and without Qt.

#include <charconv>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <QApplication>
#include <QSaveFile>

#include "cli_args.h"
#include "commands.h"
#include "core/io/file_error.h"
#include "core/io/trace_reader.h"
#include "flag_args.h"
#include "widgets/heatmap_view.h"
#include "widgets/plot_export.h"
#include "widgets/sample_unit_view.h"
#include "widgets/unit_traces_view.h"
#include "widgets/view_context.h"

namespace rnnscope::cli {

namespace {

enum class PlotKind { Heatmap, Lines, Samples };

struct PlotArgs
{
    bool help = false;
    std::string trace;
    std::string layer;
    std::string quantity;
    std::string out;
    widgets::ExportFormat format = widgets::ExportFormat::Unknown;
    PlotKind kind = PlotKind::Heatmap;
    Index sample = 0;
    std::vector<int> units;
    std::optional<std::string> direction;
    std::optional<int> cell;
    int width = 1200;
    int height = 700;
    int dpi = 150;
    std::string title;
};

std::string inQuotes(const std::string& s)
{
    return "'" + s + "'";
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& s : items) {
        out += (out.empty() ? "" : ", ") + s;
    }
    return out.empty() ? "none" : out;
}

int parseInt(const std::string& flag, const std::string& text, int min, int max)
{
    int value = 0;
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || p != end || text.empty()) {
        throw UsageError(flag + " takes a whole number, not " + inQuotes(text));
    }
    if (value < min || value > max) {
        throw UsageError(flag + " " + text + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    }
    return value;
}

std::vector<int> parseUnits(const std::string& text)
{
    std::vector<int> units;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        units.push_back(parseInt("--units", text.substr(start, comma - start), 0, 1 << 24));
        start = comma + 1;
    }
    return units;
}

PlotArgs parsePlotArgs(const std::vector<std::string>& args)
{
    PlotArgs a;
    std::vector<std::string> positional;
    const FlagArgs split = splitFlagArgs(args, true);
    if (split.help) {
        a.help = true;
        return a;
    }
    positional = split.positional;
    for (const auto& [flag, value] : split.flags) {
        if (flag == "--layer") {
            a.layer = value;
        } else if (flag == "--quantity") {
            a.quantity = value;
        } else if (flag == "--out") {
            a.out = value;
        } else if (flag == "--sample") {
            a.sample = parseInt(flag, value, 0, 1 << 30);
        } else if (flag == "--kind") {
            if (value == "heatmap") {
                a.kind = PlotKind::Heatmap;
            } else if (value == "lines") {
                a.kind = PlotKind::Lines;
            } else if (value == "samples") {
                a.kind = PlotKind::Samples;
            } else {
                throw UsageError("--kind is heatmap, lines or samples, not " + inQuotes(value));
            }
        } else if (flag == "--units") {
            a.units = parseUnits(value);
        } else if (flag == "--direction") {
            a.direction = value;
        } else if (flag == "--cell") {
            a.cell = parseInt(flag, value, 0, 1 << 20);
        } else if (flag == "--width") {
            a.width = parseInt(flag, value, widgets::kMinExportSide, widgets::kMaxExportSide);
        } else if (flag == "--height") {
            a.height = parseInt(flag, value, widgets::kMinExportSide, widgets::kMaxExportSide);
        } else if (flag == "--dpi") {
            a.dpi = parseInt(flag, value, widgets::kMinExportDpi, widgets::kMaxExportDpi);
        } else if (flag == "--title") {
            a.title = value;
        } else {
            throw UsageError("unknown option " + inQuotes(flag) + " for plot");
        }
    }
    if (positional.size() != 1) {
        throw UsageError(
            positional.empty() ? "plot needs a TRACE.h5" : "unexpected argument " + inQuotes(positional[1]));
    }
    a.trace = positional[0];
    for (const auto& [value, flag] :
        {std::pair {&a.layer, "--layer"}, {&a.quantity, "--quantity"}, {&a.out, "--out"}}) {
        if (value->empty()) {
            throw UsageError(std::string("plot needs ") + flag);
        }
    }
    a.format = widgets::formatFromSuffix(QString::fromStdString(a.out));
    if (a.format == widgets::ExportFormat::Unknown) {
        throw UsageError("--out must end in .svg, .png or .pdf, not " + inQuotes(a.out));
    }
    return a;
}

// The quantities of a cell as plot names them: states bare, gates bare unless a state has the same name.
std::vector<std::string> quantityNames(const LayerTrace& layer, const CellTrace* cell)
{
    std::vector<std::string> names;
    if (cell != nullptr) {
        for (const auto& s : cell->states) {
            names.push_back(s.name());
        }
        for (const auto& g : cell->gateNames) {
            bool clash = false;
            for (const auto& s : cell->states) {
                clash = clash || s.name() == g;
            }
            names.push_back(clash ? "gate:" + g : g);
        }
    }
    if (!layer.output.empty()) {
        names.push_back("output");
    }
    if (!layer.input.empty()) {
        names.push_back("input");
    }
    return names;
}

// --layer, --direction, --cell and --quantity as a series of the snapshot. Whatever does not exist is bad input
// (exit 3), named with what does exist.
widgets::SeriesRef resolveSeriesArgs(const RunSnapshot& snap, const PlotArgs& a, std::ostream& err)
{
    widgets::SeriesRef ref;
    ref.layer = -1;
    std::vector<std::string> layerNames;
    for (std::size_t i = 0; i < snap.trace.layers.size(); ++i) {
        layerNames.push_back(snap.trace.layers[i].name);
        if (ref.layer < 0 && snap.trace.layers[i].name == a.layer) {
            ref.layer = static_cast<int>(i);
        }
    }
    if (ref.layer < 0) {
        throw io::FileError(
            a.trace, "no recurrent layer " + inQuotes(a.layer) + " (layers: " + joined(layerNames) + ")");
    }
    const LayerTrace& top = snap.trace.layers[static_cast<std::size_t>(ref.layer)];
    const LayerTrace* layer = &top;
    if (!top.directions.empty()) {
        std::vector<std::string> directions;
        for (std::size_t d = 0; d < top.directions.size(); ++d) {
            directions.push_back(top.directions[d].name);
            if (ref.direction < 0 && a.direction && top.directions[d].name == *a.direction) {
                ref.direction = static_cast<int>(d);
            }
        }
        if (!a.direction) {
            ref.direction = 0;
            err << "note: " << a.layer << " is " << top.className << "; plotting its " << directions.front()
                << " direction (--direction " << joined(directions) << ")\n";
        } else if (ref.direction < 0) {
            throw io::FileError(a.trace,
                "layer " + inQuotes(a.layer) + " has no direction " + inQuotes(*a.direction)
                    + " (directions: " + joined(directions) + ")");
        }
        layer = &top.directions[static_cast<std::size_t>(ref.direction)];
    } else if (a.direction) {
        throw io::FileError(a.trace,
            "layer " + inQuotes(a.layer) + " (" + top.className + ") has no directions; --direction is for "
                + "Bidirectional layers");
    }
    ref.cell = a.cell.value_or(0);
    if (a.cell && *a.cell >= static_cast<int>(layer->cells.size())) {
        throw io::FileError(a.trace,
            "layer " + inQuotes(a.layer) + " has " + std::to_string(layer->cells.size()) + " cell(s); --cell "
                + std::to_string(*a.cell) + " is out of range");
    }
    const CellTrace* cell = ref.cell < static_cast<int>(layer->cells.size())
        ? &layer->cells[static_cast<std::size_t>(ref.cell)]
        : nullptr;

    std::string q = a.quantity;
    bool explicitState = false;
    bool explicitGate = false;
    if (q.rfind("state:", 0) == 0) {
        explicitState = true;
        q = q.substr(6);
    } else if (q.rfind("gate:", 0) == 0) {
        explicitGate = true;
        q = q.substr(5);
    }
    bool found = false;
    if (!explicitState && !explicitGate && (q == "output" || q == "input")) {
        ref.kind = q == "output" ? widgets::SeriesKind::Output : widgets::SeriesKind::Input;
        found = true;
    } else if (cell != nullptr) {
        for (const auto& s : cell->states) {
            if (!explicitGate && !found && s.name() == q) {
                ref.kind = widgets::SeriesKind::State;
                found = true;
            }
        }
        for (const auto& g : cell->gateNames) {
            if (!explicitState && !found && g == q) {
                ref.kind = widgets::SeriesKind::Gate;
                found = true;
            }
        }
    }
    ref.name = QString::fromStdString(q);
    const std::string where = inQuotes(a.layer) + (ref.direction >= 0 ? " (" + layer->name + ")" : std::string())
        + (layer->cells.size() > 1 ? " cell " + std::to_string(ref.cell) : std::string());
    if (!found || !widgets::resolveSeries(snap, ref)) {
        throw io::FileError(a.trace,
            "layer " + where + " has no quantity " + inQuotes(a.quantity)
                + " (quantities: " + joined(quantityNames(*layer, cell)) + ")");
    }
    return ref;
}

void checkSampleAndUnits(const RunSnapshot& snap, const widgets::SeriesRef& ref, const PlotArgs& a)
{
    const auto series = widgets::resolveSeries(snap, ref);
    if (a.sample >= series->batch()) {
        throw io::FileError(a.trace,
            "--sample " + std::to_string(a.sample) + " is out of range: the trace has "
                + std::to_string(series->batch()) + " sample(s)");
    }
    for (const int u : a.units) {
        if (u >= series->units) {
            throw io::FileError(a.trace,
                "--units " + std::to_string(u) + " is out of range: " + series->quantity.toStdString() + " has "
                    + std::to_string(series->units) + " unit(s)");
        }
    }
}

// Where Qt's own messages go while plot runs (set by plotCommand).
std::ostream* qtMessageStream = nullptr;

// Qt's note that a headless session has no XDG_RUNTIME_DIR, and its debug chatter, are not the user's business; any
// other warning is, as one "warning:" line.
void forwardQtMessage(QtMsgType type, const QMessageLogContext&, const QString& message)
{
    if (type == QtDebugMsg || type == QtInfoMsg || message.startsWith(QLatin1String("QStandardPaths:"))) {
        return;
    }
    if (qtMessageStream != nullptr) {
        *qtMessageStream << "warning: " << message.simplified().toStdString() << "\n";
    }
}

std::unique_ptr<widgets::StepPlotView> makeView(PlotKind kind, widgets::ViewContext* context)
{
    switch (kind) {
    case PlotKind::Lines:
        return std::make_unique<widgets::UnitTracesView>(context);
    case PlotKind::Samples:
        return std::make_unique<widgets::SampleUnitView>(context);
    case PlotKind::Heatmap:
        break;
    }
    return std::make_unique<widgets::HeatmapView>(context);
}

} // namespace

int plotCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    const PlotArgs a = parsePlotArgs(args);
    if (a.help) {
        out << usageText();
        return 0;
    }
    const auto snap = std::make_shared<const RunSnapshot>(io::readTraceHdf5(a.trace));
    const widgets::SeriesRef ref = resolveSeriesArgs(*snap, a, err);
    checkSampleAndUnits(*snap, ref, a);

    // Qt only from here on, and without a display unless the user asked for a platform.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    qtMessageStream = &err;
    qInstallMessageHandler(forwardQtMessage);
    int argc = 1;
    char name[] = "rnnscope-cli";
    char* argv[] = {name, nullptr};
    QApplication app(argc, argv);

    widgets::ViewContext context;
    context.setSnapshot(snap);
    context.setSelection(ref);
    context.setSample(a.sample);
    context.setSelectedUnits(QVector<int>(a.units.begin(), a.units.end()));
    context.resetTimeRange();
    // The whole run, as after Run to End: nothing is greyed as not yet computed.
    context.setStep(context.steps() - 1);
    const auto view = makeView(a.kind, &context);
    if (!view->message().isEmpty()) {
        throw io::FileError(a.trace, "nothing to plot: " + view->message().simplified().toStdString());
    }

    widgets::ExportOptions options;
    options.format = a.format;
    options.size = QSize(a.width, a.height);
    options.dpi = a.dpi;
    options.title = QString::fromStdString(a.title);
    options.showCursor = false; // a figure of the whole run
    // Written under a temporary name and renamed when complete: a failed export leaves nothing under --out.
    QSaveFile file(QString::fromStdString(a.out));
    if (!file.open(QIODevice::WriteOnly)) {
        throw io::FileError(a.out, "cannot write: " + file.errorString().toStdString());
    }
    QString error;
    if (!widgets::exportView(view.get(), &file, options, &error)) {
        file.cancelWriting();
        throw io::FileError(a.out, error.toStdString());
    }
    if (!file.commit()) {
        throw io::FileError(a.out, "cannot write: " + file.errorString().toStdString());
    }
    out << "wrote " << a.out << "\n";
    return 0;
}

} // namespace rnnscope::cli
