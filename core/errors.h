#pragma once
// Errors raised by the engine. Each mirrors a ValueError that Keras itself would raise for the same model or
// call, and its message names the layer and the shapes involved.

#include <stdexcept>
#include <string>

namespace rnnscope {

// A model, call or option Keras would reject (wrong rank, mismatched shapes, unknown layer or option, ...).
class ModelError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace rnnscope
