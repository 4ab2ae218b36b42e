#pragma once
// The trace file's layout, shared by the writers in trace_writer.cpp and the streaming writer in trace_stream.cpp:
// a walker describes groups and datasets to a sink, which stores them (HDF5 in memory or on disk, or .npy files).
// Internal to core/io.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/io/trace_writer.h"
#include "core/trace.h"

namespace rnnscope::io::detail {

// Ordered, so options keep the order Keras lists them in.
using Json = nlohmann::ordered_json;

constexpr int kTraceFormatVersion = 1;
constexpr int kTraceDeflateLevel = 4;

struct Attribute
{
    enum class Kind { String, Int, StringList, Json };
    std::string name;
    Kind kind = Kind::String;
    std::string text;
    std::int64_t number = 0;
    std::vector<std::string> list;
    Json json;
};
using Attributes = std::vector<Attribute>;

inline Attribute stringAttr(std::string name, std::string value)
{
    Attribute a;
    a.name = std::move(name);
    a.kind = Attribute::Kind::String;
    a.text = std::move(value);
    return a;
}

inline Attribute intAttr(std::string name, std::int64_t value)
{
    Attribute a;
    a.name = std::move(name);
    a.kind = Attribute::Kind::Int;
    a.number = value;
    return a;
}

inline Attribute listAttr(std::string name, std::vector<std::string> values)
{
    Attribute a;
    a.name = std::move(name);
    a.kind = Attribute::Kind::StringList;
    a.list = std::move(values);
    return a;
}

inline Attribute jsonAttr(std::string name, Json value)
{
    Attribute a;
    a.name = std::move(name);
    a.kind = Attribute::Kind::Json;
    a.json = std::move(value);
    return a;
}

// Paths are relative to the root, without a leading slash; "" is the root.
class TraceSink
{
public:
    virtual ~TraceSink() = default;
    // Called once per group, before any dataset inside it.
    virtual void group(const std::string& path, const Attributes& attributes) = 0;
    virtual void floats(const std::string& path, const Tensor& values) = 0;
    // Columns [column, column + width) of a recorded series, as a batch-major [B,T,width] dataset. By default the
    // columns are copied out and written with floats(); a streaming sink writes them a window at a time instead.
    virtual void series(const std::string& path, const TraceSeries& values, Index column, Index width);
    virtual void mask(const std::string& path, const Shape& shape, const std::uint8_t* values) = 0;
    virtual void ints(const std::string& path, const Shape& shape, const std::int32_t* values) = 0;
    // Attributes of a dataset written before.
    virtual void datasetAttributes(const std::string& path, const Attributes& attributes) = 0;
};

// Columns [column, column + width) of a series, batch-major [B,T,width] (a whole series only).
Tensor seriesColumns(const TraceSeries& series, Index column, Index width);

// The run options text (a JSON object, "" = {}); throws std::invalid_argument for anything else.
Json runOptions(const std::string& text);
// Group names under /layers, in run order (a layer traced twice gets "_call<k>" from its second call on).
std::vector<std::string> layerKeys(const ModelTrace& trace);
// Group names of a Bidirectional's directions.
std::vector<std::string> directionKeys(const LayerTrace& layer);

// The whole file. Without layers, only the top level: root attributes, inputs, the mask, the /layers group's own
// attributes and the outputs (the streaming writer has written the layers already).
void writeTrace(
    TraceSink& sink, const ModelTrace& trace, const TraceInputs& inputs, const Json& options, bool withLayers = true);
// The group of a Bidirectional layer itself (its directions are written with writeSingleLayer).
void writeBidirectionalGroup(TraceSink& sink, const std::string& prefix, const LayerTrace& layer);
// One recurrent layer, or one direction of a Bidirectional.
void writeSingleLayer(TraceSink& sink, const std::string& prefix, const LayerTrace& layer);

// How the writers hold a trace's files while they write them. Tests choose small limits to write small traces every
// way a large one is written.
struct TraceWriteLimits
{
    // Traces recording at most this many bytes of series are written through an in-memory HDF5 file (which AtomicFile
    // writes out, recovering from any failure), larger ones straight to a temporary file on disk: in memory, the file
    // and the copy of its image took twice its size on top of the trace.
    std::size_t inMemoryBytes = std::size_t {64} << 20;
    // A series is gathered batch-major into a buffer of about this size a block at a time, not copied out whole.
    std::size_t blockBytes = std::size_t {16} << 20;
};
void writeTraceHdf5(
    const std::string& path, const ModelTrace& trace, const TraceInputs& inputs, const TraceWriteLimits& limits);
void writeTraceNpy(
    const std::string& dir, const ModelTrace& trace, const TraceInputs& inputs, const TraceWriteLimits& limits);

// Bytes of every series a layer (with its directions) records, for all its steps: what its datasets hold before
// compression, so at least what they take on disk (trace_disk_space.cpp).
std::size_t layerSeriesBytes(const LayerTrace& layer);
// HDF5 1.10 cannot recover from a failed write to disk (a full disk crashes the process at exit), so what a file
// written there will take is checked before any of it is written. Throws FileError(finalPath, "<what> needs up to
// ..., but only ... are free on its disk") when the disk holding `temporary` has less than `needed` free.
void checkFreeSpace(
    const std::string& finalPath, const std::string& temporary, std::size_t needed, const std::string& what);

} // namespace rnnscope::io::detail
