#include "core/io/npy.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/io/atomic_file.h"
#include "core/io/file_error.h"
#include "core/io/file_memory.h"
#include "core/io/input_file.h"

namespace rnnscope::io {

namespace {

constexpr unsigned char kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr std::size_t kMagicLength = sizeof(kMagic);
// numpy itself refuses headers above 10000 bytes by default; we are more lenient but still bounded so a
// corrupt length field cannot make us read a whole large file as "header".
constexpr std::size_t kMaxHeaderLength = 1U << 20;
constexpr int kMaxLiteralDepth = 32;
// float32 has a 24-bit significand: every integer of magnitude up to 2^24 is exact, beyond that not all.
constexpr double kExactIntLimit = 16777216.0;

constexpr bool kNativeLittle = std::endian::native == std::endian::little;

// Printable one-line excerpt of untrusted text for an error message (trailing padding dropped).
std::string excerpt(std::string_view text, std::size_t maxLength = 80)
{
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < maxLength; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            out += "\\n";
        } else if (c < 0x20 || c >= 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > maxLength) {
        out += "...";
    }
    return out;
}

std::string sizeText(std::uint64_t bytes)
{
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

// "(1, 2)" for flat element `flat` of `shape`, so value errors point at the element the user can look up.
std::string indexToString(const Shape& shape, std::uint64_t flat)
{
    if (shape.empty()) {
        return "()";
    }
    Shape index(shape.size());
    for (std::size_t k = shape.size(); k-- > 0;) {
        const auto d = static_cast<std::uint64_t>(shape[k]);
        index[k] = d == 0 ? 0 : static_cast<Index>(flat % d);
        flat = d == 0 ? 0 : flat / d;
    }
    return shapeToString(index);
}

// ---------------------------------------------------------------------------------------------------
// A Python literal, the subset numpy's header dict uses: str, int, bool, None, tuple, list, dict.

struct PyValue
{
    enum class Kind { Str, Int, Bool, None, Tuple, List, Dict };
    Kind kind = Kind::None;
    std::string str;
    std::int64_t integer = 0;
    bool flag = false;
    std::vector<PyValue> items; // tuple and list elements; dict values
    std::vector<std::string> keys; // dict keys, parallel to items (std::pair of an incomplete type is not allowed)
};

class LiteralParser
{
public:
    LiteralParser(std::string_view text, const std::string& file)
        : m_text(text)
        , m_file(file)
    {
    }

    PyValue parseWhole()
    {
        PyValue value = parseValue(0);
        skipSpace();
        if (m_pos != m_text.size()) {
            fail("unexpected '" + excerpt(m_text.substr(m_pos), 20) + "' after the dictionary");
        }
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        throw FileError(m_file,
            "malformed header: " + what + " at offset " + std::to_string(m_pos) + " in \"" + excerpt(m_text) + "\"");
    }

    void skipSpace()
    {
        while (m_pos < m_text.size()
            && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
            ++m_pos;
        }
    }

    char peek()
    {
        skipSpace();
        if (m_pos >= m_text.size()) {
            fail("unexpected end");
        }
        return m_text[m_pos];
    }

    static bool isIdentChar(char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    PyValue parseValue(int depth)
    {
        if (depth > kMaxLiteralDepth) {
            fail("nesting deeper than " + std::to_string(kMaxLiteralDepth) + " levels");
        }
        const char c = peek();
        if (c == '{') {
            return parseDict(depth);
        }
        if (c == '(' || c == '[') {
            return parseSequence(depth);
        }
        if (c == '\'' || c == '"') {
            return parseString();
        }
        if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
            return parseInt();
        }
        if (isIdentChar(c)) {
            const std::size_t start = m_pos;
            while (m_pos < m_text.size() && isIdentChar(m_text[m_pos])) {
                ++m_pos;
            }
            const std::string_view word = m_text.substr(start, m_pos - start);
            // u'' and b'' prefixes as Python 2 era writers may emit them.
            if ((word == "u" || word == "b") && m_pos < m_text.size()
                && (m_text[m_pos] == '\'' || m_text[m_pos] == '"')) {
                return parseString();
            }
            PyValue v;
            if (word == "True" || word == "False") {
                v.kind = PyValue::Kind::Bool;
                v.flag = word == "True";
                return v;
            }
            if (word == "None") {
                return v;
            }
            m_pos = start;
            fail("unexpected '" + excerpt(word, 20) + "'");
        }
        fail("unexpected '" + excerpt(m_text.substr(m_pos, 1)) + "'");
    }

    PyValue parseString()
    {
        const char quote = m_text[m_pos++];
        PyValue v;
        v.kind = PyValue::Kind::Str;
        while (true) {
            if (m_pos >= m_text.size()) {
                fail("unterminated string");
            }
            const char c = m_text[m_pos++];
            if (c == quote) {
                return v;
            }
            if (c == '\n') {
                fail("line break inside a string");
            }
            if (c == '\\') {
                if (m_pos >= m_text.size()) {
                    fail("unterminated string");
                }
                const char e = m_text[m_pos++];
                switch (e) {
                case 'n':
                    v.str += '\n';
                    break;
                case 't':
                    v.str += '\t';
                    break;
                default:
                    v.str += e; // \\, \', \" and anything else we do not need to interpret
                }
                continue;
            }
            v.str += c;
        }
    }

    PyValue parseInt()
    {
        bool negative = false;
        if (m_text[m_pos] == '-' || m_text[m_pos] == '+') {
            negative = m_text[m_pos] == '-';
            ++m_pos;
            skipSpace();
        }
        if (m_pos >= m_text.size() || m_text[m_pos] < '0' || m_text[m_pos] > '9') {
            fail("expected a digit");
        }
        const std::size_t start = m_pos;
        std::uint64_t magnitude = 0;
        bool overflow = false;
        while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') {
            const auto digit = static_cast<std::uint64_t>(m_text[m_pos] - '0');
            if (magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
                overflow = true;
            } else {
                magnitude = magnitude * 10 + digit;
            }
            ++m_pos;
        }
        // Python 2 numpy wrote longs as "3L".
        if (m_pos < m_text.size() && (m_text[m_pos] == 'L' || m_text[m_pos] == 'l')) {
            ++m_pos;
        }
        if (m_pos < m_text.size() && (m_text[m_pos] == '.' || m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
            fail("expected an integer, found a float");
        }
        if (overflow || magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            const std::string_view digits = m_text.substr(start, m_pos - start);
            m_pos = start;
            fail("integer " + excerpt(digits, 30) + " does not fit in 64 bits");
        }
        PyValue v;
        v.kind = PyValue::Kind::Int;
        v.integer = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
        return v;
    }

    // Tuples and lists. "(5)" is the int 5 in Python, "(5,)" the 1-tuple; we keep that distinction so
    // "shape: (5)" is reported as not-a-tuple like numpy does.
    PyValue parseSequence(int depth)
    {
        const char open = m_text[m_pos++];
        const char close = open == '(' ? ')' : ']';
        PyValue v;
        v.kind = open == '(' ? PyValue::Kind::Tuple : PyValue::Kind::List;
        bool sawComma = false;
        while (true) {
            if (peek() == close) {
                ++m_pos;
                break;
            }
            v.items.push_back(parseValue(depth + 1));
            const char next = peek();
            if (next == ',') {
                sawComma = true;
                ++m_pos;
            } else if (next != close) {
                fail(std::string("expected ',' or '") + close + "'");
            }
        }
        if (open == '(' && v.items.size() == 1 && !sawComma) {
            return std::move(v.items.front());
        }
        return v;
    }

    PyValue parseDict(int depth)
    {
        ++m_pos;
        PyValue v;
        v.kind = PyValue::Kind::Dict;
        while (true) {
            if (peek() == '}') {
                ++m_pos;
                return v;
            }
            const char q = peek();
            if (q != '\'' && q != '"') {
                fail("expected a string key");
            }
            std::string key = parseString().str;
            if (peek() != ':') {
                fail("expected ':' after key '" + excerpt(key, 30) + "'");
            }
            ++m_pos;
            PyValue value = parseValue(depth + 1);
            // Python keeps the last of duplicate keys.
            auto it = std::find(v.keys.begin(), v.keys.end(), key);
            if (it != v.keys.end()) {
                v.items[static_cast<std::size_t>(it - v.keys.begin())] = std::move(value);
            } else {
                v.keys.push_back(std::move(key));
                v.items.push_back(std::move(value));
            }
            const char next = peek();
            if (next == ',') {
                ++m_pos;
            } else if (next != '}') {
                fail("expected ',' or '}'");
            }
        }
    }

    std::string_view m_text;
    const std::string& m_file;
    std::size_t m_pos = 0;
};

// ---------------------------------------------------------------------------------------------------

struct DTypeInfo
{
    NpyDType dtype;
    bool swap; // stored in the other byte order than ours
};

DTypeInfo parseDescr(const std::string& descr, const std::string& file)
{
    const std::string quoted = "'" + excerpt(descr, 40) + "'";
    if (descr.empty()) {
        throw FileError(file, "malformed header: empty dtype descr");
    }
    char order = '=';
    std::string body = descr;
    if (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=') {
        order = descr[0];
        body = descr.substr(1);
    }
    if (body == "O" || body.rfind("O", 0) == 0) {
        throw FileError(
            file, "unsupported dtype " + quoted + " (object): object arrays hold pickled Python objects, not numbers");
    }
    static const std::pair<const char*, NpyDType> known[] = {
        {"b1", NpyDType::Bool},
        {"?", NpyDType::Bool},
        {"u1", NpyDType::UInt8},
        {"i1", NpyDType::Int8},
        {"i2", NpyDType::Int16},
        {"u2", NpyDType::UInt16},
        {"i4", NpyDType::Int32},
        {"u4", NpyDType::UInt32},
        {"i8", NpyDType::Int64},
        {"u8", NpyDType::UInt64},
        {"f2", NpyDType::Float16},
        {"f4", NpyDType::Float32},
        {"f8", NpyDType::Float64},
    };
    for (const auto& [name, dtype] : known) {
        if (body == name) {
            const bool bigFile = order == '>';
            const bool littleFile = order == '<';
            const bool swap = npyItemSize(dtype) > 1 && ((kNativeLittle && bigFile) || (!kNativeLittle && littleFile));
            return {dtype, swap};
        }
    }
    std::string what;
    if (body == "c8") {
        what = "complex64";
    } else if (body == "c16") {
        what = "complex128";
    } else if (body == "c32" || body == "c24") {
        what = "complex256";
    } else if (body == "f16" || body == "f12") {
        what = "float128 / long double";
    } else if (!body.empty() && body[0] == 'c') {
        what = "complex";
    } else if (!body.empty() && body[0] == 'U') {
        what = "unicode strings";
    } else if (!body.empty() && (body[0] == 'S' || body[0] == 'a')) {
        what = "byte strings";
    } else if (!body.empty() && body[0] == 'V') {
        what = "raw void records";
    } else if (body.rfind("M8", 0) == 0) {
        what = "datetime64";
    } else if (body.rfind("m8", 0) == 0) {
        what = "timedelta64";
    } else {
        what = "not a numeric dtype we know";
    }
    throw FileError(file, "unsupported dtype " + quoted + " (" + what + ")");
}

struct Header
{
    Shape shape;
    DTypeInfo type {NpyDType::Float32, false};
    bool fortranOrder = false;
    std::uint64_t dataBytes = 0;
};

const PyValue* findKey(const PyValue& dict, std::string_view key)
{
    for (std::size_t i = 0; i < dict.keys.size(); ++i) {
        if (dict.keys[i] == key) {
            return &dict.items[i];
        }
    }
    return nullptr;
}

Header parseHeader(std::string_view text, const std::string& file)
{
    const PyValue dict = LiteralParser(text, file).parseWhole();
    if (dict.kind != PyValue::Kind::Dict) {
        throw FileError(file, "malformed header: expected a dictionary, got \"" + excerpt(text) + "\"");
    }
    const PyValue* descr = findKey(dict, "descr");
    const PyValue* fortran = findKey(dict, "fortran_order");
    const PyValue* shape = findKey(dict, "shape");
    const std::pair<const char*, const PyValue*> required[]
        = {{"descr", descr}, {"fortran_order", fortran}, {"shape", shape}};
    for (const auto& [key, value] : required) {
        if (value == nullptr) {
            throw FileError(file, std::string("malformed header: no '") + key + "' key in \"" + excerpt(text) + "\"");
        }
    }
    // numpy.load refuses other keys too; a file it cannot load is not one we should guess about.
    for (const std::string& key : dict.keys) {
        if (key != "descr" && key != "fortran_order" && key != "shape") {
            throw FileError(file,
                "malformed header: unexpected key '" + excerpt(key, 30)
                    + "' (a .npy header has only 'descr', 'fortran_order' and 'shape')");
        }
    }
    Header h;
    if (descr->kind == PyValue::Kind::List) {
        throw FileError(file, "unsupported dtype: structured (record) arrays are not supported");
    }
    if (descr->kind != PyValue::Kind::Str) {
        throw FileError(file, "malformed header: 'descr' is not a string");
    }
    if (fortran->kind != PyValue::Kind::Bool) {
        throw FileError(file, "malformed header: 'fortran_order' is not True or False");
    }
    if (shape->kind != PyValue::Kind::Tuple) {
        throw FileError(file, "malformed header: 'shape' is not a tuple");
    }
    for (const PyValue& d : shape->items) {
        if (d.kind != PyValue::Kind::Int) {
            throw FileError(file, "malformed header: 'shape' holds a non-integer");
        }
        if (d.integer < 0) {
            throw FileError(file, "malformed header: negative dimension " + std::to_string(d.integer) + " in 'shape'");
        }
        h.shape.push_back(d.integer);
    }
    h.type = parseDescr(descr->str, file);
    h.fortranOrder = fortran->flag;

    // Volume and byte count with overflow checks: the shape is untrusted.
    std::uint64_t bytes = npyItemSize(h.type.dtype);
    bool overflow = false;
    for (Index d : h.shape) {
        const auto ud = static_cast<std::uint64_t>(d);
        if (ud != 0 && bytes > std::numeric_limits<std::uint64_t>::max() / ud) {
            overflow = true;
        }
        bytes *= ud;
    }
    // Anything whose element count does not fit our Index type is unusable regardless of the file size.
    // (Checked even when a later dimension is 0: shapeVolume() and numpy's own size arithmetic overflow too.)
    if (overflow || bytes > static_cast<std::uint64_t>(std::numeric_limits<Index>::max())) {
        throw FileError(file,
            "declared shape " + shapeToString(h.shape) + " of " + npyDTypeName(h.type.dtype)
                + " is absurdly large (more than 2^63 bytes)");
    }
    h.dataBytes = bytes;
    return h;
}

struct Preamble
{
    std::size_t headerOffset = 0;
    std::size_t headerLength = 0;
    bool utf8 = false;
};

// `prefix` holds the first min(12, totalSize) bytes.
Preamble parsePreamble(
    const unsigned char* prefix, std::size_t available, std::uint64_t totalSize, const std::string& file)
{
    if (totalSize == 0) {
        throw FileError(file, "empty file, not a .npy array");
    }
    const std::size_t magicBytes = std::min(available, kMagicLength);
    if (std::memcmp(prefix, kMagic, magicBytes) != 0) {
        throw FileError(file,
            "not a .npy file: bad magic \""
                + excerpt(std::string_view(reinterpret_cast<const char*>(prefix), magicBytes))
                + "\" (expected \"\\x93NUMPY\")");
    }
    if (available < kMagicLength + 2) {
        throw FileError(file, "truncated: file has " + sizeText(totalSize) + ", ends inside the .npy preamble");
    }
    const int major = prefix[6];
    const int minor = prefix[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        throw FileError(file,
            "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor)
                + " (known: 1.0, 2.0, 3.0)");
    }
    const std::size_t lengthBytes = major == 1 ? 2 : 4;
    Preamble p;
    p.headerOffset = kMagicLength + 2 + lengthBytes;
    p.utf8 = major == 3;
    if (available < p.headerOffset) {
        throw FileError(file, "truncated: file has " + sizeText(totalSize) + ", ends inside the .npy preamble");
    }
    std::uint64_t length = 0;
    for (std::size_t i = 0; i < lengthBytes; ++i) {
        length |= static_cast<std::uint64_t>(prefix[kMagicLength + 2 + i]) << (8 * i);
    }
    if (length > totalSize - p.headerOffset) {
        throw FileError(file,
            "truncated: header length field says " + sizeText(length) + ", file has only "
                + sizeText(totalSize - p.headerOffset) + " after the preamble");
    }
    if (length > kMaxHeaderLength) {
        throw FileError(file,
            "malformed header: header length " + sizeText(length) + " exceeds the " + sizeText(kMaxHeaderLength)
                + " limit");
    }
    p.headerLength = static_cast<std::size_t>(length);
    return p;
}

void checkDataSize(const Header& h, std::uint64_t available, const std::string& file)
{
    if (h.dataBytes > available) {
        throw FileError(file,
            "truncated: header says " + sizeText(h.dataBytes) + " of data (shape " + shapeToString(h.shape) + ", "
                + npyDTypeName(h.type.dtype) + "), file has " + std::to_string(available));
    }
}

// Byte order and memory order of the raw data in place.
void normalise(NpyArray& array, const Header& h)
{
    const std::size_t item = npyItemSize(array.dtype);
    const std::size_t count = array.bytes.size() / item;
    if (h.type.swap) {
        for (std::size_t i = 0; i < count; ++i) {
            std::reverse(array.bytes.begin() + static_cast<std::ptrdiff_t>(i * item),
                array.bytes.begin() + static_cast<std::ptrdiff_t>((i + 1) * item));
        }
    }
    if (h.fortranOrder && array.shape.size() > 1 && count > 0) {
        // Walk the C-order index and track the offset of the same element in Fortran (column-major) order.
        const std::size_t rank = array.shape.size();
        std::vector<std::size_t> dims(rank);
        std::vector<std::size_t> fStride(rank);
        std::size_t stride = 1;
        for (std::size_t k = 0; k < rank; ++k) {
            dims[k] = static_cast<std::size_t>(array.shape[k]);
            fStride[k] = stride;
            stride *= dims[k];
        }
        std::vector<unsigned char> c(array.bytes.size());
        std::vector<std::size_t> idx(rank, 0);
        std::size_t fOffset = 0;
        for (std::size_t i = 0; i < count; ++i) {
            std::memcpy(c.data() + i * item, array.bytes.data() + fOffset * item, item);
            std::size_t k = rank - 1;
            ++idx[k];
            fOffset += fStride[k];
            while (idx[k] == dims[k] && k > 0) {
                fOffset -= dims[k] * fStride[k];
                idx[k] = 0;
                --k;
                ++idx[k];
                fOffset += fStride[k];
            }
        }
        array.bytes = std::move(c);
    }
}

template <typename T> T loadAt(const std::vector<unsigned char>& bytes, std::size_t i)
{
    T v;
    std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
    return v;
}

float halfToFloat(std::uint16_t h)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000U) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1fU;
    std::uint32_t mantissa = h & 0x3ffU;
    std::uint32_t bits = 0;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            // Subnormal half: normalise into a float32 normal number.
            int e = -1;
            do {
                ++e;
                mantissa <<= 1;
            } while ((mantissa & 0x400U) == 0);
            bits = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3ffU) << 13);
        }
    } else if (exponent == 0x1f) {
        bits = sign | 0x7f800000U | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    return std::bit_cast<float>(bits);
}

