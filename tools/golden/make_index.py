#!/usr/bin/env python3
"""Write tests/data/golden/INDEX.md: every golden case with its cells, options and reference,
plus the number of cases per cell and per option. The cells and options are derived from each
case's model_config and calls, so the index can't drift from the files.

    python3 make_index.py [GOLDEN_DIR]
"""
import collections
import glob
import json
import os
import sys

RNN_LAYERS = {"SimpleRNN": "SimpleRNNCell", "LSTM": "LSTMCell", "GRU": "GRUCell"}
CELL_LABEL = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "MinimalRNNCell": "MinimalRNNCell"}


def cell_label(cls, cfg):
    if cls == "GRUCell":
        return "GRU reset_after=True" if cfg.get("reset_after", False) else "GRU reset_after=False"
    return CELL_LABEL[cls]


def rnn_features(entry, cells, opts):
    cls, cfg = entry["class_name"], entry["config"]
    if cls in RNN_LAYERS:
        cell_cfgs = [(RNN_LAYERS[cls], cfg)]
    else:  # generic RNN
        cell = cfg["cell"]
        if cell["class_name"] == "StackedRNNCells":
            cc = cell["config"]["cells"]
            opts.add("RNN(StackedRNNCells) %d cells" % len(cc))
            if len({c["class_name"] for c in cc}) > 1:
                opts.add("StackedRNNCells mixed cell types")
            cell_cfgs = [(c["class_name"], c["config"]) for c in cc]
        else:
            opts.add("RNN(single cell)")
            cell_cfgs = [(cell["class_name"], cell["config"])]
    for ccls, ccfg in cell_cfgs:
        cells.add(cell_label(ccls, ccfg))
        act = ccfg.get("activation", "tanh")
        if act != "tanh":
            opts.add("activation=%s" % act)
        ract = ccfg.get("recurrent_activation")
        if ract and ract != "sigmoid":
            opts.add("recurrent_activation=%s" % ract)
        if not ccfg.get("use_bias", True):
            opts.add("use_bias=False")
    for k in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major", "zero_output_for_mask"):
        if cfg.get(k):
            opts.add(k)


def _first_input_mask(mc, call):
    """The [B][T] mask of the first model input, where the file determines it directly:
    an explicit call mask, a Masking or Embedding(mask_zero) layer applied to the first input."""
    if call["mask"] is not None:
        m = call["mask"]
        B, T = m["shape"]
        return [[bool(m["data"][b * T + t]) for t in range(T)] for b in range(B)]
    layers = mc["config"]["layers"]
    x = call["inputs"][0]
    if mc["class_name"] == "Sequential":
        first = [l for l in layers if l["class_name"] != "InputLayer"][0]
    else:
        name = mc["config"]["input_layers"][0][0]
        firsts = [l for l in layers if l.get("inbound_nodes") and l["inbound_nodes"][0][0][0] == name]
        if not firsts:
            return None
        first = firsts[0]
    if first["class_name"] == "Masking":
        v = float(first["config"]["mask_value"])
        B, T, F = x["shape"]
        return [[any(x["data"][(b * T + t) * F + f] != v for f in range(F)) for t in range(T)] for b in range(B)]
    if first["class_name"] == "Embedding" and first["config"].get("mask_zero"):
        B, T = x["shape"]
        return [[x["data"][b * T + t] != 0 for t in range(T)] for b in range(B)]
    return None


def mask_patterns(mc, call):
    m = _first_input_mask(mc, call)
    kinds = set()
    for row in m or []:
        if all(row):
            continue
        if not any(row):
            kinds.add("fully masked")
            continue
        first, last = row.index(True), len(row) - 1 - row[::-1].index(True)
        if first > 0:
            kinds.add("left-padded")
        if last < len(row) - 1:
            kinds.add("right-padded")
        if not all(row[first:last + 1]):
            kinds.add("hole in the middle")
    return kinds


