/**
 * Validation of one op's shape (validate.ts runs it on every op): its kind, the fields that kind takes (unknown keys
 * are errors), their types and ranges, and a kernel descriptor where there is one. Errors name the op and the field.
 */
import { COLLECTIVE_OPS } from '../collectives/index.ts';
import { checkKernel, PRECISIONS } from '../compute/index.ts';
import { OP_KINDS, TraceError, type CollOp, type Op, type Precision } from './trace.ts';

/** A value for messages: `"x"`, `5`, `true`, or its kind (`an array`, `an object`, `null`, `nothing`). */
export function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v) ?? String(v);
}

const COMMON = ['id', 'kind', 'name', 'deps', 'stream', 'ext'];
const KEYS: Record<Op['kind'], string[]> = {
  compute: [...COMMON, 'durationNs', 'flops', 'bytes', 'precision', 'kernel', 'cpu'],
  coll: [...COMMON, 'op', 'group', 'bytes', 'root', 'algorithms', 'chunks', 'priority', 'durationNs'],
  send: [...COMMON, 'peer', 'group', 'tag', 'bytes'],
  recv: [...COMMON, 'peer', 'group', 'tag', 'bytes'],
  wait: [...COMMON, 'durationNs'],
  marker: COMMON,
};

/**
 * Checks one op's fields. `label(index)` names the file, rank and op; it is called only when there is an error
 * (no closure is made per op: this runs over millions of ops).
 */
export function checkOp(op: Op, label: (index: number) => string, index = 0): void {
  const at = label, ix = index;
  if (typeof op !== 'object' || op === null || Array.isArray(op)) throw new TraceError(`${at(ix)}: expected an op object, got ${kindOf(op)}`);
  const o = op as unknown as Record<string, unknown>;
  if (!Number.isSafeInteger(o.id) || (o.id as number) < 0) fieldError(o, at, ix, 'id', 'a non-negative integer');
  const kind = o.kind as Op['kind'];
  const keys = KEYS[kind];
  if (keys === undefined || !Object.hasOwn(KEYS, kind)) {
    throw new TraceError(`${at(ix)}: unknown kind ${kindOf(o.kind)}; expected one of: ${OP_KINDS.join(', ')}`);
  }
  for (const k in o) {
    if (!keys.includes(k) && o[k] !== undefined) {
      throw new TraceError(`${at(ix)}: unknown field "${k}" for a ${kind} op; expected: ${keys.join(', ')}`);
    }
  }
  if (o.name !== undefined && typeof o.name !== 'string') fieldError(o, at, ix, 'name', 'a string');
  if (o.stream !== undefined && o.stream !== null && (typeof o.stream !== 'string' || o.stream === '')) {
    fieldError(o, at, ix, 'stream', 'a non-empty string, or null for no stream');
  }
  const deps = o.deps;
  if (deps !== undefined) {
    if (!Array.isArray(deps)) fieldError(o, at, ix, 'deps', 'a list of op ids');
    for (let k = 0; k < (deps as unknown[]).length; k++) {
      const d = (deps as unknown[])[k];
      if (!Number.isSafeInteger(d) || (d as number) < 0) throw new TraceError(`${at(ix)}: field "deps": ${kindOf(d)} is not an op id (a non-negative integer)`);
    }
  }
  if (o.ext !== undefined && (typeof o.ext !== 'object' || o.ext === null || Array.isArray(o.ext))) fieldError(o, at, ix, 'ext', 'an object');
  switch (kind) {
    case 'compute': {
      checkNs(o, at, ix, kind, 'durationNs', false);
      checkNonNegative(o, at, ix, 'flops');
      checkNonNegative(o, at, ix, 'bytes');
      if (o.precision !== undefined && !PRECISIONS.includes(o.precision as Precision)) fieldError(o, at, ix, 'precision', `one of ${PRECISIONS.join(', ')}`);
      if (o.cpu !== undefined && typeof o.cpu !== 'boolean') fieldError(o, at, ix, 'cpu', 'true or false');
      if (o.kernel !== undefined) {
        const e = checkKernel(o.kernel);
        if (e) throw new TraceError(`${at(ix)}: ${e}`);
      }
      if (o.durationNs === undefined && o.flops === undefined && o.bytes === undefined && o.kernel === undefined) {
        throw new TraceError(`${at(ix)}: a compute op needs "durationNs", a "kernel", or "flops" and/or "bytes" for the roofline`);
      }
      break;
    }
    case 'coll': {
      if (!COLLECTIVE_OPS.includes(o.op as CollOp['op'])) {
        throw new TraceError(`${at(ix)}: field "op": unknown collective ${kindOf(o.op)}; expected one of: ${COLLECTIVE_OPS.join(', ')}`);
      }
      if (o.group !== undefined && (typeof o.group !== 'string' || o.group === '')) fieldError(o, at, ix, 'group', 'a group name');
      checkBytes(o, at, ix, kind, 'bytes');
      checkInt(o, at, ix, 'root', 0);
      const a = o.algorithms;
      if (a !== undefined && (!Array.isArray(a) || a.length === 0 || !a.every((x) => typeof x === 'string'))) {
        fieldError(o, at, ix, 'algorithms', 'a non-empty list of algorithm names, one for every dimension or one per dimension');
      }
      checkInt(o, at, ix, 'chunks', 1);
      if (o.priority !== undefined && !Number.isSafeInteger(o.priority)) fieldError(o, at, ix, 'priority', 'an integer');
      checkNs(o, at, ix, kind, 'durationNs', false);
      break;
    }
    case 'send':
    case 'recv':
      checkInt(o, at, ix, 'peer', 0);
      if (o.peer === undefined) throw new TraceError(`${at(ix)}: a ${kind} op needs "peer" (the ${kind === 'send' ? 'receiver' : 'sender'}'s global rank)`);
      if (o.tag !== undefined && !Number.isSafeInteger(o.tag)) fieldError(o, at, ix, 'tag', 'an integer');
      if (o.group !== undefined && (typeof o.group !== 'string' || o.group === '')) fieldError(o, at, ix, 'group', 'a group name');
      checkBytes(o, at, ix, kind, 'bytes');
      break;
    case 'wait':
      checkNs(o, at, ix, kind, 'durationNs', true);
      break;
    case 'marker':
      break;
  }
}

