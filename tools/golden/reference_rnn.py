#!/usr/bin/env python3
"""Independent NumPy reference for Keras RNN semantics, and the golden cases TF.js cannot produce.

    python3 reference_rnn.py [OUT_DIR]        (OUT_DIR defaults to ../../tests/data/golden)

This file is two things:

1. A small interpreter for Keras 2 (tf.keras 2.x) model-config JSON, written from the equations and
   rules of shared/reference/keras-formats.md sections 4 and 5 (TensorFlow-backend semantics):
   SimpleRNN / LSTM / GRU (reset_after True and False) cells, StackedRNNCells, the generic RNN loop
   (mask, go_backwards, initial and stateful states, zero_output_for_mask, time_major, return_state),
   Bidirectional, and the layers found around RNNs (InputLayer, Masking, Embedding, Dense,
   TimeDistributed(Dense), Dropout, Activation, RepeatVector, Concatenate, Add), with Keras's mask
   propagation through Sequential and Functional graphs. Everything runs in float32.
   `run_case(case)` recomputes the outputs of any golden case file; crosscheck.py uses it on the
   TF.js cases.

2. The generator of the "numpy" golden cases: behaviours where TF.js departs from Keras (GRU
   reset_after=True, zero_output_for_mask, time_major, masks with a non-zero initial state, masked
   Bidirectional with return_sequences, Keras-3 hard_sigmoid). They use the same JSON schema as the
   TF.js cases, with "reference": "numpy tools/golden/reference_rnn.py".

It depends on NumPy only, and on nothing from the RNNScope C++ project.
"""
import json
import os
import sys

try:
    import numpy as np
except ImportError:  # e.g. a pyenv python3 without numpy: fall back to Debian's python3-numpy
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

F32 = np.float32
REFERENCE = "numpy tools/golden/reference_rnn.py"


# =============================================================================================
# Activations
# =============================================================================================
def _sigmoid(x):
    return (F32(1.0) / (F32(1.0) + np.exp(-x))).astype(F32)


def _softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return (e / np.sum(e, axis=-1, keepdims=True)).astype(F32)


def activation_fn(name, keras_major):
    """Activation by Keras name; hard_sigmoid depends on the Keras major version."""
    if name in (None, "linear"):
        return lambda x: x
    if name == "tanh":
        return lambda x: np.tanh(x).astype(F32)
    if name == "sigmoid":
        return _sigmoid
    if name == "relu":
        return lambda x: np.maximum(x, F32(0.0))
    if name == "softmax":
        return _softmax
    if name == "hard_sigmoid":
        if keras_major >= 3:  # Keras 3: relu6(x + 3) / 6 == clip(x/6 + 0.5, 0, 1)
            return lambda x: np.clip(x / F32(6.0) + F32(0.5), F32(0.0), F32(1.0)).astype(F32)
        return lambda x: np.clip(F32(0.2) * x + F32(0.5), F32(0.0), F32(1.0)).astype(F32)  # Keras 2
    raise ValueError("unsupported activation: %r" % name)


# =============================================================================================
# Cells: step(x [B,F], states list) -> (output [B,U], new_states list)
# =============================================================================================
class SimpleRNNCell:
    n_weights_fn = staticmethod(lambda cfg: 3 if cfg.get("use_bias", True) else 2)

    def __init__(self, cfg, weights, km):
        self.units = cfg["units"]
        self.act = activation_fn(cfg.get("activation", "tanh"), km)
        self.W, self.U = weights[0], weights[1]
        self.b = weights[2] if cfg.get("use_bias", True) else None
        self.state_sizes = [self.units]

    def step(self, x, states):
        h = states[0]
        z = x @ self.W
        if self.b is not None:
            z = z + self.b
        z = z + h @ self.U
        h_new = self.act(z)
        return h_new, [h_new]


class LSTMCell:
    n_weights_fn = staticmethod(lambda cfg: 3 if cfg.get("use_bias", True) else 2)

    def __init__(self, cfg, weights, km):
        self.units = cfg["units"]
        self.act = activation_fn(cfg.get("activation", "tanh"), km)
        self.ract = activation_fn(cfg.get("recurrent_activation", "sigmoid"), km)
        self.W, self.U = weights[0], weights[1]
        self.b = weights[2] if cfg.get("use_bias", True) else None
        self.state_sizes = [self.units, self.units]

    def step(self, x, states):
        h, c = states
        u = self.units
        z = x @ self.W + h @ self.U
        if self.b is not None:
            z = z + self.b
        i = self.ract(z[:, 0:u])          # gate blocks: i, f, c, o
        f = self.ract(z[:, u:2 * u])
        g = self.act(z[:, 2 * u:3 * u])
        o = self.ract(z[:, 3 * u:4 * u])
        c_new = f * c + i * g
        h_new = o * self.act(c_new)
        return h_new, [h_new, c_new]


class GRUCell:
    n_weights_fn = staticmethod(lambda cfg: 3 if cfg.get("use_bias", True) else 2)

    def __init__(self, cfg, weights, km):
        self.units = cfg["units"]
        self.act = activation_fn(cfg.get("activation", "tanh"), km)
        self.ract = activation_fn(cfg.get("recurrent_activation", "sigmoid"), km)
        self.reset_after = bool(cfg.get("reset_after", False))
        self.W, self.U = weights[0], weights[1]
        self.bi = self.br = None
        if cfg.get("use_bias", True):
            b = weights[2]
            if self.reset_after:
                assert b.shape == (2, 3 * self.units), "GRU reset_after=True bias must be [2, 3u]"
                self.bi, self.br = b[0], b[1]
            else:
                assert b.shape == (3 * self.units,), "GRU reset_after=False bias must be [3u]"
                self.bi = b
        self.state_sizes = [self.units]

    def step(self, x, states):
        h = states[0]
        u = self.units
        xw = x @ self.W                        # gate blocks: z (update), r (reset), h (candidate)
        if self.bi is not None:
            xw = xw + self.bi
        if self.reset_after:
            hu = h @ self.U
            if self.br is not None:
                hu = hu + self.br
            z = self.ract(xw[:, 0:u] + hu[:, 0:u])
            r = self.ract(xw[:, u:2 * u] + hu[:, u:2 * u])
            hh = self.act(xw[:, 2 * u:] + r * hu[:, 2 * u:])
        else:
            hu = h @ self.U[:, 0:2 * u]
            z = self.ract(xw[:, 0:u] + hu[:, 0:u])
            r = self.ract(xw[:, u:2 * u] + hu[:, u:2 * u])
            hh = self.act(xw[:, 2 * u:] + (r * h) @ self.U[:, 2 * u:])
        h_new = z * h + (F32(1.0) - z) * hh
        return h_new, [h_new]


class MinimalRNNCell:
    """The cell of Keras's own keras.layers.RNN documentation example: output = x.kernel + h.recurrent_kernel,
    no bias, no activation, one state (the output)."""
    n_weights_fn = staticmethod(lambda cfg: 2)

    def __init__(self, cfg, weights, km):
        self.units = cfg["units"]
        self.W, self.U = weights[0], weights[1]
        self.state_sizes = [self.units]

    def step(self, x, states):
        out = x @ self.W + states[0] @ self.U
        return out, [out]


