#!/usr/bin/python3
"""Writes weight_checksums.json: what h5py reads for every weight array of the .keras files in ../shared/real-models.

tst_keras_archive compares each weight RNNScope loads with these, so a weight that lands in the wrong slot fails.
The mapping from layer to HDF5 path is made here independently of RNNScope's loader:

* Keras 3 zip archives: the `vars` group of each top-level group under `layers/` carries the layer's own name as
  attribute `name` (Keras >= 3.6, `saving_lib._save_state`). Every file here has it, so the script needs no naming
  rules. A layer's arrays are the datasets of the `vars` groups below its group, in Keras get_weights() order:
  Bidirectional's `forward_layer` before `backward_layer`, a stack's cells in index order, `vars/<i>` by number.
* Legacy HDF5 (tfk212_bilstm_hdf5_named.keras is HDF5 despite its name): `model_weights` `layer_names` and each
  group's `weight_names`, which list the arrays in get_weights() order.

Per array: its HDF5 path, shape, the SHA-256 of its float32 little-endian C-order bytes, the float64 sum and the first
four values. Run with Debian's python3 (h5py, numpy): /usr/bin/python3 tests/data/k3/extract_weight_checksums.py
"""

import hashlib
import io
import json
import os
import re
import sys
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared", "real-models"))


def describe(path, data):
    a = np.ascontiguousarray(np.asarray(data, dtype="<f4"))
    return {
        "path": path,
        "shape": list(a.shape),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
        "sum": float(a.astype(np.float64).sum()),
        "first": [float(x) for x in a.reshape(-1)[:4]],
    }


def order_key(name):
    # forward before backward; "lstm_cell_10" after "lstm_cell_2"; vars/<i> by number
    if name == "forward_layer":
        return (0, 0, name)
    if name == "backward_layer":
        return (1, 0, name)
    m = re.fullmatch(r"(.*?)(?:_(\d+))?", name)
    if name.isdigit():
        return (2, int(name), "")
    return (2, int(m.group(2) or 0), m.group(1))


def vars_datasets(group, path):
    """The datasets of every `vars` group below `group`, in get_weights() order."""
    out = []
    for key in sorted(group.keys(), key=order_key):
        child = group[key]
        child_path = path + "/" + key
        if not isinstance(child, h5py.Group):
            continue
        if key == "vars":
            for i in sorted(child.keys(), key=int):
                out.append(describe(child_path + "/" + i, child[i][()]))
        else:
            out.extend(vars_datasets(child, child_path))
    return out


def keras3_archive(path):
    z = zipfile.ZipFile(path)
    meta = json.loads(z.read("metadata.json"))
    config = json.loads(z.read("config.json"))
    f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    layers = {}
    for key in f["layers"].keys():
        group = f["layers"][key]
        name = group["vars"].attrs["name"]
        arrays = vars_datasets(group, "layers/" + key)
        if arrays:
            layers[name] = arrays
    classes = [(l["class_name"], l["config"]["name"]) for l in config["config"]["layers"]]
    return {"format": "keras-archive", "keras_version": meta["keras_version"],
            "model_class": config["class_name"],
            "layers_in_config": [f"{n}:{c}" for c, n in classes], "weights": layers}


def legacy_h5(path):
    f = h5py.File(path, "r")
    mw = f["model_weights"]
    layers = {}
    for name in mw.attrs["layer_names"]:
        name = name.decode() if isinstance(name, bytes) else name
        g = mw[name]
        arrays = []
        for w in g.attrs["weight_names"]:
            w = w.decode() if isinstance(w, bytes) else w
            arrays.append(describe("model_weights/" + name + "/" + w, g[w][()]))
        if arrays:
            layers[name] = arrays
    config = json.loads(f.attrs["model_config"])
    classes = [(l["class_name"], l["config"]["name"]) for l in config["config"]["layers"]]
    version = f.attrs["keras_version"]
    return {"format": "legacy-h5", "keras_version": version.decode() if isinstance(version, bytes) else version,
            "model_class": config["class_name"],
            "layers_in_config": [f"{n}:{c}" for c, n in classes], "weights": layers}


def main():
    files = {}
    for name in sorted(os.listdir(SHARED)):
        if not name.endswith(".keras"):
            continue
        path = os.path.join(SHARED, name)
        with open(path, "rb") as fh:
            magic = fh.read(8)
        files[name] = legacy_h5(path) if magic.startswith(b"\x89HDF") else keras3_archive(path)
    out = {"generator": "tests/data/k3/extract_weight_checksums.py (h5py %s, numpy %s)" % (h5py.__version__,
                                                                                          np.__version__),
           "files": files}
    target = os.path.join(HERE, "weight_checksums.json")
    # One line per array keeps the file short and its diffs readable.
    text = json.dumps(out, indent=1)
    text = re.sub(r"\{\s+(\"path\".*?)\s+\}", lambda m: "{" + re.sub(r"\s*\n\s*", " ", m.group(1)) + "}", text,
                  flags=re.S)
    assert json.loads(text) == out
    with open(target, "w") as fh:
        fh.write(text + "\n")
    print("wrote", target, "for", ", ".join(files))


if __name__ == "__main__":
    sys.exit(main())
