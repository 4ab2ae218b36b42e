#pragma once
// How each fuzz target feeds its input to RNNScope's readers. The fuzz_<target>.cpp files call these from
// LLVMFuzzerTestOneInput, and tests/io/tst_fuzz_regressions.cpp replays every kept input through the same functions,
// so a regression test runs exactly what the fuzzer ran.
//
// A reader given garbage may only refuse it with io::FileError. Each feed catches those (one per reader call) and
// returns them; any other exception (std::bad_alloc included) escapes, which libFuzzer reports as a finding.

#include <string>
#include <string_view>
#include <vector>

namespace rnnscope::fuzz {

// One io::FileError a reader raised, and the files it was given (its message must name one of them).
struct Refusal
{
    std::string message;
    std::vector<std::string> files;
    bool namesAFile() const;
};
using Refusals = std::vector<Refusal>;

// Legacy full-model HDF5 (`model.save("m.h5")`) through io::loadModel: format detection, the global heap check,
// model_config, layer_names/weight_names and the weight datasets, model building and weight assignment. Mutations
// that turn the file into a zip or JSON reach those readers too.
Refusals feedH5Model(std::string_view bytes);

// Weights given apart from the model, legacy weights-only HDF5 (`save_weights("w.h5")`) and Keras 3 `.weights.h5`,
// through io::loadModel(config, weights) so that they are also mapped onto a model. Input: two parts (fuzz_support.h),
// a model config JSON and the weights file; make_seeds.sh pairs each weights file with its own config.
Refusals feedWeights(std::string_view bytes);

// Keras 3 `.keras` archives through io::loadModel: libzip, member size checks, metadata.json and config.json, the
// weights opened from memory and mapped onto the model.
Refusals feedKerasArchive(std::string_view bytes);

// Model config JSON (`model.to_json()`, its "model_config"/"modelTopology" wrappers, Keras 3's config.json):
// io::parseKerasConfigJson, then io::modelFromKerasConfig builds the model without weights (layer classes, options,
// shapes, graph wiring). Without a version in the file, the input's length picks Keras 2 or 3 rules.
Refusals feedConfigJson(std::string_view bytes);

// NumPy .npy through io::readNpy (magic, version, header dict, dtype, shape against the file size, byte order,
// Fortran order), then io::toTensor and, for 2-D arrays, io::toMask.
Refusals feedNpy(std::string_view bytes);

// A CSV file through io::readSequences (one sample per file, or a long table with sample and step columns;
// delimiters, headers, quoting, comments), as given and with padding of ragged input on. Content that starts like
// .npy reaches that reader.
Refusals feedCsv(std::string_view bytes);

// `text:FILE` through a vocabulary (Tokenizer.word_index JSON, a token list, or Tokenizer.to_json()) with
// io::readSequences: by lower-cased words with unknown tokens an error, and by characters with an OOV id. Input: two
// parts (fuzz_support.h), the vocabulary and the text.
Refusals feedText(std::string_view bytes);

// The debugger's .rnnscope session through io::readSession (JSON, format, version, every field's type, paths
// resolved against the session's folder), then io::sessionFileRefs and io::specFilePart / replaceSpecFilePart on
// every sequence spec, as the window does when files have moved.
Refusals feedSession(std::string_view bytes);

// RNNScope's trace files (HDF5, "rnnscope-trace") through io::readTraceHdf5: root attributes, the options JSON,
// every layer's datasets and their shapes against each other.
Refusals feedTrace(std::string_view bytes);

// The targets by name ("h5_model", "weights", "keras_archive", "config_json", "npy", "csv", "text", "session",
// "trace"), as tests/fuzz/CMakeLists.txt and regressions/<target>/ name them.
const std::vector<std::string>& targetNames();
Refusals feedTarget(const std::string& target, std::string_view bytes);

} // namespace rnnscope::fuzz
