#pragma once
// The trace file's layout, shared by the writers in trace_writer.cpp and the streaming writer in trace_stream.cpp:
// a walker describes groups and datasets to a sink, which stores them (HDF5 in memory or on disk, or .npy files).
// Internal to core/io.

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

} // namespace rnnscope::io::detail
