// Hdf5File against real Keras files from three generations (h5py 2.x fixed-length strings, h5py 3 /
// Keras 3 variable-length strings, HDF5 under a .keras name), plus a write/read round trip.
// Expected values were read with h5py 3.7.

#include <algorithm>
#include <fstream>
#include <optional>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "core/io/atomic_file.h"
#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"
#include "core/io/hdf5_heap_check.h"
#include "core/io/model_loader.h"
#include "core/model.h"

using namespace rnnscope;
using namespace rnnscope::io;

namespace {

std::string realModel(const char* name)
{
    return std::string(RNNSCOPE_SHARED_DIR "/real-models/") + name;
}

const char* const kLstm213 = "dl4j_lstm_hardsig_k213_model.h5";
const char* const kKeras3 = "k3_legacy_h5_simplernn_k3141.h5";
const char* const kTf212 = "tfk212_bilstm_hdf5_named.keras";

QStringList toQt(const std::vector<std::string>& list)
{
    QStringList out;
    for (const std::string& s : list) {
        out << QString::fromStdString(s);
    }
    return out;
}

QList<qint64> toList(const Shape& shape)
{
    return QList<qint64>(shape.begin(), shape.end());
}

std::vector<unsigned char> readAll(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `f`, expecting a FileError whose file is `file` and whose one-line problem contains `problem`.
template <typename F> void expectFileError(F f, const std::string& file, const QString& problem)
{
    try {
        f();
        QFAIL(qPrintable("no FileError, expected: " + problem));
    } catch (const FileError& e) {
        QCOMPARE(e.file(), file);
        const QString got = QString::fromStdString(e.problem());
        QVERIFY2(got.contains(problem), qPrintable("problem was: " + got));
        QVERIFY2(!got.contains('\n'), qPrintable("multi-line problem: " + got));
    }
}

} // namespace

class TestHdf5File : public QObject
{
    Q_OBJECT

private slots:
    void rootAttributes_data();
    void rootAttributes();
    void layerNames_data();
    void layerNames();
    void weightNames_data();
    void weightNames();
    void weightValues_data();
    void weightValues();
    void navigation();
    void scalarDatasets();
    void openImage();
    void attributeErrors();
    void navigationErrors();
    void openErrors_data();
    void openErrors();
    void truncatedFile();
    void truncatedImages();
    void writeAndReadBack();
    void writtenFileReadableByH5py();
    void chunkedStringLists();
    void conversionsAndTypes();
    void absurdDatasetsRefused();
    void denseAttributes_data();
    void denseAttributes();
    void denseAttributeLayouts_data();
    void denseAttributeLayouts();
    void denseRealModels();
    void useAfterClose();
    void handleIsMoveOnly();
};

void TestHdf5File::rootAttributes_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("kerasVersion");
    QTest::addColumn<QString>("configStart");
    QTest::newRow("Keras 2.1.3 / h5py 2") << kLstm213 << "2.1.3"
                                          << "{\"class_name\": \"Sequential\", \"config\": [{";
    QTest::newRow("Keras 3.14.1 legacy h5")
        << kKeras3 << "3.14.1"
        << "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential_1\"";
    QTest::newRow("tf.keras 2.12 under .keras name")
        << kTf212 << "2.12.0"
        << "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\"";
}

void TestHdf5File::rootAttributes()
{
    QFETCH(QString, file);
    QFETCH(QString, kerasVersion);
    QFETCH(QString, configStart);
    const Hdf5File h5 = Hdf5File::openReadOnly(realModel(qPrintable(file)));
    const Hdf5Group root = h5.root();
    QCOMPARE(root.fullPath(), std::string("/"));
    QCOMPARE(root.label(), std::string("/"));
    QCOMPARE(QString::fromStdString(root.stringAttribute("keras_version")), kerasVersion);
    QCOMPARE(root.stringAttribute("backend"), std::string("tensorflow"));
    QVERIFY(QString::fromStdString(root.stringAttribute("model_config")).startsWith(configStart));
    QVERIFY(root.hasAttribute("training_config"));
    QVERIFY(!root.hasAttribute("nope"));
    QCOMPARE(
        toQt(root.attributeNames()), (QStringList {"backend", "keras_version", "model_config", "training_config"}));
    QCOMPARE(root.group("model_weights").stringAttribute("keras_version"), kerasVersion.toStdString());
    QCOMPARE(root.intAttribute("nope"), std::optional<std::int64_t> {});
}

void TestHdf5File::layerNames_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("layers");
    QTest::addColumn<QStringList>("children");
    QTest::newRow("fixed-length NULLPAD")
        << kLstm213 << QStringList {"lstm_1", "dense_1"} << QStringList {"dense_1", "lstm_1"};
    QTest::newRow("variable-length") << kKeras3 << QStringList {"simple_rnn_1", "dropout_1", "dense_2", "dense_3"}
                                     << QStringList {"dense_2", "dense_3", "dropout_1", "simple_rnn_1",
                                            "top_level_model_weights"};
    QTest::newRow("variable-length, .keras name")
        << kTf212 << QStringList {"bidirectional", "dropout", "bidirectional_1", "dropout_1", "dense", "dense_1"}
        << QStringList {"bidirectional", "bidirectional_1", "dense", "dense_1", "dropout", "dropout_1",
               "top_level_model_weights"};
}

void TestHdf5File::layerNames()
{
    QFETCH(QString, file);
    QFETCH(QStringList, layers);
    QFETCH(QStringList, children);
    const Hdf5Group weights = Hdf5File::openReadOnly(realModel(qPrintable(file))).root().group("model_weights");
    QCOMPARE(toQt(weights.stringListAttribute("layer_names")), layers);
    QCOMPARE(toQt(weights.chunkedStringListAttribute("layer_names")), layers);
    QCOMPARE(toQt(weights.childNames()), children);
}