// Element i as double (exact for every supported dtype except 64-bit integers beyond 2^53, which are
// rejected for float conversion anyway).
double valueAt(const NpyArray& a, std::size_t i)
{
    switch (a.dtype) {
    case NpyDType::Bool:
        return a.bytes[i] != 0 ? 1.0 : 0.0;
    case NpyDType::UInt8:
        return a.bytes[i];
    case NpyDType::Int8:
        return loadAt<std::int8_t>(a.bytes, i);
    case NpyDType::Int16:
        return loadAt<std::int16_t>(a.bytes, i);
    case NpyDType::UInt16:
        return loadAt<std::uint16_t>(a.bytes, i);
    case NpyDType::Int32:
        return loadAt<std::int32_t>(a.bytes, i);
    case NpyDType::UInt32:
        return loadAt<std::uint32_t>(a.bytes, i);
    case NpyDType::Int64:
        return static_cast<double>(loadAt<std::int64_t>(a.bytes, i));
    case NpyDType::UInt64:
        return static_cast<double>(loadAt<std::uint64_t>(a.bytes, i));
    case NpyDType::Float16:
        return halfToFloat(loadAt<std::uint16_t>(a.bytes, i));
    case NpyDType::Float32:
        return loadAt<float>(a.bytes, i);
    case NpyDType::Float64:
        return loadAt<double>(a.bytes, i);
    }
    return 0.0;
}

