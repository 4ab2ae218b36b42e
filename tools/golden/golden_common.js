'use strict';
// Shared helpers for the golden-fixture generator: seeded PRNG, Keras weight names, JSON writer.

// mulberry32: small, fast, fully deterministic 32-bit PRNG.
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
// FNV-1a 32-bit hash of a string: per-case seed, so adding a case never changes another one.
function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
class Rng {
  constructor(seedString) { this.next = mulberry32(fnv1a(seedString)); }
  // uniform float32 in [lo, hi)
  uniform(lo, hi) { return Math.fround(lo + (hi - lo) * this.next()); }
  uniformArray(n, lo, hi) { const a = new Array(n); for (let i = 0; i < n; i++) a[i] = this.uniform(lo, hi); return a; }
  int(lo, hiExclusive) { return lo + Math.floor(this.next() * (hiExclusive - lo)); }
}

const prod = shape => shape.reduce((a, b) => a * b, 1);

// ---- Keras (tf.keras 2.x) weight names -------------------------------------------------------
const CELL_SCOPE = { LSTM: 'lstm_cell', GRU: 'gru_cell', SimpleRNN: 'simple_rnn_cell' };
function cellNames(prefix, useBias) {
  const n = [prefix + 'kernel:0', prefix + 'recurrent_kernel:0'];
  if (useBias) n.push(prefix + 'bias:0');
  return n;
}
function rnnNames(layer, scope) {
  const c = layer.config;
  if (CELL_SCOPE[layer.class_name]) return cellNames(scope + CELL_SCOPE[layer.class_name] + '/', c.use_bias);
  if (layer.class_name === 'RNN') {
    const cell = c.cell;
    if (cell.class_name === 'StackedRNNCells') {
      return [].concat(...cell.config.cells.map(ce => cellNames(scope + cell.config.name + '/' + ce.config.name + '/', ce.config.use_bias)));
    }
    return cellNames(scope + cell.config.name + '/', cell.config.use_bias);
  }
  throw new Error('not an RNN layer: ' + layer.class_name);
}
// Weight names in get_weights() order for one model-config layer entry; [] for layers without weights.
function kerasWeightNames(layer) {
  const c = layer.config;
  const n = c.name;
  switch (layer.class_name) {
    case 'Dense': return c.use_bias ? [n + '/kernel:0', n + '/bias:0'] : [n + '/kernel:0'];
    case 'Embedding': return [n + '/embeddings:0'];
    case 'TimeDistributed': {
      const inner = c.layer;
      if (inner.class_name !== 'Dense') throw new Error('TimeDistributed: only Dense supported here');
      return inner.config.use_bias ? [n + '/kernel:0', n + '/bias:0'] : [n + '/kernel:0'];
    }
    case 'Bidirectional': {
      const inner = c.layer;
      return rnnNames(inner, n + '/forward_' + inner.config.name + '/').concat(rnnNames(inner, n + '/backward_' + inner.config.name + '/'));
    }
    case 'LSTM': case 'GRU': case 'SimpleRNN': case 'RNN':
      return rnnNames(layer, n + '/');
    default: return [];
  }
}

// ---- JSON writer ----------------------------------------------------------------------------
// Pretty-prints objects, but keeps arrays of primitives (the data arrays) and small leaf
// structures on one line, so the files stay small and diffable.
function isPrimitive(v) { return v === null || typeof v !== 'object' || (v.constructor && v.constructor.name === 'PyFloat'); }
function isEmptyObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0; }
function inlineable(v) {
  if (isPrimitive(v) || isEmptyObj(v)) return true;
  if (Array.isArray(v)) return v.every(inlineable);
  return false;
}
function numToJson(x) {
  if (!Number.isFinite(x)) throw new Error('non-finite number in output');
  if (Object.is(x, -0)) return '-0.0';
  return JSON.stringify(x);
}
function toJson(v, indent = '') {
  if (typeof v === 'number') return numToJson(v);
  if (v !== null && typeof v === 'object' && v.constructor && v.constructor.name === 'PyFloat') {
    const s = numToJson(v.v);
    return /^-?\d+$/.test(s) ? s + '.0' : s;
  }
  if (isPrimitive(v)) return JSON.stringify(v);
  const ind2 = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (inlineable(v)) return '[' + v.map(x => toJson(x, ind2)).join(', ') + ']';
    return '[\n' + v.map(x => ind2 + toJson(x, ind2)).join(',\n') + '\n' + indent + ']';
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return '{\n' + keys.map(k => ind2 + JSON.stringify(k) + ': ' + toJson(v[k], ind2)).join(',\n') + '\n' + indent + '}';
}

module.exports = { Rng, prod, kerasWeightNames, toJson };
