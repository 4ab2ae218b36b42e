'use strict';
// Golden fixtures for RNNScope, computed with TensorFlow.js (pure-JS CPU backend).
//
//   cd tools/golden && npm ci && node generate.js [OUT_DIR]      (OUT_DIR defaults to ../../tests/data/golden)
//
// Each case is a Python tf.keras 2.x model config (keras_config.js) loaded with
// tf.models.modelFromJSON, given seeded weights with layer.setWeights, and run with
// model.predict (model.apply when a mask is passed to the model input). One JSON file per case.
// Only behaviours where tfjs matches Keras are generated here; see README.md for the list of
// tfjs departures that are covered by reference_rnn.py instead.

const fs = require('fs');
const path = require('path');

// Quiet the expected noise: tfjs's "install tfjs-node" banner (printed when the module loads) and
// its notice that unroll=True is ignored (no numeric effect; case lstm_unroll).
const QUIET = [/tfjs-node/, /^=+$/, /^\s*$/, /unroll = true/];
for (const k of ['log', 'warn']) {
  const orig = console[k];
  console[k] = (...a) => { if (typeof a[0] === 'string' && QUIET.some(r => r.test(a[0]))) return; orig(...a); };
}
const tf = require('@tensorflow/tfjs');
const K = require('./keras_config');
const { Rng, prod, kerasWeightNames, toJson } = require('./golden_common');

const TFJS_VERSION = tf.version.tfjs;
const REFERENCE = `tfjs ${TFJS_VERSION} cpu`;
const OUT_DIR = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'tests', 'data', 'golden'));

// ---- input specs (resolved with the case's PRNG, in call order) -----------------------------------
// Float input [B,T,F] uniform in [-1,1]; opts.pad = [[b,t],...] steps set to opts.value (all features).
function X(shape, opts = {}) { return { kind: 'float', shape, opts }; }
// Integer ids [B,T] in [1, vocab); opts.zeros = [[b,t],...] set to 0 (padding id).
function IDS(shape, vocab, opts = {}) { return { kind: 'ids', shape, vocab, opts }; }
// A state tensor [B,U] uniform in [-0.8,0.8].
function ST(shape) { return { kind: 'state', shape, opts: {} }; }
// Same data as an earlier call's input (callIndex, inputIndex).
function SAME(callIndex, inputIndex = 0) { return { kind: 'same', callIndex, inputIndex }; }
// Pad lists: right padding of `n` steps for sample b with sequence length T.
function rightPad(b, T, n) { const r = []; for (let t = T - n; t < T; t++) r.push([b, t]); return r; }
function steps(b, ts) { return ts.map(t => [b, t]); }

function resolveInput(spec, rng, prevCalls) {
  if (spec.kind === 'same') return prevCalls[spec.callIndex][spec.inputIndex];
  const shape = spec.shape;
  if (spec.kind === 'float' || spec.kind === 'state') {
    const lim = spec.kind === 'state' ? 0.8 : 1.0;
    const data = rng.uniformArray(prod(shape), -lim, lim);
    if (spec.opts.pad) {
      const [, T, F] = shape;
      const v = Math.fround(spec.opts.value === undefined ? 0 : spec.opts.value);
      for (const [b, t] of spec.opts.pad) for (let f = 0; f < F; f++) data[(b * T + t) * F + f] = v;
    }
    return { shape, dtype: 'float32', data };
  }
  if (spec.kind === 'ids') {
    const data = new Array(prod(shape));
    for (let i = 0; i < data.length; i++) data[i] = rng.int(1, spec.vocab);
    const T = shape[1];
    for (const [b, t] of (spec.opts.zeros || [])) data[b * T + t] = 0;
    return { shape, dtype: 'int32', data };
  }
  throw new Error('bad input spec');
}

// ---- the cases ------------------------------------------------------------------------------------
const cases = [];
// c: {name, description, model, calls: [{inputs: [spec...], mask?: {shape,data}, reset?: bool}],
//     keras_version?, style?, stackedStateSizes?: [[per-cell state count]...] (reorder tfjs states)}
function add(c) { cases.push(c); }

const { SimpleRNN, LSTM, GRU, SimpleRNNCell, LSTMCell, GRUCell, RNN, Bidirectional, TimeDistributed,
  Dense, Dropout, Activation, RepeatVector, Masking, Embedding, Concatenate, Add, Sequential, Functional } = K;

// Helper: Sequential with a single call.
function seq1(name, description, B, T, F, layers, inputOpts) {
  add({ name, description, model: Sequential('sequential', [null, T, F], layers), calls: [{ inputs: [X([B, T, F], inputOpts)] }] });
}

