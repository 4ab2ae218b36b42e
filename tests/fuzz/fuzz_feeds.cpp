#include "fuzz_feeds.h"

#include <optional>
#include <stdexcept>

#include "core/io/file_error.h"
#include "core/io/keras_config.h"
#include "core/io/keras_h5.h"
#include "core/io/model_loader.h"
#include "core/io/npy.h"
#include "core/io/sequence_readers.h"
#include "core/io/session_file.h"
#include "core/io/trace_reader.h"
#include "fuzz_support.h"

namespace rnnscope::fuzz {

namespace {

// Runs one reader call; an io::FileError joins `refusals`, anything else escapes.
template <typename F> void readOrRefuse(Refusals& refusals, const std::vector<std::string>& files, F&& read)
{
    try {
        read();
    } catch (const io::FileError& e) {
        refusals.push_back({e.what(), files});
    }
}

} // namespace

bool Refusal::namesAFile() const
{
    for (const std::string& f : files) {
        if (message.find(f) != std::string::npos) {
            return true;
        }
    }
    return false;
}

Refusals feedH5Model(std::string_view bytes)
{
    const ScratchFile model(bytes, "model.h5");
    Refusals refusals;
    readOrRefuse(refusals, {model.path()}, [&] { io::loadModel(model.path(), std::nullopt); });
    return refusals;
}

Refusals feedWeights(std::string_view bytes)
{
    const TwoParts parts = splitTwoParts(bytes);
    const ScratchFile config(parts.first, "config.json");
    const ScratchFile weights(parts.second, "model.weights.h5");
    Refusals refusals;
    readOrRefuse(refusals, {config.path(), weights.path()}, [&] { io::loadModel(config.path(), weights.path()); });
    return refusals;
}

Refusals feedKerasArchive(std::string_view bytes)
{
    const ScratchFile archive(bytes, "model.keras");
    Refusals refusals;
    readOrRefuse(refusals, {archive.path()}, [&] { io::loadModel(archive.path(), std::nullopt); });
    return refusals;
}

Refusals feedConfigJson(std::string_view bytes)
{
    const std::string name = "config.json";
    Refusals refusals;
    readOrRefuse(refusals, {name}, [&] {
        const io::KerasConfigFile file = io::parseKerasConfigJson(std::string(bytes), name);
        const io::KerasVersion version
            = file.version ? *file.version : io::KerasVersion::parse(bytes.size() % 2 == 0 ? "2.15.0" : "3.6.0", name);
        std::vector<std::string> warnings;
        io::modelFromKerasConfig(file.config, version, name, &warnings);
    });
    return refusals;
}

Refusals feedNpy(std::string_view bytes)
{
    const ScratchFile file(bytes, "input.npy");
    const std::vector<std::string> files {file.path()};
    Refusals refusals;
    std::optional<io::NpyArray> array;
    readOrRefuse(refusals, files, [&] { array = io::readNpy(file.path()); });
    if (array) {
        readOrRefuse(refusals, files, [&] { io::toTensor(*array, file.path()); });
        if (array->shape.size() == 2) {
            readOrRefuse(refusals, files, [&] { io::toMask(*array, file.path()); });
        }
    }
    return refusals;
}

Refusals feedCsv(std::string_view bytes)
{
    const ScratchFile file(bytes, "data.csv");
    Refusals refusals;
    readOrRefuse(refusals, {file.path()}, [&] { io::readSequences(file.path()); });
    io::SequenceOptions padded;
    padded.pad = true;
    padded.padSide = io::PadSide::Pre;
    readOrRefuse(refusals, {file.path()}, [&] { io::readSequences(file.path(), padded); });
    return refusals;
}

Refusals feedText(std::string_view bytes)
{
    const TwoParts parts = splitTwoParts(bytes);
    const ScratchFile vocab(parts.first, "vocab.json");
    const ScratchFile text(parts.second, "text.txt");
    const std::vector<std::string> files {vocab.path(), text.path()};
    Refusals refusals;

    io::SequenceOptions words;
    words.vocabFile = vocab.path();
    words.lower = true;
    readOrRefuse(refusals, files, [&] { io::readSequences("text:" + text.path(), words); });

    io::SequenceOptions chars;
    chars.vocabFile = vocab.path();
    chars.tokens = io::TokenMode::Chars;
    chars.oovId = 1;
    chars.padSide = io::PadSide::Post;
    readOrRefuse(refusals, files, [&] { io::readSequences("text:" + text.path(), chars); });
    return refusals;
}

Refusals feedSession(std::string_view bytes)
{
    const ScratchFile file(bytes, "work.rnnscope");
    Refusals refusals;
    readOrRefuse(refusals, {file.path()}, [&] {
        io::SessionFile session = io::readSession(file.path());
        for (io::SessionFileRef& ref : io::sessionFileRefs(session)) {
            if (ref.spec) {
                const std::string part = io::specFilePart(*ref.path);
                io::replaceSpecFilePart(*ref.path, part + ".moved");
            }
        }
    });
    return refusals;
}

Refusals feedTrace(std::string_view bytes)
{
    const ScratchFile file(bytes, "trace.h5");
    Refusals refusals;
    readOrRefuse(refusals, {file.path()}, [&] {
        io::TraceMetadata metadata;
        io::readTraceHdf5(file.path(), &metadata);
    });
    return refusals;
}

const std::vector<std::string>& targetNames()
{
    static const std::vector<std::string> names {
        "h5_model", "weights", "keras_archive", "config_json", "npy", "csv", "text", "session", "trace"};
    return names;
}

Refusals feedTarget(const std::string& target, std::string_view bytes)
{
    using Feed = Refusals (*)(std::string_view);
    static const std::vector<std::pair<std::string, Feed>> feeds {{"h5_model", feedH5Model}, {"weights", feedWeights},
        {"keras_archive", feedKerasArchive}, {"config_json", feedConfigJson}, {"npy", feedNpy}, {"csv", feedCsv},
        {"text", feedText}, {"session", feedSession}, {"trace", feedTrace}};
    for (const auto& [name, feed] : feeds) {
        if (name == target) {
            return feed(bytes);
        }
    }
    throw std::invalid_argument("no fuzz target named '" + target + "'");
}

} // namespace rnnscope::fuzz