void TestHdf5File::weightNames_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("layer");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("h5py 2 fixed-length") << kLstm213 << "lstm_1"
                                         << QStringList {
                                                "lstm_1/kernel:0", "lstm_1/recurrent_kernel:0", "lstm_1/bias:0"};
    QTest::newRow("Keras 3 without :0") << kKeras3 << "simple_rnn_1"
                                        << QStringList {"sequential_1/simple_rnn_1/simple_rnn_cell/kernel",
                                               "sequential_1/simple_rnn_1/simple_rnn_cell/recurrent_kernel",
                                               "sequential_1/simple_rnn_1/simple_rnn_cell/bias"};
    QTest::newRow("Keras 3 Dropout: float64 (0,)") << kKeras3 << "dropout_1" << QStringList {};
    QTest::newRow("tf.keras Dropout") << kTf212 << "dropout" << QStringList {};
    QTest::newRow("tf.keras top_level_model_weights") << kTf212 << "top_level_model_weights" << QStringList {};
    QTest::newRow("tf.keras Bidirectional")
        << kTf212 << "bidirectional"
        << QStringList {"bidirectional/forward_lstm/lstm_cell_1/kernel:0",
               "bidirectional/forward_lstm/lstm_cell_1/recurrent_kernel:0",
               "bidirectional/forward_lstm/lstm_cell_1/bias:0", "bidirectional/backward_lstm/lstm_cell_2/kernel:0",
               "bidirectional/backward_lstm/lstm_cell_2/recurrent_kernel:0",
               "bidirectional/backward_lstm/lstm_cell_2/bias:0"};
}

void TestHdf5File::weightNames()
{
    QFETCH(QString, file);
    QFETCH(QString, layer);
    QFETCH(QStringList, names);
    const Hdf5Group group
        = Hdf5File::openReadOnly(realModel(qPrintable(file))).root().group("model_weights/" + layer.toStdString());
    QCOMPARE(group.fullPath(), "/model_weights/" + layer.toStdString());
    QCOMPARE(toQt(group.chunkedStringListAttribute("weight_names")), names);
    for (const QString& name : names) {
        QVERIFY2(group.isDataset(name.toStdString()), qPrintable(name));
    }
}

void TestHdf5File::weightValues_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QList<qint64>>("shape");
    QTest::addColumn<QList<float>>("first");
    QTest::addColumn<float>("last");
    QTest::newRow("LSTM kernel, Keras 2.1.3")
        << kLstm213 << "model_weights/lstm_1/lstm_1/kernel:0" << QList<qint64> {1, 200}
        << QList<float> {0.21242687106132507F, -0.20361097157001495F, -0.16377376019954681F, 0.21036429703235626F}
        << 0.23343254625797272F;
    QTest::newRow("Dense bias, Keras 2.1.3") << kLstm213 << "model_weights/dense_1/dense_1/bias:0" << QList<qint64> {1}
                                             << QList<float> {0.018292292952537537F} << 0.018292292952537537F;
    QTest::newRow("SimpleRNN kernel, Keras 3")
        << kKeras3 << "model_weights/simple_rnn_1/sequential_1/simple_rnn_1/simple_rnn_cell/kernel"
        << QList<qint64> {9, 128} << QList<float> {0.18087869882583618F, 0.18542605638504028F, 0.2423313409090042F}
        << 0.17145316302776337F;
    QTest::newRow("Dense kernel, tf.keras 2.12")
        << kTf212 << "model_weights/dense_1/dense_1/kernel:0" << QList<qint64> {100, 1}
        << QList<float> {0.17079144716262817F, 0.17717650532722473F, 0.2185339331626892F} << 0.1513957977294922F;
}

void TestHdf5File::weightValues()
{
    QFETCH(QString, file);
    QFETCH(QString, dataset);
    QFETCH(QList<qint64>, shape);
    QFETCH(QList<float>, first);
    QFETCH(float, last);
    const Hdf5Dataset d = Hdf5File::openReadOnly(realModel(qPrintable(file))).root().dataset(dataset.toStdString());
    QCOMPARE(toList(d.shape()), shape);
    QCOMPARE(d.typeDescription(), std::string("float32"));
    QVERIFY(d.isNumeric());
    const std::vector<float> values = d.readFloat32();
    QCOMPARE(static_cast<Index>(values.size()), d.size());
    for (qsizetype i = 0; i < first.size(); ++i) {
        QCOMPARE(values[static_cast<std::size_t>(i)], first[i]); // exact: same float32 bits as h5py
    }
    QCOMPARE(values.back(), last);
}

void TestHdf5File::navigation()
{
    const Hdf5Group root = Hdf5File::openReadOnly(realModel(kTf212)).root();
    QVERIFY(root.hasChild("model_weights"));
    QVERIFY(root.isGroup("model_weights"));
    QVERIFY(!root.isDataset("model_weights"));
    QVERIFY(root.hasChild("model_weights/bidirectional/bidirectional/forward_lstm/lstm_cell_1/kernel:0"));
    QVERIFY(root.isDataset("/model_weights/bidirectional/bidirectional/forward_lstm/lstm_cell_1/kernel:0"));
    QVERIFY(!root.hasChild("model_weights/nope/kernel:0"));
    QVERIFY(!root.hasChild("nope"));
    // An intermediate component that is a dataset is "not there", not an HDF5 error.
    QVERIFY(!root.hasChild("optimizer_weights/iteration:0/deeper"));
    QVERIFY(!root.isGroup("model_weights/dense/dense/bias:0"));

    const Hdf5Group bi = root.group("model_weights/bidirectional");
    const Hdf5Group forward = bi.group("bidirectional/forward_lstm");
    QCOMPARE(forward.fullPath(), std::string("/model_weights/bidirectional/bidirectional/forward_lstm"));
    QCOMPARE(forward.label(), std::string("model_weights/bidirectional/bidirectional/forward_lstm"));
    QCOMPARE(toQt(forward.childNames()), QStringList {"lstm_cell_1"});
    const Hdf5Dataset kernel = forward.dataset("lstm_cell_1/kernel:0");
    QCOMPARE(
        kernel.fullPath(), std::string("/model_weights/bidirectional/bidirectional/forward_lstm/lstm_cell_1/kernel:0"));
    QCOMPARE(toList(kernel.shape()), (QList<qint64> {167, 256}));
    QCOMPARE(kernel.fileName(), realModel(kTf212));
}

