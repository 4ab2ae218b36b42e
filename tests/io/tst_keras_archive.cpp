// Keras 3 native files: `.keras` archives (zip and unzipped directory), standalone `.weights.h5` with a config.json,
// and tf.keras 2.13's `_layer_checkpoint_dependencies` layout.
//
// The real archives in ../shared/real-models must load with every weight array in the slot Keras would put it in:
// tests/data/k3/weight_checksums.json holds what h5py reads for each array (SHA-256 of the float32 bytes, sum, first
// values), mapped to layers by the names Keras itself stored in the file, independently of RNNScope's loader
// (tests/data/k3/extract_weight_checksums.py). Other forms of the same archives (deflated, ZIP64, unzipped, a
// config.json + .weights.h5 pair, tf.keras 2.13's layout) are made at test time from those files and must load the
// same weights. Damaged and mismatched files must fail with one-line FileErrors naming the archive and the member.

#include <cstring>
#include <fstream>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>
#include <zip.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QObject>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>

#include "core/bidirectional.h"
#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/stacked_rnn_cells.h"
#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"
#include "core/io/keras3_weights.h"
#include "core/io/keras_archive.h"
#include "core/io/model_loader.h"
#include "core/layers/basic_layers.h"
#include "core/memory_budget.h"
#include "core/rnn_layer.h"
#include "core/trace_buffer.h"

using namespace rnnscope;
using nlohmann::json;

namespace {

const QString kRealModels = QStringLiteral(RNNSCOPE_SHARED_DIR "/real-models/");
const QStringList kKeras3Archives
    = {QStringLiteral("k3_simplernn_relu_stacked.keras"), QStringLiteral("k3_bilstm_stacked.keras"),
        QStringLiteral("k3_gru_stacked.keras"), QStringLiteral("k3_s2s_lstm_states.keras")};

std::string str(const QString& s)
{
    return s.toStdString();
}

QByteArray readBytes(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return f.readAll();
}

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

const json& checksums()
{
    static const json j = [] {
        std::ifstream in(RNNSCOPE_TEST_DATA "/k3/weight_checksums.json");
        return json::parse(in);
    }();
    return j;
}

// ---------------------------------------------------------------------------------------------------------------
// Zip fixtures, written with libzip (stored or deflated) or by hand (ZIP64 records, forged sizes).

struct Member
{
    std::string name;
    QByteArray data;
    bool deflate = false;
};

std::vector<Member> readZip(const QString& path)
{
    std::vector<Member> out;
    int err = 0;
    zip_t* z = zip_open(path.toLocal8Bit().constData(), ZIP_RDONLY, &err);
    if (z == nullptr) {
        return out;
    }
    const zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st);
        Member m;
        m.name = st.name;
        m.data.resize(static_cast<qsizetype>(st.size));
        zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(i), 0);
        zip_fread(f, m.data.data(), st.size);
        zip_fclose(f);
        out.push_back(std::move(m));
    }
    zip_discard(z);
    return out;
}

