// Trace export (HDF5, NPY, CSV) of traces the engine really recorded: an LSTM, a masked GRU with go_backwards,
// an RNN over StackedRNNCells, a masked Bidirectional LSTM and a SimpleRNN, run as layers of one "model".
// Read back with our HDF5 wrapper and readNpy, and with h5py + numpy through tests/io/read_trace.py.

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sys/resource.h>

#include <hdf5.h>
#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "core/bidirectional.h"
#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"
#include "core/io/npy.h"
#include "core/io/trace_layout.h"
#include "core/io/trace_writer.h"
#include "core/rnn_layer.h"
#include "tests/core/engine_fixtures.h"

using namespace rnnscope;
using namespace rnnscope::io;

namespace {

constexpr Index kBatch = 2;
constexpr Index kSteps = 5;
constexpr Index kFeatures = 3;
const char* const kPython = "/usr/bin/python3";

// The recorded run and what the writers are given.
struct Recorded
{
    ModelTrace trace;
    Tensor x;
    Mask mask;
    Tensor h0;
    std::vector<Tensor> lstmOutputs; // sequence, final h, final c
    std::vector<Tensor> gruOutputs; // last output
    TraceInputs inputs;
};

RnnOptions rnnOptions(bool returnSequences, bool returnState = false, bool goBackwards = false)
{
    RnnOptions o;
    o.returnSequences = returnSequences;
    o.returnState = returnState;
    o.goBackwards = goBackwards;
    return o;
}

std::unique_ptr<RnnLayer> makeLayer(
    const std::string& name, const std::string& className, const std::string& cell, unsigned seed, RnnOptions options)
{
    return std::make_unique<RnnLayer>(
        name, className, rnnscope::testing::makeTestCell(cell, kFeatures, seed), std::move(options));
}

std::vector<Tensor> callLayer(Layer& layer, const Tensor& x, const Mask* mask, CallContext& context)
{
    std::vector<Tensor> out;
    for (auto& o : layer.call({LayerInput {&x, mask}}, context)) {
        out.push_back(std::move(o.tensor));
    }
    return out;
}

// Runs the engine once; the Recorded object must not move afterwards (inputs.mask points into it).
void record(Recorded& r)
{
    r.x = rnnscope::testing::randomTensor({kBatch, kSteps, kFeatures}, 11);
    // Sample 1 is padded at its last two timesteps, which go_backwards processes first.
    r.mask = Mask(kBatch, kSteps, std::vector<std::uint8_t> {1, 1, 1, 1, 1, 1, 1, 1, 0, 0});
    r.h0 = rnnscope::testing::randomTensor({kBatch, 4}, 12);
    CallContext context;
    context.trace = &r.trace;

    auto lstm = makeLayer("lstm", "LSTM", "lstm", 1, rnnOptions(true, true));
    r.lstmOutputs = callLayer(*lstm, r.x, nullptr, context);
    auto gru = makeLayer("gru", "GRU", "gru_reset_after", 2, rnnOptions(false, false, true));
    r.gruOutputs = callLayer(*gru, r.x, &r.mask, context);
    auto stack = makeLayer("stack", "RNN", "stack", 3, rnnOptions(true));
    callLayer(*stack, r.x, nullptr, context);
    BidirectionalLayer bi("bi", makeLayer("forward_lstm", "LSTM", "lstm", 4, rnnOptions(true)),
        makeLayer("backward_lstm", "LSTM", "lstm", 5, rnnOptions(true, false, true)), MergeMode::Concat);
    callLayer(bi, r.x, &r.mask, context);
    auto simple = makeLayer("simple", "SimpleRNN", "simple", 6, rnnOptions(false));
    callLayer(*simple, r.x, nullptr, context);

    r.inputs.inputs = {{"input_1", r.x}, {"h0", r.h0}};
    r.inputs.mask = &r.mask;
    r.inputs.outputs = {{"output_0", r.lstmOutputs[0]}, {"output_1", r.gruOutputs[0]}};
    r.inputs.producer = "tst_trace_writer";
    r.inputs.model = "/models/demo.keras";
    r.inputs.optionsJson = R"({"layer": "gru", "go_backwards": true})";
}

const LayerTrace& layerTrace(const Recorded& r, const std::string& name)
{
    const LayerTrace* l = r.trace.find(name);
    if (l == nullptr) {
        throw std::runtime_error("no trace of layer " + name);
    }
    return *l;
}

QStringList toQt(const std::vector<std::string>& list)
{
    QStringList out;
    for (const auto& s : list) {
        out << QString::fromStdString(s);
    }
    return out;
}

QList<qint64> toQt(const Shape& shape)
{
    return QList<qint64>(shape.begin(), shape.end());
}

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

// JSON values compared as their compact text (QCOMPARE cannot take nlohmann::json directly).
QString js(const nlohmann::json& value)
{
    return QString::fromStdString(value.dump());
}

// The chunk dimensions a dataset was created with (empty when it is not chunked).
std::vector<hsize_t> chunkDims(const std::string& file, const std::string& path)
{
    std::vector<hsize_t> dims(8, 0);
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = f < 0 ? -1 : H5Dopen2(f, path.c_str(), H5P_DEFAULT);
    const hid_t plist = d < 0 ? -1 : H5Dget_create_plist(d);
    const int rank = plist < 0 || H5Pget_layout(plist) != H5D_CHUNKED ? 0 : H5Pget_chunk(plist, 8, dims.data());
    dims.resize(static_cast<std::size_t>(std::max(rank, 0)));
    for (const auto& [id, close] : {std::pair {plist, &H5Pclose}, {d, &H5Dclose}, {f, &H5Fclose}}) {
        if (id >= 0) {
            close(id);
        }
    }
    return dims;
}

// value(b, t, u) of a batch-major [B,T,W] dataset must equal expected(t, b, u) of the time-major series.
bool sameAsSeries(QString* problem, const Hdf5Group& root, const std::string& path, const TraceSeries& series,
    Index offset = 0, Index width = -1)
{
    width = width < 0 ? series.width() : width;
    const Hdf5Dataset d = root.dataset(path);
    if (d.shape() != Shape {series.batch(), series.steps(), width}) {
        if (problem != nullptr) {
            *problem = qs(path) + ": shape " + qs(shapeToString(d.shape()));
        }
        return false;
    }
    const auto values = d.readFloat32();
    for (Index b = 0; b < series.batch(); ++b) {
        for (Index t = 0; t < series.steps(); ++t) {
            for (Index u = 0; u < width; ++u) {
                const float got = values[static_cast<std::size_t>((b * series.steps() + t) * width + u)];
                if (got != series.at(t, b, offset + u)) {
                    if (problem != nullptr) {
                        *problem = qs(path) + QStringLiteral(": differs at [%1,%2,%3]").arg(b).arg(t).arg(u);
                    }
                    return false;
                }
            }
        }
    }
    return true;
}

#define CHECK_SERIES(root, path, ...)                                                                                  \
    do {                                                                                                               \
        QString problem_;                                                                                              \
        QVERIFY2(sameAsSeries(&problem_, root, path, __VA_ARGS__), qPrintable(problem_));                              \
    } while (false)

bool sameValues(const std::vector<float>& a, const Tensor& b)
{
    return a == b.values();
}

// The checksum read_trace.py prints: sum(v[i] * (i % 97 + 1)) over C-order values.
double checksum(const std::vector<double>& values)
{
    double sum = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        sum += values[i] * static_cast<double>(i % 97 + 1);
    }
    return sum;
}