void TestHdf5File::scalarDatasets()
{
    const Hdf5Group root = Hdf5File::openReadOnly(realModel(kKeras3)).root();
    const Hdf5Dataset iteration = root.dataset("optimizer_weights/adam/iteration");
    QCOMPARE(toList(iteration.shape()), QList<qint64> {});
    QCOMPARE(iteration.size(), Index {1});
    QCOMPARE(iteration.typeDescription(), std::string("int64"));
    QCOMPARE(iteration.readFloat32(), std::vector<float> {736.0F});
    const Hdf5Dataset rate = root.dataset("optimizer_weights/adam/learning_rate");
    QCOMPARE(rate.readFloat32(), std::vector<float> {0.001F});
}

void TestHdf5File::openImage()
{
    const std::vector<unsigned char> bytes = readAll(realModel(kTf212));
    QVERIFY(bytes.size() > 1000);
    const Hdf5File image = Hdf5File::openImage(bytes, "archive.keras/model.weights.h5");
    QCOMPARE(image.path(), std::string("archive.keras/model.weights.h5"));
    QCOMPARE(image.fileSize(), static_cast<std::uint64_t>(bytes.size()));
    const Hdf5Group root = image.root();
    QCOMPARE(root.stringAttribute("keras_version"), std::string("2.12.0"));
    const std::string name = "model_weights/dense_1/dense_1/kernel:0";
    QCOMPARE(
        root.dataset(name).readFloat32(), Hdf5File::openReadOnly(realModel(kTf212)).root().dataset(name).readFloat32());
    // Errors name the in-memory file.
    expectFileError([&] { root.group("model_weights").stringAttribute("nope"); }, "archive.keras/model.weights.h5",
        "model_weights: no attribute 'nope'");

    // Truncated and non-HDF5 images fail cleanly too.
    std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + 1000);
    expectFileError([&] { Hdf5File::openImage(cut, "cut.h5"); }, "cut.h5",
        "truncated: file has 1000 bytes, its HDF5 superblock says 2073864");
    expectFileError(
        [&] {
            Hdf5File::openImage({'P', 'K', 3, 4, 0, 0, 0, 0, 0}, "zip.h5");
        },
        "zip.h5", "not HDF5 data (no HDF5 signature; starts with \"PK\\x03\\x04");
    expectFileError([&] { Hdf5File::openImage({}, "empty.h5"); }, "empty.h5", "empty, not HDF5");
}

void TestHdf5File::attributeErrors()
{
    const std::string path = realModel(kKeras3);
    const Hdf5Group root = Hdf5File::openReadOnly(path).root();
    const Hdf5Group rnn = root.group("model_weights/simple_rnn_1");
    expectFileError(
        [&] { rnn.stringAttribute("weight_name"); }, path, "model_weights/simple_rnn_1: no attribute 'weight_name'");
    expectFileError([&] { rnn.stringListAttribute("nope"); }, path, "model_weights/simple_rnn_1: no attribute 'nope'");
    expectFileError([&] { rnn.chunkedStringListAttribute("nope"); }, path,
        "model_weights/simple_rnn_1: no attribute 'nope' (nor 'nope0')");
    expectFileError([&] { rnn.stringAttribute("weight_names"); }, path,
        "model_weights/simple_rnn_1: attribute 'weight_names' holds 3 strings (shape (3,)), expected one");
    expectFileError([&] { root.group("model_weights/dropout_1").stringAttribute("weight_names"); }, path,
        "model_weights/dropout_1: attribute 'weight_names' is float64, not a string");
    expectFileError(
        [&] { root.intAttribute("keras_version"); }, path, "/: attribute 'keras_version' is string, not an integer");
}

void TestHdf5File::navigationErrors()
{
    const std::string path = realModel(kLstm213);
    const Hdf5Group weights = Hdf5File::openReadOnly(path).root().group("model_weights");
    expectFileError([&] { weights.group("lstm_2"); }, path, "model_weights: no group 'lstm_2'");
    expectFileError(
        [&] { weights.dataset("lstm_1/lstm_1/kernel:1"); }, path, "model_weights: no dataset 'lstm_1/lstm_1/kernel:1'");
    expectFileError([&] { weights.dataset("lstm_1"); }, path, "model_weights: 'lstm_1' is a group, expected a dataset");
    expectFileError([&] { weights.group("lstm_1/lstm_1/bias:0"); }, path,
        "model_weights: 'lstm_1/lstm_1/bias:0' is a dataset, expected a group");
    expectFileError(
        [&] { weights.group("lstm_1/lstm_1/bias:0/x"); }, path, "model_weights: no group 'lstm_1/lstm_1/bias:0/x'");
}

void TestHdf5File::openErrors_data()
{
    QTest::addColumn<QString>("content"); // written to a temporary file; "<missing>" for no file
    QTest::addColumn<QString>("problem");
    QTest::newRow("missing") << "<missing>"
                             << "no such file";
    QTest::newRow("directory") << "<directory>"
                               << "is a directory, not an HDF5 file";
    QTest::newRow("empty") << ""
                           << "empty file, not HDF5";
    QTest::newRow("text") << "{\"class_name\": \"Sequential\"}"
                          << "not an HDF5 file (no HDF5 signature; starts with "
                             "\"{\\x22class_\")";
    QTest::newRow("zip") << "PK\x03\x04rest"
                         << "not an HDF5 file (no HDF5 signature; starts with \"PK\\x03\\x04rest\")";
}

void TestHdf5File::openErrors()
{
    QFETCH(QString, content);
    QFETCH(QString, problem);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("file.h5").toStdString();
    if (content == "<directory>") {
        QVERIFY(QDir(dir.path()).mkdir("file.h5"));
    } else if (content != "<missing>") {
        std::ofstream(path, std::ios::binary) << content.toStdString();
    }
    expectFileError([&] { Hdf5File::openReadOnly(path); }, path, problem);
}

void TestHdf5File::truncatedFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (const char* model : {kLstm213, kKeras3, kTf212}) {
        const std::vector<unsigned char> bytes = readAll(realModel(model));
        const std::string path = dir.filePath(QString::fromLatin1(model)).toStdString();
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), 1000);
        // HDF5 notices the missing end at open time, from the end-of-file address in the superblock.
        expectFileError([&] { Hdf5File::openReadOnly(path); }, path,
            QStringLiteral("truncated: file has 1000 bytes, its HDF5 superblock says %1").arg(bytes.size()));
    }
}

