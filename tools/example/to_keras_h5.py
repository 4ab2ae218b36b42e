#!/usr/bin/python3
"""Writes RNNScope's bundled example (resources/examples/) from out/bracket_depth.json.

Input: out/bracket_depth.json, written by train_bracket_depth.js.
Output (in resources/examples/):
  bracket_depth.h5            the model as tf.keras 2.15 `model.save("m.h5")` lays out a legacy full-model file
  bracket_depth_input.npy     float32 [8, 32, 4], one-hot sample streams
  bracket_depth_input.txt     the 8 sample strings, one per line
  bracket_depth_expected.npy  float32 [8, 32, 6], the TF.js predictions for those inputs
  README.md                   what the model is and which units to look at

Needs h5py and NumPy; on Debian: apt-get install python3-h5py python3-numpy, then run with /usr/bin/python3.

The .h5 layout follows tf_keras/saving/legacy/hdf5_format.py (save_model_to_hdf5,
save_weights_to_hdf5_group, save_subset_weights_to_hdf5_group), including how h5py 3 stores what
Keras hands it:
  /                      attrs keras_version (str), backend (str), model_config (JSON as bytes)
  /model_weights         attrs layer_names (list of bytes), backend (bytes), keras_version (bytes)
    /lstm                attrs weight_names (list of bytes); datasets lstm/lstm_cell/{kernel,recurrent_kernel,bias}:0
    /time_distributed    attrs weight_names; datasets time_distributed/{kernel,bias}:0
    /top_level_model_weights   attrs weight_names = [] (h5py stores an empty list as float64, shape (0,))
Groups are created in sorted layer-name order, as Keras does. No training_config or optimizer
weights: the file is an inference model, as if saved with include_optimizer=False.

Usage: /usr/bin/python3 to_keras_h5.py [IN_JSON] [OUT_DIR]
"""

import json
import os
import sys

try:
    import h5py
    import numpy as np
except ImportError:  # e.g. a pyenv python3 without the Debian packages
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

HERE = os.path.dirname(os.path.abspath(__file__))
IN_JSON = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "out", "bracket_depth.json")
OUT_DIR = os.path.normpath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "..", "resources", "examples"))
KERAS_VERSION = "2.15.0"


def write_h5(path, doc):
    cfg = doc["model_config"]
    # Sequential: model.layers leaves out the InputLayer.
    layer_names = [l["config"]["name"] for l in cfg["config"]["layers"] if l["class_name"] != "InputLayer"]
    weights = {w["layer"]: w["arrays"] for w in doc["weights"]}
    if os.path.exists(path):
        os.remove(path)
    with h5py.File(path, "w") as f:
        # saving_utils.model_metadata + save_model_to_hdf5
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(cfg).encode("utf8")
        mw = f.create_group("model_weights")
        # save_weights_to_hdf5_group: a Python list of bytes, which h5py 3 stores as a 1-D vlen ASCII attribute
        mw.attrs["layer_names"] = [n.encode("utf8") for n in layer_names]
        mw.attrs["backend"] = "tensorflow".encode("utf8")
        mw.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
        for name in sorted(layer_names):
            g = mw.create_group(name)
            arrays = weights.get(name, [])
            weight_names = [a["name"].encode("utf8") for a in arrays]
            g.attrs["weight_names"] = weight_names if weight_names else np.asarray([])
            for wn, a in zip(weight_names, arrays):
                val = np.asarray(a["data"], dtype=np.float32).reshape(a["shape"])
                ds = g.create_dataset(wn, val.shape, dtype=val.dtype)
                ds[:] = val
        g = mw.create_group("top_level_model_weights")
        g.attrs["weight_names"] = np.asarray([])  # what h5py makes of Keras's empty list


def attr_desc(v):
    if isinstance(v, bytes):
        return "bytes %r" % (v[:70] + (b"..." if len(v) > 70 else b""))
    if isinstance(v, str):
        return "str %r" % (v[:70] + ("..." if len(v) > 70 else ""))
    if isinstance(v, np.ndarray):
        return "array dtype=%s shape=%s %r" % (v.dtype, v.shape, v.tolist())
    return repr(v)


