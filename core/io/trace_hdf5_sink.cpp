#include "core/io/trace_hdf5_sink.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include <hdf5.h>

#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"

namespace rnnscope::io::detail {

namespace {

// The in-memory file grows by this much at a time.
constexpr std::size_t kCoreIncrement = std::size_t {1} << 20;
// A streamed dataset's chunks: one window of steps, as many samples as fit in about this many bytes.
constexpr std::size_t kStreamChunkBytes = std::size_t {1} << 20;

std::string label(const std::string& path)
{
    return path.empty() ? std::string("/") : path;
}

} // namespace

// A dataset of a streamed layer, filled a window at a time from columns of a series.
struct StreamedDataset
{
    const LayerTrace* owner = nullptr;
    std::string path;
    const TraceSeries* series = nullptr;
    Index column = 0;
    Index width = 0;
    Hdf5Handle dataset;
};

// Written with the C API because Hdf5File only creates files on disk; the encodings (variable-length UTF-8
// strings, int64 scalars, shuffle + deflate) are those of Hdf5Object's writers.
struct Hdf5TraceSink::Impl
{
    std::string name;
    Mode mode = Mode::Whole;
    const LayerTrace* owner = nullptr;
    Index windowSteps = 0;
    std::vector<StreamedDataset> streamed;
    std::vector<float> window; // one window or block of one dataset, batch-major, reused
    // A whole series is written in blocks of whole chunks gathered into `window`, not copied out whole first (a 51 MB
    // gate of the [8, 100000, 4] example, or gigabytes for a long run of a wide layer).
    std::size_t seriesBlockBytes = TraceWriteLimits {}.blockBytes;
    // Declared before file: destroyed after it, so the file is closed while the helpers still exist.
    Hdf5Handle lcpl;
    Hdf5Handle stringType;
    Hdf5Handle file;

    [[noreturn]] void fail(const std::string& problem) const { throw FileError(name, problem); }

    void setUp()
    {
        lcpl = Hdf5Handle(H5Pcreate(H5P_LINK_CREATE), Hdf5Handle::Kind::PropertyList);
        stringType = Hdf5Handle(H5Tcopy(H5T_C_S1), Hdf5Handle::Kind::Datatype);
        if (!file || !lcpl || !stringType || H5Pset_create_intermediate_group(lcpl.id(), 1) < 0
            || H5Pset_char_encoding(lcpl.id(), H5T_CSET_UTF8) < 0 || H5Tset_size(stringType.id(), H5T_VARIABLE) < 0
            || H5Tset_cset(stringType.id(), H5T_CSET_UTF8) < 0) {
            fail("cannot create the HDF5 file");
        }
    }

