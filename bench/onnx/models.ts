/**
 * ONNX graphs equivalent to our DeepAR network (src/deepar/network.ts), with the weights of a trained
 * DeepARNetwork rounded to float32. One series, so no embeddings; inference, so no dropout.
 *
 *  - samplingStepModel: one sampling step for a batch of paths, the ONNX LSTM operator (one node per layer).
 *      inputs  x [1, B, I], h<l> [1, B, H], c<l> [1, B, H] for each layer l
 *      outputs out [1, B, K] (the head's raw outputs, what likelihood.sample reads), h<l>n, c<l>n
 *      and with `withParams` also params [1, B, 3] = student-T df, loc, scale, mapped as likelihoods.ts maps them
 *  - contextModel: the warm-up over the context, x [T, B, I] from a zero state; outputs the last step's
 *      out [1, B, K] and the final states, named as samplingStepModel's outputs.
 *
 * Gate order: ours is i, f, g, o (PyTorch's); ONNX LSTM's is i, o, f, c. Our layer has one bias vector;
 * ONNX's B is [Wb | Rb], so Rb = 0.
 */
import type { DeepARNetwork } from '../../src/deepar/network';
import { encodeModel, type Node, type Tensor, type Value } from './encode';

const toF32 = (p: Float64Array, offset: number, n: number): Float32Array => Float32Array.from(p.subarray(offset, offset + n));

/** Rows [4H, cols] in our gate order i, f, g, o -> ONNX's i, o, f, c. */
function onnxGateOrder(src: Float32Array, H: number, cols: number): Float32Array {
  const dst = new Float32Array(src.length);
  const ourBlockFor = [0, 3, 1, 2];
  for (let k = 0; k < 4; k++) dst.set(src.subarray(ourBlockFor[k] * H * cols, (ourBlockFor[k] + 1) * H * cols), k * H * cols);
  return dst;
}

/** [rows, cols] -> [cols, rows] (MatMul multiplies on the right; our head stores [K, H]). */
function transposed(src: Float32Array, rows: number, cols: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
  return dst;
}

function checkSupported(net: DeepARNetwork): void {
  if (net.embeddings.length > 0) throw new Error('the ONNX graphs model one series: categorical embeddings are not exported');
  if (net.spec.numOutputs !== 3) throw new Error(`the ONNX graphs expect a student-T head (3 outputs), got ${net.spec.numOutputs}`);
}

function lstmWeights(net: DeepARNetwork, l: number, init: Tensor[]): void {
  const H = net.spec.numCells;
  const { inputSize: I, wx, wh, b } = net.layers[l];
  const p = net.params;
  init.push({ name: `W${l}`, dims: [1, 4 * H, I], f32: onnxGateOrder(toF32(p, wx, 4 * H * I), H, I) });
  init.push({ name: `R${l}`, dims: [1, 4 * H, H], f32: onnxGateOrder(toF32(p, wh, 4 * H * H), H, H) });
  const bias = new Float32Array(8 * H); // second half (Rb) stays 0
  bias.set(onnxGateOrder(toF32(p, b, 4 * H), H, 1));
  init.push({ name: `B${l}`, dims: [1, 8 * H], f32: bias });
}

