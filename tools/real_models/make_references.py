#!/usr/bin/env python3
"""Reference outputs for every model file in ../shared/real-models: tests/data/real/<file stem>.json.

    /usr/bin/python3 tools/real_models/make_references.py [--shared DIR] [--out DIR]

(defaults: --shared <repo>/../shared, --out <repo>/tests/data/real). Needs NumPy and h5py; uses nothing from
the RNNScope C++ project. The model files are read and run by keras_files.py, which builds on the NumPy
reference tools/golden/reference_rnn.py.

Where the folder holds outputs that Keras computed, they are the expected values ("reference": "keras"):
the dl4j *_io.h5 companions (predictions/*, with activations/* recorded too) and the frugally-deep GRU
numbers quoted in the folder's README/index.json. The NumPy path is then run on the same inputs and its
largest difference from Keras is printed and recorded; above 1e-5 the script fails, as the reference
would be wrong. For the other files the expected values come from the NumPy path on seeded random inputs
("reference": "numpy tools/real_models/make_references.py").

dl4j_embedding_maskzero_lstm_k212_config.json ships no weights: the script writes seeded random ones as a
Keras 2.1.2-style legacy weights-only file, tests/data/real/dl4j_embedding_maskzero_lstm_k212_weights.h5.

Case file schema (read by tests/cli/tst_real_models.cpp):
  file          the real-models file this case covers
  description   what the case exercises
  reference     "keras" or "numpy tools/real_models/make_references.py"
  reference_source  where the expected values come from
  keras_version writer version
  model         "shared:<name>" = ../shared/real-models/<name> is the CLI's MODEL argument;
                "config-of:<name>" = the model_config attribute of that legacy .h5, written to a .json
  weights       null, "shared:<name>" or "real:<name>" (tests/data/real/<name>): the --weights argument
  layers        the names of model.layers; `info` must mention each
  calls         consecutive predict() calls on one model instance (`run ... --then ...`):
                {"inputs": [{"name", "shape", "dtype": "float32"|"int32", "data"}] in model input order,
                 "outputs": [{"name", "shape", "data"}] in model.predict order}
  keras_activations  (dl4j io cases) Keras-computed per-layer activations of call 0; "trace_npy" names the
                --trace-npy file whose last step must equal it (recurrent layers)
  numpy_max_abs_error_vs_keras  (keras cases) how far the NumPy path is from the Keras values
"""
import argparse
import json
import os
import sys
import zlib

try:
    import numpy as np
    import h5py
except ImportError:  # e.g. a pyenv python3 without numpy/h5py: use Debian's
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import keras_files as kf  # noqa: E402

F32 = np.float32
NUMPY_REF = "numpy tools/real_models/make_references.py"
KERAS_TOL = 1e-5
EMBED_WEIGHTS = "dl4j_embedding_maskzero_lstm_k212_weights.h5"


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