// ---------------- SimpleRNN ----------------
seq1('simple_rnn_tanh', 'SimpleRNN(4) tanh, last output', 2, 5, 3, [SimpleRNN('simple_rnn', 4)]);
seq1('simple_rnn_relu_seq', 'SimpleRNN(5) relu, return_sequences=True', 2, 6, 3, [SimpleRNN('simple_rnn', 5, { activation: 'relu', return_sequences: true })]);
seq1('simple_rnn_sigmoid_nobias', 'SimpleRNN(3) sigmoid, use_bias=False, last output', 3, 4, 2, [SimpleRNN('simple_rnn', 3, { activation: 'sigmoid', use_bias: false })]);
seq1('simple_rnn_linear_seq_b1', 'SimpleRNN(4) linear activation, return_sequences=True, batch 1', 1, 7, 2, [SimpleRNN('simple_rnn', 4, { activation: 'linear', return_sequences: true })]);
seq1('simple_rnn_go_backwards_seq', 'SimpleRNN(4) go_backwards=True, return_sequences=True (outputs in processing order: out[:,t] belongs to input step T-1-t)', 2, 5, 3,
  [SimpleRNN('simple_rnn', 4, { go_backwards: true, return_sequences: true })]);
add({
  name: 'simple_rnn_return_state', description: 'Functional: SimpleRNN(4) return_state=True -> outputs [output, h]',
  model: Functional('model', [{ input: ['input_1', [null, 5, 3]] }, { layer: SimpleRNN('simple_rnn', 4, { return_state: true }), inbound: [['input_1']] }],
    ['input_1'], [['simple_rnn', 0], ['simple_rnn', 1]]),
  calls: [{ inputs: [X([2, 5, 3])] }],
});
seq1('simple_rnn_masking_seq', 'Masking(0.0) -> SimpleRNN(4) return_sequences=True; sample 0 right-padded by 2, sample 1 has a masked hole at t=2..3 (masked steps repeat the previous output, states held)', 2, 7, 3,
  [Masking('masking', 0.0), SimpleRNN('simple_rnn', 4, { return_sequences: true })], { pad: rightPad(0, 7, 2).concat(steps(1, [2, 3])) });

// ---------------- LSTM ----------------
// Widths a multiple of 16 (the fused LSTM gate pass) and of 64 (the register-tiled recurrent product in AVX-512
// builds); batches that are not a multiple of the product's 4-row tile.
seq1('lstm_units32_seq', 'LSTM(32) return_sequences=True, batch 5: the fused gate pass (units a multiple of 16) and leftover rows of the tiled product', 5, 6, 4, [LSTM('lstm', 32, { return_sequences: true })]);
seq1('lstm_units64_relu_hard_sigmoid', 'LSTM(64) activation=relu, hard_sigmoid recurrent activation, batch 3, last output: the fused gate pass with other activations', 3, 5, 6, [LSTM('lstm', 64, { activation: 'relu', recurrent_activation: 'hard_sigmoid' })]);
seq1('simple_rnn_units64_seq', 'SimpleRNN(64) return_sequences=True, batch 6: the tiled recurrent product with 4-row tiles and leftovers', 6, 5, 3, [SimpleRNN('simple_rnn', 64, { return_sequences: true })]);
seq1('lstm_basic', 'LSTM(5) sigmoid recurrent activation, last output', 2, 6, 3, [LSTM('lstm', 5)]);
seq1('lstm_return_sequences', 'LSTM(5) return_sequences=True, hard_sigmoid recurrent activation', 2, 6, 3, [LSTM('lstm', 5, { return_sequences: true, recurrent_activation: 'hard_sigmoid' })]);
seq1('lstm_relu_seq', 'LSTM(4) activation=relu, return_sequences=True', 2, 5, 3, [LSTM('lstm', 4, { activation: 'relu', return_sequences: true })]);
seq1('lstm_linear_nobias', 'LSTM(4) activation=linear, use_bias=False, last output', 3, 5, 2, [LSTM('lstm', 4, { activation: 'linear', use_bias: false })]);
seq1('lstm_go_backwards', 'LSTM(4) go_backwards=True, last output (belongs to input step 0)', 2, 6, 3, [LSTM('lstm', 4, { go_backwards: true })]);
seq1('lstm_go_backwards_seq', 'LSTM(4) go_backwards=True, return_sequences=True (outputs in processing order)', 2, 6, 3, [LSTM('lstm', 4, { go_backwards: true, return_sequences: true })]);
add({
  name: 'lstm_return_state', description: 'Functional: LSTM(4) return_state=True -> outputs [output, h, c]',
  model: Functional('model', [{ input: ['input_1', [null, 6, 3]] }, { layer: LSTM('lstm', 4, { return_state: true }), inbound: [['input_1']] }],
    ['input_1'], [['lstm', 0], ['lstm', 1], ['lstm', 2]]),
  calls: [{ inputs: [X([2, 6, 3])] }],
});
add({
  name: 'lstm_return_state_seq', description: 'Functional: LSTM(3) return_sequences=True, return_state=True, hard_sigmoid -> [sequence, h, c]',
  model: Functional('model', [{ input: ['input_1', [null, 5, 2]] }, { layer: LSTM('lstm', 3, { return_state: true, return_sequences: true, recurrent_activation: 'hard_sigmoid' }), inbound: [['input_1']] }],
    ['input_1'], [['lstm', 0], ['lstm', 1], ['lstm', 2]]),
  calls: [{ inputs: [X([3, 5, 2])] }],
});
add({
  name: 'lstm_stateful', description: 'LSTM(4) stateful=True, batch fixed at 2 (batch_input_shape), return_sequences=True: 3 calls, states carry over; reset_states() before call 3, whose input equals call 1 (so its output equals call 1)',
  model: Sequential('sequential', [2, 4, 3], [LSTM('lstm', 4, { stateful: true, return_sequences: true })]),
  calls: [{ inputs: [X([2, 4, 3])] }, { inputs: [X([2, 4, 3])] }, { inputs: [SAME(0)], reset: true }],
});
seq1('lstm_masking_right_pad', 'Masking(0.0) -> LSTM(5), last output; samples right-padded by 0, 2 and 4 steps (last output = output at the last unmasked step)', 3, 8, 3,
  [Masking('masking', 0.0), LSTM('lstm', 5)], { pad: rightPad(1, 8, 2).concat(rightPad(2, 8, 4)) });
