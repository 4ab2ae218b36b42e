#!/usr/bin/python3
"""Writes the bad-input corpus of RNNScope: files that must be refused cleanly (exit 3, one line naming the file and
the problem, no crash, nothing half-written) or accepted with a warning (NaN/Inf values).

Everything is derived from the bundled example (resources/examples/bracket_depth.h5, a legacy Keras 2.15 model) so
nothing third-party is copied. MANIFEST.json lists each file with:
  class    what kind of damage (empty, wrong-magic, truncated, bit-flipped, archive-member, hdf5-structure,
           config, absurd-size, non-finite)
  role     how the CLI is given the file: model | config (with good weights) | weights (with the good config) |
           input | mask
  expect   "error" (exit 3) or "warning" (exit 0 and a warning line)
  mentions a fragment the one-line message must contain besides the file name (may be "")

Run with Debian's python3-h5py and python3-numpy:  /usr/bin/python3 tests/data/bad/make_corpus.py
Deterministic: running it twice gives identical files (HDF5 files are written without timestamps).
"""
import io
import json
import os
import shutil
import struct
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
EXAMPLE = os.path.join(ROOT, "resources", "examples", "bracket_depth.h5")
MANIFEST = []


def out(name):
    return os.path.join(HERE, name)


def add(name, cls, role, expect="error", mentions=""):
    assert os.path.exists(out(name)), name
    MANIFEST.append({"file": name, "class": cls, "role": role, "expect": expect, "mentions": mentions})


def write_bytes(name, data):
    with open(out(name), "wb") as f:
        f.write(data)


def read_example():
    """The example's config and weights, as plain Python/numpy values."""
    with h5py.File(EXAMPLE, "r") as f:
        config = json.loads(f.attrs["model_config"])
        weights = []
        mw = f["model_weights"]
        for layer in [n.decode() if isinstance(n, bytes) else n for n in mw.attrs["layer_names"]]:
            names = [n.decode() if isinstance(n, bytes) else n for n in mw[layer].attrs["weight_names"]]
            weights.append((layer, [(n, np.array(mw[layer][n])) for n in names]))
    return config, weights


def h5_file(name):
    # track_times=False keeps the files byte-identical between runs.
    return h5py.File(out(name), "w", libver="earliest", track_order=False)


def write_legacy_model(name, config, weights, keras_version="2.15.0", with_config=True, drop_layer=None,
                       transform=None):
    with h5_file(name) as f:
        if keras_version is not None:
            f.attrs["keras_version"] = keras_version
            f.attrs["backend"] = "tensorflow"
        if with_config:
            f.attrs["model_config"] = json.dumps(config).encode() if not isinstance(config, bytes) else config
        mw = f.create_group("model_weights")
        layers = [l for l in weights if l[0] != drop_layer]
        mw.attrs["layer_names"] = [l[0].encode() for l in layers]
        for layer, arrays in layers:
            g = mw.create_group(layer)
            g.attrs["weight_names"] = [n.encode() for n, _ in arrays]
            for n, a in arrays:
                if transform:
                    a = transform(layer, n, a)
                if a is None:
                    continue
                g.create_dataset(n, data=a, track_times=False)


def write_weights_only(name, weights, transform=None):
    with h5_file(name) as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["layer_names"] = [l[0].encode() for l in weights]
        for layer, arrays in weights:
            g = f.create_group(layer)
            g.attrs["weight_names"] = [n.encode() for n, _ in arrays]
            for n, a in arrays:
                if transform:
                    a = transform(layer, n, a)
                g.create_dataset(n, data=a, track_times=False)


def npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def keras3_archive_bytes(weights, members=("metadata.json", "config.json", "model.weights.h5"), config_text=None,
                         weights_bytes=None, compression=zipfile.ZIP_STORED):
    """A Keras 3 .keras archive of the example (layout of keras/src/saving/saving_lib.py)."""
    config = {
        "module": "keras", "class_name": "Sequential", "registered_name": None,
        "config": {"name": "bracket_depth", "trainable": True, "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
             "config": {"batch_shape": [None, None, 4], "dtype": "float32", "sparse": False, "ragged": False,
                        "name": "chars"}},
            {"module": "keras.layers", "class_name": "LSTM", "registered_name": None,
             "config": {"name": "lstm", "trainable": True, "dtype": "float32", "return_sequences": True,
                        "return_state": False, "go_backwards": False, "stateful": False, "unroll": False,
                        "zero_output_for_mask": False, "units": 16, "activation": "tanh",
                        "recurrent_activation": "sigmoid", "use_bias": True, "unit_forget_bias": True,
                        "dropout": 0.0, "recurrent_dropout": 0.0, "seed": None},
             "build_config": {"input_shape": [None, None, 4]}},
            {"module": "keras.layers", "class_name": "TimeDistributed", "registered_name": None,
             "config": {"name": "time_distributed", "trainable": True, "dtype": "float32",
                        "layer": {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                                  "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": 6,
                                             "activation": "softmax", "use_bias": True}}},
             "build_config": {"input_shape": [None, None, 16]}}]}}
    if weights_bytes is None:
        bio = io.BytesIO()
        with h5py.File(bio, "w", libver="earliest") as f:
            f.create_group("vars")
            lstm = dict(weights)["lstm"]
            td = dict(weights)["time_distributed"]
            f.create_group("layers/lstm/vars")
            for i, (_, a) in enumerate(lstm):
                f.create_dataset("layers/lstm/cell/vars/%d" % i, data=a, track_times=False)
            f.create_group("layers/time_distributed/vars")
            for i, (_, a) in enumerate(td):
                f.create_dataset("layers/time_distributed/layer/vars/%d" % i, data=a, track_times=False)
        weights_bytes = bio.getvalue()
    texts = {"metadata.json": json.dumps({"keras_version": "3.6.0", "date_saved": "2026-11-21@00:00:00"}),
             "config.json": config_text if config_text is not None else json.dumps(config)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for m in members:
            info = zipfile.ZipInfo(m, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, weights_bytes if m.startswith("model.weights") else texts.get(m, b"junk"))
    return buf.getvalue()


def flip(data, offset, mask=0xFF):
    b = bytearray(data)
    b[offset] ^= mask
    return bytes(b)


def main():
    for f in os.listdir(HERE):
        if f not in ("make_corpus.py", "README.md"):
            p = out(f)
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    config, weights = read_example()
    example = open(EXAMPLE, "rb").read()

    # ---- good companions the bad files are used with ----
    with open(out("good_config.json"), "w") as f:
        json.dump(config, f)
    write_weights_only("good_weights.h5", weights)
    x = np.zeros((2, 5, 4), np.float32)
    x[:, :, 0] = 1.0
    np.save(out("good_input.npy"), x)
    write_bytes("good_model.keras", keras3_archive_bytes(weights))

    # ---- empty ----
    for name, role in [("empty_model.h5", "model"), ("empty_model.keras", "model"), ("empty_config.json", "config"),
                       ("empty_weights.h5", "weights"), ("empty_input.npy", "input"), ("empty_mask.npy", "mask")]:
        write_bytes(name, b"")
        add(name, "empty", role, mentions="empty")

    # ---- wrong magic ----
    write_bytes("png_as_model.h5", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    add("png_as_model.h5", "wrong-magic", "model")
    write_bytes("text_as_model.keras", b"this is not a model\n" * 20)
    add("text_as_model.keras", "wrong-magic", "model")
    write_bytes("gif_as_weights.h5", b"GIF89a" + bytes(300))
    add("gif_as_weights.h5", "wrong-magic", "weights")
    write_bytes("html_as_config.json", b"<html><body>404</body></html>\n")
    add("html_as_config.json", "wrong-magic", "config")
    write_bytes("text_as_input.npy", b"0.5, 0.25, 1.0\n" * 10)
    add("text_as_input.npy", "wrong-magic", "input")
    write_bytes("hdf5_as_input.npy", open(out("good_weights.h5"), "rb").read())
    add("hdf5_as_input.npy", "wrong-magic", "input")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("readme.txt", date_time=(2026, 1, 1, 0, 0, 0)), "an unrelated zip")
    write_bytes("unrelated_zip.keras", buf.getvalue())
    add("unrelated_zip.keras", "wrong-magic", "model", mentions="config.json")

    # ---- truncated ----
    for n in (8, 100, 1000, 4096, len(example) // 2, len(example) - 100):
        name = "truncated_model_%d.h5" % n
        write_bytes(name, example[:n])
        add(name, "truncated", "model")
    archive = keras3_archive_bytes(weights)
    for frac in (10, 50, 95):
        name = "truncated_archive_%d.keras" % frac
        write_bytes(name, archive[: len(archive) * frac // 100])
        add(name, "truncated", "model")
    good_npy = npy_bytes(x)
    for n in (6, 40, 100, len(good_npy) - 4):
        name = "truncated_input_%d.npy" % n
        write_bytes(name, good_npy[:n])
        add(name, "truncated", "input")
    text = json.dumps(config)
    write_bytes("truncated_config.json", text[: len(text) // 2].encode())
    add("truncated_config.json", "truncated", "config")

    # ---- bit-flipped: structure bytes (a flip inside raw weight values is undetectable: legacy HDF5 has no
    # checksums, and the run goes on with other numbers) ----
    for sig in (b"TREE", b"HEAP", b"SNOD"):
        at = example.find(sig)
        if at >= 0:
            name = "bitflip_%s.h5" % sig.decode().lower()
            write_bytes(name, flip(example, at))
            add(name, "bit-flipped", "model")
    write_bytes("bitflip_superblock_version.h5", flip(example, 8, 0x07))
    add("bitflip_superblock_version.h5", "bit-flipped", "model")
    write_bytes("bitflip_signature.h5", flip(example, 1, 0x01))
    add("bitflip_signature.h5", "bit-flipped", "model")
    # Inside a stored zip member: the CRC no longer matches.
    wstart = archive.find(b"\x89HDF")
    write_bytes("bitflip_archive_weights.keras", flip(archive, wstart + 200))
    add("bitflip_archive_weights.keras", "bit-flipped", "model", mentions="model.weights.h5")
    cstart = archive.find(b'"class_name"')
    write_bytes("bitflip_archive_config.keras", flip(archive, cstart + 3, 0x20))
    add("bitflip_archive_config.keras", "bit-flipped", "model", mentions="config.json")
    npy_flip = flip(good_npy, 20, 0x40)  # inside the header dict
    write_bytes("bitflip_input_header.npy", npy_flip)
    add("bitflip_input_header.npy", "bit-flipped", "input")

    # ---- archive members ----
    write_bytes("archive_no_config.keras", keras3_archive_bytes(weights, members=("metadata.json", "model.weights.h5")))
    add("archive_no_config.keras", "archive-member", "model", mentions="config.json")
    write_bytes("archive_no_weights.keras", keras3_archive_bytes(weights, members=("metadata.json", "config.json")))
    add("archive_no_weights.keras", "archive-member", "model", mentions="model.weights.h5")
    write_bytes("archive_config_not_json.keras", keras3_archive_bytes(weights, config_text="{not json"))
    add("archive_config_not_json.keras", "archive-member", "model", mentions="config.json")
    write_bytes("archive_weights_not_hdf5.keras", keras3_archive_bytes(weights, weights_bytes=b"not hdf5" * 50))
    add("archive_weights_not_hdf5.keras", "archive-member", "model", mentions="model.weights.h5")
    write_bytes("archive_npz_weights.keras",
                keras3_archive_bytes(weights, members=("metadata.json", "config.json", "model.weights.npz"),
                                     weights_bytes=b"PK\x03\x04npz"))
    add("archive_npz_weights.keras", "archive-member", "model", mentions="npz")
    bio = io.BytesIO()
    with h5py.File(bio, "w", libver="earliest") as f:
        f.create_dataset("layers/lstm/cell/vars/0", data=dict(weights)["lstm"][0][1], track_times=False)
    write_bytes("archive_weights_incomplete.keras", keras3_archive_bytes(weights, weights_bytes=bio.getvalue()))
    add("archive_weights_incomplete.keras", "archive-member", "model")

    # ---- HDF5 structure ----
    write_legacy_model("no_config_no_layer_names.h5", config, weights, with_config=False)
    add("no_config_no_layer_names.h5", "hdf5-structure", "model")
    write_legacy_model("config_not_json.h5", b"{this is not json", weights)
    add("config_not_json.h5", "hdf5-structure", "model", mentions="JSON")
    write_legacy_model("keras1_no_version.h5", config, weights, keras_version=None)
    add("keras1_no_version.h5", "hdf5-structure", "model", mentions="Keras 1")
    write_legacy_model("missing_weight_dataset.h5", config, weights,
                       transform=lambda l, n, a: None if n.endswith("recurrent_kernel:0") else a)
    add("missing_weight_dataset.h5", "hdf5-structure", "model", mentions="recurrent_kernel")
    write_legacy_model("wrong_weight_shape.h5", config, weights,
                       transform=lambda l, n, a: np.zeros((4, 60), np.float32) if n.endswith("lstm_cell/kernel:0") else a)
    add("wrong_weight_shape.h5", "hdf5-structure", "model", mentions="(4, 60)")
    write_legacy_model("string_weight_dtype.h5", config, weights,
                       transform=lambda l, n, a: np.array([b"abc"] * 6) if n == "time_distributed/bias:0" else a)
    add("string_weight_dtype.h5", "hdf5-structure", "model", mentions="bias")
    write_legacy_model("missing_layer_weights.h5", config, weights, drop_layer="time_distributed")
    add("missing_layer_weights.h5", "hdf5-structure", "model")
    write_weights_only("weights_wrong_shape.h5", weights,
                       transform=lambda l, n, a: np.zeros((16, 7), np.float32) if n == "time_distributed/kernel:0" else a)
    add("weights_wrong_shape.h5", "hdf5-structure", "weights", mentions="(16, 7)")
    with h5_file("weights_no_layer_names.h5") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.create_group("lstm")
    add("weights_no_layer_names.h5", "hdf5-structure", "weights")

    # ---- configs ----
    def config_variant(name, mutate, mentions=""):
        c = json.loads(json.dumps(config))
        mutate(c)
        with open(out(name), "w") as f:
            json.dump(c, f)
        add(name, "config", "config", mentions=mentions)

    config_variant("config_unknown_layer.json",
                   lambda c: c["config"]["layers"][1].__setitem__("class_name", "PeepholeLSTM"), "PeepholeLSTM")
    config_variant("config_unknown_activation.json",
                   lambda c: c["config"]["layers"][1]["config"].__setitem__("activation", "swoosh"), "swoosh")
    config_variant("config_unknown_option.json",
                   lambda c: c["config"]["layers"][1]["config"].__setitem__("peephole_connections", True),
                   "peephole_connections")
    config_variant("config_unknown_model_class.json", lambda c: c.__setitem__("class_name", "FancyModel"), "FancyModel")
    config_variant("config_negative_units.json",
                   lambda c: c["config"]["layers"][1]["config"].__setitem__("units", -16), "units")
    config_variant("config_units_mismatch.json",
                   lambda c: c["config"]["layers"][1]["config"].__setitem__("units", 17), "")
    with open(out("config_not_object.json"), "w") as f:
        f.write("[1, 2, 3]")
    add("config_not_object.json", "config", "config")

    # ---- absurd declared sizes: refused before anything that large is allocated ----
    with h5_file("absurd_dataset_shape.h5") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [b"lstm", b"time_distributed"]
        for layer, arrays in weights:
            g = mw.create_group(layer)
            g.attrs["weight_names"] = [n.encode() for n, _ in arrays]
            for n, a in arrays:
                if n.endswith("lstm_cell/kernel:0"):
                    # Declared (2^31, 2^20) float32 = 8 PiB, chunked and never written.
                    g.create_dataset(n, shape=(1 << 31, 1 << 20), dtype="f4", chunks=(1, 1024), track_times=False)
                else:
                    g.create_dataset(n, data=a, track_times=False)
    add("absurd_dataset_shape.h5", "absurd-size", "model")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1048576, 4), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    write_bytes("absurd_input_shape.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(64))
    add("absurd_input_shape.npy", "absurd-size", "input")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5, 4), }"
    header_len = 0xFFFF
    write_bytes("absurd_npy_header_length.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", header_len) + header.encode())
    add("absurd_npy_header_length.npy", "absurd-size", "input")
    # A zip member that claims to inflate 1000x (a zip bomb's shape).
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for m in ("metadata.json", "config.json"):
            z.writestr(zipfile.ZipInfo(m, date_time=(2026, 1, 1, 0, 0, 0)), "{}")
        info = zipfile.ZipInfo("model.weights.h5", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, bytes(64 << 20))
    write_bytes("zip_bomb_member.keras", bomb.getvalue())
    add("zip_bomb_member.keras", "absurd-size", "model")

    # ---- wrong shapes and values of inputs and masks ----
    np.save(out("input_wrong_features.npy"), np.zeros((2, 5, 3), np.float32))
    add("input_wrong_features.npy", "shape", "input", mentions="(2, 5, 3)")
    np.save(out("input_rank2.npy"), np.zeros((2, 5), np.float32))
    add("input_rank2.npy", "shape", "input")
    np.save(out("input_complex.npy"), np.zeros((2, 5, 4), np.complex64))
    add("input_complex.npy", "shape", "input", mentions="complex")
    np.save(out("input_object.npy"), np.array([[1, "a"]], dtype=object), allow_pickle=True)
    add("input_object.npy", "shape", "input")
    np.save(out("mask_wrong_shape.npy"), np.ones((2, 7), bool))
    add("mask_wrong_shape.npy", "shape", "mask", mentions="(2, 7)")
    np.save(out("mask_fractional.npy"), np.full((2, 5), 0.5, np.float32))
    add("mask_fractional.npy", "shape", "mask")

    # ---- non-finite values: a warning, and the run goes on ----
    x_nan = x.copy()
    x_nan[0, 2, 1] = np.nan
    x_nan[1, 3, 2] = np.inf
    np.save(out("input_nan_inf.npy"), x_nan)
    add("input_nan_inf.npy", "non-finite", "input", expect="warning", mentions="NaN")
    write_legacy_model("weights_nan.h5", config, weights,
                       transform=lambda l, n, a: np.where(np.arange(a.size).reshape(a.shape) == 3, np.nan, a).astype(np.float32)
                       if n.endswith("recurrent_kernel:0") else a)
    add("weights_nan.h5", "non-finite", "model", expect="warning", mentions="NaN")

    with open(out("MANIFEST.json"), "w") as f:
        json.dump({"files": MANIFEST}, f, indent=1)
    counts = {}
    for m in MANIFEST:
        counts[m["class"]] = counts.get(m["class"], 0) + 1
    print("%d bad inputs: %s" % (len(MANIFEST), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))


if __name__ == "__main__":
    main()
