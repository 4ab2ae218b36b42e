'use strict';
// Trains RNNScope's bundled example model: an LSTM that tracks bracket nesting depth.
//
// Task: a stream of characters over the alphabet "(", ")", "a", "b" (one-hot, 4 features).
// The target at every step is the nesting depth after reading that character (0..5). The
// depth never goes below 0 or above MAX_DEPTH. Because the letters don't change the depth,
// the network has to keep a counter in its state, and a few LSTM units turn into depth
// counters you can see in RNNScope.
//
// Model (what tf.keras 2.15 would call it):
//   Sequential(name="bracket_depth", [InputLayer(input_shape=(None, 4), name="chars"),
//              LSTM(16, return_sequences=True, name="lstm"),
//              TimeDistributed(Dense(6, activation="softmax", name="dense"), name="time_distributed")])
//
// Output: out/bracket_depth.json (git-ignored). It holds the model config in tf.keras 2.15 legacy-.h5
// form, the weights in get_weights() order under their tf.keras 2.x names, training and held-out
// statistics, the LSTM units that correlate most with depth, and 8 sample sequences with the TF.js
// predictions for them. to_keras_h5.py turns it into resources/examples/.
//
// Reproducibility: the data, the initial weights and the batch order are all seeded (mulberry32 and
// seeded TF.js initializers), and nothing in training is random beyond that. The TF.js CPU backend
// is plain JavaScript float32 arithmetic, so on one machine and Node version two runs give the same
// weights. Bit-identical results on other Node versions or CPUs are not guaranteed (Math.exp/tanh
// may differ in the last bit, and those differences grow during training); the accuracy stays the same.
//
// Usage: npm ci && node train_bracket_depth.js [OUT_JSON]

const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

// ---- settings -------------------------------------------------------------------------------------
const ALPHABET = ['(', ')', 'a', 'b'];
const MAX_DEPTH = 5;
const N_CLASSES = MAX_DEPTH + 1;
const UNITS = 16;
const MIN_LEN = 24;
const MAX_LEN = 40;
const N_TRAIN = 3072;
const N_HELDOUT = 768;
const BATCH = 32;
const MAX_EPOCHS = 40;
const TARGET_ACC = 0.999; // stop early once the held-out per-step accuracy reaches this
const SAMPLE_B = 8;
const SAMPLE_T = 32;
const SEEDS = { train: 1001, heldout: 2002, samples: 3003, shuffle: 4004, kernel: 11, recurrent: 12, dense: 13 };
const OUT_JSON = process.argv[2] || path.join(__dirname, 'out', 'bracket_depth.json');

// ---- seeded PRNG ------------------------------------------------------------------------------------
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- data ---------------------------------------------------------------------------------------------
// One sequence of length L. Each sequence draws its own bracket density and opening bias, so the
// set mixes sparse/dense and shallow/deep streams. Near the end the generator prefers closing,
// so most streams end balanced or nearly so ("balanced-ish"); depth is always within 0..MAX_DEPTH.
function makeSequence(rnd, L) {
  const pBracket = 0.3 + 0.4 * rnd(); // fraction of characters that are brackets
  const pOpen = 0.45 + 0.25 * rnd(); // chance that a bracket opens (when both are allowed)
  let d = 0;
  let text = '';
  const depth = [];
  for (let t = 0; t < L; t++) {
    const remaining = L - t;
    let ch;
    if (rnd() < pBracket) {
      let open;
      if (d === 0) open = true;
      else if (d === MAX_DEPTH) open = false;
      else if (d >= remaining) open = false; // wind down so the stream can end balanced
      else open = rnd() < pOpen;
      ch = open ? '(' : ')';
      d += open ? 1 : -1;
    } else {
      ch = rnd() < 0.5 ? 'a' : 'b';
    }
    text += ch;
    depth.push(d);
  }
  return { text, depth };
}
function makeSet(seed, n) {
  const rnd = mulberry32(seed);
  const out = [];
  for (let i = 0; i < n; i++) out.push(makeSequence(rnd, MIN_LEN + Math.floor(rnd() * (MAX_LEN - MIN_LEN + 1))));
  return out;
}
function oneHot(texts) {
  const B = texts.length;
  const T = texts[0].length;
  const x = new Float32Array(B * T * 4);
  texts.forEach((s, b) => {
    for (let t = 0; t < T; t++) x[(b * T + t) * 4 + ALPHABET.indexOf(s[t])] = 1;
  });
  return x;
}
// Groups sequences by length (all sequences in a batch have the same T; no padding or masking).
function byLength(seqs) {
  const m = new Map();
  for (const s of seqs) {
    if (!m.has(s.text.length)) m.set(s.text.length, []);
    m.get(s.text.length).push(s);
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}
function toTensors(seqs) {
  const B = seqs.length;
  const T = seqs[0].text.length;
  const x = tf.tensor3d(oneHot(seqs.map(s => s.text)), [B, T, 4]);
  const y = tf.tensor3d(Float32Array.from([].concat(...seqs.map(s => s.depth))), [B, T, 1]);
  return { x, y };
}
function shuffleInPlace(arr, rnd) {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [arr[i], arr[j]] = [arr[j], arr[i]];
  }
  return arr;
}