seq1('lstm_masking_hole_seq', 'Masking(mask_value=-1.0) -> LSTM(4) return_sequences=True; sample 0 has a hole at t=1 and t=4..5, sample 1 is fully masked (all outputs 0), sample 2 unmasked', 3, 7, 2,
  [Masking('masking', -1.0), LSTM('lstm', 4, { return_sequences: true })], { value: -1.0, pad: steps(0, [1, 4, 5]).concat(steps(1, [0, 1, 2, 3, 4, 5, 6])) });
seq1('lstm_masking_go_backwards_seq', 'Masking(0.0) -> LSTM(4) go_backwards=True return_sequences=True; right-padded sample: the padded steps are processed first and give zero output', 2, 6, 3,
  [Masking('masking', 0.0), LSTM('lstm', 4, { go_backwards: true, return_sequences: true })], { pad: rightPad(0, 6, 2) });
seq1('lstm_stacked_layers', 'LSTM(5, return_sequences=True) -> LSTM(3), two stacked layers', 2, 6, 3, [LSTM('lstm', 5, { return_sequences: true }), LSTM('lstm_1', 3)]);
seq1('lstm_t1_b1', 'LSTM(3) with a single timestep (T=1), batch 1', 1, 1, 4, [LSTM('lstm', 3, { return_sequences: true })]);
seq1('lstm_t12_b3', 'LSTM(8) T=12, batch 3, return_sequences=True', 3, 12, 4, [LSTM('lstm', 8, { return_sequences: true })]);
seq1('lstm_unroll', 'LSTM(4) unroll=True (no numeric effect), return_sequences=True', 2, 4, 3, [LSTM('lstm', 4, { unroll: true, return_sequences: true })]);

// ---------------- GRU (reset_after=False only: tfjs cannot do reset_after=True) ----------------
seq1('gru_basic', 'GRU(4) reset_after=False, sigmoid recurrent activation, last output', 2, 6, 3, [GRU('gru', 4)]);
seq1('gru_hard_sigmoid_seq', 'GRU(5) reset_after=False, hard_sigmoid recurrent activation, return_sequences=True', 2, 5, 3, [GRU('gru', 5, { recurrent_activation: 'hard_sigmoid', return_sequences: true })]);
seq1('gru_go_backwards_seq', 'GRU(4) reset_after=False, go_backwards=True, return_sequences=True', 2, 5, 2, [GRU('gru', 4, { go_backwards: true, return_sequences: true })]);
seq1('gru_relu_nobias', 'GRU(3) reset_after=False, activation=relu, use_bias=False, last output', 3, 4, 3, [GRU('gru', 3, { activation: 'relu', use_bias: false })]);
add({
  name: 'gru_return_state', description: 'Functional: GRU(4) reset_after=False, return_state=True -> [output, h]',
  model: Functional('model', [{ input: ['input_1', [null, 5, 3]] }, { layer: GRU('gru', 4, { return_state: true }), inbound: [['input_1']] }],
    ['input_1'], [['gru', 0], ['gru', 1]]),
  calls: [{ inputs: [X([2, 5, 3])] }],
});
add({
  name: 'gru_stateful', description: 'GRU(3) reset_after=False, stateful=True, batch 3, last output: 2 calls carrying state, then reset_states() and a third call',
  model: Sequential('sequential', [3, 4, 2], [GRU('gru', 3, { stateful: true })]),
  calls: [{ inputs: [X([3, 4, 2])] }, { inputs: [X([3, 4, 2])] }, { inputs: [X([3, 4, 2])], reset: true }],
});
seq1('gru_masking_seq', 'Masking(0.0) -> GRU(4) reset_after=False, return_sequences=True; right-padded sample and a hole', 2, 6, 3,
  [Masking('masking', 0.0), GRU('gru', 4, { return_sequences: true })], { pad: rightPad(0, 6, 3).concat(steps(1, [1])) });

