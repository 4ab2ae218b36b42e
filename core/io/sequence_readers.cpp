// readSequences: what a spec names (text, HDF5 dataset, directory, wildcard, file) and the formats read here
// (.npy, HDF5 datasets). CSV is in csv_sequences.cpp, text in text_sequences.cpp.

#include "core/io/sequence_readers.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>

#include "core/io/file_error.h"
#include "core/io/hdf5_file.h"
#include "core/io/hdf5_heap_check.h"
#include "core/io/input_file.h"
#include "core/io/npy.h"
#include "core/io/sequence_common.h"

namespace rnnscope::io {

namespace fs = std::filesystem;

namespace detail {

std::string readTextFile(const std::string& path, const std::string& kind)
{
    InputFile input = openInputFile(path, kind);
    if (input.size > kMaxTextFileBytes) {
        throw FileError(path,
            "is " + std::to_string(input.size >> 20) + " MiB; text inputs are limited to "
                + std::to_string(kMaxTextFileBytes >> 20) + " MiB (save large data as .npy)");
    }
    std::string text(static_cast<std::size_t>(input.size), '\0');
    input.stream.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (static_cast<std::uint64_t>(input.stream.gcount()) != input.size) {
        throw FileError(path, "cannot read the file");
    }
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) {
        text.erase(0, 3); // a byte order mark, as Windows editors write
    }
    return text;
}

std::string quotedText(std::string_view text, std::size_t maxLength)
{
    std::string out = "'";
    std::size_t shown = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (shown == maxLength) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += c == '\t' ? std::string("\\t") : std::string("\\x") + hex[c >> 4] + hex[c & 0xf];
        } else {
            out += static_cast<char>(c); // UTF-8 passes through: the terminal shows what the file holds
        }
        // Count characters, not bytes, so a cut never splits a UTF-8 sequence.
        if ((c & 0xC0) != 0x80 && (i + 1 >= text.size() || (static_cast<unsigned char>(text[i + 1]) & 0xC0) != 0x80)) {
            ++shown;
        }
    }
    return out + "'";
}

void checkVolume(const std::string& file, const Shape& shape, const std::string& what)
{
    // Multiply in long double so absurd dimensions cannot overflow before we compare.
    long double volume = 1;
    for (Index d : shape) {
        volume *= static_cast<long double>(d);
    }
    if (volume > static_cast<long double>(kMaxSequenceValues)) {
        throw FileError(file,
            what + " would make a tensor of shape " + shapeToString(shape) + ", more than "
                + std::to_string(kMaxSequenceValues) + " values (save data this large as .npy)");
    }
}

} // namespace detail