bool writeZip(const QString& path, const std::vector<Member>& members)
{
    int err = 0;
    zip_t* z = zip_open(path.toLocal8Bit().constData(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (z == nullptr) {
        return false;
    }
    for (const Member& m : members) {
        zip_source_t* src = zip_source_buffer(z, m.data.constData(), static_cast<zip_uint64_t>(m.data.size()), 0);
        const zip_int64_t index = zip_file_add(z, m.name.c_str(), src, ZIP_FL_OVERWRITE);
        if (index < 0) {
            zip_source_free(src);
            zip_discard(z);
            return false;
        }
        zip_set_file_compression(z, static_cast<zip_uint64_t>(index), m.deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
    }
    return zip_close(z) == 0;
}

const Member* findMember(const std::vector<Member>& members, const std::string& name)
{
    for (const auto& m : members) {
        if (m.name == name) {
            return &m;
        }
    }
    return nullptr;
}

std::uint32_t crc32(const QByteArray& data)
{
    std::uint32_t crc = 0xFFFFFFFFU;
    for (char ch : data) {
        crc ^= static_cast<unsigned char>(ch);
        for (int k = 0; k < 8; ++k) {
            crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
        }
    }
    return ~crc;
}

void put16(QByteArray& b, std::uint64_t v)
{
    for (int i = 0; i < 2; ++i) {
        b.append(static_cast<char>((v >> (8 * i)) & 0xFF));
    }
}
void put32(QByteArray& b, std::uint64_t v)
{
    for (int i = 0; i < 4; ++i) {
        b.append(static_cast<char>((v >> (8 * i)) & 0xFF));
    }
}
void put64(QByteArray& b, std::uint64_t v)
{
    for (int i = 0; i < 8; ++i) {
        b.append(static_cast<char>((v >> (8 * i)) & 0xFF));
    }
}

// A ZIP64 archive written by hand: every size and offset lives in ZIP64 extra fields (0xFFFFFFFF in the classic
// fields), with ZIP64 end-of-central-directory record and locator, as zipfile writes with force_zip64 or for members
// over 4 GiB (APPNOTE.TXT 4.3.9, 4.3.14, 4.5.3). Members are stored; `declaredSize`, when set, replaces the real
// uncompressed size of the member at that index and marks it deflated, to forge implausible declarations.
QByteArray zip64Archive(const std::vector<Member>& members,
    std::optional<std::pair<std::size_t, std::uint64_t>> declaredSize = std::nullopt)
{
    QByteArray out;
    QByteArray central;
    for (std::size_t i = 0; i < members.size(); ++i) {
        const Member& m = members[i];
        const std::uint64_t offset = static_cast<std::uint64_t>(out.size());
        const std::uint64_t compSize = static_cast<std::uint64_t>(m.data.size());
        std::uint64_t size = compSize;
        int method = 0;
        if (declaredSize && declaredSize->first == i) {
            size = declaredSize->second;
            method = 8;
        }
        const std::uint32_t crc = crc32(m.data);
        put32(out, 0x04034b50);
        put16(out, 45);
        put16(out, 0);
        put16(out, static_cast<std::uint64_t>(method));
        put16(out, 0);
        put16(out, 0x21); // 1980-01-01
        put32(out, crc);
        put32(out, 0xFFFFFFFF);
        put32(out, 0xFFFFFFFF);
        put16(out, m.name.size());
        put16(out, 20);
        out.append(m.name.data(), static_cast<qsizetype>(m.name.size()));
        put16(out, 0x0001);
        put16(out, 16);
        put64(out, size);
        put64(out, compSize);
        out.append(m.data);

        put32(central, 0x02014b50);
        put16(central, 45);
        put16(central, 45);
        put16(central, 0);
        put16(central, static_cast<std::uint64_t>(method));
        put16(central, 0);
        put16(central, 0x21);
        put32(central, crc);
        put32(central, 0xFFFFFFFF);
        put32(central, 0xFFFFFFFF);
        put16(central, m.name.size());
        put16(central, 28);
        put16(central, 0);
        put16(central, 0);
        put16(central, 0);
        put32(central, 0);
        put32(central, 0xFFFFFFFF);
        central.append(m.name.data(), static_cast<qsizetype>(m.name.size()));
        put16(central, 0x0001);
        put16(central, 24);
        put64(central, size);
        put64(central, compSize);
        put64(central, offset);
    }
    const std::uint64_t centralOffset = static_cast<std::uint64_t>(out.size());
    out.append(central);
    const std::uint64_t zip64EndOffset = static_cast<std::uint64_t>(out.size());
    put32(out, 0x06064b50);
    put64(out, 44);
    put16(out, 45);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    put64(out, members.size());
    put64(out, members.size());
    put64(out, static_cast<std::uint64_t>(central.size()));
    put64(out, centralOffset);
    put32(out, 0x07064b50);
    put32(out, 0);
    put64(out, zip64EndOffset);
    put32(out, 1);
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, 0xFFFF);
    put16(out, 0xFFFF);
    put32(out, 0xFFFFFFFF);
    put32(out, 0xFFFFFFFF);
    put16(out, 0);
    return out;
}

// Sets the size field of an object in the file's first global heap collection: the `ordinal`-th object, or the
// free-space object (index 0) when ordinal is -1. How HDF5 1.10 is made to crash (size past the collection) or hang
// (free space of size 0) by a corrupt file.
QByteArray withHeapObjectSize(QByteArray h5, int ordinal, std::uint64_t size)
{
    const qsizetype start = h5.indexOf(QByteArray("GCOL\x01", 5));
    if (start < 0) {
        return {};
    }
    auto le = [&](qsizetype at, int bytes) {
        std::uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) {
            v = (v << 8) | static_cast<unsigned char>(h5[at + i]);
        }
        return v;
    };
    qsizetype p = start + 16;
    for (int k = 1;; ++k) {
        const std::uint64_t index = le(p, 2);
        if ((ordinal < 0 && index == 0) || k == ordinal) {
            for (int i = 0; i < 8; ++i) {
                h5[p + 8 + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
            }
            return h5;
        }
        if (index == 0) {
            return {};
        }
        p += 16 + static_cast<qsizetype>((le(p + 8, 8) + 7) / 8 * 8);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// HDF5 weight files as plain data, to rewrite them into other layouts.

struct H5Dataset
{
    std::string path;
    Shape shape;
    std::vector<float> values;
};

struct H5Tree
{
    std::vector<H5Dataset> datasets;
    std::vector<std::string> groups; // every group, parents first
    std::map<std::string, std::string> names; // group path -> its "name" attribute
};

void readTreeInto(const io::Hdf5Group& root, const std::string& path, H5Tree& tree)
{
    const io::Hdf5Group g = path.empty() ? root : root.group(path);
    for (const std::string& child : g.childNames()) {
        const std::string p = path.empty() ? child : path + "/" + child;
        if (root.isDataset(p)) {
            const io::Hdf5Dataset d = root.dataset(p);
            tree.datasets.push_back({p, d.shape(), d.readFloat32()});
        } else if (root.isGroup(p)) {
            tree.groups.push_back(p);
            const io::Hdf5Group cg = root.group(p);
            if (cg.hasAttribute("name")) {
                tree.names[p] = cg.stringAttribute("name");
            }
            readTreeInto(root, p, tree);
        }
    }
}

H5Tree readTree(const QByteArray& h5, const std::string& name)
{
    H5Tree tree;
    const io::Hdf5File file
        = io::Hdf5File::openImage(std::vector<unsigned char>(h5.begin(), h5.end()), "tree of " + name);
    readTreeInto(file.root(), "", tree);
    return tree;
}

QByteArray writeTree(const QString& path, const H5Tree& tree)
{
    {
        io::Hdf5File file = io::Hdf5File::create(str(path));
        io::Hdf5Group root = file.root();
        for (const std::string& g : tree.groups) {
            if (!root.hasChild(g)) {
                root.createGroup(g);
            }
        }
        for (const H5Dataset& d : tree.datasets) {
            root.writeDataset(d.path, d.shape, d.values.data());
        }
        for (const auto& [group, name] : tree.names) {
            io::Hdf5Group g = root.group(group);
            g.setStringAttribute("name", name);
        }
        file.close();
    }
    return readBytes(path);
}

// Replaces the first path component `from` by `to` at the start of every path ("layers/gru" -> "...").
std::string renamed(const std::string& path, const std::vector<std::pair<std::string, std::string>>& prefixes)
{
    for (const auto& [from, to] : prefixes) {
        if (path == from || path.rfind(from + "/", 0) == 0) {
            return to + path.substr(from.size());
        }
    }
    return path;
}

H5Tree renameTree(const H5Tree& tree, const std::vector<std::pair<std::string, std::string>>& prefixes)
{
    H5Tree out;
    for (const auto& g : tree.groups) {
        out.groups.push_back(renamed(g, prefixes));
    }
    // Parents must exist first: a rename can move a group after its new parent in the list.
    std::sort(out.groups.begin(), out.groups.end());
    for (const auto& d : tree.datasets) {
        out.datasets.push_back({renamed(d.path, prefixes), d.shape, d.values});
    }
    for (const auto& [g, name] : tree.names) {
        out.names[renamed(g, prefixes)] = name;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// What a loaded model looks like

std::string flags(const RnnOptions& o)
{
    std::string s;
    auto add = [&](bool on, const char* f) {
        if (on) {
            s += std::string(",") + f;
        }
    };
    add(o.returnSequences, "rs");
    add(o.returnState, "rst");
    add(o.goBackwards, "gb");
    add(o.stateful, "sf");
    add(o.zeroOutputForMask, "zo");
    return s;
}

std::string summary(Layer& layer)
{
    if (auto* rnn = dynamic_cast<RnnLayer*>(&layer)) {
        std::string s = rnn->className() + "(" + std::to_string(rnn->cell().units());
        for (const auto& [key, value] : rnn->cell().config()) {
            if (key == "activation" || key == "recurrent_activation") {
                s += "," + value;
            } else if (key == "reset_after" && value == "True") {
                s += ",ra";
            }
        }
        return s + flags(rnn->options()) + ")";
    }
    if (auto* bi = dynamic_cast<BidirectionalLayer*>(&layer)) {
        return "Bidirectional[" + mergeModeName(bi->mergeMode()) + "](" + summary(bi->forward()) + "|"
            + summary(bi->backward()) + ")";
    }
    if (auto* dense = dynamic_cast<DenseLayer*>(&layer)) {
        return "Dense(" + std::to_string(dense->units()) + ")";
    }
    return layer.className();
}

std::string modelSummary(const Model& model)
{
    std::string s;
    for (const auto& layer : model.layers()) {
        s += (s.empty() ? "" : " ") + layer->name() + ":" + summary(*layer);
    }
    return s;
}

std::string inputsSummary(const Model& model)
{
    std::string s;
    for (const auto& in : model.inputs()) {
        s += (s.empty() ? "" : " ") + shapeToString(in.shape);
    }
    return s;
}

// Compares every weight of `model` with weight_checksums.json's entry for `file`; returns "" or the first mismatch.
std::string compareWeights(Model& model, const json& expected)
{
    const json& layers = expected.at("weights");
    std::size_t withWeights = 0;
    for (const auto& layer : model.layers()) {
        if (!layer->weights().empty()) {
            ++withWeights;
        }
    }
    if (withWeights != layers.size()) {
        return "model has " + std::to_string(withWeights) + " layers with weights, the file "
            + std::to_string(layers.size());
    }
    for (auto it = layers.begin(); it != layers.end(); ++it) {
        Layer* layer = model.findLayer(it.key());
        if (layer == nullptr) {
            return "no layer '" + it.key() + "'";
        }
        const std::vector<WeightSlot> weightSlots = layer->weights();
        if (weightSlots.size() != it.value().size()) {
            return it.key() + ": " + std::to_string(weightSlots.size()) + " slots, expected "
                + std::to_string(it->size());
        }
        for (std::size_t k = 0; k < weightSlots.size(); ++k) {
            const json& e = it.value()[k];
            const WeightSlot& slot = weightSlots[k];
            const std::string where
                = it.key() + " slot " + std::to_string(k) + " (" + e.at("path").get<std::string>() + ")";
            if (slot.shape != e.at("shape").get<Shape>()) {
                return where + ": shape " + shapeToString(slot.shape);
            }
            const Index n = shapeVolume(slot.shape);
            QByteArray bytes(reinterpret_cast<const char*>(slot.data), static_cast<qsizetype>(n * 4));
            if (QSysInfo::ByteOrder == QSysInfo::BigEndian) {
                for (qsizetype i = 0; i + 3 < bytes.size(); i += 4) {
                    std::swap(bytes[i], bytes[i + 3]);
                    std::swap(bytes[i + 1], bytes[i + 2]);
                }
            }
            const QByteArray hash = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
            if (hash.toStdString() != e.at("sha256").get<std::string>()) {
                return where + ": values differ (sha256 " + hash.toStdString() + ")";
            }
            double sum = 0;
            for (Index i = 0; i < n; ++i) {
                sum += slot.data[i];
            }
            if (std::abs(sum - e.at("sum").get<double>()) > 1e-9 * (1.0 + std::abs(sum))) {
                return where + ": sum " + std::to_string(sum);
            }
            const json& first = e.at("first");
            for (std::size_t i = 0; i < first.size(); ++i) {
                if (slot.data[i] != static_cast<float>(first[i].get<double>())) {
                    return where + ": value " + std::to_string(i);
                }
            }
        }
    }
    return {};
}

bool contains(const std::vector<std::string>& list, const std::string& part)
{
    return std::any_of(
        list.begin(), list.end(), [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

} // namespace

class TestKerasArchive : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void snakeCase_data();
    void snakeCase();

    void realFiles_data();
    void realFiles();

    void otherForms_data();
    void otherForms();

    void tfKerasCheckpointLayout_data();
    void tfKerasCheckpointLayout();

    void savedNamesDecide();
    void stackedCellsTimeDistributedEmbedding();

    void hardSigmoidFollowsMetadata_data();
    void hardSigmoidFollowsMetadata();

    void errors_data();
    void errors();

    void budgetRefusesWhatDoesNotFit_data();
    void budgetRefusesWhatDoesNotFit();

private:
    QTemporaryDir m_dir;
    QString tmp(const QString& name) const { return m_dir.filePath(name); }
    // A real archive's members, read with libzip.
    std::vector<Member> members(const QString& archive) const { return readZip(kRealModels + archive); }
};

void TestKerasArchive::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(kRealModels + kKeras3Archives.front()), qPrintable(kRealModels));
    QVERIFY(checksums().at("files").size() == 5);
}

void TestKerasArchive::snakeCase_data()
{
    QTest::addColumn<QString>("className");
    QTest::addColumn<QString>("snake");
    // Expected values are what keras/src/utils/naming.py::to_snake_case returns (checked in Python).
    const std::vector<std::pair<const char*, const char*>> rows = {{"SimpleRNN", "simple_rnn"}, {"LSTM", "lstm"},
        {"GRU", "gru"}, {"RNN", "rnn"}, {"StackedRNNCells", "stacked_rnn_cells"}, {"LSTMCell", "lstm_cell"},
        {"GRUCell", "gru_cell"}, {"SimpleRNNCell", "simple_rnn_cell"}, {"MinimalRNNCell", "minimal_rnn_cell"},
        {"InputLayer", "input_layer"}, {"TimeDistributed", "time_distributed"}, {"Bidirectional", "bidirectional"},
        {"Dense", "dense"}, {"Embedding", "embedding"}, {"SpatialDropout1D", "spatial_dropout1d"},
        {"HTTPServer", "http_server"}, {"ABCd", "ab_cd"}, {"My-Layer2X", "my_layer2x"}, {"aBcDeF", "a_bc_de_f"},
        {"Conv1DTranspose", "conv1d_transpose"}};
    for (const auto& [cls, snake] : rows) {
        QTest::newRow(cls) << QString::fromLatin1(cls) << QString::fromLatin1(snake);
    }
}

void TestKerasArchive::snakeCase()
{
    QFETCH(QString, className);
    QFETCH(QString, snake);
    QCOMPARE(QString::fromStdString(io::kerasSnakeCase(str(className))), snake);
}

void TestKerasArchive::realFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("version");
    QTest::addColumn<QString>("inputs");
    QTest::addColumn<QString>("layers");
    QTest::newRow("k3_simplernn_relu_stacked") << "k3_simplernn_relu_stacked.keras"
                                               << "keras-archive"
                                               << "3.10.0"
                                               << "(None, 30, 1)"
                                               << "input_layer_4:InputLayer simple_rnn_4:SimpleRNN(50,relu,rs) "
                                                  "simple_rnn_5:SimpleRNN(50,relu) dense_4:Dense(1)";
    QTest::newRow("k3_bilstm_stacked")
        << "k3_bilstm_stacked.keras"
        << "keras-archive"
        << "3.10.0"
        << "(None, 30, 1)"
        << "input_layer_6:InputLayer "
           "bidirectional_2:Bidirectional[concat](LSTM(50,tanh,sigmoid,rs,zo)|LSTM(50,tanh,sigmoid,rs,gb,zo)) "
           "bidirectional_3:Bidirectional[concat](LSTM(50,tanh,sigmoid)|LSTM(50,tanh,sigmoid,gb)) dropout_3:Dropout "
           "dense_6:Dense(1)";
    QTest::newRow("k3_gru_stacked")
        << "k3_gru_stacked.keras"
        << "keras-archive"
        << "3.6.0"
        << "(None, 30, 3)"
        << "input_layer:InputLayer gru:GRU(64,tanh,sigmoid,ra,rs) gru_1:GRU(32,tanh,sigmoid,ra) "
           "dense:Dense(16) dropout:Dropout dense_1:Dense(1)";
    QTest::newRow("k3_s2s_lstm_states") << "k3_s2s_lstm_states.keras"
                                        << "keras-archive"
                                        << "3.12.0"
                                        << "(None, None, 86) (None, None, 136)"
                                        << "input_layer_6:InputLayer input_layer_7:InputLayer "
                                           "lstm_3:LSTM(128,tanh,sigmoid,rst) lstm_4:LSTM(128,tanh,sigmoid,rs,rst) "
                                           "dense_4:Dense(136)";
    // HDF5 bytes under a .keras name: detected by content and read as a legacy full model.
    QTest::newRow("tfk212_bilstm_hdf5_named")
        << "tfk212_bilstm_hdf5_named.keras"
        << "legacy-h5"
        << "2.12.0"
        << "(None, 1, 167)"
        << "input_1:InputLayer "
           "bidirectional:Bidirectional[concat](LSTM(64,tanh,sigmoid,rs,zo)|LSTM(64,tanh,sigmoid,rs,gb,zo)) "
           "dropout:Dropout bidirectional_1:Bidirectional[concat](LSTM(32,tanh,sigmoid)|LSTM(32,tanh,sigmoid,gb)) "
           "dropout_1:Dropout dense:Dense(100) dense_1:Dense(1)";
}

void TestKerasArchive::realFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, format);
    QFETCH(QString, version);
    QFETCH(QString, inputs);
    QFETCH(QString, layers);
    io::LoadedModel loaded = io::loadModel(str(kRealModels + file), std::nullopt);
    QCOMPARE(QString::fromStdString(loaded.format), format);
    QCOMPARE(QString::fromStdString(loaded.version.text), version);
    QCOMPARE(loaded.model->kerasMajorVersion(), version.startsWith(QLatin1Char('3')) ? 3 : 2);
    QVERIFY2(loaded.warnings.empty(), loaded.warnings.empty() ? "" : loaded.warnings.front().c_str());
    const json& expected = checksums().at("files").at(str(file));
    QCOMPARE(QString::fromStdString(loaded.model->className()),
        QString::fromStdString(expected.at("model_class").get<std::string>()));
    QCOMPARE(QString::fromStdString(inputsSummary(*loaded.model)), inputs);
    QCOMPARE(QString::fromStdString(modelSummary(*loaded.model)), layers);
    const std::string mismatch = compareWeights(*loaded.model, expected);
    QVERIFY2(mismatch.empty(), mismatch.c_str());
}

void TestKerasArchive::otherForms_data()
{
    QTest::addColumn<QString>("archive");
    QTest::addColumn<QString>("form");
    for (const QString& archive : kKeras3Archives) {
        for (const char* form :
            {"deflated", "zip64", "directory", "config+weights.h5", "config+archive", "archive+weights.h5"}) {
            QTest::addRow("%s %s", qPrintable(archive), form) << archive << QString::fromLatin1(form);
        }
    }
}

void TestKerasArchive::otherForms()
{
    QFETCH(QString, archive);
    QFETCH(QString, form);
    const std::vector<Member> original = members(archive);
    QCOMPARE(original.size(), std::size_t {3});
    const QString stem = QFileInfo(archive).completeBaseName() + QLatin1Char('_') + form;
    std::string model;
    std::optional<std::string> weights;
    QString expectedFormat;
    if (form == QLatin1String("deflated")) {
        // Deflated and in another member order: nothing may depend on Keras's stored layout.
        std::vector<Member> m(original.rbegin(), original.rend());
        for (auto& member : m) {
            member.deflate = true;
        }
        QVERIFY(writeZip(tmp(stem + ".keras"), m));
        model = str(tmp(stem + ".keras"));
        expectedFormat = QStringLiteral("keras-archive");
    } else if (form == QLatin1String("zip64")) {
        QVERIFY(writeBytes(tmp(stem + ".keras"), zip64Archive(original)));
        model = str(tmp(stem + ".keras"));
        expectedFormat = QStringLiteral("keras-archive");
    } else if (form == QLatin1String("directory")) {
        QVERIFY(QDir(m_dir.path()).mkpath(stem));
        for (const Member& m : original) {
            QVERIFY(writeBytes(tmp(stem + QLatin1Char('/') + QString::fromStdString(m.name)), m.data));
        }
        model = str(tmp(stem));
        expectedFormat = QStringLiteral("keras-archive-dir");
    } else {
        const QString config = tmp(stem + ".config.json");
        const QString h5 = tmp(stem + ".weights.h5");
        QVERIFY(writeBytes(config, findMember(original, "config.json")->data));
        QVERIFY(writeBytes(h5, findMember(original, "model.weights.h5")->data));
        if (form == QLatin1String("config+weights.h5")) {
            model = str(config);
            weights = str(h5);
            expectedFormat = QStringLiteral("json+keras3-weights");
        } else if (form == QLatin1String("config+archive")) {
            model = str(config);
            weights = str(kRealModels + archive);
            expectedFormat = QStringLiteral("json+keras3-weights");
        } else {
            model = str(kRealModels + archive);
            weights = str(h5);
            expectedFormat = QStringLiteral("keras-archive+keras3-weights");
        }
    }
    io::LoadedModel loaded = io::loadModel(model, weights);
    QCOMPARE(QString::fromStdString(loaded.format), expectedFormat);
    const json& expected = checksums().at("files").at(str(archive));
    QCOMPARE(loaded.model->kerasMajorVersion(), 3);
    if (form == QLatin1String("config+weights.h5")) {
        // Neither file states a version: inferred from the vars groups' names (Keras >= 3.6), with a warning.
        QCOMPARE(QString::fromStdString(loaded.version.text), QStringLiteral("3.6 (inferred)"));
        QVERIFY(contains(loaded.warnings, "no keras_version"));
    } else {
        QCOMPARE(loaded.version.text, expected.at("keras_version").get<std::string>());
        QVERIFY2(loaded.warnings.empty(), loaded.warnings.empty() ? "" : loaded.warnings.front().c_str());
    }
    const std::string mismatch = compareWeights(*loaded.model, expected);
    QVERIFY2(mismatch.empty(), mismatch.c_str());
}

void TestKerasArchive::tfKerasCheckpointLayout_data()
{
    QTest::addColumn<bool>("doubled");
    QTest::addColumn<bool>("withMetadata");
    // What tf.keras 2.13's saving_lib writes (see keras3_weights.h): a layer with weights takes two names.
    QTest::newRow("tf.keras 2.13 names") << true << true;
    // The names Keras 3's H5IOStore.get assumes when it reads such a file: accepted as well.
    QTest::newRow("single-step names") << false << true;
    QTest::newRow("no metadata.json: inferred tf.keras 2.13") << true << false;
}

void TestKerasArchive::tfKerasCheckpointLayout()
{
    QFETCH(bool, doubled);
    QFETCH(bool, withMetadata);
    // From the GRU archive (gru, gru_1, dense, dropout, dense_1): the same arrays under tf.keras 2.13's container,
    // without the vars names Keras 3.6 adds.
    const std::vector<Member> original = members(QStringLiteral("k3_gru_stacked.keras"));
    H5Tree tree = readTree(findMember(original, "model.weights.h5")->data, "gru");
    const std::string c = "_layer_checkpoint_dependencies";
    tree = renameTree(tree,
        {{"layers/gru_1", c + (doubled ? "/gru_2" : "/gru_1")}, {"layers/gru", c + "/gru"},
            {"layers/dense_1", c + (doubled ? "/dense_2" : "/dense_1")}, {"layers/dense", c + "/dense"},
            {"layers/dropout", c + "/dropout"}, {"layers", c}});
    tree.names.clear();
    const QString name = QStringLiteral("tfk213_%1_%2").arg(doubled).arg(withMetadata);
    std::vector<Member> m = {{"config.json", findMember(original, "config.json")->data},
        {"model.weights.h5", writeTree(tmp(name + ".h5"), tree)}};
    if (withMetadata) {
        m.insert(m.begin(), {"metadata.json", R"({"keras_version": "2.13.1", "date_saved": "2023-07-01@10:00:00"})"});
    }
    QVERIFY(writeZip(tmp(name + ".keras"), m));
    io::LoadedModel loaded = io::loadModel(str(tmp(name + ".keras")), std::nullopt);
    QCOMPARE(QString::fromStdString(loaded.format), QStringLiteral("keras-archive"));
    QCOMPARE(loaded.model->kerasMajorVersion(), 2);
    QCOMPARE(QString::fromStdString(loaded.version.text),
        withMetadata ? QStringLiteral("2.13.1") : QStringLiteral("2.13 (inferred)"));
    const std::string mismatch = compareWeights(*loaded.model, checksums().at("files").at("k3_gru_stacked.keras"));
    QVERIFY2(mismatch.empty(), mismatch.c_str());
}

void TestKerasArchive::savedNamesDecide()
{
    // The two GRU groups swapped, with their vars names: the positions now point at the wrong arrays, the names
    // (Keras >= 3.6) at the right ones, and the names win.
    const std::vector<Member> original = members(QStringLiteral("k3_gru_stacked.keras"));
    const H5Tree tree = readTree(findMember(original, "model.weights.h5")->data, "gru");
    const H5Tree swapped = renameTree(tree, {{"layers/gru_1", "layers/gru"}, {"layers/gru", "layers/gru_1"}});
    std::vector<Member> m = original;
    for (auto& member : m) {
        if (member.name == "model.weights.h5") {
            member.data = writeTree(tmp("swapped.h5"), swapped);
        }
    }
    QVERIFY(writeZip(tmp("swapped.keras"), m));
    io::LoadedModel loaded = io::loadModel(str(tmp("swapped.keras")), std::nullopt);
    QVERIFY(contains(loaded.warnings, "matched by its saved name to layers/gru_1, not by position to layers/gru"));
    std::string mismatch = compareWeights(*loaded.model, checksums().at("files").at("k3_gru_stacked.keras"));
    QVERIFY2(mismatch.empty(), mismatch.c_str());

    // Names from another model instance (none matches): positions decide, as in Keras, and a warning says so.
    H5Tree renamedNames = tree;
    for (auto& [group, name] : renamedNames.names) {
        name = "other_" + name;
    }
    for (auto& member : m) {
        if (member.name == "model.weights.h5") {
            member.data = writeTree(tmp("other_names.h5"), renamedNames);
        }
    }
    QVERIFY(writeZip(tmp("other_names.keras"), m));
    loaded = io::loadModel(str(tmp("other_names.keras")), std::nullopt);
    QVERIFY(contains(loaded.warnings, "names its layers differently"));
    mismatch = compareWeights(*loaded.model, checksums().at("files").at("k3_gru_stacked.keras"));
    QVERIFY2(mismatch.empty(), mismatch.c_str());
}

void TestKerasArchive::stackedCellsTimeDistributedEmbedding()
{
    // No real Keras file has these (real-models/README.md, Gaps), so this archive is written here in Keras 3's form:
    // Embedding -> RNN(StackedRNNCells[LSTMCell(4), LSTMCell(3), GRUCell(2)]) -> TimeDistributed(Dense(2)).
    const char* config = R"({"module": "keras", "class_name": "Sequential", "config": {"name": "sequential",
      "trainable": true, "dtype": "float32", "layers": [
      {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 5], "dtype": "int32",
        "sparse": false, "ragged": false, "name": "input_layer"}, "registered_name": null},
      {"module": "keras.layers", "class_name": "Embedding", "config": {"name": "embedding", "trainable": true,
        "dtype": "float32", "input_dim": 7, "output_dim": 3, "mask_zero": false}, "registered_name": null},
      {"module": "keras.layers", "class_name": "RNN", "config": {"name": "rnn", "trainable": true, "dtype": "float32",
        "return_sequences": true, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false,
        "zero_output_for_mask": false, "cell": {"module": "keras.layers", "class_name": "StackedRNNCells",
        "config": {"name": "stacked_rnn_cells", "trainable": true, "dtype": "float32", "cells": [
          {"module": "keras.layers", "class_name": "LSTMCell", "config": {"name": "lstm_cell", "units": 4,
            "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true}},
          {"module": "keras.layers", "class_name": "LSTMCell", "config": {"name": "lstm_cell_1", "units": 3,
            "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true}},
          {"module": "keras.layers", "class_name": "GRUCell", "config": {"name": "gru_cell", "units": 2,
            "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "reset_after": true}}]}}},
        "registered_name": null},
      {"module": "keras.layers", "class_name": "TimeDistributed", "config": {"name": "time_distributed",
        "trainable": true, "dtype": "float32", "layer": {"module": "keras.layers", "class_name": "Dense",
        "config": {"name": "dense", "units": 2, "activation": "linear", "use_bias": true}}}, "registered_name": null}
      ]}, "registered_name": null})";
    // Slot k of the model's get_weights() holds k + i/1000 at position i.
    struct Var
    {
        const char* path;
        Shape shape;
    };
    const std::vector<std::pair<std::string, std::vector<Var>>> expected = {
        {"embedding", {{"layers/embedding/vars/0", {7, 3}}}},
        {"rnn",
            {{"layers/rnn/cell/cells/lstm_cell/vars/0", {3, 16}}, {"layers/rnn/cell/cells/lstm_cell/vars/1", {4, 16}},
                {"layers/rnn/cell/cells/lstm_cell/vars/2", {16}}, {"layers/rnn/cell/cells/lstm_cell_1/vars/0", {4, 12}},
                {"layers/rnn/cell/cells/lstm_cell_1/vars/1", {3, 12}},
                {"layers/rnn/cell/cells/lstm_cell_1/vars/2", {12}}, {"layers/rnn/cell/cells/gru_cell/vars/0", {3, 6}},
                {"layers/rnn/cell/cells/gru_cell/vars/1", {2, 6}}, {"layers/rnn/cell/cells/gru_cell/vars/2", {2, 6}}}},
        {"time_distributed",
            {{"layers/time_distributed/layer/vars/0", {2, 2}}, {"layers/time_distributed/layer/vars/1", {2}}}},
    };
    H5Tree tree;
    tree.groups = {"layers", "layers/input_layer/vars", "layers/rnn/vars", "layers/rnn/cell/vars",
        "layers/time_distributed/vars", "vars"};
    int k = 0;
    for (const auto& [layer, vars] : expected) {
        for (const Var& v : vars) {
            std::vector<float> values(static_cast<std::size_t>(shapeVolume(v.shape)));
            for (std::size_t i = 0; i < values.size(); ++i) {
                values[i] = static_cast<float>(k) + static_cast<float>(i) / 1000.0F;
            }
            tree.datasets.push_back({v.path, v.shape, values});
            ++k;
        }
    }
    QVERIFY(writeZip(tmp("stacked.keras"),
        {{"metadata.json", R"({"keras_version": "3.5.0", "date_saved": "2024-09-01@10:00:00"})"},
            {"config.json", config}, {"model.weights.h5", writeTree(tmp("stacked.h5"), tree)}}));
    io::LoadedModel loaded = io::loadModel(str(tmp("stacked.keras")), std::nullopt);
    QVERIFY2(loaded.warnings.empty(), loaded.warnings.empty() ? "" : loaded.warnings.front().c_str());
    k = 0;
    for (const auto& [layerName, vars] : expected) {
        Layer* layer = loaded.model->findLayer(layerName);
        QVERIFY(layer != nullptr);
        const std::vector<WeightSlot> weightSlots = layer->weights();
        QCOMPARE(weightSlots.size(), vars.size());
        for (std::size_t s = 0; s < weightSlots.size(); ++s, ++k) {
            QCOMPARE(weightSlots[s].shape, vars[s].shape);
            const Index n = shapeVolume(weightSlots[s].shape);
            QCOMPARE(weightSlots[s].data[0], static_cast<float>(k));
            QCOMPARE(weightSlots[s].data[n - 1], static_cast<float>(k) + static_cast<float>(n - 1) / 1000.0F);
        }
    }
    auto* rnn = dynamic_cast<RnnLayer*>(loaded.model->findLayer("rnn"));
    QVERIFY(rnn != nullptr);
    auto* stack = dynamic_cast<StackedRnnCells*>(&rnn->cell());
    QVERIFY(stack != nullptr);
    QCOMPARE(stack->cells().size(), std::size_t {3});
}

void TestKerasArchive::hardSigmoidFollowsMetadata_data()
{
    QTest::addColumn<QString>("metadata"); // "" = no metadata.json
    QTest::addColumn<int>("kind");
    QTest::newRow("Keras 3.6.0: x/6 + 0.5")
        << R"({"keras_version": "3.6.0", "date_saved": "x"})" << int(ActivationKind::HardSigmoidKeras3);
    QTest::newRow("tf.keras 2.15.0: 0.2x + 0.5")
        << R"({"keras_version": "2.15.0", "date_saved": "x"})" << int(ActivationKind::HardSigmoidKeras2);
    // Without metadata.json: the vars names (Keras >= 3.6) settle it.
    QTest::newRow("no metadata.json") << QString() << int(ActivationKind::HardSigmoidKeras3);
}

void TestKerasArchive::hardSigmoidFollowsMetadata()
{
    QFETCH(QString, metadata);
    QFETCH(int, kind);
    std::vector<Member> m = members(QStringLiteral("k3_gru_stacked.keras"));
    std::vector<Member> out;
    for (Member& member : m) {
        if (member.name == "metadata.json") {
            if (metadata.isEmpty()) {
                continue;
            }
            member.data = metadata.toUtf8();
        }
        if (member.name == "config.json") {
            member.data.replace(R"("recurrent_activation": "sigmoid")", R"("recurrent_activation": "hard_sigmoid")");
        }
        out.push_back(member);
    }
    const QString path = tmp(QStringLiteral("hs_%1.keras").arg(QString::number(qHash(metadata))));
    QVERIFY(writeZip(path, out));
    io::LoadedModel loaded = io::loadModel(str(path), std::nullopt);
    for (const char* name : {"gru", "gru_1"}) {
        auto* rnn = dynamic_cast<RnnLayer*>(loaded.model->findLayer(name));
        QVERIFY(rnn != nullptr);
        auto* cell = dynamic_cast<GruCell*>(&rnn->cell());
        QVERIFY(cell != nullptr);
        QCOMPARE(int(cell->recurrentActivation().kind()), kind);
    }
    if (metadata.isEmpty()) {
        QVERIFY(contains(loaded.warnings, "no member metadata.json"));
    }
}

void TestKerasArchive::errors_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("expected"); // substrings of what(), separated by '|'
    QTest::newRow("no config.json") << "no_config"
                                    << "no_config.keras: member config.json: missing";
    QTest::newRow("no model.weights.h5")
        << "no_weights"
        << "no_weights.keras: member model.weights.h5: missing|(it has: metadata.json, "
           "config.json)";
    QTest::newRow("npz weights") << "npz"
                                 << "npz.keras: member model.weights.npz: weights saved with "
                                    "weights_format=\"npz\"|not supported";
    QTest::newRow("sharded weights") << "sharded"
                                     << "sharded.keras: member model.weights.json: sharded weights";
    QTest::newRow("empty zip") << "empty"
                               << "empty.keras: member config.json: missing";
    QTest::newRow("bit-flipped weights member") << "bitflip"
                                                << "bitflip.keras: member model.weights.h5: CRC mismatch";
    QTest::newRow("garbage weights member, valid CRC") << "garbage_h5"
                                                       << "garbage_h5.keras: member model.weights.h5: not HDF5 data";
    QTest::newRow("truncated HDF5 member, valid CRC") << "truncated_h5"
                                                      << "truncated_h5.keras: member model.weights.h5:";
    QTest::newRow("truncated zip (2/3)") << "truncated"
                                         << "truncated.keras: not a zip archive, or a truncated one";
    QTest::newRow("truncated zip (last 10 bytes)") << "truncated_tail"
                                                   << "truncated_tail.keras: not a zip archive";
    QTest::newRow("zip magic, then garbage") << "zip_magic"
                                             << "zip_magic.keras: not a zip archive";
    QTest::newRow("config.json not JSON") << "bad_config"
                                          << "bad_config.keras: member config.json: the file is not "
                                             "valid JSON";
    QTest::newRow("metadata.json without keras_version")
        << "bad_metadata"
        << "bad_metadata.keras: member metadata.json: no \"keras_version\" string";
    QTest::newRow("weights of another model") << "other_model"
                                              << "other_model.keras: member model.weights.h5: no layers/gru for layer "
                                                 "'gru' (GRU)|layers/{dense, simple_rnn, simple_rnn_1}";
    QTest::newRow("array of a wrong shape")
        << "wrong_shape"
        << "wrong_shape.keras: member model.weights.h5: layers/gru/cell/vars/1 has shape (8, 32), expected (64, 192) "
           "(recurrent_kernel of layer 'gru' (GRU))";
    QTest::newRow("an array missing")
        << "missing_array"
        << "missing_array.keras: member model.weights.h5: layers/gru_1/cell/vars: holds 2 "
           "arrays, expected 3 (kernel, recurrent_kernel, bias)";
    QTest::newRow("a layer more in the file")
        << "extra_layer"
        << "extra_layer.keras: member model.weights.h5: layers/gru_2/cell/vars/0 belongs to no layer";
    QTest::newRow("bfloat16 variable") << "bf16"
                                       << "bf16.keras: member model.weights.h5: layers/dense/vars/0: bfloat16 "
                                          "data (attribute dtype=\"bfloat16\")";
    QTest::newRow("declares 5 GiB") << "huge"
                                    << "huge.keras: member model.weights.h5: declares 5 GiB uncompressed";
    QTest::newRow("declares a 300 MiB member from 64 KiB")
        << "ratio"
        << "ratio.keras: member model.weights.h5: declares 300 MiB uncompressed from 65536 bytes";
    QTest::newRow("heap object past its collection (HDF5 would crash)")
        << "heap_overrun"
        << "heap_overrun.keras: member model.weights.h5: corrupt HDF5 global heap at byte 1928: object 2 at byte 1976 "
           "declares 62220 bytes, more than its collection holds";
    QTest::newRow("heap free space of size 0 (HDF5 would hang)")
        << "heap_loop"
        << "heap_loop.keras: member model.weights.h5: corrupt HDF5 global heap at byte 1928: the "
           "free-space object at byte 2168 has size 0";
    QTest::newRow("heap object past its collection, .weights.h5 on disk")
        << "heap_file"
        << "heap_file.weights.h5: corrupt HDF5 global heap at byte 1928: object 2";
    QTest::newRow("directory without config.json") << "dir_no_config"
                                                   << "dir_no_config: is a directory without "
                                                      "config.json";
    QTest::newRow("directory without model.weights.h5") << "dir_no_weights"
                                                        << "dir_no_weights: model.weights.h5: missing";
    QTest::newRow("weights.h5 as the model") << "weights_as_model"
                                             << "weights_as_model.weights.h5: a Keras 3 weights file holds no model "
                                                "config";
    QTest::newRow("config + weights of another model")
        << "pair_mismatch"
        << "pair_mismatch.weights.h5: no layers/gru for layer 'gru' (GRU)";
}

void TestKerasArchive::errors()
{
    QFETCH(QString, fixture);
    QFETCH(QString, expected);
    const std::vector<Member> gru = members(QStringLiteral("k3_gru_stacked.keras"));
    const std::vector<Member> rnn = members(QStringLiteral("k3_simplernn_relu_stacked.keras"));
    const QByteArray gruWeights = findMember(gru, "model.weights.h5")->data;
    auto without = [](std::vector<Member> m, const std::string& name) {
        m.erase(std::remove_if(m.begin(), m.end(), [&](const Member& x) { return x.name == name; }), m.end());
        return m;
    };
    auto with = [](std::vector<Member> m, const std::string& name, const QByteArray& data) {
        for (auto& x : m) {
            if (x.name == name) {
                x.data = data;
            }
        }
        return m;
    };
    auto editedWeights = [&](const std::function<void(H5Tree&)>& edit) {
        H5Tree tree = readTree(gruWeights, "gru");
        edit(tree);
        return writeTree(tmp(fixture + ".edited.h5"), tree);
    };
    const QString archive = tmp(fixture + ".keras");
    std::string model = str(archive);
    std::optional<std::string> weights;
    std::string expectedFile = model;

    if (fixture == QLatin1String("no_config")) {
        QVERIFY(writeZip(archive, without(gru, "config.json")));
    } else if (fixture == QLatin1String("no_weights")) {
        QVERIFY(writeZip(archive, without(gru, "model.weights.h5")));
    } else if (fixture == QLatin1String("npz")) {
        auto m = without(gru, "model.weights.h5");
        m.push_back({"model.weights.npz", QByteArray("PK\x05\x06", 4) + QByteArray(18, '\0')});
        QVERIFY(writeZip(archive, m));
    } else if (fixture == QLatin1String("sharded")) {
        auto m = without(gru, "model.weights.h5");
        m.push_back({"model.weights.json", R"({"metadata": {}, "weight_map": {}})"});
        QVERIFY(writeZip(archive, m));
    } else if (fixture == QLatin1String("empty")) {
        QVERIFY(writeBytes(archive, QByteArray("PK\x05\x06", 4) + QByteArray(18, '\0')));
    } else if (fixture == QLatin1String("bitflip")) {
        QByteArray bytes = readBytes(kRealModels + QStringLiteral("k3_gru_stacked.keras"));
        // The weights member is stored and fills most of the archive: its middle is inside its data.
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
        QVERIFY(writeBytes(archive, bytes));
    } else if (fixture == QLatin1String("garbage_h5")) {
        QVERIFY(writeZip(archive, with(gru, "model.weights.h5", QByteArray(4096, 'x'))));
    } else if (fixture == QLatin1String("truncated_h5")) {
        QVERIFY(writeZip(archive, with(gru, "model.weights.h5", gruWeights.left(gruWeights.size() / 3))));
    } else if (fixture == QLatin1String("truncated") || fixture == QLatin1String("truncated_tail")) {
        const QByteArray bytes = readBytes(kRealModels + QStringLiteral("k3_gru_stacked.keras"));
        QVERIFY(writeBytes(
            archive, fixture == QLatin1String("truncated") ? bytes.left(bytes.size() * 2 / 3) : bytes.chopped(10)));
    } else if (fixture == QLatin1String("zip_magic")) {
        QVERIFY(writeBytes(archive, QByteArray("PK\x03\x04", 4) + QByteArray(1000, 'z')));
    } else if (fixture == QLatin1String("bad_config")) {
        QVERIFY(writeZip(archive, with(gru, "config.json", "{\"class_name\": ")));
    } else if (fixture == QLatin1String("bad_metadata")) {
        QVERIFY(writeZip(archive, with(gru, "metadata.json", "{\"date_saved\": \"x\"}")));
    } else if (fixture == QLatin1String("other_model")) {
        QVERIFY(writeZip(archive, with(gru, "model.weights.h5", findMember(rnn, "model.weights.h5")->data)));
    } else if (fixture == QLatin1String("wrong_shape")) {
        QVERIFY(writeZip(archive, with(gru, "model.weights.h5", editedWeights([](H5Tree& t) {
            for (auto& d : t.datasets) {
                if (d.path == "layers/gru/cell/vars/1") {
                    d.shape = {8, 32};
                    d.values.assign(256, 0.5F);
                }
            }
        }))));
    } else if (fixture == QLatin1String("missing_array")) {
        QVERIFY(writeZip(archive, with(gru, "model.weights.h5", editedWeights([](H5Tree& t) {
            t.datasets.erase(std::remove_if(t.datasets.begin(), t.datasets.end(),
                                 [](const H5Dataset& d) { return d.path == "layers/gru_1/cell/vars/2"; }),
                t.datasets.end());
        }))));
    } else if (fixture == QLatin1String("extra_layer")) {
        QVERIFY(writeZip(archive, with(gru, "model.weights.h5", editedWeights([](H5Tree& t) {
            t.groups.push_back("layers/gru_2/cell/vars");
            t.datasets.push_back({"layers/gru_2/cell/vars/0", {2}, {1.0F, 2.0F}});
            t.names["layers/gru_2/cell/vars"] = "gru_cell";
        }))));
    } else if (fixture == QLatin1String("bf16")) {
        const QString h5 = tmp(fixture + ".h5");
        QVERIFY(writeBytes(h5, gruWeights));
        {
            // Mark one variable the way H5IOStore.__setitem__ marks bfloat16 ones. The C API, because the wrappers
            // open existing files read-only.
            hid_t file = H5Fopen(qPrintable(h5), H5F_ACC_RDWR, H5P_DEFAULT);
            QVERIFY(file >= 0);
            hid_t ds = H5Dopen2(file, "layers/dense/vars/0", H5P_DEFAULT);
            hid_t type = H5Tcopy(H5T_C_S1);
            H5Tset_size(type, H5T_VARIABLE);
            H5Tset_cset(type, H5T_CSET_UTF8);
            hid_t space = H5Screate(H5S_SCALAR);
            hid_t attr = H5Acreate2(ds, "dtype", type, space, H5P_DEFAULT, H5P_DEFAULT);
            const char* value = "bfloat16";
            QVERIFY(H5Awrite(attr, type, &value) >= 0);
            H5Aclose(attr);
            H5Sclose(space);
            H5Tclose(type);
            H5Dclose(ds);
            H5Fclose(file);
        }
        QVERIFY(writeZip(archive, with(gru, "model.weights.h5", readBytes(h5))));
    } else if (fixture == QLatin1String("huge") || fixture == QLatin1String("ratio")) {
        // Forged declarations: the member's data is 64 KiB, its declared size 5 GiB or 300 MiB.
        auto m = with(gru, "model.weights.h5", QByteArray(65536, '\0'));
        const std::size_t index = 2;
        QCOMPARE(m[index].name, std::string("model.weights.h5"));
        const std::uint64_t declared
            = fixture == QLatin1String("huge") ? (std::uint64_t {5} << 30) : (std::uint64_t {300} << 20);
        QVERIFY(writeBytes(archive, zip64Archive(m, std::make_pair(index, declared))));
    } else if (fixture == QLatin1String("heap_overrun") || fixture == QLatin1String("heap_loop")) {
        const QByteArray h5 = fixture == QLatin1String("heap_overrun") ? withHeapObjectSize(gruWeights, 2, 0xF30C)
                                                                       : withHeapObjectSize(gruWeights, -1, 0);
        QVERIFY(!h5.isEmpty());
        QVERIFY(writeZip(archive, with(gru, "model.weights.h5", h5)));
    } else if (fixture == QLatin1String("heap_file")) {
        QVERIFY(writeBytes(tmp(fixture + ".json"), findMember(gru, "config.json")->data));
        QVERIFY(writeBytes(tmp(fixture + ".weights.h5"), withHeapObjectSize(gruWeights, 2, 0xF30C)));
        model = str(tmp(fixture + ".json"));
        weights = str(tmp(fixture + ".weights.h5"));
        expectedFile = *weights;
    } else if (fixture == QLatin1String("dir_no_config") || fixture == QLatin1String("dir_no_weights")) {
        QVERIFY(QDir(m_dir.path()).mkpath(fixture));
        for (const Member& member : gru) {
            if ((fixture == QLatin1String("dir_no_config") && member.name == "config.json")
                || (fixture == QLatin1String("dir_no_weights") && member.name == "model.weights.h5")) {
                continue;
            }
            QVERIFY(writeBytes(tmp(fixture + QLatin1Char('/') + QString::fromStdString(member.name)), member.data));
        }
        model = str(tmp(fixture));
        expectedFile = model;
    } else if (fixture == QLatin1String("weights_as_model")) {
        QVERIFY(writeBytes(tmp(fixture + ".weights.h5"), gruWeights));
        model = str(tmp(fixture + ".weights.h5"));
        expectedFile = model;
    } else if (fixture == QLatin1String("pair_mismatch")) {
        QVERIFY(writeBytes(tmp(fixture + ".json"), findMember(gru, "config.json")->data));
        QVERIFY(writeBytes(tmp(fixture + ".weights.h5"), findMember(rnn, "model.weights.h5")->data));
        model = str(tmp(fixture + ".json"));
        weights = str(tmp(fixture + ".weights.h5"));
        expectedFile = *weights;
    } else {
        QFAIL("unknown fixture");
    }

    try {
        io::loadModel(model, weights);
        QFAIL("loaded without an error");
    } catch (const io::FileError& e) {
        const QString what = QString::fromStdString(e.what());
        QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString(expectedFile));
        QVERIFY2(!what.contains(QLatin1Char('\n')), qPrintable(what));
        for (const QString& part : expected.split(QLatin1Char('|'))) {
            const QString full = part.startsWith(fixture) ? m_dir.filePath(part) : part;
            QVERIFY2(what.contains(full), qPrintable(QStringLiteral("'%1' not in '%2'").arg(full, what)));
        }
    }
}

// The memory budget covers the archive's weights twice: the member read out of the zip, and the copy HDF5's in-memory
// driver makes of it. k3_s2s_lstm_states.keras holds 2.13 MB of weights: 1 MB of room refuses the member, 3 MB the
// copy (the member is held by then), and 6 MB opens the model.
void TestKerasArchive::budgetRefusesWhatDoesNotFit_data()
{
    QTest::addColumn<qulonglong>("room");
    QTest::addColumn<QString>("expected"); // empty: opens
    QTest::newRow("member") << qulonglong(1 << 20) << QStringLiteral("reading member model.weights.h5 needs 2.04 MB");
    QTest::newRow("HDF5's copy") << qulonglong(3 << 20) << QStringLiteral("HDF5's copy of the in-memory file needs");
    QTest::newRow("room enough") << qulonglong(6 << 20) << QString();
}

void TestKerasArchive::budgetRefusesWhatDoesNotFit()
{
    QFETCH(qulonglong, room);
    QFETCH(QString, expected);
    if (heapBytesInUse() == 0) {
        QSKIP("this C library's heap cannot be counted");
    }
    const std::string path = str(kRealModels + QStringLiteral("k3_s2s_lstm_states.keras"));
    releaseCachedTraceBuffers();
    setMemoryBudget(memoryInUse() + room);
    QString message;
    QString file;
    try {
        const auto model = io::loadModel(path, std::nullopt);
        QVERIFY(model.model != nullptr);
    } catch (const io::FileError& e) {
        message = QString::fromStdString(e.what());
        file = QString::fromStdString(e.file());
    }
    setMemoryBudget(0);
    if (expected.isEmpty()) {
        QVERIFY2(message.isEmpty(), qPrintable(message));
        return;
    }
    QVERIFY2(message.contains(expected), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("memory budget")), qPrintable(message));
    QVERIFY2(file.startsWith(QString::fromStdString(path)), qPrintable(file));
}

QTEST_GUILESS_MAIN(TestKerasArchive)
#include "tst_keras_archive.moc"
