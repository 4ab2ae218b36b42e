#pragma once
// Breakpoints in session files (session_file.h): one JSON object each, every field named.

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/breakpoints.h"

namespace rnnscope::io {

nlohmann::json breakpointToJson(const Breakpoint& breakpoint);
// Throws FileError(file, "field '<where><key>' ...") for a malformed entry.
Breakpoint breakpointFromJson(const nlohmann::json& object, const std::string& file, const std::string& where);

} // namespace rnnscope::io
