#pragma once
// The HDF5 sink of the trace layout (trace_layout.h). Two kinds of file:
// - in memory (HDF5's core driver), whose bytes finishImage() hands back for AtomicFile to write: the usual way,
//   because HDF5 1.10 cannot recover from a failed write to disk (it crashes the process at exit after one);
// - on disk, for a streamed trace too large to hold: datasets are declared when a layer starts and filled a window
//   of steps at a time (the caller checks the free disk space first, and writes under a temporary name).
// Internal to core/io.

#include <memory>
#include <string>
#include <vector>

#include "core/io/trace_layout.h"

namespace rnnscope::io::detail {

class Hdf5TraceSink : public TraceSink
{
public:
    // In memory; `nameForErrors` is the final file name errors should name.
    explicit Hdf5TraceSink(std::string nameForErrors);
    // A new file on disk at `diskPath` (truncated).
    Hdf5TraceSink(std::string nameForErrors, const std::string& diskPath);
    ~Hdf5TraceSink() override;
    Hdf5TraceSink(const Hdf5TraceSink&) = delete;
    Hdf5TraceSink& operator=(const Hdf5TraceSink&) = delete;

    // Whole: every call writes. Declare (a streamed layer starts): groups and step_time are written and series
    // datasets created empty, remembered under the owner; masks wait. Complete (the layer ended): only masks and
    // dataset attributes are written.
    enum class Mode { Whole, Declare, Complete };
    void setMode(Mode mode, const LayerTrace* owner = nullptr, Index windowSteps = 0);
    // Writes steps [first, last) of every series declared for `owner`.
    void writeWindow(const LayerTrace* owner, Index first, Index last);
    // Closes the datasets declared for `owner`.
    void forget(const LayerTrace* owner);
    // The buffer a whole series is written through (TraceWriteLimits::blockBytes).
    void setSeriesBlockBytes(std::size_t bytes);

    void group(const std::string& path, const Attributes& attributes) override;
    void floats(const std::string& path, const Tensor& values) override;
    void series(const std::string& path, const TraceSeries& values, Index column, Index width) override;
    void mask(const std::string& path, const Shape& shape, const std::uint8_t* values) override;
    void ints(const std::string& path, const Shape& shape, const std::int32_t* values) override;
    void datasetAttributes(const std::string& path, const Attributes& attributes) override;

    // In memory: the finished file's bytes (closes the file).
    std::vector<unsigned char> finishImage();
    // On disk: flushes and closes the file; throws FileError when that fails.
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace rnnscope::io::detail