CELLS = {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell, "MinimalRNNCell": MinimalRNNCell}
LAYER_CELL = {"SimpleRNN": "SimpleRNNCell", "LSTM": "LSTMCell", "GRU": "GRUCell"}


class StackedCells:
    """StackedRNNCells; states are flattened cell by cell in order (Keras order)."""

    def __init__(self, cells):
        self.cells = cells
        self.state_sizes = [s for c in cells for s in c.state_sizes]
        self.units = cells[-1].units

    def step(self, x, states):
        new_states = []
        k = 0
        out = x
        for c in self.cells:
            n = len(c.state_sizes)
            out, ns = c.step(out, states[k:k + n])
            new_states += ns
            k += n
        return out, new_states


def build_cell(cell_obj, weights, km):
    """cell_obj: {"class_name", "config"} of a cell or StackedRNNCells; consumes weights in order."""
    cls = cell_obj["class_name"]
    if cls == "StackedRNNCells":
        cells = []
        for c in cell_obj["config"]["cells"]:
            n = CELLS[c["class_name"]].n_weights_fn(c["config"])
            cells.append(build_cell(c, weights[:n], km))
            weights = weights[n:]
        return StackedCells(cells)
    return CELLS[cls](cell_obj["config"], weights, km)


def cell_weight_count(cell_obj):
    if cell_obj["class_name"] == "StackedRNNCells":
        return sum(cell_weight_count(c) for c in cell_obj["config"]["cells"])
    return CELLS[cell_obj["class_name"]].n_weights_fn(cell_obj["config"])


# =============================================================================================
# The generic RNN loop (keras.backend.rnn, TensorFlow semantics)
# =============================================================================================
def rnn_loop(cell, x, initial_states, mask=None, go_backwards=False, zero_output_for_mask=False):
    """x: [B,T,F] batch-major float32; mask: bool [B,T] or None.

    Returns (last_output [B,U], outputs [B,T,U] in processing order, final_states).
    At a masked step every state keeps its previous value and the output is the previous emitted
    output (zeros before the first emitted one), or zeros with zero_output_for_mask.
    """
    B, T = x.shape[0], x.shape[1]
    steps = list(range(T))
    if go_backwards:
        steps = steps[::-1]  # inputs and mask reversed in time; outputs stay in processing order
    states = [s.astype(F32) for s in initial_states]
    prev_output = np.zeros((B, cell.units), F32)
    outputs = []
    for t in steps:
        out, new_states = cell.step(x[:, t, :], states)
        if mask is not None:
            m = mask[:, t][:, None]
            fallback = np.zeros_like(out) if zero_output_for_mask else prev_output
            out = np.where(m, out, fallback).astype(F32)
            new_states = [np.where(m, ns, s).astype(F32) for ns, s in zip(new_states, states)]
        states = new_states
        prev_output = out
        outputs.append(out)
    if T == 0:
        raise ValueError("zero timesteps")
    return outputs[-1], np.stack(outputs, axis=1), states


# =============================================================================================
# Layers. call(inputs list, masks list) -> (outputs list, output masks list)
# =============================================================================================
class Layer:
    n_weights = 0
    stateful = False

    def reset_states(self):
        pass


class InputLayerL(Layer):
    def __init__(self, cfg, weights, km):
        self.cfg = cfg

    def call(self, inputs, masks):
        return inputs, masks


class MaskingL(Layer):
    def __init__(self, cfg, weights, km):
        self.value = F32(cfg.get("mask_value", 0.0))

    def call(self, inputs, masks):
        x = inputs[0]
        m = np.any(x != self.value, axis=-1)
        return [(x * m[..., None]).astype(F32)], [m]


class EmbeddingL(Layer):
    def __init__(self, cfg, weights, km):
        self.E = weights[0]
        self.mask_zero = bool(cfg.get("mask_zero", False))

    def call(self, inputs, masks):
        ids = np.asarray(inputs[0]).astype(np.int64)
        out = self.E[ids]
        return [out.astype(F32)], [(ids != 0) if self.mask_zero else None]


class DenseL(Layer):
    def __init__(self, cfg, weights, km):
        self.W = weights[0]
        self.b = weights[1] if cfg.get("use_bias", True) else None
        self.act = activation_fn(cfg.get("activation", "linear"), km)

    def apply(self, x):
        y = np.tensordot(x, self.W, axes=([x.ndim - 1], [0])).astype(F32)
        if self.b is not None:
            y = y + self.b
        return self.act(y)

    def call(self, inputs, masks):
        return [self.apply(inputs[0])], [masks[0]]  # Dense passes the mask on


class TimeDistributedL(Layer):
    def __init__(self, cfg, weights, km):
        inner = cfg["layer"]
        if inner["class_name"] != "Dense":
            raise ValueError("TimeDistributed: only Dense is supported by this reference")
        self.inner = DenseL(inner["config"], weights, km)

    def call(self, inputs, masks):
        x = inputs[0]
        B, T = x.shape[0], x.shape[1]
        y = self.inner.apply(x.reshape((B * T,) + x.shape[2:]))  # inner layer on every timestep
        return [y.reshape((B, T) + y.shape[1:])], [masks[0]]


class DropoutL(Layer):
    def __init__(self, cfg, weights, km):
        pass

    def call(self, inputs, masks):
        return [inputs[0]], [masks[0]]  # identity at inference


class ActivationL(Layer):
    def __init__(self, cfg, weights, km):
        self.act = activation_fn(cfg["activation"], km)

    def call(self, inputs, masks):
        return [self.act(inputs[0])], [masks[0]]


class RepeatVectorL(Layer):
    def __init__(self, cfg, weights, km):
        self.n = cfg["n"]

    def call(self, inputs, masks):
        x = inputs[0]
        return [np.repeat(x[:, None, :], self.n, axis=1).astype(F32)], [None]


def _merge_masks(inputs, masks):
    if all(m is None for m in masks):
        return None
    ms = [m if m is not None else np.ones(x.shape[:2], bool) for x, m in zip(inputs, masks)]
    return np.all(np.stack(ms, 0), axis=0)


class ConcatenateL(Layer):
    def __init__(self, cfg, weights, km):
        self.axis = cfg.get("axis", -1)

    def call(self, inputs, masks):
        return [np.concatenate(inputs, axis=self.axis).astype(F32)], [_merge_masks(inputs, masks)]


class AddL(Layer):
    def __init__(self, cfg, weights, km):
        pass

    def call(self, inputs, masks):
        y = inputs[0]
        for x in inputs[1:]:
            y = y + x
        return [y.astype(F32)], [_merge_masks(inputs, masks)]