def type_desc(obj, name):
    """HDF5 type of an attribute, in h5dump terms."""
    tid = obj.attrs.get_id(name).get_type()
    space = obj.attrs.get_id(name).get_space()
    shape = space.shape
    if isinstance(tid, h5py.h5t.TypeStringID):
        cset = "UTF8" if tid.get_cset() == h5py.h5t.CSET_UTF8 else "ASCII"
        size = "H5T_VARIABLE" if tid.is_variable_str() else str(tid.get_size())
        t = "H5T_STRING {%s, %s}" % (size, cset)
    elif isinstance(tid, h5py.h5t.TypeFloatID):
        t = "H5T_IEEE_F%d%s" % (tid.get_size() * 8, "LE" if tid.get_order() == h5py.h5t.ORDER_LE else "BE")
    else:
        t = type(tid).__name__
    return "%s, %s" % (t, "SCALAR" if shape == () else "SIMPLE %s" % (shape,))


def listing(path):
    """An h5dump -H style outline, built with h5py."""
    lines = []

    def attrs(obj, ind):
        for k in sorted(obj.attrs.keys()):
            lines.append("%sATTRIBUTE %s: %s = %s" % (ind, k, type_desc(obj, k), attr_desc(obj.attrs[k])))

    def walk(g, ind):
        attrs(g, ind + "  ")
        for k in g.keys():
            o = g[k]
            if isinstance(o, h5py.Group):
                lines.append("%sGROUP %s" % (ind + "  ", k))
                walk(o, ind + "  ")
            else:
                layout = {h5py.h5d.CONTIGUOUS: "CONTIGUOUS", h5py.h5d.CHUNKED: "CHUNKED", h5py.h5d.COMPACT: "COMPACT"}[
                    o.id.get_create_plist().get_layout()]
                lines.append("%sDATASET %s: %s %s %s" % (ind + "  ", k, o.dtype.str, o.shape, layout))
                attrs(o, ind + "    ")

    with h5py.File(path, "r") as f:
        lines.append("GROUP /")
        walk(f, "")
    return "\n".join(lines)


def as_str(v):
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def verify(path, doc):
    """Reads the file back and checks it against the JSON (layout, names, dtypes, values)."""
    cfg = doc["model_config"]
    with h5py.File(path, "r") as f:
        assert f.attrs["keras_version"] == KERAS_VERSION and isinstance(f.attrs["keras_version"], str)
        assert f.attrs["backend"] == "tensorflow"
        mc = f.attrs["model_config"]
        assert isinstance(mc, (bytes, str)), type(mc)
        assert json.loads(mc) == cfg
        mw = f["model_weights"]
        names = [as_str(n) for n in mw.attrs["layer_names"]]
        assert names == ["lstm", "time_distributed"], names
        assert as_str(mw.attrs["backend"]) == "tensorflow" and as_str(mw.attrs["keras_version"]) == KERAS_VERSION
        for w in doc["weights"]:
            g = mw[w["layer"]]
            wn = [as_str(n) for n in g.attrs["weight_names"]]
            assert wn == [a["name"] for a in w["arrays"]], wn
            for a in w["arrays"]:
                ds = g[a["name"]]
                assert ds.dtype == np.dtype("<f4") and list(ds.shape) == a["shape"], (ds.dtype, ds.shape)
                assert np.array_equal(ds[()], np.asarray(a["data"], np.float32).reshape(a["shape"]))
        tl = mw["top_level_model_weights"].attrs["weight_names"]
        assert tl.dtype == np.float64 and tl.shape == (0,)
        # The exact attribute types (what an h5py 3 + tf.keras 2.15 file has).
        def is_vlen(obj, k):
            return obj.attrs.get_id(k).get_type().is_variable_str()
        assert is_vlen(f, "keras_version") and is_vlen(f, "backend") and is_vlen(f, "model_config")
        assert is_vlen(mw, "layer_names") and mw.attrs.get_id("layer_names").get_space().shape == (2,)
        assert is_vlen(mw["lstm"], "weight_names") and mw["lstm"].attrs.get_id("weight_names").get_space().shape == (3,)


