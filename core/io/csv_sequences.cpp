// CSV sequences: one sample per file (rows are timesteps, columns features), or a long table with a `sample`
// column and a `step` column (rows in any order). Several files make a batch; samples of different lengths are
// refused unless padding is on, and then masked.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/io/file_error.h"
#include "core/io/sequence_common.h"

namespace rnnscope::io::detail {

namespace {

// What a file yields: samples of possibly different lengths, each [steps, features] in row-major order.
struct RaggedSample
{
    std::string origin; // "b.csv" or "table.csv, sample 'walk'": who to blame for a wrong length
    std::string file;
    Index steps = 0;
    std::vector<float> values;
    std::vector<std::uint8_t> present; // per step; empty when every step is present
};

struct CsvFile
{
    std::string file;
    std::vector<std::string> featureNames; // empty without a header
    std::int64_t headerLine = 0;
    Index features = 0;
    char delimiter = ',';
    bool longTable = false;
    bool skippedIndexColumn = false;
    Index stepMin = 0;
    Index stepMax = 0;
    std::vector<RaggedSample> samples;
};

constexpr char kWhitespace = ' '; // "delimiter" of whitespace-separated files (numpy.savetxt's default)

// A padded long table may hold this many (sample, step) cells whatever its rows, and beyond that at most this many
// cells per row the file gives.
constexpr Index kMaxPaddingCells = Index {1} << 20;
constexpr long double kMaxPaddingRatio = 64;

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

bool isSkipped(std::string_view line)
{
    const std::string_view t = trim(line);
    return t.empty() || t.front() == '#';
}

std::string delimiterName(char d)
{
    switch (d) {
    case '\t':
        return "tab";
    case kWhitespace:
        return "whitespace";
    default:
        return std::string("'") + d + "'";
    }
}

// Chosen from the first line: tab, then ';' (files written where ',' is the decimal mark), then ','; with
// none of them, whitespace between values, or a single column.
char detectDelimiter(std::string_view line)
{
    std::size_t tabs = 0;
    std::size_t semicolons = 0;
    std::size_t commas = 0;
    bool inQuotes = false;
    for (char c : line) {
        if (c == '"') {
            inQuotes = !inQuotes;
        } else if (!inQuotes) {
            tabs += c == '\t' ? 1 : 0;
            semicolons += c == ';' ? 1 : 0;
            commas += c == ',' ? 1 : 0;
        }
    }
    if (tabs > 0) {
        return '\t';
    }
    if (semicolons > 0) {
        return ';';
    }
    if (commas > 0) {
        return ',';
    }
    return trim(line).find_first_of(" \t") != std::string_view::npos ? kWhitespace : ',';
}

// Cells of one line, trimmed, with "double quoted" cells unquoted ("" inside is a quote).
std::vector<std::string> splitCells(std::string_view line, char delimiter, const std::string& file, std::int64_t lineNo)
{
    std::vector<std::string> cells;
    if (delimiter == kWhitespace) {
        std::size_t i = 0;
        while (true) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
                ++i;
            }
            if (i >= line.size()) {
                break;
            }
            const std::size_t start = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
                ++i;
            }
            cells.emplace_back(line.substr(start, i - start));
        }
        return cells;
    }
    std::size_t i = 0;
    while (true) {
        while (i < line.size() && (line[i] == ' ' || (line[i] == '\t' && delimiter != '\t'))) {
            ++i;
        }
        std::string cell;
        if (i < line.size() && line[i] == '"') {
            ++i;
            while (true) {
                if (i >= line.size()) {
                    throw FileError(file, lineText(lineNo) + ": a quoted cell is not closed on the same line");
                }
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        cell += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                cell += line[i++];
            }
            while (i < line.size() && line[i] != delimiter && (line[i] == ' ' || line[i] == '\t')) {
                ++i;
            }
            if (i < line.size() && line[i] != delimiter) {
                throw FileError(file,
                    lineText(lineNo) + ": text after the closing quote of cell " + std::to_string(cells.size() + 1));
            }
        } else {
            const std::size_t end = std::min(line.find(delimiter, i), line.size());
            cell = std::string(trim(line.substr(i, end - i)));
            i = end;
        }
        cells.push_back(std::move(cell));
        if (i >= line.size()) {
            break;
        }
        ++i; // the delimiter
    }
    return cells;
}

enum class NumberStatus { Ok, NotANumber, OutOfRange };