std::vector<double> batchMajor(const TraceSeries& series, Index offset = 0, Index width = -1)
{
    width = width < 0 ? series.width() : width;
    std::vector<double> out;
    for (Index b = 0; b < series.batch(); ++b) {
        for (Index t = 0; t < series.steps(); ++t) {
            for (Index u = 0; u < width; ++u) {
                out.push_back(series.at(t, b, offset + u));
            }
        }
    }
    return out;
}

QStringList filesUnder(const QString& dir)
{
    QStringList out;
    const QDir base(dir);
    const std::function<void(const QString&)> walk = [&](const QString& path) {
        for (const QFileInfo& fi :
            QDir(path).entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name)) {
            if (fi.isDir()) {
                walk(fi.filePath());
            } else {
                out << base.relativeFilePath(fi.filePath());
            }
        }
    };
    walk(dir);
    return out;
}

QStringList tempFilesUnder(const QString& dir)
{
    QStringList out;
    for (const QString& f : filesUnder(dir)) {
        if (f.contains(QStringLiteral(".tmp"))) {
            out << f;
        }
    }
    return out;
}

nlohmann::json readJson(const QString& path)
{
    std::ifstream in(path.toStdString());
    return nlohmann::json::parse(in);
}

// Limits the size of files this process may write, as a full disk would; restores it when destroyed.
class FileSizeLimit
{
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        // Without this, exceeding RLIMIT_FSIZE kills the process with SIGXFSZ instead of failing the write.
        m_previousHandler = std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &m_previous);
        rlimit limited = m_previous;
        limited.rlim_cur = bytes;
        m_ok = setrlimit(RLIMIT_FSIZE, &limited) == 0;
    }
    ~FileSizeLimit()
    {
        setrlimit(RLIMIT_FSIZE, &m_previous);
        std::signal(SIGXFSZ, m_previousHandler);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;
    bool ok() const { return m_ok; }

private:
    rlimit m_previous {};
    void (*m_previousHandler)(int) = nullptr;
    bool m_ok = false;
};

// A trace bigger than any small file size limit, so a write must fail part-way.
ModelTrace bigTrace()
{
    ModelTrace trace;
    LayerTrace layer;
    layer.name = "big";
    layer.className = "SimpleRNN";
    layer.units = 64;
    layer.batch = 8;
    layer.steps = 512;
    layer.stepTime.resize(512);
    layer.input = TraceSeries("input", 512, 8, 64);
    layer.output = TraceSeries("output", 512, 8, 64);
    CellTrace cell;
    cell.className = "SimpleRNNCell";
    cell.states.emplace_back("h", 512, 8, 64);
    // Noise: deflate must not squeeze it under the limit.
    rnnscope::testing::fillUniform(cell.states.front().stepData(0), 512 * 8 * 64, 7);
    rnnscope::testing::fillUniform(layer.input.stepData(0), 512 * 8 * 64, 8);
    rnnscope::testing::fillUniform(layer.output.stepData(0), 512 * 8 * 64, 9);
    layer.cells.push_back(std::move(cell));
    trace.layers.push_back(std::move(layer));
    return trace;
}

} // namespace

class TestTraceWriter : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void hdf5RootAndInputs();
    void hdf5Lstm();
    void hdf5MaskedGoBackwards();
    void hdf5Stacked();
    void hdf5Bidirectional();
    void hdf5SimpleAndCompression();
    void hdf5MaskFromLayerWhenNonePassed();
    void handBuiltTrace();
    void npyLayout();
    void largeTracesWrittenInBlocks_data();
    void largeTracesWrittenInBlocks();
    void readableWithH5py();
    void csvFiles();
    void csvValues();
    void unwritablePaths_data();
    void unwritablePaths();
    void failedWritesLeaveNoTemporaries();
    void invalidOptionsWriteNothing();

private:
    Recorded m_run;
    QTemporaryDir m_dir;
    std::string m_h5;
};

void TestTraceWriter::initTestCase()
{
    QVERIFY(m_dir.isValid());
    record(m_run);
    QCOMPARE(m_run.trace.layers.size(), std::size_t {5});
    m_h5 = (m_dir.path() + "/trace.h5").toStdString();
    writeTraceHdf5(m_h5, m_run.trace, m_run.inputs);
    QVERIFY(tempFilesUnder(m_dir.path()).isEmpty());
}

void TestTraceWriter::hdf5RootAndInputs()
{
    const Hdf5File file = Hdf5File::openReadOnly(m_h5);
    const Hdf5Group root = file.root();
    QCOMPARE(qs(root.stringAttribute("format")), QStringLiteral("rnnscope-trace"));
    QCOMPARE(root.intAttribute("format_version"), std::optional<std::int64_t>(1));
    QCOMPARE(qs(root.stringAttribute("producer")), QStringLiteral("tst_trace_writer"));
    QCOMPARE(qs(root.stringAttribute("model")), QStringLiteral("/models/demo.keras"));
    const auto options = nlohmann::json::parse(root.stringAttribute("options"));
    QCOMPARE(options.at("layer").get<std::string>(), std::string("gru"));
    QCOMPARE(options.at("go_backwards").get<bool>(), true);

    QCOMPARE(toQt(root.dataset("input").shape()), (QList<qint64> {kBatch, kSteps, kFeatures}));
    QCOMPARE(qs(root.dataset("input").typeDescription()), QStringLiteral("float32"));
    QVERIFY(sameValues(root.dataset("input").readFloat32(), m_run.x));
    QVERIFY(sameValues(root.dataset("inputs/input_1").readFloat32(), m_run.x));
    QVERIFY(sameValues(root.dataset("inputs/h0").readFloat32(), m_run.h0));
    QCOMPARE(toQt(root.dataset("inputs/h0").shape()), (QList<qint64> {kBatch, 4}));
    QCOMPARE(toQt(root.group("inputs").stringListAttribute("order")), (QStringList {"input_1", "h0"}));

    const Hdf5Dataset mask = root.dataset("mask");
    QCOMPARE(qs(mask.typeDescription()), QStringLiteral("uint8"));
    QCOMPARE(toQt(mask.shape()), (QList<qint64> {kBatch, kSteps}));
    QCOMPARE(mask.readUInt8(), m_run.mask.values());
    QCOMPARE(qs(mask.stringAttribute("time_order")), QStringLiteral("original"));
    QCOMPARE(qs(mask.stringAttribute("source")), QStringLiteral("passed"));

    QVERIFY(sameValues(root.dataset("outputs/output_0").readFloat32(), m_run.lstmOutputs[0]));
    QCOMPARE(toQt(root.dataset("outputs/output_0").shape()), (QList<qint64> {kBatch, kSteps, 4}));
    QVERIFY(sameValues(root.dataset("outputs/output_1").readFloat32(), m_run.gruOutputs[0]));

    QStringList layers = toQt(root.group("layers").childNames());
    layers.sort();
    QCOMPARE(layers, (QStringList {"bi", "gru", "lstm", "simple", "stack"}));
    QCOMPARE(toQt(root.group("layers").stringListAttribute("order")),
        (QStringList {"lstm", "gru", "stack", "bi", "simple"}));
}