std::string integerText(const NpyArray& a, std::size_t i)
{
    if (a.dtype == NpyDType::Int64) {
        return std::to_string(loadAt<std::int64_t>(a.bytes, i));
    }
    if (a.dtype == NpyDType::UInt64) {
        return std::to_string(loadAt<std::uint64_t>(a.bytes, i));
    }
    return std::to_string(static_cast<std::int64_t>(valueAt(a, i)));
}

std::string numberText(double v)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", v);
    return buffer;
}

void checkConsistent(const NpyArray& array, const std::string& file)
{
    Index volume = 0;
    try {
        volume = shapeVolume(array.shape);
    } catch (const std::invalid_argument& e) {
        throw FileError(file, e.what());
    }
    if (array.bytes.size() != static_cast<std::uint64_t>(volume) * npyItemSize(array.dtype)) {
        throw FileError(file,
            "array of shape " + shapeToString(array.shape) + " and dtype " + array.dtypeName() + " needs "
                + sizeText(static_cast<std::uint64_t>(volume) * npyItemSize(array.dtype)) + ", holds "
                + std::to_string(array.bytes.size()));
    }
}

std::string descrFor(NpyDType dtype)
{
    const std::size_t item = npyItemSize(dtype);
    const char order = item == 1 ? '|' : (kNativeLittle ? '<' : '>');
    const char* body = "";
    switch (dtype) {
    case NpyDType::Bool:
        body = "b1";
        break;
    case NpyDType::UInt8:
        body = "u1";
        break;
    case NpyDType::Int8:
        body = "i1";
        break;
    case NpyDType::Int16:
        body = "i2";
        break;
    case NpyDType::UInt16:
        body = "u2";
        break;
    case NpyDType::Int32:
        body = "i4";
        break;
    case NpyDType::UInt32:
        body = "u4";
        break;
    case NpyDType::Int64:
        body = "i8";
        break;
    case NpyDType::UInt64:
        body = "u8";
        break;
    case NpyDType::Float16:
        body = "f2";
        break;
    case NpyDType::Float32:
        body = "f4";
        break;
    case NpyDType::Float64:
        body = "f8";
        break;
    }
    return std::string(1, order) + body;
}