class RNNL(Layer):
    """SimpleRNN / LSTM / GRU / RNN(cell) layer."""

    def __init__(self, class_name, cfg, weights, km, force_zero_output_for_mask=None):
        self.cfg = cfg
        if class_name == "RNN":
            cell_obj = cfg["cell"]
        else:
            cell_obj = {"class_name": LAYER_CELL[class_name], "config": cfg}
        self.cell = build_cell(cell_obj, weights, km)
        self.return_sequences = bool(cfg.get("return_sequences", False))
        self.return_state = bool(cfg.get("return_state", False))
        self.go_backwards = bool(cfg.get("go_backwards", False))
        self.stateful = bool(cfg.get("stateful", False))
        self.time_major = bool(cfg.get("time_major", False))
        self.zero_output_for_mask = bool(cfg.get("zero_output_for_mask", False))
        if force_zero_output_for_mask is not None:
            self.zero_output_for_mask = force_zero_output_for_mask
        self.states = None  # stateful storage

    def reset_states(self):
        self.states = None

    def call(self, inputs, masks):
        x = inputs[0]
        mask = masks[0] if masks else None
        if x.ndim != 3:
            raise ValueError("RNN input must be 3-D")
        if self.time_major:
            x = np.transpose(x, (1, 0, 2))  # [T,B,F] -> [B,T,F]
            if mask is not None:
                raise ValueError("time_major with a mask is not supported by this reference")
        B = x.shape[0]
        if len(inputs) > 1:
            init = [np.asarray(s, F32) for s in inputs[1:]]
            if len(init) != len(self.cell.state_sizes):
                raise ValueError("wrong number of initial states")
        elif self.stateful and self.states is not None:
            init = self.states
        else:
            init = [np.zeros((B, n), F32) for n in self.cell.state_sizes]
        last, outs, states = rnn_loop(self.cell, x, init, mask, self.go_backwards, self.zero_output_for_mask)
        if self.stateful:
            self.states = states
        if self.return_sequences:
            out = np.transpose(outs, (1, 0, 2)) if self.time_major else outs
            out_mask = mask
        else:
            out, out_mask = last, None
        if self.return_state:
            return [out] + list(states), [out_mask] + [None] * len(states)
        return [out], [out_mask]


def merge_bidirectional(y, y_rev, merge_mode):
    """Bidirectional's merge (bidirectional.py::call): concat on the last axis, sum, mul, ave, or None (both)."""
    if merge_mode == "concat":
        out = [np.concatenate([y, y_rev], axis=-1)]
    elif merge_mode == "sum":
        out = [y + y_rev]
    elif merge_mode == "mul":
        out = [y * y_rev]
    elif merge_mode == "ave":
        out = [(y + y_rev) / F32(2.0)]
    elif merge_mode is None:
        out = [y, y_rev]
    else:
        raise ValueError("bad merge_mode %r" % merge_mode)
    return [o.astype(F32) for o in out]


class BidirectionalL(Layer):
    def __init__(self, cfg, weights, km):
        inner = cfg["layer"]
        icfg = dict(inner["config"])
        rs = bool(icfg.get("return_sequences", False))
        half = len(weights) // 2
        fw_cfg = dict(icfg, name="forward_" + icfg["name"])
        bw_cfg = dict(icfg, name="backward_" + icfg["name"], go_backwards=not icfg.get("go_backwards", False))
        # Bidirectional forces zero_output_for_mask = return_sequences on both inner layers.
        self.fw = RNNL(inner["class_name"], fw_cfg, weights[:half], km, force_zero_output_for_mask=rs)
        self.bw = RNNL(inner["class_name"], bw_cfg, weights[half:], km, force_zero_output_for_mask=rs)
        self.merge_mode = cfg.get("merge_mode", "concat")
        self.return_sequences = rs
        self.return_state = bool(icfg.get("return_state", False))
        self.stateful = self.fw.stateful

    def reset_states(self):
        self.fw.reset_states()
        self.bw.reset_states()

    def call(self, inputs, masks):
        x = inputs[0]
        mask = masks[0] if masks else None
        init = inputs[1:]
        if init and len(init) % 2:
            raise ValueError("Bidirectional initial_state needs an even number of states")
        h = len(init) // 2
        y, _ = self.fw.call([x] + list(init[:h]), [mask])
        y_rev, _ = self.bw.call([x] + list(init[h:]), [mask])
        states = y[1:] + y_rev[1:]
        y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            time_axis = 0 if self.fw.time_major else 1
            y_rev = np.flip(y_rev, axis=time_axis)  # back to input order
        out = merge_bidirectional(y, y_rev, self.merge_mode)
        out_mask = mask if self.return_sequences else None
        return out + states, [out_mask] * len(out) + [None] * len(states)


LAYERS = {
    "InputLayer": InputLayerL, "Masking": MaskingL, "Embedding": EmbeddingL, "Dense": DenseL,
    "TimeDistributed": TimeDistributedL, "Dropout": DropoutL, "Activation": ActivationL,
    "RepeatVector": RepeatVectorL, "Concatenate": ConcatenateL, "Add": AddL, "Bidirectional": BidirectionalL,
}
RNN_CLASSES = ("SimpleRNN", "LSTM", "GRU", "RNN")


def make_layer(entry, weights, km):
    cls = entry["class_name"]
    if cls in RNN_CLASSES:
        return RNNL(cls, entry["config"], weights, km)
    if cls not in LAYERS:
        raise ValueError("unsupported layer class %r" % cls)
    return LAYERS[cls](entry["config"], weights, km)


def layer_weight_count(entry):
    cls, cfg = entry["class_name"], entry["config"]
    if cls in ("SimpleRNN", "LSTM", "GRU"):
        return 3 if cfg.get("use_bias", True) else 2
    if cls == "RNN":
        return cell_weight_count(cfg["cell"])
    if cls == "Bidirectional":
        return 2 * layer_weight_count(cfg["layer"])
    if cls == "Dense":
        return 2 if cfg.get("use_bias", True) else 1
    if cls == "TimeDistributed":
        return layer_weight_count(cfg["layer"])
    if cls == "Embedding":
        return 1
    return 0


# =============================================================================================
# Models
# =============================================================================================
class Model:
    """A Keras 2 Sequential or Functional model built from its model_config JSON."""

    def __init__(self, model_config, weights_by_layer, keras_version="2.15.0"):
        km = int(str(keras_version).split(".")[0])
        self.class_name = model_config["class_name"]
        cfg = model_config["config"]
        self.layers = {}
        self.order = []
        if self.class_name == "Sequential":
            entries = cfg["layers"]
            if entries[0]["class_name"] == "InputLayer":
                self.input_names = [entries[0]["config"]["name"]]
                entries = entries[1:]
            else:
                self.input_names = [entries[0]["config"]["name"] + "_input"]
            prev = self.input_names[0]
            self.nodes = {}
            for e in entries:
                name = e["config"]["name"]
                self.nodes[name] = [(prev, 0)]
                prev = name
            self.output_refs = [(prev, 0)]
            self.entries = entries
        elif self.class_name in ("Functional", "Model"):
            self.entries = cfg["layers"]
            self.nodes = {}
            for e in self.entries:
                name = e["name"]
                if e["class_name"] == "InputLayer":
                    continue
                if len(e["inbound_nodes"]) != 1:
                    raise ValueError("layer %s: exactly one inbound node supported" % name)
                node = e["inbound_nodes"][0]
                refs = []
                for t in node:
                    if t[1] != 0:
                        raise ValueError("node_index != 0 not supported")
                    if t[3]:
                        raise ValueError("call kwargs not supported: %r" % (t[3],))
                    refs.append((t[0], t[2]))
                self.nodes[name] = refs
            self.input_names = [x[0] for x in cfg["input_layers"]]
            self.output_refs = [(x[0], x[2]) for x in cfg["output_layers"]]
        else:
            raise ValueError("unsupported model class %r" % self.class_name)
        for e in self.entries:
            name = e["config"]["name"] if self.class_name == "Sequential" else e["name"]
            n = layer_weight_count(e)
            w = weights_by_layer.get(name, [])
            if len(w) != n:
                raise ValueError("layer %s: expected %d weight arrays, got %d" % (name, n, len(w)))
            self.layers[name] = make_layer(e, w, km)
            self.order.append(name)

    def reset_states(self):
        for l in self.layers.values():
            l.reset_states()

    def __call__(self, inputs, mask=None):
        """inputs: list in model input order; mask: optional [B,T] bool for the first input
        (what model(x, mask=m) does)."""
        tensors = {}
        for i, (name, x) in enumerate(zip(self.input_names, inputs)):
            tensors[(name, 0)] = (x, mask if (i == 0 and mask is not None) else None)
        pending = [n for n in self.order if n in self.nodes]
        while pending:
            progressed = False
            for name in list(pending):
                refs = self.nodes[name]
                if not all(r in tensors for r in refs):
                    continue
                ins = [tensors[r][0] for r in refs]
                ms = [tensors[r][1] for r in refs]
                outs, out_masks = self.layers[name].call(ins, ms)
                for k, (o, m) in enumerate(zip(outs, out_masks)):
                    tensors[(name, k)] = (o, m)
                pending.remove(name)
                progressed = True
            if not progressed:
                raise ValueError("graph cannot be evaluated (missing inputs): %r" % pending)
        return [tensors[r][0] for r in self.output_refs]