void TestTraceWriter::hdf5Lstm()
{
    const Hdf5Group root = Hdf5File::openReadOnly(m_h5).root();
    const Hdf5Group g = root.group("layers/lstm");
    const LayerTrace& lt = layerTrace(m_run, "lstm");
    QCOMPARE(qs(g.stringAttribute("class")), QStringLiteral("LSTM"));
    QCOMPARE(g.intAttribute("units"), std::optional<std::int64_t>(4));
    QCOMPARE(qs(g.stringAttribute("cell_class")), QStringLiteral("LSTMCell"));
    QCOMPARE(toQt(g.stringListAttribute("state_names")), (QStringList {"h", "c"}));
    QCOMPARE(toQt(g.stringListAttribute("gate_names")), (QStringList {"i", "f", "c", "o"}));
    const auto options = nlohmann::json::parse(g.stringAttribute("options"));
    QVERIFY(options.is_object());
    QCOMPARE(js(options.at("return_sequences")), js(nlohmann::json(true)));
    QCOMPARE(js(options.at("return_state")), js(nlohmann::json(true)));
    QCOMPARE(js(options.at("go_backwards")), js(nlohmann::json(false)));

    QCOMPARE(qs(g.dataset("step_time").typeDescription()), QStringLiteral("int32"));
    QCOMPARE(g.dataset("step_time").readFloat32(), (std::vector<float> {0, 1, 2, 3, 4}));
    QVERIFY(!g.hasChild("mask"));

    const CellTrace& cell = lt.cells.at(0);
    CHECK_SERIES(g, "states/h", cell.states.at(0));
    CHECK_SERIES(g, "states/c", cell.states.at(1));
    const TraceSeries& gates = cell.gates.at(0);
    QCOMPARE(gates.width(), Index {16});
    CHECK_SERIES(g, "gates/i", gates, 0, 4);
    CHECK_SERIES(g, "gates/f", gates, 4, 4);
    CHECK_SERIES(g, "gates/c", gates, 8, 4);
    CHECK_SERIES(g, "gates/o", gates, 12, 4);
    CHECK_SERIES(g, "output", lt.output);
    CHECK_SERIES(g, "input", lt.input);
    QVERIFY(sameValues(g.dataset("input").readFloat32(), m_run.x));
    // Unmasked, forward, return_sequences: the per-step output is the layer's sequence output.
    QVERIFY(sameValues(g.dataset("output").readFloat32(), m_run.lstmOutputs[0]));

    // The last step's states are the layer's final states (return_state outputs).
    const auto h = g.dataset("states/h").readFloat32();
    const auto c = g.dataset("states/c").readFloat32();
    for (Index b = 0; b < kBatch; ++b) {
        for (Index u = 0; u < 4; ++u) {
            const auto at = static_cast<std::size_t>((b * kSteps + kSteps - 1) * 4 + u);
            QCOMPARE(h[at], m_run.lstmOutputs[1].at(b, u));
            QCOMPARE(c[at], m_run.lstmOutputs[2].at(b, u));
        }
    }
    // A sanity check on the transposition itself: [b,t,:] of the file is series.at(t,b,:).
    QCOMPARE(h[static_cast<std::size_t>((1 * kSteps + 2) * 4 + 3)], cell.states.at(0).at(2, 1, 3));
}

void TestTraceWriter::hdf5MaskedGoBackwards()
{
    const Hdf5Group root = Hdf5File::openReadOnly(m_h5).root();
    const Hdf5Group g = root.group("layers/gru");
    const LayerTrace& lt = layerTrace(m_run, "gru");
    QCOMPARE(qs(g.stringAttribute("class")), QStringLiteral("GRU"));
    QCOMPARE(toQt(g.stringListAttribute("state_names")), (QStringList {"h"}));
    QCOMPARE(toQt(g.stringListAttribute("gate_names")), (QStringList {"z", "r", "hh"}));
    QCOMPARE(js(nlohmann::json::parse(g.stringAttribute("options")).at("go_backwards")), js(nlohmann::json(true)));
    QCOMPARE(g.dataset("step_time").readFloat32(), (std::vector<float> {4, 3, 2, 1, 0}));

    // The layer's mask is in processing order: [b, s] is the passed mask at timestep step_time[s].
    const Hdf5Dataset mask = g.dataset("mask");
    QCOMPARE(toQt(mask.shape()), (QList<qint64> {kBatch, kSteps}));
    QCOMPARE(qs(mask.stringAttribute("time_order")), QStringLiteral("processing"));
    const auto m = mask.readUInt8();
    for (Index b = 0; b < kBatch; ++b) {
        for (Index s = 0; s < kSteps; ++s) {
            const std::uint8_t v = m[static_cast<std::size_t>(b * kSteps + s)];
            QCOMPARE(v, lt.mask[static_cast<std::size_t>(s * kBatch + b)]);
            QCOMPARE(v != 0, m_run.mask.at(b, kSteps - 1 - s));
        }
    }
    const CellTrace& cell = lt.cells.at(0);
    CHECK_SERIES(g, "states/h", cell.states.at(0));
    CHECK_SERIES(g, "gates/z", cell.gates.at(0), 0, 4);
    CHECK_SERIES(g, "gates/r", cell.gates.at(0), 4, 4);
    CHECK_SERIES(g, "gates/hh", cell.gates.at(0), 8, 4);
    CHECK_SERIES(g, "output", lt.output);
    // Processing order: step 0 consumed the last timestep.
    const auto input = g.dataset("input").readFloat32();
    for (Index f = 0; f < kFeatures; ++f) {
        QCOMPARE(input[static_cast<std::size_t>(f)], m_run.x.at(0, kSteps - 1, f));
    }
    // Sample 1's first two steps are masked: its state stays at zero there.
    const auto h = g.dataset("states/h").readFloat32();
    for (Index u = 0; u < 4; ++u) {
        QCOMPARE(h[static_cast<std::size_t>((1 * kSteps + 0) * 4 + u)], 0.0F);
        QCOMPARE(h[static_cast<std::size_t>((1 * kSteps + 1) * 4 + u)], 0.0F);
    }
    // The last output of the layer is the last step's emitted output.
    const auto out = g.dataset("output").readFloat32();
    for (Index b = 0; b < kBatch; ++b) {
        for (Index u = 0; u < 4; ++u) {
            QCOMPARE(out[static_cast<std::size_t>((b * kSteps + kSteps - 1) * 4 + u)], m_run.gruOutputs[0].at(b, u));
        }
    }
}