    Hdf5Handle createDataset(const std::string& path, const Shape& shape, hid_t fileType, std::size_t itemSize,
        const std::vector<hsize_t>* chunkOverride = nullptr)
    {
        const Index volume = shapeVolume(shape);
        const std::vector<hsize_t> dims(shape.begin(), shape.end());
        Hdf5Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
            Hdf5Handle::Kind::Dataspace);
        Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), Hdf5Handle::Kind::PropertyList);
        if (!space || !dcpl) {
            fail(label(path) + ": cannot create dataset");
        }
        if (volume > 0 && !shape.empty()) {
            // Shuffle then deflate: both are built into every HDF5, so h5py reads them without plugins.
            const std::vector<hsize_t> chunk
                = chunkOverride != nullptr ? *chunkOverride : hdf5ChunkDims(shape, itemSize);
            if (H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()) < 0
                || H5Pset_shuffle(dcpl.id()) < 0 || H5Pset_deflate(dcpl.id(), kTraceDeflateLevel) < 0) {
                fail(label(path) + ": cannot set up chunking and compression");
            }
        }
        Hdf5Handle d(H5Dcreate2(file.id(), path.c_str(), fileType, space.id(), lcpl.id(), dcpl.id(), H5P_DEFAULT),
            Hdf5Handle::Kind::Dataset);
        if (!d) {
            fail(label(path) + ": cannot create dataset");
        }
        return d;
    }

    void write(const std::string& path, const Shape& shape, const void* values, hid_t fileType, hid_t memoryType,
        std::size_t itemSize)
    {
        Hdf5Handle d = createDataset(path, shape, fileType, itemSize);
        if (shapeVolume(shape) > 0 && H5Dwrite(d.id(), memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0) {
            fail(label(path) + ": cannot write dataset");
        }
    }

    // Samples [b0, b0 + nb) x steps [s0, s0 + ns) of a series' columns into the dataset, through `window`.
    void writeBlock(const Hdf5Handle& dataset, const std::string& path, const TraceSeries& series, Index column,
        Index width, Index b0, Index nb, Index s0, Index ns)
    {
        window.resize(static_cast<std::size_t>(nb * ns * width));
        for (Index b = 0; b < nb; ++b) {
            for (Index t = 0; t < ns; ++t) {
                const float* src = series.stepData(s0 + t) + (b0 + b) * series.width() + column;
                std::copy(src, src + width, window.data() + (b * ns + t) * width);
            }
        }
        const hsize_t start[3] = {static_cast<hsize_t>(b0), static_cast<hsize_t>(s0), 0};
        const hsize_t count[3] = {static_cast<hsize_t>(nb), static_cast<hsize_t>(ns), static_cast<hsize_t>(width)};
        Hdf5Handle fileSpace(H5Dget_space(dataset.id()), Hdf5Handle::Kind::Dataspace);
        Hdf5Handle memorySpace(H5Screate_simple(3, count, nullptr), Hdf5Handle::Kind::Dataspace);
        if (!fileSpace || !memorySpace
            || H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0
            || H5Dwrite(dataset.id(), H5T_NATIVE_FLOAT, memorySpace.id(), fileSpace.id(), H5P_DEFAULT, window.data())
                < 0) {
            fail(path + ": cannot write samples " + std::to_string(b0) + ".." + std::to_string(b0 + nb - 1) + ", steps "
                + std::to_string(s0) + ".." + std::to_string(s0 + ns - 1));
        }
    }

    // A whole series' columns as a batch-major [B, T, width] dataset, chunked as any dataset is (hdf5ChunkDims), in
    // blocks of whole chunks: whole samples while a sample fits in seriesBlockBytes, else runs of whole chunks of
    // steps of one sample (hdf5ChunkDims halves the samples to one before it halves the steps). Every chunk is written
    // once and whole, so none is read back, and the file holds what one write of the whole array would.
    void writeSeries(const std::string& path, const TraceSeries& series, Index column, Index width)
    {
        const Shape shape {series.batch(), series.steps(), width};
        const std::vector<hsize_t> chunk = hdf5ChunkDims(shape, sizeof(float));
        Hdf5Handle d = createDataset(path, shape, H5T_IEEE_F32LE, sizeof(float), &chunk);
        if (shapeVolume(shape) == 0) {
            return;
        }
        const Index batch = series.batch();
        const Index steps = series.steps();
        const auto chunkSamples = static_cast<Index>(chunk[0]);
        const auto chunkSteps = static_cast<Index>(chunk[1]);
        const auto sampleBytes = static_cast<std::size_t>(steps * width) * sizeof(float);
        if (sampleBytes <= seriesBlockBytes) {
            const Index fit = static_cast<Index>(seriesBlockBytes / sampleBytes);
            const Index samples = std::max(chunkSamples, fit / chunkSamples * chunkSamples);
            for (Index b0 = 0; b0 < batch; b0 += samples) {
                writeBlock(d, path, series, column, width, b0, std::min(samples, batch - b0), 0, steps);
            }
        } else {
            const auto stepBytes = static_cast<std::size_t>(chunkSamples * width) * sizeof(float);
            const Index fit = static_cast<Index>(seriesBlockBytes / std::max<std::size_t>(1, stepBytes));
            const Index run = std::max(chunkSteps, fit / chunkSteps * chunkSteps);
            for (Index b0 = 0; b0 < batch; b0 += chunkSamples) {
                for (Index s0 = 0; s0 < steps; s0 += run) {
                    writeBlock(d, path, series, column, width, b0, std::min(chunkSamples, batch - b0), s0,
                        std::min(run, steps - s0));
                }
            }
        }
        window.clear();
        window.shrink_to_fit();
    }

    void setAttributes(hid_t object, const std::string& path, const Attributes& attributes)
    {
        for (const auto& a : attributes) {
            const bool isList = a.kind == Attribute::Kind::StringList;
            const hsize_t count = isList ? a.list.size() : 1;
            Hdf5Handle space(
                isList ? H5Screate_simple(1, &count, nullptr) : H5Screate(H5S_SCALAR), Hdf5Handle::Kind::Dataspace);
            const hid_t type = a.kind == Attribute::Kind::Int ? H5T_STD_I64LE : stringType.id();
            Hdf5Handle attribute(
                space ? H5Acreate2(object, a.name.c_str(), type, space.id(), H5P_DEFAULT, H5P_DEFAULT) : -1,
                Hdf5Handle::Kind::Attribute);
            if (!attribute) {
                fail(label(path) + ": cannot create attribute '" + a.name + "'");
            }
            herr_t status = 0;
            switch (a.kind) {
            case Attribute::Kind::Int:
                status = H5Awrite(attribute.id(), H5T_NATIVE_INT64, &a.number);
                break;
            case Attribute::Kind::String:
            case Attribute::Kind::Json: {
                const std::string text = a.kind == Attribute::Kind::Json ? a.json.dump() : a.text;
                const char* pointer = text.c_str();
                status = H5Awrite(attribute.id(), stringType.id(), &pointer);
                break;
            }
            case Attribute::Kind::StringList: {
                std::vector<const char*> pointers;
                for (const auto& s : a.list) {
                    pointers.push_back(s.c_str());
                }
                status = pointers.empty() ? 0 : H5Awrite(attribute.id(), stringType.id(), pointers.data());
                break;
            }
            }
            if (status < 0) {
                fail(label(path) + ": cannot write attribute '" + a.name + "'");
            }
        }
    }
};

