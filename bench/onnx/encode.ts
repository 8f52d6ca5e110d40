/**
 * A minimal protobuf writer for the few ONNX messages the ONNX Runtime peer bench needs (ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto), written from onnx.proto's field
 * numbers. Hand-written so that building the peer's model needs no package of its own.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

class ProtoWriter {
  private readonly bytesOut: number[] = [];

  varint(v: number): this {
    if (v < 0 || !Number.isSafeInteger(v)) throw new RangeError(`cannot encode ${v} as a varint`);
    while (v >= 0x80) {
      this.bytesOut.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80); // not >>>: sizes may exceed 2^31
    }
    this.bytesOut.push(v);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  int(field: number, v: number): this {
    return this.tag(field, WIRE_VARINT).varint(v);
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_BYTES).varint(b.length);
    return this.raw(b);
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  raw(b: Uint8Array): this {
    for (let i = 0; i < b.length; i++) this.bytesOut.push(b[i]);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytesOut);
  }
}

// TensorProto.DataType
const DATA_FLOAT = 1;
const DATA_INT64 = 7;
// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** An initializer: float32 weights or int64 constants (split sizes, axes). */
export interface Tensor {
  name: string;
  dims: number[];
  f32?: Float32Array;
  i64?: number[];
}

function tensorProto(t: Tensor): Uint8Array {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  let raw: Uint8Array;
  if (t.f32) {
    const data = t.f32;
    w.int(2, DATA_FLOAT);
    raw = new Uint8Array(data.length * 4);
    const view = new DataView(raw.buffer);
    data.forEach((v, i) => view.setFloat32(i * 4, v, true)); // raw_data is little-endian
  } else if (t.i64) {
    const data = t.i64;
    w.int(2, DATA_INT64);
    raw = new Uint8Array(data.length * 8);
    const view = new DataView(raw.buffer);
    data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  } else throw new Error(`tensor ${t.name} has no data`);
  return w.string(8, t.name).bytes(9, raw).finish();
}

export type Attr = { name: string } & ({ i: number } | { f: number } | { ints: number[] });

function attributeProto(a: Attr): Uint8Array {
  const w = new ProtoWriter().string(1, a.name);
  if ('i' in a) return w.int(3, a.i).int(20, ATTR_INT).finish();
  if ('f' in a) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, a.f, true);
    return w.tag(2, WIRE_FIXED32).raw(b).int(20, ATTR_FLOAT).finish();
  }
  for (const v of a.ints) w.int(8, v);
  return w.int(20, ATTR_INTS).finish();
}

/** One operator; an empty input or output name means "absent" (ONNX's optional inputs and outputs). */
export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}

function nodeProto(n: Node, index: number): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, `${n.op}_${index}`).string(4, n.op);
  for (const a of n.attrs ?? []) w.bytes(5, attributeProto(a));
  return w.finish();
}

/** A float32 graph input or output; a string dimension is symbolic (e.g. the batch of paths). */
export interface Value {
  name: string;
  dims: (number | string)[];
}

function valueInfoProto(v: Value): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.bytes(1, dim.finish());
  }
  const tensorType = new ProtoWriter().int(1, DATA_FLOAT).bytes(2, shape.finish()).finish();
  const type = new ProtoWriter().bytes(1, tensorType).finish();
  return new ProtoWriter().string(1, v.name).bytes(2, type).finish();
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: Value[];
  outputs: Value[];
}

/** ModelProto bytes: IR version 8 with the default-domain opset 17 (both read by ORT 1.x). */
export function encodeModel(g: Graph, opset = 17): Uint8Array {
  const graph = new ProtoWriter();
  g.nodes.forEach((n, k) => graph.bytes(1, nodeProto(n, k)));
  graph.string(2, g.name);
  for (const t of g.initializers) graph.bytes(5, tensorProto(t));
  for (const v of g.inputs) graph.bytes(11, valueInfoProto(v));
  for (const v of g.outputs) graph.bytes(12, valueInfoProto(v));
  const opsetImport = new ProtoWriter().string(1, '').int(2, opset).finish();
  return new ProtoWriter().int(1, 8).string(2, 'btc-fee-deepar-mlops bench').bytes(7, graph.finish()).bytes(8, opsetImport).finish();
}
