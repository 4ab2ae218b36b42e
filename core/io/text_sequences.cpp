// Text through a vocabulary, for Embedding models: one sequence per line, tokens (characters or words) mapped to
// ids by a JSON token -> id object such as Keras's Tokenizer.word_index, lines padded to a common length the way
// keras.preprocessing.sequence.pad_sequences pads them (at the front unless told otherwise).

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/io/file_error.h"
#include "core/io/sequence_common.h"

namespace rnnscope::io::detail {

namespace {

using nlohmann::json;

constexpr std::int64_t kMaxId = std::int64_t {1} << 24; // ids travel as float32, exact up to 2^24

// nlohmann's messages start with "[json.exception.parse_error.101] "; the user needs only the rest.
std::string jsonMessage(const json::exception& e)
{
    std::string what = e.what();
    if (const auto close = what.find("] "); what.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
        what.erase(0, close + 2);
    }
    return what;
}

using Vocabulary = std::unordered_map<std::string, std::int64_t>;

Vocabulary readVocabulary(const std::string& file)
{
    const std::string text = readTextFile(file, "a JSON vocabulary");
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        throw FileError(file, "not valid JSON: " + jsonMessage(e));
    }
    // Tokenizer.to_json() keeps word_index as a JSON string inside its config.
    if (j.is_object() && j.contains("class_name") && j["class_name"] == "Tokenizer" && j.contains("config")
        && j["config"].is_object()) {
        const json& config = j["config"];
        if (!config.contains("word_index")) {
            throw FileError(file, "a Tokenizer without a word_index (fit it on texts before saving)");
        }
        j = config["word_index"];
        if (j.is_string()) {
            try {
                j = json::parse(j.get<std::string>());
            } catch (const json::exception& e) {
                throw FileError(file, "config.word_index is not valid JSON: " + jsonMessage(e));
            }
        }
    }
    if (!j.is_object()) {
        throw FileError(file,
            std::string("expected a JSON object mapping tokens to ids (like Tokenizer.word_index), got ")
                + j.type_name());
    }
    if (j.empty()) {
        throw FileError(file, "the vocabulary is empty");
    }
    Vocabulary vocab;
    vocab.reserve(j.size());
    for (const auto& [token, value] : j.items()) {
        std::int64_t id = -1;
        if (value.is_number_unsigned()) {
            const auto u = value.get<std::uint64_t>();
            id = u > static_cast<std::uint64_t>(kMaxId) ? kMaxId + 1 : static_cast<std::int64_t>(u);
        } else if (value.is_number_integer()) {
            id = value.get<std::int64_t>();
        } else if (value.is_number_float() && std::isfinite(value.get<double>())
            && value.get<double>() == std::floor(value.get<double>()) && std::fabs(value.get<double>()) <= 1e18) {
            id = static_cast<std::int64_t>(value.get<double>());
        } else {
            throw FileError(
                file, "token " + quotedText(token) + ": id " + quotedText(value.dump()) + " is not a whole number");
        }
        if (id < 0 || id > kMaxId) {
            throw FileError(file,
                "token " + quotedText(token) + ": id " + value.dump() + " is outside 0..2^24 (ids are exact float32)");
        }
        vocab.emplace(token, id);
    }
    return vocab;
}

// Python's str.lower() for the letters most text uses: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic.
char32_t lowerCodePoint(char32_t c)
{
    if ((c >= U'A' && c <= U'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)) {
        return c + 32;
    }
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x178) {
            return 0xFF;
        }
        const bool evenUpper = (c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177);
        const bool oddUpper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if ((evenUpper && c % 2 == 0) || (oddUpper && c % 2 == 1)) {
            return c + 1;
        }
        return c;
    }
    if ((c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F)) {
        return c + 32;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 80;
    }
    switch (c) {
    case 0x386:
        return 0x3AC;
    case 0x388:
    case 0x389:
    case 0x38A:
        return c + 37;
    case 0x38C:
        return 0x3CC;
    case 0x38E:
    case 0x38F:
        return c + 63;
    default:
        return c;
    }
}

void appendUtf8(std::string& out, char32_t c)
{
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// The characters of a line as UTF-8 strings (lowercased when asked). Invalid UTF-8 is an error, because a
// character vocabulary cannot match half a character.
std::vector<std::string> characters(std::string_view line, bool lowerCase, const std::string& file, std::int64_t lineNo)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < line.size()) {
        const auto b0 = static_cast<unsigned char>(line[i]);
        std::size_t length = 0;
        char32_t c = 0;
        if (b0 < 0x80) {
            length = 1;
            c = b0;
        } else if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
            c = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            c = b0 & 0x0F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            c = b0 & 0x07;
        }
        bool valid = length > 0 && i + length <= line.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            const auto b = static_cast<unsigned char>(line[i + k]);
            valid = (b & 0xC0) == 0x80;
            c = (c << 6) | (b & 0x3F);
        }
        valid = valid && !(length == 3 && c < 0x800) && !(length == 4 && (c < 0x10000 || c > 0x10FFFF))
            && !(c >= 0xD800 && c <= 0xDFFF);
        if (!valid) {
            throw FileError(file,
                lineText(lineNo) + ": invalid UTF-8 at byte " + std::to_string(i + 1)
                    + " of the line (text must be UTF-8)");
        }
        std::string ch;
        appendUtf8(ch, lowerCase ? lowerCodePoint(c) : c);
        out.push_back(std::move(ch));
        i += length;
    }
    return out;
}

