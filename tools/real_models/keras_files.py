"""Reads real Keras model files with h5py/zipfile and runs them with the NumPy reference.

This module extends tools/golden/reference_rnn.py (the independent NumPy implementation of Keras's RNN
semantics used for the golden fixtures) with what the real models in ../shared/real-models need:

- file readers, written from shared/reference/keras-formats.md sections 1 and 3:
  legacy full-model HDF5 (`model_config` attribute + `model_weights`, datasets taken in `weight_names`
  order), legacy weights-only HDF5 (root `layer_names`), a model-config .json plus a weights-only file,
  and Keras 3 `.keras` zip archives (`config.json` + `model.weights.h5` with the
  `layers/<snake_class>[_k]/.../vars/N` layout). The format is picked from the magic bytes, not the name.
- Keras 3 config forms: InputLayer `batch_shape`, DTypePolicy dicts, Functional `inbound_nodes` as
  `{"args": [...], "kwargs": {"initial_state": [...]}}` with `__keras_tensor__` entries, flat
  `input_layers`/`output_layers`, Bidirectional with an explicit `backward_layer`.
- GRU without a `reset_after` key (Keras <= 2.1.2): the original GRU (reset_after=False).
- A stateful layer given an initial_state: for tf.keras files ("-tf" versions and 2.4+) the passed states are
  used only while the recorded states are all zero; once they are not, the recorded states win
  (tf_keras/layers/rnn/base_rnn.py::_process_inputs, TF >= 2.1). Standalone Keras 2 (<= 2.3.1) and Keras 3
  files: the passed states always win (keras/layers/recurrent.py::RNN.call).

It depends on NumPy and h5py only, and on nothing from the RNNScope C++ project.
"""
import io
import json
import os
import re
import sys
import zipfile

import numpy as np
import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import reference_rnn as ref  # noqa: E402

F32 = np.float32


# =============================================================================================
# Small helpers
# =============================================================================================
def _str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.bytes_):
        return bytes(v).decode("utf-8")
    return str(v)


def _name_list(attrs, key):
    """A list-of-names attribute in any of the encodings of keras-formats 1.3 (also chunked key0, key1...)."""
    if key in attrs:
        raw = attrs[key]
    else:
        raw, k = [], 0
        while "%s%d" % (key, k) in attrs:
            raw = list(raw) + list(attrs["%s%d" % (key, k)])
            k += 1
    arr = np.asarray(raw)
    if arr.size == 0 or arr.dtype.kind in "fiu":
        return []
    return [_str(x).rstrip("\0") for x in arr.reshape(-1)]


class KerasMajor(int):
    """The writer's Keras major version (an int, as the cells use it), carrying the stateful initial_state rule.

    Which initial states a *stateful* layer uses when a call passes some (RNN.call / _process_inputs):
    standalone Keras 2.x (keras/layers/recurrent.py: `if initial_state is not None: pass`) and Keras 3 use the
    passed states; tf.keras from TF 2.1 on (versions with a "-tf" suffix, and 2.4+, which only tf.keras has)
    uses them only while the recorded states are all zero (tf_keras/layers/rnn/base_rnn.py::_process_inputs)."""

    def __new__(cls, version):
        text = str(version)
        obj = super().__new__(cls, int(text.split(".")[0]))
        nums = tuple(int(p) for p in re.findall(r"\d+", text)[:2])
        standalone = "-tf" not in text and nums < (2, 4)
        obj.passed_initial_state_wins = obj >= 3 or (obj == 2 and standalone)
        return obj


def keras_major(version):
    return KerasMajor(version)