void TestHdf5File::truncatedImages()
{
    // Cut at many points, from inside the superblock to just before the end: always a FileError.
    const std::vector<unsigned char> bytes = readAll(realModel(kLstm213));
    for (std::size_t length : {std::size_t {0}, std::size_t {7}, std::size_t {8}, std::size_t {40}, std::size_t {96},
             std::size_t {2048}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
        const std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
        try {
            Hdf5File::openImage(cut, "cut.h5");
            QFAIL(qPrintable(QStringLiteral("a %1-byte prefix was accepted").arg(length)));
        } catch (const FileError& e) {
            QCOMPARE(e.file(), std::string("cut.h5"));
            QVERIFY(!QString::fromStdString(e.problem()).contains('\n'));
        }
    }
}

namespace {

const std::vector<float> kFloats {0.5F, -1.25F, 3.0e-8F, 1e30F, -0.0F, 7.0F};
const std::vector<std::uint8_t> kBytes {1, 0, 1, 1, 0, 255};
const std::vector<std::int32_t> kInts {0, 1, 2, -3, 2147483647, -2147483647 - 1};

// The file every write test produces: a small trace-like layout.
void writeSample(const std::string& finalPath)
{
    AtomicFile atomic(finalPath);
    Hdf5File file = Hdf5File::create(atomic.tempPath(), finalPath);
    QCOMPARE(file.path(), finalPath);
    Hdf5Group root = file.root();
    root.setStringAttribute("format", "rnnscope-trace");
    root.setIntAttribute("format_version", 1);
    root.setStringAttribute("options", "{\"unicode\": \"h\u00e9llo \u2192\"}");
    root.writeDataset("input", {2, 3}, kFloats.data());
    root.writeDataset("mask", {2, 3}, kBytes.data());
    Hdf5Group lstm = root.createGroup("layers/lstm_1");
    lstm.setStringAttribute("class", "LSTM");
    lstm.setIntAttribute("units", -5);
    lstm.setStringListAttribute("state_names", {"h", "c"});
    lstm.setStringListAttribute("gate_names", {});
    lstm.setStringAttribute("class", "LSTM2"); // replaced, not duplicated
    lstm.writeDataset("step_time", {6}, kInts.data());
    lstm.writeDataset("states/h", {2, 3}, kFloats.data(), {true, 6});
    lstm.writeDataset("states/c", {2, 3}, kFloats.data(), {true, 0});
    lstm.writeDataset("empty", {0, 4}, static_cast<const float*>(nullptr), {true, 6});
    lstm.writeDataset("scalar", {}, kFloats.data(), {true, 6});
    // Large enough to need several chunks.
    std::vector<float> big(64 * 100 * 32);
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<float>(i % 1000) * 0.5F;
    }
    lstm.writeDataset("gates/big", {64, 100, 32}, big.data(), {true, 4});
    expectFileError([&] { lstm.createGroup("states"); }, finalPath,
        "layers/lstm_1: cannot create group 'states': it already exists");
    expectFileError([&] { lstm.writeDataset("step_time", {1}, kInts.data()); }, finalPath,
        "layers/lstm_1: cannot write dataset 'step_time': it already exists");
    expectFileError(
        [&] {
            lstm.writeDataset("bad", {-1, 2}, kFloats.data());
        },
        finalPath, "layers/lstm_1: cannot write dataset 'bad': shape (None, 2) has an unknown dimension");
    file.close();
    atomic.commit();
}

} // namespace

void TestHdf5File::writeAndReadBack()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("trace.h5").toStdString();
    writeSample(path);
    if (QTest::currentTestFailed()) {
        return;
    }
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList {"trace.h5"});

    const Hdf5File file = Hdf5File::openReadOnly(path);
    const Hdf5Group root = file.root();
    QCOMPARE(root.stringAttribute("format"), std::string("rnnscope-trace"));
    QCOMPARE(root.intAttribute("format_version"), std::optional<std::int64_t>(1));
    QCOMPARE(root.stringAttribute("options"), std::string("{\"unicode\": \"h\u00e9llo \u2192\"}"));
    QCOMPARE(toQt(root.childNames()), (QStringList {"input", "layers", "mask"}));
    QCOMPARE(root.dataset("input").readFloat32(), kFloats);
    QCOMPARE(root.dataset("mask").typeDescription(), std::string("uint8"));
    QCOMPARE(root.dataset("mask").readUInt8(), kBytes);

    const Hdf5Group lstm = root.group("layers/lstm_1");
    QCOMPARE(lstm.stringAttribute("class"), std::string("LSTM2"));
    QCOMPARE(lstm.intAttribute("units"), std::optional<std::int64_t>(-5));
    QCOMPARE(toQt(lstm.stringListAttribute("state_names")), (QStringList {"h", "c"}));
    QCOMPARE(toQt(lstm.stringListAttribute("gate_names")), QStringList {});
    QCOMPARE(toQt(lstm.attributeNames()), (QStringList {"class", "gate_names", "state_names", "units"}));
    const Hdf5Dataset stepTime = lstm.dataset("step_time");
    QCOMPARE(stepTime.typeDescription(), std::string("int32"));
    QCOMPARE(stepTime.readFloat32(), (std::vector<float> {0.0F, 1.0F, 2.0F, -3.0F, 2147483647.0F, -2147483648.0F}));
    QCOMPARE(lstm.dataset("states/h").readFloat32(), kFloats);
    QCOMPARE(lstm.dataset("states/c").readFloat32(), kFloats);
    QCOMPARE(toList(lstm.dataset("empty").shape()), (QList<qint64> {0, 4}));
    QCOMPARE(lstm.dataset("empty").readFloat32(), std::vector<float> {});
    QCOMPARE(toList(lstm.dataset("scalar").shape()), QList<qint64> {});
    QCOMPARE(lstm.dataset("scalar").readFloat32(), std::vector<float> {0.5F});
    const std::vector<float> big = lstm.dataset("gates/big").readFloat32();
    QCOMPARE(big.size(), std::size_t {64 * 100 * 32});
    for (std::size_t i = 0; i < big.size(); i += 997) {
        QCOMPARE(big[i], static_cast<float>(i % 1000) * 0.5F);
    }

    // Chunked + deflate really applied where asked, and not for the scalar or the plain datasets.
    auto filters = [&](const Hdf5Dataset& d) {
        Hdf5Handle dcpl(H5Dget_create_plist(d.id()), Hdf5Handle::Kind::PropertyList);
        return std::make_pair(H5Pget_layout(dcpl.id()), H5Pget_nfilters(dcpl.id()));
    };
    QCOMPARE(filters(lstm.dataset("states/h")), std::make_pair(H5D_CHUNKED, 2));
    QCOMPARE(filters(lstm.dataset("states/c")), std::make_pair(H5D_CHUNKED, 0));
    QCOMPARE(filters(lstm.dataset("scalar")).second, 0);
    QCOMPARE(filters(root.dataset("input")), std::make_pair(H5D_CONTIGUOUS, 0));
    const Hdf5Dataset bigSet = lstm.dataset("gates/big");
    Hdf5Handle dcpl(H5Dget_create_plist(bigSet.id()), Hdf5Handle::Kind::PropertyList);
    hsize_t chunk[3] = {};
    QCOMPARE(H5Pget_chunk(dcpl.id(), 3, chunk), 3);
    QCOMPARE(chunk[1], hsize_t {100}); // whole time axis per chunk
    QCOMPARE(chunk[2], hsize_t {32});
    QVERIFY(chunk[0] < 64);
}

