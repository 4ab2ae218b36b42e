#pragma once
// Writes a recorded ModelTrace to disk: the HDF5 trace file of DESIGN.md ("Trace file"), the same datasets as
// a tree of .npy files, or one CSV file per layer and quantity.
//
// HDF5 layout (batch-major [B,T,...], steps in processing order; `step_time[s]` is the input timestep of step s):
//
//   /                                  attrs format="rnnscope-trace", format_version=1 (int), producer, model,
//                                      options (JSON object text)
//   /input                             the first model input, as given (float32)
//   /inputs/<name>                     every model input, the first one included
//   /mask          [B,T] uint8         in ORIGINAL time order: the mask passed with input 0; when none was passed,
//                                      the first recurrent layer's mask if it has one and matches /input's [B,T]
//                                      (attr `source` = "passed" or "layer:<name>")
//   /layers                            attr order: layer group names in the order the layers ran
//   /layers/<layer>/                   attrs class ("LSTM", "RNN", "Bidirectional", ...), units, state_names,
//                                      gate_names, options (JSON object; "True"/"False" -> booleans, "None" -> null,
//                                      numerals -> numbers), plus `name` (the layer's own name) and `cell_class`
//   /layers/<layer>/step_time          [T] int32
//   /layers/<layer>/states/<name>      [B,T,S] float32, after each step
//   /layers/<layer>/gates/<name>       [B,T,U] float32, post-activation
//   /layers/<layer>/output             [B,T,U] float32, per-step emitted output
//   /layers/<layer>/input              [B,T,F] float32            (addition: the layer's input per step)
//   /layers/<layer>/mask               [B,T] uint8, processing order, when the layer ran masked   (addition)
//   StackedRNNCells: no states/ or gates/ at the layer level (its state_names/gate_names are empty, attr
//     `cell_count`), but /layers/<layer>/cells/<k>/{states/<name>, gates/<name>, input, output} with attrs
//     class, units, state_names, gate_names on each cells/<k> group.
//   Bidirectional: /layers/<layer>/forward/... and /layers/<layer>/backward/..., each the full single-layer
//     layout; the Bidirectional group's own attrs have empty state_names/gate_names and options incl. merge_mode.
//   /outputs/<name>                    the model's outputs, as `run` writes them
//
// Gate names come from the cell class (LSTMCell i,f,c,o; GRUCell z,r,hh; equal widths); a cell of another class
// that recorded gates has them written as one dataset "gates". Non-empty datasets are chunked and deflated.
// Names are used as path components with '/' replaced by '_'; a layer traced twice (a shared layer) gets
// "_call<k>" appended from its second call on.
//
// NPY: <dir>/input.npy, <dir>/mask.npy (bool), <dir>/inputs/<name>.npy, <dir>/outputs/<name>.npy,
// <dir>/layers/<layer>/step_time.npy (int32), .../states/h.npy, ... mirroring the HDF5 paths (masks as bool),
// and <dir>/trace.json: {"attributes": {"/": {...}, "/layers/lstm": {...}, ...}} with every group's attributes
// (options as JSON objects, not text).
//
// CSV: <dir>/<layer>[.forward|.backward][.cell<k>].<quantity>.csv where quantity is state_<name>, gate_<name>,
// output or input (prefixed because an LSTM has both a state "c" and a gate "c"); header
// `sample,step,time[,mask],<quantity>_0,<quantity>_1,...`, one row per (sample, step), steps in processing order,
// time = step_time, floats as %.9g (round-trips float32).
//
// Failures throw FileError(path, problem). Every file is written under a temporary name and renamed into place,
// so nothing half-written appears under a final name; a failed NPY/CSV export may leave earlier complete files.
// The HDF5 file is built in memory (compressed) and then written in one go: HDF5 1.10 crashes the process at
// exit after a failed write to disk (a full disk), which a trace export must never do.
// Invalid optionsJson (not a JSON object) throws std::invalid_argument before anything is written.

#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "core/trace.h"

namespace rnnscope::io {

// What the run was fed, and what it produced, for the file's top level.
struct TraceInputs
{
    std::vector<std::pair<std::string, Tensor>> inputs; // model inputs by name, batch-major as given
    const Mask* mask = nullptr; // the mask passed with input 0, if any
    std::vector<std::pair<std::string, Tensor>> outputs; // model outputs by name, as `run` writes them
    std::string producer; // "rnnscope-cli 0.1.0"
    std::string model; // model file path
    std::string optionsJson; // run options as a JSON object text ("" = {})
};

// Gate names of a built-in cell class, in the order its "gates" series holds them; empty when unknown.
std::vector<std::string> gateNamesForCellClass(const std::string& cellClass);

void writeTraceHdf5(const std::string& path, const ModelTrace& trace, const TraceInputs& inputs);
void writeTraceCsv(const std::string& dir, const ModelTrace& trace, const TraceInputs& inputs);
void writeTraceNpy(const std::string& dir, const ModelTrace& trace, const TraceInputs& inputs);

} // namespace rnnscope::io