function fieldError(o: Record<string, unknown>, at: (index: number) => string, ix: number, field: string, expected: string): never {
  throw new TraceError(`${at(ix)}: field "${field}": expected ${expected}, got ${kindOf(o[field])}`);
}

function checkNs(o: Record<string, unknown>, at: (index: number) => string, ix: number, kind: string, k: string, required: boolean): void {
  const v = o[k];
  if (v === undefined) {
    if (required) throw new TraceError(`${at(ix)}: a ${kind} op needs "${k}" (integer ns ≥ 0)`);
    return;
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    fieldError(o, at, ix, k, typeof v === 'number' && v < 0 ? 'a duration ≥ 0 (it is negative)' : 'a whole number of ns ≥ 0');
  }
}

function checkBytes(o: Record<string, unknown>, at: (index: number) => string, ix: number, kind: string, k: string): void {
  const v = o[k];
  if (v === undefined) throw new TraceError(`${at(ix)}: a ${kind} op needs "${k}" (bytes, an integer ≥ 0)`);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fieldError(o, at, ix, k, 'a whole number of bytes ≥ 0');
}

function checkNonNegative(o: Record<string, unknown>, at: (index: number) => string, ix: number, k: string): void {
  const v = o[k];
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) fieldError(o, at, ix, k, 'a finite number ≥ 0');
}

function checkInt(o: Record<string, unknown>, at: (index: number) => string, ix: number, k: string, min: number): void {
  const v = o[k];
  if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < min)) fieldError(o, at, ix, k, `an integer ≥ ${min}`);
}
