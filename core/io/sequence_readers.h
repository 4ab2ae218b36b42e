#pragma once
// Input sequences from the files a Keras user already has: `.npy`, CSV, an HDF5 dataset, or text turned into
// ids through a vocabulary. One entry point, readSequences(spec), reads any of them into a float32 Tensor
// ([batch, steps, features], or [batch, steps] ids for Embedding models) plus a Mask when ragged sequences were
// padded. What a spec is comes from its syntax and the file's content, not from its extension alone:
//
//   text:FILE              one sequence per line, tokens turned into ids through options.vocabFile
//   FILE.h5:/group/x       an HDF5 dataset (the part after a ':' that follows an existing file; "group/x" too)
//   DIR                    every .csv/.tsv/.txt file in DIR, one sample per file, sorted by name
//   DIR/*.csv              the files a wildcard (* ? [...] in the file name only) matches, sorted by name
//   FILE                   .npy (by its magic bytes), or CSV: one sample per file (rows are timesteps,
//                          columns features) or a long table with a `sample` and a `step`/`time`/`t` column
//
// Every failure throws FileError naming the file and where in it ("data.csv: line 17: 3 values, expected 4
// (columns a,b,c,d)"). Sizes are checked before anything large is allocated.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace rnnscope::io {

enum class TokenMode {
    Words, // whitespace-separated tokens (Keras Tokenizer's default, char_level=False)
    Chars, // every Unicode character, spaces included (char_level=True)
};

enum class PadSide {
    Pre, // pad at the front: Keras pad_sequences's default
    Post, // pad at the end
};

struct SequenceOptions
{
    // Text (`text:FILE`).
    std::optional<std::string> vocabFile; // JSON object token -> id (Tokenizer.word_index), or Tokenizer.to_json()
    TokenMode tokens = TokenMode::Words;
    bool lower = false; // lowercase the text before the lookup, as Tokenizer(lower=True) does
    std::optional<std::int64_t> oovId; // id for tokens not in the vocabulary; without it they are an error

    // Ragged input. Text lines of different lengths are always padded (as pad_sequences does); CSV samples of
    // different lengths, and missing (sample, step) rows of a long table, only when `pad` is set.
    bool pad = false;
    float padValue = 0.0F;
    std::optional<PadSide> padSide; // unset: Pre for text (like pad_sequences), Post for CSV
};

enum class SequenceFormat { Npy, Hdf5Dataset, CsvFiles, Text };

struct SequenceData
{
    Tensor values;
    // [batch, steps], false at padded steps; only when padding was actually applied to CSV input.
    std::optional<Mask> mask;
    SequenceFormat format = SequenceFormat::Npy;
    // One line for the user, e.g. "3 CSV files in runs/ (header x,y) -> (3, 40, 2), 12 padded steps masked".
    std::string description;
};

// How a spec was understood, before any data is read. Exposed so the syntax can be checked on its own.
struct SequenceSpec
{
    enum class Kind {
        File, // a regular file: .npy or CSV, decided by content
        Directory, // its CSV files, one sample each
        Glob, // `path` is the pattern
        Hdf5Dataset, // `path` is the file, `dataset` the path inside it
        Text, // `path` is the text file
        Missing, // nothing exists at `path` (reading reports "no such file")
    };
    Kind kind = Kind::Missing;
    std::string path;
    std::string dataset;
};

SequenceSpec parseSequenceSpec(const std::string& spec);

SequenceData readSequences(const std::string& spec, const SequenceOptions& options = {});

// The largest tensor a reader builds (2^28 float32 values, 1 GiB): bigger input belongs in a .npy file, and
// a corrupt or mistaken file must not make us allocate more.
inline constexpr Index kMaxSequenceValues = Index {1} << 28;

} // namespace rnnscope::io