// ---------------- generic RNN(cell) and StackedRNNCells ----------------
seq1('rnn_lstm_cell_seq', 'RNN(LSTMCell(4)) return_sequences=True', 2, 5, 3, [RNN('rnn', LSTMCell('lstm_cell', 4), 3, { return_sequences: true })]);
seq1('rnn_gru_cell', 'RNN(GRUCell(4, reset_after=False)), last output', 2, 5, 3, [RNN('rnn', GRUCell('gru_cell', 4), 3)]);
seq1('rnn_simple_cell_go_backwards', 'RNN(SimpleRNNCell(3)) go_backwards=True, return_sequences=True', 2, 5, 2, [RNN('rnn', SimpleRNNCell('simple_rnn_cell', 3), 2, { go_backwards: true, return_sequences: true })]);
seq1('rnn_stacked_2lstm_seq', 'RNN(StackedRNNCells[LSTMCell(4), LSTMCell(3)]) return_sequences=True', 2, 5, 3,
  [RNN('rnn', [LSTMCell('lstm_cell', 4), LSTMCell('lstm_cell_1', 3)], 3, { return_sequences: true })]);
seq1('rnn_stacked_3_mixed', 'RNN(StackedRNNCells[SimpleRNNCell(4, relu), GRUCell(3, hard_sigmoid), LSTMCell(5)]), last output', 3, 6, 2,
  [RNN('rnn', [SimpleRNNCell('simple_rnn_cell', 4, { activation: 'relu' }), GRUCell('gru_cell', 3, { recurrent_activation: 'hard_sigmoid' }), LSTMCell('lstm_cell', 5)], 2)]);
add({
  name: 'rnn_stacked_return_state', description: 'Functional: RNN(StackedRNNCells[LSTMCell(3), GRUCell(4)]) return_state=True -> Keras order [output, h_lstm, c_lstm, h_gru] (tfjs returns the states last-cell-first; reordered here to Keras order)',
  model: Functional('model', [{ input: ['input_1', [null, 5, 2]] }, { layer: RNN('rnn', [LSTMCell('lstm_cell', 3), GRUCell('gru_cell', 4)], 2, { return_state: true }), inbound: [['input_1']] }],
    ['input_1'], [['rnn', 0], ['rnn', 1], ['rnn', 2], ['rnn', 3]]),
  calls: [{ inputs: [X([2, 5, 2])] }],
  stackedStateSizes: [2, 1],
});
seq1('rnn_stacked_masking_seq', 'Masking(0.0) -> RNN(StackedRNNCells[GRUCell(3), SimpleRNNCell(4)]) return_sequences=True; right-padded and holed samples', 3, 6, 3,
  [Masking('masking', 0.0), RNN('rnn', [GRUCell('gru_cell', 3), SimpleRNNCell('simple_rnn_cell', 4)], 3, { return_sequences: true })],
  { pad: rightPad(0, 6, 2).concat(steps(2, [0, 3])) });
add({
  name: 'rnn_lstm_cell_stateful', description: 'RNN(LSTMCell(3)) stateful=True, batch 2, return_sequences=True: 2 calls carrying state',
  model: Sequential('sequential', [2, 3, 2], [RNN('rnn', LSTMCell('lstm_cell', 3), 2, { stateful: true, return_sequences: true })]),
  calls: [{ inputs: [X([2, 3, 2])] }, { inputs: [X([2, 3, 2])] }],
});

// ---------------- Bidirectional ----------------
seq1('bidi_lstm_concat_seq', 'Bidirectional(LSTM(3, return_sequences=True)) merge_mode=concat (backward half flipped back to input order)', 2, 5, 3,
  [Bidirectional('bidirectional', LSTM('lstm', 3, { return_sequences: true }), 'concat')]);
seq1('bidi_gru_sum', 'Bidirectional(GRU(4, reset_after=False)) merge_mode=sum, last output (backward part belongs to input step 0)', 2, 5, 3,
  [Bidirectional('bidirectional', GRU('gru', 4), 'sum')]);
seq1('bidi_simple_rnn_mul_seq', 'Bidirectional(SimpleRNN(4, return_sequences=True)) merge_mode=mul', 2, 4, 2,
  [Bidirectional('bidirectional', SimpleRNN('simple_rnn', 4, { return_sequences: true }), 'mul')]);
