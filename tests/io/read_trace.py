#!/usr/bin/env python3
"""Reads an RNNScope trace file with h5py, the way a user would, and checks it against the NPY export.

usage: read_trace.py TRACE.h5 NPYDIR

Checks the root attributes, every dataset's dtype and shape against the layout of DESIGN.md ("Trace file"),
that each group's state_names/gate_names list exactly the datasets under states/ and gates/, that NPYDIR holds
the same values for every dataset (NPYDIR/<path>.npy) and that NPYDIR/trace.json repeats the attributes.
Prints one line per dataset, "dataset <path> <dtype> <shape> <checksum>", then "OK <count>"; the checksum is
sum(v[i] * (i % 97 + 1)) over the C-order values in float64, so a transposed dataset changes it.
Exits 1 with "FAIL: ..." on the first problem.
"""

import json
import os
import sys

import h5py
import numpy as np


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def attr_value(value):
    """An HDF5 attribute as plain Python (str, int, list of str)."""
    if isinstance(value, (bytes, str)):
        return text(value)
    if isinstance(value, np.ndarray):
        return [text(v) for v in value.tolist()]
    if isinstance(value, (np.integer, int)):
        return int(value)
    fail("unexpected attribute value %r" % (value,))
    return None


def checksum(values):
    flat = np.asarray(values).astype(np.float64).ravel()
    weights = (np.arange(flat.size) % 97 + 1).astype(np.float64)
    return float(np.sum(flat * weights))


def expected_dtype(path):
    name = path.rsplit("/", 1)[-1]
    if name == "step_time":
        return np.dtype("int32")
    if name == "mask":
        return np.dtype("uint8")
    return np.dtype("float32")


def check_layer_group(group, path):
    """A group with a 'class' attribute: a layer, a direction of a Bidirectional or a cell of a stack."""
    for key in ("class", "units", "state_names", "gate_names"):
        if key not in group.attrs:
            fail("%s: no attribute %r" % (path, key))
    state_names = attr_value(group.attrs["state_names"])
    gate_names = attr_value(group.attrs["gate_names"])
    states = sorted(group["states"].keys()) if "states" in group else []
    gates = sorted(group["gates"].keys()) if "gates" in group else []
    if sorted(state_names) != states:
        fail("%s: state_names %r but states/ holds %r" % (path, state_names, states))
    if sorted(gate_names) != gates:
        fail("%s: gate_names %r but gates/ holds %r" % (path, gate_names, gates))
    is_cell = path.rsplit("/", 2)[-2] == "cells"
    if "options" in group.attrs:
        options = json.loads(text(group.attrs["options"]))
        if not isinstance(options, dict):
            fail("%s: options is not a JSON object" % path)
    elif not is_cell:
        fail("%s: no attribute 'options'" % path)
    if text(group.attrs["class"]) == "Bidirectional":
        for direction in ("forward", "backward"):
            if direction not in group:
                fail("%s: Bidirectional without %s/" % (path, direction))
        return
    if is_cell:
        step_time = group.parent.parent["step_time"]
    else:
        if "step_time" not in group:
            fail("%s: no step_time" % path)
        step_time = group["step_time"]
    steps = step_time.shape[0]
    batch = None
    for name in ["input", "output"] + ["states/" + s for s in states] + ["gates/" + g for g in gates]:
        if name not in group:
            continue
        d = group[name]
        if d.ndim != 3 or d.shape[1] != steps:
            fail("%s/%s: shape %r does not match [B, %d, width]" % (path, name, d.shape, steps))
        if batch is None:
            batch = d.shape[0]
        elif d.shape[0] != batch:
            fail("%s/%s: batch %d, expected %d" % (path, name, d.shape[0], batch))
    if "mask" in group and batch is not None and group["mask"].shape != (batch, steps):
        fail("%s/mask: shape %r, expected %r" % (path, group["mask"].shape, (batch, steps)))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    trace_path, npy_dir = sys.argv[1], sys.argv[2]
    with h5py.File(trace_path, "r") as f:
        root = f.attrs
        if text(root.get("format", b"")) != "rnnscope-trace":
            fail("root attribute format is %r" % (root.get("format"),))
        version = root.get("format_version")
        if not isinstance(version, (np.integer, int)) or int(version) != 1:
            fail("root attribute format_version is %r" % (version,))
        for key in ("producer", "model"):
            if not isinstance(root.get(key), (str, bytes)):
                fail("root attribute %s is missing or not a string" % key)
        if not isinstance(json.loads(text(root["options"])), dict):
            fail("root attribute options is not a JSON object")
        if "input" in f and "inputs" not in f:
            fail("/input without /inputs")

        with open(os.path.join(npy_dir, "trace.json"), encoding="utf-8") as jf:
            meta = json.load(jf)

        datasets = []
        groups = []

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                datasets.append("/" + name)
            else:
                groups.append("/" + name)

        f.visititems(visit)
        groups.append("/")

        for path in groups:
            group = f[path]
            if "class" in group.attrs:
                check_layer_group(group, path)
            # Groups HDF5 created on the way to a dataset (states/, gates/) have no attributes to repeat.
            stored = meta["attributes"].get(path, {})
            if sorted(stored.keys()) != sorted(group.attrs.keys()):
                fail("%s: attributes %r in HDF5, %r in trace.json" % (path, sorted(group.attrs.keys()),
                                                                     sorted(stored.keys())))
            for key, value in group.attrs.items():
                if key == "options":
                    if json.loads(text(value)) != stored.get(key):
                        fail("%s: options differ between HDF5 and trace.json" % path)
                elif attr_value(value) != stored.get(key):
                    fail("%s: attribute %s is %r in HDF5, %r in trace.json" % (path, key, attr_value(value),
                                                                              stored.get(key)))

        for path in sorted(datasets):
            d = f[path]
            if d.dtype != expected_dtype(path):
                fail("%s: dtype %s, expected %s" % (path, d.dtype, expected_dtype(path)))
            values = d[()]
            npy_path = os.path.join(npy_dir, path.lstrip("/") + ".npy")
            if not os.path.exists(npy_path):
                fail("no NPY file for %s" % path)
            other = np.load(npy_path)
            if other.shape != values.shape:
                fail("%s: NPY shape %r, HDF5 shape %r" % (path, other.shape, values.shape))
            if expected_dtype(path) == np.dtype("uint8"):
                if other.dtype != np.bool_:
                    fail("%s: NPY mask dtype %s, expected bool" % (path, other.dtype))
                other = other.astype(np.uint8)
            elif other.dtype != values.dtype:
                fail("%s: NPY dtype %s, HDF5 dtype %s" % (path, other.dtype, values.dtype))
            if not np.array_equal(other, values):
                fail("%s: NPY values differ from HDF5" % path)
            if path not in meta["datasets"]:
                fail("trace.json does not list %s" % path)
            shape = "x".join(str(n) for n in values.shape) or "scalar"
            print("dataset %s %s %s %.17g" % (path, d.dtype, shape, checksum(values)))
        print("OK %d" % len(datasets))


if __name__ == "__main__":
    main()