def uniform(rng, shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(F32)


# =============================================================================================
# Inputs per model (batch <= 4 unless fixed by the model; T as fixed, else 6-10)
# =============================================================================================
def masking2_inputs(rng):
    x = uniform(rng, (3, 10, 42))
    x[0, 7:, :] = 2.0          # sample 0: right padding (steps 7..9 masked)
    x[1, 0, :] = 2.0           # sample 1: first step and a hole at step 4
    x[1, 4, :] = 2.0
    x[2, 3, :21] = 2.0         # sample 2: half the features are 2.0 -> not masked; last step masked
    x[2, 9, :] = 2.0
    return [[x]]


def embedding_maskzero_inputs(rng):
    ids = rng.integers(1, 10, size=(4, 3)).astype(np.int32)  # input_dim 10; 0 is the mask id
    ids[0, 2:] = 0
    ids[1, 1:] = 0
    ids[3, :] = 0              # a fully masked sample
    return [[ids]]


def fdeep_lstm_inputs(rng):
    calls = []
    for _ in range(2):
        calls.append([uniform(rng, (1, 17, 4)), uniform(rng, (1, 1, 10)), uniform(rng, (1, 8, 4)),
                      uniform(rng, (1, 12), -0.8, 0.8), uniform(rng, (1, 12), -0.8, 0.8)])
    return calls


def cse_inputs(rng):
    ids = rng.integers(0, 5000, size=(2, 500)).astype(np.int32)
    ids[0, 480:] = 0           # trailing zeros (mask_zero=False: id 0 is an ordinary word here)
    return [[ids]]


def fdeep_gru_keras(index):
    ro = index["reference_outputs"]
    x = np.asarray(ro["input_1"], F32)
    h0 = np.asarray(ro["input_2"], F32)
    if "first_call_output" in ro:
        outs = [ro["first_call_output"], ro["second_call_output_TF2.1"]]
        source = ("Keras (tf.keras 2.2.4-tf, TF 2.1) outputs quoted from frugally-deep "
                  "test/stateful_test/temp_rnn_results.txt @52fc9082 in real-models README/index.json: "
                  "first call, then the stateful second call with the same inputs (TF 2.1 keeps the recorded state)")
    else:
        outs = [ro["output_every_call"], ro["output_every_call"]]
        source = ("Keras (tf.keras 2.2.4-tf) outputs quoted from frugally-deep "
                  "test/stateful_test/temp_rnn_results.txt @52fc9082 in real-models README/index.json (same for every call)")
    calls = [([x, h0], [np.asarray(o, F32).reshape(1, 3, 1)]) for o in outs]
    return calls, source


CASES = [
    dict(file="dl4j_simplernn_k213_model.h5",
         description="SimpleRNN(50) -> Dense(1), Keras 2.1.3, fixed batch 25, 1 timestep; Keras-computed predictions",
         keras_io=("dl4j_simplernn_k213_io.h5", "inputs/simple_rnn_1_input", "predictions/dense_1", "simple_rnn_1")),
    dict(file="dl4j_lstm_hardsig_k213_model.h5",
         description="LSTM(50, recurrent_activation=hard_sigmoid) -> Dense(1), Keras 2.1.3 (hard_sigmoid = clip(0.2x+0.5)); Keras-computed predictions",
         keras_io=("dl4j_lstm_hardsig_k213_io.h5", "inputs/lstm_1_input", "predictions/dense_1", "lstm_1")),
    dict(file="dl4j_lstm_hardsig_k213_weights.h5",
         description="The weights-only file of the LSTM(50) model, run with the model's config (its model_config attribute as .json); Keras-computed predictions",
         model="config-of:dl4j_lstm_hardsig_k213_model.h5", weights="shared:dl4j_lstm_hardsig_k213_weights.h5",
         keras_io=("dl4j_lstm_hardsig_k213_io.h5", "inputs/lstm_1_input", "predictions/dense_1", "lstm_1")),
    dict(file="dl4j_masking2_lstm_k220.h5",
         description="Masking(mask_value=2.0) -> LSTM(32, hard_sigmoid), Keras 2.2.0: right padding, a leading masked step, a hole, "
                     "and a step with only half its features at 2.0 (not masked)",
         inputs=masking2_inputs),
    dict(file="dl4j_bilstm_seq_k213.h5",
         description="Bidirectional(LSTM(10, hard_sigmoid, return_sequences), concat), Keras 2.1.3",
         inputs=lambda rng: [[uniform(rng, (3, 4, 10))]]),
    dict(file="dl4j_tfk224_bilstm_relu_repeat.h5",
         description="Bidirectional(LSTM(6, activation=relu, hard_sigmoid)) -> RepeatVector(5) -> Bidirectional(LSTM(4, relu)), tf.keras 2.2.4-tf; "
                     "variable timesteps: two independent calls with T=7 and T=9",
         inputs=lambda rng: [[uniform(rng, (3, 7, 3), 0.0, 1.0)], [uniform(rng, (3, 9, 3), 0.0, 1.0)]]),
    dict(file="dl4j_embedding_maskzero_lstm_k212_config.json",
         description="Architecture-only JSON (Keras 2.1.2): Embedding(10, 1, mask_zero=True) -> LSTM(1, activation=linear, recurrent_activation=linear, "
                     "return_sequences) -> Dense(1, relu, no bias), with seeded random weights written by make_references.py; int ids with trailing zeros "
                     "and a fully masked sample",
         weights="real:" + EMBED_WEIGHTS, inputs=embedding_maskzero_inputs),
    dict(file="fdeep_lstm_stateful_k225.h5",
         description="frugally-deep's 5-input / 16-output model (Keras 2.2.5): stateful LSTM and Bidirectional(LSTM), return_state, "
                     "recurrent_activation relu/linear/hard_sigmoid/sigmoid, initial_state inputs; two calls on one instance "
                     "(tf.keras rule: on the second call the stateful layer keeps its non-zero recorded states instead of the passed initial_state)",
         inputs=fdeep_lstm_inputs),
    dict(file="fdeep_gru_stateful_tk224.h5",
         description="Stateful GRU(1, linear, reset_after=True, no bias) with an initial_state input, tf.keras 2.2.4-tf; two calls, x=[[[1],[0],[0]]], h0=[[10]]",
         keras_fdeep=True),
    dict(file="fdeep_gru_stateless_tk224.h5",
         description="Stateless twin of the frugally-deep GRU: every call gives the same output; two calls, x=[[[1],[0],[0]]], h0=[[10]]",
         keras_fdeep=True),
    dict(file="cse5393_embedding_gru_k204.h5",
         description="Embedding(5000, 50) -> GRU(50, hard_sigmoid, original GRU: no reset_after key, bias (150,)) -> Dense(2, sigmoid), Keras 2.0.4; T=500 int ids",
         inputs=cse_inputs),
    dict(file="k3_simplernn_relu_stacked.keras",
         description="Keras 3.10 .keras archive: SimpleRNN(50, relu, return_sequences) -> SimpleRNN(50, relu) -> Dense(1)",
         inputs=lambda rng: [[uniform(rng, (3, 30, 1), 0.0, 1.0)]]),
    dict(file="k3_bilstm_stacked.keras",
         description="Keras 3.10 .keras archive: Bidirectional(LSTM(50, return_sequences)) -> Bidirectional(LSTM(50)) -> Dropout -> Dense(1), explicit backward_layer configs",
         inputs=lambda rng: [[uniform(rng, (3, 30, 1), 0.0, 1.0)]]),
    dict(file="k3_gru_stacked.keras",
         description="Keras 3.6 .keras archive: GRU(64, reset_after=True, return_sequences) -> GRU(32) -> Dense(16, relu) -> Dropout -> Dense(1)",
         inputs=lambda rng: [[uniform(rng, (3, 30, 3), 0.0, 1.0)]]),
    dict(file="k3_s2s_lstm_states.keras",
         description="Keras 3.12 .keras archive, functional seq2seq: encoder LSTM(128, return_state) -> [h, c] as initial_state (call kwargs) "
                     "of decoder LSTM(128, return_sequences, return_state) -> Dense(136, softmax); B=2, T=5",
         inputs=lambda rng: [[uniform(rng, (2, 5, 86), 0.0, 1.0), uniform(rng, (2, 5, 136), 0.0, 1.0)]]),
    dict(file="k3_legacy_h5_simplernn_k3141.h5",
         description="Legacy HDF5 written by Keras 3.14.1 (Keras 3 layer configs, weight paths without ':0'): SimpleRNN(128) -> Dropout -> Dense(16, relu) -> Dense(6, softmax); T=128",
         inputs=lambda rng: [[uniform(rng, (2, 128, 9))]]),
    dict(file="tfk212_bilstm_hdf5_named.keras",
         description="HDF5 bytes under a .keras name (tf.keras 2.12): Bidirectional(LSTM(64, return_sequences)) -> Dropout -> Bidirectional(LSTM(32)) -> Dropout -> Dense(100, relu) -> Dense(1, sigmoid); T=1",
         inputs=lambda rng: [[(rng.random((3, 1, 167)) < 0.15).astype(F32)]]),  # 167 binary (MACCS-key-like) features
]


# =============================================================================================
# The embedding config's weights (Keras 2.1.2 weights-only layout, keras-formats 1.1/1.2)
# =============================================================================================
def write_embedding_weights(path):
    rng = rng_for(EMBED_WEIGHTS)
    arrays = {
        # mostly positive, so that the relu after the all-linear LSTM lets most steps through
        "embedding_1": [("embedding_1/embeddings:0", uniform(rng, (10, 1), 0.1, 1.0))],
        "lstm_1": [("lstm_1/kernel:0", uniform(rng, (1, 4), 0.2, 0.9)),
                   ("lstm_1/recurrent_kernel:0", uniform(rng, (1, 4), -0.5, 0.5)),
                   ("lstm_1/bias:0", uniform(rng, (4,), 0.0, 0.3))],
        "dense_1": [("dense_1/kernel:0", uniform(rng, (1, 1), 0.5, 1.0))],
    }
    layer_names = ["input_1", "embedding_1", "lstm_1", "dense_1"]
    tmp = path + ".tmp"
    with h5py.File(tmp, "w", libver="earliest") as f:
        # h5py 2.x (what Keras 2.1.2 ran on) stored name lists as fixed-length, NUL-padded strings
        f.attrs["layer_names"] = np.array([n.encode() for n in layer_names])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.1.2"
        for lname in layer_names:
            g = f.create_group(lname)
            ws = arrays.get(lname, [])
            if ws:
                g.attrs["weight_names"] = np.array([n.encode() for n, _ in ws])
            else:
                g.attrs["weight_names"] = np.zeros((0,), np.float64)  # what h5py makes of an empty list
            for n, a in ws:
                g.create_dataset(n, data=a, track_times=False)
    os.replace(tmp, path)


# =============================================================================================
# JSON
# =============================================================================================
def num(v):
    v = F32(v)
    if not np.isfinite(v):
        raise ValueError("non-finite value")
    return str(v)  # numpy's shortest repr that reads back as the same float32


def tensor_json(name, a):
    a = np.asarray(a)
    d = {"name": name, "shape": list(a.shape)}
    if a.dtype.kind in "iu":
        d["dtype"] = "int32"
        d["data"] = [int(v) for v in a.reshape(-1)]
    else:
        d["dtype"] = "float32"
        d["data"] = [float(F32(v)) for v in a.reshape(-1)]
    return d


def dumps(v, indent=""):
    """JSON with one line per tensor's data; float32 values written in their shortest round-trip form."""
    ind2 = indent + "  "
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{\n" + ",\n".join(ind2 + json.dumps(k) + ": " + dumps(x, ind2) for k, x in v.items()) + "\n" + indent + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            return "[" + ", ".join(str(x) if isinstance(x, int) else num(x) for x in v) + "]"
        if all(isinstance(x, str) for x in v):
            return "[" + ", ".join(json.dumps(x) for x in v) + "]"
        return "[\n" + ",\n".join(ind2 + dumps(x, ind2) for x in v) + "\n" + indent + "]"
    return json.dumps(v)


# =============================================================================================
# Main
# =============================================================================================
def output_names(model):
    names = []
    for layer, k in model.output_refs:
        names.append(layer if k == 0 and sum(1 for l, _ in model.output_refs if l == layer) == 1 else "%s_%d" % (layer, k))
    return names


def resolve(spec, shared, out_dir):
    where, name = spec.split(":", 1)
    return os.path.join(shared if where == "shared" else out_dir, name)


def build_case(c, shared_dir, out_dir, index_by_name):
    real = os.path.join(shared_dir, "real-models")
    model_spec = c.get("model", "shared:" + c["file"])
    weights_spec = c.get("weights")
    if model_spec.startswith("config-of:"):
        src = os.path.join(real, model_spec.split(":", 1)[1])
        config, _, _ = kf.read_legacy_h5(src)
        weights, version = kf.read_weights_only_h5(resolve(weights_spec, real, out_dir))
    else:
        config, weights, version = kf.read_model(resolve(model_spec, real, out_dir),
                                                 resolve(weights_spec, real, out_dir) if weights_spec else None)
    model = kf.Model(config, weights, version)
    out_names = output_names(model)
    rng = rng_for(c["file"])

    keras_calls = None
    activations = []
    source = None
    if "keras_io" in c:
        io_name, in_ds, pred_ds, rnn_layer = c["keras_io"]
        with h5py.File(os.path.join(real, io_name), "r") as f:
            x = np.asarray(f[in_ds], F32)
            keras_calls = [([x], [np.asarray(f[pred_ds], F32)])]
            for lname in sorted(f["activations"].keys()):
                a = np.asarray(f["activations"][lname], F32)
                entry = {"layer": lname, "shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}
                if lname == rnn_layer:
                    entry["trace_npy"] = "layers/%s/output.npy" % lname
                activations.append(entry)
        source = "Keras 2.1.3 outputs in ../shared/real-models/%s: %s (inputs %s); activations/* recorded in keras_activations" % (
            io_name, pred_ds, in_ds)
    elif c.get("keras_fdeep"):
        keras_calls, source = fdeep_gru_keras(index_by_name[c["file"]])

    calls_json = []
    max_err = 0.0
    if keras_calls is not None:
        for call_inputs, want in keras_calls:
            got = model([np.asarray(v) for v in call_inputs])
            assert len(got) == len(want), (c["file"], len(got), len(want))
            for g, w in zip(got, want):
                assert g.shape == w.shape, (c["file"], g.shape, w.shape)
                max_err = max(max_err, float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64)))))
            calls_json.append({"inputs": [tensor_json(n, v) for n, v in zip(model.input_names, call_inputs)],
                               "outputs": [dict(tensor_json(n, w), name=n) for n, w in zip(out_names, want)]})
        if activations:  # the NumPy path's recurrent-layer activation against Keras's, too
            acts = {a["layer"]: np.asarray(a["data"], F32).reshape(a["shape"]) for a in activations}
            layer = c["keras_io"][3]
            sub = kf.Model(_truncate(config, layer), {layer: weights[layer]}, version)
            got = sub([np.asarray(keras_calls[0][0][0])])[0]
            max_err = max(max_err, float(np.max(np.abs(got.astype(np.float64) - acts[layer]))))
        reference = "keras"
    else:
        for call_inputs in c["inputs"](rng):
            got = model(call_inputs)
            calls_json.append({"inputs": [tensor_json(n, v) for n, v in zip(model.input_names, call_inputs)],
                               "outputs": [tensor_json(n, g) for n, g in zip(out_names, got)]})
        reference = NUMPY_REF
        source = "tools/real_models/make_references.py: keras_files.py (on tools/golden/reference_rnn.py) run on the file's own config and weights"
    for call in calls_json:
        for o in call["outputs"]:
            o.pop("dtype", None)

    doc = {
        "file": c["file"],
        "description": c["description"],
        "reference": reference,
        "reference_source": source,
        "keras_version": version,
        "model": model_spec,
        "weights": weights_spec,
        "layers": model.layer_names,
        "calls": calls_json,
    }
    if activations:
        doc["keras_activations"] = activations
    if reference == "keras":
        doc["numpy_max_abs_error_vs_keras"] = max_err
    return doc, max_err if reference == "keras" else None