void TestTraceWriter::hdf5Stacked()
{
    const Hdf5Group root = Hdf5File::openReadOnly(m_h5).root();
    const Hdf5Group g = root.group("layers/stack");
    const LayerTrace& lt = layerTrace(m_run, "stack");
    QCOMPARE(lt.cells.size(), std::size_t {2});
    QCOMPARE(qs(g.stringAttribute("class")), QStringLiteral("RNN"));
    QCOMPARE(qs(g.stringAttribute("cell_class")), QStringLiteral("StackedRNNCells"));
    QCOMPARE(g.intAttribute("cell_count"), std::optional<std::int64_t>(2));
    QCOMPARE(g.intAttribute("units"), std::optional<std::int64_t>(3));
    QVERIFY(g.stringListAttribute("state_names").empty());
    QVERIFY(!g.hasChild("states"));
    QVERIFY(!g.hasChild("gates"));
    CHECK_SERIES(g, "input", lt.input);
    CHECK_SERIES(g, "output", lt.output);

    const Hdf5Group c0 = g.group("cells/0");
    QCOMPARE(qs(c0.stringAttribute("class")), QStringLiteral("LSTMCell"));
    QCOMPARE(c0.intAttribute("units"), std::optional<std::int64_t>(5));
    QCOMPARE(toQt(c0.stringListAttribute("state_names")), (QStringList {"h", "c"}));
    QCOMPARE(toQt(c0.stringListAttribute("gate_names")), (QStringList {"i", "f", "c", "o"}));
    CHECK_SERIES(c0, "states/h", lt.cells[0].states.at(0));
    CHECK_SERIES(c0, "states/c", lt.cells[0].states.at(1));
    CHECK_SERIES(c0, "gates/o", lt.cells[0].gates.at(0), 15, 5);
    CHECK_SERIES(c0, "input", lt.cells[0].input);
    CHECK_SERIES(c0, "output", lt.cells[0].output);

    const Hdf5Group c1 = g.group("cells/1");
    QCOMPARE(qs(c1.stringAttribute("class")), QStringLiteral("GRUCell"));
    QCOMPARE(c1.intAttribute("units"), std::optional<std::int64_t>(3));
    QCOMPARE(toQt(c1.stringListAttribute("state_names")), (QStringList {"h"}));
    QCOMPARE(toQt(c1.stringListAttribute("gate_names")), (QStringList {"z", "r", "hh"}));
    CHECK_SERIES(c1, "states/h", lt.cells[1].states.at(0));
    CHECK_SERIES(c1, "gates/hh", lt.cells[1].gates.at(0), 6, 3);
    // Cell 1 is fed cell 0's output; the stack emits cell 1's output.
    QCOMPARE(c1.dataset("input").readFloat32(), c0.dataset("output").readFloat32());
    QCOMPARE(g.dataset("output").readFloat32(), c1.dataset("output").readFloat32());
    QCOMPARE(g.dataset("input").readFloat32(), c0.dataset("input").readFloat32());
}

void TestTraceWriter::hdf5Bidirectional()
{
    const Hdf5Group root = Hdf5File::openReadOnly(m_h5).root();
    const Hdf5Group g = root.group("layers/bi");
    const LayerTrace& lt = layerTrace(m_run, "bi");
    QCOMPARE(qs(g.stringAttribute("class")), QStringLiteral("Bidirectional"));
    QCOMPARE(g.intAttribute("units"), std::optional<std::int64_t>(4));
    QCOMPARE(toQt(g.stringListAttribute("directions")), (QStringList {"forward", "backward"}));
    QVERIFY(g.stringListAttribute("state_names").empty());
    const auto options = nlohmann::json::parse(g.stringAttribute("options"));
    QCOMPARE(js(options.at("merge_mode")), js(nlohmann::json("concat")));
    QCOMPARE(js(options.at("return_sequences")), js(nlohmann::json(true)));

    for (const std::string direction : {"forward", "backward"}) {
        const LayerTrace& d = lt.directions.at(direction == "forward" ? 0 : 1);
        const Hdf5Group dg = g.group(direction);
        QCOMPARE(qs(dg.stringAttribute("class")), QStringLiteral("LSTM"));
        QCOMPARE(qs(dg.stringAttribute("name")), qs(direction));
        QCOMPARE(toQt(dg.stringListAttribute("state_names")), (QStringList {"h", "c"}));
        QCOMPARE(toQt(dg.stringListAttribute("gate_names")), (QStringList {"i", "f", "c", "o"}));
        QCOMPARE(js(nlohmann::json::parse(dg.stringAttribute("options")).at("go_backwards")),
            js(nlohmann::json(direction == "backward")));
        CHECK_SERIES(dg, "states/h", d.cells.at(0).states.at(0));
        CHECK_SERIES(dg, "states/c", d.cells.at(0).states.at(1));
        CHECK_SERIES(dg, "gates/f", d.cells.at(0).gates.at(0), 4, 4);
        CHECK_SERIES(dg, "output", d.output);
        CHECK_SERIES(dg, "input", d.input);
        QCOMPARE(toQt(dg.dataset("mask").shape()), (QList<qint64> {kBatch, kSteps}));
        const auto stepTime = dg.dataset("step_time").readFloat32();
        QCOMPARE(stepTime.front(), direction == "forward" ? 0.0F : 4.0F);
    }
}

void TestTraceWriter::hdf5SimpleAndCompression()
{
    const Hdf5Group root = Hdf5File::openReadOnly(m_h5).root();
    const Hdf5Group g = root.group("layers/simple");
    QCOMPARE(qs(g.stringAttribute("class")), QStringLiteral("SimpleRNN"));
    QCOMPARE(toQt(g.stringListAttribute("state_names")), (QStringList {"h"}));
    QVERIFY(g.stringListAttribute("gate_names").empty());
    QVERIFY(!g.hasChild("gates"));
    CHECK_SERIES(g, "states/h", layerTrace(m_run, "simple").cells.at(0).states.at(0));

    // Non-empty datasets are chunked and deflated (h5py reads both without plugins).
    const Hdf5Dataset h = g.dataset("states/h");
    const hid_t plist = H5Dget_create_plist(h.id());
    QVERIFY(plist >= 0);
    const H5D_layout_t layout = H5Pget_layout(plist);
    bool deflated = false;
    for (int i = 0; i < H5Pget_nfilters(plist); ++i) {
        unsigned flags = 0;
        size_t count = 0;
        unsigned config = 0;
        deflated = deflated
            || H5Pget_filter2(plist, static_cast<unsigned>(i), &flags, &count, nullptr, 0, nullptr, &config)
                == H5Z_FILTER_DEFLATE;
    }
    H5Pclose(plist);
    QCOMPARE(layout, H5D_CHUNKED);
    QVERIFY(deflated);
}

