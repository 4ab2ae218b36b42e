'use strict';
// Diagnostic (not needed to regenerate anything): run TF.js on the numpy-reference cases and
// print how far it is from them, to document why those cases cannot come from TF.js.
//   node tfjs_on_numpy_cases.js [GOLDEN_DIR]
const fs = require('fs');
const path = require('path');

const QUIET = [/tfjs-node/, /^=+$/, /^\s*$/, /unroll = true/];
for (const k of ['log', 'warn']) {
  const orig = console[k];
  console[k] = (...a) => { if (typeof a[0] === 'string' && QUIET.some(r => r.test(a[0]))) return; orig(...a); };
}
const tf = require('@tensorflow/tfjs');

const DIR = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'tests', 'data', 'golden'));

function patchRnnFromConfig() { // same deserialization workaround as generate.js
  const RNNClass = Object.getPrototypeOf(tf.layers.rnn({ cell: tf.layers.simpleRNNCell({ units: 1 }) })).constructor;
  const orig = RNNClass.fromConfig;
  RNNClass.fromConfig = function fromConfig(cls, config, co) { return orig.call(this, cls, Object.assign({}, config), co); };
  tf.serialization.registerClass(RNNClass);
}

async function runOne(d) {
  const m = await tf.models.modelFromJSON(d.model_config);
  for (const w of d.weights) m.getLayer(w.layer).setWeights(w.arrays.map(a => tf.tensor(a.data, a.shape, 'float32')));
  let worst = 0;
  for (let k = 0; k < d.calls.length; k++) {
    const c = d.calls[k];
    if (d.reset_states_before_call[k]) m.resetStates();
    const ins = c.inputs.map(i => tf.tensor(i.data, i.shape, i.dtype));
    const feed = ins.length === 1 ? ins[0] : ins;
    let out = c.mask ? m.apply(feed, { mask: tf.tensor(c.mask.data, c.mask.shape, 'bool') }) : m.predict(feed, { batchSize: c.inputs[0].shape[0] });
    out = Array.isArray(out) ? out : [out];
    if (out.length !== c.outputs.length) return `different number of outputs (${out.length} vs ${c.outputs.length})`;
    for (let j = 0; j < out.length; j++) {
      if (out[j].shape.join(',') !== c.outputs[j].shape.join(',')) return `output shape [${out[j].shape}] vs [${c.outputs[j].shape}]`;
      const a = out[j].dataSync();
      c.outputs[j].data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - a[i])); });
    }
  }
  return `max |tfjs - numpy| = ${worst.toExponential(3)}`;
}

async function main() {
  await tf.setBackend('cpu');
  patchRnnFromConfig();
  for (const f of fs.readdirSync(DIR).filter(n => n.endsWith('.json')).sort()) {
    const d = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));
    if (!d.reference.startsWith('numpy')) continue;
    let msg;
    try { msg = await runOne(d); } catch (e) { msg = 'tfjs fails: ' + String(e.message || e).split('\n')[0].slice(0, 90); }
    console.log(d.name.padEnd(48), msg);
  }
}
main().catch(e => { console.error(e); process.exit(1); });
