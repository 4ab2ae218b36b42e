#include "layer.h"

#include "errors.h"

namespace rnnscope {

void Layer::expectInputCount(std::size_t got, std::size_t want) const
{
    if (got != want) {
        throw ModelError("layer '" + name() + "' (" + className() + ") expects " + std::to_string(want)
            + " input(s), got " + std::to_string(got));
    }
}

} // namespace rnnscope