void TestTraceWriter::hdf5MaskFromLayerWhenNonePassed()
{
    // A model that masks internally (Embedding mask_zero, Masking): no mask is passed, /mask comes from the
    // first recurrent layer, mapped back from processing order to input time.
    Recorded r;
    r.x = rnnscope::testing::randomTensor({kBatch, kSteps, kFeatures}, 21);
    r.mask = Mask(kBatch, kSteps, std::vector<std::uint8_t> {0, 1, 1, 1, 1, 1, 1, 1, 0, 0});
    CallContext context;
    context.trace = &r.trace;
    auto gru = makeLayer("gru", "GRU", "gru", 2, rnnOptions(false, false, true));
    callLayer(*gru, r.x, &r.mask, context);
    r.inputs.inputs = {{"x", r.x}};
    const std::string path = (m_dir.path() + "/fallback.h5").toStdString();
    writeTraceHdf5(path, r.trace, r.inputs);
    const Hdf5Group root = Hdf5File::openReadOnly(path).root();
    QCOMPARE(root.dataset("mask").readUInt8(), r.mask.values());
    QCOMPARE(qs(root.dataset("mask").stringAttribute("source")), QStringLiteral("layer:gru"));
    QCOMPARE(root.dataset("mask").readUInt8() == root.dataset("layers/gru/mask").readUInt8(), false);

    // Without any mask there is no /mask.
    const std::string unmasked = (m_dir.path() + "/unmasked.h5").toStdString();
    Recorded plain;
    plain.x = r.x;
    context.trace = &plain.trace;
    callLayer(*gru, plain.x, nullptr, context);
    plain.inputs.inputs = {{"x", plain.x}};
    writeTraceHdf5(unmasked, plain.trace, plain.inputs);
    QVERIFY(!Hdf5File::openReadOnly(unmasked).root().hasChild("mask"));
    QVERIFY(!Hdf5File::openReadOnly(unmasked).root().hasChild("layers/gru/mask"));
}

void TestTraceWriter::handBuiltTrace()
{
    // A cell class we do not know (a user's C++ cell), a shared layer traced twice, '/' in a name, option values
    // of every kind, and no inputs or outputs at all.
    ModelTrace trace;
    LayerTrace layer;
    layer.name = "shared";
    layer.className = "RNN";
    layer.units = 2;
    layer.batch = 1;
    layer.steps = 2;
    layer.options = {{"return_sequences", "False"}, {"merge_mode", "None"}, {"num_constants", "3"}, {"dropout", "0.25"},
        {"implementation", "concat"}, {"weird", "1e"}};
    layer.stepTime = {0, 1};
    layer.output = TraceSeries("output", 2, 1, 2);
    CellTrace cell;
    cell.className = "MyCell";
    cell.states.emplace_back("h", 2, 1, 2);
    cell.gates.emplace_back("gates", 2, 1, 6);
    for (Index s = 0; s < 2; ++s) {
        for (Index u = 0; u < 6; ++u) {
            cell.gates.back().stepData(s)[u] = static_cast<float>(10 * s + u);
        }
    }
    layer.cells.push_back(cell);
    trace.layers.push_back(layer);
    trace.layers.push_back(layer);
    layer.name = "a/b";
    trace.layers.push_back(layer);

    const std::string path = (m_dir.path() + "/hand.h5").toStdString();
    writeTraceHdf5(path, trace, TraceInputs {});
    const Hdf5Group root = Hdf5File::openReadOnly(path).root();
    QVERIFY(!root.hasChild("input"));
    QVERIFY(!root.hasChild("mask"));
    QCOMPARE(js(nlohmann::json::parse(root.stringAttribute("options"))), js(nlohmann::json::object()));
    QCOMPARE(toQt(root.group("layers").stringListAttribute("order")), (QStringList {"shared", "shared_call1", "a_b"}));
    for (const std::string name : {"shared", "shared_call1", "a_b"}) {
        const Hdf5Group g = root.group("layers/" + name);
        QCOMPARE(toQt(g.stringListAttribute("gate_names")), (QStringList {"gates"}));
        QCOMPARE(toQt(g.dataset("gates/gates").shape()), (QList<qint64> {1, 2, 6}));
        QCOMPARE(
            g.dataset("gates/gates").readFloat32(), (std::vector<float> {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}));
    }
    QCOMPARE(qs(root.group("layers/a_b").stringAttribute("name")), QStringLiteral("a/b"));
    const auto options = nlohmann::json::parse(root.group("layers/shared").stringAttribute("options"));
    QCOMPARE(options.dump(),
        std::string(R"({"dropout":0.25,"implementation":"concat","merge_mode":null,)"
                    R"("num_constants":3,"return_sequences":false,"weird":"1e"})"));
    QCOMPARE(gateNamesForCellClass("LSTMCell"), (std::vector<std::string> {"i", "f", "c", "o"}));
    QVERIFY(gateNamesForCellClass("SimpleRNNCell").empty());
}

// A trace larger than the writers' limits is written to disk, not built in memory, and its series go out a block of
// whole chunks at a time, not copied out whole. Small limits make a small trace take every one of those paths; each
// file must hold exactly what the series hold, and the .npy files the same bytes as written in one block.
void TestTraceWriter::largeTracesWrittenInBlocks_data()
{
    QTest::addColumn<qint64>("inMemoryBytes");
    QTest::addColumn<qint64>("blockBytes");
    const qint64 defaults = static_cast<qint64>(detail::TraceWriteLimits {}.inMemoryBytes);
    const qint64 oneBlock = static_cast<qint64>(detail::TraceWriteLimits {}.blockBytes);
    // A gate of one sample is 20001 steps x 4 units: 320 KB, chunked as [1, 10001, 4] (hdf5ChunkDims).
    QTest::newRow("in memory, one block") << defaults << oneBlock;
    QTest::newRow("in memory, a sample a block") << defaults << qint64 {400 << 10};
    QTest::newRow("in memory, a chunk of steps a block") << defaults << qint64 {100 << 10};
    QTest::newRow("on disk, one block") << qint64 {0} << oneBlock;
    QTest::newRow("on disk, a chunk of steps a block") << qint64 {0} << qint64 {100 << 10};
}