def numpy_forward(doc, x):
    """Independent NumPy forward pass from the JSON weights (Keras LSTM, gates i, f, c, o)."""
    w = {a["name"]: np.asarray(a["data"], np.float64).reshape(a["shape"]) for l in doc["weights"] for a in l["arrays"]}
    K, R, b = w["lstm/lstm_cell/kernel:0"], w["lstm/lstm_cell/recurrent_kernel:0"], w["lstm/lstm_cell/bias:0"]
    Dk, Db = w["time_distributed/kernel:0"], w["time_distributed/bias:0"]
    B, T, _ = x.shape
    u = R.shape[0]
    h = np.zeros((B, u))
    c = np.zeros((B, u))
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))
    out = np.zeros((B, T, Dk.shape[1]))
    for t in range(T):
        z = x[:, t, :].astype(np.float64) @ K + h @ R + b
        i, f, g, o = sig(z[:, :u]), sig(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), sig(z[:, 3 * u:])
        c = f * c + i * g
        h = o * np.tanh(c)
        logits = h @ Dk + Db
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        out[:, t, :] = e / e.sum(axis=1, keepdims=True)
    return out


def fmt_pct(v):
    return "%.2f%%" % (100.0 * v)


def write_readme(path, doc):
    tr = doc["training"]
    ho = doc["heldout"]
    units = doc["units"]
    s = doc["samples"]

    def unit_rows(entries):
        return "\n".join("| `%s[%d]` | %+.4f |" % (e["state"], e["unit"], e["r"]) for e in entries)

    per_depth = " | ".join("%d: %s" % (d["depth"], fmt_pct(d["accuracy"])) for d in ho["per_depth_accuracy"])
    samples = "\n".join("%d. `%s`  \n   depth `%s`" % (i, t, "".join(str(d) for d in dep))
                        for i, (t, dep) in enumerate(zip(s["strings"], s["depth"])))
    text = f"""# Bundled example: `bracket_depth.h5`

RNNScope's bundled example: a small Keras model to open when you have no model of your own. It reads a
stream of characters and tracks how deeply nested in brackets it is. Its hidden units do something
you can see: a few of them count.

## The task

- The input is a stream over the alphabet `(`, `)`, `a`, `b`, one-hot encoded in that order (4 features).
- The target at each step is the nesting depth after reading that character, from 0 to 5.
- `(` opens a level and `)` closes one. The letters are filler: they leave the depth as it is, so the
  model has to remember the count across them.
- The streams are random. They are 24 to 40 characters long. The depth never drops below 0 or rises above 5,
  and most streams end balanced.

## The model

```
Sequential "bracket_depth"
  InputLayer "chars"                                                  (None, None, 4)
  LSTM "lstm"                          16 units, return_sequences=True -> (None, None, 16)
  TimeDistributed "time_distributed"   Dense "dense", 6, softmax       -> (None, None, 6)
```

The output at each step is a probability for each depth 0..5.

The file is a legacy Keras `.h5` full-model file, laid out the way tf.keras {doc["keras_version"]} `model.save("m.h5")`
writes one:
- the model config is in the root `model_config` attribute;
- the weights are under `model_weights/`, with their tf.keras 2.x names (`lstm/lstm_cell/kernel:0`, ...).

It has no training config and no optimizer weights.

## Training

- Trained with TensorFlow.js {doc["tfjs_version"]} on its pure-JavaScript CPU backend, by
  `tools/example/train_bracket_depth.js`. `tools/example/to_keras_h5.py` then writes the `.h5` file.
- Data: {tr["n_train"]} training streams and {tr["n_heldout"]} held-out streams, generated separately.
- Training: Adam with sparse categorical cross-entropy, batches of {tr["batch_size"]} streams of equal length.
  It ran for {tr["epochs"]} epochs and stopped once the held-out accuracy passed 99.9%.
- Held-out per-step accuracy: **{fmt_pct(ho["accuracy"])}** ({ho["correct"]} of {ho["steps"]} steps).
  Training accuracy: {fmt_pct(tr["train_accuracy"])}.
- Held-out accuracy by depth: {per_depth}.

## Units to look at

The table gives the Pearson correlation of each LSTM unit with the depth target, taken over every step
of the held-out set ({units["n_steps"]} steps):

| unit | r with depth |
|---|---|
{unit_rows(units["top"])}

The best cell-state (`c`) and hidden-state (`h`) units, taken separately:

| cell state | r | | hidden state | r |
|---|---|---|---|---|
""" + "\n".join("| `c[%d]` | %+.4f | | `h[%d]` | %+.4f |" % (a["unit"], a["r"], b["unit"], b["r"])
                for a, b in zip(units["top_c"], units["top_h"])) + f"""

What to look for (run a sample and plot the states over time):
- A unit with a positive r steps up at each `(` and down at each `)`. A unit with a negative r does the reverse.
- The strongest units change much less on `a`/`b` than on brackets, because they hold the count
  while the letters go by. Weaker units also drift on the letters.
- The cell state `c` is not squashed by `tanh`, so it follows depth more linearly than `h`.
  `h` units saturate near ±1 at depths 4 and 5.

## Files

| file | contents |
|---|---|
| `bracket_depth.h5` | the model |
| `bracket_depth_input.npy` | float32 `[8, 32, 4]`: 8 one-hot sample streams of 32 characters |
| `bracket_depth_input.txt` | the same 8 streams as text, one per line |
| `bracket_depth_expected.npy` | float32 `[8, 32, 6]`: the TF.js predictions for those inputs (for consistency tests) |

The samples, with the true depth under each character (TF.js gets {fmt_pct(s["accuracy"])} of these steps right):

{samples}

Try it:

```sh
rnnscope-cli info resources/examples/bracket_depth.h5
rnnscope-cli run resources/examples/bracket_depth.h5 --input resources/examples/bracket_depth_input.npy --out out/
```

## Regenerating

```sh
cd tools/example && npm ci && node train_bracket_depth.js && /usr/bin/python3 to_keras_h5.py
```

You need Node 18 or later. `npm ci` installs `@tensorflow/tfjs` 4.22.0, pinned in `package-lock.json`; it
uses the pure-JS CPU backend, not tfjs-node. You also need h5py and NumPy (Debian: `python3-h5py`, `python3-numpy`).
Training takes one to two minutes on two CPU cores.

The data, the initial weights and the batch order are all seeded, so on the same machine and Node
version a rerun gives the same weights. Bit-identical weights across Node versions or CPUs are not
guaranteed: small floating-point differences in `Math.exp`/`Math.tanh` grow during training. A rerun
elsewhere should train to a similar accuracy, but the unit numbers in the table above can change.
`to_keras_h5.py` rewrites this README from the training results.
"""
    with open(path, "w") as fh:
        fh.write(text)