seq1('bidi_lstm_ave', 'Bidirectional(LSTM(4)) merge_mode=ave, last output', 3, 5, 2, [Bidirectional('bidirectional', LSTM('lstm', 4), 'ave')]);
add({
  name: 'bidi_lstm_none_seq', description: 'Functional: Bidirectional(LSTM(3, return_sequences=True)) merge_mode=None -> two outputs [forward, backward flipped to input order]',
  model: Functional('model', [{ input: ['input_1', [null, 5, 2]] }, { layer: Bidirectional('bidirectional', LSTM('lstm', 3, { return_sequences: true }), null), inbound: [['input_1']] }],
    ['input_1'], [['bidirectional', 0], ['bidirectional', 1]]),
  calls: [{ inputs: [X([2, 5, 2])] }],
});
add({
  name: 'bidi_gru_none', description: 'Functional: Bidirectional(GRU(3, reset_after=False)) merge_mode=None, last outputs -> [forward last, backward last]',
  model: Functional('model', [{ input: ['input_1', [null, 4, 3]] }, { layer: Bidirectional('bidirectional', GRU('gru', 3), null), inbound: [['input_1']] }],
    ['input_1'], [['bidirectional', 0], ['bidirectional', 1]]),
  calls: [{ inputs: [X([2, 4, 3])] }],
});
add({
  name: 'bidi_lstm_return_state', description: 'Functional: Bidirectional(LSTM(3, return_state=True)) concat -> [output, h_fw, c_fw, h_bw, c_bw]',
  model: Functional('model', [{ input: ['input_1', [null, 5, 2]] }, { layer: Bidirectional('bidirectional', LSTM('lstm', 3, { return_state: true }), 'concat'), inbound: [['input_1']] }],
    ['input_1'], [['bidirectional', 0], ['bidirectional', 1], ['bidirectional', 2], ['bidirectional', 3], ['bidirectional', 4]]),
  calls: [{ inputs: [X([2, 5, 2])] }],
});
add({
  name: 'bidi_gru_none_return_state', description: 'Functional: Bidirectional(GRU(3, reset_after=False, return_sequences=True, return_state=True)) merge_mode=None -> [forward seq, backward seq (flipped to input order), h_fw, h_bw]',
  model: Functional('model', [{ input: ['input_1', [null, 4, 2]] }, { layer: Bidirectional('bidirectional', GRU('gru', 3, { return_sequences: true, return_state: true }), null), inbound: [['input_1']] }],
    ['input_1'], [['bidirectional', 0], ['bidirectional', 1], ['bidirectional', 2], ['bidirectional', 3]]),
  calls: [{ inputs: [X([2, 4, 2])] }],
});
seq1('bidi_lstm_masking_last', 'Masking(0.0) -> Bidirectional(LSTM(3)) concat, last output (no return_sequences, so no zero_output_for_mask involved); right-padded and holed samples', 3, 6, 2,
  [Masking('masking', 0.0), Bidirectional('bidirectional', LSTM('lstm', 3), 'concat')], { pad: rightPad(0, 6, 3).concat(steps(1, [2])) });
seq1('bidi_rnn_stacked_concat_seq', 'Bidirectional(RNN(StackedRNNCells[GRUCell(3), LSTMCell(2)], return_sequences=True)) concat', 2, 4, 3,
  [Bidirectional('bidirectional', RNN('rnn', [GRUCell('gru_cell', 3), LSTMCell('lstm_cell', 2)], 3, { return_sequences: true }), 'concat')]);
seq1('bidi_then_lstm', 'Bidirectional(GRU(3, reset_after=False, return_sequences=True)) concat -> LSTM(4)', 2, 5, 2,
  [Bidirectional('bidirectional', GRU('gru', 3, { return_sequences: true }), 'concat'), LSTM('lstm', 4)]);

// ---------------- layers around RNNs ----------------
seq1('lstm_dense_head', 'LSTM(6) -> Dense(3, softmax)', 2, 6, 3, [LSTM('lstm', 6), Dense('dense', 3, { activation: 'softmax' })]);
seq1('gru_time_distributed_dense', 'GRU(5, reset_after=False, return_sequences=True) -> TimeDistributed(Dense(2))', 2, 6, 3,
  [GRU('gru', 5, { return_sequences: true }), TimeDistributed('time_distributed', Dense('dense', 2), 5)]);
seq1('dense_dropout_lstm_activation', 'Dense(4, tanh) on 3-D input -> Dropout(0.3) (identity at inference) -> LSTM(3, return_sequences=True) -> Activation(sigmoid)', 2, 5, 3,
  [Dense('dense', 4, { activation: 'tanh' }), Dropout('dropout', 0.3), LSTM('lstm', 3, { return_sequences: true }), Activation('activation', 'sigmoid')]);
seq1('lstm_repeat_vector_seq2seq', 'LSTM(4) -> RepeatVector(3) -> LSTM(3, return_sequences=True) -> TimeDistributed(Dense(2))', 2, 5, 3,
  [LSTM('lstm', 4), RepeatVector('repeat_vector', 3), LSTM('lstm_1', 3, { return_sequences: true }), TimeDistributed('time_distributed', Dense('dense', 2), 3)]);
seq1('masking_dense_lstm_seq', 'Masking(0.0) -> Dense(4) (passes the mask on) -> LSTM(3, return_sequences=True); right-padded sample', 2, 6, 3,
  [Masking('masking', 0.0), Dense('dense', 4), LSTM('lstm', 3, { return_sequences: true })], { pad: rightPad(1, 6, 2) });
seq1('masking_td_dense_gru', 'Masking(0.5) -> TimeDistributed(Dense(4, relu)) (passes the mask on) -> GRU(3, reset_after=False), last output', 2, 5, 3,
  [Masking('masking', 0.5), TimeDistributed('time_distributed', Dense('dense', 4, { activation: 'relu' }), 3), GRU('gru', 3)], { value: 0.5, pad: rightPad(0, 5, 2).concat(steps(1, [1])) });