// ---- model ---------------------------------------------------------------------------------------------
function buildModel() {
  const model = tf.sequential({ name: 'bracket_depth' });
  model.add(tf.layers.inputLayer({ batchInputShape: [null, null, 4], name: 'chars' }));
  model.add(tf.layers.lstm({
    units: UNITS,
    returnSequences: true,
    activation: 'tanh',
    recurrentActivation: 'sigmoid', // TF.js defaults to hard_sigmoid; Keras 2 defaults to sigmoid
    unitForgetBias: true, // Keras default (TF.js defaults to false)
    kernelInitializer: tf.initializers.glorotUniform({ seed: SEEDS.kernel }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: SEEDS.recurrent }),
    biasInitializer: 'zeros',
    name: 'lstm',
  }));
  model.add(tf.layers.timeDistributed({
    layer: tf.layers.dense({
      units: N_CLASSES,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: SEEDS.dense }),
      biasInitializer: 'zeros',
      name: 'dense',
    }),
    name: 'time_distributed',
  }));
  return model;
}

// ---- TF.js config -> tf.keras 2.15 legacy-h5 model_config ------------------------------------------------
// model.toJSON(null, false) is already Keras-like (snake_case keys, class_name/config), but it
// differs from what tf.keras 2.15 writes: initializers are VarianceScaling objects, there is no
// time_major, implementation and unit_forget_bias are null, numbers like 0.0 are integers, the
// TimeDistributed layer has no dtype and its inner layer isn't serialized with module/registered_name/
// build_config, and the key order differs. This converter rewrites it and checks every value it copies.

// Python floats: JSON.stringify writes 0 and 1; Python's json writes 0.0 and 1.0. Placeholders are
// swapped for the numbers after stringifying.
class PyFloat {
  constructor(v) { this.v = v; }
  toJSON() { const s = JSON.stringify(this.v); return '__PYFLOAT__' + (/^-?\d+$/.test(s) ? s + '.0' : s); }
}
const pyFloat = v => new PyFloat(v);
function stringifyPy(obj, indent) {
  return JSON.stringify(obj, null, indent).replace(/"__PYFLOAT__([^"]*)"/g, '$1');
}

function need(cond, what) { if (!cond) throw new Error('unexpected TF.js config: ' + what); }
function kerasInitializer(init) {
  const kerasObj = (className, config) => ({ module: 'keras.initializers', class_name: className, config, registered_name: null });
  const c = init.config;
  switch (init.class_name) {
    case 'VarianceScaling':
      need(c.scale === 1 && c.mode === 'fan_avg' && c.distribution === 'uniform', 'VarianceScaling that is not glorot_uniform');
      return kerasObj('GlorotUniform', { seed: null });
    case 'Orthogonal': return kerasObj('Orthogonal', { gain: pyFloat(c.gain), seed: null });
    case 'Zeros': return kerasObj('Zeros', {});
    default: throw new Error('initializer not handled: ' + init.class_name);
  }
}
function checkNulls(c, keys) { for (const k of keys) need(c[k] === null || c[k] === undefined, k + ' is set'); }