void TestTraceWriter::largeTracesWrittenInBlocks()
{
    QFETCH(qint64, inMemoryBytes);
    QFETCH(qint64, blockBytes);
    constexpr Index kLongSteps = 20001;
    const Tensor x = rnnscope::testing::randomTensor({3, kLongSteps, kFeatures}, 21);
    ModelTrace trace;
    CallContext context;
    context.trace = &trace;
    auto lstm = makeLayer("long", "LSTM", "lstm", 8, rnnOptions(true));
    callLayer(*lstm, x, nullptr, context);
    TraceInputs inputs;
    inputs.inputs = {{"input_1", x}};
    inputs.producer = "tst_trace_writer";

    const detail::TraceWriteLimits limits {
        static_cast<std::size_t>(inMemoryBytes), static_cast<std::size_t>(blockBytes)};
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string h5 = dir.filePath("long.h5").toStdString();
    detail::writeTraceHdf5(h5, trace, inputs, limits);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList {"long.h5"}); // no temporary left
    // Opened before Hdf5File opens it (HDF5 refuses a second open with other file access properties).
    QCOMPARE(chunkDims(h5, "layers/long/gates/f"), (std::vector<hsize_t> {1, 10001, 4})); // blocks split as meant
    const LayerTrace& lt = *trace.find("long");
    const CellTrace& cell = lt.cells.front();
    const Hdf5Group root = Hdf5File::openReadOnly(h5).root();
    QString problem;
    QVERIFY2(sameAsSeries(&problem, root, "layers/long/input", lt.input), qPrintable(problem));
    QVERIFY2(sameAsSeries(&problem, root, "layers/long/output", lt.output), qPrintable(problem));
    QVERIFY2(sameAsSeries(&problem, root, "layers/long/states/h", cell.states[0]), qPrintable(problem));
    QVERIFY2(sameAsSeries(&problem, root, "layers/long/states/c", cell.states[1]), qPrintable(problem));
    const std::vector<std::string> gates {"i", "f", "c", "o"};
    for (std::size_t g = 0; g < gates.size(); ++g) {
        QVERIFY2(sameAsSeries(
                     &problem, root, "layers/long/gates/" + gates[g], cell.gates.front(), static_cast<Index>(g) * 4, 4),
            qPrintable(problem));
    }

    const std::string npy = dir.filePath("npy").toStdString();
    detail::writeTraceNpy(npy, trace, inputs, limits);
    const std::string whole = dir.filePath("npy-whole").toStdString();
    writeTraceNpy(whole, trace, inputs);
    for (const std::string p : {"layers/long/input", "layers/long/gates/o", "layers/long/states/c"}) {
        QFile a(QString::fromStdString(npy + "/" + p + ".npy"));
        QFile b(QString::fromStdString(whole + "/" + p + ".npy"));
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QVERIFY2(a.readAll() == b.readAll(), p.c_str());
    }
    const Tensor gate = toTensor(readNpy(npy + "/layers/long/gates/o.npy"), "o");
    QCOMPARE(gate.shape(), (Shape {3, kLongSteps, 4}));
    for (Index b = 0; b < 3; ++b) {
        for (Index t : {Index {0}, Index {10000}, Index {10001}, kLongSteps - 1}) {
            for (Index u = 0; u < 4; ++u) {
                QCOMPARE(gate.at(b, t, u), cell.gates.front().at(t, b, 12 + u));
            }
        }
    }
}

void TestTraceWriter::npyLayout()
{
    const QString dir = m_dir.path() + "/npy";
    writeTraceNpy(dir.toStdString(), m_run.trace, m_run.inputs);
    const std::string d = dir.toStdString();

    const NpyArray input = readNpy(d + "/input.npy");
    QCOMPARE(qs(input.dtypeName()), QStringLiteral("float32"));
    QCOMPARE(toQt(input.shape), (QList<qint64> {kBatch, kSteps, kFeatures}));
    QVERIFY(sameValues(toTensor(input, "input").values(), m_run.x));

    const NpyArray mask = readNpy(d + "/mask.npy");
    QVERIFY(mask.isBool());
    QCOMPARE(std::vector<std::uint8_t>(mask.bytes.begin(), mask.bytes.end()), m_run.mask.values());

    const NpyArray stepTime = readNpy(d + "/layers/gru/step_time.npy");
    QCOMPARE(qs(stepTime.dtypeName()), QStringLiteral("int32"));
    QCOMPARE(toTensor(stepTime, "step_time").values(), (std::vector<float> {4, 3, 2, 1, 0}));
    QVERIFY(readNpy(d + "/layers/gru/mask.npy").isBool());

    const Hdf5Group root = Hdf5File::openReadOnly(m_h5).root();
    for (const std::string p : {"layers/lstm/states/h", "layers/lstm/gates/c", "layers/stack/cells/1/gates/hh",
             "layers/bi/backward/output", "layers/simple/input", "outputs/output_1", "inputs/h0"}) {
        const NpyArray a = readNpy(d + "/" + p + ".npy");
        QCOMPARE(toQt(a.shape), toQt(root.dataset(p).shape()));
        QVERIFY2(toTensor(a, p).values() == root.dataset(p).readFloat32(), p.c_str());
    }

    const auto meta = readJson(dir + "/trace.json");
    QCOMPARE(js(meta.at("attributes").at("/").at("format")), js(nlohmann::json("rnnscope-trace")));
    QCOMPARE(js(meta.at("attributes").at("/").at("format_version")), js(nlohmann::json(1)));
    QCOMPARE(js(meta.at("attributes").at("/").at("options").at("layer")), js(nlohmann::json("gru")));
    const auto& lstm = meta.at("attributes").at("/layers/lstm");
    QCOMPARE(js(lstm.at("class")), js(nlohmann::json("LSTM")));
    QCOMPARE(js(lstm.at("units")), js(nlohmann::json(4)));
    QCOMPARE(js(lstm.at("gate_names")), js(nlohmann::json({"i", "f", "c", "o"})));
    QCOMPARE(js(lstm.at("options").at("return_sequences")), js(nlohmann::json(true)));
    QCOMPARE(js(meta.at("attributes").at("/layers/stack/cells/1").at("class")), js(nlohmann::json("GRUCell")));
    QCOMPARE(js(meta.at("attributes").at("/layers/bi").at("options").at("merge_mode")), js(nlohmann::json("concat")));
    const auto& h = meta.at("datasets").at("/layers/lstm/states/h");
    QCOMPARE(js(h.at("file")), js(nlohmann::json("layers/lstm/states/h.npy")));
    QCOMPARE(js(h.at("dtype")), js(nlohmann::json("float32")));
    QCOMPARE(js(h.at("shape")), js(nlohmann::json({2, 5, 4})));
    QCOMPARE(js(meta.at("datasets").at("/mask").at("attributes").at("source")), js(nlohmann::json("passed")));
    QVERIFY(tempFilesUnder(dir).isEmpty());
}

