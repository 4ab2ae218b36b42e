// `rnnscope-cli convert MODEL OUT`: saves any model RNNScope opens as a Keras 3 `.keras` archive or a legacy Keras 2
// `.h5` file (core/io/keras_model_writer.h), chosen by OUT's extension. The output is written under a temporary name
// and renamed, so a failure leaves nothing under OUT.

#include <ostream>

#include "commands.h"
#include "core/io/keras_model_writer.h"
#include "core/io/model_loader.h"

namespace rnnscope::cli {

int convertCommand(const Arguments& args, std::ostream& out, std::ostream& warnings)
{
    io::LoadedModel loaded = io::loadModel(args.model, args.weights);
    for (const auto& w : loaded.warnings) {
        warnings << "warning: " << w << "\n";
    }
    io::saveKerasModel(*loaded.model, *args.convertOut);
    out << "Wrote " << *args.convertOut << " (" << loaded.model->className() << " \"" << loaded.model->name()
        << "\", from " << loaded.format << " written by Keras " << loaded.version.text << ")\n";
    return 0;
}

} // namespace rnnscope::cli