def to_snake_case(name):
    """keras/src/utils/naming.py::to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def file_kind(path):
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"PK"):
        return "zip"
    if head == b"\x89HDF\r\n\x1a\n":
        return "hdf5"
    if head.lstrip()[:1] == b"{":
        return "json"
    raise ValueError("%s: unknown file format" % path)


# =============================================================================================
# Readers: each returns (model_config {"class_name","config"}, weights {layer name: [arrays]}, keras_version)
# =============================================================================================
def _legacy_weights(group):
    """A group holding layer_names and one sub-group per layer (model_weights, or the root of a weights-only file)."""
    weights = {}
    for lname in _name_list(group.attrs, "layer_names"):
        g = group[lname]
        weights[lname] = [np.asarray(g[wn], dtype=F32) for wn in _name_list(g.attrs, "weight_names")]
    return weights


def read_legacy_h5(path):
    with h5py.File(path, "r") as f:
        if "model_config" not in f.attrs:
            raise ValueError("%s: no model_config attribute (a weights-only file?)" % path)
        config = json.loads(_str(f.attrs["model_config"]))
        version = _str(f.attrs.get("keras_version", f["model_weights"].attrs.get("keras_version", "")))
        if not version:
            raise ValueError("%s: Keras 1 file" % path)
        return config, _legacy_weights(f["model_weights"]), version


def read_weights_only_h5(path):
    with h5py.File(path, "r") as f:
        if "layer_names" not in f.attrs and "layer_names0" not in f.attrs:
            raise ValueError("%s: not a legacy weights-only file" % path)
        return _legacy_weights(f), _str(f.attrs.get("keras_version", ""))


def _keras3_layer_weights(entry, group):
    """The variables of one config layer under its model.weights.h5 group (keras-formats 3.2)."""
    cls = entry["class_name"]

    def vars_of(g):
        if "vars" not in g:
            return []
        v = g["vars"]
        return [np.asarray(v[k], dtype=F32) for k in sorted(v.keys(), key=int)]

    if cls in ("SimpleRNN", "LSTM", "GRU"):
        return vars_of(group["cell"])
    if cls == "Bidirectional":
        return vars_of(group["forward_layer"]["cell"]) + vars_of(group["backward_layer"]["cell"])
    if cls == "TimeDistributed":
        return vars_of(group["layer"])
    if cls == "RNN":
        raise ValueError("RNN(cell) in a .keras archive is not needed by these models")
    return vars_of(group)


def read_keras_zip(path):
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
        version = json.loads(z.read("metadata.json"))["keras_version"]
        h5bytes = z.read("model.weights.h5")
    layers = config["config"]["layers"]
    if config["class_name"] == "Sequential":  # model.layers leaves out the InputLayer
        layers = [l for l in layers if l["class_name"] != "InputLayer"]
    weights = {}
    counts = {}
    with h5py.File(io.BytesIO(h5bytes), "r") as f:
        for entry in layers:
            snake = to_snake_case(entry["class_name"])
            k = counts.get(snake, 0)
            counts[snake] = k + 1
            key = "layers/" + (snake if k == 0 else "%s_%d" % (snake, k))
            name = entry["config"]["name"]
            if key not in f:
                weights[name] = []
                continue
            g = f[key]
            if "vars" in g and "name" in g["vars"].attrs:  # Keras >= 3.6 records the real layer name
                recorded = _str(g["vars"].attrs["name"])
                if recorded != name:
                    raise ValueError("%s: %s holds layer %r, config says %r" % (path, key, recorded, name))
            weights[name] = _keras3_layer_weights(entry, g)
    return config, weights, version


def read_model(path, weights_path=None):
    """Any model file of ../shared/real-models (and a config .json given with a weights-only .h5)."""
    kind = file_kind(path)
    if kind == "zip":
        return read_keras_zip(path)
    if kind == "hdf5":
        return read_legacy_h5(path)
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    if weights_path is None:
        raise ValueError("%s: a model config needs a weights file" % path)
    weights, version = read_weights_only_h5(weights_path)
    config = {"class_name": config["class_name"], "config": config["config"]} if "config" in config else config
    return config, weights, version or config.get("keras_version", "")


# =============================================================================================
# Layers beyond reference_rnn
# =============================================================================================
class RNNLayer(ref.RNNL):
    """reference_rnn.RNNL plus the stateful/initial_state rule of the writer's Keras version."""

    def __init__(self, class_name, cfg, weights, km, force_zero_output_for_mask=None):
        super().__init__(class_name, cfg, weights, km, force_zero_output_for_mask)
        self.km = km

    def call(self, inputs, masks):
        x = inputs[0]
        mask = masks[0] if masks else None
        if x.ndim != 3:
            raise ValueError("RNN input must be 3-D")
        if self.time_major:
            raise ValueError("time_major is not used by the real models")
        B = x.shape[0]
        zeros = [np.zeros((B, n), F32) for n in self.cell.state_sizes]
        passed = [np.asarray(s, F32) for s in inputs[1:]] or None
        if passed is not None and len(passed) != len(self.cell.state_sizes):
            raise ValueError("wrong number of initial states")
        recorded = self.states if (self.stateful and self.states is not None) else (zeros if self.stateful else None)
        if not self.stateful:
            init = passed if passed is not None else zeros
        elif passed is None:
            init = recorded
        elif self.km.passed_initial_state_wins:
            init = passed  # Keras 3 and standalone Keras 2: an initial_state given to the call always wins
        else:
            # tf.keras (TF >= 2.1): use the passed states only while the recorded ones are all zero
            nonzero = sum(int(np.count_nonzero(s)) for s in recorded)
            init = recorded if nonzero > 0 else passed
        last, outs, states = ref.rnn_loop(self.cell, x, init, mask, self.go_backwards, self.zero_output_for_mask)
        if self.stateful:
            self.states = states
        if self.return_sequences:
            out, out_mask = outs, mask
        else:
            out, out_mask = last, None
        if self.return_state:
            return [out] + list(states), [out_mask] + [None] * len(states)
        return [out], [out_mask]