void TestTraceWriter::readableWithH5py()
{
    QProcess probe;
    probe.start(kPython, {"-c", "import h5py, numpy"});
    const bool available
        = probe.waitForFinished(60000) && probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0;
    if (!available) {
        QFAIL(qPrintable(QStringLiteral("%1 with h5py and numpy is needed to check that the trace file is readable "
                                        "by users (Debian: apt-get install python3-h5py python3-numpy): %2")
                             .arg(kPython, QString::fromLocal8Bit(probe.readAllStandardError()).trimmed())));
    }
    const QString npyDir = m_dir.path() + "/npy-h5py";
    writeTraceNpy(npyDir.toStdString(), m_run.trace, m_run.inputs);

    QProcess script;
    script.start(kPython, {QStringLiteral(RNNSCOPE_TEST_DATA "/../io/read_trace.py"), qs(m_h5), npyDir});
    QVERIFY(script.waitForFinished(120000));
    const QString out = QString::fromUtf8(script.readAllStandardOutput());
    const QString err = QString::fromUtf8(script.readAllStandardError());
    QVERIFY2(script.exitStatus() == QProcess::NormalExit && script.exitCode() == 0, qPrintable(out + err));

    std::map<std::string, double> sums;
    int count = -1;
    for (const QString& line : out.split('\n', Qt::SkipEmptyParts)) {
        const QStringList parts = line.split(' ');
        if (parts.size() == 5 && parts[0] == "dataset") {
            sums[parts[1].toStdString()] = parts[4].toDouble();
        } else if (parts.size() == 2 && parts[0] == "OK") {
            count = parts[1].toInt();
        }
    }
    QCOMPARE(count, static_cast<int>(sums.size()));
    QVERIFY(count > 40);

    const LayerTrace& lstm = layerTrace(m_run, "lstm");
    const LayerTrace& stack = layerTrace(m_run, "stack");
    const LayerTrace& bi = layerTrace(m_run, "bi");
    const LayerTrace& gru = layerTrace(m_run, "gru");
    std::vector<double> mask(m_run.mask.values().begin(), m_run.mask.values().end());
    std::vector<double> x(m_run.x.values().begin(), m_run.x.values().end());
    std::vector<double> stepTime(gru.stepTime.begin(), gru.stepTime.end());
    const std::map<std::string, double> expected {
        {"/layers/lstm/states/h", checksum(batchMajor(lstm.cells[0].states[0]))},
        {"/layers/lstm/gates/o", checksum(batchMajor(lstm.cells[0].gates[0], 12, 4))},
        {"/layers/stack/cells/1/output", checksum(batchMajor(stack.cells[1].output))},
        {"/layers/bi/backward/gates/c", checksum(batchMajor(bi.directions[1].cells[0].gates[0], 8, 4))},
        {"/layers/gru/step_time", checksum(stepTime)},
        {"/mask", checksum(mask)},
        {"/input", checksum(x)},
    };
    for (const auto& [path, want] : expected) {
        QVERIFY2(sums.count(path) == 1, path.c_str());
        const double got = sums.at(path);
        QVERIFY2(std::abs(got - want) <= 1e-9 * std::max(1.0, std::abs(want)),
            qPrintable(QStringLiteral("%1: h5py checksum %2, expected %3")
                           .arg(qs(path))
                           .arg(got, 0, 'g', 17)
                           .arg(want, 0, 'g', 17)));
    }
}

void TestTraceWriter::csvFiles()
{
    const QString dir = m_dir.path() + "/csv/nested";
    writeTraceCsv(dir.toStdString(), m_run.trace, m_run.inputs);
    QStringList expected;
    const QStringList gruQuantities {"input", "output", "state_h", "gate_z", "gate_r", "gate_hh"};
    const QStringList lstmQuantities {"input", "output", "state_h", "state_c", "gate_i", "gate_f", "gate_c", "gate_o"};
    for (const QString& q : lstmQuantities) {
        expected << "lstm." + q + ".csv"
                 << "bi.forward." + q + ".csv"
                 << "bi.backward." + q + ".csv";
    }
    for (const QString& q : gruQuantities) {
        expected << "gru." + q + ".csv";
    }
    expected << "stack.input.csv"
             << "stack.output.csv";
    for (const QString& q : lstmQuantities) {
        expected << "stack.cell0." + q + ".csv";
    }
    for (const QString& q : gruQuantities) {
        expected << "stack.cell1." + q + ".csv";
    }
    expected << "simple.input.csv"
             << "simple.output.csv"
             << "simple.state_h.csv";
    expected.sort();
    QCOMPARE(filesUnder(dir), expected);
}

void TestTraceWriter::csvValues()
{
    const QString dir = m_dir.path() + "/csv-values";
    writeTraceCsv(dir.toStdString(), m_run.trace, m_run.inputs);

    struct Case
    {
        QString file;
        const LayerTrace* layer;
        const TraceSeries* series;
        Index offset;
        Index width;
        QString quantity;
    };
    const LayerTrace& lstm = layerTrace(m_run, "lstm");
    const LayerTrace& gru = layerTrace(m_run, "gru");
    const LayerTrace& stack = layerTrace(m_run, "stack");
    const LayerTrace& back = layerTrace(m_run, "bi").directions.at(1);
    const std::vector<Case> cases {
        {"lstm.state_h.csv", &lstm, &lstm.cells[0].states[0], 0, 4, "state_h"},
        {"lstm.gate_c.csv", &lstm, &lstm.cells[0].gates[0], 8, 4, "gate_c"},
        {"lstm.input.csv", &lstm, &lstm.input, 0, 3, "input"},
        {"gru.gate_hh.csv", &gru, &gru.cells[0].gates[0], 8, 4, "gate_hh"},
        {"gru.output.csv", &gru, &gru.output, 0, 4, "output"},
        {"stack.cell0.state_c.csv", &stack, &stack.cells[0].states[1], 0, 5, "state_c"},
        {"stack.cell1.output.csv", &stack, &stack.cells[1].output, 0, 3, "output"},
        {"bi.backward.state_h.csv", &back, &back.cells[0].states[0], 0, 4, "state_h"},
    };
    for (const Case& c : cases) {
        QFile f(dir + "/" + c.file);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(c.file));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        const bool masked = !c.layer->mask.empty();
        QStringList header {"sample", "step", "time"};
        if (masked) {
            header << "mask";
        }
        for (Index u = 0; u < c.width; ++u) {
            header << c.quantity + "_" + QString::number(u);
        }
        QCOMPARE(lines.value(0), header.join(','));
        QCOMPARE(lines.size(), static_cast<int>(1 + kBatch * kSteps));
        const int first = masked ? 4 : 3;
        int row = 1;
        for (Index b = 0; b < kBatch; ++b) {
            for (Index s = 0; s < kSteps; ++s, ++row) {
                const QStringList cells = lines[row].split(',');
                QCOMPARE(cells.size(), static_cast<int>(first + c.width));
                QCOMPARE(cells[0].toLongLong(), b);
                QCOMPARE(cells[1].toLongLong(), s);
                QCOMPARE(cells[2].toInt(), c.layer->stepTime[static_cast<std::size_t>(s)]);
                if (masked) {
                    QCOMPARE(cells[3].toInt(), c.layer->stepMasked(s, b) ? 0 : 1);
                }
                for (Index u = 0; u < c.width; ++u) {
                    // %.9g round-trips: the parsed float is bit-for-bit the recorded one.
                    const float v = std::strtof(cells[first + static_cast<int>(u)].toLatin1().constData(), nullptr);
                    QCOMPARE(v, c.series->at(s, b, c.offset + u));
                }
            }
        }
    }
    // Sample 1 of the GRU is masked at the first two processing steps.
    QFile gruFile(dir + "/gru.state_h.csv");
    QVERIFY(gruFile.open(QIODevice::ReadOnly));
    const QStringList gruLines = QString::fromUtf8(gruFile.readAll()).split('\n', Qt::SkipEmptyParts);
    QVERIFY(gruLines[1 + kSteps].startsWith("1,0,4,0,"));
    QVERIFY(gruLines[1 + kSteps + 2].startsWith("1,2,2,1,"));
}

