/**
 * Trace files: Orrery's trace data model (workload/trace.ts) in three encodings, optionally gzipped.
 *
 * - JSON (`.json`): the data model as is; written one op per line, keys in a fixed order, so files diff well.
 * - YAML (`.yaml`, `.yml`): the same document, for hand-written traces.
 * - msgpack (`.msgpack`, `.mpk`): the bulk encoding, column by column (io/trace-packed.ts): the header stays an
 *   object, each program's fields are binary typed columns (the narrowest integer width that fits, else float64)
 *   with strings interned in one table, ids and deps stored as small differences. No BigInt: integers above 2^53
 *   are rejected by validation.
 *
 * A `.gz` suffix (or the gzip magic 1f 8b when reading) adds gzip. When reading, the encoding comes from the
 * extension, else from the first byte (`{` → JSON, a msgpack map → msgpack).
 *
 * This module only encodes and decodes; workload/validate.ts checks every field (and names file, rank, op, field).
 */
import { gunzipCapped, isGzip, readInputFile } from './input.ts';
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { decode, encode } from '@msgpack/msgpack';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Op, Trace } from '../workload/trace.ts';
import { writeOrFail } from './output.ts';
import { InputError, kindOf } from './errors.ts';
import { PACKING_VERSION, packTrace, unpackTrace } from './trace-packed.ts';

export { PACKING_VERSION };

export type TraceEncoding = 'json' | 'yaml' | 'msgpack';
export const TRACE_ENCODINGS: readonly TraceEncoding[] = ['json', 'yaml', 'msgpack'];

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
  const raw = readInputFile(path, 'trace');
  const fileBytes = raw.length;
  const gzip = isGzip(raw);
  const buf: Buffer = gzip ? gunzipCapped(raw, path) : raw;
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
      return unpackTrace(checkDocument(doc, where, true) as unknown as Record<string, unknown>, where);
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
  // version 2 added compute ops' `kernel`; a version 1 file is the same data model without it and reads unchanged
  if (o.version !== 1 && o.version !== 2) throw new InputError(`${where}: trace "version" ${JSON.stringify(o.version)} is not supported; this Orrery reads versions 1 and 2`);
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
      out = encode(packTrace(trace), { ignoreUndefined: true });
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
    writeOrFail(path, 'output', () => writeSync(fd, bytes));
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
