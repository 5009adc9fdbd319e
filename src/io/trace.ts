/**
 * Trace files: Orrery's trace data model (workload/trace.ts) in three encodings, optionally gzipped.
 *
 * - JSON (`.json`): the data model as is; written one op per line, keys in a fixed order, so files diff well.
 * - YAML (`.yaml`, `.yml`): the same document, for hand-written traces.
 * - msgpack (`.msgpack`, `.mpk`): the bulk encoding. The header stays an object; each program is
 *   `[ranks, ops]` and each op a positional array with strings interned in a table (see {@link PACKED_SCHEMA}).
 *   Ids are stored as the difference from the previous op's id and deps as `id − dep`, so the usual small,
 *   sequential ids and recent deps take one byte each; trailing absent fields are dropped. Numbers are plain
 *   msgpack numbers (no BigInt): integers above 2^53 are rejected by validation.
 *
 * A `.gz` suffix (or the gzip magic 1f 8b when reading) adds gzip. When reading, the encoding comes from the
 * extension, else from the first byte (`{` → JSON, a msgpack map → msgpack).
 *
 * This module only encodes and decodes; workload/validate.ts checks every field (and names file, rank, op, field).
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decode, encode } from '@msgpack/msgpack';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Op, OpKind, Program, Trace } from '../workload/trace.ts';
import { InputError, kindOf } from './errors.ts';

export type TraceEncoding = 'json' | 'yaml' | 'msgpack';
export const TRACE_ENCODINGS: readonly TraceEncoding[] = ['json', 'yaml', 'msgpack'];

/** Version of the packed (positional) msgpack layout, stored in the header as `packing`. */
export const PACKING_VERSION = 1;

/** Kind codes of the packed layout (their order is part of the format). */
const KINDS = ['compute', 'coll', 'send', 'recv', 'wait', 'marker'] as const satisfies readonly OpKind[];
// every OpKind has a code: this line fails to compile if the data model gains a kind the layout lacks
const _allKinds: Record<OpKind, true> = { compute: true, coll: true, send: true, recv: true, wait: true, marker: true };
void _allKinds;

/**
 * Positional layout per kind: slots 0-4 are common (kind code, id − previous id, deps as id − dep, name, stream),
 * then the kind's fields, then `ext`. Strings (names, streams, groups, ops, precisions, algorithms) are indices into
 * the header's `strings`. Absent fields are null; trailing nulls are dropped.
 */
export const PACKED_SCHEMA: Record<OpKind, readonly string[]> = {
  compute: ['kind', 'idDelta', 'depDeltas', 'name', 'stream', 'durationNs', 'flops', 'bytes', 'precision', 'cpu', 'ext'],
  coll: ['kind', 'idDelta', 'depDeltas', 'name', 'stream', 'op', 'group', 'bytes', 'root', 'algorithms', 'chunks', 'priority', 'durationNs', 'ext'],
  send: ['kind', 'idDelta', 'depDeltas', 'name', 'stream', 'peer', 'tag', 'bytes', 'ext'],
  recv: ['kind', 'idDelta', 'depDeltas', 'name', 'stream', 'peer', 'tag', 'bytes', 'ext'],
  wait: ['kind', 'idDelta', 'depDeltas', 'name', 'stream', 'durationNs', 'ext'],
  marker: ['kind', 'idDelta', 'depDeltas', 'name', 'stream', 'ext'],
};

/** Kind-specific fields of the data model, in the order of {@link PACKED_SCHEMA} (strings marked with `$`). */
const FIELDS: Record<OpKind, readonly string[]> = {
  compute: ['durationNs', 'flops', 'bytes', '$precision', 'cpu'],
  coll: ['$op', '$group', 'bytes', 'root', '$$algorithms', 'chunks', 'priority', 'durationNs'],
  send: ['peer', 'tag', 'bytes'],
  recv: ['peer', 'tag', 'bytes'],
  wait: ['durationNs'],
  marker: [],
};

export interface ReadTraceResult {
  trace: Trace;
  encoding: TraceEncoding;
  gzip: boolean;
  /** Size of the file on disk. */
  fileBytes: number;
}

/** The encoding a path asks for by its extension (after an optional `.gz`), or undefined. */
export function encodingFromPath(path: string): { encoding?: TraceEncoding; gzip: boolean } {
  const lower = path.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const stem = gzip ? lower.slice(0, -3) : lower;
  if (stem.endsWith('.json')) return { encoding: 'json', gzip };
  if (stem.endsWith('.yaml') || stem.endsWith('.yml')) return { encoding: 'yaml', gzip };
  if (stem.endsWith('.msgpack') || stem.endsWith('.mpk')) return { encoding: 'msgpack', gzip };
  return { gzip };
}

