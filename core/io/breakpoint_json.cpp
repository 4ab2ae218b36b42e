#include "breakpoint_json.h"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "file_error.h"

namespace rnnscope::io {

using nlohmann::json;

namespace {

constexpr std::array<std::pair<BreakKind, const char*>, 4> kKinds {{{BreakKind::AtStep, "step"},
    {BreakKind::NonFinite, "nan_inf"}, {BreakKind::Threshold, "threshold"}, {BreakKind::Saturation, "saturation"}}};
constexpr std::array<std::pair<CrossingDirection, const char*>, 3> kCrossings {{{CrossingDirection::Upward, "upward"},
    {CrossingDirection::Downward, "downward"}, {CrossingDirection::Either, "either"}}};
constexpr std::array<std::pair<HealthQuantityKind, const char*>, 4> kQuantities {{{HealthQuantityKind::State, "state"},
    {HealthQuantityKind::Gate, "gate"}, {HealthQuantityKind::Output, "output"}, {HealthQuantityKind::Input, "input"}}};

template <typename E, std::size_t N> const char* nameOf(const std::array<std::pair<E, const char*>, N>& table, E value)
{
    for (const auto& [v, name] : table) {
        if (v == value) {
            return name;
        }
    }
    return table.front().second;
}

template <typename E, std::size_t N>
E valueOf(const std::array<std::pair<E, const char*>, N>& table, const std::string& name, const std::string& file,
    const std::string& field)
{
    for (const auto& [v, n] : table) {
        if (name == n) {
            return v;
        }
    }
    std::string allowed;
    for (const auto& entry : table) {
        allowed += (allowed.empty() ? "" : ", ") + std::string(entry.second);
    }
    throw FileError(file, "field '" + field + "' is '" + name + "', not one of " + allowed);
}

template <typename T>
T get(const json& o, const char* key, const T& fallback, const std::string& file, const std::string& where)
{
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
        return fallback;
    }
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        throw FileError(file, "field '" + where + key + "' has the wrong type (" + it->type_name() + ")");
    }
}

} // namespace

json breakpointToJson(const Breakpoint& b)
{
    return json {{"id", b.id}, {"enabled", b.enabled}, {"kind", nameOf(kKinds, b.kind)}, {"step", b.step},
        {"any_series", b.anySeries},
        {"series",
            {{"layer", b.series.layer}, {"direction", b.series.direction}, {"cell", b.series.cell},
                {"kind", nameOf(kQuantities, b.series.kind)}, {"name", b.series.name}}},
        {"unit", b.unit ? json(*b.unit) : json(nullptr)}, {"threshold", b.threshold},
        {"crossing", nameOf(kCrossings, b.crossing)}, {"saturated_fraction", b.saturatedFraction}};
}

Breakpoint breakpointFromJson(const json& o, const std::string& file, const std::string& where)
{
    if (!o.is_object()) {
        throw FileError(file, "field '" + where.substr(0, where.size() - 1) + "' should be an object");
    }
    Breakpoint b;
    b.id = get<int>(o, "id", 0, file, where);
    b.enabled = get<bool>(o, "enabled", true, file, where);
    b.kind = valueOf(kKinds, get<std::string>(o, "kind", "step", file, where), file, where + "kind");
    b.step = get<Index>(o, "step", 0, file, where);
    b.anySeries = get<bool>(o, "any_series", true, file, where);
    if (const auto it = o.find("series"); it != o.end() && !it->is_null()) {
        if (!it->is_object()) {
            throw FileError(file, "field '" + where + "series' should be an object");
        }
        const std::string w = where + "series.";
        b.series.layer = get<int>(*it, "layer", 0, file, w);
        b.series.direction = get<int>(*it, "direction", -1, file, w);
        b.series.cell = get<int>(*it, "cell", 0, file, w);
        b.series.kind = valueOf(kQuantities, get<std::string>(*it, "kind", "state", file, w), file, w + "kind");
        b.series.name = get<std::string>(*it, "name", "h", file, w);
    }
    if (const auto it = o.find("unit"); it != o.end() && !it->is_null()) {
        b.unit = get<Index>(o, "unit", 0, file, where);
    }
    b.threshold = get<double>(o, "threshold", 0.0, file, where);
    b.crossing = valueOf(kCrossings, get<std::string>(o, "crossing", "either", file, where), file, where + "crossing");
    b.saturatedFraction = get<double>(o, "saturated_fraction", 0.5, file, where);
    return b;
}

} // namespace rnnscope::io
