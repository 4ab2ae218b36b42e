'use strict';
// Builders for Keras 2 (tf.keras 2.15, legacy-h5 style) model-config JSON.
//
// The objects produced here are what `model.get_config()` of tf.keras 2.15 gives when a model is
// saved to a legacy .h5 file (the form RNNScope reads from `model_config`): snake_case keys, layer
// entries `{"class_name", "config"}` (Functional entries add "name" and "inbound_nodes"),
// initializers in the 2.13+ `serialization_lib` form with "module"/"registered_name", nested
// `cell`/`layer` objects serialized with "module"/"registered_name" as well.
// Key order follows tf.keras: base layer keys first, then RNN base keys, then the cell keys.
//
// style '2.12' drops the "module"/"registered_name" keys (tf.keras <= 2.12 writes plain
// {"class_name","config"} initializers), for loader variety.

let STYLE = '2.15';

// A Python float: JSON-serialises as a number, but golden_common.toJson writes it with a
// decimal point (1.0, 0.0) the way Python's json module does.
class PyFloat {
  constructor(v) { this.v = v; }
  toJSON() { return this.v; }
}
const f = v => new PyFloat(v);
function setStyle(s) { STYLE = s; }

function obj(moduleName, className, config, extra) {
  if (STYLE === '2.12') return Object.assign({ class_name: className, config }, extra || {});
  return Object.assign({ module: moduleName, class_name: className, config, registered_name: null }, extra || {});
}
function init(className, config) { return obj('keras.initializers', className, config || {}); }
const glorot = () => init('GlorotUniform', { seed: null });
const orthogonal = () => init('Orthogonal', { gain: f(1.0), seed: null });
const zeros = () => init('Zeros', {});

function base(name) { return { name, trainable: true, dtype: 'float32' }; }

function rnnBase(o) {
  const c = {
    return_sequences: !!o.return_sequences,
    return_state: !!o.return_state,
    go_backwards: !!o.go_backwards,
    stateful: !!o.stateful,
    unroll: !!o.unroll,
    time_major: !!o.time_major,
  };
  // Written only when true (base_rnn.py::get_config).
  if (o.zero_output_for_mask) c.zero_output_for_mask = true;
  return c;
}

function simpleRnnKeys(units, o, isCell) {
  const c = {
    units,
    activation: o.activation || 'tanh',
    use_bias: o.use_bias === undefined ? true : o.use_bias,
    kernel_initializer: glorot(), recurrent_initializer: orthogonal(), bias_initializer: zeros(),
    kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null,
  };
  if (!isCell) c.activity_regularizer = null;
  Object.assign(c, { kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: f(0.0), recurrent_dropout: f(0.0) });
  return c;
}
function lstmKeys(units, o, isCell) {
  const c = {
    units,
    activation: o.activation || 'tanh',
    recurrent_activation: o.recurrent_activation || 'sigmoid',
    use_bias: o.use_bias === undefined ? true : o.use_bias,
    kernel_initializer: glorot(), recurrent_initializer: orthogonal(), bias_initializer: zeros(),
    unit_forget_bias: true,
    kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null,
  };
  if (!isCell) c.activity_regularizer = null;
  Object.assign(c, { kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: f(0.0), recurrent_dropout: f(0.0), implementation: o.implementation || 2 });
  return c;
}
function gruKeys(units, o, isCell) {
  const c = {
    units,
    activation: o.activation || 'tanh',
    recurrent_activation: o.recurrent_activation || 'sigmoid',
    use_bias: o.use_bias === undefined ? true : o.use_bias,
    kernel_initializer: glorot(), recurrent_initializer: orthogonal(), bias_initializer: zeros(),
    kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null,
  };
  if (!isCell) c.activity_regularizer = null;
  Object.assign(c, { kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: f(0.0), recurrent_dropout: f(0.0), implementation: o.implementation || 2, reset_after: !!o.reset_after });
  return c;
}

// ---- recurrent layers -------------------------------------------------------------------------
function SimpleRNN(name, units, o = {}) {
  return { class_name: 'SimpleRNN', config: Object.assign(base(name), rnnBase(o), simpleRnnKeys(units, o, false)) };
}
function LSTM(name, units, o = {}) {
  return { class_name: 'LSTM', config: Object.assign(base(name), rnnBase(o), lstmKeys(units, o, false)) };
}
function GRU(name, units, o = {}) {
  return { class_name: 'GRU', config: Object.assign(base(name), rnnBase(o), gruKeys(units, o, false)) };
}
// Cells (for the generic RNN layer); inputDim is only used for build_config.
function SimpleRNNCell(name, units, o = {}) {
  return { class_name: 'SimpleRNNCell', config: Object.assign(base(name), simpleRnnKeys(units, o, true)), units };
}
function LSTMCell(name, units, o = {}) {
  return { class_name: 'LSTMCell', config: Object.assign(base(name), lstmKeys(units, o, true)), units };
}
function GRUCell(name, units, o = {}) {
  return { class_name: 'GRUCell', config: Object.assign(base(name), gruKeys(units, o, true)), units };
}
function serializeCell(cell, inputDim) {
  return obj('keras.layers', cell.class_name, cell.config, STYLE === '2.12' ? {} : { build_config: { input_shape: [null, inputDim] } });
}
// cell: a single cell, or an array of cells (-> StackedRNNCells). inputDim = feature size of the RNN input.
function RNN(name, cell, inputDim, o = {}) {
  let cellObj;
  if (Array.isArray(cell)) {
    let d = inputDim;
    const cells = cell.map(c => { const s = serializeCell(c, d); d = c.units; return s; });
    cellObj = obj('keras.layers', 'StackedRNNCells', Object.assign(base(o.stacked_name || 'stacked_rnn_cells'), { cells }));
  } else {
    cellObj = serializeCell(cell, inputDim);
  }
  return { class_name: 'RNN', config: Object.assign(base(name), rnnBase(o), { cell: cellObj }) };
}