namespace {

void silenceHdf5()
{
    // Once per process, as Hdf5File does: failures become FileError, not HDF5's stderr dump.
    static const bool silenced = [] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        return true;
    }();
    (void)silenced;
}

} // namespace

Hdf5TraceSink::Hdf5TraceSink(std::string nameForErrors)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->name = std::move(nameForErrors);
    silenceHdf5();
    Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), Hdf5Handle::Kind::PropertyList);
    if (!fapl || H5Pset_fapl_core(fapl.id(), kCoreIncrement, 0) < 0) {
        m_impl->fail("cannot set up an in-memory HDF5 file");
    }
    // A name of its own: HDF5 refuses to create a file it has open, and the user may be viewing the old
    // trace under the final name in this very process.
    static std::atomic<unsigned long> counter {0};
    const std::string memoryName = "rnnscope-trace-in-memory-" + std::to_string(counter++);
    m_impl->file
        = Hdf5Handle(H5Fcreate(memoryName.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id()), Hdf5Handle::Kind::File);
    m_impl->setUp();
}

Hdf5TraceSink::Hdf5TraceSink(std::string nameForErrors, const std::string& diskPath)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->name = std::move(nameForErrors);
    silenceHdf5();
    m_impl->file
        = Hdf5Handle(H5Fcreate(diskPath.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), Hdf5Handle::Kind::File);
    m_impl->setUp();
}

Hdf5TraceSink::~Hdf5TraceSink() = default;

void Hdf5TraceSink::setSeriesBlockBytes(std::size_t bytes)
{
    m_impl->seriesBlockBytes = std::max<std::size_t>(1, bytes);
}

void Hdf5TraceSink::setMode(Mode mode, const LayerTrace* owner, Index windowSteps)
{
    m_impl->mode = mode;
    m_impl->owner = owner;
    m_impl->windowSteps = windowSteps;
}

void Hdf5TraceSink::group(const std::string& path, const Attributes& attributes)
{
    if (m_impl->mode == Mode::Complete) {
        return;
    }
    Impl& d = *m_impl;
    // A streamed file already has /layers (made with the first layer's group) when the top level is written.
    const bool exists = path.empty() || H5Lexists(d.file.id(), path.c_str(), H5P_DEFAULT) > 0;
    Hdf5Handle g(exists ? H5Gopen2(d.file.id(), path.empty() ? "/" : path.c_str(), H5P_DEFAULT)
                        : H5Gcreate2(d.file.id(), path.c_str(), d.lcpl.id(), H5P_DEFAULT, H5P_DEFAULT),
        Hdf5Handle::Kind::Group);
    if (!g) {
        d.fail(label(path) + ": cannot create group");
    }
    d.setAttributes(g.id(), path, attributes);
}

void Hdf5TraceSink::floats(const std::string& path, const Tensor& values)
{
    if (m_impl->mode == Mode::Complete) {
        return;
    }
    m_impl->write(path, values.shape(), values.data(), H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, sizeof(float));
}

void Hdf5TraceSink::series(const std::string& path, const TraceSeries& values, Index column, Index width)
{
    Impl& d = *m_impl;
    if (d.mode == Mode::Whole) {
        if (values.windowed()) {
            throw std::logic_error("series " + values.name() + " was streamed: only a window of its steps is held");
        }
        d.writeSeries(path, values, column, width);
        return;
    }
    if (d.mode == Mode::Complete) {
        return;
    }
    // Chunks of one window of steps, so every window write covers whole chunks (no read-modify-write).
    const Index steps = std::max<Index>(1, std::min(d.windowSteps, values.steps()));
    const std::size_t perSample = static_cast<std::size_t>(steps * width) * sizeof(float);
    const Index samples = std::clamp<Index>(static_cast<Index>(kStreamChunkBytes / std::max<std::size_t>(1, perSample)),
        1, std::max<Index>(1, values.batch()));
    const std::vector<hsize_t> chunk {
        static_cast<hsize_t>(samples), static_cast<hsize_t>(steps), static_cast<hsize_t>(std::max<Index>(1, width))};
    StreamedDataset s;
    s.owner = d.owner;
    s.path = path;
    s.series = &values;
    s.column = column;
    s.width = width;
    s.dataset = d.createDataset(path, {values.batch(), values.steps(), width}, H5T_IEEE_F32LE, sizeof(float), &chunk);
    d.streamed.push_back(std::move(s));
}

