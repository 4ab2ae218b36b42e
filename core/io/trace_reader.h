#pragma once
// Reads an RNNScope trace file (the HDF5 layout of trace_writer.h, format "rnnscope-trace", format_version 1) back
// into the RunSnapshot the debugger's views draw from, so a recorded run can be plotted or converted later without
// the model.
//
// What comes back: every layer of /layers in the order attribute's order, with its name, class, units, options
// (as Keras prints them: JSON true -> "True", null -> "None"), step_time, mask (processing order), input, output and
// cells; Bidirectional layers with their directions; StackedRNNCells with one CellTrace per cell (its own input and
// output). Gates of a cell come back as the engine records them: one series "gates" holding the gates side by side
// in gate_names order (so every gate of a cell must have the same width). The snapshot's inputs are /inputs (in its
// order attribute's order; /input alone when there is no /inputs), its outputs /outputs, and its mask /mask when
// that mask was passed with the input (attribute source "passed" or absent); a mask the writer took from a layer
// stays on that layer only.
//
// Every failure is FileError(path, "<dataset>: <what is wrong>"): not HDF5, not a trace, a format_version we do not
// know, a missing group or dataset, a dataset of the wrong type or of a shape that does not fit the others.

#include <string>

#include "core/run_snapshot.h"

namespace rnnscope::io {

// The root attributes that have no place in a RunSnapshot.
struct TraceMetadata
{
    std::string producer; // "rnnscope-cli 0.1.0"
    std::string model; // the model file the run was made from
    std::string optionsJson; // the run's options, a JSON object text
};

// The snapshot's generation is 1, its batch 0 of 1, and runMilliseconds 0 (the file does not record them).
RunSnapshot readTraceHdf5(const std::string& path, TraceMetadata* metadata = nullptr);

} // namespace rnnscope::io
