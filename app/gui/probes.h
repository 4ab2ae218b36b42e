#pragma once
// Generated input sequences ("probes") for looking at a model without a data file: how the states answer to
// silence, a single kick, a switch-on, a rhythm or noise. Qt-free so the benchmark and tests can use them.

#include <cstdint>

#include "core/tensor.h"

namespace rnnscope::app {

enum class ProbeKind { Zeros, Impulse, Step, Sine, Noise };

struct ProbeSpec
{
    ProbeKind kind = ProbeKind::Sine;
    Index batch = 1;
    Index steps = 50;
    Index features = 1;
    float amplitude = 1.0F;
    Index onset = 0; // impulse / step: the timestep where it happens
    float period = 20.0F; // sine: timesteps per cycle; sample b is shifted by b/batch of a cycle
    std::uint32_t seed = 1; // noise
};

// [batch, steps, features] float32. Every feature gets the same signal except noise.
Tensor makeProbe(const ProbeSpec& spec);

enum class InitialStateKind { Zeros, Random, FromFile };

} // namespace rnnscope::app