// A float32 from a decimal cell, correctly rounded (from_chars), so "0.1" gives exactly 0.1F. Accepts a leading
// '+', "nan", "inf"; values too small for float32 become 0 as numpy's astype(float32) makes them.
NumberStatus parseNumber(std::string_view s, float& out)
{
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
        if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
            return NumberStatus::NotANumber;
        }
    }
    if (s.empty()) {
        return NumberStatus::NotANumber;
    }
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, out);
    if (ptr != end) {
        return NumberStatus::NotANumber;
    }
    if (ec == std::errc::result_out_of_range) {
        double wide = 0;
        auto [wptr, wec] = std::from_chars(s.data(), end, wide);
        if (wec == std::errc() && wptr == end && std::fabs(wide) < 1.0) {
            out = static_cast<float>(wide);
            return NumberStatus::Ok;
        }
        return NumberStatus::OutOfRange;
    }
    return ec == std::errc() ? NumberStatus::Ok : NumberStatus::NotANumber;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string plural(Index n, const std::string& noun)
{
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string joinNames(const std::vector<std::string>& names, std::size_t limit = 8)
{
    std::string text;
    for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
        text += (i == 0 ? "" : ",") + names[i];
    }
    return text + (names.size() > limit ? ",..." : "");
}

class CsvParser
{
public:
    CsvParser(const std::string& file, const SequenceOptions& options)
        : m_options(options)
    {
        m_result.file = file;
    }

    CsvFile parse()
    {
        const std::string& file = m_result.file;
        const std::string text = readTextFile(file, "a CSV file");
        if (const std::size_t nul = text.find('\0'); nul != std::string::npos) {
            const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
            throw FileError(
                file, lineText(line) + ": binary data, not text (inputs are .npy, CSV, text:FILE or FILE.h5:/dataset)");
        }
        if (trim(text).empty()) {
            throw FileError(file, "empty file");
        }
        LineReader lines(text);
        std::string_view line;
        bool first = true;
        while (lines.next(line)) {
            if (isSkipped(line)) {
                continue;
            }
            if (first) {
                first = false;
                m_result.delimiter = detectDelimiter(line);
                std::vector<std::string> cells = splitCells(line, m_result.delimiter, file, lines.number());
                if (looksLikeHeader(cells)) {
                    readHeader(std::move(cells), lines.number());
                    continue;
                }
                m_columns = cells.size();
                dataRow(cells, lines.number());
                continue;
            }
            dataRow(splitCells(line, m_result.delimiter, file, lines.number()), lines.number());
        }
        if (first) {
            throw FileError(file, "no data rows (only comments and blank lines)");
        }
        if (m_rows == 0) {
            throw FileError(file, "has a header (" + lineText(m_result.headerLine) + ") but no data rows");
        }
        if (m_result.longTable) {
            finishTable();
        } else {
            RaggedSample s;
            s.origin = file;
            s.file = file;
            s.steps = m_rows;
            s.values = std::move(m_values);
            m_result.samples.push_back(std::move(s));
        }
        return std::move(m_result);
    }

private:
    // A header has a cell that is text. Empty cells do not count: "1,,3" is a data row with a missing value
    // (an error), not a header, while pandas's ",x,y" (an unnamed index column) is a header.
    static bool looksLikeHeader(const std::vector<std::string>& cells)
    {
        float unused = 0;
        return std::any_of(cells.begin(), cells.end(),
            [&](const std::string& c) { return !c.empty() && parseNumber(c, unused) == NumberStatus::NotANumber; });
    }

    void readHeader(std::vector<std::string> cells, std::int64_t lineNo)
    {
        const std::string& file = m_result.file;
        m_result.headerLine = lineNo;
        m_header = std::move(cells);
        m_columns = m_header.size();
        std::optional<std::size_t> sample;
        std::optional<std::size_t> step;
        for (std::size_t k = 0; k < m_header.size(); ++k) {
            const std::string name = lower(m_header[k]);
            if (name == "sample") {
                if (sample) {
                    throw FileError(file, lineText(lineNo) + ": two 'sample' columns");
                }
                sample = k;
            } else if (name == "step" || name == "timestep" || name == "time" || name == "t") {
                if (step) {
                    throw FileError(file,
                        lineText(lineNo) + ": both " + quotedText(m_header[*step]) + " and " + quotedText(m_header[k])
                            + " could be the step column");
                }
                step = k;
            }
        }
        if (sample && !step) {
            throw FileError(file,
                lineText(lineNo) + ": a long table needs a step column (named step, timestep, time or t) next to "
                    + quotedText(m_header[*sample]));
        }
        // pandas's DataFrame.to_csv() writes the row index as a first column with an empty name: it numbers
        // rows, it is not a feature.
        const bool indexColumn = m_header.size() > 1 && m_header.front().empty();
        m_result.skippedIndexColumn = indexColumn;
        m_result.longTable = step.has_value();
        m_sampleColumn = sample;
        m_stepColumn = step;
        for (std::size_t k = 0; k < m_header.size(); ++k) {
            if ((indexColumn && k == 0) || k == sample || k == step) {
                continue;
            }
            m_featureColumns.push_back(k);
            m_result.featureNames.push_back(m_header[k]);
        }
        if (m_featureColumns.empty()) {
            throw FileError(file, lineText(lineNo) + ": no feature columns besides " + joinNames(m_header));
        }
        m_result.features = static_cast<Index>(m_featureColumns.size());
    }