/** The projection to the distribution's raw outputs; with `withParams`, the student-T mapping as well. */
function head(net: DeepARNetwork, input: string, init: Tensor[], nodes: Node[], withParams: boolean): void {
  const { numCells: H, numOutputs: K } = net.spec;
  const p = net.params;
  init.push({ name: 'head_wT', dims: [H, K], f32: transposed(toF32(p, net.head.w, K * H), K, H) });
  init.push({ name: 'head_b', dims: [K], f32: toF32(p, net.head.b, K) });
  nodes.push({ op: 'MatMul', inputs: [input, 'head_wT'], outputs: ['head_m'] });
  nodes.push({ op: 'Add', inputs: ['head_m', 'head_b'], outputs: ['out'] });
  if (!withParams) return;
  // df = softplus(r0) + 2, loc = r1, scale = softplus(r2) + 1e-7 (likelihoods.ts, before the series' scale)
  init.push(
    { name: 'split3', dims: [3], i64: [1, 1, 1] },
    { name: 'two', dims: [], f32: Float32Array.of(2) },
    { name: 'min_scale', dims: [], f32: Float32Array.of(1e-7) },
  );
  nodes.push(
    { op: 'Split', inputs: ['out', 'split3'], outputs: ['r0', 'r1', 'r2'], attrs: [{ name: 'axis', i: 2 }] },
    { op: 'Softplus', inputs: ['r0'], outputs: ['sp0'] },
    { op: 'Add', inputs: ['sp0', 'two'], outputs: ['df'] },
    { op: 'Softplus', inputs: ['r2'], outputs: ['sp2'] },
    { op: 'Add', inputs: ['sp2', 'min_scale'], outputs: ['sigma'] },
    { op: 'Concat', inputs: ['df', 'r1', 'sigma'], outputs: ['params'], attrs: [{ name: 'axis', i: 2 }] },
  );
}

const stateValues = (net: DeepARNetwork, suffix: string): Value[] =>
  net.layers.flatMap((_, l) => [{ name: `h${l}${suffix}`, dims: [1, 'B', net.spec.numCells] }, { name: `c${l}${suffix}`, dims: [1, 'B', net.spec.numCells] }]);

export function samplingStepModel(net: DeepARNetwork, withParams = false): Uint8Array {
  checkSupported(net);
  const { numCells: H, numOutputs: K } = net.spec;
  const init: Tensor[] = [];
  const nodes: Node[] = [];
  let input = 'x';
  net.layers.forEach((_, l) => {
    lstmWeights(net, l, init);
    nodes.push({
      op: 'LSTM', inputs: [input, `W${l}`, `R${l}`, `B${l}`, '', `h${l}`, `c${l}`], outputs: ['', `h${l}n`, `c${l}n`],
      attrs: [{ name: 'hidden_size', i: H }],
    });
    input = `h${l}n`; // Y_h [1, B, H] is the next layer's X [seq 1, B, H]
  });
  head(net, input, init, nodes, withParams);
  return encodeModel({
    name: 'deepar_sampling_step', nodes, initializers: init,
    inputs: [{ name: 'x', dims: [1, 'B', net.fullInputSize] }, ...stateValues(net, '')],
    outputs: [{ name: 'out', dims: [1, 'B', K] }, ...stateValues(net, 'n'), ...(withParams ? [{ name: 'params', dims: [1, 'B', 3] }] : [])],
  });
}

export function contextModel(net: DeepARNetwork): Uint8Array {
  checkSupported(net);
  const { numCells: H, numOutputs: K } = net.spec;
  const L = net.layers.length;
  const init: Tensor[] = [{ name: 'axis1', dims: [1], i64: [1] }];
  const nodes: Node[] = [];
  let input = 'x';
  for (let l = 0; l < L; l++) {
    lstmWeights(net, l, init);
    const last = l === L - 1;
    nodes.push({
      op: 'LSTM', inputs: [input, `W${l}`, `R${l}`, `B${l}`], outputs: [last ? '' : `Y${l}`, `h${l}n`, `c${l}n`],
      attrs: [{ name: 'hidden_size', i: H }],
    });
    if (last) input = `h${l}n`; // only the last step feeds the head
    else {
      nodes.push({ op: 'Squeeze', inputs: [`Y${l}`, 'axis1'], outputs: [`Y${l}s`] }); // Y [T, dirs 1, B, H] -> [T, B, H]
      input = `Y${l}s`;
    }
  }
  head(net, input, init, nodes, false);
  return encodeModel({
    name: 'deepar_context', nodes, initializers: init,
    inputs: [{ name: 'x', dims: ['T', 'B', net.fullInputSize] }],
    outputs: [{ name: 'out', dims: [1, 'B', K] }, ...stateValues(net, 'n')],
  });
}