namespace {

constexpr double kExactIntLimit = 16777216.0; // float32 holds every integer up to 2^24 exactly

bool hasWildcard(std::string_view s)
{
    return s.find_first_of("*?[") != std::string_view::npos;
}

// fnmatch-style: * any run, ? one character, [abc] [a-z] [!abc] a set. No special meaning for '/': patterns
// only apply to one file name.
bool wildcardMatch(std::string_view pattern, std::string_view name)
{
    std::size_t p = 0;
    std::size_t n = 0;
    std::size_t starP = std::string_view::npos;
    std::size_t starN = 0;
    auto matchSet = [&](std::size_t& pp, char c) -> std::optional<bool> {
        // pp points at '['; returns nullopt when the set is not closed (then '[' is literal).
        std::size_t q = pp + 1;
        bool negate = false;
        if (q < pattern.size() && (pattern[q] == '!' || pattern[q] == '^')) {
            negate = true;
            ++q;
        }
        bool found = false;
        bool first = true;
        while (q < pattern.size() && (first || pattern[q] != ']')) {
            first = false;
            if (q + 2 < pattern.size() && pattern[q + 1] == '-' && pattern[q + 2] != ']') {
                found = found || (c >= pattern[q] && c <= pattern[q + 2]);
                q += 3;
            } else {
                found = found || c == pattern[q];
                ++q;
            }
        }
        if (q >= pattern.size()) {
            return std::nullopt;
        }
        pp = q + 1;
        return found != negate;
    };
    while (n < name.size()) {
        bool advanced = false;
        if (p < pattern.size()) {
            const char pc = pattern[p];
            if (pc == '*') {
                starP = p++;
                starN = n;
                continue;
            }
            if (pc == '?') {
                ++p;
                ++n;
                advanced = true;
            } else if (pc == '[') {
                std::size_t q = p;
                const std::optional<bool> m = matchSet(q, name[n]);
                if (!m) {
                    if (name[n] == '[') {
                        ++p;
                        ++n;
                        advanced = true;
                    }
                } else if (*m) {
                    p = q;
                    ++n;
                    advanced = true;
                }
            } else if (pc == name[n]) {
                ++p;
                ++n;
                advanced = true;
            }
        }
        if (!advanced) {
            if (starP == std::string_view::npos) {
                return false;
            }
            p = starP + 1;
            n = ++starN;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

// Names compared with their digit runs as numbers, so sample_2.csv comes before sample_10.csv; names that
// are zero-padded sort as plain text would sort them.
bool naturalLess(const std::string& a, const std::string& b)
{
    std::size_t i = 0;
    std::size_t j = 0;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < a.size() && j < b.size()) {
        if (digit(a[i]) && digit(b[j])) {
            std::size_t ei = i;
            std::size_t ej = j;
            while (ei < a.size() && digit(a[ei])) {
                ++ei;
            }
            while (ej < b.size() && digit(b[ej])) {
                ++ej;
            }
            std::size_t si = i;
            std::size_t sj = j;
            while (si + 1 < ei && a[si] == '0') {
                ++si;
            }
            while (sj + 1 < ej && b[sj] == '0') {
                ++sj;
            }
            const std::string_view na(a.data() + si, ei - si);
            const std::string_view nb(b.data() + sj, ej - sj);
            if (na.size() != nb.size()) {
                return na.size() < nb.size();
            }
            if (na != nb) {
                return na < nb;
            }
            i = ei;
            j = ej;
        } else {
            if (a[i] != b[j]) {
                return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
            }
            ++i;
            ++j;
        }
    }
    if ((a.size() - i) != (b.size() - j)) {
        return (a.size() - i) < (b.size() - j);
    }
    return a < b;
}

std::string lowerAscii(std::string s)
{
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return s;
}

bool isCsvName(const fs::path& p)
{
    const std::string ext = lowerAscii(p.extension().string());
    return ext == ".csv" || ext == ".tsv" || ext == ".txt";
}

std::vector<std::string> sortedPaths(std::vector<fs::path> paths)
{
    std::sort(paths.begin(), paths.end(),
        [](const fs::path& a, const fs::path& b) { return naturalLess(a.filename().string(), b.filename().string()); });
    std::vector<std::string> out;
    out.reserve(paths.size());
    for (const auto& p : paths) {
        out.push_back(p.string());
    }
    return out;
}

std::vector<std::string> directoryFiles(const std::string& dir)
{
    std::error_code ec;
    std::vector<fs::path> found;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        const std::string name = p.filename().string();
        std::error_code statError;
        if (!name.empty() && name[0] != '.' && isCsvName(p) && fs::is_regular_file(p, statError)) {
            found.push_back(p);
        }
    }
    if (ec) {
        throw FileError(dir, "cannot list the directory: " + ec.message());
    }
    if (found.empty()) {
        throw FileError(dir, "directory has no .csv, .tsv or .txt files (one file per sample is expected)");
    }
    return sortedPaths(std::move(found));
}

std::vector<std::string> globFiles(const std::string& pattern)
{
    const fs::path p(pattern);
    const std::string namePattern = p.filename().string();
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (hasWildcard(dir.string())) {
        throw FileError(pattern, "wildcards are only allowed in the file name, not in directories");
    }
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw FileError(pattern, "no such directory '" + dir.string() + "'");
    }
    std::vector<fs::path> found;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code statError;
        // Like a shell, '*' does not match hidden files.
        if (wildcardMatch(namePattern, name) && (name[0] != '.' || namePattern[0] == '.')
            && fs::is_regular_file(it->path(), statError)) {
            found.push_back(p.has_parent_path() ? it->path() : fs::path(name));
        }
    }
    if (ec) {
        throw FileError(dir.string(), "cannot list the directory: " + ec.message());
    }
    if (found.empty()) {
        throw FileError(pattern, "no file matches");
    }
    return sortedPaths(std::move(found));
}

// ---------------------------------------------------------------------------------------------------
// HDF5 datasets

// Up to `limit` dataset paths (with a leading '/') for an error message, walking at most a bounded number of
// objects so a huge or cyclic file (hard links can form cycles) cannot stall us.
void listDatasets(const Hdf5Group& group, const std::string& prefix, int depth, std::vector<std::string>& out,
    int& visits, std::size_t limit)
{
    if (depth > 16) {
        return;
    }
    for (const std::string& name : group.childNames()) {
        if (out.size() >= limit || ++visits > 10000) {
            return;
        }
        if (group.isDataset(name)) {
            out.push_back(prefix + name);
        } else if (group.isGroup(name)) {
            listDatasets(group.group(name), prefix + name + "/", depth + 1, out, visits, limit);
        }
    }
}