void TestHdf5File::writtenFileReadableByH5py()
{
    const QString python = QStringLiteral("/usr/bin/python3");
    if (!QFile::exists(python)) {
        QSKIP("no /usr/bin/python3");
    }
    QProcess probe;
    probe.start(python, {"-c", "import h5py"});
    if (!probe.waitForFinished(60000) || probe.exitCode() != 0) {
        QSKIP("h5py is not installed");
    }
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("trace.h5");
    writeSample(path.toStdString());
    if (QTest::currentTestFailed()) {
        return;
    }
    const char* script = R"(
import sys, h5py
f = h5py.File(sys.argv[1], 'r')
a = f.attrs
l = f['layers/lstm_1']
print(type(a['format']).__name__, a['format'], int(a['format_version']), a['options'])
print(list(l.attrs['state_names']), len(l.attrs['gate_names']), l.attrs['class'], int(l.attrs['units']))
print(f['input'].dtype, f['input'].shape, f['input'][1, 0], f['mask'].dtype, list(f['mask'][1]))
print(l['step_time'].dtype, list(l['step_time'][()]), l['states/h'].compression, l['states/h'][0, 1])
print(l['scalar'][()], l['empty'].shape, l['gates/big'][63, 99, 31])
)";
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("PYTHONIOENCODING", "utf-8");
    p.setProcessEnvironment(env);
    p.start(python, {"-c", script, path});
    QVERIFY(p.waitForFinished(60000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
    const QStringList lines = out.trimmed().split('\n');
    QCOMPARE(lines.size(), 5);
    QCOMPARE(lines[0], QString::fromUtf8("str rnnscope-trace 1 {\"unicode\": \"h\u00e9llo \u2192\"}"));
    QCOMPARE(lines[1], QStringLiteral("['h', 'c'] 0 LSTM2 -5"));
    QCOMPARE(lines[2], QStringLiteral("float32 (2, 3) 1e+30 uint8 [1, 0, 255]"));
    QCOMPARE(lines[3], QStringLiteral("int32 [0, 1, 2, -3, 2147483647, -2147483648] gzip -1.25"));
    const float last = static_cast<float>((64 * 100 * 32 - 1) % 1000) * 0.5F;
    QCOMPARE(lines[4], QStringLiteral("0.5 (0, 4) %1").arg(static_cast<double>(last), 0, 'f', 1));
}

void TestHdf5File::chunkedStringLists()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("chunks.h5").toStdString();
    {
        Hdf5File file = Hdf5File::create(path);
        Hdf5Group g = file.root().createGroup("model_weights");
        g.setStringListAttribute("layer_names0", {"a", "b"});
        g.setStringListAttribute("layer_names1", {"c"});
        g.setStringListAttribute("layer_names2", {});
        g.setStringListAttribute("weight_names", {"x"});
        g.setStringListAttribute("weight_names0", {"ignored"});
        file.close();
    }
    const Hdf5Group g = Hdf5File::openReadOnly(path).root().group("model_weights");
    QCOMPARE(toQt(g.chunkedStringListAttribute("layer_names")), (QStringList {"a", "b", "c"}));
    // The unsplit attribute wins, as in Keras's load_attributes_from_hdf5_group.
    QCOMPARE(toQt(g.chunkedStringListAttribute("weight_names")), QStringList {"x"});
    expectFileError([&] { g.stringListAttribute("layer_names"); }, path, "model_weights: no attribute 'layer_names'");
}