// Python's repr of a shape tuple: "()", "(5,)", "(2, 3)".
std::string pythonTuple(const Shape& shape)
{
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) {
            s += ", ";
        }
        s += std::to_string(shape[i]);
    }
    if (shape.size() == 1) {
        s += ",";
    }
    return s + ")";
}

} // namespace

std::size_t npyItemSize(NpyDType dtype)
{
    switch (dtype) {
    case NpyDType::Bool:
    case NpyDType::UInt8:
    case NpyDType::Int8:
        return 1;
    case NpyDType::Int16:
    case NpyDType::UInt16:
    case NpyDType::Float16:
        return 2;
    case NpyDType::Int32:
    case NpyDType::UInt32:
    case NpyDType::Float32:
        return 4;
    case NpyDType::Int64:
    case NpyDType::UInt64:
    case NpyDType::Float64:
        return 8;
    }
    return 1;
}

std::string npyDTypeName(NpyDType dtype)
{
    switch (dtype) {
    case NpyDType::Bool:
        return "bool";
    case NpyDType::UInt8:
        return "uint8";
    case NpyDType::Int8:
        return "int8";
    case NpyDType::Int16:
        return "int16";
    case NpyDType::UInt16:
        return "uint16";
    case NpyDType::Int32:
        return "int32";
    case NpyDType::UInt32:
        return "uint32";
    case NpyDType::Int64:
        return "int64";
    case NpyDType::UInt64:
        return "uint64";
    case NpyDType::Float16:
        return "float16";
    case NpyDType::Float32:
        return "float32";
    case NpyDType::Float64:
        return "float64";
    }
    return "unknown";
}