std::string datasetHint(const Hdf5Group& group, const std::string& prefix)
{
    std::vector<std::string> names;
    int visits = 0;
    constexpr std::size_t kLimit = 8;
    try {
        listDatasets(group, prefix, 0, names, visits, kLimit + 1);
    } catch (const FileError&) {
        return {}; // a hint is not worth a second error
    }
    if (names.empty()) {
        return " (it holds no datasets)";
    }
    std::string text;
    for (std::size_t i = 0; i < names.size() && i < kLimit; ++i) {
        text += (i == 0 ? "" : ", ") + names[i];
    }
    return " (datasets: " + text + (names.size() > kLimit ? ", ..." : "") + ")";
}

std::string indexText(const Shape& shape, std::size_t flat)
{
    Shape index(shape.size());
    for (std::size_t k = shape.size(); k-- > 0;) {
        const auto d = static_cast<std::size_t>(shape[k]);
        index[k] = d == 0 ? 0 : static_cast<Index>(flat % d);
        flat = d == 0 ? 0 : flat / d;
    }
    return shapeToString(index);
}

SequenceData readHdf5Dataset(const std::string& file, const std::string& datasetPath)
{
    if (datasetPath.empty() || datasetPath == "/") {
        throw FileError(file, "name a dataset after the ':', as in " + file + ":/group/x");
    }
    checkHdf5GlobalHeapsInFile(file); // HDF5 1.10 trusts these blindly (hdf5_heap_check.h)
    Hdf5File h5 = Hdf5File::openReadOnly(file);
    const Hdf5Group root = h5.root();
    const std::string shown = datasetPath.front() == '/' ? datasetPath : "/" + datasetPath;
    if (!root.isDataset(datasetPath)) {
        if (root.isGroup(datasetPath)) {
            throw FileError(
                file, shown + " is a group, not a dataset" + datasetHint(root.group(datasetPath), shown + "/"));
        }
        throw FileError(file, "no dataset " + shown + datasetHint(root, "/"));
    }
    const Hdf5Dataset ds = root.dataset(datasetPath);
    const Shape shape = ds.shape();
    if (!ds.isNumeric()) {
        throw FileError(file, shown + ": dataset is " + ds.typeDescription() + ", not numeric");
    }
    if (shape.size() != 2 && shape.size() != 3) {
        throw FileError(file,
            shown + ": dataset of shape " + shapeToString(shape) + " has rank " + std::to_string(shape.size())
                + "; expected (batch, steps, features), or (batch, steps) ids for an Embedding");
    }
    detail::checkVolume(file, shape, shown);
    std::vector<float> values = ds.readFloat32();

    // HDF5 converts silently; we refuse what would not survive the conversion, as toTensor does for .npy.
    Hdf5Handle type(H5Dget_type(ds.id()), Hdf5Handle::Kind::Datatype);
    const H5T_class_t cls = type ? H5Tget_class(type.id()) : H5T_NO_CLASS;
    const std::size_t itemSize = type ? H5Tget_size(type.id()) : 0;
    if (cls == H5T_INTEGER && itemSize >= 4) {
        std::vector<std::int64_t> exact(values.size());
        if (!exact.empty() && H5Dread(ds.id(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, exact.data()) < 0) {
            throw FileError(file, shown + ": cannot read the integers");
        }
        for (std::size_t i = 0; i < exact.size(); ++i) {
            if (std::fabs(static_cast<double>(exact[i])) > kExactIntLimit) {
                throw FileError(file,
                    shown + ": " + ds.typeDescription() + " value " + std::to_string(exact[i]) + " at index "
                        + indexText(shape, i) + " is beyond +-2^24 and would not be exact as float32");
            }
        }
    } else if (cls == H5T_FLOAT && itemSize > 4
        && std::any_of(values.begin(), values.end(), [](float v) { return std::isinf(v); })) {
        std::vector<double> wide(values.size());
        if (H5Dread(ds.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, wide.data()) < 0) {
            throw FileError(file, shown + ": cannot read the values as float64");
        }
        for (std::size_t i = 0; i < wide.size(); ++i) {
            if (std::isfinite(wide[i]) && std::fabs(wide[i]) > static_cast<double>(std::numeric_limits<float>::max())) {
                throw FileError(file,
                    shown + ": value " + std::to_string(wide[i]) + " at index " + indexText(shape, i)
                        + " is out of float32 range");
            }
        }
    }
    SequenceData data;
    data.format = SequenceFormat::Hdf5Dataset;
    data.values = Tensor(shape, std::move(values));
    data.description = "HDF5 dataset " + shown + " (" + ds.typeDescription() + ") -> " + shapeToString(shape);
    return data;
}

// ---------------------------------------------------------------------------------------------------

bool hasExtension(const std::string& path, std::initializer_list<const char*> extensions)
{
    const std::string ext = lowerAscii(fs::path(path).extension().string());
    return std::any_of(extensions.begin(), extensions.end(), [&](const char* e) { return ext == e; });
}

SequenceData readFile(const std::string& path, const SequenceOptions& options)
{
    std::array<char, 8> head {};
    std::uint64_t size = 0;
    {
        InputFile input = openInputFile(path, "a sequence file (.npy or CSV)");
        size = input.size;
        input.stream.read(head.data(), static_cast<std::streamsize>(head.size()));
    }
    const bool npyMagic = size >= 6 && std::memcmp(head.data(), "\x93NUMPY", 6) == 0;
    const bool hdf5Magic = size >= 8 && std::memcmp(head.data(), "\x89HDF\r\n\x1a\n", 8) == 0;
    // A .npy name with other content still goes to the .npy reader: its message says what is wrong.
    if (npyMagic || (hasExtension(path, {".npy"}) && !hdf5Magic)) {
        SequenceData data;
        data.format = SequenceFormat::Npy;
        data.values = toTensor(readNpy(path), path);
        data.description = ".npy " + shapeToString(data.values.shape());
        return data;
    }
    if (hdf5Magic || hasExtension(path, {".h5", ".hdf5", ".hdf", ".he5"})) {
        std::string hint;
        if (hdf5Magic) {
            try {
                checkHdf5GlobalHeapsInFile(path);
                hint = datasetHint(Hdf5File::openReadOnly(path).root(), "/");
            } catch (const FileError&) {
                hint.clear();
            }
        }
        throw FileError(path,
            std::string(hdf5Magic ? "is an HDF5 file" : "looks like an HDF5 file by its name")
                + ": name the dataset to read, as " + path + ":/group/x" + hint);
    }
    return detail::readCsvSequences({path}, path, options);
}

} // namespace