def _arr(spec, dtype=F32):
    return np.asarray(spec["data"], dtype=dtype).reshape(spec["shape"])


def run_case(case):
    """Recompute every call of a golden case; returns a list (per call) of lists of float32 arrays."""
    weights = {}
    for w in case["weights"]:
        weights[w["layer"]] = [_arr(a) for a in w["arrays"]]
    model = Model(case["model_config"], weights, case.get("keras_version", "2.15.0"))
    results = []
    resets = case.get("reset_states_before_call") or [False] * len(case["calls"])
    for call, reset in zip(case["calls"], resets):
        if reset:
            model.reset_states()
        ins = [_arr(i, np.int64 if i.get("dtype") == "int32" else F32) for i in call["inputs"]]
        mask = None
        if call.get("mask") is not None:
            mask = _arr(call["mask"], np.int64).astype(bool)
        results.append([np.asarray(o, F32) for o in model(ins, mask)])
    return results


# =============================================================================================
# Case generation (same PRNG and JSON layout as generate.js)
# =============================================================================================
def _fnv1a(s):
    h = 0x811C9DC5
    for ch in s:
        h ^= ord(ch)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def _imul(a, b):
    return (a * b) & 0xFFFFFFFF


class Rng:
    """mulberry32, seeded with FNV-1a of the case name (identical to generate.js)."""

    def __init__(self, seed_string):
        self.a = _fnv1a(seed_string)

    def next(self):
        self.a = (self.a + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.a
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    def uniform(self, lo, hi, n):
        return [float(F32(lo + (hi - lo) * self.next())) for _ in range(n)]

    def int(self, lo, hi):
        return lo + int(self.next() * (hi - lo))


class PyFloat(float):
    """A float that must be written with a decimal point (1.0), as Python's json does."""


def _num(x):
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, PyFloat):
        return repr(float(x))
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x != x or x in (float("inf"), float("-inf")):
            raise ValueError("non-finite number")
        if x == int(x) and abs(x) < 1e21:
            if x == 0 and str(x).startswith("-"):
                return "-0.0"
            return str(int(x))  # same as JavaScript's JSON.stringify
        r = repr(x)
        return r
    raise TypeError(type(x))


def _inlineable(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, dict):
        return len(v) == 0
    if isinstance(v, list):
        return all(_inlineable(x) for x in v)
    return False


def to_json(v, indent=""):
    if v is None:
        return "null"
    if isinstance(v, (bool, int, float)):
        return _num(v)
    if isinstance(v, str):
        return json.dumps(v)
    ind2 = indent + "  "
    if isinstance(v, list):
        if not v:
            return "[]"
        if _inlineable(v):
            return "[" + ", ".join(to_json(x, ind2) for x in v) + "]"
        return "[\n" + ",\n".join(ind2 + to_json(x, ind2) for x in v) + "\n" + indent + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{\n" + ",\n".join(ind2 + json.dumps(k) + ": " + to_json(x, ind2) for k, x in v.items()) + "\n" + indent + "}"
    raise TypeError(type(v))


# ---- Keras 2 (tf.keras 2.15, legacy-h5 style) config builders, as in keras_config.js --------
def _init(cls, cfg=None):
    return {"module": "keras.initializers", "class_name": cls, "config": cfg or {}, "registered_name": None}


def _base(name):
    return {"name": name, "trainable": True, "dtype": "float32"}