std::string lowerUtf8(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        if (b0 < 0x80) {
            out += static_cast<char>(lowerCodePoint(b0));
            ++i;
            continue;
        }
        // Two-byte sequences hold every non-ASCII letter lowerCodePoint knows; anything else is copied.
        if (b0 >= 0xC2 && b0 <= 0xDF && i + 1 < text.size()
            && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
            const char32_t c
                = (static_cast<char32_t>(b0 & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
            appendUtf8(out, lowerCodePoint(c));
            i += 2;
            continue;
        }
        out += text[i++];
    }
    return out;
}

std::vector<std::string> words(std::string_view line)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; };
    while (true) {
        while (i < line.size() && space(line[i])) {
            ++i;
        }
        if (i >= line.size()) {
            return out;
        }
        const std::size_t start = i;
        while (i < line.size() && !space(line[i])) {
            ++i;
        }
        out.emplace_back(line.substr(start, i - start));
    }
}

} // namespace

SequenceData readTextSequences(const std::string& file, const SequenceOptions& options)
{
    if (!options.vocabFile) {
        throw FileError(file, "text input needs a vocabulary: give --vocab VOCAB.json (a JSON token -> id object)");
    }
    if (options.oovId && (*options.oovId < 0 || *options.oovId > kMaxId)) {
        throw FileError(file, "the out-of-vocabulary id " + std::to_string(*options.oovId) + " is outside 0..2^24");
    }
    const std::string text = readTextFile(file, "a text file");
    if (text.empty()) {
        throw FileError(file, "empty file");
    }
    if (const std::size_t nul = text.find('\0'); nul != std::string::npos) {
        throw FileError(file, "binary data (NUL byte at offset " + std::to_string(nul) + "), not text");
    }
    const Vocabulary vocab = readVocabulary(*options.vocabFile);
    const std::string& vocabName = *options.vocabFile;

    std::vector<float> ids;
    std::vector<std::size_t> lineStart {0};
    Index unknown = 0;
    Index longest = 0;
    LineReader lines(text);
    std::string_view line;
    while (lines.next(line)) {
        std::vector<std::string> tokens;
        if (options.tokens == TokenMode::Chars) {
            tokens = characters(line, options.lower, file, lines.number());
        } else {
            tokens = options.lower ? words(lowerUtf8(line)) : words(line);
        }
        if (static_cast<Index>(ids.size() + tokens.size()) > kMaxSequenceValues) {
            throw FileError(
                file, lineText(lines.number()) + ": more than " + std::to_string(kMaxSequenceValues) + " tokens");
        }
        for (std::size_t k = 0; k < tokens.size(); ++k) {
            const auto it = vocab.find(tokens[k]);
            if (it != vocab.end()) {
                ids.push_back(static_cast<float>(it->second));
                continue;
            }
            if (!options.oovId) {
                throw FileError(file,
                    lineText(lines.number()) + ", token " + std::to_string(k + 1) + ": " + quotedText(tokens[k])
                        + " is not in the vocabulary " + vocabName + " (give --oov-id N to map unknown tokens)");
            }
            ids.push_back(static_cast<float>(*options.oovId));
            ++unknown;
        }
        longest = std::max(longest, static_cast<Index>(tokens.size()));
        lineStart.push_back(ids.size());
    }
    const Index batch = static_cast<Index>(lineStart.size()) - 1;
    if (longest == 0) {
        throw FileError(file, "no tokens: every line is empty");
    }
    checkVolume(file, {batch, longest}, "padding every line to " + std::to_string(longest) + " tokens");
    const PadSide side = options.padSide.value_or(PadSide::Pre);
    Tensor values({batch, longest}, options.padValue);
    for (Index b = 0; b < batch; ++b) {
        const auto begin = lineStart[static_cast<std::size_t>(b)];
        const auto count = static_cast<Index>(lineStart[static_cast<std::size_t>(b) + 1] - begin);
        const Index offset = side == PadSide::Pre ? longest - count : 0;
        std::copy_n(ids.begin() + static_cast<std::ptrdiff_t>(begin), count,
            values.values().begin() + static_cast<std::ptrdiff_t>(b * longest + offset));
    }
    SequenceData data;
    data.format = SequenceFormat::Text;
    data.values = std::move(values);
    data.description = std::string(options.tokens == TokenMode::Chars ? "characters" : "words") + " through "
        + vocabName + (options.lower ? " (lowercased)" : "") + ": " + std::to_string(batch) + " line(s), longest "
        + std::to_string(longest) + " token(s)"
        + (unknown > 0 ? ", " + std::to_string(unknown) + " unknown -> id " + std::to_string(*options.oovId) : "")
        + " -> " + shapeToString(data.values.shape()) + ", padded " + (side == PadSide::Pre ? "pre" : "post");
    return data;
}

} // namespace rnnscope::io::detail