    std::string columnLabel(std::size_t k) const
    {
        std::string label = "column " + std::to_string(k + 1);
        if (k < m_header.size() && !m_header[k].empty()) {
            label += " (" + quotedText(m_header[k]) + ")";
        }
        return label;
    }

    float number(const std::string& cell, std::size_t k, std::int64_t lineNo) const
    {
        float v = 0;
        switch (parseNumber(cell, v)) {
        case NumberStatus::Ok:
            return v;
        case NumberStatus::OutOfRange:
            throw FileError(m_result.file,
                lineText(lineNo) + ", " + columnLabel(k) + ": " + quotedText(cell) + " is out of float32 range");
        case NumberStatus::NotANumber:
            break;
        }
        std::string why = cell.empty() ? "empty cell, expected a number" : quotedText(cell) + " is not a number";
        if (m_result.delimiter != ',' && cell.find(',') != std::string::npos) {
            why += " (decimal commas are not supported; use '.')";
        }
        throw FileError(m_result.file, lineText(lineNo) + ", " + columnLabel(k) + ": " + why);
    }

    void dataRow(const std::vector<std::string>& cells, std::int64_t lineNo)
    {
        const std::string& file = m_result.file;
        if (cells.size() != m_columns) {
            const std::string expected
                = m_header.empty() ? " like the first row" : " (columns " + joinNames(m_header) + ")";
            throw FileError(file,
                lineText(lineNo) + ": " + std::to_string(cells.size()) + (cells.size() == 1 ? " value" : " values")
                    + ", expected " + std::to_string(m_columns) + expected);
        }
        if (m_header.empty()) {
            m_result.features = static_cast<Index>(m_columns);
        }
        // Refuse growth past the limit before it happens, not after a multi-GiB vector exists.
        if (static_cast<Index>(m_values.size()) + static_cast<Index>(cells.size()) > kMaxSequenceValues) {
            throw FileError(file,
                lineText(lineNo) + ": more than " + std::to_string(kMaxSequenceValues)
                    + " values (save data this large as .npy)");
        }
        ++m_rows;
        if (!m_result.longTable) {
            if (m_header.empty()) {
                for (std::size_t k = 0; k < cells.size(); ++k) {
                    m_values.push_back(number(cells[k], k, lineNo));
                }
            } else {
                for (std::size_t k : m_featureColumns) {
                    m_values.push_back(number(cells[k], k, lineNo));
                }
            }
            return;
        }
        TableRow row;
        row.line = lineNo;
        std::string id = m_sampleColumn ? cells[*m_sampleColumn] : std::string();
        if (m_sampleColumn && id.empty()) {
            throw FileError(file, lineText(lineNo) + ", " + columnLabel(*m_sampleColumn) + ": empty sample id");
        }
        auto [it, inserted] = m_sampleIndex.try_emplace(id, m_sampleIds.size());
        if (inserted) {
            m_sampleIds.push_back(id);
        }
        row.sample = it->second;
        const std::string& stepCell = cells[*m_stepColumn];
        double step = 0;
        const char* end = stepCell.data() + stepCell.size();
        auto [ptr, ec] = std::from_chars(stepCell.data(), end, step);
        if (stepCell.empty() || ec != std::errc() || ptr != end || !std::isfinite(step) || step != std::floor(step)
            || std::fabs(step) > 9.0e15) {
            throw FileError(file,
                lineText(lineNo) + ", " + columnLabel(*m_stepColumn) + ": step " + quotedText(stepCell)
                    + " is not a whole number");
        }
        row.step = static_cast<Index>(step);
        row.offset = m_values.size();
        for (std::size_t k : m_featureColumns) {
            m_values.push_back(number(cells[k], k, lineNo));
        }
        m_tableRows.push_back(row);
    }

    std::string sampleText(std::size_t sample) const
    {
        return m_sampleColumn ? "sample " + quotedText(m_sampleIds[sample]) : std::string("the table");
    }

