/**
 * The packed (msgpack) layout of a trace: the same data model as JSON, stored column by column.
 *
 * The header stays an object (format, version, `packing`, units, meta, ranks, groups) plus a `strings` table
 * (names, streams, groups, collective ops, precisions, algorithms). Each program is `[ranks, n, columns]`, with
 * columns (all little-endian binary, each the narrowest of int8/int16/int32 that holds its values, else float64):
 *
 * | column   | length                 | holds |
 * |----------|------------------------|-------|
 * | `kind`   | n                      | kind code: 0 compute, 1 coll, 2 send, 3 recv, 4 wait, 5 marker |
 * | `id`     | n                      | id − previous op's id (the first: id + 1) |
 * | `ndeps`  | n                      | number of deps (absent `deps` is distinct from `[]`) |
 * | `deps`   | Σ ndeps                | id − dep, so recent deps are small |
 * | `name`, `stream` | n              | string index (`stream`: −1 = `null`, no stream) |
 * | `compute`| per compute op         | `durationNs`, `flops`, `bytes`, `precision`, `cpu` |
 * | `coll`   | per coll op            | `op`, `group`, `bytes`, `root`, `chunks`, `priority`, `durationNs` |
 * | `p2p`    | per send or recv op    | `peer`, `group`, `tag`, `bytes` |
 * | `wait`   | per wait op            | `durationNs` |
 * | `algorithms`, `ext`, `kernel` | sparse | `[[op index, value], …]` (algorithms as string indices; `kernel`: a compute op's kernel descriptor object, trace version 2) |
 *
 * A column is `[width, bytes]` with width 1, 2, 4 (int8/16/32; the type's minimum is reserved for an absent value)
 * or 8 (float64; absent is NaN). Decoding is a copy of each column into a typed array, then one object per op.
 */
import type { Op, OpKind, Program, Trace } from '../workload/trace.ts';
import { InputError, kindOf } from './errors.ts';

/** Version of the packed layout, stored in the header as `packing`. */
export const PACKING_VERSION = 1;

/** Kind codes of the packed layout (their order is part of the format). */
const KINDS = ['compute', 'coll', 'send', 'recv', 'wait', 'marker'] as const satisfies readonly OpKind[];
// fails to compile if the data model gains a kind the layout lacks
const _allKinds: Record<OpKind, true> = { compute: true, coll: true, send: true, recv: true, wait: true, marker: true };
void _allKinds;

const COMPUTE = ['durationNs', 'flops', 'bytes', 'precision', 'cpu'] as const;
const COLL = ['op', 'group', 'bytes', 'root', 'chunks', 'priority', 'durationNs'] as const;
const P2P = ['peer', 'group', 'tag', 'bytes'] as const;
const STRING_FIELDS = new Set(['precision', 'op', 'group']);

const LE = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

type Col = [number, Uint8Array];