bool NpyArray::isInteger() const
{
    switch (dtype) {
    case NpyDType::UInt8:
    case NpyDType::Int8:
    case NpyDType::Int16:
    case NpyDType::UInt16:
    case NpyDType::Int32:
    case NpyDType::UInt32:
    case NpyDType::Int64:
    case NpyDType::UInt64:
        return true;
    default:
        return false;
    }
}

bool NpyArray::isFloat() const
{
    return dtype == NpyDType::Float16 || dtype == NpyDType::Float32 || dtype == NpyDType::Float64;
}

Index NpyArray::size() const
{
    return static_cast<Index>(bytes.size() / npyItemSize(dtype));
}

NpyArray decodeNpy(const unsigned char* data, std::size_t size, const std::string& nameForErrors)
{
    const Preamble p = parsePreamble(data, std::min<std::size_t>(size, 12), size, nameForErrors);
    const std::string_view text(reinterpret_cast<const char*>(data) + p.headerOffset, p.headerLength);
    const Header h = parseHeader(text, nameForErrors);
    const std::size_t dataOffset = p.headerOffset + p.headerLength;
    checkDataSize(h, size - dataOffset, nameForErrors);
    NpyArray array;
    array.shape = h.shape;
    array.dtype = h.type.dtype;
    array.bytes.assign(data + dataOffset, data + dataOffset + h.dataBytes);
    normalise(array, h);
    return array;
}

