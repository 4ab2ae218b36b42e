#include "keras_model_writer.h"

#include <chrono>
#include <ctime>
#include <map>

#include <nlohmann/json.hpp>
#include <zip.h>

#include "atomic_file.h"
#include "core/bidirectional.h"
#include "core/cells/stacked_rnn_cells.h"
#include "core/layers/basic_layers.h"
#include "core/rnn_layer.h"
#include "file_error.h"
#include "hdf5_file.h"
#include "keras3_weights.h"
#include "keras_config_writer.h"

namespace rnnscope::io {

namespace {

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Keras's model.layers, which both weight layouts are keyed by: Sequential.layers leaves out the InputLayer
// (keras/src/models/sequential.py, tf_keras/engine/sequential.py), Functional keeps it.
std::vector<Layer*> kerasModelLayers(const Model& model, const nlohmann::ordered_json& config)
{
    const bool sequential = config.value("class_name", std::string()) == "Sequential";
    std::vector<Layer*> out;
    for (const auto& layer : model.layers()) {
        if (!(sequential && layer->className() == "InputLayer")) {
            out.push_back(layer.get());
        }
    }
    return out;
}

// `_save_container_state`'s names (keras/src/saving/saving_lib.py): the j-th object of a class in a list is
// "<snake>" for j = 0 and "<snake>_j" after.
class ContainerNames
{
public:
    std::string take(const std::string& snake)
    {
        const int j = m_used[snake]++;
        return j == 0 ? snake : snake + "_" + std::to_string(j);
    }

private:
    std::map<std::string, int> m_used;
};

void writeSlots(Hdf5Group& vars, std::vector<WeightSlot> slots)
{
    for (std::size_t i = 0; i < slots.size(); ++i) {
        vars.writeDataset(std::to_string(i), slots[i].shape, slots[i].data);
    }
}

// One saveable object of Keras's tree: its `vars` group named after the object (Keras >= 3.6 metadata).
Hdf5Group makeVars(Hdf5Group& parent, const std::string& base, const std::string& objectName)
{
    Hdf5Group vars = parent.createGroup(base + "/vars");
    vars.setStringAttribute("name", objectName);
    return vars;
}

void writeKeras3Cell(Hdf5Group& root, RnnCell& cell, const std::string& base, const std::string& cellName)
{
    Hdf5Group vars = makeVars(root, base, cellName);
    if (auto* stack = dynamic_cast<StackedRnnCells*>(&cell)) {
        ContainerNames names;
        for (const auto& child : stack->cells()) {
            const std::string name = names.take(kerasSnakeCase(child->className()));
            writeKeras3Cell(root, *child, base + "/cells/" + name, name);
        }
        return;
    }
    writeSlots(vars, cell.weights());
}

void writeKeras3Layer(Hdf5Group& root, Layer& layer, const std::string& base)
{
    Hdf5Group vars = makeVars(root, base, layer.name());
    if (auto* rnn = dynamic_cast<RnnLayer*>(&layer)) {
        writeKeras3Cell(root, rnn->cell(), base + "/cell", kerasSnakeCase(rnn->cell().className()));
    } else if (auto* bi = dynamic_cast<BidirectionalLayer*>(&layer)) {
        writeKeras3Layer(root, bi->forward(), base + "/forward_layer");
        writeKeras3Layer(root, bi->backward(), base + "/backward_layer");
    } else if (auto* td = dynamic_cast<TimeDistributedLayer*>(&layer)) {
        writeKeras3Layer(root, td->inner(), base + "/layer");
    } else {
        writeSlots(vars, layer.weights());
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Legacy weight names: the variable name scopes of tf.keras 2.x (keras-formats §1.2): RNN.build opens a scope named
// after the cell, StackedRNNCells.build one per cell, Bidirectional one per direction; TimeDistributed none. Cell names
// are unique per model, as Keras's global name counter makes them ("lstm_cell", "lstm_cell_1", ...).

class LegacyNames
{
public:
    std::vector<std::string> layer(Layer& layer, const std::string& scope)
    {
        std::vector<std::string> out;
        if (auto* rnn = dynamic_cast<RnnLayer*>(&layer)) {
            cell(rnn->cell(), scope, out);
        } else if (auto* bi = dynamic_cast<BidirectionalLayer*>(&layer)) {
            for (RnnLayer* direction : {&bi->forward(), &bi->backward()}) {
                auto names = this->layer(*direction, scope + "/" + direction->name());
                out.insert(out.end(), names.begin(), names.end());
            }
        } else if (auto* td = dynamic_cast<TimeDistributedLayer*>(&layer)) {
            return this->layer(td->inner(), scope);
        } else {
            for (const auto& slot : layer.weights()) {
                out.push_back(scope + "/" + slot.name + ":0");
            }
        }
        return out;
    }

private:
    void cell(RnnCell& c, const std::string& scope, std::vector<std::string>& out)
    {
        const std::string inner = scope + "/" + m_names.take(kerasSnakeCase(c.className()));
        if (auto* stack = dynamic_cast<StackedRnnCells*>(&c)) {
            for (const auto& child : stack->cells()) {
                cell(*child, inner, out);
            }
            return;
        }
        for (const auto& slot : c.weights()) {
            out.push_back(inner + "/" + slot.name + ":0");
        }
    }

    ContainerNames m_names;
};

// "YYYY-MM-DD@HH:MM:SS" in local time, as saving_lib.py's datetime.now().strftime writes date_saved.
std::string dateSaved()
{
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm local {};
    localtime_r(&now, &local);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d@%H:%M:%S", &local);
    return buffer;
}

// A zip of stored (uncompressed) members, as Python's zipfile.ZipFile(f, "w") writes by default, built in memory.
class ZipBuilder
{
public:
    explicit ZipBuilder(std::string path)
        : m_path(std::move(path))
    {
        zip_error_t error;
        zip_error_init(&error);
        m_source = zip_source_buffer_create(nullptr, 0, 0, &error);
        if (m_source != nullptr) {
            zip_source_keep(m_source); // kept past zip_close() to read the result
            m_zip = zip_open_from_source(m_source, ZIP_TRUNCATE, &error);
        }
        const std::string text = zip_error_strerror(&error);
        zip_error_fini(&error);
        if (m_zip == nullptr && m_source != nullptr) {
            zip_source_free(m_source); // the reference the failed open did not take; the destructor drops ours
        }
        if (m_zip == nullptr) {
            throw FileError(m_path, "cannot create a zip archive in memory: " + text);
        }
    }
    ~ZipBuilder()
    {
        if (m_zip != nullptr) {
            zip_discard(m_zip);
        }
        if (m_source != nullptr) {
            zip_source_free(m_source);
        }
    }
    ZipBuilder(const ZipBuilder&) = delete;
    ZipBuilder& operator=(const ZipBuilder&) = delete;

    void add(const std::string& member, std::vector<unsigned char> bytes)
    {
        m_members.push_back(std::move(bytes)); // libzip reads the buffer at zip_close()
        const auto& data = m_members.back();
        zip_source_t* source = zip_source_buffer(m_zip, data.data(), data.size(), 0);
        if (source == nullptr) {
            fail("cannot add member " + member);
        }
        const zip_int64_t index = zip_file_add(m_zip, member.c_str(), source, ZIP_FL_ENC_UTF_8);
        if (index < 0) {
            zip_source_free(source);
            fail("cannot add member " + member);
        }
        if (zip_set_file_compression(m_zip, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) < 0) {
            fail("cannot store member " + member);
        }
    }
    void add(const std::string& member, const std::string& text)
    {
        add(member, std::vector<unsigned char>(text.begin(), text.end()));
    }

    std::vector<unsigned char> finish()
    {
        if (zip_close(m_zip) < 0) {
            fail("cannot finish the zip archive");
        }
        m_zip = nullptr;
        zip_stat_t stat;
        zip_stat_init(&stat);
        if (zip_source_open(m_source) < 0 || zip_source_stat(m_source, &stat) < 0
            || (stat.valid & ZIP_STAT_SIZE) == 0) {
            throw FileError(m_path, "cannot read back the zip archive built in memory");
        }
        std::vector<unsigned char> bytes(static_cast<std::size_t>(stat.size));
        const zip_int64_t got = zip_source_read(m_source, bytes.data(), bytes.size());
        zip_source_close(m_source);
        if (got != static_cast<zip_int64_t>(bytes.size())) {
            throw FileError(m_path, "cannot read back the zip archive built in memory");
        }
        return bytes;
    }

private:
    [[noreturn]] void fail(const std::string& what) { throw FileError(m_path, what + ": " + zip_strerror(m_zip)); }

    std::string m_path;
    zip_source_t* m_source = nullptr;
    zip_t* m_zip = nullptr;
    std::vector<std::vector<unsigned char>> m_members;
};

std::vector<unsigned char> keras3Weights(
    Model& model, const nlohmann::ordered_json& config, const std::string& outputFile)
{
    Hdf5File file = Hdf5File::createInMemory(outputFile);
    Hdf5Group root = file.root();
    makeVars(root, "", model.name());
    root.createGroup("layers");
    ContainerNames names;
    for (Layer* layer : kerasModelLayers(model, config)) {
        writeKeras3Layer(root, *layer, "layers/" + names.take(kerasSnakeCase(layer->className())));
    }
    return file.takeImage();
}

} // namespace

std::vector<unsigned char> keras3WeightsImage(Model& model, const std::string& outputFile)
{
    return keras3Weights(model, kerasConfigFromModel(model, KerasGeneration::Keras3, outputFile), outputFile);
}

void saveKerasArchive(Model& model, const std::string& path)
{
    const nlohmann::ordered_json config = kerasConfigFromModel(model, KerasGeneration::Keras3, path);
    std::vector<unsigned char> weights = keras3Weights(model, config, path);
    const nlohmann::ordered_json metadata = {{"keras_version", kKeras3WriteVersion}, {"date_saved", dateSaved()}};
    // Members in saving_lib.py's order: metadata.json, config.json, model.weights.h5.
    ZipBuilder zip(path);
    zip.add("metadata.json", metadata.dump());
    zip.add("config.json", config.dump());
    zip.add("model.weights.h5", std::move(weights));
    const std::vector<unsigned char> bytes = zip.finish();
    AtomicFile::writeBytes(path, bytes.data(), bytes.size());
}

void saveLegacyH5(Model& model, const std::string& path)
{
    const nlohmann::ordered_json config = kerasConfigFromModel(model, KerasGeneration::Keras2, path);
    Hdf5File file = Hdf5File::createInMemory(path);
    Hdf5Group root = file.root();
    // h5py stores Python str as UTF-8 and bytes as ASCII; Keras passes keras_version and backend as str and the
    // JSON and name lists as bytes (hdf5_format.py::save_model_to_hdf5, save_weights_to_hdf5_group).
    root.setStringAttribute("keras_version", kKeras2WriteVersion);
    root.setStringAttribute("backend", "tensorflow");
    root.setStringAttribute("model_config", config.dump(), Hdf5StringCset::Ascii);
    Hdf5Group weights = root.createGroup("model_weights");
    weights.setStringAttribute("backend", "tensorflow", Hdf5StringCset::Ascii);
    weights.setStringAttribute("keras_version", kKeras2WriteVersion, Hdf5StringCset::Ascii);
    std::vector<std::string> layerNames;
    LegacyNames names;
    for (Layer* layer : kerasModelLayers(model, config)) {
        layerNames.push_back(layer->name());
        Hdf5Group group = weights.createGroup(layer->name());
        const std::vector<std::string> weightNames = names.layer(*layer, layer->name());
        const std::vector<WeightSlot> slots = layer->weights();
        if (weightNames.size() != slots.size()) {
            throw FileError(path, "layer '" + layer->name() + "': cannot name its weights");
        }
        if (weightNames.empty()) {
            group.setEmptyListAttribute("weight_names");
        } else {
            group.setStringListAttribute("weight_names", weightNames, Hdf5StringCset::Ascii);
        }
        for (std::size_t i = 0; i < slots.size(); ++i) {
            group.writeDataset(weightNames[i], slots[i].shape, slots[i].data);
        }
    }
    weights.setStringListAttribute("layer_names", layerNames, Hdf5StringCset::Ascii);
    weights.createGroup("top_level_model_weights").setEmptyListAttribute("weight_names");
    const std::vector<unsigned char> bytes = file.takeImage();
    AtomicFile::writeBytes(path, bytes.data(), bytes.size());
}

bool isSupportedModelOutput(const std::string& path)
{
    return endsWith(path, ".keras") || endsWith(path, ".h5") || endsWith(path, ".hdf5");
}

void saveKerasModel(Model& model, const std::string& path)
{
    if (endsWith(path, ".keras")) {
        saveKerasArchive(model, path);
    } else if (endsWith(path, ".h5") || endsWith(path, ".hdf5")) {
        saveLegacyH5(model, path);
    } else {
        throw FileError(path, "unsupported output format (use a .keras or .h5 name)");
    }
}

} // namespace rnnscope::io
