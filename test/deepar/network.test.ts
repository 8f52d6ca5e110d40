import * as tf from '@tensorflow/tfjs';
import { gaussian } from '../../src/deepar/likelihoods';
import { DeepARNetwork, type NetworkSpec } from '../../src/deepar/network';
import { stepNetwork, stepScratch, zeroState } from '../../src/deepar/network-step';
import { Rng } from '../../src/deepar/rng';

/** A tiny network and batch (the "mother" of these tests). */
function tinyCase(spec: Partial<NetworkSpec> = {}, T = 5, B = 3) {
  const full: NetworkSpec = {
    inputSize: 3, numCells: 4, numLayers: 2, numOutputs: 2, cardinalities: [3], embeddingDimension: 2, dropoutRate: 0, ...spec,
  };
  const net = new DeepARNetwork(full);
  const rng = new Rng(7);
  net.initialize(rng);
  const x = Float64Array.from({ length: T * B * full.inputSize }, () => rng.normal());
  const cats = Int32Array.from({ length: B * full.cardinalities.length }, (_, i) => i % 3);
  const y = Float64Array.from({ length: T * B }, () => 2 + rng.normal());
  const scales = Float64Array.from({ length: B }, (_, b) => 1 + b);
  return { net, full, x, cats, y, scales, T, B };
}

/** Mean Gaussian NLL over all points and its gradient, through our hand-written backward. */
function ourLossAndGrads(c: ReturnType<typeof tinyCase>, dropoutSeed?: number): { loss: number; grads: Float64Array } {
  const { net, x, cats, y, scales, T, B } = c;
  const out = net.forward(T, B, x, cats, dropoutSeed === undefined ? null : new Rng(dropoutSeed));
  const dOut = new Float64Array(out.length);
  let loss = 0;
  for (let r = 0; r < T * B; r++) loss += gaussian.nll(out, r * 2, y[r], scales[r % B], dOut, r * 2, 1 / (T * B));
  net.grads.fill(0);
  net.backward(dOut, cats);
  return { loss: loss / (T * B), grads: net.grads.slice() };
}

