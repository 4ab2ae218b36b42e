#include "core/io/trace_stream.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <unistd.h>

#include "core/io/file_error.h"
#include "core/io/trace_hdf5_sink.h"
#include "core/io/trace_layout.h"

namespace rnnscope::io {

namespace fs = std::filesystem;

struct Hdf5TraceStream::Impl
{
    std::string path; // the final name
    std::string temporary;
    const ModelTrace* trace = nullptr;
    Index fixedWindow = 0;
    std::size_t windowBytes = 0;
    std::unique_ptr<detail::Hdf5TraceSink> sink;
    bool finished = false;
    std::vector<const LayerTrace*> bidirectionalGroups; // made already

    // Where `layer` goes in the file: "layers/<key>" for a layer, "layers/<key>/<direction>" for a direction of a
    // Bidirectional (whose own group is made with its first direction).
    std::string prefixOf(const LayerTrace& layer)
    {
        const auto keys = detail::layerKeys(*trace);
        for (std::size_t i = 0; i < trace->layers.size(); ++i) {
            const LayerTrace& l = trace->layers[i];
            if (&l == &layer) {
                return "layers/" + keys[i];
            }
            const auto directionKeys = detail::directionKeys(l);
            for (std::size_t d = 0; d < l.directions.size(); ++d) {
                if (&l.directions[d] == &layer) {
                    const std::string parent = "layers/" + keys[i];
                    if (std::find(bidirectionalGroups.begin(), bidirectionalGroups.end(), &l)
                        == bidirectionalGroups.end()) {
                        sink->setMode(detail::Hdf5TraceSink::Mode::Whole);
                        detail::writeBidirectionalGroup(*sink, parent, l);
                        bidirectionalGroups.push_back(&l);
                    }
                    return parent + "/" + directionKeys[d];
                }
            }
        }
        throw FileError(path, "layer " + layer.name + " is not part of the trace being streamed");
    }

    // The space a layer needs, checked before any of it is written (trace_layout.h: HDF5 1.10 cannot recover from
    // a failed write). Its datasets are compressed, so this errs on the safe side.
    void checkFreeSpace(const LayerTrace& layer) const
    {
        detail::checkFreeSpace(path, temporary, detail::layerSeriesBytes(layer) + (std::size_t {1} << 20),
            "the trace of layer " + layer.name);
    }
};

Hdf5TraceStream::Hdf5TraceStream(std::string path, const ModelTrace& trace, Index windowSteps, std::size_t windowBytes)
    : m_impl(std::make_unique<Impl>())
{
    Impl& d = *m_impl;
    d.path = std::move(path);
    d.trace = &trace;
    d.fixedWindow = windowSteps;
    d.windowBytes = windowBytes;
    std::error_code ec;
    if (fs::is_directory(fs::status(d.path, ec))) {
        throw FileError(d.path, "is a directory");
    }
    fs::path parent = fs::path(d.path).parent_path();
    if (parent.empty()) {
        parent = ".";
    }
    if (!fs::is_directory(fs::status(parent, ec))) {
        throw FileError(d.path, "directory " + parent.string() + " does not exist");
    }
    // Next to the final name (same file system, so the rename is atomic), unique to this process.
    d.temporary
        = (parent / ("." + fs::path(d.path).filename().string() + ".streaming-" + std::to_string(getpid()))).string();
    d.sink = std::make_unique<detail::Hdf5TraceSink>(d.path, d.temporary);
}

Hdf5TraceStream::~Hdf5TraceStream()
{
    if (!m_impl->finished) {
        m_impl->sink.reset(); // closes the file before it is removed
        std::error_code ec;
        fs::remove(m_impl->temporary, ec);
    }
}

Index Hdf5TraceStream::windowSteps(Index steps, std::size_t bytesPerStep) const
{
    if (m_impl->fixedWindow > 0) {
        return std::min(steps, m_impl->fixedWindow);
    }
    const auto fit = static_cast<Index>(m_impl->windowBytes / std::max<std::size_t>(1, bytesPerStep));
    return std::clamp<Index>(fit, 1, steps);
}

void Hdf5TraceStream::beginLayer(const LayerTrace& layer)
{
    Impl& d = *m_impl;
    d.checkFreeSpace(layer);
    const std::string prefix = d.prefixOf(layer);
    Index window = layer.steps;
    for (const TraceSeries* s : {&layer.input, &layer.output}) {
        if (!s->empty()) {
            window = s->windowSteps();
        }
    }
    for (const auto& c : layer.cells) {
        for (const auto& s : c.states) {
            window = s.windowSteps();
        }
    }
    d.sink->setMode(detail::Hdf5TraceSink::Mode::Declare, &layer, window);
    detail::writeSingleLayer(*d.sink, prefix, layer);
    d.sink->setMode(detail::Hdf5TraceSink::Mode::Whole);
}

void Hdf5TraceStream::writeSteps(const LayerTrace& layer, Index first, Index last)
{
    m_impl->sink->writeWindow(&layer, first, last);
}

void Hdf5TraceStream::endLayer(const LayerTrace& layer)
{
    Impl& d = *m_impl;
    d.sink->forget(&layer);
    d.sink->setMode(detail::Hdf5TraceSink::Mode::Complete, &layer);
    detail::writeSingleLayer(*d.sink, d.prefixOf(layer), layer);
    d.sink->setMode(detail::Hdf5TraceSink::Mode::Whole);
}

void Hdf5TraceStream::finish(const TraceInputs& inputs)
{
    Impl& d = *m_impl;
    const detail::Json options = detail::runOptions(inputs.optionsJson);
    d.sink->setMode(detail::Hdf5TraceSink::Mode::Whole);
    detail::writeTrace(*d.sink, *d.trace, inputs, options, false);
    d.sink->close();
    std::error_code ec;
    fs::rename(d.temporary, d.path, ec);
    if (ec) {
        throw FileError(d.path, "cannot move the finished trace into place: " + ec.message());
    }
    d.finished = true;
}

} // namespace rnnscope::io
