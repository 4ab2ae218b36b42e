#pragma once
// Internal to the sequence readers (csv_sequences.cpp, text_sequences.cpp, sequence_readers.cpp): reading a
// whole text file with a size limit, quoting untrusted text in error messages, and splitting into lines.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/sequence_readers.h"

namespace rnnscope::io::detail {

// Text inputs are read whole: simpler and faster than streaming, and bounded, because a text file this large
// would hold more values than kMaxSequenceValues anyway.
inline constexpr std::uint64_t kMaxTextFileBytes = std::uint64_t {512} << 20;

// The whole file, without a leading UTF-8 byte order mark. `kind` completes "is a directory, not <kind>".
std::string readTextFile(const std::string& path, const std::string& kind);

// 'text' for a message: control and non-UTF-8 bytes escaped, long text cut with "...".
std::string quotedText(std::string_view text, std::size_t maxLength = 40);

// "(2, 3)" plus " is too large" etc. share this check: throws FileError(file, what + " would hold N values,
// more than the limit of 2^28") when the volume of `shape` exceeds kMaxSequenceValues.
void checkVolume(const std::string& file, const Shape& shape, const std::string& what);

// Iterates over the lines of `text` ('\n', with a '\r' before it dropped); the final line break does not start
// another line. `next` returns false at the end.
class LineReader
{
public:
    explicit LineReader(std::string_view text)
        : m_text(text)
    {
    }
    bool next(std::string_view& line)
    {
        if (m_pos >= m_text.size()) {
            return false;
        }
        const std::size_t end = m_text.find('\n', m_pos);
        const std::size_t stop = end == std::string_view::npos ? m_text.size() : end;
        line = m_text.substr(m_pos, stop - m_pos);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        m_pos = stop + 1;
        ++m_number;
        return true;
    }
    // 1-based number of the line last returned.
    std::int64_t number() const { return m_number; }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
    std::int64_t m_number = 0;
};

// "line 17" for messages.
inline std::string lineText(std::int64_t number)
{
    return "line " + std::to_string(number);
}

// CSV input (csv_sequences.cpp): `files` in order, each one sample or, for a long table, several.
// `label` names the whole input in the description ("runs/", "runs/*.csv", "data.csv").
SequenceData readCsvSequences(
    const std::vector<std::string>& files, const std::string& label, const SequenceOptions& options);

// Text through a vocabulary (text_sequences.cpp).
SequenceData readTextSequences(const std::string& file, const SequenceOptions& options);

} // namespace rnnscope::io::detail