def describe(d):
    cells, opts = set(), set()
    mc = d["model_config"]
    layers = mc["config"]["layers"]
    n_rnn = 0
    if mc["class_name"] != "Sequential":
        opts.add("Functional")
        if len(mc["config"]["input_layers"]) > 1:
            opts.add("multiple inputs")
        if len(mc["config"]["output_layers"]) > 1:
            opts.add("multiple outputs")
    input_names = {l["config"]["name"] for l in layers if l["class_name"] == "InputLayer"}
    for l in layers:
        cls, cfg = l["class_name"], l["config"]
        if cls in RNN_LAYERS or cls == "RNN":
            n_rnn += 1
            rnn_features(l, cells, opts)
            nodes = l.get("inbound_nodes") or []
            if nodes and len(nodes[0]) > 1:
                srcs = {t[0] for t in nodes[0][1:]}
                opts.add("initial_state from model Inputs" if srcs <= input_names else "initial_state from another layer's states")
        elif cls == "Bidirectional":
            n_rnn += 1
            rnn_features(cfg["layer"], cells, opts)
            opts.add("Bidirectional merge_mode=%s" % cfg.get("merge_mode"))
        elif cls == "Masking":
            opts.add("mask: Masking(mask_value=%s)" % ("0" if float(cfg["mask_value"]) == 0.0 else "non-zero"))
        elif cls == "Embedding":
            opts.add("Embedding(mask_zero=True)" if cfg.get("mask_zero") else "Embedding (no mask)")
        elif cls == "TimeDistributed":
            opts.add("TimeDistributed(%s)" % cfg["layer"]["class_name"])
        elif cls in ("Dense", "Dropout", "Activation", "RepeatVector", "Concatenate", "Add"):
            opts.add(cls)
    if n_rnn >= 2:
        opts.add("several recurrent layers")
    calls = d["calls"]
    if any(c["mask"] is not None for c in calls):
        opts.add("mask passed with the model input")
    if len(calls) > 1:
        opts.add("several calls (%d)" % len(calls))
    if any(d["reset_states_before_call"]):
        opts.add("reset_states between calls")
    for c in calls:
        for kind in mask_patterns(mc, c):
            opts.add("masked samples: " + kind)
        B = c["inputs"][0]["shape"][0]
        T = c["inputs"][0]["shape"][1]
        if T == 1:
            opts.add("T=1")
        if B == 1:
            opts.add("batch 1")
    if not d["keras_version"].startswith("2."):
        opts.add("keras_version %s (hard_sigmoid x/6)" % d["keras_version"])
    elif "module" not in json.dumps(mc):
        opts.add("config style tf.keras <= 2.12")
    if not cells:
        cells.add("(none)")
    return sorted(cells), sorted(opts)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    gdir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "tests", "data", "golden"))
    rows = []
    for path in sorted(glob.glob(os.path.join(gdir, "*.json"))):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        ref = "tfjs" if d["reference"].startswith("tfjs") else "numpy"
        cells, opts = describe(d)
        rows.append((d["name"], ref, d["reference"], cells, opts, d["description"]))
    by_ref = collections.Counter(r[1] for r in rows)
    by_cell = collections.defaultdict(collections.Counter)
    by_opt = collections.defaultdict(collections.Counter)
    for name, ref, _, cells, opts, _ in rows:
        for c in cells:
            by_cell[c][ref] += 1
        for o in opts:
            by_opt[o][ref] += 1
    refs = sorted({r[2] for r in rows})
    out = []
    out.append("# Golden cases (RNNScope)\n")
    out.append("Generated by `tools/golden/make_index.py` from the case files in this folder; do not edit by hand.")
    out.append("How the files are made and what the schema is: `tools/golden/README.md`.\n")
    out.append("References: " + "; ".join("`%s`" % r for r in refs) + ".\n")
    out.append("**%d cases**: %s.\n" % (len(rows), ", ".join("%d %s" % (n, r) for r, n in sorted(by_ref.items()))))
    out.append("## Cases per cell\n")
    out.append("A case counts once per cell type it contains (stacked cells and Bidirectional included).\n")
    out.append("| cell | tfjs | numpy | total |")
    out.append("|---|---:|---:|---:|")
    for c in sorted(by_cell):
        n = by_cell[c]
        out.append("| %s | %d | %d | %d |" % (c, n["tfjs"], n["numpy"], n["tfjs"] + n["numpy"]))
    out.append("\n## Cases per option\n")
    out.append("| option | tfjs | numpy | total |")
    out.append("|---|---:|---:|---:|")
    for o in sorted(by_opt, key=lambda s: s.lower()):
        n = by_opt[o]
        out.append("| %s | %d | %d | %d |" % (o, n["tfjs"], n["numpy"], n["tfjs"] + n["numpy"]))
    out.append("\n## All cases\n")
    out.append("| case | reference | cells | options | description |")
    out.append("|---|---|---|---|---|")
    for name, ref, _, cells, opts, desc in rows:
        out.append("| `%s` | %s | %s | %s | %s |" % (name, ref, ", ".join(cells), ", ".join(opts) or "-", desc.replace("|", "\\|")))
    with open(os.path.join(gdir, "INDEX.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out) + "\n")
    print("wrote INDEX.md: %d cases (%s)" % (len(rows), dict(by_ref)))


if __name__ == "__main__":
    main()
