#pragma once
// Where the bundled example lives: `share/rnnscope/examples` next to an installed binary, else the source tree the
// binary was built from (RNNSCOPE_SOURCE_EXAMPLES, a compile definition). Nothing is embedded in the binary.

#include <QString>

namespace rnnscope::app {

struct ExamplePaths
{
    QString model; // bracket_depth.h5
    QString input; // bracket_depth_input.npy
    bool found() const { return !model.isEmpty(); }
};

ExamplePaths findExample();

} // namespace rnnscope::app