/** Encodes numbers (undefined = absent) in the narrowest column type. */
function encodeColumn(values: (number | undefined)[], where: () => string): Col | null {
  if (values.every((v) => v === undefined)) return null;
  let ints = true, min = Infinity, max = -Infinity;
  for (const v of values) {
    if (v === undefined) continue;
    if (typeof v !== 'number' || Number.isNaN(v)) throw new InputError(`${where()}: cannot pack ${kindOf(v)} as a number`);
    if (!Number.isInteger(v) || Object.is(v, -0)) ints = false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // the type's minimum is reserved for "absent" (the decoder cannot know whether a column has absent values)
  const fits = (lo: number, hi: number) => ints && min > lo && max <= hi;
  let width: number;
  let arr: Int8Array | Int16Array | Int32Array | Float64Array;
  if (fits(-128, 127)) { width = 1; arr = new Int8Array(values.length); }
  else if (fits(-32768, 32767)) { width = 2; arr = new Int16Array(values.length); }
  else if (fits(-(2 ** 31), 2 ** 31 - 1)) { width = 4; arr = new Int32Array(values.length); }
  else { width = 8; arr = new Float64Array(values.length); }
  const sentinel = width === 1 ? -128 : width === 2 ? -32768 : width === 4 ? -(2 ** 31) : NaN;
  for (let i = 0; i < values.length; i++) arr[i] = values[i] ?? sentinel;
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  if (!LE) swap(bytes, width);
  return [width, bytes];
}

/** Decodes a column into a Float64Array, NaN where a value is absent (`null` = every value absent). */
function decodeColumn(col: unknown, length: number, where: () => string): Float64Array {
  const out = new Float64Array(length);
  if (col === null || col === undefined) return out.fill(NaN);
  if (!Array.isArray(col) || col.length !== 2 || !(col[1] instanceof Uint8Array)) {
    throw new InputError(`${where()}: expected a column [width, bytes] or null, got ${kindOf(col)}`);
  }
  const width = col[0] as number;
  const bin = col[1] as Uint8Array;
  if (width !== 1 && width !== 2 && width !== 4 && width !== 8) throw new InputError(`${where()}: column width ${kindOf(width)}; expected 1, 2, 4 or 8`);
  if (bin.byteLength !== length * width) throw new InputError(`${where()}: column has ${bin.byteLength / width} values; expected ${length}`);
  const copy = new Uint8Array(bin); // an aligned copy (a Buffer's slice() would be a view)
  if (!LE) swap(copy, width);
  switch (width) {
    case 1: widen(new Int8Array(copy.buffer, 0, length), -128, out); break;
    case 2: widen(new Int16Array(copy.buffer, 0, length), -32768, out); break;
    case 4: widen(new Int32Array(copy.buffer, 0, length), -(2 ** 31), out); break;
    default: out.set(new Float64Array(copy.buffer, 0, length));
  }
  return out;
}

function widen(src: Int8Array | Int16Array | Int32Array, absent: number, out: Float64Array): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    out[i] = v === absent ? NaN : v;
  }
}

function swap(b: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < b.length; i += width) b.subarray(i, i + width).reverse();
}

class StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  id(s: string | undefined): number | undefined {
    if (s === undefined) return undefined;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(s, i);
      this.list.push(s);
    }
    return i;
  }
}

/** The packed document of a trace (for msgpack `encode`). */
export function packTrace(t: Trace): Record<string, unknown> {
  const strings = new StringTable();
  const programs = t.programs.map((p, pi) => {
    const ops = p.ops;
    const n = ops.length;
    const at = () => `program ${pi}`;
    const kind = new Uint8Array(n);
    const id: (number | undefined)[] = new Array(n);
    const ndeps: (number | undefined)[] = new Array(n);
    const deps: number[] = [];
    const name: (number | undefined)[] = new Array(n);
    const stream: (number | undefined)[] = new Array(n);
    const per: Record<string, Record<string, (number | undefined)[]>> = {
      compute: Object.fromEntries(COMPUTE.map((f) => [f, []])),
      coll: Object.fromEntries(COLL.map((f) => [f, []])),
      p2p: Object.fromEntries(P2P.map((f) => [f, []])),
      wait: { durationNs: [] },
    };
    const algorithms: [number, number[]][] = [];
    const ext: [number, unknown][] = [];
    const kernels: [number, unknown][] = [];
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      const code = KINDS.indexOf(op.kind as (typeof KINDS)[number]);
      if (code < 0) throw new InputError(`${at()}, op ${op.id}: cannot pack unknown kind ${kindOf(op.kind)}`);
      kind[i] = code;
      id[i] = op.id - prev;
      prev = op.id;
      if (op.deps === undefined) ndeps[i] = undefined;
      else {
        ndeps[i] = op.deps.length;
        for (const d of op.deps) deps.push(op.id - d);
      }
      name[i] = strings.id(op.name);
      stream[i] = op.stream === null ? -1 : strings.id(op.stream);
      const o = op as unknown as Record<string, unknown>;
      const group = op.kind === 'send' || op.kind === 'recv' ? 'p2p' : op.kind;
      const cols = per[group];
      if (cols) {
        for (const f in cols) {
          const v = o[f];
          cols[f]!.push(STRING_FIELDS.has(f) ? strings.id(v as string | undefined) : typeof v === 'boolean' ? Number(v) : (v as number | undefined));
        }
      }
      if (op.kind === 'coll' && op.algorithms !== undefined) algorithms.push([i, op.algorithms.map((a) => strings.id(a)!)]);
      if (op.ext !== undefined) ext.push([i, op.ext]);
      if (op.kind === 'compute' && op.kernel !== undefined) kernels.push([i, op.kernel]);
    }
    const columns: Record<string, unknown> = {
      kind: [1, kind],
      id: encodeColumn(id, () => `${at()}: id`),
      ndeps: encodeColumn(ndeps, () => `${at()}: deps`),
      deps: encodeColumn(deps, () => `${at()}: deps`),
      name: encodeColumn(name, () => `${at()}: name`),
      stream: encodeColumn(stream, () => `${at()}: stream`),
    };
    for (const [g, cols] of Object.entries(per)) {
      columns[g] = Object.fromEntries(Object.entries(cols).map(([f, v]) => [f, encodeColumn(v, () => `${at()}: ${g} ${f}`)]));
    }
    if (algorithms.length > 0) columns.algorithms = algorithms;
    if (ext.length > 0) columns.ext = ext;
    if (kernels.length > 0) columns.kernel = kernels;
    return [p.ranks, n, columns];
  });
  return {
    format: t.format, version: t.version, packing: PACKING_VERSION, units: t.units,
    ...(t.meta !== undefined ? { meta: t.meta } : {}),
    ranks: t.ranks, groups: t.groups, strings: strings.list, programs,
  };
}

