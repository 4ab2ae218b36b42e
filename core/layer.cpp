#include "layer.h"

#include "content_hash.h"
#include "errors.h"

namespace rnnscope {

std::uint64_t Layer::configurationHash()
{
    ContentHash h;
    h.text(className()).text(describe());
    for (const auto& w : weights()) {
        h.text(w.name).bytes(w.shape.data(), w.shape.size() * sizeof(Index));
        h.bytes(w.data, static_cast<std::size_t>(shapeVolume(w.shape)) * sizeof(float));
    }
    return h.value();
}

void Layer::expectInputCount(std::size_t got, std::size_t want) const
{
    if (got != want) {
        throw ModelError("layer '" + name() + "' (" + className() + ") expects " + std::to_string(want)
            + " input(s), got " + std::to_string(got));
    }
}

} // namespace rnnscope
