#include "probes.h"

#include <cmath>
#include <numbers>
#include <random>

namespace rnnscope::app {

Tensor makeProbe(const ProbeSpec& spec)
{
    Tensor t({spec.batch, spec.steps, spec.features});
    std::mt19937 gen(spec.seed);
    std::normal_distribution<float> noise(0.0F, 1.0F);
    for (Index b = 0; b < spec.batch; ++b) {
        for (Index s = 0; s < spec.steps; ++s) {
            for (Index f = 0; f < spec.features; ++f) {
                float v = 0.0F;
                switch (spec.kind) {
                case ProbeKind::Zeros:
                    break;
                case ProbeKind::Impulse:
                    v = s == spec.onset ? spec.amplitude : 0.0F;
                    break;
                case ProbeKind::Step:
                    v = s >= spec.onset ? spec.amplitude : 0.0F;
                    break;
                case ProbeKind::Sine: {
                    // Samples differ in phase so a batch shows more than one copy of the same answer.
                    const double phase
                        = spec.batch > 1 ? static_cast<double>(b) / static_cast<double>(spec.batch) : 0.0;
                    const double period = spec.period > 0.0F ? spec.period : 1.0;
                    v = spec.amplitude
                        * static_cast<float>(
                            std::sin(2.0 * std::numbers::pi * (static_cast<double>(s) / period + phase)));
                    break;
                }
                case ProbeKind::Noise:
                    v = spec.amplitude * noise(gen);
                    break;
                }
                t.at(b, s, f) = v;
            }
        }
    }
    return t;
}

} // namespace rnnscope::app