/** The trace of a packed document (header already checked). Errors name the file, program and op index. */
export function unpackTrace(doc: Record<string, unknown>, where: string): Trace {
  const strings = doc.strings;
  if (!Array.isArray(strings) || !strings.every((s) => typeof s === 'string')) throw new InputError(`${where}: msgpack trace lacks its "strings" table`);
  if (!Array.isArray(doc.programs)) throw new InputError(`${where}: "programs" must be an array`);
  const programs: Program[] = doc.programs.map((row, pi) => unpackProgram(row, pi, strings as string[], where));
  return {
    format: doc.format as Trace['format'], version: doc.version as Trace['version'], units: doc.units as Trace['units'],
    ...(doc.meta !== undefined ? { meta: doc.meta as Trace['meta'] } : {}),
    ranks: doc.ranks as number, groups: doc.groups as Trace['groups'], programs,
  };
}

function unpackProgram(row: unknown, pi: number, strings: string[], where: string): Program {
  const at = `${where}: programs[${pi}]`;
  if (!Array.isArray(row) || row.length !== 3 || typeof row[1] !== 'number' || typeof row[2] !== 'object' || row[2] === null) {
    throw new InputError(`${at}: expected [ranks, op count, columns]`);
  }
  const n = row[1] as number;
  const c = row[2] as Record<string, unknown>;
  const col = (v: unknown, len: number, what: string) => decodeColumn(v, len, () => `${at}: column ${what}`);
  const kind = col(c.kind, n, 'kind');
  const idd = col(c.id, n, 'id');
  const ndeps = col(c.ndeps, n, 'ndeps');
  const name = col(c.name, n, 'name');
  const stream = col(c.stream, n, 'stream');
  const counts = [0, 0, 0, 0, 0, 0];
  let ndepTotal = 0;
  for (let i = 0; i < n; i++) {
    const k = kind[i]!;
    if (!(k >= 0 && k < KINDS.length)) throw new InputError(`${at}, op at index ${i}: unknown kind code ${k}; expected 0-${KINDS.length - 1} (${KINDS.join(', ')})`);
    counts[k]!++;
    const nd = ndeps[i]!;
    if (nd === nd) ndepTotal += nd;
  }
  const deps = col(c.deps, ndepTotal, 'deps');
  const group = (g: string, fields: readonly string[], len: number) => {
    const o = c[g] as Record<string, unknown> | undefined;
    if (typeof o !== 'object' || o === null) throw new InputError(`${at}: missing column group "${g}"`);
    return fields.map((f) => col(o[f], len, `${g}.${f}`));
  };
  const [cDur, cFlops, cBytes, cPrec, cCpu] = group('compute', COMPUTE, counts[0]!);
  const [lOp, lGroup, lBytes, lRoot, lChunks, lPrio, lDur] = group('coll', COLL, counts[1]!);
  const [pPeer, pGroup, pTag, pBytes] = group('p2p', P2P, counts[2]! + counts[3]!);
  const [wDur] = group('wait', ['durationNs'], counts[4]!);
  const sparse = (v: unknown, what: string): Map<number, unknown> => {
    if (v === undefined) return new Map();
    if (!Array.isArray(v) || !v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'number')) {
      throw new InputError(`${at}: column ${what}: expected [[op index, value], …]`);
    }
    return new Map(v as [number, unknown][]);
  };
  const algorithms = sparse(c.algorithms, 'algorithms');
  const exts = sparse(c.ext, 'ext');
  const kernels = sparse(c.kernel, 'kernel');

  const S = new Strs(strings, at);
  const ops: Op[] = new Array(n);
  let prev = -1, d = 0, kc = 0, kl = 0, kp = 0, kw = 0;
  for (let i = 0; i < n; i++) {
    const id = prev + idd[i]!;
    prev = id;
    let depList: number[] | undefined;
    const nd = ndeps[i]!;
    if (nd === nd) {
      depList = new Array(nd);
      for (let k = 0; k < nd; k++) depList[k] = id - deps[d++]!;
    }
    const nm = S.get(name, i, i), st = stream[i] === -1 ? null : S.get(stream, i, i);
    const k = kind[i]!;
    let op: Record<string, unknown>;
    switch (k) {
      case 0: {
        const cpu = num(cCpu!, kc);
        op = {
          id, kind: 'compute', name: nm, stream: st, deps: depList, durationNs: num(cDur!, kc), flops: num(cFlops!, kc),
          bytes: num(cBytes!, kc), precision: S.get(cPrec!, kc, i), kernel: kernels.get(i), cpu: cpu === undefined ? undefined : cpu === 1,
        };
        kc++;
        break;
      }
      case 1: {
        const al = algorithms.get(i);
        op = {
          id, kind: 'coll', name: nm, stream: st, deps: depList, op: S.get(lOp!, kl, i), group: S.get(lGroup!, kl, i),
          bytes: num(lBytes!, kl), root: num(lRoot!, kl),
          algorithms: Array.isArray(al) ? al.map((x) => strings[x as number] ?? badString(at, i, x, strings.length)) : undefined,
          chunks: num(lChunks!, kl), priority: num(lPrio!, kl), durationNs: num(lDur!, kl),
        };
        kl++;
        break;
      }
      case 2:
      case 3:
        op = {
          id, kind: k === 2 ? 'send' : 'recv', name: nm, stream: st, deps: depList, peer: num(pPeer!, kp),
          group: S.get(pGroup!, kp, i), tag: num(pTag!, kp), bytes: num(pBytes!, kp),
        };
        kp++;
        break;
      case 4:
        op = { id, kind: 'wait', name: nm, stream: st, deps: depList, durationNs: num(wDur!, kw) };
        kw++;
        break;
      default:
        op = { id, kind: 'marker', name: nm, stream: st, deps: depList };
    }
    const e = exts.get(i);
    if (e !== undefined) op.ext = e;
    ops[i] = op as unknown as Op;
  }
  return { ranks: row[0] as number[], ops };
}

/** A column's value at j, or undefined when absent. */
function num(a: Float64Array, j: number): number | undefined {
  const v = a[j]!;
  return v !== v ? undefined : v;
}

/** String lookups for one program, with errors naming the op. */
class Strs {
  constructor(private readonly table: string[], private readonly at: string) {}
  get(a: Float64Array, j: number, i: number): string | undefined {
    const v = num(a, j);
    if (v === undefined) return undefined;
    const s = this.table[v];
    if (s === undefined) badString(this.at, i, v, this.table.length);
    return s;
  }
}

function badString(at: string, i: number, x: unknown, n: number): never {
  throw new InputError(`${at}, op at index ${i}: string index ${typeof x === 'number' ? x : kindOf(x)} is not in the strings table (${n} entries)`);
}
