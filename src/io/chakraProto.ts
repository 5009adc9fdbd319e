/**
 * The Chakra execution-trace schema (mlcommons/chakra `schema/protobuf/et_def.proto`, package ChakraProtoMsg,
 * proto3), decoded and encoded by hand over protobuf.ts. Every field of GlobalMetadata, Node, IOInfo and
 * AttributeProto is read, all 30 members of AttributeProto's `value` oneof included (scalars and `XxxList`s, packed
 * or not). Fields this schema does not know (e.g. `storage = 11` of newer Chakra) are kept as raw bytes and written
 * back unchanged, so decode → encode reproduces a file byte for byte when its writer used the canonical field
 * order (as protobuf's Python and C++ serializers do).
 *
 * File layout (FORMATS.md §3.4): varint length + GlobalMetadata, then (varint length + Node)* until EOF.
 */
import { InputError } from './errors.ts';
import { frames, PbReader, PbWriter, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './protobuf.ts';

/** NodeType enum values. */
export const NODE_TYPES = [
  'INVALID_NODE', 'METADATA_NODE', 'MEM_LOAD_NODE', 'MEM_STORE_NODE', 'COMP_NODE', 'COMM_SEND_NODE',
  'COMM_RECV_NODE', 'COMM_COLL_NODE', 'STORAGE_NODE', 'BATCH_NODE', 'CHECKPOINT_NODE',
] as const;
export const INVALID_NODE = 0;
export const METADATA_NODE = 1;
export const MEM_LOAD_NODE = 2;
export const MEM_STORE_NODE = 3;
export const COMP_NODE = 4;
export const COMM_SEND_NODE = 5;
export const COMM_RECV_NODE = 6;
export const COMM_COLL_NODE = 7;

/** CollectiveCommType enum values. */
export const COMM_TYPES = [
  'ALL_REDUCE', 'REDUCE', 'ALL_GATHER', 'GATHER', 'SCATTER', 'BROADCAST', 'ALL_TO_ALL', 'REDUCE_SCATTER',
  'REDUCE_SCATTER_BLOCK', 'BARRIER',
] as const;

export function nodeTypeName(t: number): string {
  return NODE_TYPES[t] ?? `NodeType(${t})`;
}

/** The scalar type of an AttributeProto value (its oneof member, without `_val` / `_list`). */
export type AttrType =
  | 'double' | 'float' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64'
  | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'bool' | 'string' | 'bytes';

/** In field-number order: `xxx_val` is field 3 + 2i, `xxx_list` is 4 + 2i. */
export const ATTR_TYPES: readonly AttrType[] = [
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
];

export type AttrScalar = number | bigint | boolean | string | Uint8Array;

export interface ChakraAttr {
  name: string;
  docString?: string;
  /** The oneof member that is set (absent: none is). */
  type?: AttrType;
  /** True for the `xxx_list` member. */
  list?: boolean;
  /** The scalar, or the list's values. */
  value?: AttrScalar | AttrScalar[];
}

export interface ChakraIOInfo {
  values: string;
  shapes: string;
  types: string;
}

export interface ChakraNode {
  id: number;
  name: string;
  type: number;
  ctrlDeps: number[];
  dataDeps: number[];
  startTimeMicros: number;
  durationMicros: number;
  /** Absent when the field was not present (present-but-empty is `{values:'', shapes:'', types:''}`). */
  inputs?: ChakraIOInfo;
  outputs?: ChakraIOInfo;
  attr: ChakraAttr[];
  /** Raw tag+value bytes of fields this schema does not know, in file order. */
  unknown?: Uint8Array[];
}

export interface ChakraMetadata {
  version: string;
  attr: ChakraAttr[];
  unknown?: Uint8Array[];
}

export interface ChakraFile {
  metadata: ChakraMetadata;
  nodes: ChakraNode[];
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

function readScalar(r: PbReader, type: AttrType): AttrScalar {
  switch (type) {
    case 'double': return r.double();
    case 'float': return r.float();
    case 'int32': return r.int32();
    case 'int64': return r.int64();
    case 'uint32': return r.uint32();
    case 'uint64': return r.uint64();
    case 'sint32': return r.sint32();
    case 'sint64': return r.sint64();
    case 'fixed32': return r.fixed32();
    case 'fixed64': return r.fixed64();
    case 'sfixed32': return r.sfixed32();
    case 'sfixed64': return r.sfixed64();
    case 'bool': return r.bool();
    case 'string': return r.string();
    case 'bytes': return r.bytes().slice();
  }
}

function wireOf(type: AttrType): number {
  switch (type) {
    case 'double': case 'fixed64': case 'sfixed64': return WIRE_FIXED64;
    case 'float': case 'fixed32': case 'sfixed32': return WIRE_FIXED32;
    case 'string': case 'bytes': return WIRE_LEN;
    default: return WIRE_VARINT;
  }
}

function expectWire(r: PbReader, what: string, got: number, want: number, at: number): void {
  if (got !== want) r.fail(`${what}: wire type ${got}, expected ${want}`, at);
}

/** A `XxxList { repeated T values = 1; }` message; numeric values may be packed or not (both are accepted). */
function readList(r: PbReader, type: AttrType): AttrScalar[] {
  const out: AttrScalar[] = [];
  const wire = wireOf(type);
  while (!r.eof()) {
    const at = r.pos;
    const t = r.tag();
    if (t.field !== 1) {
      r.skip(t.wire, at);
      continue;
    }
    if (t.wire === WIRE_LEN && wire !== WIRE_LEN) {
      const p = r.sub();
      while (!p.eof()) out.push(readScalar(p, type));
    } else {
      expectWire(r, `${type}_list value`, t.wire, wire, at);
      out.push(readScalar(r, type));
    }
  }
  return out;
}

function readAttr(r: PbReader): ChakraAttr {
  const a: ChakraAttr = { name: '' };
  while (!r.eof()) {
    const at = r.pos;
    const t = r.tag();
    if (t.field === 1) {
      expectWire(r, 'AttributeProto.name', t.wire, WIRE_LEN, at);
      a.name = r.string();
    } else if (t.field === 2) {
      expectWire(r, 'AttributeProto.doc_string', t.wire, WIRE_LEN, at);
      a.docString = r.string();
    } else if (t.field >= 3 && t.field <= 32) {
      const i = (t.field - 3) >> 1;
      const type = ATTR_TYPES[i]!;
      const list = (t.field - 3) % 2 === 1;
      // oneof: the last member seen wins, as in protobuf
      if (list) {
        expectWire(r, `AttributeProto.${type}_list`, t.wire, WIRE_LEN, at);
        a.type = type;
        a.list = true;
        a.value = readList(r.sub(), type);
      } else {
        expectWire(r, `AttributeProto.${type}_val`, t.wire, wireOf(type), at);
        a.type = type;
        delete a.list;
        a.value = readScalar(r, type);
      }
    } else {
      r.skip(t.wire, at);
    }
  }
  return a;
}

function readIO(r: PbReader): ChakraIOInfo {
  const io: ChakraIOInfo = { values: '', shapes: '', types: '' };
  while (!r.eof()) {
    const at = r.pos;
    const t = r.tag();
    if (t.field >= 1 && t.field <= 3) {
      expectWire(r, 'IOInfo', t.wire, WIRE_LEN, at);
      const s = r.string();
      if (t.field === 1) io.values = s;
      else if (t.field === 2) io.shapes = s;
      else io.types = s;
    } else r.skip(t.wire, at);
  }
  return io;
}

function readIds(r: PbReader, t: { wire: number }, into: number[], what: string): void {
  if (t.wire === WIRE_LEN) {
    const p = r.sub();
    while (!p.eof()) into.push(p.safeUint64(what));
  } else {
    into.push(r.safeUint64(what));
  }
}

export function decodeNode(r: PbReader): ChakraNode {
  const n: ChakraNode = {
    id: 0, name: '', type: 0, ctrlDeps: [], dataDeps: [], startTimeMicros: 0, durationMicros: 0, attr: [],
  };
  while (!r.eof()) {
    const at = r.pos;
    const t = r.tag();
    switch (t.field) {
      case 1: expectWire(r, 'Node.id', t.wire, WIRE_VARINT, at); n.id = r.safeUint64('node id'); break;
      case 2: expectWire(r, 'Node.name', t.wire, WIRE_LEN, at); n.name = r.string(); break;
      case 3: expectWire(r, 'Node.type', t.wire, WIRE_VARINT, at); n.type = r.int32(); break;
      case 4: readIds(r, t, n.ctrlDeps, 'ctrl_deps id'); break;
      case 5: readIds(r, t, n.dataDeps, 'data_deps id'); break;
      case 6: expectWire(r, 'Node.start_time_micros', t.wire, WIRE_VARINT, at); n.startTimeMicros = r.safeUint64('start_time_micros'); break;
      case 7: expectWire(r, 'Node.duration_micros', t.wire, WIRE_VARINT, at); n.durationMicros = r.safeUint64('duration_micros'); break;
      case 8: expectWire(r, 'Node.inputs', t.wire, WIRE_LEN, at); n.inputs = readIO(r.sub()); break;
      case 9: expectWire(r, 'Node.outputs', t.wire, WIRE_LEN, at); n.outputs = readIO(r.sub()); break;
      case 10: expectWire(r, 'Node.attr', t.wire, WIRE_LEN, at); n.attr.push(readAttr(r.sub())); break;
      default: (n.unknown ??= []).push(r.skip(t.wire, at).slice());
    }
  }
  return n;
}

export function decodeMetadata(r: PbReader): ChakraMetadata {
  const m: ChakraMetadata = { version: '', attr: [] };
  while (!r.eof()) {
    const at = r.pos;
    const t = r.tag();
    if (t.field === 1) {
      expectWire(r, 'GlobalMetadata.version', t.wire, WIRE_LEN, at);
      m.version = r.string();
    } else if (t.field === 2) {
      expectWire(r, 'GlobalMetadata.attr', t.wire, WIRE_LEN, at);
      m.attr.push(readAttr(r.sub()));
    } else (m.unknown ??= []).push(r.skip(t.wire, at).slice());
  }
  return m;
}

/** Decodes a whole (already gunzipped) `.et` file. `source` names it in errors. */
export function decodeChakra(buf: Uint8Array, source: string): ChakraFile {
  let metadata: ChakraMetadata | undefined;
  const nodes: ChakraNode[] = [];
  for (const f of frames(buf, source)) {
    if (metadata === undefined) metadata = decodeMetadata(f);
    else nodes.push(decodeNode(f));
  }
  if (metadata === undefined) throw new InputError(`${source}: empty file: expected a GlobalMetadata message then Nodes`);
  return { metadata, nodes };
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding (canonical field order, proto3 defaults omitted, numeric lists packed)

function writeScalar(w: PbWriter, type: AttrType, v: AttrScalar): void {
  switch (type) {
    case 'double': w.double(Number(v)); break;
    case 'float': w.float(Number(v)); break;
    case 'int32': w.signedVarint(Number(v) | 0); break;
    case 'int64': w.signedVarint(v as number | bigint); break;
    case 'uint32': w.varint(Number(v) >>> 0); break;
    case 'uint64': w.varint(v as number | bigint); break;
    case 'sint32': w.zigzag32(Number(v) | 0); break;
    case 'sint64': w.zigzag64(v as number | bigint); break;
    case 'fixed32': w.fixed32(Number(v)); break;
    case 'fixed64': w.fixed64(v as number | bigint); break;
    case 'sfixed32': w.sfixed32(Number(v)); break;
    case 'sfixed64': w.sfixed64(v as number | bigint); break;
    case 'bool': w.varint(v ? 1 : 0); break;
    case 'string': w.string(String(v)); break;
    case 'bytes': w.bytes(v as Uint8Array); break;
  }
}

function encodeAttr(a: ChakraAttr): Uint8Array {
  const w = new PbWriter();
  if (a.name !== '') {
    w.tag(1, WIRE_LEN);
    w.string(a.name);
  }
  if (a.docString !== undefined && a.docString !== '') {
    w.tag(2, WIRE_LEN);
    w.string(a.docString);
  }
  if (a.type !== undefined) {
    const i = ATTR_TYPES.indexOf(a.type);
    if (a.list) {
      const values = (a.value ?? []) as AttrScalar[];
      const lw = new PbWriter();
      const wire = wireOf(a.type);
      if (wire === WIRE_LEN) {
        for (const v of values) {
          lw.tag(1, WIRE_LEN);
          writeScalar(lw, a.type, v);
        }
      } else if (values.length > 0) {
        const pw = new PbWriter();
        for (const v of values) writeScalar(pw, a.type, v);
        lw.tag(1, WIRE_LEN);
        lw.bytes(pw.finish());
      }
      w.tag(4 + 2 * i, WIRE_LEN);
      w.bytes(lw.finish());
    } else {
      w.tag(3 + 2 * i, wireOf(a.type));
      writeScalar(w, a.type, a.value as AttrScalar);
    }
  }
  return w.finish();
}

function encodeIO(io: ChakraIOInfo): Uint8Array {
  const w = new PbWriter();
  if (io.values !== '') { w.tag(1, WIRE_LEN); w.string(io.values); }
  if (io.shapes !== '') { w.tag(2, WIRE_LEN); w.string(io.shapes); }
  if (io.types !== '') { w.tag(3, WIRE_LEN); w.string(io.types); }
  return w.finish();
}

function writeIds(w: PbWriter, field: number, ids: number[]): void {
  if (ids.length === 0) return;
  const p = new PbWriter();
  for (const id of ids) p.varint(id);
  w.tag(field, WIRE_LEN);
  w.bytes(p.finish());
}

export function encodeNode(n: ChakraNode): Uint8Array {
  const w = new PbWriter();
  if (n.id !== 0) { w.tag(1, WIRE_VARINT); w.varint(n.id); }
  if (n.name !== '') { w.tag(2, WIRE_LEN); w.string(n.name); }
  if (n.type !== 0) { w.tag(3, WIRE_VARINT); w.signedVarint(n.type); }
  writeIds(w, 4, n.ctrlDeps);
  writeIds(w, 5, n.dataDeps);
  if (n.startTimeMicros !== 0) { w.tag(6, WIRE_VARINT); w.varint(n.startTimeMicros); }
  if (n.durationMicros !== 0) { w.tag(7, WIRE_VARINT); w.varint(n.durationMicros); }
  if (n.inputs !== undefined) { w.tag(8, WIRE_LEN); w.bytes(encodeIO(n.inputs)); }
  if (n.outputs !== undefined) { w.tag(9, WIRE_LEN); w.bytes(encodeIO(n.outputs)); }
  for (const a of n.attr) { w.tag(10, WIRE_LEN); w.bytes(encodeAttr(a)); }
  for (const u of n.unknown ?? []) w.raw(u);
  return w.finish();
}

export function encodeMetadata(m: ChakraMetadata): Uint8Array {
  const w = new PbWriter();
  if (m.version !== '') { w.tag(1, WIRE_LEN); w.string(m.version); }
  for (const a of m.attr) { w.tag(2, WIRE_LEN); w.bytes(encodeAttr(a)); }
  for (const u of m.unknown ?? []) w.raw(u);
  return w.finish();
}

/**
 * Encodes a whole `.et` file. A Node that would encode to zero bytes (id 0, every field default) is rejected:
 * Chakra's Python reader stops at a zero-length message, so it would silently truncate the file.
 */
export function encodeChakra(file: ChakraFile): Uint8Array {
  const w = new PbWriter();
  w.bytes(encodeMetadata(file.metadata));
  for (const n of file.nodes) {
    const b = encodeNode(n);
    if (b.length === 0) throw new InputError('Chakra export: a node with id 0 and no other field would encode to 0 bytes and truncate the file; give it a name');
    w.bytes(b);
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------------------------
// Lenient attribute access (as FeederV3: any scalar member converts to the requested type)

export function findAttr(n: { attr: ChakraAttr[] }, name: string): ChakraAttr | undefined {
  for (const a of n.attr) if (a.name === name) return a;
  return undefined;
}

/** A scalar attribute as a number (bool → 0/1, numeric strings parsed); undefined if absent or not scalar. */
export function attrNumber(a: ChakraAttr | undefined): number | undefined {
  if (a === undefined || a.type === undefined || a.list) return undefined;
  const v = a.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function attrBool(a: ChakraAttr | undefined): boolean | undefined {
  const n = attrNumber(a);
  return n === undefined ? undefined : n !== 0;
}

export function attrString(a: ChakraAttr | undefined): string | undefined {
  if (a === undefined || a.type === undefined || a.list) return undefined;
  const v = a.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A JSON-friendly value of an attribute (bigints as decimal strings, bytes as base64) for `ext`. */
export function attrJson(a: ChakraAttr): unknown {
  const conv = (v: AttrScalar): unknown =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
  if (a.type === undefined) return null;
  return a.list ? ((a.value ?? []) as AttrScalar[]).map(conv) : conv(a.value as AttrScalar);
}