NpyArray readNpy(const std::string& path)
{
    InputFile file = openInputFile(path, "a .npy file");
    std::ifstream& in = file.stream;
    const std::uint64_t fileSize = file.size;

    unsigned char prefix[12] = {};
    const auto prefixLength = static_cast<std::size_t>(std::min<std::uint64_t>(fileSize, sizeof prefix));
    in.read(reinterpret_cast<char*>(prefix), static_cast<std::streamsize>(prefixLength));
    if (!in) {
        throw FileError(path, "read error in the .npy preamble");
    }
    const Preamble p = parsePreamble(prefix, prefixLength, fileSize, path);

    std::string text(p.headerLength, '\0');
    in.seekg(static_cast<std::streamoff>(p.headerOffset), std::ios::beg);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (!in) {
        throw FileError(path, "read error in the .npy header");
    }
    const Header h = parseHeader(text, path);
    const std::uint64_t dataOffset = p.headerOffset + p.headerLength;
    // Checked before allocating: the header's shape is untrusted, the file size is not.
    checkDataSize(h, fileSize - dataOffset, path);

    // The array and the float32 tensor made from it are held together.
    checkFileMemory(h.dataBytes + h.dataBytes / npyItemSize(h.type.dtype) * sizeof(float), "reading the array", path);
    NpyArray array;
    array.shape = h.shape;
    array.dtype = h.type.dtype;
    array.bytes.resize(static_cast<std::size_t>(h.dataBytes));
    in.read(reinterpret_cast<char*>(array.bytes.data()), static_cast<std::streamsize>(array.bytes.size()));
    if (!in) {
        throw FileError(path, "read error in the array data");
    }
    normalise(array, h);
    return array;
}