    void finishTable()
    {
        const std::string& file = m_result.file;
        std::vector<TableRow>& rows = m_tableRows;
        // Sorted by (sample, step), duplicates and gaps are neighbours; nothing dense is allocated before both
        // are checked.
        std::stable_sort(rows.begin(), rows.end(), [](const TableRow& a, const TableRow& b) {
            return a.sample != b.sample ? a.sample < b.sample : a.step < b.step;
        });
        Index stepMin = std::numeric_limits<Index>::max();
        Index stepMax = std::numeric_limits<Index>::min();
        for (std::size_t r = 0; r < rows.size(); ++r) {
            stepMin = std::min(stepMin, rows[r].step);
            stepMax = std::max(stepMax, rows[r].step);
            if (r > 0 && rows[r].sample == rows[r - 1].sample && rows[r].step == rows[r - 1].step) {
                const auto& a = rows[r - 1].line < rows[r].line ? rows[r - 1] : rows[r];
                const auto& b = rows[r - 1].line < rows[r].line ? rows[r] : rows[r - 1];
                throw FileError(file,
                    lineText(b.line) + ": " + sampleText(b.sample) + " step " + std::to_string(b.step)
                        + " was already given on " + lineText(a.line));
            }
        }
        m_result.stepMin = stepMin;
        m_result.stepMax = stepMax;
        const Index batch = static_cast<Index>(m_sampleIds.size());
        const Index features = m_result.features;
        const Index steps = stepMax - stepMin + 1;
        const std::string range
            = "steps run from " + std::to_string(stepMin) + " to " + std::to_string(stepMax) + " in this table";
        if (!m_options.pad) {
            // Every sample must have every step of the table's range: report the first one missing.
            std::size_t r = 0;
            for (std::size_t s = 0; s < m_sampleIds.size(); ++s) {
                Index expected = stepMin;
                while (r < rows.size() && rows[r].sample == s) {
                    if (rows[r].step != expected) {
                        break;
                    }
                    ++expected;
                    ++r;
                }
                if (expected <= stepMax) {
                    throw FileError(file,
                        sampleText(s) + " has no row for step " + std::to_string(expected) + " (" + range
                            + "; give --pad to mask missing steps)");
                }
            }
        }
        checkVolume(file, {batch, steps, features}, "the long table (" + range + ")");
        // Padding fills missing steps; a few rows whose step numbers lie far apart would otherwise make a tiny file
        // allocate up to the limit above (a 21-byte file asked for over 2 GiB). Ragged samples pad far less than this.
        const long double padded = static_cast<long double>(batch) * static_cast<long double>(steps);
        if (padded > static_cast<long double>(kMaxPaddingCells)
            && padded > kMaxPaddingRatio * static_cast<long double>(rows.size())) {
            throw FileError(file,
                "padding the long table to " + std::to_string(batch) + " samples x " + std::to_string(steps)
                    + " steps would make up " + std::to_string(rows.size()) + " rows into "
                    + std::to_string(static_cast<long long>(padded)) + " (" + range + "); are the step numbers right?");
        }
        std::vector<RaggedSample> samples(m_sampleIds.size());
        for (std::size_t s = 0; s < samples.size(); ++s) {
            samples[s].file = file;
            samples[s].origin = file + ", " + sampleText(s);
            samples[s].steps = steps;
            samples[s].values.assign(static_cast<std::size_t>(steps * features), m_options.padValue);
            samples[s].present.assign(static_cast<std::size_t>(steps), 0);
        }
        for (const TableRow& row : rows) {
            RaggedSample& s = samples[row.sample];
            const auto t = static_cast<std::size_t>(row.step - stepMin);
            std::copy_n(m_values.begin() + static_cast<std::ptrdiff_t>(row.offset), features,
                s.values.begin() + static_cast<std::ptrdiff_t>(t * static_cast<std::size_t>(features)));
            s.present[t] = 1;
        }
        for (RaggedSample& s : samples) {
            if (std::all_of(s.present.begin(), s.present.end(), [](std::uint8_t p) { return p != 0; })) {
                s.present.clear();
            }
        }
        m_result.samples = std::move(samples);
    }

    struct TableRow
    {
        std::size_t sample = 0;
        Index step = 0;
        std::int64_t line = 0;
        std::size_t offset = 0; // into m_values
    };

    const SequenceOptions& m_options;
    CsvFile m_result;
    std::vector<std::string> m_header;
    std::size_t m_columns = 0;
    std::vector<std::size_t> m_featureColumns;
    std::optional<std::size_t> m_sampleColumn;
    std::optional<std::size_t> m_stepColumn;
    Index m_rows = 0;
    std::vector<float> m_values;
    std::vector<TableRow> m_tableRows;
    std::unordered_map<std::string, std::size_t> m_sampleIndex;
    std::vector<std::string> m_sampleIds;
};

} // namespace

