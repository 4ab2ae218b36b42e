#pragma once
// Streams a trace into an HDF5 trace file while the engine runs, so that a run whose trace is larger than memory
// (or than the memory budget) is recorded all the same. Set it as the ModelTrace's recording.stream before the run:
// each recurrent layer's datasets are created when the layer starts and written a window of steps at a time, and
// only one window per series is ever held. finish() writes the top level (inputs, mask, outputs) and renames the
// file into place; until then it lives under a temporary name next to it, removed if the run fails.
//
// The file is the one writeTraceHdf5 writes for the same run (trace_writer.h): same groups, datasets, values and
// attributes; only the chunk shapes differ.

#include <memory>
#include <string>

#include "core/io/trace_writer.h"
#include "core/trace.h"

namespace rnnscope::io {

class Hdf5TraceStream : public TraceStream
{
public:
    // `trace` is the ModelTrace the run records into (the stream finds each layer's place in the file through
    // it). windowSteps > 0 fixes the window; 0 picks the largest window within windowBytes for each layer.
    // Throws FileError when the file cannot be created.
    Hdf5TraceStream(std::string path, const ModelTrace& trace, Index windowSteps = 0,
        std::size_t windowBytes = kDefaultWindowBytes);
    ~Hdf5TraceStream() override;
    Hdf5TraceStream(const Hdf5TraceStream&) = delete;
    Hdf5TraceStream& operator=(const Hdf5TraceStream&) = delete;

    static constexpr std::size_t kDefaultWindowBytes = std::size_t {64} << 20;

    Index windowSteps(Index steps, std::size_t bytesPerStep) const override;
    void beginLayer(const LayerTrace& layer) override;
    void writeSteps(const LayerTrace& layer, Index first, Index last) override;
    void endLayer(const LayerTrace& layer) override;

    // After the run: the top level, then the file is closed and renamed to its final name. Throws FileError.
    void finish(const TraceInputs& inputs);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace rnnscope::io