void TestTraceWriter::unwritablePaths_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("path");
    const QString regular = m_dir.path() + "/regular.txt";
    {
        QFile f(regular);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a directory\n");
    }
    QTest::newRow("hdf5 in /proc") << "hdf5"
                                   << "/proc/nonexistent/x.h5";
    QTest::newRow("hdf5 under a regular file") << "hdf5" << regular + "/x.h5";
    QTest::newRow("hdf5 in a missing directory") << "hdf5" << m_dir.path() + "/missing/x.h5";
    QTest::newRow("hdf5 over a directory") << "hdf5" << m_dir.path();
    QTest::newRow("npy in /proc") << "npy"
                                  << "/proc/nonexistent/dir";
    QTest::newRow("npy under a regular file") << "npy" << regular + "/dir";
    QTest::newRow("npy at a regular file") << "npy" << regular;
    QTest::newRow("csv in /proc") << "csv"
                                  << "/proc/nonexistent/dir";
    QTest::newRow("csv under a regular file") << "csv" << regular + "/dir";
}

void TestTraceWriter::unwritablePaths()
{
    QFETCH(QString, format);
    QFETCH(QString, path);
    const QStringList before = filesUnder(m_dir.path());
    const bool existed = QFileInfo::exists(path);
    try {
        if (format == "hdf5") {
            writeTraceHdf5(path.toStdString(), m_run.trace, m_run.inputs);
        } else if (format == "npy") {
            writeTraceNpy(path.toStdString(), m_run.trace, m_run.inputs);
        } else {
            writeTraceCsv(path.toStdString(), m_run.trace, m_run.inputs);
        }
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(qs(e.file()), path);
        QVERIFY2(qs(e.what()).startsWith(path + ": "), e.what());
    }
    QCOMPARE(QFileInfo::exists(path), existed);
    QCOMPARE(filesUnder(m_dir.path()), before);
}

void TestTraceWriter::failedWritesLeaveNoTemporaries()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const ModelTrace big = bigTrace();

    // HDF5 on a "full disk": the write fails part-way; the good file already there stays as it was.
    const QString h5 = dir.path() + "/trace.h5";
    writeTraceHdf5(h5.toStdString(), m_run.trace, m_run.inputs);
    const QByteArray good = [&] {
        QFile f(h5);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    QVERIFY(!good.isEmpty());
    {
        FileSizeLimit limit(256 * 1024);
        QVERIFY(limit.ok());
        QVERIFY_THROWS_EXCEPTION(FileError, writeTraceHdf5(h5.toStdString(), big, TraceInputs {}));
    }
    QCOMPARE(tempFilesUnder(dir.path()), QStringList());
    QFile again(h5);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), good);

    // A fresh HDF5 file that cannot be finished leaves nothing at all.
    const QString fresh = dir.path() + "/fresh.h5";
    {
        FileSizeLimit limit(256 * 1024);
        QVERIFY_THROWS_EXCEPTION(FileError, writeTraceHdf5(fresh.toStdString(), big, TraceInputs {}));
    }
    QVERIFY(!QFileInfo::exists(fresh));
    QCOMPARE(tempFilesUnder(dir.path()), QStringList());

    // NPY and CSV: a file whose final name is taken by a directory cannot be renamed into place.
    const QString npy = dir.path() + "/npy";
    QVERIFY(QDir().mkpath(npy + "/layers/lstm/states/h.npy/blocker"));
    try {
        writeTraceNpy(npy.toStdString(), m_run.trace, m_run.inputs);
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(qs(e.file()), npy + "/layers/lstm/states/h.npy");
    }
    QCOMPARE(tempFilesUnder(npy), QStringList());
    QVERIFY(!QFileInfo::exists(npy + "/trace.json"));

    const QString csv = dir.path() + "/csv";
    QVERIFY(QDir().mkpath(csv + "/lstm.state_c.csv/blocker"));
    try {
        writeTraceCsv(csv.toStdString(), m_run.trace, m_run.inputs);
        QFAIL("no FileError");
    } catch (const FileError& e) {
        QCOMPARE(qs(e.file()), csv + "/lstm.state_c.csv");
    }
    QCOMPARE(tempFilesUnder(csv), QStringList());

    // CSV and NPY on a "full disk".
    {
        FileSizeLimit limit(64 * 1024);
        QVERIFY_THROWS_EXCEPTION(FileError, writeTraceCsv((dir.path() + "/csv-full").toStdString(), big, {}));
        QVERIFY_THROWS_EXCEPTION(FileError, writeTraceNpy((dir.path() + "/npy-full").toStdString(), big, {}));
    }
    QCOMPARE(tempFilesUnder(dir.path()), QStringList());
}

void TestTraceWriter::invalidOptionsWriteNothing()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TraceInputs inputs = m_run.inputs;
    for (const std::string bad : {"{not json", "[1, 2]"}) {
        inputs.optionsJson = bad;
        QVERIFY_THROWS_EXCEPTION(
            std::invalid_argument, writeTraceHdf5((dir.path() + "/t.h5").toStdString(), m_run.trace, inputs));
        QVERIFY_THROWS_EXCEPTION(
            std::invalid_argument, writeTraceNpy((dir.path() + "/npy").toStdString(), m_run.trace, inputs));
        QVERIFY_THROWS_EXCEPTION(
            std::invalid_argument, writeTraceCsv((dir.path() + "/csv").toStdString(), m_run.trace, inputs));
    }
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
}

QTEST_GUILESS_MAIN(TestTraceWriter)
#include "tst_trace_writer.moc"
