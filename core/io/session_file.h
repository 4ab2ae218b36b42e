#pragma once
// The debugger's session file (.rnnscope): everything needed to put the window back where the user left it — the
// model and its weights, how each batch's input was made (a file with its reading options, or a generated probe),
// the live options of every recurrent layer, the initial states, the mask edits, the what-if edits, the
// breakpoints, what runs record, the selection and the window layout.
//
// It is a recipe, not a copy: data files are referenced by path (absolute, and relative to the session file, so a
// folder moved as a whole still opens). JSON, format "rnnscope-session", version 1; unknown keys are ignored so a
// later version can add some. Written atomically.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/breakpoints.h"
#include "core/tensor.h"
#include "core/trace.h"
#include "core/what_if.h"
#include "sequence_readers.h"

namespace rnnscope::io {

// A generated input (the debugger's probes), by its parameters.
struct SessionProbe
{
    std::string kind = "sine"; // zeros, impulse, step, sine, noise
    Index batch = 1;
    Index steps = 50;
    Index features = 1;
    double amplitude = 1.0;
    Index onset = 0;
    double period = 20.0;
    std::uint32_t seed = 1;
};

// How input 0 of one batch was made.
struct SessionInput
{
    enum class Source { Default, File, Probe };
    Source source = Source::Default; // Default: the probe the debugger makes for a model without data
    std::string spec; // File: a sequence spec (X.npy, data.csv, DIR, data.h5:/x, text:FILE)
    SequenceOptions options; // File: how it is read (vocabulary, tokens, padding)
    SessionProbe probe; // Probe
};

struct SessionMaskToggle
{
    int batch = 0;
    Index sample = 0;
    Index time = 0; // input timestep (original order)
    bool operator==(const SessionMaskToggle&) const = default;
};

// What the views look at. Series as widgets::SeriesRef names them.
struct SessionSelection
{
    int layer = 0;
    int direction = -1;
    int cell = 0;
    std::string kind = "state"; // state, gate, output, input
    std::string name = "h";
    Index sample = 0;
    Index step = -1;
    std::vector<int> units;
    std::optional<std::pair<double, double>> timeRange;
    int shownBatch = 0;
    std::string display = "current"; // current, baseline, difference
};

struct SessionFile
{
    std::string model; // absolute path
    std::string weights; // absolute path; empty = the model file's own (or the ones saved beside a config)
    std::vector<SessionInput> batches; // batch 0 first; empty = the default input
    std::map<std::string, std::map<std::string, bool>> layerOptions; // layer -> option -> value
    std::string initialStates = "zeros"; // zeros, random, files
    std::vector<std::string> initialStateFiles;
    std::vector<SessionMaskToggle> maskToggles; // in the order they were made
    std::vector<WhatIfEdit> edits;
    std::vector<Breakpoint> breakpoints;
    TraceRequest record; // Debug > Record: the layers and quantities runs record ("record"; absent = everything)
    SessionSelection selection;
    std::string windowGeometry; // base64 of QMainWindow::saveGeometry()
    std::string windowState; // base64 of QMainWindow::saveState()
};

// Throws FileError(path, ...) for an unreadable file, malformed JSON, another format or version, or a field of the
// wrong type (naming the field). Relative paths in the file are resolved against the session file's directory.
SessionFile readSession(const std::string& path);
// Atomic: written to a temporary name and renamed. Paths are stored absolute, with a "relative" twin.
void writeSession(const std::string& path, const SessionFile& session);

// A file the session refers to, for "the files moved: where are they now?".
struct SessionFileRef
{
    std::string role; // "model", "weights", "input of batch 2", "vocabulary of batch 1", "initial state 1"
    std::string* path;
    bool spec = false; // *path is a sequence spec: its file part is specFilePart(*path)
};
// Every path the session refers to (non-empty ones), so the caller can check and re-point them.
std::vector<SessionFileRef> sessionFileRefs(SessionFile& session);
// The file (or directory) a sequence spec reads: `text:FILE` -> FILE, `FILE.h5:/x` -> FILE.h5, `DIR/*.csv` -> DIR;
// and the spec with that part replaced.
std::string specFilePart(const std::string& spec);
std::string replaceSpecFilePart(const std::string& spec, const std::string& file);

} // namespace rnnscope::io