void TestHdf5File::conversionsAndTypes()
{
    // Datasets in types Keras and h5py produce but our writer does not: written with the raw C API.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("types.h5").toStdString();
    {
        Hdf5File file = Hdf5File::create(path);
        const hid_t root = file.id();
        auto write = [&](const char* name, hid_t fileType, hid_t memType, const void* data, hsize_t n) {
            Hdf5Handle space(H5Screate_simple(1, &n, nullptr), Hdf5Handle::Kind::Dataspace);
            Hdf5Handle d(H5Dcreate2(root, name, fileType, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                Hdf5Handle::Kind::Dataset);
            QVERIFY(d.valid());
            QVERIFY(H5Dwrite(d.id(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
        };
        const double f64[] = {0.1, -2.5, 1e10};
        write("f64", H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE, f64, 3);
        const long long i64[] = {-1, 16777216, 3};
        write("i64", H5T_STD_I64LE, H5T_NATIVE_LLONG, i64, 3);
        const unsigned short u16[] = {0, 65535};
        write("u16", H5T_STD_U16BE, H5T_NATIVE_USHORT, u16, 2);
        Hdf5Handle half(H5Tcopy(H5T_IEEE_F32LE), Hdf5Handle::Kind::Datatype);
        H5Tset_fields(half.id(), 15, 10, 5, 0, 10);
        H5Tset_size(half.id(), 2);
        H5Tset_ebias(half.id(), 15);
        const float f16[] = {0.5F, -2.0F, 65504.0F};
        write("f16", half.id(), H5T_NATIVE_FLOAT, f16, 3);
        Hdf5Handle str(H5Tcopy(H5T_C_S1), Hdf5Handle::Kind::Datatype);
        H5Tset_size(str.id(), 4);
        write("str", str.id(), str.id(), "abcdefgh", 2);
        // A fixed-length SPACEPAD string attribute, as some non-h5py writers produce.
        Hdf5Handle spaced(H5Tcopy(H5T_C_S1), Hdf5Handle::Kind::Datatype);
        H5Tset_size(spaced.id(), 8);
        H5Tset_strpad(spaced.id(), H5T_STR_SPACEPAD);
        Hdf5Handle scalar(H5Screate(H5S_SCALAR), Hdf5Handle::Kind::Dataspace);
        Hdf5Handle attr(H5Acreate2(root, "spaced", spaced.id(), scalar.id(), H5P_DEFAULT, H5P_DEFAULT),
            Hdf5Handle::Kind::Attribute);
        QVERIFY(H5Awrite(attr.id(), spaced.id(), "2.1.3   ") >= 0);
        // A NULLTERM one in a 1-element simple dataspace, and an unsigned 64-bit integer attribute.
        Hdf5Handle nullterm(H5Tcopy(H5T_C_S1), Hdf5Handle::Kind::Datatype);
        H5Tset_size(nullterm.id(), 6);
        H5Tset_strpad(nullterm.id(), H5T_STR_NULLTERM);
        const hsize_t one = 1;
        Hdf5Handle oneSpace(H5Screate_simple(1, &one, nullptr), Hdf5Handle::Kind::Dataspace);
        Hdf5Handle attr2(H5Acreate2(root, "nullterm", nullterm.id(), oneSpace.id(), H5P_DEFAULT, H5P_DEFAULT),
            Hdf5Handle::Kind::Attribute);
        QVERIFY(H5Awrite(attr2.id(), nullterm.id(), "abc\0zz") >= 0);
        const unsigned long long big = 1ULL << 63;
        Hdf5Handle attr3(
            H5Acreate2(root, "u64", H5T_STD_U64LE, scalar.id(), H5P_DEFAULT, H5P_DEFAULT), Hdf5Handle::Kind::Attribute);
        QVERIFY(H5Awrite(attr3.id(), H5T_NATIVE_ULLONG, &big) >= 0);
        Hdf5Handle attr4(H5Acreate2(root, "f32", H5T_IEEE_F32LE, scalar.id(), H5P_DEFAULT, H5P_DEFAULT),
            Hdf5Handle::Kind::Attribute);
        const float pi = 3.14F;
        QVERIFY(H5Awrite(attr4.id(), H5T_NATIVE_FLOAT, &pi) >= 0);
        file.close();
    }
    if (QTest::currentTestFailed()) {
        return;
    }
    const Hdf5Group root = Hdf5File::openReadOnly(path).root();
    QCOMPARE(root.dataset("f64").typeDescription(), std::string("float64"));
    QCOMPARE(root.dataset("f64").readFloat32(), (std::vector<float> {0.1F, -2.5F, 1e10F}));
    QCOMPARE(root.dataset("i64").typeDescription(), std::string("int64"));
    QCOMPARE(root.dataset("i64").readFloat32(), (std::vector<float> {-1.0F, 16777216.0F, 3.0F}));
    QCOMPARE(root.dataset("i64").readUInt8(), (std::vector<std::uint8_t> {0, 255, 3})); // clamped
    QCOMPARE(root.dataset("u16").typeDescription(), std::string("uint16"));
    QCOMPARE(root.dataset("u16").readFloat32(), (std::vector<float> {0.0F, 65535.0F}));
    QCOMPARE(root.dataset("f16").typeDescription(), std::string("float16"));
    QCOMPARE(root.dataset("f16").readFloat32(), (std::vector<float> {0.5F, -2.0F, 65504.0F}));
    QCOMPARE(root.dataset("str").typeDescription(), std::string("string"));
    QVERIFY(!root.dataset("str").isNumeric());
    expectFileError([&] { root.dataset("str").readFloat32(); }, path, "str: dataset is string, not numeric");
    expectFileError(
        [&] { root.dataset("f64").readUInt8(); }, path, "f64: dataset is float64, expected an integer type");
    QCOMPARE(root.stringAttribute("spaced"), std::string("2.1.3"));
    QCOMPARE(root.stringAttribute("nullterm"), std::string("abc"));
    QCOMPARE(toQt(root.stringListAttribute("nullterm")), QStringList {"abc"});
    expectFileError([&] { root.intAttribute("u64"); }, path,
        "/: attribute 'u64' value 9223372036854775808 does not "
        "fit in int64");
    expectFileError([&] { root.intAttribute("f32"); }, path, "/: attribute 'f32' is float32, not an integer");
    expectFileError([&] { root.stringListAttribute("f32"); }, path,
        "/: attribute 'f32' is float32 with shape (), not a list of strings");
}

void TestHdf5File::absurdDatasetsRefused()
{
    // Declared shapes far beyond what the file holds must be refused before anything is allocated.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("absurd.h5").toStdString();
    {
        Hdf5File file = Hdf5File::create(path);
        // Contiguous storage is allocated late: never written, the file stays tiny.
        const hsize_t dims[2] = {1U << 15, 1U << 14}; // 2^29 float32 = 2 GiB
        Hdf5Handle space(H5Screate_simple(2, dims, nullptr), Hdf5Handle::Kind::Dataspace);
        Hdf5Handle d(
            H5Dcreate2(file.id(), "contiguous", H5T_IEEE_F32LE, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            Hdf5Handle::Kind::Dataset);
        QVERIFY(d.valid());
        const hsize_t hugeDims[2] = {hsize_t {1} << 20, hsize_t {1} << 20};
        Hdf5Handle hugeSpace(H5Screate_simple(2, hugeDims, nullptr), Hdf5Handle::Kind::Dataspace);
        Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), Hdf5Handle::Kind::PropertyList);
        const hsize_t chunk[2] = {64, 64};
        H5Pset_chunk(dcpl.id(), 2, chunk);
        H5Pset_deflate(dcpl.id(), 4);
        Hdf5Handle d2(
            H5Dcreate2(file.id(), "chunked", H5T_IEEE_F32LE, hugeSpace.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
            Hdf5Handle::Kind::Dataset);
        QVERIFY(d2.valid());
        file.close();
    }
    if (QTest::currentTestFailed()) {
        return;
    }
    const Hdf5Group root = Hdf5File::openReadOnly(path).root();
    QCOMPARE(toList(root.dataset("contiguous").shape()), (QList<qint64> {32768, 16384}));
    expectFileError([&] { root.dataset("contiguous").readFloat32(); }, path,
        "contiguous: dataset shape (32768, 16384) of float32 declares 2147483648 bytes but the file has "
        "only");
    expectFileError([&] { root.dataset("chunked").readFloat32(); }, path,
        "chunked: dataset shape (1048576, 1048576) has more than 2^31 elements; refusing to read it");
}

namespace {

std::string ioData(const QString& name)
{
    return (QStringLiteral(RNNSCOPE_SOURCE_DIR "/tests/data/io/") + name).toStdString();
}

// Where `needle` occurs in `bytes`.
std::vector<std::size_t> findAll(const std::vector<unsigned char>& bytes, const std::string& needle)
{
    const auto same = [](unsigned char a, char b) { return a == static_cast<unsigned char>(b); };
    std::vector<std::size_t> found;
    for (auto it = bytes.begin();
         (it = std::search(it, bytes.end(), needle.begin(), needle.end(), same)) != bytes.end(); ++it) {
        found.push_back(static_cast<std::size_t>(it - bytes.begin()));
    }
    return found;
}

// Runs the HDF5 pre-check both ways (file on disk, in-memory image); expects it to pass when `problem` is empty,
// else to throw a FileError naming the file with `problem` in it.
void expectPreCheck(const std::string& path, const QString& problem)
{
    const std::vector<unsigned char> bytes = readAll(path);
    QVERIFY(!bytes.empty());
    if (problem.isEmpty()) {
        checkHdf5GlobalHeapsInFile(path);
        checkHdf5GlobalHeaps(bytes, "image.h5");
        return;
    }
    expectFileError([&] { checkHdf5GlobalHeapsInFile(path); }, path, problem);
    if (QTest::currentTestFailed()) {
        return;
    }
    expectFileError([&] { checkHdf5GlobalHeaps(bytes, "image.h5"); }, "image.h5", problem);
}

} // namespace

void TestHdf5File::denseAttributes_data()
{
    // Written by tools/make_dense_attribute_fixtures.py: a group whose 12 attributes are in dense storage (a fractal
    // heap indexed by a version 2 B-tree), two of them variable-length strings, and a dataset with 9 string
    // attributes in dense storage.
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("problem"); // empty: the file passes the pre-check and opens
    QTest::newRow("good") << "dense_attributes.h5"
                          << "";
    // The 4-byte length of the string value `marker` set to 0xF0000000: HDF5 would allocate 4 GB reading it. Byte
    // 9679 is where its attribute message starts, in the fractal heap's direct block.
    QTest::newRow("vlen length 0xF0000000")
        << "dense_attribute_vlen_huge_length.h5"
        << "corrupt HDF5 file: an attribute at byte 9679 claims a value of 4026531840 bytes, but its global heap "
           "object holds 17";
}

void TestHdf5File::denseAttributes()
{
    QFETCH(QString, file);
    QFETCH(QString, problem);
    const std::string path = ioData(file);
    expectPreCheck(path, problem);
    if (!problem.isEmpty() || QTest::currentTestFailed()) {
        return;
    }
    const Hdf5Group layer = Hdf5File::openReadOnly(path).root().group("layer");
    QCOMPARE(layer.stringAttribute("marker"), std::string("dense-vlen-marker"));
    QCOMPARE(toQt(layer.stringListAttribute("names")), (QStringList {"kernel:0", "bias:0"}));
    QCOMPARE(layer.intAttribute("a09"), std::optional<std::int64_t> {9});
    QCOMPARE(layer.dataset("kernel").stringAttribute("d8"), std::string("value 8"));
}

void TestHdf5File::denseAttributeLayouts_data()
{
    // Which string value's length to corrupt (none: the file as written); each value has a length of its own.
    QTest::addColumn<int>("corruptLength");
    QTest::newRow("as written") << 0;
    // A scalar string attribute: a managed object in a direct block under the root indirect block.
    QTest::newRow("vlen in an indirect heap") << 41;
    // An element of a 400-string list: its message (6.4 KB) is a huge object, stored outside the heap's blocks.
    QTest::newRow("vlen in a huge object") << 33;
}

void TestHdf5File::denseAttributeLayouts()
{
    // Larger dense storage than the fixture: 300 attributes make the name index B-tree two levels deep (internal
    // node "BTIN") and the fractal heap's root an indirect block ("FHIB"); a 400-element string list and a 10 KB
    // fixed-length string are larger than the heap's 4 KB managed objects ("huge" objects, in a B-tree of their own).
    QFETCH(int, corruptLength);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("dense.h5").toStdString();
    const std::string scalar(41, 's');
    const std::vector<std::string> list(400, std::string(33, 'l'));
    const std::string fixed(10000, 'f');
    {
        Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), Hdf5Handle::Kind::PropertyList);
        H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
        Hdf5Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id()), Hdf5Handle::Kind::File);
        QVERIFY(file.valid());
        Hdf5Handle group(H5Gcreate2(file.id(), "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), Hdf5Handle::Kind::Group);
        Hdf5Handle scalarSpace(H5Screate(H5S_SCALAR), Hdf5Handle::Kind::Dataspace);
        const auto write = [&](const std::string& name, hid_t type, hid_t space, const void* value) {
            Hdf5Handle a(H5Acreate2(group.id(), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                Hdf5Handle::Kind::Attribute);
            QVERIFY(a.valid());
            QCOMPARE(H5Awrite(a.id(), type, value), herr_t {0});
        };
        for (int k = 0; k < 300; ++k) {
            const std::int32_t v = k;
            write("attribute_" + std::to_string(k), H5T_NATIVE_INT32, scalarSpace.id(), &v);
        }
        Hdf5Handle vlen(H5Tcopy(H5T_C_S1), Hdf5Handle::Kind::Datatype);
        H5Tset_size(vlen.id(), H5T_VARIABLE);
        const char* scalarValue = scalar.c_str();
        write("scalar", vlen.id(), scalarSpace.id(), &scalarValue);
        std::vector<const char*> listValues;
        for (const std::string& s : list) {
            listValues.push_back(s.c_str());
        }
        const hsize_t count = list.size();
        Hdf5Handle listSpace(H5Screate_simple(1, &count, nullptr), Hdf5Handle::Kind::Dataspace);
        write("list", vlen.id(), listSpace.id(), listValues.data());
        Hdf5Handle fixedType(H5Tcopy(H5T_C_S1), Hdf5Handle::Kind::Datatype);
        H5Tset_size(fixedType.id(), fixed.size());
        write("fixed", fixedType.id(), scalarSpace.id(), fixed.data());
    }
    if (QTest::currentTestFailed()) {
        return;
    }
    std::vector<unsigned char> bytes = readAll(path);
    for (const char* signature : {"BTIN", "BTLF", "FHIB", "FHDB", "FRHP"}) {
        QVERIFY2(!findAll(bytes, signature).empty(), signature);
    }
    QVERIFY(findAll(bytes, "BTHD").size() >= 2); // the name index and the huge objects' B-tree
    if (corruptLength == 0) {
        expectPreCheck(path, "");
        const Hdf5Group g = Hdf5File::openReadOnly(path).root().group("g");
        QCOMPARE(g.stringAttribute("scalar"), scalar);
        QCOMPARE(g.stringListAttribute("list"), list);
        QCOMPARE(g.stringAttribute("fixed"), fixed);
        QCOMPARE(g.intAttribute("attribute_299"), std::optional<std::int64_t> {299});
        return;
    }
    // A variable-length element is its length (4 bytes), its global heap collection's address (8) and an index (4).
    std::vector<std::size_t> elements;
    for (const std::size_t collection : findAll(bytes, std::string("GCOL\x01", 5))) {
        std::string element(12, '\0');
        for (int k = 0; k < 4; ++k) {
            element[static_cast<std::size_t>(k)] = static_cast<char>((corruptLength >> (8 * k)) & 0xff);
        }
        for (int k = 0; k < 8; ++k) {
            element[static_cast<std::size_t>(4 + k)] = static_cast<char>((collection >> (8 * k)) & 0xff);
        }
        const std::vector<std::size_t> found = findAll(bytes, element);
        elements.insert(elements.end(), found.begin(), found.end());
    }
    QVERIFY(!elements.empty());
    const std::size_t at = elements.front();
    bytes[at + 3] = 0xf0; // the length becomes 0xF00000xx: HDF5 would allocate almost 4 GB
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    expectPreCheck(path,
        QStringLiteral("claims a value of %1 bytes, but its global heap object holds %2")
            .arg(0xf0000000U + static_cast<unsigned>(corruptLength))
            .arg(corruptLength));
}

void TestHdf5File::denseRealModels()
{
    // Real Keras models rewritten by h5py with every object's attributes in dense storage (nine more each, and the
    // latest file format): the pre-check must pass them and the models load as the originals do. Among them
    // kKeras3, whose string attributes are variable-length (h5py 3).
    const QString python = QStringLiteral("/usr/bin/python3");
    QProcess probe;
    probe.start(python, {"-c", "import h5py"});
    if (!probe.waitForFinished(60000) || probe.exitCode() != 0) {
        QSKIP("no /usr/bin/python3 with h5py");
    }
    const char* script = R"(
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], 'r') as src, h5py.File(sys.argv[2], 'w', libver='latest') as dst:
    def attrs(s, d):
        for k, v in s.attrs.items():
            d.attrs[k] = v
        for i in range(9):
            d.attrs['dense_%d' % i] = np.int32(i)
    attrs(src, dst)
    def copy(name, obj):
        if isinstance(obj, h5py.Group):
            attrs(obj, dst.require_group(name))
        else:
            attrs(obj, dst.create_dataset(name, data=obj[()]))
    src.visititems(copy)
)";
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (const char* model : {kLstm213, kKeras3, "fdeep_gru_stateful_tk224.h5"}) {
        const std::string path = dir.filePath(QString::fromLatin1(model)).toStdString();
        QProcess p;
        p.start(python, {"-c", script, QString::fromStdString(realModel(model)), QString::fromStdString(path)});
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
        QVERIFY2(!findAll(readAll(path), "FRHP").empty(), model);
        expectPreCheck(path, "");
        if (QTest::currentTestFailed()) {
            return;
        }
        const io::LoadedModel dense = io::loadModel(path, std::nullopt);
        const io::LoadedModel original = io::loadModel(realModel(model), std::nullopt);
        QCOMPARE(dense.model->layers().size(), original.model->layers().size());
        QCOMPARE(dense.format, original.format);
    }
}

