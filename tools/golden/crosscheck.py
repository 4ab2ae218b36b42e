#!/usr/bin/env python3
"""Cross-check the two independent references against each other.

    python3 crosscheck.py [GOLDEN_DIR] [--tol 1e-5]

Recomputes every golden case with the NumPy reference (reference_rnn.run_case) and prints the
largest absolute difference from the outputs stored in the file:
  - for TF.js cases this is the real cross-check (two implementations written independently);
  - for numpy cases it only confirms that the files are up to date with reference_rnn.py (0.0).
It also checks that every file parses, follows the schema, and that shapes match data lengths.
Exits 1 if any difference exceeds the tolerance or a file is malformed.
"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_rnn  # noqa: E402  (re-execs under /usr/bin/python3 if numpy is missing)
import numpy as np  # noqa: E402

KEYS = ["name", "description", "reference", "keras_version", "model_config", "weights", "calls", "reset_states_before_call"]


def _prod(s):
    p = 1
    for x in s:
        p *= x
    return p


def validate(path, d):
    errs = []
    stem = os.path.splitext(os.path.basename(path))[0]
    if list(d.keys()) != KEYS:
        errs.append("top-level keys %r" % list(d.keys()))
    if d.get("name") != stem:
        errs.append("name != file stem")
    mc = d.get("model_config", {})
    if set(mc.keys()) != {"class_name", "config"}:
        errs.append("model_config keys %r" % list(mc.keys()))
    for w in d.get("weights", []):
        if not w["arrays"]:
            errs.append("layer %s listed without arrays" % w["layer"])
        for a in w["arrays"]:
            if _prod(a["shape"]) != len(a["data"]):
                errs.append("weight %s: shape/data mismatch" % a["name"])
            if not a["name"].endswith(":0"):
                errs.append("weight name %s" % a["name"])
    calls = d.get("calls", [])
    if len(d.get("reset_states_before_call", [])) != len(calls):
        errs.append("reset_states_before_call length")
    for k, c in enumerate(calls):
        if set(c.keys()) != {"inputs", "mask", "outputs"}:
            errs.append("call %d keys %r" % (k, list(c.keys())))
        for i in c["inputs"]:
            if _prod(i["shape"]) != len(i["data"]):
                errs.append("call %d input %s: shape/data mismatch" % (k, i["name"]))
            if i["dtype"] not in ("float32", "int32"):
                errs.append("dtype %s" % i["dtype"])
            if i["dtype"] == "int32" and any(int(v) != v for v in i["data"]):
                errs.append("non-integer ids")
        if c["mask"] is not None:
            m = c["mask"]
            if _prod(m["shape"]) != len(m["data"]) or any(v not in (0, 1) for v in m["data"]):
                errs.append("call %d: bad mask" % k)
        for j, o in enumerate(c["outputs"]):
            if _prod(o["shape"]) != len(o["data"]):
                errs.append("call %d output %d: shape/data mismatch" % (k, j))
            if any(not np.isfinite(v) for v in o["data"]):
                errs.append("call %d output %d: non-finite" % (k, j))
    return errs


def _out(d, call, k):
    o = d["calls"][call]["outputs"][k]
    return np.asarray(o["data"], np.float32).reshape(o["shape"])


def _in(d, call, k):
    i = d["calls"][call]["inputs"][k]
    return np.asarray(i["data"], np.float32).reshape(i["shape"])


def property_checks(cases):
    """Hand-written expectations on specific cases, independent of any implementation.
    Returns a list of (description, ok)."""
    res = []

    def check(name, what, fn):
        if name in cases:
            try:
                ok = bool(fn(cases[name]))
            except Exception as e:  # noqa: BLE001
                ok, what = False, what + " (%s)" % e
            res.append(("%s: %s" % (name, what), ok))

    z = lambda a: np.all(a == 0.0)  # noqa: E731
    check("lstm_stateful", "call 3 (after reset_states, same input) == call 1", lambda d: np.array_equal(_out(d, 2, 0), _out(d, 0, 0)))
    check("lstm_stateful", "call 2 != call 1 (state carried)", lambda d: not np.allclose(_out(d, 1, 0), _out(d, 0, 0)))
    check("np_gru_reset_after_stateful", "call 3 (after reset_states, same input) == call 1", lambda d: np.array_equal(_out(d, 2, 0), _out(d, 0, 0)))
    check("lstm_masking_hole_seq", "fully masked sample 1 outputs zeros", lambda d: z(_out(d, 0, 0)[1]))
    check("lstm_masking_hole_seq", "hole: output at t=1 repeats t=0 for sample 0", lambda d: np.array_equal(_out(d, 0, 0)[0, 1], _out(d, 0, 0)[0, 0]))
    check("lstm_return_state", "output == h", lambda d: np.array_equal(_out(d, 0, 0), _out(d, 0, 1)))
    check("rnn_stacked_return_state", "output == last cell h (Keras order: h_lstm, c_lstm, h_gru)", lambda d: np.array_equal(_out(d, 0, 0), _out(d, 0, 3)))
    check("np_zofm_lstm_last", "right-padded samples 0 and 2 return zeros, sample 1 not", lambda d: z(_out(d, 0, 0)[0]) and z(_out(d, 0, 0)[2]) and not z(_out(d, 0, 0)[1]))
    check("np_zofm_lstm_seq", "zeros exactly at masked steps", lambda d: z(_out(d, 0, 0)[0, 4:]) and z(_out(d, 0, 0)[1, 2:4]) and not z(_out(d, 0, 0)[1, 4]))
    check("np_zofm_simple_rnn_last", "right-padded sample 1 returns zeros, holed sample 0 does not", lambda d: z(_out(d, 0, 0)[1]) and not z(_out(d, 0, 0)[0]))
    check("np_zofm_gru_reset_before_last", "right-padded sample 1 returns zeros", lambda d: z(_out(d, 0, 0)[1]))
    check("np_zofm_simple_rnn_go_backwards_seq", "padded steps processed first -> zeros at processing steps 0,1 of sample 0", lambda d: z(_out(d, 0, 0)[0, 0:2]))
    check("np_mask_initial_state_lstm_seq", "left-padded steps output zeros (not h0); fully masked sample all zeros",
          lambda d: z(_out(d, 0, 0)[0, 0:2]) and z(_out(d, 0, 0)[2]) and not z(_out(d, 0, 0)[0, 2]))
    check("np_mask_initial_state_lstm_seq", "hole at t=3 repeats the emitted output of t=2", lambda d: np.array_equal(_out(d, 0, 0)[1, 3], _out(d, 0, 0)[1, 2]))
    check("np_mask_initial_state_gru_return_state", "fully masked sample: output zeros, state == h0",
          lambda d: z(_out(d, 0, 0)[1]) and np.array_equal(_out(d, 0, 1)[1], _in(d, 0, 1)[1]))
    check("np_mask_initial_state_simple_rnn_seq_backwards", "padded steps processed first -> zeros", lambda d: z(_out(d, 0, 0)[0, 0:2]))
    check("np_bidi_masked_lstm_concat_seq", "both halves zero at masked steps", lambda d: z(_out(d, 0, 0)[0, 4:]) and z(_out(d, 0, 0)[1, 2:4]))
    check("np_bidi_masked_simple_none_seq", "forward and backward outputs zero at masked steps", lambda d: z(_out(d, 0, 0)[1, 3:]) and z(_out(d, 0, 1)[1, 3:]) and z(_out(d, 0, 1)[0, 2]))
    check("np_time_major_lstm_seq", "output is [T,B,U]", lambda d: list(_out(d, 0, 0).shape) == [5, 2, 4])

    # time_major == transposed batch-major run of the same weights
    def tm(d):
        d2 = json.loads(json.dumps(d))
        for l in d2["model_config"]["config"]["layers"]:
            if "time_major" in l["config"]:
                l["config"]["time_major"] = False
        x = _in(d, 0, 0)
        d2["calls"][0]["inputs"][0]["data"] = np.transpose(x, (1, 0, 2)).reshape(-1).tolist()
        d2["calls"][0]["inputs"][0]["shape"] = [x.shape[1], x.shape[0], x.shape[2]]
        y = reference_rnn.run_case(d2)[0][0]
        return np.array_equal(np.transpose(y, (1, 0, 2)), _out(d, 0, 0))
    check("np_time_major_lstm_seq", "equals the batch-major run transposed", tm)
    if "np_keras3_hard_sigmoid_lstm_seq" in cases and "np_keras2_hard_sigmoid_lstm_seq" in cases:
        a, b = cases["np_keras3_hard_sigmoid_lstm_seq"], cases["np_keras2_hard_sigmoid_lstm_seq"]
        res.append(("np_keras3_hard_sigmoid_lstm_seq vs np_keras2_hard_sigmoid_lstm_seq: outputs differ", not np.allclose(_out(a, 0, 0), _out(b, 0, 0))))
    return res


def main():
    args = [a for a in sys.argv[1:]]
    tol = 1e-5
    if "--tol" in args:
        i = args.index("--tol")
        tol = float(args[i + 1])
        del args[i:i + 2]
    here = os.path.dirname(os.path.abspath(__file__))
    gdir = os.path.abspath(args[0] if args else os.path.join(here, "..", "..", "tests", "data", "golden"))
    files = sorted(glob.glob(os.path.join(gdir, "*.json")))
    if not files:
        print("no golden files in %s" % gdir)
        return 1
    worst = {}
    failures = 0
    total_bytes = 0
    print("%-48s %-8s %12s %12s" % ("case", "ref", "max|diff|", "max|out|"))
    for path in files:
        total_bytes += os.path.getsize(path)
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        errs = validate(path, d)
        ref = "tfjs" if d["reference"].startswith("tfjs") else "numpy"
        try:
            results = reference_rnn.run_case(d)
        except Exception as e:  # noqa: BLE001
            errs.append("numpy reference failed: %s" % e)
            results = None
        maxdiff, maxabs = 0.0, 0.0
        if results is not None:
            for call, outs in zip(d["calls"], results):
                if len(outs) != len(call["outputs"]):
                    errs.append("numpy gives %d outputs, file has %d" % (len(outs), len(call["outputs"])))
                    continue
                for got, exp in zip(outs, call["outputs"]):
                    e = np.asarray(exp["data"], np.float32).reshape(exp["shape"])
                    if list(got.shape) != list(exp["shape"]):
                        errs.append("shape %r vs %r" % (list(got.shape), exp["shape"]))
                        continue
                    maxdiff = max(maxdiff, float(np.max(np.abs(got.astype(np.float64) - e.astype(np.float64)))) if e.size else 0.0)
                    maxabs = max(maxabs, float(np.max(np.abs(e))) if e.size else 0.0)
        worst[ref] = max(worst.get(ref, 0.0), maxdiff)
        flag = ""
        if errs or maxdiff > tol:
            failures += 1
            flag = "  <-- " + ("; ".join(errs) if errs else "exceeds tol %g" % tol)
        print("%-48s %-8s %12.3e %12.3e%s" % (d["name"], ref, maxdiff, maxabs, flag))
    print()
    cases = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        cases[d["name"]] = d
    print("property checks:")
    for what, ok in property_checks(cases):
        print("  [%s] %s" % ("ok" if ok else "FAIL", what))
        if not ok:
            failures += 1
    print()
    for ref, v in sorted(worst.items()):
        n = sum(1 for p in files if json.load(open(p, encoding="utf-8"))["reference"].startswith(ref))
        print("%s: %d cases, max |numpy - file| = %.3e" % (ref, n, v))
    print("total size: %.1f KiB in %d files" % (total_bytes / 1024.0, len(files)))
    print("%d passed, %d failed" % (len(files) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