Tensor toTensor(const NpyArray& array, const std::string& pathForErrors)
{
    checkConsistent(array, pathForErrors);
    const std::size_t count = static_cast<std::size_t>(array.size());
    std::vector<float> values(count);
    if (array.dtype == NpyDType::Float32) {
        if (count > 0) { // memcpy from an empty vector's null data() is undefined
            std::memcpy(values.data(), array.bytes.data(), count * sizeof(float));
        }
    } else {
        const bool integer = array.isInteger();
        for (std::size_t i = 0; i < count; ++i) {
            const double v = valueAt(array, i);
            if (integer && std::fabs(v) > kExactIntLimit) {
                throw FileError(pathForErrors,
                    array.dtypeName() + " value " + integerText(array, i) + " at index " + indexToString(array.shape, i)
                        + " is beyond +-2^24 and would not be exact as float32");
            }
            if (array.dtype == NpyDType::Float64 && std::isfinite(v)
                && std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
                throw FileError(pathForErrors,
                    "float64 value " + numberText(v) + " at index " + indexToString(array.shape, i)
                        + " is out of float32 range");
            }
            values[i] = static_cast<float>(v);
        }
    }
    return Tensor(array.shape, std::move(values));
}

Mask toMask(const NpyArray& array, const std::string& pathForErrors)
{
    checkConsistent(array, pathForErrors);
    if (array.shape.size() != 2) {
        throw FileError(pathForErrors,
            "a mask must have shape [batch, steps], got shape " + shapeToString(array.shape) + " (rank "
                + std::to_string(array.shape.size()) + ")");
    }
    const std::size_t count = static_cast<std::size_t>(array.size());
    std::vector<std::uint8_t> keep(count);
    for (std::size_t i = 0; i < count; ++i) {
        const double v = valueAt(array, i);
        if (array.isFloat() && v != 0.0 && v != 1.0) {
            throw FileError(pathForErrors,
                "mask value " + numberText(v) + " at index " + indexToString(array.shape, i) + " is neither 0 nor 1");
        }
        // For 64-bit integers valueAt may round, but never a non-zero value to zero.
        keep[i] = v != 0.0 ? 1 : 0;
    }
    return Mask(array.shape[0], array.shape[1], std::move(keep));
}

namespace {

// The magic, version, header length and header numpy.save writes before the data.
std::vector<unsigned char> encodeNpyPreamble(const Shape& shape, NpyDType dtype, std::size_t dataBytes)
{
    // Exactly numpy.lib.format._write_array_header (numpy >= 1.23): sorted keys, trailing ", ", then spare
    // spaces so the leading dimension can grow in place, then _wrap_header's padding to 64 bytes and '\n'.
    std::string header
        = "{'descr': '" + descrFor(dtype) + "', 'fortran_order': False, 'shape': " + pythonTuple(shape) + ", }";
    if (!shape.empty()) {
        constexpr std::size_t kGrowthAxisMaxDigits = 21;
        header.append(kGrowthAxisMaxDigits - std::to_string(shape.front()).size(), ' ');
    }
    const std::size_t withNewline = header.size() + 1;
    std::size_t lengthBytes = 2;
    std::size_t pad = 64 - ((kMagicLength + 2 + lengthBytes + withNewline) % 64);
    unsigned char major = 1;
    if (withNewline + pad > 0xffff) {
        major = 2;
        lengthBytes = 4;
        pad = 64 - ((kMagicLength + 2 + lengthBytes + withNewline) % 64);
    }
    header.append(pad, ' ');
    header += '\n';

    std::vector<unsigned char> out;
    out.reserve(kMagicLength + 2 + lengthBytes + header.size() + dataBytes);
    out.insert(out.end(), std::begin(kMagic), std::end(kMagic));
    out.push_back(major);
    out.push_back(0);
    for (std::size_t i = 0; i < lengthBytes; ++i) {
        out.push_back(static_cast<unsigned char>((header.size() >> (8 * i)) & 0xffU));
    }
    out.insert(out.end(), header.begin(), header.end());
    return out;
}

} // namespace