void TestHdf5File::useAfterClose()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("closed.h5").toStdString();
    Hdf5File file = Hdf5File::create(path);
    Hdf5Group g = file.root().createGroup("g");
    file.close();
    file.close(); // idempotent
    expectFileError([&] { g.setIntAttribute("x", 1); }, path, "g: the file is closed");
    expectFileError([&] { g.childNames(); }, path, "g: the file is closed");
    expectFileError([&] { file.root(); }, path, "/: the file is closed");
    expectFileError([&] { Hdf5File::create(dir.filePath("no/such/dir/x.h5").toStdString(), "x.h5"); }, "x.h5",
        "cannot create HDF5 file");
}

void TestHdf5File::handleIsMoveOnly()
{
    static_assert(!std::is_copy_constructible_v<Hdf5Handle>);
    static_assert(std::is_nothrow_move_constructible_v<Hdf5Handle>);
    Hdf5Handle a(H5Screate(H5S_SCALAR), Hdf5Handle::Kind::Dataspace);
    const hid_t id = a.id();
    QVERIFY(H5Iis_valid(id) > 0);
    Hdf5Handle b(std::move(a));
    QVERIFY(!a.valid()); // NOLINT(bugprone-use-after-move): checking the moved-from state is the point
    QCOMPARE(b.id(), id);
    Hdf5Handle c;
    c = std::move(b);
    QCOMPARE(c.id(), id);
    QCOMPARE(c.close(), herr_t {0});
    QVERIFY(H5Iis_valid(id) <= 0);
    QVERIFY(!c.valid());
}

QTEST_GUILESS_MAIN(TestHdf5File)
#include "tst_hdf5file.moc"