SequenceSpec parseSequenceSpec(const std::string& spec)
{
    SequenceSpec s;
    if (spec.rfind("text:", 0) == 0) {
        s.kind = SequenceSpec::Kind::Text;
        s.path = spec.substr(5);
        return s;
    }
    std::error_code ec;
    const fs::file_status status = fs::status(spec, ec);
    if (fs::exists(status)) {
        s.kind = fs::is_directory(status) ? SequenceSpec::Kind::Directory : SequenceSpec::Kind::File;
        s.path = spec;
        return s;
    }
    // FILE:DATASET. Try the longest prefix first, so a dataset path may itself hold ':' ("lstm/kernel:0") and
    // a file path may too ("C:/data/x.h5", or a directory named "a:b").
    for (std::size_t pos = spec.rfind(':'); pos != std::string::npos && pos > 0; pos = spec.rfind(':', pos - 1)) {
        const std::string prefix = spec.substr(0, pos);
        std::error_code prefixError;
        if (fs::is_regular_file(prefix, prefixError)) {
            s.kind = SequenceSpec::Kind::Hdf5Dataset;
            s.path = prefix;
            s.dataset = spec.substr(pos + 1);
            return s;
        }
    }
    s.kind = hasWildcard(fs::path(spec).filename().string()) || hasWildcard(spec) ? SequenceSpec::Kind::Glob
                                                                                  : SequenceSpec::Kind::Missing;
    s.path = spec;
    return s;
}

SequenceData readSequences(const std::string& spec, const SequenceOptions& options)
{
    if (spec.empty()) {
        throw FileError(spec, "no file given");
    }
    const SequenceSpec s = parseSequenceSpec(spec);
    switch (s.kind) {
    case SequenceSpec::Kind::Text:
        if (s.path.empty()) {
            throw FileError(spec, "name the text file after 'text:'");
        }
        return detail::readTextSequences(s.path, options);
    case SequenceSpec::Kind::Hdf5Dataset:
        return readHdf5Dataset(s.path, s.dataset);
    case SequenceSpec::Kind::Directory:
        return detail::readCsvSequences(directoryFiles(s.path), s.path, options);
    case SequenceSpec::Kind::Glob:
        return detail::readCsvSequences(globFiles(s.path), s.path, options);
    case SequenceSpec::Kind::File:
        return readFile(s.path, options);
    case SequenceSpec::Kind::Missing:
        break;
    }
    throw FileError(spec, "no such file");
}

} // namespace rnnscope::io