void Hdf5TraceSink::mask(const std::string& path, const Shape& shape, const std::uint8_t* values)
{
    if (m_impl->mode == Mode::Declare) {
        return;
    }
    m_impl->write(path, shape, values, H5T_STD_U8LE, H5T_NATIVE_UINT8, 1);
}

void Hdf5TraceSink::ints(const std::string& path, const Shape& shape, const std::int32_t* values)
{
    if (m_impl->mode == Mode::Complete) {
        return;
    }
    m_impl->write(path, shape, values, H5T_STD_I32LE, H5T_NATIVE_INT32, sizeof(std::int32_t));
}

void Hdf5TraceSink::datasetAttributes(const std::string& path, const Attributes& attributes)
{
    if (m_impl->mode == Mode::Declare) {
        return;
    }
    Hdf5Handle ds(H5Dopen2(m_impl->file.id(), path.c_str(), H5P_DEFAULT), Hdf5Handle::Kind::Dataset);
    if (!ds) {
        m_impl->fail(label(path) + ": cannot open dataset");
    }
    m_impl->setAttributes(ds.id(), path, attributes);
}

void Hdf5TraceSink::writeWindow(const LayerTrace* owner, Index first, Index last)
{
    Impl& d = *m_impl;
    const Index n = last - first;
    for (auto& s : d.streamed) {
        if (s.owner != owner || n <= 0 || s.width <= 0) {
            continue;
        }
        const TraceSeries& series = *s.series;
        const Index batch = series.batch();
        // Time-major window -> the file's batch-major [B, n, width].
        d.window.resize(static_cast<std::size_t>(batch * n * s.width));
        for (Index b = 0; b < batch; ++b) {
            for (Index t = 0; t < n; ++t) {
                const float* src = series.stepData(first + t) + b * series.width() + s.column;
                std::copy(src, src + s.width, d.window.data() + (b * n + t) * s.width);
            }
        }
        const hsize_t start[3] = {0, static_cast<hsize_t>(first), 0};
        const hsize_t count[3] = {static_cast<hsize_t>(batch), static_cast<hsize_t>(n), static_cast<hsize_t>(s.width)};
        Hdf5Handle fileSpace(H5Dget_space(s.dataset.id()), Hdf5Handle::Kind::Dataspace);
        Hdf5Handle memorySpace(H5Screate_simple(3, count, nullptr), Hdf5Handle::Kind::Dataspace);
        if (!fileSpace || !memorySpace
            || H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0
            || H5Dwrite(
                   s.dataset.id(), H5T_NATIVE_FLOAT, memorySpace.id(), fileSpace.id(), H5P_DEFAULT, d.window.data())
                < 0) {
            d.fail(s.path + ": cannot write steps " + std::to_string(first) + ".." + std::to_string(last - 1));
        }
    }
}

void Hdf5TraceSink::forget(const LayerTrace* owner)
{
    auto& v = m_impl->streamed;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const StreamedDataset& s) { return s.owner == owner; }), v.end());
}

std::vector<unsigned char> Hdf5TraceSink::finishImage()
{
    Impl& d = *m_impl;
    if (H5Fflush(d.file.id(), H5F_SCOPE_GLOBAL) < 0) {
        d.fail("cannot finish the HDF5 file");
    }
    const ssize_t size = H5Fget_file_image(d.file.id(), nullptr, 0);
    std::vector<unsigned char> bytes(size > 0 ? static_cast<std::size_t>(size) : 0U);
    if (size <= 0 || H5Fget_file_image(d.file.id(), bytes.data(), bytes.size()) != size) {
        d.fail("cannot take the HDF5 file's image");
    }
    if (d.file.close() < 0) {
        d.fail("cannot close the in-memory HDF5 file");
    }
    return bytes;
}

void Hdf5TraceSink::close()
{
    Impl& d = *m_impl;
    d.streamed.clear();
    if (H5Fflush(d.file.id(), H5F_SCOPE_GLOBAL) < 0) {
        d.fail("cannot finish the HDF5 file");
    }
    if (d.file.close() < 0) {
        d.fail("cannot close the HDF5 file");
    }
}

} // namespace rnnscope::io::detail