// ---------------- Embedding ----------------
add({
  name: 'embedding_gru', description: 'Embedding(10, 4) (no mask) -> GRU(3, reset_after=False), last output; int32 ids',
  model: Sequential('sequential', [null, 6], [Embedding('embedding', 10, 4, { input_length: 6 }), GRU('gru', 3)]),
  calls: [{ inputs: [IDS([2, 6], 10)] }],
});
add({
  name: 'embedding_mask_zero_lstm_seq', description: 'Embedding(12, 4, mask_zero=True) -> LSTM(4, return_sequences=True); id 0 = padding: sample 0 right-padded, sample 1 with a hole, sample 2 fully padded',
  model: Sequential('sequential', [null, 7], [Embedding('embedding', 12, 4, { mask_zero: true, input_length: 7 }), LSTM('lstm', 4, { return_sequences: true })]),
  calls: [{ inputs: [IDS([3, 7], 12, { zeros: steps(0, [5, 6]).concat(steps(1, [2, 3])).concat(steps(2, [0, 1, 2, 3, 4, 5, 6])) })] }],
});
add({
  name: 'embedding_mask_zero_bidi_gru', description: 'Embedding(9, 3, mask_zero=True) -> Bidirectional(GRU(3, reset_after=False)) concat, last output; right-padded ids',
  model: Sequential('sequential', [null, 6], [Embedding('embedding', 9, 3, { mask_zero: true, input_length: 6 }), Bidirectional('bidirectional', GRU('gru', 3), 'concat')]),
  calls: [{ inputs: [IDS([2, 6], 9, { zeros: steps(0, [4, 5]) })] }],
});
add({
  name: 'embedding_mask_zero_rnn_stacked', description: 'Embedding(10, 3, mask_zero=True) -> RNN(StackedRNNCells[LSTMCell(3), LSTMCell(3)]), last output; right-padded ids',
  model: Sequential('sequential', [null, 5], [Embedding('embedding', 10, 3, { mask_zero: true, input_length: 5 }), RNN('rnn', [LSTMCell('lstm_cell', 3), LSTMCell('lstm_cell_1', 3)], 3)]),
  calls: [{ inputs: [IDS([3, 5], 10, { zeros: steps(0, [3, 4]).concat(steps(2, [4])) })] }],
});

// ---------------- mask passed with the model input: model(x, mask=m) ----------------
add({
  name: 'model_mask_lstm_seq', description: 'LSTM(4, return_sequences=True) called as model(x, mask=m): explicit mask with right padding and a hole (no Masking layer; masked inputs are not zero)',
  model: Sequential('sequential', [null, 6, 3], [LSTM('lstm', 4, { return_sequences: true })]),
  calls: [{ inputs: [X([2, 6, 3])], mask: { shape: [2, 6], data: [1, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1] } }],
});
add({
  name: 'model_mask_gru', description: 'GRU(3, reset_after=False) called as model(x, mask=m), last output; explicit mask',
  model: Sequential('sequential', [null, 5, 2], [GRU('gru', 3)]),
  calls: [{ inputs: [X([3, 5, 2])], mask: { shape: [3, 5], data: [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1] } }],
});

