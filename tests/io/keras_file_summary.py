#!/usr/bin/python3
"""Summarises a Keras file with h5py and the zipfile module, independently of RNNScope's own readers.

Usage: keras_file_summary.py FILE
Prints JSON: {"kind": "zip"|"hdf5", "members": [[name, compress_type], ...], "metadata": {...}, "config": {...},
"datasets": {path: {"shape": [...], "dtype": str, "checksum": float}}, "attrs": {path: {name: {"class": ..., "cset":
..., "vlen": ..., "shape": [...]}}}, "model_config": {...}} (the last for legacy full-model files).
"""
import io
import json
import sys
import zipfile

import h5py
import numpy as np


def attr_info(obj, name):
    aid = obj.attrs.get_id(name)
    t = aid.get_type()
    info = {"class": type(t).__name__, "shape": list(aid.shape)}
    if isinstance(t, h5py.h5t.TypeStringID):
        info["cset"] = "utf8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ascii"
        info["vlen"] = bool(t.is_variable_str())
    return info


def summarise_h5(f, out):
    out["datasets"] = {}
    out["attrs"] = {"/": {k: attr_info(f, k) for k in f.attrs}}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            v = np.asarray(obj[()], dtype=np.float64).ravel()
            weights = (np.arange(v.size) % 97 + 1).astype(np.float64)
            out["datasets"][name] = {"shape": list(obj.shape), "dtype": str(obj.dtype),
                                     "checksum": float(np.sum(v * weights))}
        if obj.attrs:
            out["attrs"][name] = {k: attr_info(obj, k) for k in obj.attrs}

    f.visititems(visit)
    if "model_config" in f.attrs:
        raw = f.attrs["model_config"]
        out["model_config"] = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    for key in ("layer_names",):
        if "model_weights" in f and key in f["model_weights"].attrs:
            out["layer_names"] = [x.decode() if isinstance(x, bytes) else str(x)
                                  for x in f["model_weights"].attrs[key]]


def main():
    path = sys.argv[1]
    out = {}
    if zipfile.is_zipfile(path):
        z = zipfile.ZipFile(path)
        out["kind"] = "zip"
        out["members"] = [[i.filename, i.compress_type] for i in z.infolist()]
        out["metadata"] = json.loads(z.read("metadata.json"))
        out["config"] = json.loads(z.read("config.json"))
        with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
            summarise_h5(f, out)
    else:
        out["kind"] = "hdf5"
        with h5py.File(path, "r") as f:
            summarise_h5(f, out)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