SequenceData readCsvSequences(
    const std::vector<std::string>& files, const std::string& label, const SequenceOptions& options)
{
    std::vector<CsvFile> parsed;
    parsed.reserve(files.size());
    Index total = 0;
    for (const std::string& f : files) {
        parsed.push_back(CsvParser(f, options).parse());
        const CsvFile& c = parsed.back();
        const CsvFile& ref = parsed.front();
        if (c.features != ref.features) {
            throw FileError(
                f, plural(c.features, "feature column") + ", but " + ref.file + " has " + std::to_string(ref.features));
        }
        if (!c.featureNames.empty() && !ref.featureNames.empty() && c.featureNames != ref.featureNames) {
            throw FileError(f,
                lineText(c.headerLine) + ": feature columns " + joinNames(c.featureNames) + " differ from " + ref.file
                    + "'s " + joinNames(ref.featureNames));
        }
        for (const RaggedSample& s : c.samples) {
            total += static_cast<Index>(s.values.size());
        }
        // Many files, each within the limit, can still add up to an absurd batch.
        if (total > kMaxSequenceValues) {
            throw FileError(f,
                "the files up to this one hold more than " + std::to_string(kMaxSequenceValues)
                    + " values (save data this large as .npy)");
        }
    }
    const Index features = parsed.front().features;
    const RaggedSample* longest = nullptr;
    const RaggedSample* firstSample = &parsed.front().samples.front();
    Index batch = 0;
    for (const CsvFile& c : parsed) {
        for (const RaggedSample& s : c.samples) {
            ++batch;
            if (longest == nullptr || s.steps > longest->steps) {
                longest = &s;
            }
            if (!options.pad && s.steps != firstSample->steps) {
                throw FileError(s.file,
                    (s.origin == s.file ? std::string() : s.origin.substr(s.file.size() + 2) + ": ")
                        + plural(s.steps, "timestep") + ", but " + firstSample->origin + " has "
                        + std::to_string(firstSample->steps) + " (give --pad to pad shorter sequences and mask them)");
            }
        }
    }
    const Index steps = longest->steps;
    checkVolume(label, {batch, steps, features}, "padding every sample to " + std::to_string(steps) + " steps");
    const PadSide side = options.padSide.value_or(PadSide::Post);
    Tensor values({batch, steps, features}, options.padValue);
    Mask mask(batch, steps, false);
    Index masked = 0;
    Index b = 0;
    for (const CsvFile& c : parsed) {
        for (const RaggedSample& s : c.samples) {
            const Index offset = side == PadSide::Pre ? steps - s.steps : 0;
            std::copy(s.values.begin(), s.values.end(),
                values.values().begin() + static_cast<std::ptrdiff_t>((b * steps + offset) * features));
            for (Index t = 0; t < s.steps; ++t) {
                const bool keep = s.present.empty() || s.present[static_cast<std::size_t>(t)] != 0;
                mask.set(b, offset + t, keep);
            }
            ++b;
        }
    }
    for (Index i = 0; i < batch; ++i) {
        for (Index t = 0; t < steps; ++t) {
            masked += mask.at(i, t) ? 0 : 1;
        }
    }

    SequenceData data;
    data.format = SequenceFormat::CsvFiles;
    const CsvFile& ref = parsed.front();
    std::string how;
    if (ref.longTable) {
        how = "long table";
        if (parsed.size() == 1) {
            how += ", steps " + std::to_string(ref.stepMin) + ".." + std::to_string(ref.stepMax);
        }
    } else {
        how = parsed.size() == 1 ? "CSV, rows are timesteps" : "one sample per file";
    }
    how += ", " + delimiterName(ref.delimiter) + "-separated";
    how += ref.featureNames.empty() ? ", no header" : ", features " + joinNames(ref.featureNames);
    if (ref.skippedIndexColumn) {
        how += ", unnamed index column skipped";
    }
    data.description = (files.size() == 1 ? std::string() : std::to_string(files.size()) + " files, ") + how + " -> "
        + shapeToString(values.shape());
    if (masked > 0) {
        data.description += "; " + std::to_string(masked) + " padded step(s) masked ("
            + (ref.longTable && parsed.size() == 1 ? std::string("missing rows")
                                                   : std::string(side == PadSide::Pre ? "pre" : "post"))
            + ")";
        data.mask = std::move(mask);
    }
    data.values = std::move(values);
    return data;
}

} // namespace rnnscope::io::detail
