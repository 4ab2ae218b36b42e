#pragma once
// Small deterministic cells and inputs for the engine's property tests.

#include <memory>
#include <random>
#include <string>

#include "core/cells/gru_cell.h"
#include "core/cells/lstm_cell.h"
#include "core/cells/simple_rnn_cell.h"
#include "core/cells/stacked_rnn_cells.h"

namespace rnnscope::testing {

inline void fillUniform(float* data, Index n, unsigned seed, float scale = 0.5F)
{
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-scale, scale);
    for (Index i = 0; i < n; ++i) {
        data[i] = dist(gen);
    }
}

inline void randomizeWeights(RnnCell& cell, unsigned seed)
{
    for (auto& w : cell.weights()) {
        fillUniform(w.data, shapeVolume(w.shape), seed++);
    }
}

inline Tensor randomTensor(Shape shape, unsigned seed, float scale = 1.0F)
{
    Tensor t(std::move(shape));
    fillUniform(t.data(), t.size(), seed, scale);
    return t;
}

// "simple", "lstm", "gru", "gru_reset_after", "minimal", "stack" (LSTM(5) -> GRU(3)).
// A cell of `kind` with random weights: `units` units (0: the small default, 4; a stack's cells 5 and 3).
inline std::unique_ptr<RnnCell> makeTestCell(const std::string& kind, Index features, unsigned seed, Index units = 0)
{
    const auto tanh = Activation(ActivationKind::Tanh);
    const auto sigmoid = Activation(ActivationKind::Sigmoid);
    const Index u = units > 0 ? units : 4;
    std::unique_ptr<RnnCell> cell;
    if (kind == "simple") {
        cell = std::make_unique<SimpleRnnCell>(features, u, tanh, true);
    } else if (kind == "simple_nobias") {
        cell = std::make_unique<SimpleRnnCell>(features, u, tanh, false);
    } else if (kind == "lstm") {
        cell = std::make_unique<LstmCell>(features, u, tanh, sigmoid, true);
    } else if (kind == "lstm_nobias") {
        cell = std::make_unique<LstmCell>(features, u, tanh, sigmoid, false);
    } else if (kind == "lstm_hard_sigmoid") {
        // Keras 3's hard_sigmoid as the recurrent activation (packet code other than the sigmoid's).
        cell = std::make_unique<LstmCell>(features, u, tanh, Activation(ActivationKind::HardSigmoidKeras3), true);
    } else if (kind == "gru") {
        cell = std::make_unique<GruCell>(features, u, tanh, sigmoid, true, false);
    } else if (kind == "gru_reset_after") {
        cell = std::make_unique<GruCell>(features, u, tanh, sigmoid, true, true);
    } else if (kind == "gru_reset_after_nobias") {
        cell = std::make_unique<GruCell>(features, u, tanh, sigmoid, false, true);
    } else if (kind == "minimal") {
        cell = std::make_unique<MinimalRnnCell>(features, u);
    } else if (kind == "stack") {
        const Index first = units > 0 ? units : 5;
        const Index second = units > 0 ? units : 3;
        std::vector<std::unique_ptr<RnnCell>> cells;
        cells.push_back(std::make_unique<LstmCell>(features, first, tanh, sigmoid, true));
        cells.push_back(std::make_unique<GruCell>(first, second, tanh, sigmoid, true, true));
        cell = std::make_unique<StackedRnnCells>(std::move(cells));
    }
    randomizeWeights(*cell, seed);
    return cell;
}

inline std::vector<Tensor> zeroStates(const RnnCell& cell, Index batch)
{
    std::vector<Tensor> s;
    for (const auto& spec : cell.states()) {
        s.emplace_back(Shape {batch, spec.size});
    }
    return s;
}

// Batch-major [B,T,F] -> the same values with time reversed.
inline Tensor flipTime(const Tensor& x)
{
    Tensor y(x.shape());
    const Index b = x.dim(0);
    const Index t = x.dim(1);
    const Index f = x.dim(2);
    for (Index i = 0; i < b; ++i) {
        for (Index s = 0; s < t; ++s) {
            for (Index k = 0; k < f; ++k) {
                y.at(i, s, k) = x.at(i, t - 1 - s, k);
            }
        }
    }
    return y;
}

} // namespace rnnscope::testing