def main():
    with open(IN_JSON) as fh:
        doc = json.load(fh)
    os.makedirs(OUT_DIR, exist_ok=True)
    h5_path = os.path.join(OUT_DIR, "bracket_depth.h5")
    write_h5(h5_path, doc)
    verify(h5_path, doc)

    s = doc["samples"]
    x = np.asarray(s["inputs"]["data"], dtype=np.float32).reshape(s["inputs"]["shape"])
    y = np.asarray(s["predictions"]["data"], dtype=np.float32).reshape(s["predictions"]["shape"])
    np.save(os.path.join(OUT_DIR, "bracket_depth_input.npy"), x)
    np.save(os.path.join(OUT_DIR, "bracket_depth_expected.npy"), y)
    with open(os.path.join(OUT_DIR, "bracket_depth_input.txt"), "w") as fh:
        fh.write("\n".join(s["strings"]) + "\n")
    write_readme(os.path.join(OUT_DIR, "README.md"), doc)

    # Consistency: the one-hot input spells the strings, and an independent NumPy forward pass
    # from the stored weights reproduces the TF.js predictions.
    alphabet = doc["task"]["alphabet"]
    assert ["".join(alphabet[k] for k in row.argmax(-1)) for row in x] == s["strings"]
    diff = np.abs(numpy_forward(doc, x) - y).max()
    print("NumPy forward vs TF.js predictions: max abs diff %.3g" % diff)
    assert diff < 1e-5, diff

    print(listing(h5_path))
    total = 0
    for name in sorted(os.listdir(OUT_DIR)):
        size = os.path.getsize(os.path.join(OUT_DIR, name))
        total += size
        print("%8d  %s" % (size, os.path.join(OUT_DIR, name)))
    print("%8d  total" % total)


if __name__ == "__main__":
    main()
