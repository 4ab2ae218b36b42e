#include "initializers.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <Eigen/QR>

#include "bidirectional.h"
#include "cells/stacked_rnn_cells.h"
#include "errors.h"
#include "layers/basic_layers.h"
#include "rnn_layer.h"

namespace rnnscope {

namespace {

using DoubleMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;

std::string shapeText(const Shape& shape)
{
    return shapeToString(shape);
}

// Keras's compute_fans (keras/src/initializers/random_initializers.py) for the shapes RNN weights have: a vector is
// (fan_in = fan_out = its length), a matrix (rows, cols) gives fan_in = rows and fan_out = cols.
std::pair<double, double> fans(const Shape& shape)
{
    if (shape.empty()) {
        return {1.0, 1.0};
    }
    if (shape.size() == 1) {
        return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
    }
    double receptive = 1.0;
    for (std::size_t i = 0; i + 2 < shape.size(); ++i) {
        receptive *= static_cast<double>(shape[i]);
    }
    return {static_cast<double>(shape[shape.size() - 2]) * receptive,
        static_cast<double>(shape[shape.size() - 1]) * receptive};
}

void uniform(float* values, Index n, double limit, std::mt19937_64& rng)
{
    std::uniform_real_distribution<double> dist(-limit, limit);
    for (Index i = 0; i < n; ++i) {
        values[i] = static_cast<float>(dist(rng));
    }
}

void orthogonal(const Shape& shape, float* values, std::mt19937_64& rng)
{
    if (shape.size() != 2) {
        throw ModelError("orthogonal initializer needs a 2-D shape, got " + shapeText(shape));
    }
    const Index rows = shape[0];
    const Index cols = shape[1];
    const Index tall = std::max(rows, cols);
    const Index narrow = std::min(rows, cols);
    DoubleMatrix a(tall, narrow);
    std::normal_distribution<double> dist(0.0, 1.0);
    for (Index i = 0; i < a.size(); ++i) {
        a.data()[i] = dist(rng);
    }
    const Eigen::HouseholderQR<DoubleMatrix> qr(a);
    DoubleMatrix q = qr.householderQ() * DoubleMatrix::Identity(tall, narrow);
    const DoubleMatrix r = qr.matrixQR().topRows(narrow).triangularView<Eigen::Upper>();
    for (Index j = 0; j < narrow; ++j) {
        // q *= sign(diag(r)): makes the factorisation unique, so Q is uniformly distributed.
        q.col(j) *= r(j, j) < 0.0 ? -1.0 : 1.0;
    }
    if (rows < cols) {
        q.transposeInPlace();
    }
    for (Index i = 0; i < rows; ++i) {
        for (Index j = 0; j < cols; ++j) {
            values[i * cols + j] = static_cast<float>(q(i, j));
        }
    }
}

// splitmix64: independent, reproducible seeds per weight array from one user seed.
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t index)
{
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (index + 1);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
}

class ModelInitializer
{
public:
    ModelInitializer(const InitializerChoice& choice, std::uint64_t seed)
        : m_choice(choice)
        , m_seed(seed)
    {
    }

    void layer(Layer& l)
    {
        if (auto* rnn = dynamic_cast<RnnLayer*>(&l)) {
            cell(rnn->cell());
        } else if (auto* bi = dynamic_cast<BidirectionalLayer*>(&l)) {
            layer(bi->forward());
            layer(bi->backward());
        } else if (auto* td = dynamic_cast<TimeDistributedLayer*>(&l)) {
            layer(td->inner());
        } else {
            slots(l.className(), l.weights());
        }
    }

private:
    void cell(RnnCell& c)
    {
        if (auto* stack = dynamic_cast<StackedRnnCells*>(&c)) {
            for (const auto& child : stack->cells()) {
                cell(*child);
            }
            return;
        }
        slots(c.className(), c.weights());
    }
    void slots(const std::string& owner, const std::vector<WeightSlot>& list)
    {
        for (const auto& slot : list) {
            initializeWeights(
                initializerFor(owner, slot.name, m_choice), slot.shape, slot.data, mixSeed(m_seed, m_next++));
        }
    }

    const InitializerChoice& m_choice;
    std::uint64_t m_seed;
    std::uint64_t m_next = 0;
};

} // namespace

void initializeWeights(const std::string& name, const Shape& shape, float* values, std::uint64_t seed)
{
    const Index n = shapeVolume(shape);
    std::mt19937_64 rng(seed);
    if (name == "zeros") {
        std::fill(values, values + n, 0.0F);
    } else if (name == "ones") {
        std::fill(values, values + n, 1.0F);
    } else if (name == "glorot_uniform") {
        const auto [fanIn, fanOut] = fans(shape);
        uniform(values, n, std::sqrt(6.0 / (fanIn + fanOut)), rng);
    } else if (name == "random_uniform") {
        uniform(values, n, 0.05, rng);
    } else if (name == "random_normal") {
        std::normal_distribution<double> dist(0.0, 0.05);
        for (Index i = 0; i < n; ++i) {
            values[i] = static_cast<float>(dist(rng));
        }
    } else if (name == "orthogonal") {
        orthogonal(shape, values, rng);
    } else if (name == "unit_forget_bias") {
        // LSTMCell.build: bias = concat([zeros(units), ones(units), zeros(2 * units)]) in gate order i, f, c, o.
        if (shape.size() != 1 || shape[0] % 4 != 0) {
            throw ModelError("unit_forget_bias needs a bias of length 4*units, got " + shapeText(shape));
        }
        const Index units = shape[0] / 4;
        std::fill(values, values + n, 0.0F);
        std::fill(values + units, values + 2 * units, 1.0F);
    } else {
        throw ModelError("unknown initializer '" + name + "'");
    }
}

std::string initializerFor(const std::string& ownerClass, const std::string& slotName, const InitializerChoice& choice)
{
    if (slotName == "kernel") {
        return choice.kernel.empty() ? "glorot_uniform" : choice.kernel;
    }
    if (slotName == "recurrent_kernel") {
        return choice.recurrent.empty() ? "orthogonal" : choice.recurrent;
    }
    if (slotName == "bias") {
        if (!choice.bias.empty()) {
            return choice.bias;
        }
        // LSTM's unit_forget_bias=True default (keras/src/layers/rnn/lstm.py).
        return ownerClass == "LSTMCell" ? "unit_forget_bias" : "zeros";
    }
    if (slotName == "embeddings") {
        return "random_uniform"; // Embedding's default embeddings_initializer="uniform"
    }
    return "zeros";
}

void initializeModelWeights(Model& model, const InitializerChoice& choice, std::uint64_t seed)
{
    ModelInitializer init(choice, seed);
    for (const auto& layer : model.layers()) {
        init.layer(*layer);
    }
}

} // namespace rnnscope