/** True if `path` looks like an Orrery trace file by its extension. */
export function isTraceFilePath(path: string): boolean {
  return encodingFromPath(path).encoding !== undefined;
}

export function readTraceFile(path: string): ReadTraceResult {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read trace file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const fileBytes = raw.length;
  const gzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  let buf: Buffer = raw;
  if (gzip) {
    try {
      buf = gunzipSync(raw);
    } catch (e) {
      throw new InputError(`${path}: starts like gzip but does not decompress (${(e as Error).message})`);
    }
  }
  let encoding = encodingFromPath(path).encoding;
  if (!encoding) {
    let k = 0;
    while (k < buf.length && (buf[k] === 0x20 || buf[k] === 0x0a || buf[k] === 0x0d || buf[k] === 0x09)) k++;
    const b = buf[k];
    if (b === 0x7b) encoding = 'json';
    else if (b !== undefined && ((b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf)) encoding = 'msgpack';
    else {
      throw new InputError(`${path}: cannot tell the trace encoding; name it .json, .yaml or .msgpack (optionally .gz)`);
    }
  }
  return { trace: decodeTrace(buf, encoding, path), encoding, gzip, fileBytes };
}

/** Decodes bytes in the given encoding into a trace (unchecked: validate it next). */
export function decodeTrace(buf: Uint8Array, encoding: TraceEncoding, where: string): Trace {
  switch (encoding) {
    case 'json': {
      const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
      try {
        return checkDocument(JSON.parse(text), where);
      } catch (e) {
        if (e instanceof SyntaxError) throw new InputError(`${where}: not valid JSON (${e.message})`);
        throw e;
      }
    }
    case 'yaml': {
      const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
      let doc: unknown;
      try {
        doc = parseYaml(text);
      } catch (e) {
        throw new InputError(`${where}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
      }
      return checkDocument(doc, where);
    }
    case 'msgpack': {
      let doc: unknown;
      try {
        doc = decode(buf);
      } catch (e) {
        throw new InputError(`${where}: not valid msgpack (${(e as Error).message})`);
      }
      return unpack(checkDocument(doc, where, true) as unknown as Record<string, unknown>, where);
    }
  }
}

/** Header checks every encoding shares: an object of format `orrery-trace` and a version this code reads. */
function checkDocument(doc: unknown, where: string, packed = false): Trace {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`${where}: expected a trace object, got ${kindOf(doc)}`);
  const o = doc as Record<string, unknown>;
  if (o.format !== 'orrery-trace') {
    throw new InputError(`${where}: "format" is ${JSON.stringify(o.format)}; expected "orrery-trace" (an Orrery trace file)`);
  }
  if (o.version !== 1) throw new InputError(`${where}: trace "version" ${JSON.stringify(o.version)} is not supported; this Orrery reads version 1`);
  if (packed && o.packing !== PACKING_VERSION) {
    throw new InputError(`${where}: msgpack trace has "packing" ${JSON.stringify(o.packing)}; this Orrery reads packing ${PACKING_VERSION}`);
  }
  if (!packed && 'packing' in o) throw new InputError(`${where}: "packing" belongs to msgpack traces only`);
  return doc as Trace;
}

/** Encodes a trace in the given encoding (gzip optional). */
export function encodeTrace(trace: Trace, encoding: TraceEncoding, gzip = false): Uint8Array {
  let out: Uint8Array;
  switch (encoding) {
    case 'json':
      out = Buffer.from(traceToJson(trace), 'utf8');
      break;
    case 'yaml':
      out = Buffer.from(stringifyYaml(canonical(trace)), 'utf8');
      break;
    case 'msgpack':
      out = encode(pack(trace), { ignoreUndefined: true });
      break;
  }
  return gzip ? gzipSync(out) : out;
}

/** Writes a trace; the encoding comes from the extension unless given. Returns the bytes written. */
export function writeTraceFile(path: string, trace: Trace, encoding?: TraceEncoding): number {
  const fromPath = encodingFromPath(path);
  const enc = encoding ?? fromPath.encoding;
  if (!enc) throw new InputError(`${path}: cannot tell which encoding to write; name it .json, .yaml or .msgpack (optionally .gz)`);
  const bytes = encodeTrace(trace, enc, fromPath.gzip);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new InputError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return bytes.length;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON: canonical key order, one op per line

const OP_KEY_ORDER = [
  'id', 'kind', 'name', 'stream', 'deps', 'op', 'group', 'peer', 'tag', 'root', 'bytes', 'flops', 'precision', 'cpu',
  'durationNs', 'algorithms', 'chunks', 'priority', 'ext',
];

function canonicalOp(op: Op): Record<string, unknown> {
  const o = op as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of OP_KEY_ORDER) if (o[k] !== undefined) out[k] = o[k];
  for (const k of Object.keys(o)) if (!(k in out) && o[k] !== undefined) out[k] = o[k];
  return out;
}

function canonical(t: Trace): Record<string, unknown> {
  return {
    format: t.format, version: t.version, units: t.units,
    ...(t.meta !== undefined ? { meta: t.meta } : {}),
    ranks: t.ranks, groups: t.groups,
    programs: t.programs.map((p) => ({ ranks: p.ranks, ops: p.ops.map(canonicalOp) })),
  };
}

/** JSON text of a trace: header fields first, each program's ops one per line. */
export function traceToJson(t: Trace): string {
  const parts: string[] = ['{\n'];
  parts.push(`  "format": ${JSON.stringify(t.format)},\n  "version": ${JSON.stringify(t.version)},\n  "units": ${JSON.stringify(t.units)},\n`);
  if (t.meta !== undefined) parts.push(`  "meta": ${JSON.stringify(t.meta)},\n`);
  parts.push(`  "ranks": ${JSON.stringify(t.ranks)},\n`);
  const groups = Object.entries(t.groups);
  if (groups.length === 0) parts.push('  "groups": {},\n');
  else parts.push(`  "groups": {\n${groups.map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n  },\n`);
  parts.push('  "programs": [\n');
  t.programs.forEach((p, pi) => {
    parts.push(`    {"ranks": ${JSON.stringify(p.ranks)}, "ops": [\n`);
    const n = p.ops.length;
    for (let i = 0; i < n; i++) parts.push(`      ${JSON.stringify(canonicalOp(p.ops[i]!))}${i + 1 < n ? ',' : ''}\n`);
    parts.push(`    ]}${pi + 1 < t.programs.length ? ',' : ''}\n`);
  });
  parts.push('  ]\n}\n');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// msgpack: packed positional layout

class StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(s, i);
      this.list.push(s);
    }
    return i;
  }
}

function pack(t: Trace): Record<string, unknown> {
  const strings = new StringTable();
  const programs = t.programs.map((p) => {
    let prev = -1;
    const ops = p.ops.map((op) => {
      const o = op as unknown as Record<string, unknown>;
      const row: unknown[] = [
        KINDS.indexOf(op.kind as (typeof KINDS)[number]),
        typeof op.id === 'number' ? op.id - prev : op.id,
        Array.isArray(op.deps) ? op.deps.map((d) => (typeof d === 'number' && typeof op.id === 'number' ? op.id - d : d)) : (op.deps ?? null),
        typeof op.name === 'string' ? strings.id(op.name) : (op.name ?? null),
        typeof op.stream === 'string' ? strings.id(op.stream) : (op.stream ?? null),
      ];
      if (typeof op.id === 'number') prev = op.id;
      for (const f of FIELDS[op.kind] ?? []) {
        if (f.startsWith('$$')) {
          const v = o[f.slice(2)];
          row.push(Array.isArray(v) ? v.map((s) => (typeof s === 'string' ? strings.id(s) : s)) : (v ?? null));
        } else if (f.startsWith('$')) {
          const v = o[f.slice(1)];
          row.push(typeof v === 'string' ? strings.id(v) : (v ?? null));
        } else row.push(o[f] ?? null);
      }
      row.push(op.ext ?? null);
      while (row.length > 2 && row[row.length - 1] === null) row.pop();
      return row;
    });
    return [p.ranks, ops];
  });
  return {
    format: t.format, version: t.version, packing: PACKING_VERSION, units: t.units,
    ...(t.meta !== undefined ? { meta: t.meta } : {}),
    ranks: t.ranks, groups: t.groups, strings: strings.list, programs,
  };
}

/** A lazy message prefix (a function made without a name: tsx wraps named closures, which is slow per op). */
function opAt(where: string, pi: number, ranks: unknown, i: number): () => string {
  return () => `${where}: programs[${pi}] (ranks ${JSON.stringify(ranks).slice(0, 40)}), op at index ${i}`;
}

/** Strings-table lookup for the packed layout; null/undefined stay absent. */
class Strings {
  constructor(private readonly table: unknown[], private readonly where: string) {}
  get(v: unknown, pi: number, ranks: unknown, i: number): string | undefined {
    if (v === null || v === undefined) return undefined;
    const s = typeof v === 'number' ? this.table[v] : undefined;
    if (typeof s !== 'string') {
      throw new InputError(`${opAt(this.where, pi, ranks, i)()}: string index ${typeof v === 'number' ? v : kindOf(v)} is not in the strings table (${this.table.length} entries)`);
    }
    return s;
  }
}

const opt = (v: unknown): unknown => (v === null ? undefined : v);

function unpack(doc: Record<string, unknown>, where: string): Trace {
  if (!Array.isArray(doc.strings)) throw new InputError(`${where}: msgpack trace lacks its "strings" table`);
  if (!Array.isArray(doc.programs)) throw new InputError(`${where}: "programs" must be an array`);
  const S = new Strings(doc.strings, where);
  const programs: Program[] = doc.programs.map((row, pi) => {
    if (!Array.isArray(row) || row.length !== 2 || !Array.isArray(row[1])) {
      throw new InputError(`${where}: programs[${pi}]: expected [ranks, ops]`);
    }
    const ranks = row[0];
    const rawOps = row[1] as unknown[];
    const n = rawOps.length;
    const ops: Op[] = new Array(n);
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const a = rawOps[i] as unknown[];
      if (!Array.isArray(a) || a.length < 2) throw new InputError(`${opAt(where, pi, ranks, i)()}: expected a packed op array, got ${kindOf(a)}`);
      const code = a[0] as number;
      const kind = KINDS[code];
      if (kind === undefined) {
        throw new InputError(`${opAt(where, pi, ranks, i)()}: unknown kind code ${typeof a[0] === 'number' ? a[0] : kindOf(a[0])}; expected 0-${KINDS.length - 1} (${KINDS.join(', ')})`);
      }
      const max = 6 + FIELDS[kind].length;
      if (a.length > max) throw new InputError(`${opAt(where, pi, ranks, i)()}: ${a.length} slots for a ${kind} op; expected at most ${max}`);
      const id = typeof a[1] === 'number' ? prev + a[1] : a[1];
      if (typeof id === 'number') prev = id;
      const d = a[2];
      let deps: unknown;
      if (Array.isArray(d) && typeof id === 'number') {
        deps = new Array(d.length);
        for (let k = 0; k < d.length; k++) (deps as unknown[])[k] = typeof d[k] === 'number' ? id - d[k] : d[k];
      } else deps = opt(d);
      const name = S.get(a[3], pi, ranks, i);
      const stream = S.get(a[4], pi, ranks, i);
      let op: Record<string, unknown>;
      switch (code) {
        case 0: // compute
          op = {
            id, kind, name, stream, deps, durationNs: opt(a[5]), flops: opt(a[6]), bytes: opt(a[7]),
            precision: S.get(a[8], pi, ranks, i), cpu: opt(a[9]), ext: opt(a[10]),
          };
          break;
        case 1: { // coll
          const al = a[9];
          op = {
            id, kind, name, stream, deps, op: S.get(a[5], pi, ranks, i), group: S.get(a[6], pi, ranks, i), bytes: opt(a[7]),
            root: opt(a[8]), algorithms: Array.isArray(al) ? al.map((x) => S.get(x, pi, ranks, i)) : opt(al),
            chunks: opt(a[10]), priority: opt(a[11]), durationNs: opt(a[12]), ext: opt(a[13]),
          };
          break;
        }
        case 2:
        case 3: // send, recv
          op = { id, kind, name, stream, deps, peer: opt(a[5]), tag: opt(a[6]), bytes: opt(a[7]), ext: opt(a[8]) };
          break;
        case 4: // wait
          op = { id, kind, name, stream, deps, durationNs: opt(a[5]), ext: opt(a[6]) };
          break;
        default: // marker
          op = { id, kind, name, stream, deps, ext: opt(a[5]) };
      }
      ops[i] = op as unknown as Op;
    }
    return { ranks: ranks as number[], ops };
  });
  return {
    format: doc.format as Trace['format'], version: doc.version as Trace['version'], units: doc.units as Trace['units'],
    ...(doc.meta !== undefined ? { meta: doc.meta as Trace['meta'] } : {}),
    ranks: doc.ranks as number, groups: doc.groups as Trace['groups'], programs,
  };
}