// ---------------- Functional models ----------------
add({
  name: 'functional_two_in_two_out', description: 'Functional, two inputs and two outputs: a [B,6,3] -> LSTM(4) -> Dense(2) (out 1); b [B,4,2] -> GRU(3, reset_after=False); Concatenate([lstm, gru]) -> Dense(3, tanh) (out 2)',
  model: Functional('model', [
    { input: ['input_a', [null, 6, 3]] }, { input: ['input_b', [null, 4, 2]] },
    { layer: LSTM('lstm', 4), inbound: [['input_a']] }, { layer: GRU('gru', 3), inbound: [['input_b']] },
    { layer: Dense('dense', 2), inbound: [['lstm']] },
    { layer: Concatenate('concatenate'), inbound: [['lstm'], ['gru']] },
    { layer: Dense('dense_1', 3, { activation: 'tanh' }), inbound: [['concatenate']] },
  ], ['input_a', 'input_b'], ['dense', 'dense_1']),
  calls: [{ inputs: [X([2, 6, 3]), X([2, 4, 2])] }],
});
add({
  name: 'functional_encoder_decoder', description: 'Functional seq2seq: encoder LSTM(4, return_state=True) on [B,5,3]; its [h, c] is the decoder LSTM(4, return_sequences=True) initial_state (extra inbound tensors) on [B,4,2]; TimeDistributed(Dense(3))',
  model: Functional('model', [
    { input: ['encoder_input', [null, 5, 3]] }, { input: ['decoder_input', [null, 4, 2]] },
    { layer: LSTM('encoder', 4, { return_state: true }), inbound: [['encoder_input']] },
    { layer: LSTM('decoder', 4, { return_sequences: true }), inbound: [['decoder_input'], ['encoder', 0, 1], ['encoder', 0, 2]] },
    { layer: TimeDistributed('time_distributed', Dense('dense', 3), 4), inbound: [['decoder']] },
  ], ['encoder_input', 'decoder_input'], ['time_distributed']),
  calls: [{ inputs: [X([2, 5, 3]), X([2, 4, 2])] }],
});
add({
  name: 'functional_gru_encoder_decoder', description: 'Functional: encoder GRU(3, reset_after=False, return_state=True) -> [out, h]; decoder SimpleRNN(3, return_sequences=True) with initial_state=h; both outputs (decoder sequence, encoder output)',
  model: Functional('model', [
    { input: ['encoder_input', [null, 4, 2]] }, { input: ['decoder_input', [null, 3, 2]] },
    { layer: GRU('encoder', 3, { return_state: true }), inbound: [['encoder_input']] },
    { layer: SimpleRNN('decoder', 3, { return_sequences: true }), inbound: [['decoder_input'], ['encoder', 0, 1]] },
  ], ['encoder_input', 'decoder_input'], ['decoder', ['encoder', 0]]),
  calls: [{ inputs: [X([3, 4, 2]), X([3, 3, 2])] }],
});
add({
  name: 'functional_initial_state_inputs', description: 'Functional: LSTM(4, return_sequences=True) with initial_state [h0, c0] given as separate model Inputs (non-zero states)',
  model: Functional('model', [
    { input: ['input_x', [null, 5, 3]] }, { input: ['input_h', [null, 4]] }, { input: ['input_c', [null, 4]] },
    { layer: LSTM('lstm', 4, { return_sequences: true }), inbound: [['input_x'], ['input_h'], ['input_c']] },
  ], ['input_x', 'input_h', 'input_c'], ['lstm']),
  calls: [{ inputs: [X([2, 5, 3]), ST([2, 4]), ST([2, 4])] }],
});
add({
  name: 'functional_initial_state_gru_backwards', description: 'Functional: GRU(3, reset_after=False, go_backwards=True, return_state=True) with initial_state h0 as a model Input -> [output, h]',
  model: Functional('model', [
    { input: ['input_x', [null, 4, 2]] }, { input: ['input_h', [null, 3]] },
    { layer: GRU('gru', 3, { go_backwards: true, return_state: true }), inbound: [['input_x'], ['input_h']] },
  ], ['input_x', 'input_h'], [['gru', 0], ['gru', 1]]),
  calls: [{ inputs: [X([3, 4, 2]), ST([3, 3])] }],
});
add({
  name: 'functional_add_two_rnns', description: 'Functional: one input into SimpleRNN(4, tanh) and LSTM(4, go_backwards=True); Add() of both last outputs -> Dense(2)',
  model: Functional('model', [
    { input: ['input_1', [null, 5, 3]] },
    { layer: SimpleRNN('simple_rnn', 4), inbound: [['input_1']] }, { layer: LSTM('lstm', 4, { go_backwards: true }), inbound: [['input_1']] },
    { layer: Add('add'), inbound: [['simple_rnn'], ['lstm']] }, { layer: Dense('dense', 2), inbound: [['add']] },
  ], ['input_1'], ['dense']),
  calls: [{ inputs: [X([2, 5, 3])] }],
});

// ---------------- a few configs in the tf.keras <= 2.12 style (no "module"/"registered_name") ----------
for (const c of [
  { name: 'style212_lstm_seq', description: 'tf.keras 2.12-style config (initializers without module/registered_name): LSTM(3, return_sequences=True) -> Dense(2)', kv: '2.12.0',
    build: () => Sequential('sequential', [null, 4, 3], [LSTM('lstm', 3, { return_sequences: true }), Dense('dense', 2)]), calls: [{ inputs: [X([2, 4, 3])] }] },
  { name: 'style212_rnn_stacked_bidi', description: 'tf.keras 2.12-style config: Bidirectional(RNN(StackedRNNCells[SimpleRNNCell(3), GRUCell(3)])) sum, last output', kv: '2.12.0',
    build: () => Sequential('sequential', [null, 5, 2], [Bidirectional('bidirectional', RNN('rnn', [SimpleRNNCell('simple_rnn_cell', 3), GRUCell('gru_cell', 3)], 2), 'sum')]), calls: [{ inputs: [X([2, 5, 2])] }] },
  { name: 'style_model_class_tf23', description: 'Functional model written with class_name "Model" (TF <= 2.3, keras_version 2.4.0), 2.12-style keys: Masking(0.0) -> GRU(3, reset_after=False, return_sequences=True) -> Dense(2)', kv: '2.4.0',
    build: () => { const m = Functional('model', [{ input: ['input_1', [null, 5, 3]] }, { layer: Masking('masking', 0.0), inbound: [['input_1']] },
      { layer: GRU('gru', 3, { return_sequences: true }), inbound: [['masking']] }, { layer: Dense('dense', 2), inbound: [['gru']] }], ['input_1'], ['dense']); m.class_name = 'Model'; return m; },
    calls: [{ inputs: [X([2, 5, 3], { pad: rightPad(1, 5, 2) })] }] },
]) {
  K.setStyle('2.12');
  const model = c.build();
  K.setStyle('2.15');
  add({ name: c.name, description: c.description, keras_version: c.kv, model, calls: c.calls });
}

// ---- running a case -------------------------------------------------------------------------------
function modelLayers(model) {
  // Keras model.layers: Sequential leaves out the InputLayer, Functional keeps it.
  const ls = model.config.layers;
  return model.class_name === 'Sequential' ? ls.filter(l => l.class_name !== 'InputLayer') : ls;
}
function modelInputNames(model) {
  if (model.class_name === 'Sequential') return [model.config.layers[0].config.name];
  return model.config.input_layers.map(x => x[0]);
}