function kerasLstm(c) {
  checkNulls(c, ['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer',
    'kernel_constraint', 'recurrent_constraint', 'bias_constraint']);
  need(c.dropout === 0 && c.recurrent_dropout === 0, 'dropout');
  return {
    name: c.name, trainable: c.trainable, dtype: c.dtype || 'float32',
    // base_rnn.get_config keys
    return_sequences: c.return_sequences, return_state: c.return_state, go_backwards: c.go_backwards,
    stateful: c.stateful, unroll: c.unroll, time_major: false,
    // lstm.get_config keys
    units: c.units, activation: c.activation, recurrent_activation: c.recurrent_activation, use_bias: c.use_bias,
    kernel_initializer: kerasInitializer(c.kernel_initializer),
    recurrent_initializer: kerasInitializer(c.recurrent_initializer),
    bias_initializer: kerasInitializer(c.bias_initializer),
    unit_forget_bias: !!c.unit_forget_bias,
    kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
    kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
    dropout: pyFloat(0), recurrent_dropout: pyFloat(0), implementation: 2,
  };
}
function kerasDense(c) {
  checkNulls(c, ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint']);
  return {
    name: c.name, trainable: c.trainable, dtype: c.dtype || 'float32',
    units: c.units, activation: c.activation, use_bias: c.use_bias,
    kernel_initializer: kerasInitializer(c.kernel_initializer), bias_initializer: kerasInitializer(c.bias_initializer),
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  };
}
function kerasModelConfig(model) {
  const j = model.toJSON(null, false);
  need(j.class_name === 'Sequential', 'model class');
  const layers = [];
  for (const l of j.config.layers) {
    const c = l.config;
    switch (l.class_name) {
      case 'InputLayer':
        // tf.keras 2.15 input_layer.get_config
        layers.push({ class_name: 'InputLayer', config: { batch_input_shape: c.batch_input_shape, dtype: c.dtype, sparse: false, ragged: false, name: c.name } });
        break;
      case 'LSTM':
        layers.push({ class_name: 'LSTM', config: kerasLstm(c) });
        break;
      case 'TimeDistributed': {
        need(c.layer.class_name === 'Dense', 'TimeDistributed inner layer');
        // base_wrapper.get_config: inner layer serialized with serialization_lib (module, registered_name, build_config)
        const inner = {
          module: 'keras.layers', class_name: 'Dense', config: kerasDense(c.layer.config), registered_name: null,
          build_config: { input_shape: [null, UNITS] },
        };
        layers.push({ class_name: 'TimeDistributed', config: { name: c.name, trainable: c.trainable, dtype: c.dtype || 'float32', layer: inner } });
        break;
      }
      default: throw new Error('layer not handled: ' + l.class_name);
    }
  }
  // TF.js puts the input layer's shape on the first layer when there is no explicit InputLayer entry.
  if (layers[0].class_name !== 'InputLayer') throw new Error('expected an explicit InputLayer');
  return { class_name: 'Sequential', config: { name: j.config.name, layers } };
}

// tf.keras 2.x variable names, in get_weights() order, for each layer that has weights.
function kerasWeights(model) {
  const lstm = model.getLayer('lstm');
  const td = model.getLayer('time_distributed');
  const arr = (name, t) => ({ name, shape: t.shape, data: Array.from(t.dataSync()) });
  const [k, rk, b] = lstm.getWeights();
  const [dk, db] = td.getWeights();
  need(k.shape[0] === 4 && k.shape[1] === 4 * UNITS && rk.shape[0] === UNITS && b.shape[0] === 4 * UNITS, 'LSTM weight shapes');
  need(dk.shape[0] === UNITS && dk.shape[1] === N_CLASSES && db.shape[0] === N_CLASSES, 'Dense weight shapes');
  return [
    { layer: 'lstm', arrays: [arr('lstm/lstm_cell/kernel:0', k), arr('lstm/lstm_cell/recurrent_kernel:0', rk), arr('lstm/lstm_cell/bias:0', b)] },
    { layer: 'time_distributed', arrays: [arr('time_distributed/kernel:0', dk), arr('time_distributed/bias:0', db)] },
  ];
}

// ---- evaluation -----------------------------------------------------------------------------------------
function evaluate(model, groups) {
  let correct = 0;
  let total = 0;
  const perDepth = new Array(N_CLASSES).fill(0).map(() => [0, 0]);
  for (const [, seqs] of groups) {
    const pred = tf.tidy(() => {
      const { x } = toTensors(seqs);
      return model.predict(x).argMax(-1);
    });
    const p = pred.dataSync();
    pred.dispose();
    const T = seqs[0].text.length;
    seqs.forEach((s, b) => {
      for (let t = 0; t < T; t++) {
        const ok = p[b * T + t] === s.depth[t];
        correct += ok;
        total += 1;
        perDepth[s.depth[t]][0] += ok;
        perDepth[s.depth[t]][1] += 1;
      }
    });
  }
  return { accuracy: correct / total, correct, total, perDepth };
}

// Plain-JS LSTM forward pass (Keras gate order i, f, c, o) that also yields the cell state c,
// which the layer doesn't output. Double precision; checked against the TF.js layer output.
function lstmStates(weights, text) {
  const [K, R, B] = weights[0].arrays.map(a => a.data);
  const G = 4 * UNITS;
  const sig = z => 1 / (1 + Math.exp(-z));
  let h = new Array(UNITS).fill(0);
  let c = new Array(UNITS).fill(0);
  const hs = [];
  const cs = [];
  for (const ch of text) {
    const xi = ALPHABET.indexOf(ch);
    const z = new Array(G);
    for (let g = 0; g < G; g++) {
      let s = B[g] + K[xi * G + g];
      for (let u = 0; u < UNITS; u++) s += h[u] * R[u * G + g];
      z[g] = s;
    }
    const cn = new Array(UNITS);
    const hn = new Array(UNITS);
    for (let u = 0; u < UNITS; u++) {
      const i = sig(z[u]);
      const f = sig(z[UNITS + u]);
      const g = Math.tanh(z[2 * UNITS + u]);
      const o = sig(z[3 * UNITS + u]);
      cn[u] = f * c[u] + i * g;
      hn[u] = o * Math.tanh(cn[u]);
    }
    c = cn;
    h = hn;
    hs.push(h);
    cs.push(c);
  }
  return { hs, cs };
}
function pearson(xs, ys) {
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) { mx += xs[i]; my += ys[i]; }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}
function unitCorrelations(model, weights, heldout) {
  // Check the JS forward pass against TF.js on a few held-out sequences first.
  const hModel = tf.model({ inputs: model.inputs, outputs: model.getLayer('lstm').output });
  let maxDiff = 0;
  for (const s of heldout.slice(0, 16)) {
    const hTf = tf.tidy(() => hModel.predict(tf.tensor3d(oneHot([s.text]), [1, s.text.length, 4]))).arraySync()[0];
    const { hs } = lstmStates(weights, s.text);
    hs.forEach((h, t) => h.forEach((v, u) => { maxDiff = Math.max(maxDiff, Math.abs(v - hTf[t][u])); }));
  }
  if (maxDiff > 1e-4) throw new Error('JS LSTM forward disagrees with TF.js: ' + maxDiff);

  const depth = [];
  const hCols = Array.from({ length: UNITS }, () => []);
  const cCols = Array.from({ length: UNITS }, () => []);
  for (const s of heldout) {
    const { hs, cs } = lstmStates(weights, s.text);
    s.depth.forEach((d, t) => {
      depth.push(d);
      for (let u = 0; u < UNITS; u++) { hCols[u].push(hs[t][u]); cCols[u].push(cs[t][u]); }
    });
  }
  const round = v => Math.round(v * 1e4) / 1e4;
  const all = [];
  for (let u = 0; u < UNITS; u++) {
    all.push({ state: 'c', unit: u, r: round(pearson(cCols[u], depth)) });
    all.push({ state: 'h', unit: u, r: round(pearson(hCols[u], depth)) });
  }
  const byAbs = list => list.slice().sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || a.unit - b.unit);
  return {
    description: 'Pearson correlation of each LSTM unit (cell state c, hidden state h) with the depth target, over every step of the held-out set',
    n_steps: depth.length,
    js_forward_max_abs_diff_vs_tfjs: maxDiff,
    top: byAbs(all).slice(0, 3),
    top_c: byAbs(all.filter(e => e.state === 'c')).slice(0, 3),
    top_h: byAbs(all.filter(e => e.state === 'h')).slice(0, 3),
    all,
  };
}

