// plot for an rnnscope-cli built without the debugger's widgets (RNNSCOPE_BUILD_GUI=OFF): it draws with them, so
// here it can only say why it is missing.

#include "commands.h"

namespace rnnscope::cli {

int plotCommand(const std::vector<std::string>&, std::ostream&, std::ostream&)
{
    throw UsageError("plot is not available: this rnnscope-cli was built without Qt (RNNSCOPE_BUILD_GUI=OFF)");
}

} // namespace rnnscope::cli
