#!/usr/bin/env bash
# Builds each fuzz target's seed corpus from the real Keras files of other people (../shared/real-models beside the
# repository) and the repository's fixtures (tests/data), plus the kept regression inputs (tests/fuzz/regressions).
#
#   tests/fuzz/make_seeds.sh OUT_DIR [REAL_MODELS_DIR]
#
# OUT_DIR/<target>/ gets one directory per target (h5_model, weights, keras_archive, config_json, npy, csv, text,
# session, trace); it must lie outside the source tree (a build directory). REAL_MODELS_DIR, or the environment
# variable RNNSCOPE_REAL_MODELS, overrides ../shared/real-models. Files larger than FUZZ_SEED_MAX_BYTES (default
# 1.1 MiB) are left out: every execution writes and parses the whole input, and big seeds slow the fuzzer down more
# than they add. RNNSCOPE_CLI (an rnnscope-cli binary; default: the one in OUT_DIR's build tree if any) is used to
# record a trace file as the trace reader's seed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:?usage: make_seeds.sh OUT_DIR [REAL_MODELS_DIR]}"
real="${2:-${RNNSCOPE_REAL_MODELS:-$repo/../shared/real-models}}"
max_bytes="${FUZZ_SEED_MAX_BYTES:-1153434}"
data="$repo/tests/data"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
case "$out/" in
"$repo"/build/*) ;;
"$repo"/*)
  echo "make_seeds.sh: $out is inside the source tree; give a build directory" >&2
  exit 2
  ;;
esac
if [ ! -d "$real" ]; then
  echo "make_seeds.sh: no real models at $real (give REAL_MODELS_DIR); using tests/data only" >&2
fi

targets=(h5_model weights keras_archive config_json npy csv text session trace)
for t in "${targets[@]}"; do
  rm -rf "${out:?}/$t"
  mkdir -p "$out/$t"
done
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# add TARGET FILE...: copies the files that exist and are small enough, prefixed by their folder so names stay unique.
add() {
  local target="$1"
  shift
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    [ "$(stat -c %s "$f")" -le "$max_bytes" ] || continue
    cp "$f" "$out/$target/$(basename "$(dirname "$f")")_$(basename "$f")"
  done
}

# pack TARGET NAME FIRST SECOND: the two-part input of fuzz_support.h (4-byte little-endian length, first, second).
pack() {
  local target="$1" name="$2" first="$3" second="$4"
  [ -f "$first" ] && [ -f "$second" ] || return 0
  local n
  n=$(stat -c %s "$first")
  [ $((n + $(stat -c %s "$second"))) -le "$max_bytes" ] || return 0
  # shellcheck disable=SC2059 # the format is built on purpose: four \xNN escapes
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)) $((n >> 16 & 255)) $((n >> 24 & 255)))" \
    >"$out/$target/$name"
  cat "$first" "$second" >>"$out/$target/$name"
}

shopt -s nullglob

# Legacy full models (and whatever else is HDF5: the loader must refuse it cleanly).
add h5_model "$real"/*.h5 "$data"/bad/*.h5 "$data"/real/*.h5

# .keras archives; their members feed the config and weights targets.
add keras_archive "$real"/*.keras "$data"/bad/*.keras
for archive in "$real"/*.keras "$data"/bad/*.keras; do
  stem="$(basename "$archive" .keras)"
  mkdir -p "$scratch/$stem"
  if unzip -qq -o "$archive" config.json model.weights.h5 -d "$scratch/$stem" 2>/dev/null; then
    pack weights "k3_$stem" "$scratch/$stem/config.json" "$scratch/$stem/model.weights.h5"
  fi
  [ -f "$scratch/$stem/config.json" ] && add config_json "$scratch/$stem/config.json"
done

# Legacy weights-only files with the configs that describe them, and the bad fixtures' weights with the good config.
pack weights dl4j_lstm_hardsig "$data/io/dl4j_lstm_hardsig_k213_config.json" "$real/dl4j_lstm_hardsig_k213_weights.h5"
pack weights dl4j_embedding "$data/real/dl4j_embedding_maskzero_lstm_k212_config.json" \
  "$data/real/dl4j_embedding_maskzero_lstm_k212_weights.h5"
for w in "$data"/bad/*weight*.h5 "$data"/bad/good_weights.h5 "$data"/bad/missing_*.h5; do
  pack weights "bad_$(basename "$w" .h5)" "$data/bad/good_config.json" "$w"
done

# Model configs: the golden configs (wrapped in "model_config"), real ones, and the bad fixtures.
add config_json "$data"/golden/*.json "$data"/io/*.json "$data"/bad/*.json "$real"/*config*.json \
  "$data"/real/*_config.json

# Arrays.
add npy "$data"/npy/*.npy "$data"/bad/*.npy "$data"/sequences/*.npy

# CSV sequences, one file each (directories and wildcards differ only in listing files).
add csv "$data"/sequences/*.csv "$data"/sequences/*.tsv "$data"/sequences/batch/* "$data"/sequences/ragged/*

# Text through vocabularies: every vocabulary with every text.
for vocab in "$data"/sequences/*vocab*.json "$data"/sequences/tokenizer.json; do
  for text in "$data"/sequences/*.txt; do
    pack text "$(basename "$vocab" .json)+$(basename "$text" .txt)" "$vocab" "$text"
  done
done

# Sessions: hand-written ones covering every field (the debugger writes them; the tests keep none on disk).
add session "$here"/seeds/session/*

# Traces: one recorded by rnnscope-cli when a binary is at hand, and a few other HDF5 files to refuse.
cli="${RNNSCOPE_CLI:-}"
if [ -z "$cli" ] && [ -x "$out/../app/cli/rnnscope-cli" ]; then
  cli="$out/../app/cli/rnnscope-cli"
fi
if [ -n "$cli" ] && [ -x "$cli" ]; then
  if ASAN_OPTIONS=detect_leaks=0 "$cli" run "$data/bad/good_model.keras" --input "$data/bad/good_input.npy" \
    --out "$scratch/run" --trace "$scratch/trace.h5" >/dev/null 2>&1; then
    add trace "$scratch/trace.h5"
  else
    echo "make_seeds.sh: $cli could not record a trace; the trace target starts from other HDF5 files" >&2
  fi
fi
add trace "$data/sequences/sequences.h5" "$data/bad/good_weights.h5" "$real/dl4j_lstm_hardsig_k213_io.h5"

# Every kept regression input goes back in, so the fuzzers start from what once broke them.
for t in "${targets[@]}"; do
  add "$t" "$here/regressions/$t"/*
done

for t in "${targets[@]}"; do
  printf '%-14s %4d seeds\n' "$t" "$(find "$out/$t" -type f | wc -l)"
done