// ---- wrappers -------------------------------------------------------------------------------------
function Bidirectional(name, layer, mergeMode = 'concat') {
  return {
    class_name: 'Bidirectional',
    config: Object.assign(base(name), { layer: obj('keras.layers', layer.class_name, layer.config), merge_mode: mergeMode }),
  };
}
function TimeDistributed(name, layer, innerInputDim) {
  const extra = STYLE === '2.12' ? {} : { build_config: { input_shape: [null, innerInputDim] } };
  return { class_name: 'TimeDistributed', config: Object.assign(base(name), { layer: obj('keras.layers', layer.class_name, layer.config, extra) }) };
}

// ---- other layers ---------------------------------------------------------------------------------
function Dense(name, units, o = {}) {
  return {
    class_name: 'Dense',
    config: Object.assign(base(name), {
      units, activation: o.activation || 'linear', use_bias: o.use_bias === undefined ? true : o.use_bias,
      kernel_initializer: glorot(), bias_initializer: zeros(), kernel_regularizer: null, bias_regularizer: null,
      activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
    }),
  };
}
function Dropout(name, rate) {
  return { class_name: 'Dropout', config: Object.assign(base(name), { rate: f(rate), noise_shape: null, seed: null }) };
}
function Activation(name, activation) {
  return { class_name: 'Activation', config: Object.assign(base(name), { activation }) };
}
function RepeatVector(name, n) {
  return { class_name: 'RepeatVector', config: Object.assign(base(name), { n }) };
}
function Masking(name, maskValue) {
  return { class_name: 'Masking', config: Object.assign(base(name), { mask_value: f(maskValue) }) };
}
function Embedding(name, inputDim, outputDim, o = {}) {
  return {
    class_name: 'Embedding',
    config: Object.assign(base(name), {
      input_dim: inputDim, output_dim: outputDim,
      embeddings_initializer: init('RandomUniform', { minval: f(-0.05), maxval: f(0.05), seed: null }),
      embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null,
      mask_zero: !!o.mask_zero, input_length: o.input_length === undefined ? null : o.input_length,
    }),
  };
}
function Concatenate(name, axis = -1) {
  return { class_name: 'Concatenate', config: Object.assign(base(name), { axis }) };
}
function Add(name) {
  return { class_name: 'Add', config: base(name) };
}

// ---- models -------------------------------------------------------------------------------------
function InputLayerConfig(name, batchShape, dtype = 'float32') {
  return { batch_input_shape: batchShape, dtype, sparse: false, ragged: false, name };
}

// Sequential with an explicit InputLayer entry (TF 2.x); the first layer also carries
// batch_input_shape, as when the user wrote `LSTM(..., input_shape=...)`.
function Sequential(name, batchShape, layers, inputDtype = 'float32') {
  const first = layers[0];
  const inputName = first.config.name + '_input';
  const firstCfg = {};
  for (const [k, v] of Object.entries(first.config)) {
    firstCfg[k] = v;
    if (k === 'dtype') firstCfg.batch_input_shape = batchShape;
  }
  const ls = [{ class_name: 'InputLayer', config: InputLayerConfig(inputName, batchShape, inputDtype) },
    { class_name: first.class_name, config: firstCfg }].concat(layers.slice(1));
  return { class_name: 'Sequential', config: { name, layers: ls } };
}

// nodes: [{input: [name, batchShape, dtype]} | {layer: {...}, inbound: [[layerName, nodeIndex, tensorIndex], ...]}]
function Functional(name, nodes, inputs, outputs) {
  const layers = nodes.map(n => {
    if (n.input) {
      const [nm, shape, dtype] = n.input;
      return { class_name: 'InputLayer', config: InputLayerConfig(nm, shape, dtype || 'float32'), name: nm, inbound_nodes: [] };
    }
    return {
      class_name: n.layer.class_name, config: n.layer.config, name: n.layer.config.name,
      inbound_nodes: [n.inbound.map(t => [t[0], t[1] || 0, t[2] || 0, {}])],
    };
  });
  return {
    class_name: 'Functional',
    config: {
      name, layers,
      input_layers: inputs.map(i => [i, 0, 0]),
      output_layers: outputs.map(o => (Array.isArray(o) ? [o[0], 0, o[1]] : [o, 0, 0])),
    },
  };
}

module.exports = {
  PyFloat, setStyle, SimpleRNN, LSTM, GRU, SimpleRNNCell, LSTMCell, GRUCell, RNN, Bidirectional, TimeDistributed,
  Dense, Dropout, Activation, RepeatVector, Masking, Embedding, Concatenate, Add, Sequential, Functional,
};