// 8 fixed-length samples for the bundled input file. Sample i is redrawn until its maximum depth
// is at least minDepth[i], so the set shows every depth from 1 to 5.
function makeSamples() {
  const rnd = mulberry32(SEEDS.samples);
  const minDepth = [1, 2, 3, 3, 4, 4, 5, 5];
  return minDepth.map(md => {
    for (;;) {
      const s = makeSequence(rnd, SAMPLE_T);
      if (Math.max(...s.depth) >= md) return s;
    }
  });
}

// ---- main ---------------------------------------------------------------------------------------------
async function main() {
  await tf.setBackend('cpu');
  const t0 = Date.now();
  const train = makeSet(SEEDS.train, N_TRAIN);
  const heldout = makeSet(SEEDS.heldout, N_HELDOUT);
  const trainGroups = byLength(train);
  const heldGroups = byLength(heldout);
  const hist = new Array(N_CLASSES).fill(0);
  train.forEach(s => s.depth.forEach(d => { hist[d] += 1; }));
  console.log(`train: ${N_TRAIN} sequences, depth histogram ${JSON.stringify(hist)}; held-out: ${N_HELDOUT} sequences`);

  // Fixed batches: each length group is split into batches of up to BATCH sequences.
  const batches = [];
  for (const [, seqs] of trainGroups) {
    for (let i = 0; i < seqs.length; i += BATCH) batches.push(toTensors(seqs.slice(i, i + BATCH)));
  }

  const model = buildModel();
  const optimizer = tf.train.adam(0.01);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  const shuffleRnd = mulberry32(SEEDS.shuffle);
  const log = [];
  let result = null;
  let epoch = 0;
  for (epoch = 1; epoch <= MAX_EPOCHS; epoch++) {
    optimizer.learningRate = epoch <= 12 ? 0.01 : epoch <= 24 ? 0.003 : 0.001;
    let lossSum = 0;
    for (const bi of shuffleInPlace(batches.map((_, i) => i), shuffleRnd)) {
      lossSum += await model.trainOnBatch(batches[bi].x, batches[bi].y);
    }
    result = evaluate(model, heldGroups);
    const entry = { epoch, learning_rate: optimizer.learningRate, loss: lossSum / batches.length, heldout_accuracy: result.accuracy };
    log.push(entry);
    console.log(`epoch ${epoch}: lr ${entry.learning_rate} loss ${entry.loss.toFixed(4)} held-out acc ${(100 * result.accuracy).toFixed(2)}% (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    if (result.accuracy >= TARGET_ACC) break;
  }
  const trainSeconds = (Date.now() - t0) / 1000;
  batches.forEach(b => { b.x.dispose(); b.y.dispose(); });
  const trainAcc = evaluate(model, trainGroups).accuracy;
  console.log(`training: ${log.length} epochs in ${trainSeconds.toFixed(1)} s; train acc ${(100 * trainAcc).toFixed(2)}%, held-out acc ${(100 * result.accuracy).toFixed(2)}%`);
  if (result.accuracy <= 0.97) throw new Error('held-out accuracy too low: ' + result.accuracy);

  const modelConfig = kerasModelConfig(model);
  const weights = kerasWeights(model);
  const units = unitCorrelations(model, weights, heldout);
  console.log('top units by |r| with depth:', units.top.map(e => `${e.state}[${e.unit}] r=${e.r}`).join(', '));
  console.log('top c units:', units.top_c.map(e => `c[${e.unit}] r=${e.r}`).join(', '));
  console.log('top h units:', units.top_h.map(e => `h[${e.unit}] r=${e.r}`).join(', '));

  const samples = makeSamples();
  const sx = oneHot(samples.map(s => s.text));
  const sp = tf.tidy(() => model.predict(tf.tensor3d(sx, [SAMPLE_B, SAMPLE_T, 4])));
  const spData = Array.from(sp.dataSync());
  const spArgmax = Array.from(sp.argMax(-1).dataSync());
  sp.dispose();
  const sampleAcc = spArgmax.filter((p, i) => p === samples[Math.floor(i / SAMPLE_T)].depth[i % SAMPLE_T]).length / spArgmax.length;
  console.log(`samples: per-step accuracy ${(100 * sampleAcc).toFixed(2)}%`);
  samples.forEach(s => console.log('  ' + s.text + '  ' + s.depth.join('')));

  const doc = {
    generator: 'tools/example/train_bracket_depth.js',
    tfjs_version: tf.version.tfjs,
    backend: tf.getBackend(),
    keras_version: '2.15.0',
    task: {
      alphabet: ALPHABET,
      max_depth: MAX_DEPTH,
      lengths: [MIN_LEN, MAX_LEN],
      target: 'nesting depth after reading the character at each step (0..5)',
    },
    model_config: modelConfig,
    weights,
    training: {
      n_train: N_TRAIN, n_heldout: N_HELDOUT, batch_size: BATCH, optimizer: 'adam', loss: 'sparse_categorical_crossentropy',
      seeds: SEEDS, epochs: log.length, wall_seconds: trainSeconds, train_accuracy: trainAcc, log,
    },
    heldout: {
      accuracy: result.accuracy, correct: result.correct, steps: result.total,
      per_depth_accuracy: result.perDepth.map(([ok, n], d) => ({ depth: d, accuracy: n ? ok / n : null, steps: n })),
    },
    units,
    samples: {
      strings: samples.map(s => s.text),
      depth: samples.map(s => s.depth),
      inputs: { shape: [SAMPLE_B, SAMPLE_T, 4], dtype: 'float32', data: Array.from(sx) },
      predictions: { shape: [SAMPLE_B, SAMPLE_T, N_CLASSES], dtype: 'float32', data: spData },
      accuracy: sampleAcc,
    },
  };
  fs.mkdirSync(path.dirname(OUT_JSON), { recursive: true });
  fs.writeFileSync(OUT_JSON, stringifyPy(doc) + '\n');
  console.log('wrote ' + OUT_JSON);
}

main().catch(e => { console.error(e); process.exit(1); });