class BidirectionalLayer(ref.Layer):
    """Bidirectional with the inner layer config of Keras 2 (backward copy rebuilt) or an explicit backward_layer."""

    def __init__(self, cfg, weights, km):
        inner = cfg["layer"]
        icfg = dict(inner["config"])
        rs = bool(icfg.get("return_sequences", False))
        half = len(weights) // 2
        if "backward_layer" in cfg and cfg["backward_layer"] is not None:
            bw_entry = cfg["backward_layer"]
            bcfg = dict(bw_entry["config"])
            fcfg = icfg
        else:
            bw_entry = inner
            fcfg = dict(icfg, name="forward_" + icfg["name"])
            bcfg = dict(icfg, name="backward_" + icfg["name"], go_backwards=not icfg.get("go_backwards", False))
        # Bidirectional forces zero_output_for_mask = return_sequences on both inner layers.
        self.fw = RNNLayer(inner["class_name"], _normalise_rnn(fcfg, km), weights[:half], km, force_zero_output_for_mask=rs)
        self.bw = RNNLayer(bw_entry["class_name"], _normalise_rnn(bcfg, km), weights[half:], km, force_zero_output_for_mask=rs)
        self.merge_mode = cfg.get("merge_mode", "concat")
        self.return_sequences = rs
        self.stateful = self.fw.stateful

    def reset_states(self):
        self.fw.reset_states()
        self.bw.reset_states()

    def call(self, inputs, masks):
        x = inputs[0]
        mask = masks[0] if masks else None
        init = inputs[1:]
        h = len(init) // 2
        y = self.fw.call([x] + list(init[:h]), [mask])[0]
        y_rev = self.bw.call([x] + list(init[h:]), [mask])[0]
        states = y[1:] + y_rev[1:]
        y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = np.flip(y_rev, axis=1)  # back to input order
        out = ref.merge_bidirectional(y, y_rev, self.merge_mode)
        out_mask = mask if self.return_sequences else None
        return out + states, [out_mask] * len(out) + [None] * len(states)


def _normalise_rnn(cfg, km):
    cfg = dict(cfg)
    if "reset_after" not in cfg:  # Keras <= 2.1.2 wrote no key: the original GRU; Keras 3's default is True
        cfg["reset_after"] = km >= 3
    return cfg


def make_layer(entry, weights, km):
    cls = entry["class_name"]
    cfg = entry["config"]
    if cls in ("SimpleRNN", "LSTM", "GRU"):
        return RNNLayer(cls, _normalise_rnn(cfg, km), weights, km)
    if cls == "Bidirectional":
        return BidirectionalLayer(cfg, weights, km)
    if cls == "RNN":
        raise ValueError("RNN(cell) is not used by the real models")
    if cls == "Dense" and cfg.get("activation") is None:
        cfg = dict(cfg, activation="linear")
    return ref.make_layer({"class_name": cls, "config": cfg}, weights, km)


def layer_weight_count(entry):
    return ref.layer_weight_count(entry)


