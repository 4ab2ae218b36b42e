#pragma once
// A 64-bit hash of bytes, for telling whether a layer's configuration and inputs are the same as in an earlier run
// (node_reuse.h). Eight bytes at a time with a multiply-xorshift mix: hashing a model's weights and inputs costs a
// fraction of a millisecond next to the run it may save. Not cryptographic; collisions are astronomically unlikely
// for data that is not built to collide.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rnnscope {

class ContentHash
{
public:
    ContentHash& bytes(const void* data, std::size_t size)
    {
        if (size == 0) {
            // An empty range may come with a null pointer (an empty vector's data()), which memcpy must not see.
            mix(0xE3779B97F4A7C15FULL);
            return *this;
        }
        const auto* p = static_cast<const unsigned char*>(data);
        std::size_t i = 0;
        for (; i + 8 <= size; i += 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, p + i, 8);
            mix(word);
        }
        std::uint64_t tail = 0;
        std::memcpy(&tail, p + i, size - i);
        mix(tail ^ (static_cast<std::uint64_t>(size) << 56));
        return *this;
    }
    ContentHash& text(std::string_view s) { return bytes(s.data(), s.size()); }
    ContentHash& number(std::uint64_t v)
    {
        mix(v);
        return *this;
    }
    std::uint64_t value() const { return m_state; }

private:
    void mix(std::uint64_t v)
    {
        m_state ^= v + 0x9E3779B97F4A7C15ULL + (m_state << 6) + (m_state >> 2);
        m_state *= 0xBF58476D1CE4E5B9ULL;
        m_state ^= m_state >> 31;
    }
    std::uint64_t m_state = 0x243F6A8885A308D3ULL;
};

} // namespace rnnscope