describe('Class: DeepARNetwork', () => {
  beforeAll(() => {
    jest.spyOn(console, 'warn').mockImplementation(() => {}); // TF.js's "install tfjs-node" notice
    tf.setBackend('cpu');
  });
  afterAll(() => {
    tf.disposeVariables();
    jest.restoreAllMocks();
  });

  it('computes the same loss and gradients as TF.js autodiff on the same weights', () => {
    // Prepare
    const c = tinyCase();
    const { net, full, x, cats, y, scales, T, B } = c;
    const H = full.numCells;
    const ours = ourLossAndGrads(c);
    const p = net.params;
    const slice = (off: number, rows: number, cols: number) => tf.tensor2d(Array.from(p.subarray(off, off + rows * cols)), [rows, cols]);
    const vars: tf.Variable[] = [];
    const names: string[] = [];
    const v = (name: string, t: tf.Tensor) => {
      const variable = tf.variable(t, true, `${name}_${Math.random()}`);
      vars.push(variable);
      names.push(name);
      return variable;
    };
    const emb = v('emb', slice(0, 3, 2));
    const layers = net.layers.map((l, i) => ({
      wx: v(`wx${i}`, slice(l.wx, 4 * H, l.inputSize)), wh: v(`wh${i}`, slice(l.wh, 4 * H, H)), b: v(`b${i}`, tf.tensor1d(Array.from(p.subarray(l.b, l.b + 4 * H)))),
    }));
    const hw = v('hw', slice(net.head.w, 2, H));
    const hb = v('hb', tf.tensor1d(Array.from(p.subarray(net.head.b, net.head.b + 2))));
    const lossFn = (): tf.Scalar =>
      tf.tidy(() => {
        const e = tf.gather(emb, tf.tensor1d(Array.from(cats), 'int32')); // [B, 2]
        let hs = layers.map(() => tf.zeros([B, H]));
        let cs = layers.map(() => tf.zeros([B, H]));
        let total = tf.scalar(0);
        for (let t = 0; t < T; t++) {
          let input: tf.Tensor = tf.concat([tf.tensor2d(Array.from(x.subarray(t * B * 3, (t + 1) * B * 3)), [B, 3]), e], 1);
          layers.forEach((l, i) => {
            const g = tf.add(tf.add(tf.matMul(input, l.wx, false, true), tf.matMul(hs[i], l.wh, false, true)), l.b);
            const [gi, gf, gg, go] = tf.split(g, 4, 1);
            const cNew = tf.add(tf.mul(tf.sigmoid(gf), cs[i]), tf.mul(tf.sigmoid(gi), tf.tanh(gg)));
            const hNew = tf.mul(tf.sigmoid(go), tf.tanh(cNew));
            cs = cs.map((cc, k) => (k === i ? cNew : cc));
            hs = hs.map((hh, k) => (k === i ? hNew : hh));
            input = hNew;
          });
          const out = tf.add(tf.matMul(input, hw, false, true), hb);
          const [mu, r1] = tf.split(out, 2, 1);
          const sigma = tf.add(tf.softplus(r1), 1e-7);
          const sc = tf.tensor2d(Array.from(scales), [B, 1]);
          const z = tf.div(tf.tensor2d(Array.from(y.subarray(t * B, (t + 1) * B)), [B, 1]), sc);
          const u = tf.div(tf.sub(z, mu), sigma);
          const nll = tf.add(tf.add(tf.log(sigma), tf.mul(0.5, tf.square(u))), tf.add(0.5 * Math.log(2 * Math.PI), tf.log(sc)));
          total = tf.add(total, tf.sum(nll));
        }
        return tf.div(total, T * B) as tf.Scalar;
      });
    // Act
    const { value, grads } = tf.variableGrads(lossFn, vars);
    // Assess
    expect(value.dataSync()[0]).toBeCloseTo(ours.loss, 4);
    const offsets: Record<string, number> = { emb: 0, hw: net.head.w, hb: net.head.b };
    net.layers.forEach((l, i) => Object.assign(offsets, { [`wx${i}`]: l.wx, [`wh${i}`]: l.wh, [`b${i}`]: l.b }));
    let maxErr = 0;
    for (const [i, variable] of vars.entries()) {
      const g = grads[variable.name].dataSync();
      for (let k = 0; k < g.length; k++) {
        const mine = ours.grads[offsets[names[i]] + k];
        maxErr = Math.max(maxErr, Math.abs(mine - g[k]) / (1e-3 + Math.abs(g[k])));
      }
    }
    expect(maxErr).toBeLessThan(2e-3);
  });

  it('matches central finite differences with dropout between layers', () => {
    // Prepare
    const c = tinyCase({ dropoutRate: 0.3, numLayers: 3 });
    const { grads } = ourLossAndGrads(c, 11);
    // Act / Assess
    const h = 1e-6;
    for (let i = 0; i < c.net.params.length; i += 7) {
      const keep = c.net.params[i];
      c.net.params[i] = keep + h;
      const up = ourLossAndGrads(c, 11).loss;
      c.net.params[i] = keep - h;
      const down = ourLossAndGrads(c, 11).loss;
      c.net.params[i] = keep;
      expect(grads[i]).toBeCloseTo((up - down) / (2 * h), 6);
    }
  });

  it('computes shared input columns once without changing the step', () => {
    // Prepare: 5 sequences whose columns from 1 on (and category) are the same
    const c = tinyCase({}, 1, 5);
    const { net, full } = c;
    const x = c.x.slice(0, 5 * full.inputSize);
    for (let r = 1; r < 5; r++) for (let k = 1; k < full.inputSize; k++) x[r * full.inputSize + k] = x[k];
    const cats = new Int32Array(5).fill(2);
    const run = (sharedFrom?: number) => {
      const state = zeroState(net, 5);
      const out = new Float64Array(5 * full.numOutputs);
      stepNetwork(net, x, cats, state, out, stepScratch(net, 5), sharedFrom);
      stepNetwork(net, x, cats, state, out, stepScratch(net, 5), sharedFrom);
      return Array.from(out);
    };
    // Act
    const full1 = run();
    const shared = run(1);
    // Assess
    shared.forEach((v, i) => expect(v).toBeCloseTo(full1[i], 12));
  });

  it.each([
    { name: 'one layer, no categories', spec: { numLayers: 1, cardinalities: [] }, T: 4, B: 5 },
    { name: 'two layers, one category', spec: {}, T: 6, B: 4 },
    { name: 'three layers, two categories, 3 outputs', spec: { numLayers: 3, cardinalities: [2, 5], numOutputs: 3 }, T: 3, B: 7 },
  ])('forward and step agree in shape and value: $name', ({ spec, T, B }) => {
    // Prepare
    const c = tinyCase(spec as Partial<NetworkSpec>, T, B);
    const { net, full, x } = c;
    const cats = Int32Array.from({ length: B * full.cardinalities.length }, (_, i) => i % 2);
    // Act
    const out = net.forward(T, B, x, cats, null).slice();
    const state = zeroState(net, B);
    const stepOut = new Float64Array(B * full.numOutputs);
    const scratch = stepScratch(net, B);
    const stepped: number[] = [];
    for (let t = 0; t < T; t++) {
      stepNetwork(net, x.subarray(t * B * full.inputSize, (t + 1) * B * full.inputSize), cats, state, stepOut, scratch);
      stepped.push(...stepOut);
    }
    // Assess
    expect(out.length).toBe(T * B * full.numOutputs);
    expect(state.h).toHaveLength(full.numLayers);
    expect(state.h[0].length).toBe(B * full.numCells);
    stepped.forEach((v, i) => expect(v).toBeCloseTo(out[i], 12));
  });
});