def _rnn_base(o):
    c = {k: bool(o.get(k, False)) for k in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major")}
    if o.get("zero_output_for_mask"):
        c["zero_output_for_mask"] = True
    return c


def _cell_keys(kind, units, o, is_cell):
    c = {"units": units, "activation": o.get("activation", "tanh")}
    if kind != "simple":
        c["recurrent_activation"] = o.get("recurrent_activation", "sigmoid")
    c["use_bias"] = o.get("use_bias", True)
    c["kernel_initializer"] = _init("GlorotUniform", {"seed": None})
    c["recurrent_initializer"] = _init("Orthogonal", {"gain": PyFloat(1.0), "seed": None})
    c["bias_initializer"] = _init("Zeros")
    if kind == "lstm":
        c["unit_forget_bias"] = True
    c.update({"kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None})
    if not is_cell:
        c["activity_regularizer"] = None
    c.update({"kernel_constraint": None, "recurrent_constraint": None, "bias_constraint": None,
              "dropout": PyFloat(0.0), "recurrent_dropout": PyFloat(0.0)})
    if kind != "simple":
        c["implementation"] = 2
    if kind == "gru":
        c["reset_after"] = bool(o.get("reset_after", True))
    return c


def SimpleRNN(name, units, **o):
    return {"class_name": "SimpleRNN", "config": {**_base(name), **_rnn_base(o), **_cell_keys("simple", units, o, False)}}


def LSTM(name, units, **o):
    return {"class_name": "LSTM", "config": {**_base(name), **_rnn_base(o), **_cell_keys("lstm", units, o, False)}}


def GRU(name, units, **o):  # tf.keras 2.x default: reset_after=True
    return {"class_name": "GRU", "config": {**_base(name), **_rnn_base(o), **_cell_keys("gru", units, o, False)}}


def LSTMCellC(name, units, **o):
    return {"class_name": "LSTMCell", "config": {**_base(name), **_cell_keys("lstm", units, o, True)}}


def GRUCellC(name, units, **o):
    return {"class_name": "GRUCell", "config": {**_base(name), **_cell_keys("gru", units, o, True)}}


def SimpleRNNCellC(name, units, **o):
    return {"class_name": "SimpleRNNCell", "config": {**_base(name), **_cell_keys("simple", units, o, True)}}


def MinimalRNNCellC(name, units):
    # A custom class in Keras: its config is what its get_config() returns (name, trainable, dtype, units).
    return {"class_name": "MinimalRNNCell", "config": {**_base(name), "units": units}}


def _ser_cell(c, input_dim):
    return {"module": "keras.layers", "class_name": c["class_name"], "config": c["config"], "registered_name": None,
            "build_config": {"input_shape": [None, input_dim]}}


def RNN(name, cell, input_dim, **o):
    if isinstance(cell, list):
        cells, d = [], input_dim
        for c in cell:
            cells.append(_ser_cell(c, d))
            d = c["config"]["units"]
        cell_obj = {"module": "keras.layers", "class_name": "StackedRNNCells",
                    "config": {**_base("stacked_rnn_cells"), "cells": cells}, "registered_name": None}
    else:
        cell_obj = _ser_cell(cell, input_dim)
    return {"class_name": "RNN", "config": {**_base(name), **_rnn_base(o), "cell": cell_obj}}


def Bidirectional(name, layer, merge_mode="concat"):
    return {"class_name": "Bidirectional", "config": {**_base(name), "layer": {
        "module": "keras.layers", "class_name": layer["class_name"], "config": layer["config"], "registered_name": None},
        "merge_mode": merge_mode}}


def Dense(name, units, activation="linear", use_bias=True):
    return {"class_name": "Dense", "config": {**_base(name), "units": units, "activation": activation, "use_bias": use_bias,
            "kernel_initializer": _init("GlorotUniform", {"seed": None}), "bias_initializer": _init("Zeros"),
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None}}


def TimeDistributed(name, layer, inner_input_dim):
    return {"class_name": "TimeDistributed", "config": {**_base(name), "layer": {
        "module": "keras.layers", "class_name": layer["class_name"], "config": layer["config"], "registered_name": None,
        "build_config": {"input_shape": [None, inner_input_dim]}}}}


def RepeatVector(name, n):
    return {"class_name": "RepeatVector", "config": {**_base(name), "n": n}}


def Masking(name, mask_value=0.0):
    return {"class_name": "Masking", "config": {**_base(name), "mask_value": PyFloat(mask_value)}}


def Embedding(name, input_dim, output_dim, mask_zero=False, input_length=None):
    return {"class_name": "Embedding", "config": {**_base(name), "input_dim": input_dim, "output_dim": output_dim,
            "embeddings_initializer": _init("RandomUniform", {"minval": PyFloat(-0.05), "maxval": PyFloat(0.05), "seed": None}),
            "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
            "mask_zero": mask_zero, "input_length": input_length}}


def _input_cfg(name, shape, dtype="float32"):
    return {"batch_input_shape": shape, "dtype": dtype, "sparse": False, "ragged": False, "name": name}


def Sequential(batch_shape, layers, name="sequential"):
    first = layers[0]
    fc = {}
    for k, v in first["config"].items():
        fc[k] = v
        if k == "dtype":
            fc["batch_input_shape"] = batch_shape
    ls = [{"class_name": "InputLayer", "config": _input_cfg(first["config"]["name"] + "_input", batch_shape)},
          {"class_name": first["class_name"], "config": fc}] + layers[1:]
    return {"class_name": "Sequential", "config": {"name": name, "layers": ls}}


def Functional(nodes, inputs, outputs, name="model"):
    """nodes: ("input", name, shape) or (layer, [[name, tensor_index], ...])."""
    ls = []
    for n in nodes:
        if n[0] == "input":
            ls.append({"class_name": "InputLayer", "config": _input_cfg(n[1], n[2]), "name": n[1], "inbound_nodes": []})
        else:
            layer, inbound = n
            ls.append({"class_name": layer["class_name"], "config": layer["config"], "name": layer["config"]["name"],
                       "inbound_nodes": [[[t[0], 0, t[1] if len(t) > 1 else 0, {}] for t in inbound]]})
    return {"class_name": "Functional", "config": {"name": name, "layers": ls,
            "input_layers": [[i, 0, 0] for i in inputs],
            "output_layers": [[o[0], 0, o[1]] if isinstance(o, (list, tuple)) else [o, 0, 0] for o in outputs]}}


# ---- weight shapes and names (tf.keras 2.x) ------------------------------------------------
_GATES = {"SimpleRNNCell": 1, "LSTMCell": 4, "GRUCell": 3, "MinimalRNNCell": 1}
_SCOPE = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}


def _cell_weights(cls, cfg, input_dim, prefix):
    u = cfg["units"]
    g = _GATES[cls]
    ws = [(prefix + "kernel:0", [input_dim, g * u]), (prefix + "recurrent_kernel:0", [u, g * u])]
    if cfg.get("use_bias", True) and cls != "MinimalRNNCell":
        if cls == "GRUCell" and cfg.get("reset_after", False):
            ws.append((prefix + "bias:0", [2, g * u]))
        else:
            ws.append((prefix + "bias:0", [g * u]))
    return ws


def _rnn_weights(entry, input_dim, scope):
    cls, cfg = entry["class_name"], entry["config"]
    if cls in _SCOPE:
        return _cell_weights(LAYER_CELL[cls], cfg, input_dim, scope + _SCOPE[cls] + "/"), cfg["units"]
    cell = cfg["cell"]
    if cell["class_name"] == "StackedRNNCells":
        ws, d = [], input_dim
        for c in cell["config"]["cells"]:
            ws += _cell_weights(c["class_name"], c["config"], d, scope + cell["config"]["name"] + "/" + c["config"]["name"] + "/")
            d = c["config"]["units"]
        return ws, d
    return _cell_weights(cell["class_name"], cell["config"], input_dim, scope + cell["config"]["name"] + "/"), cell["config"]["units"]


def weight_specs(entry, input_dim):
    """[(name, shape), ...] in get_weights() order for a layer whose input feature size is input_dim."""
    cls, cfg = entry["class_name"], entry["config"]
    n = cfg["name"]
    if cls in RNN_CLASSES:
        return _rnn_weights(entry, input_dim, n + "/")[0]
    if cls == "Bidirectional":
        inner = cfg["layer"]
        iname = inner["config"]["name"]
        return _rnn_weights(inner, input_dim, n + "/forward_" + iname + "/")[0] + _rnn_weights(inner, input_dim, n + "/backward_" + iname + "/")[0]
    if cls == "Dense":
        return [(n + "/kernel:0", [input_dim, cfg["units"]])] + ([(n + "/bias:0", [cfg["units"]])] if cfg["use_bias"] else [])
    if cls == "TimeDistributed":
        d = cfg["layer"]["config"]
        return [(n + "/kernel:0", [input_dim, d["units"]])] + ([(n + "/bias:0", [d["units"]])] if d["use_bias"] else [])
    if cls == "Embedding":
        return [(n + "/embeddings:0", [cfg["input_dim"], cfg["output_dim"]])]
    return []


def _prod(shape):
    p = 1
    for s in shape:
        p *= s
    return p


# ---- the numpy cases ------------------------------------------------------------------------
def X(shape, pad=(), value=0.0):
    return ("float", shape, list(pad), value)


def ST(shape):
    return ("state", shape)


def IDS(shape, vocab, zeros=()):
    return ("ids", shape, vocab, list(zeros))


def SAME(call_index, input_index=0):
    return ("same", call_index, input_index)


def right_pad(b, T, n):
    return [(b, t) for t in range(T - n, T)]


def steps(b, ts):
    return [(b, t) for t in ts]


CASES = []


def case(name, description, model, calls, input_dims, keras_version="2.15.0"):
    """input_dims: {layer_name: input feature size} for every layer with weights."""
    CASES.append(dict(name=name, description=description, model=model, calls=calls, input_dims=input_dims,
                      keras_version=keras_version))


def define_cases():
    # ---------------- GRU reset_after=True (the tf.keras 2.x / Keras 3 default) ----------------
    case("np_gru_reset_after", "GRU(4) reset_after=True (bias [2,3u]: input bias row, recurrent bias row), last output",
         Sequential([None, 6, 3], [GRU("gru", 4)]), [{"inputs": [X([2, 6, 3])]}], {"gru": 3})
    case("np_gru_reset_after_seq", "GRU(5) reset_after=True, return_sequences=True, hard_sigmoid recurrent activation (Keras 2: clip(0.2x+0.5))",
         Sequential([None, 5, 3], [GRU("gru", 5, return_sequences=True, recurrent_activation="hard_sigmoid")]),
         [{"inputs": [X([3, 5, 3])]}], {"gru": 3})
    case("np_gru_reset_after_units64_seq", "GRU(64) reset_after=True, return_sequences=True, batch 5: the register-tiled recurrent product (3u a multiple of 64) with leftover rows",
         Sequential([None, 5, 3], [GRU("gru", 64, return_sequences=True)]), [{"inputs": [X([5, 5, 3])]}], {"gru": 3})
    case("np_gru_reset_after_go_backwards_seq", "GRU(4) reset_after=True, go_backwards=True, return_sequences=True (outputs in processing order)",
         Sequential([None, 5, 2], [GRU("gru", 4, go_backwards=True, return_sequences=True)]), [{"inputs": [X([2, 5, 2])]}], {"gru": 2})
    case("np_gru_reset_after_stateful", "GRU(3) reset_after=True, stateful=True, batch 2, return_sequences=True: 3 calls, reset_states() before call 3 whose input equals call 1",
         Sequential([2, 4, 3], [GRU("gru", 3, stateful=True, return_sequences=True)]),
         [{"inputs": [X([2, 4, 3])]}, {"inputs": [X([2, 4, 3])]}, {"inputs": [SAME(0)], "reset": True}], {"gru": 3})
    case("np_gru_reset_after_nobias_relu", "GRU(4) reset_after=True, use_bias=False, activation=relu, last output",
         Sequential([None, 5, 3], [GRU("gru", 4, use_bias=False, activation="relu")]), [{"inputs": [X([2, 5, 3])]}], {"gru": 3})
    case("np_bidi_gru_reset_after_concat_seq", "Bidirectional(GRU(3, reset_after=True, return_sequences=True)) concat",
         Sequential([None, 5, 2], [Bidirectional("bidirectional", GRU("gru", 3, return_sequences=True), "concat")]),
         [{"inputs": [X([2, 5, 2])]}], {"bidirectional": 2})
    case("np_bidi_gru_reset_after_ave", "Bidirectional(GRU(4, reset_after=True)) merge_mode=ave, last output",
         Sequential([None, 4, 3], [Bidirectional("bidirectional", GRU("gru", 4), "ave")]), [{"inputs": [X([3, 4, 3])]}], {"bidirectional": 3})
    case("np_rnn_stacked_gru_reset_after_return_state",
         "Functional: RNN(StackedRNNCells[GRUCell(3, reset_after=True), LSTMCell(4)]) return_state=True -> [output, h_gru, h_lstm, c_lstm] (Keras order, cell by cell)",
         Functional([("input", "input_1", [None, 5, 2]),
                     (RNN("rnn", [GRUCellC("gru_cell", 3), LSTMCellC("lstm_cell", 4)], 2, return_state=True), [["input_1"]])],
                    ["input_1"], [["rnn", 0], ["rnn", 1], ["rnn", 2], ["rnn", 3]]),
         [{"inputs": [X([2, 5, 2])]}], {"rnn": 2})
    case("np_embedding_mask_zero_gru_reset_after", "Embedding(10, 4, mask_zero=True) -> GRU(4, reset_after=True, return_sequences=True); right-padded and holed ids (masked steps repeat the previous output)",
         Sequential([None, 6], [Embedding("embedding", 10, 4, mask_zero=True, input_length=6), GRU("gru", 4, return_sequences=True)]),
         [{"inputs": [IDS([2, 6], 10, steps(0, [4, 5]) + steps(1, [1, 2]))]}], {"embedding": None, "gru": 4})

    # ---------------- zero_output_for_mask=True ----------------
    case("np_zofm_lstm_seq", "Masking(0.0) -> LSTM(4, zero_output_for_mask=True, return_sequences=True): masked steps output zeros; right-padded sample and a hole",
         Sequential([None, 6, 3], [Masking("masking", 0.0), LSTM("lstm", 4, return_sequences=True, zero_output_for_mask=True)]),
         [{"inputs": [X([2, 6, 3], right_pad(0, 6, 2) + steps(1, [2, 3]))]}], {"lstm": 3})
    case("np_zofm_lstm_last", "Masking(0.0) -> LSTM(4, zero_output_for_mask=True), last output: the right-padded samples 0 and 2 return zeros (last_output = outputs[-1])",
         Sequential([None, 5, 3], [Masking("masking", 0.0), LSTM("lstm", 4, zero_output_for_mask=True)]),
         [{"inputs": [X([3, 5, 3], right_pad(0, 5, 2) + right_pad(2, 5, 1))]}], {"lstm": 3})
    case("np_zofm_gru_seq", "Masking(0.0) -> GRU(3, reset_after=True, zero_output_for_mask=True, return_sequences=True); hole and right padding",
         Sequential([None, 6, 2], [Masking("masking", 0.0), GRU("gru", 3, return_sequences=True, zero_output_for_mask=True)]),
         [{"inputs": [X([2, 6, 2], steps(0, [1, 2]) + right_pad(1, 6, 3))]}], {"gru": 2})
    case("np_zofm_gru_reset_before_last", "Masking(0.0) -> GRU(3, reset_after=False, zero_output_for_mask=True), last output: right-padded sample returns zeros",
         Sequential([None, 5, 2], [Masking("masking", 0.0), GRU("gru", 3, reset_after=False, zero_output_for_mask=True)]),
         [{"inputs": [X([2, 5, 2], right_pad(1, 5, 2))]}], {"gru": 2})
    case("np_zofm_simple_rnn_last", "Masking(0.0) -> SimpleRNN(4, zero_output_for_mask=True), last output: right-padded sample 1 returns zeros, sample 0 (hole only) does not",
         Sequential([None, 5, 3], [Masking("masking", 0.0), SimpleRNN("simple_rnn", 4, zero_output_for_mask=True)]),
         [{"inputs": [X([2, 5, 3], steps(0, [2]) + right_pad(1, 5, 2))]}], {"simple_rnn": 3})
    case("np_zofm_simple_rnn_go_backwards_seq", "Masking(0.0) -> SimpleRNN(3, zero_output_for_mask=True, go_backwards=True, return_sequences=True): zeros at masked steps, processing order",
         Sequential([None, 5, 2], [Masking("masking", 0.0), SimpleRNN("simple_rnn", 3, zero_output_for_mask=True, go_backwards=True, return_sequences=True)]),
         [{"inputs": [X([2, 5, 2], right_pad(0, 5, 2) + steps(1, [1]))]}], {"simple_rnn": 2})
    case("np_zofm_model_mask_lstm_seq", "LSTM(3, zero_output_for_mask=True, return_sequences=True) called as model(x, mask=m) with an explicit mask",
         Sequential([None, 5, 2], [LSTM("lstm", 3, return_sequences=True, zero_output_for_mask=True)]),
         [{"inputs": [X([2, 5, 2])], "mask": {"shape": [2, 5], "data": [1, 1, 0, 1, 0, 0, 1, 1, 1, 1]}}], {"lstm": 2})

    # ---------------- time_major=True ----------------
    case("np_time_major_lstm_seq", "LSTM(4, time_major=True, return_sequences=True): input [T=5,B=2,F=3], output [T,B,U]",
         Sequential([None, None, 3], [LSTM("lstm", 4, time_major=True, return_sequences=True)]), [{"inputs": [X([5, 2, 3])]}], {"lstm": 3})
    case("np_time_major_gru_last", "GRU(3, reset_after=True, time_major=True), last output: input [T=6,B=3,F=2], output [B,U]",
         Sequential([None, None, 2], [GRU("gru", 3, time_major=True)]), [{"inputs": [X([6, 3, 2])]}], {"gru": 2})
    case("np_time_major_simple_rnn_dense", "SimpleRNN(4, time_major=True, return_sequences=True, go_backwards=True) -> Dense(2): input [T=4,B=2,F=3], output [T,B,2] (time axis 0 in processing order)",
         Sequential([None, None, 3], [SimpleRNN("simple_rnn", 4, time_major=True, return_sequences=True, go_backwards=True), Dense("dense", 2)]),
         [{"inputs": [X([4, 2, 3])]}], {"simple_rnn": 3, "dense": 4})

    # ---------------- mask together with a non-zero initial_state ----------------
    case("np_mask_initial_state_lstm_seq",
         "Functional: Masking(0.0)(x) -> LSTM(4, return_sequences=True) with initial_state [h0, c0] as model Inputs (non-zero). "
         "Keras TF semantics: a masked step repeats the previous *emitted output*, which starts from zeros, NOT h0 "
         "(JAX/NumPy-backend Keras and TF.js would give h0 there). Sample 0 is left-padded by 2 (outputs 0 at t=0,1), sample 1 has a hole at t=3, sample 2 is fully masked (all zeros)",
         Functional([("input", "input_x", [None, 6, 3]), ("input", "input_h", [None, 4]), ("input", "input_c", [None, 4]),
                     (Masking("masking", 0.0), [["input_x"]]),
                     (LSTM("lstm", 4, return_sequences=True), [["masking"], ["input_h"], ["input_c"]])],
                    ["input_x", "input_h", "input_c"], ["lstm"]),
         [{"inputs": [X([3, 6, 3], steps(0, [0, 1]) + steps(1, [3]) + steps(2, range(6))), ST([3, 4]), ST([3, 4])]}], {"lstm": 3})
    case("np_mask_initial_state_gru_return_state",
         "Functional: Masking(0.0)(x) -> GRU(3, reset_after=True, return_state=True) with initial_state h0 as a model Input. "
         "Keras TF semantics: the fully masked sample 1 returns output zeros (previous emitted output starts from zeros, NOT h0) while its state stays h0",
         Functional([("input", "input_x", [None, 5, 2]), ("input", "input_h", [None, 3]),
                     (Masking("masking", 0.0), [["input_x"]]),
                     (GRU("gru", 3, return_state=True), [["masking"], ["input_h"]])],
                    ["input_x", "input_h"], [["gru", 0], ["gru", 1]]),
         [{"inputs": [X([2, 5, 2], steps(1, range(5)) + right_pad(0, 5, 1)), ST([2, 3])]}], {"gru": 2})
    case("np_mask_initial_state_simple_rnn_seq_backwards",
         "Functional: Masking(0.0)(x) -> SimpleRNN(3, go_backwards=True, return_sequences=True) with initial_state h0 as a model Input; right padding is processed first, so the "
         "first outputs are zeros (previous emitted output starts from zeros, NOT h0)",
         Functional([("input", "input_x", [None, 5, 2]), ("input", "input_h", [None, 3]),
                     (Masking("masking", 0.0), [["input_x"]]),
                     (SimpleRNN("simple_rnn", 3, go_backwards=True, return_sequences=True), [["masking"], ["input_h"]])],
                    ["input_x", "input_h"], ["simple_rnn"]),
         [{"inputs": [X([2, 5, 2], right_pad(0, 5, 2)), ST([2, 3])]}], {"simple_rnn": 2})

    # ---------------- masked Bidirectional with return_sequences ----------------
    case("np_bidi_masked_lstm_concat_seq",
         "Masking(0.0) -> Bidirectional(LSTM(3, return_sequences=True)) concat: inner layers get zero_output_for_mask=True, so both halves are 0 at masked steps; backward half flipped back to input order",
         Sequential([None, 6, 2], [Masking("masking", 0.0), Bidirectional("bidirectional", LSTM("lstm", 3, return_sequences=True), "concat")]),
         [{"inputs": [X([3, 6, 2], right_pad(0, 6, 2) + steps(1, [2, 3]))]}], {"bidirectional": 2})
    case("np_bidi_masked_gru_sum_seq",
         "Embedding(8, 3, mask_zero=True) -> Bidirectional(GRU(3, reset_after=True, return_sequences=True)) sum: zero output at padded steps in both directions",
         Sequential([None, 5], [Embedding("embedding", 8, 3, mask_zero=True, input_length=5), Bidirectional("bidirectional", GRU("gru", 3, return_sequences=True), "sum")]),
         [{"inputs": [IDS([2, 5], 8, right_pad(0, 5, 2) + steps(1, [0]))]}], {"embedding": None, "bidirectional": 3})
    case("np_bidi_masked_simple_none_seq",
         "Functional: Masking(0.0) -> Bidirectional(SimpleRNN(3, return_sequences=True)) merge_mode=None -> [forward, backward flipped]; zeros at masked steps",
         Functional([("input", "input_1", [None, 5, 2]), (Masking("masking", 0.0), [["input_1"]]),
                     (Bidirectional("bidirectional", SimpleRNN("simple_rnn", 3, return_sequences=True), None), [["masking"]])],
                    ["input_1"], [["bidirectional", 0], ["bidirectional", 1]]),
         [{"inputs": [X([2, 5, 2], right_pad(1, 5, 2) + steps(0, [2]))]}], {"bidirectional": 2})
    case("np_bidi_masked_lstm_seq_then_lstm",
         "Masking(0.0) -> Bidirectional(LSTM(2, return_sequences=True)) concat -> LSTM(3) (mask propagated through the Bidirectional), last output",
         Sequential([None, 6, 3], [Masking("masking", 0.0), Bidirectional("bidirectional", LSTM("lstm", 2, return_sequences=True), "concat"), LSTM("lstm_1", 3)]),
         [{"inputs": [X([2, 6, 3], right_pad(0, 6, 3))]}], {"bidirectional": 3, "lstm_1": 4})
    case("np_bidi_gru_reset_after_stateful", "Bidirectional(GRU(3, reset_after=True, stateful=True)) concat, batch 2: 2 calls carrying both directions' states, reset_states() before call 3",
         Sequential([2, 4, 2], [Bidirectional("bidirectional", GRU("gru", 3, stateful=True), "concat")]),
         [{"inputs": [X([2, 4, 2])]}, {"inputs": [X([2, 4, 2])]}, {"inputs": [X([2, 4, 2])], "reset": True}], {"bidirectional": 2})

    # ---------------- mask propagation that TF.js gets wrong ----------------
    case("np_mask_dropped_after_repeat_vector",
         "Masking(0.0) -> LSTM(4) -> RepeatVector(6) -> LSTM(3, return_sequences=True): the first LSTM (return_sequences=False) outputs no mask, "
         "so the second LSTM runs unmasked (TF.js 4.22 wrongly re-applies the Masking mask to it)",
         Sequential([None, 6, 3], [Masking("masking", 0.0), LSTM("lstm", 4), RepeatVector("repeat_vector", 6), LSTM("lstm_1", 3, return_sequences=True)]),
         [{"inputs": [X([2, 6, 3], right_pad(0, 6, 3))]}], {"lstm": 3, "lstm_1": 4})

    # ---------------- MinimalRNNCell (Keras's RNN documentation example; TF.js has no such cell) ----------------
    case("np_minimal_rnn_cell_seq", "RNN(MinimalRNNCell(4), return_sequences=True): output = x.kernel + h.recurrent_kernel, no bias, no activation",
         Sequential([None, 5, 3], [RNN("rnn", MinimalRNNCellC("minimal_rnn_cell", 4), 3, return_sequences=True)]),
         [{"inputs": [X([2, 5, 3])]}], {"rnn": 3})
    case("np_minimal_rnn_cell_stack_masked", "Masking(0.0) -> RNN(StackedRNNCells[MinimalRNNCell(3), LSTMCell(4)], go_backwards=True), last output; right-padded and holed samples",
         Sequential([None, 6, 2], [Masking("masking", 0.0),
                                   RNN("rnn", [MinimalRNNCellC("minimal_rnn_cell", 3), LSTMCellC("lstm_cell", 4)], 2, go_backwards=True)]),
         [{"inputs": [X([2, 6, 2], right_pad(0, 6, 2) + steps(1, [2]))]}], {"rnn": 2})

    # ---------------- Keras-3 hard_sigmoid ----------------
    case("np_keras3_hard_sigmoid_lstm_seq", "LSTM(4, recurrent_activation=hard_sigmoid, return_sequences=True) with keras_version 3.6.0: hard_sigmoid = clip(x/6 + 0.5, 0, 1) (config kept in Keras-2 form)",
         Sequential([None, 6, 3], [LSTM("lstm", 4, return_sequences=True, recurrent_activation="hard_sigmoid")]),
         [{"inputs": [X([2, 6, 3])]}], {"lstm": 3}, keras_version="3.6.0")
    case("np_keras3_hard_sigmoid_gru", "GRU(3, reset_after=True, recurrent_activation=hard_sigmoid, activation=hard_sigmoid) with keras_version 3.6.0: hard_sigmoid = clip(x/6 + 0.5, 0, 1), last output",
         Sequential([None, 5, 2], [GRU("gru", 3, recurrent_activation="hard_sigmoid", activation="hard_sigmoid")]),
         [{"inputs": [X([2, 5, 2])]}], {"gru": 2}, keras_version="3.6.0")
    case("np_keras2_hard_sigmoid_lstm_seq", "The same model as np_keras3_hard_sigmoid_lstm_seq, with keras_version 2.15.0: hard_sigmoid = clip(0.2x + 0.5, 0, 1) (different outputs from the same weights)",
         Sequential([None, 6, 3], [LSTM("lstm", 4, return_sequences=True, recurrent_activation="hard_sigmoid")]),
         [{"inputs": [X([2, 6, 3])]}], {"lstm": 3}, keras_version="2.15.0")


def resolve_input(spec, rng, prev):
    kind = spec[0]
    if kind == "same":
        return prev[spec[1]][spec[2]]
    if kind == "float":
        _, shape, pad, value = spec
        data = rng.uniform(-1.0, 1.0, _prod(shape))
        if pad:
            B, T, Fd = shape
            v = float(F32(value))
            for b, t in pad:
                for f in range(Fd):
                    data[(b * T + t) * Fd + f] = v
        return {"shape": list(shape), "dtype": "float32", "data": data}
    if kind == "state":
        shape = spec[1]
        return {"shape": list(shape), "dtype": "float32", "data": rng.uniform(-0.8, 0.8, _prod(shape))}
    if kind == "ids":
        _, shape, vocab, zeros = spec
        data = [rng.int(1, vocab) for _ in range(_prod(shape))]
        T = shape[1]
        for b, t in zeros:
            data[b * T + t] = 0
        return {"shape": list(shape), "dtype": "int32", "data": data}
    raise ValueError(kind)


def _model_layer_entries(model):
    ls = model["config"]["layers"]
    return [l for l in ls if l["class_name"] != "InputLayer"] if model["class_name"] == "Sequential" else ls


def _input_names(model):
    if model["class_name"] == "Sequential":
        return [model["config"]["layers"][0]["config"]["name"]]
    return [x[0] for x in model["config"]["input_layers"]]


def build_case(c):
    rng = Rng(c["name"])
    model = c["model"]
    weights = []
    for entry in _model_layer_entries(model):
        name = entry["config"]["name"]
        if layer_weight_count(entry) == 0:
            continue
        specs = weight_specs(entry, c["input_dims"].get(name))
        arrays = [{"name": wn, "shape": shape, "data": rng.uniform(-0.6, 0.6, _prod(shape))} for wn, shape in specs]
        weights.append({"layer": name, "arrays": arrays})
    names = _input_names(model)
    calls, resets, prev = [], [], []
    for call in c["calls"]:
        ins = [resolve_input(s, rng, prev) for s in call["inputs"]]
        prev.append(ins)
        resets.append(bool(call.get("reset", False)))
        calls.append({"inputs": [{"name": n, **i} for n, i in zip(names, ins)], "mask": call.get("mask"), "outputs": None})
    doc = {"name": c["name"], "description": c["description"], "reference": REFERENCE, "keras_version": c["keras_version"],
           "model_config": model, "weights": weights, "calls": calls, "reset_states_before_call": resets}
    results = run_case(doc)
    for call, outs in zip(calls, results):
        call["outputs"] = [{"shape": list(o.shape), "data": [float(v) for v in o.reshape(-1)]} for o in outs]
    return doc


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "tests", "data", "golden"))
    os.makedirs(out_dir, exist_ok=True)
    define_cases()
    seen = set()
    for c in CASES:
        assert c["name"] not in seen, c["name"]
        seen.add(c["name"])
        doc = build_case(c)
        with open(os.path.join(out_dir, c["name"] + ".json"), "w", encoding="utf-8", newline="\n") as f:
            f.write(to_json(doc) + "\n")
    print("wrote %d numpy cases (numpy %s) to %s" % (len(CASES), np.__version__, out_dir))


if __name__ == "__main__":
    main()