# =============================================================================================
# Model graph (Keras 2 and Keras 3 configs)
# =============================================================================================
def _keras_tensors(obj):
    """All __keras_tensor__ references in a Keras 3 node argument, in order."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            h = obj["config"]["keras_history"]
            return [(h[0], h[1], h[2])]
        out = []
        for v in obj.values():
            out += _keras_tensors(v)
        return out
    if isinstance(obj, (list, tuple)):
        out = []
        for v in obj:
            out += _keras_tensors(v)
        return out
    return []


def _node_refs(node):
    """(layer, tensor index) of every input of one inbound node, call inputs first, then initial states."""
    if isinstance(node, dict):  # Keras 3
        refs = _keras_tensors(node.get("args", []))
        kwargs = dict(node.get("kwargs", {}))
        for key in list(kwargs):
            if key == "initial_state":
                refs += _keras_tensors(kwargs.pop(key))
            elif key in ("training", "mask") and not _keras_tensors(kwargs[key]):
                kwargs.pop(key)
        if kwargs:
            raise ValueError("unsupported call kwargs %r" % (kwargs,))
    else:  # Keras 2: [[layer, node_index, tensor_index, kwargs], ...]
        refs = []
        for t in node:
            if t[3]:
                raise ValueError("unsupported call kwargs %r" % (t[3],))
            refs.append((t[0], t[1], t[2]))
    for r in refs:
        if r[1] != 0:
            raise ValueError("shared layers (node_index != 0) are not used by the real models")
    return [(r[0], r[2]) for r in refs]


def _tensor_list(v):
    """input_layers / output_layers: [[name, 0, k], ...] or a bare [name, 0, k] (Keras 3, single tensor)."""
    if len(v) == 3 and isinstance(v[0], str):
        return [(v[0], v[2])]
    return [(x[0], x[2]) for x in v]


class Model:
    def __init__(self, model_config, weights_by_layer, keras_version):
        self.keras_version = keras_version
        km = keras_major(keras_version)
        self.class_name = model_config["class_name"]
        cfg = model_config["config"]
        self.nodes = {}
        if self.class_name == "Sequential":
            entries = cfg if isinstance(cfg, list) else cfg["layers"]  # Keras <= 2.2.0 wrote a bare list
            if entries[0]["class_name"] == "InputLayer":
                self.input_names = [entries[0]["config"]["name"]]
                self.input_shapes = [entries[0]["config"].get("batch_input_shape") or entries[0]["config"].get("batch_shape")]
                entries = entries[1:]
            else:
                self.input_names = [entries[0]["config"]["name"] + "_input"]
                self.input_shapes = [entries[0]["config"].get("batch_input_shape")]
            prev = self.input_names[0]
            for e in entries:
                self.nodes[e["config"]["name"]] = [(prev, 0)]
                prev = e["config"]["name"]
            self.output_refs = [(prev, 0)]
            self.entries = entries
            self.layer_names = [e["config"]["name"] for e in entries]  # model.layers leaves out the InputLayer
        elif self.class_name in ("Functional", "Model"):
            self.entries = cfg["layers"]
            for e in self.entries:
                if e["class_name"] == "InputLayer":
                    continue
                if len(e["inbound_nodes"]) != 1:
                    raise ValueError("layer %s: exactly one inbound node supported" % e["name"])
                self.nodes[e["name"]] = _node_refs(e["inbound_nodes"][0])
            self.input_names = [n for n, _ in _tensor_list(cfg["input_layers"])]
            shapes = {e["name"]: e["config"].get("batch_input_shape") or e["config"].get("batch_shape")
                      for e in self.entries if e["class_name"] == "InputLayer"}
            self.input_shapes = [shapes[n] for n in self.input_names]
            self.output_refs = _tensor_list(cfg["output_layers"])
            self.layer_names = [e["name"] for e in self.entries]
        else:
            raise ValueError("unsupported model class %r" % self.class_name)
        self.layers = {}
        self.order = []
        for e in self.entries:
            name = e["config"]["name"] if self.class_name == "Sequential" else e["name"]
            w = weights_by_layer.get(name, [])
            n = layer_weight_count(e)
            if len(w) != n:
                raise ValueError("layer %s: expected %d weight arrays, got %d" % (name, n, len(w)))
            self.layers[name] = make_layer(e, w, km)
            self.order.append(name)
        self.entry_by_name = dict(zip(self.order, self.entries))

    def reset_states(self):
        for l in self.layers.values():
            l.reset_states()

    def __call__(self, inputs):
        """One predict() call: inputs in model input order; returns the outputs in model.predict order."""
        tensors = {}
        for name, x in zip(self.input_names, inputs):
            tensors[(name, 0)] = (x, None)
        pending = [n for n in self.order if n in self.nodes]
        while pending:
            progressed = False
            for name in list(pending):
                refs = self.nodes[name]
                if not all(r in tensors for r in refs):
                    continue
                outs, out_masks = self.layers[name].call([tensors[r][0] for r in refs], [tensors[r][1] for r in refs])
                for k, (o, m) in enumerate(zip(outs, out_masks)):
                    tensors[(name, k)] = (np.asarray(o, F32), m)
                pending.remove(name)
                progressed = True
            if not progressed:
                raise ValueError("graph cannot be evaluated: %r" % pending)
        return [tensors[r][0] for r in self.output_refs]