function reorderStackedStates(outputs, sizes) {
  // tfjs: [out, states of last cell..., ..., states of first cell...] -> Keras: cell by cell in order
  const states = outputs.slice(1);
  const groups = [];
  let i = 0;
  for (const n of sizes.slice().reverse()) { groups.push(states.slice(i, i + n)); i += n; }
  return [outputs[0]].concat(...groups.reverse());
}

async function runCase(c) {
  const rng = new Rng(c.name);
  const modelConfig = c.model;
  const tfModel = await tf.models.modelFromJSON(JSON.parse(JSON.stringify(modelConfig)));

  // Weights: seeded, uniform in [-0.6, 0.6], in Keras get_weights() order.
  const weights = [];
  for (const layer of modelLayers(modelConfig)) {
    const names = kerasWeightNames(layer);
    const tfl = tfModel.getLayer(layer.config.name);
    const tfw = tfl.weights;
    if (names.length !== tfw.length) throw new Error(`${c.name}/${layer.config.name}: expected ${names.length} weights, tfjs has ${tfw.length}`);
    if (names.length === 0) continue;
    const arrays = names.map((name, i) => {
      const shape = tfw[i].shape.slice();
      return { name, shape, data: rng.uniformArray(prod(shape), -0.6, 0.6) };
    });
    tfl.setWeights(arrays.map(a => tf.tensor(a.data, a.shape, 'float32')));
    // Read back: the weights tfjs uses must be exactly the ones written.
    const back = tfl.getWeights();
    back.forEach((t, i) => {
      const d = t.dataSync();
      for (let j = 0; j < d.length; j++) if (d[j] !== arrays[i].data[j]) throw new Error(`${c.name}: setWeights mismatch`);
    });
    weights.push({ layer: layer.config.name, arrays });
  }

  const inputNames = modelInputNames(modelConfig);
  const calls = [];
  const resets = [];
  const prevInputs = [];
  for (const call of c.calls) {
    const ins = call.inputs.map(s => resolveInput(s, rng, prevInputs));
    prevInputs.push(ins);
    if (ins.length !== inputNames.length) throw new Error(`${c.name}: ${inputNames.length} model inputs, ${ins.length} given`);
    if (call.reset) tfModel.resetStates();
    resets.push(!!call.reset);
    const tensors = ins.map(i => tf.tensor(i.data, i.shape, i.dtype));
    const feed = tensors.length === 1 ? tensors[0] : tensors;
    let out;
    if (call.mask) {
      const m = tf.tensor(call.mask.data, call.mask.shape, 'bool');
      out = tfModel.apply(feed, { mask: m });
    } else {
      out = tfModel.predict(feed, { batchSize: ins[0].shape[0] });
    }
    let outs = Array.isArray(out) ? out : [out];
    if (c.stackedStateSizes) outs = reorderStackedStates(outs, c.stackedStateSizes);
    calls.push({
      inputs: ins.map((x, k) => ({ name: inputNames[k], shape: x.shape, dtype: x.dtype, data: x.data })),
      mask: call.mask ? { shape: call.mask.shape, data: call.mask.data } : null,
      outputs: outs.map(t => ({ shape: t.shape.slice(), data: Array.from(t.dataSync()) })),
    });
  }
  tfModel.dispose();
  return {
    name: c.name,
    description: c.description,
    reference: REFERENCE,
    keras_version: c.keras_version || '2.15.0',
    model_config: modelConfig,
    weights,
    calls,
    reset_states_before_call: resets,
  };
}

// tfjs 4.22 bug workaround (deserialization only, no numeric effect): RNN.fromConfig replaces
// config.cell by the cell instance *in place*, and Bidirectional deserializes the same wrapped
// config twice (forward and backward copy), so Bidirectional(RNN(cell)) fails with
// "Improper config format". Give RNN.fromConfig a shallow copy instead.
function patchRnnFromConfig() {
  const RNNClass = Object.getPrototypeOf(tf.layers.rnn({ cell: tf.layers.simpleRNNCell({ units: 1 }) })).constructor;
  if (RNNClass.className !== 'RNN') throw new Error('could not find the tfjs RNN class');
  const orig = RNNClass.fromConfig;
  RNNClass.fromConfig = function fromConfig(cls, config, customObjects) {
    return orig.call(this, cls, Object.assign({}, config), customObjects);
  };
  tf.serialization.registerClass(RNNClass); // the registry keeps [class, fromConfig] pairs
}

async function main() {
  await tf.setBackend('cpu');
  patchRnnFromConfig();
  if (tf.getBackend() !== 'cpu') throw new Error('cpu backend not active');
  if (!TFJS_VERSION.startsWith('4.')) throw new Error('expected tfjs 4.x, got ' + TFJS_VERSION);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const names = new Set();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error('duplicate case ' + c.name);
    names.add(c.name);
    const doc = await runCase(c);
    fs.writeFileSync(path.join(OUT_DIR, c.name + '.json'), toJson(doc) + '\n');
  }
  console.log(`wrote ${cases.length} tfjs cases (${REFERENCE}) to ${OUT_DIR}`);
}

main().catch(e => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
