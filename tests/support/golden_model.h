#pragma once
// A golden fixture's model (tests/data/golden/*.json): its config through the Keras config reader and its weights
// through the loaders' position matching, as the golden and trace tests build it.

#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/io/keras_config.h"
#include "core/io/weights.h"
#include "core/model.h"

namespace rnnscope::testing {

// Reads the fixture at `path` into `golden` and returns its model with the weights assigned.
inline std::unique_ptr<Model> loadGoldenModel(const std::string& path, nlohmann::json& golden)
{
    std::ifstream in(path);
    golden = nlohmann::json::parse(in);
    const auto version = io::KerasVersion::parse(golden.at("keras_version").get<std::string>(), path);
    auto model = io::modelFromKerasConfig(golden.at("model_config"), version, path);
    std::vector<io::LayerWeights> weights;
    for (const auto& layer : golden.at("weights")) {
        std::vector<io::WeightArray> arrays;
        for (const auto& a : layer.at("arrays")) {
            arrays.push_back(
                {a.at("name").get<std::string>(), a.at("shape").get<Shape>(), a.at("data").get<std::vector<float>>()});
        }
        weights.emplace_back(layer.at("layer").get<std::string>(), std::move(arrays));
    }
    io::assignModelWeights(*model, weights, path);
    return model;
}

} // namespace rnnscope::testing