def _truncate(config, last_layer):
    """A Sequential config cut after `last_layer` (to compare a layer's activation)."""
    cfg = json.loads(json.dumps(config))
    layers = cfg["config"]["layers"] if isinstance(cfg["config"], dict) else cfg["config"]
    keep = []
    for l in layers:
        keep.append(l)
        if l["config"]["name"] == last_layer:
            break
    cfg["config"] = {"name": "truncated", "layers": keep}
    return cfg


def main():
    repo = os.path.abspath(os.path.join(HERE, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(repo, "..", "shared"))
    ap.add_argument("--out", default=os.path.join(repo, "tests", "data", "real"))
    args = ap.parse_args()
    shared = os.path.abspath(args.shared)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(shared, "real-models", "index.json"), encoding="utf-8") as f:
        index_by_name = {m["name"]: m for m in json.load(f)["models"]}

    model_files = sorted(n for n in index_by_name if not n.endswith("_io.h5"))
    covered = sorted(c["file"] for c in CASES)
    if covered != model_files:
        raise SystemExit("cases do not cover the model files exactly: missing %r, extra %r" % (
            sorted(set(model_files) - set(covered)), sorted(set(covered) - set(model_files))))

    write_embedding_weights(os.path.join(out_dir, EMBED_WEIGHTS))
    worst = 0.0
    for c in CASES:
        doc, err = build_case(c, shared, out_dir, index_by_name)
        stem = os.path.splitext(c["file"])[0]
        path = os.path.join(out_dir, stem + ".json")
        with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
            f.write(dumps(doc) + "\n")
        os.replace(path + ".tmp", path)
        extra = ""
        if err is not None:
            worst = max(worst, err)
            extra = "  numpy vs keras max |err| = %.3g" % err
        print("%-48s %-6s %d call(s)%s" % (stem + ".json", "keras" if err is not None else "numpy", len(doc["calls"]), extra))
    print("NumPy path against the Keras-computed outputs: max |err| = %.3g (limit %g)" % (worst, KERAS_TOL))
    if worst >= KERAS_TOL:
        raise SystemExit("the NumPy reference disagrees with Keras: fix it before using it")


if __name__ == "__main__":
    main()
