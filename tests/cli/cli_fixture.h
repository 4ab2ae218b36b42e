#pragma once
// Turns a golden case (tests/data/golden/*.json) into the files a user would hand to rnnscope-cli: the model
// config as .json, the weights as a legacy Keras weights-only .h5 (root attrs layer_names / keras_version /
// backend, one group per layer with weight_names, datasets at those paths: keras-formats §1.1), and .npy inputs.

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/io/atomic_file.h"
#include "core/io/hdf5_file.h"
#include "core/io/npy.h"

namespace rnnscope::testing {

inline void writeLegacyWeights(const nlohmann::json& golden, const std::string& path)
{
    auto file = io::Hdf5File::create(path);
    auto root = file.root();
    std::vector<std::string> layerNames;
    for (const auto& layer : golden.at("weights")) {
        layerNames.push_back(layer.at("layer").get<std::string>());
    }
    root.setStringListAttribute("layer_names", layerNames);
    root.setStringAttribute("keras_version", golden.at("keras_version").get<std::string>());
    root.setStringAttribute("backend", "tensorflow");
    for (const auto& layer : golden.at("weights")) {
        auto group = root.createGroup(layer.at("layer").get<std::string>());
        std::vector<std::string> names;
        for (const auto& a : layer.at("arrays")) {
            const auto name = a.at("name").get<std::string>();
            names.push_back(name);
            const auto data = a.at("data").get<std::vector<float>>();
            group.writeDataset(name, a.at("shape").get<Shape>(), data.data());
        }
        group.setStringListAttribute("weight_names", names);
    }
    file.close();
}

inline void writeJson(const nlohmann::json& j, const std::string& path)
{
    std::ofstream(path) << j.dump();
}

inline Tensor tensorFromJson(const nlohmann::json& j)
{
    return {j.at("shape").get<Shape>(), j.at("data").get<std::vector<float>>()};
}

} // namespace rnnscope::testing
