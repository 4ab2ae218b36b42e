#pragma once
// Keras's weight initializers, for models built in RNNScope rather than loaded from a file.
//
// Each follows its Keras definition (keras/src/initializers/random_initializers.py and constant_initializers.py):
//   glorot_uniform    U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)); for a 2-D kernel (in, k*units) Keras's
//                     compute_fans gives fan_in = in, fan_out = k*units
//   orthogonal        a normal matrix of shape (max(rows, cols), min(rows, cols)), its QR factorisation, Q's columns
//                     multiplied by sign(diag(R)), transposed when rows < cols (so a recurrent kernel (units, k*units)
//                     has orthonormal rows), times gain 1
//   zeros, ones       constants
//   unit_forget_bias  LSTMCell's bias: zeros except ones on the forget-gate block (gate order i, f, c, o)
//   random_uniform    U(-0.05, 0.05);  random_normal  N(0, 0.05^2)   (Keras's defaults)
//
// Values are deterministic for a seed (std::mt19937_64) but NOT bit-identical to what Keras draws for the same seed:
// Keras uses its backend's random generator (TensorFlow / JAX / NumPy), which this engine does not reproduce. The
// distributions and shapes are Keras's; the numbers are not.

#include <cstdint>
#include <string>

#include "model.h"

namespace rnnscope {

// Fills `values` (row-major, `shape`) with the named initializer; `seed` fixes the draw. Throws ModelError for an
// unknown name, for orthogonal on a shape that is not 2-D, and for unit_forget_bias on a length that is not 4*units.
void initializeWeights(const std::string& name, const Shape& shape, float* values, std::uint64_t seed);

// The initializers to use per kind of weight; an empty name means Keras's default for that weight.
struct InitializerChoice
{
    std::string kernel; // default glorot_uniform (cells, Dense)
    std::string recurrent; // default orthogonal
    std::string bias; // default zeros, unit_forget_bias for LSTM cells
};

// The default Keras gives weight `slotName` ("kernel", "recurrent_kernel", "bias", "embeddings") of a cell or layer
// of class `ownerClass` ("LSTMCell", "GRUCell", "Dense", "Embedding", ...), after `choice`'s overrides.
std::string initializerFor(const std::string& ownerClass, const std::string& slotName, const InitializerChoice& choice);

// Fills every weight of every layer of the built (finalized) `model`. Each array gets a seed of its own, derived from
// `seed` and its position in the model, so the same seed always gives the same model.
void initializeModelWeights(Model& model, const InitializerChoice& choice, std::uint64_t seed);

} // namespace rnnscope