std::vector<unsigned char> encodeNpy(const Shape& shape, NpyDType dtype, const void* values)
{
    const Index volume = shapeVolume(shape); // throws std::invalid_argument for negative dims
    const std::size_t dataBytes = static_cast<std::size_t>(volume) * npyItemSize(dtype);
    std::vector<unsigned char> out = encodeNpyPreamble(shape, dtype, dataBytes);
    const auto* bytes = static_cast<const unsigned char*>(values);
    if (dataBytes > 0) {
        out.insert(out.end(), bytes, bytes + dataBytes);
    }
    return out;
}

std::vector<unsigned char> encodeNpy(const Tensor& tensor)
{
    return encodeNpy(tensor.shape(), NpyDType::Float32, tensor.data());
}

namespace {

void writeEncoded(const std::string& path, const Shape& shape, NpyDType dtype, const void* values)
{
    std::vector<unsigned char> bytes;
    try {
        bytes = encodeNpy(shape, dtype, values);
    } catch (const std::invalid_argument& e) {
        throw FileError(path, std::string("cannot write: ") + e.what());
    }
    AtomicFile::writeBytes(path, bytes.data(), bytes.size());
}

} // namespace

void writeNpy(const std::string& path, const NpyArray& array)
{
    checkConsistent(array, path);
    writeEncoded(path, array.shape, array.dtype, array.bytes.data());
}

void writeNpy(const std::string& path, const Tensor& tensor)
{
    writeEncoded(path, tensor.shape(), NpyDType::Float32, tensor.data());
}

void writeNpy(const std::string& path, const Shape& shape, const std::uint8_t* values, bool asBool)
{
    if (!asBool) {
        writeEncoded(path, shape, NpyDType::UInt8, values);
        return;
    }
    Index volume = 0;
    try {
        volume = shapeVolume(shape);
    } catch (const std::invalid_argument& e) {
        throw FileError(path, std::string("cannot write: ") + e.what());
    }
    // numpy bools must be exactly 0 or 1 bytes.
    std::vector<std::uint8_t> normalised(static_cast<std::size_t>(volume));
    for (std::size_t i = 0; i < normalised.size(); ++i) {
        normalised[i] = values[i] != 0 ? 1 : 0;
    }
    writeEncoded(path, shape, NpyDType::Bool, normalised.data());
}

void writeNpyInt32(const std::string& path, const Shape& shape, const std::int32_t* values)
{
    writeEncoded(path, shape, NpyDType::Int32, values);
}

void writeNpyFloat32Rows(const std::string& path, const Shape& shape, Index rowLength, Index rowsPerBlock,
    const std::function<void(float*, Index, Index)>& fillRows)
{
    std::vector<unsigned char> preamble;
    Index rows = 0;
    try {
        const Index volume = shapeVolume(shape);
        if (volume > 0 && (rowLength <= 0 || volume % rowLength != 0)) {
            throw std::invalid_argument(
                "rows of " + std::to_string(rowLength) + " floats do not divide shape " + shapeToString(shape));
        }
        rows = volume > 0 ? volume / rowLength : 0;
        preamble = encodeNpyPreamble(shape, NpyDType::Float32, 0);
    } catch (const std::invalid_argument& e) {
        throw FileError(path, std::string("cannot write: ") + e.what());
    }
    AtomicFile file(path);
    {
        std::ofstream out(file.tempPath(), std::ios::binary | std::ios::trunc);
        if (!out) {
            const int error = errno;
            throw FileError(path, "cannot create temporary file " + file.tempPath() + ": " + std::strerror(error));
        }
        out.write(reinterpret_cast<const char*>(preamble.data()), static_cast<std::streamsize>(preamble.size()));
        const Index perBlock = std::clamp<Index>(rowsPerBlock, 1, std::max<Index>(1, rows));
        std::vector<float> block(static_cast<std::size_t>(std::min(perBlock, rows) * rowLength));
        for (Index first = 0; first < rows && out; first += perBlock) {
            const Index count = std::min(perBlock, rows - first);
            fillRows(block.data(), first, count);
            out.write(reinterpret_cast<const char*>(block.data()),
                static_cast<std::streamsize>(static_cast<std::size_t>(count * rowLength) * sizeof(float)));
        }
        out.flush();
        if (!out) {
            const int error = errno;
            throw FileError(path,
                "cannot write " + std::to_string(rows * rowLength) + " floats to temporary file " + file.tempPath()
                    + ": " + std::strerror(error));
        }
        out.close();
        if (out.fail()) {
            throw FileError(path, "cannot close temporary file " + file.tempPath());
        }
    }
    file.commit();
}

} // namespace rnnscope::io
