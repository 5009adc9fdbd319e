/**
 * Validation of a trace before time starts. Everything a replay could trip over is checked here, and every error
 * names the rank (or the program and its ranks), the op id and the field:
 *
 * - shape: the header, every op's kind and fields (types, ranges, unknown keys; validate-op.ts);
 * - ranks: 0..ranks-1 each run by exactly one program;
 * - groups: members in range, no duplicates, partitions disjoint, `world` = every rank; a collective's rank is a
 *   member of its group and its root is in the same block;
 * - dependencies: ids unique per program, deps exist (lenient mode drops dangling ones with a warning, as real
 *   Chakra traces need), and the graph of deps plus stream order is acyclic (a cycle is reported op by op);
 * - collectives and point-to-point messages match across ranks (validate-comm.ts).
 *
 * The result keeps what it computed (per-program graphs, group tables, p2p pairs) so the replay compiles from it
 * without doing the work twice. Runtime stalls that no static check can see (a recv waiting for a send that comes
 * after a blocking op on the peer) are reported by the replay itself.
 */
import { PRECISIONS } from '../compute/index.ts';
import {
  isLazyProgram, streamOf, TRACE_FORMAT, TRACE_VERSIONS, TraceError, type Op, type Program,
  type Trace,
} from './trace.ts';
import { Scratch, TypedPool } from './pool.ts';
import { IdIndex } from './id-index.ts';

export { IdIndex };
import { checkOp, kindOf } from './validate-op.ts';
import { checkCollectiveSequences, checkGroupUse, CollShapes, pairPointToPoint, type CollShape } from './validate-comm.ts';

export { checkOp, PRECISIONS };

export interface ValidateOptions {
  /** Prefix for messages: where the trace came from (a file name). */
  where?: string;
  /** Drop dependencies on ids that do not exist, with a warning, instead of failing. */
  lenient?: boolean;
  /**
   * Whether stream order is a dependency (the default `streams` issue policy). The `astra` policy ignores streams,
   * so a "cycle" through stream order is not one there.
   */
  streamOrder?: boolean;
  /**
   * Called with each program's graph and ops once they are checked, while the ops are at hand (the replay compiles
   * there): a program whose ops are made on demand (trace.ts lazyProgram) is then made once for both.
   */
  onProgram?: (g: ProgramGraph, ops: readonly Op[], collShapes: readonly CollShape[]) => void;
}

/** A program's dependency graph in local indices (position in `ops`). */
export interface ProgramGraph {
  program: Program;
  index: number;
  n: number;
  /** Predecessors of each op (its deps, plus the previous op of its stream under stream order), deduplicated. */
  predStart: Int32Array;
  pred: Int32Array;
  /** Successors (the reverse of pred). */
  succStart: Int32Array;
  succ: Int32Array;
  /** Stream of each op as an index into `streamNames`, or -1 (wait, marker). */
  stream: Int32Array;
  streamNames: string[];
  /** Group index (into {@link GroupTable.names}) of each coll op, else -1. */
  group: Int32Array;
  /**
   * Shape of each coll op (op, bytes, root, chunks, algorithms) as an index into {@link ValidatedTrace.collShapes},
   * else -1: what the replay and the cross-rank checks read instead of the op objects.
   */
  collShape: Int32Array;
  /** Local index of each op's id. */
  idIndex: IdIndex;
  /** Dependencies dropped in lenient mode. */
  dropped: number;
  /** Per op: its position among the program's sends and recvs, or -1; their count. */
  p2pIndex: Int32Array;
  p2pCount: number;
  /**
   * Per send and recv (by p2pIndex): its `peer`, its group's index (-1: none, `peer` is global; -2: a group the
   * trace does not define), `tag` (0 when absent) and bytes.
   */
  p2pPeer: Float64Array;
  p2pGroup: Int32Array;
  p2pTag: Float64Array;
  p2pBytes: Float64Array;
  /** Per send and recv (by p2pIndex): 1 for a send. */
  p2pSend: Uint8Array;
}

/** Communicator groups, resolved: each name is a list of blocks (one for a plain list, several for a partition). */
export interface GroupTable {
  names: string[];
  index: Map<string, number>;
  blocks: number[][][];
  /** Per group: the block that holds each rank, or -1. */
  blockOf: Int32Array[];
  /** Per group: each rank's index inside its block, or -1. */
  memberIdx: Int32Array[];
  /** Per group: the global id of its first block (blocks are numbered across groups). */
  blockBase: number[];
  totalBlocks: number;
}

export interface ValidatedTrace {
  trace: Trace;
  programs: ProgramGraph[];
  /** Program of each rank. */
  rankProgram: Int32Array;
  /** First global op index of each rank (length ranks + 1): global op = base[rank] + local index. */
  base: Float64Array;
  groups: GroupTable;
  /** The distinct collective shapes of the trace (ProgramGraph.collShape). */
  collShapes: CollShape[];
  /**
   * Per send and recv, numbered rank by rank in program order (send/recv k of rank r is p2pBase[r] + k; the
   * program's `p2pIndex` gives k): the global op number of the paired recv (for a send) or send (for a recv). Use
   * {@link p2pPartnerOf}.
   */
  p2pPartner: Int32Array;
  /** First send/recv number of each rank (length ranks + 1). */
  p2pBase: Int32Array;
  warnings: string[];
  /** Counts for reports. */
  stats: { ops: number; coll: number; p2p: number; droppedDeps: number };
}

const MAX_WARNINGS = 20;

/** Checks a trace and returns what the replay needs; throws a {@link TraceError} naming rank, op and field. */
export function validateTrace(trace: Trace, opts: ValidateOptions = {}): ValidatedTrace {
  const where = opts.where ? `${opts.where}: ` : '';
  const warn = new Warnings();
  checkHeader(trace, where);
  const R = trace.ranks;
  const groups = resolveGroups(trace, where);
  const rankProgram = assignRanks(trace, where);
  const pool = new TypedPool();
  // the graphs' arrays at once (TypedPool.reserve): per op about 6 int32 and 2 per predecessor (about 2 per op)
  // (a lazy program's ops are not made to count them: its arrays take the pool's growing chunks)
  let programOps = 0;
  for (const p of trace.programs) programOps += (!isLazyProgram(p) && Array.isArray(p?.ops) ? p.ops.length : 0) + 2;
  pool.reserve(10 * programOps, 0, 0);
  const scratch = new Scratch();
  const shapes = new CollShapes();
  const programs = trace.programs.map((p, pi) => {
    const at = (op: Op | undefined, i: number) => opLabel(where, p, pi, op, i);
    const ops = p.ops; // (read once: a lazy program makes its ops on each read of another program's)
    const label = (i: number) => at(ops[i], i);
    for (let i = 0; i < ops.length; i++) checkOp(ops[i]!, label, i);
    const g = buildGraph(p, ops, pi, groups, opts, warn, at, pool, scratch, shapes);
    opts.onProgram?.(g, ops, shapes.list);
    return g;
  });
  for (const g of programs) checkAcyclic(g, (op, i) => opLabel(where, g.program, g.index, op, i), scratch);
  for (const g of programs) checkGroupUse(g, groups, shapes.list, (op, i) => opLabel(where, g.program, g.index, op, i), R);

  const base = new Float64Array(R + 1);
  for (let r = 0; r < R; r++) base[r + 1] = base[r]! + programs[rankProgram[r]!]!.n;
  const total = base[R]!;
  if (total > 2 ** 31 - 1) throw new TraceError(`${where}${total} ops in all is more than Orrery replays in one run (2^31 - 1)`);

  let coll = 0;
  for (const g of programs) for (let i = 0; i < g.n; i++) if (g.group[i]! >= 0) coll += g.program.ranks.length;
  checkCollectiveSequences(trace, programs, rankProgram, groups, where);
  const { partner, p2pBase, count: p2p } = pairPointToPoint(trace, programs, rankProgram, base, groups, where);

  let dropped = 0;
  for (const g of programs) dropped += g.dropped * g.program.ranks.length;
  return {
    trace, programs, rankProgram, base, groups, collShapes: shapes.list, p2pPartner: partner, p2pBase, warnings: warn.list(),
    stats: { ops: total, coll, p2p, droppedDeps: dropped },
  };
}

class Warnings {
  private readonly items: string[] = [];
  private extra = 0;
  add(msg: string): void {
    if (this.items.length < MAX_WARNINGS) this.items.push(msg);
    else this.extra++;
  }
  list(): string[] {
    return this.extra > 0 ? [...this.items, `… and ${this.extra} more warnings like these`] : this.items;
  }
}

/** `rank 3`, or `ranks 0-3,8` (program 2), for messages. */
export function ranksLabel(ranks: readonly number[]): string {
  if (ranks.length === 1) return `rank ${ranks[0]}`;
  return `ranks ${compactRanges(ranks)}`;
}

/** `0-3,8,10-11`: sorted, consecutive numbers as runs; the first `maxRuns` runs, then `…`. */
export function compactRanges(xs: readonly number[], maxRuns = 8): string {
  const s = [...xs].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j + 1;
    if (parts.length === maxRuns && i < s.length) {
      parts.push('…');
      break;
    }
  }
  return parts.join(',');
}

function opLabel(where: string, p: Program, pi: number, op: Op | undefined, i: number): string {
  const who = Array.isArray(p.ranks) && p.ranks.length > 1 ? `program ${pi} (${ranksLabel(p.ranks)})` : Array.isArray(p.ranks) ? ranksLabel(p.ranks) : `program ${pi}`;
  const id = op && typeof op === 'object' && Number.isSafeInteger(op.id) ? `op ${op.id}` : `op at index ${i}`;
  return `${where}${who}, ${id}`;
}

function checkHeader(t: Trace, where: string): void {
  if (typeof t !== 'object' || t === null) throw new TraceError(`${where}expected a trace object, got ${kindOf(t)}`);
  if (t.format !== TRACE_FORMAT) throw new TraceError(`${where}"format" is ${JSON.stringify(t.format)}; expected "${TRACE_FORMAT}"`);
  if (!TRACE_VERSIONS.includes(t.version)) {
    throw new TraceError(`${where}"version" ${JSON.stringify(t.version)} is not supported; this Orrery reads versions ${TRACE_VERSIONS.join(' and ')}`);
  }
  if (!t.units || t.units.time !== 'ns' || t.units.size !== 'B') {
    throw new TraceError(`${where}"units" must be {"time": "ns", "size": "B"}, got ${JSON.stringify(t.units)}`);
  }
  if (!Number.isSafeInteger(t.ranks) || t.ranks < 1) throw new TraceError(`${where}"ranks" must be a positive integer, got ${kindOf(t.ranks)}`);
  if (t.ranks > 2 ** 24) throw new TraceError(`${where}"ranks" ${t.ranks} is more than Orrery supports (16,777,216)`);
  if (typeof t.groups !== 'object' || t.groups === null || Array.isArray(t.groups)) {
    throw new TraceError(`${where}"groups" must be an object mapping names to rank lists, got ${kindOf(t.groups)}`);
  }
  if (!Array.isArray(t.programs) || t.programs.length === 0) throw new TraceError(`${where}"programs" must be a non-empty array`);
  t.programs.forEach((p, pi) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new TraceError(`${where}programs[${pi}]: expected an object {ranks, ops}, got ${kindOf(p)}`);
    if (!Array.isArray(p.ranks) || p.ranks.length === 0) throw new TraceError(`${where}programs[${pi}].ranks: expected a non-empty list of ranks, got ${kindOf(p.ranks)}`);
    if (!isLazyProgram(p) && !Array.isArray(p.ops)) throw new TraceError(`${where}programs[${pi}] (${ranksLabel(p.ranks)}).ops: expected a list of ops, got ${kindOf(p.ops)}`);
    const extra = Object.keys(p).filter((k) => k !== 'ranks' && k !== 'ops');
    if (extra.length > 0) throw new TraceError(`${where}programs[${pi}]: unknown key "${extra[0]}"; expected ranks, ops`);
  });
}

function assignRanks(t: Trace, where: string): Int32Array {
  const R = t.ranks;
  const prog = new Int32Array(R).fill(-1);
  t.programs.forEach((p, pi) => {
    for (const r of p.ranks) {
      if (!Number.isSafeInteger(r) || r < 0 || r >= R) {
        throw new TraceError(`${where}programs[${pi}].ranks: ${kindOf(r)} is not a rank of this ${R}-rank trace (0..${R - 1})`);
      }
      if (prog[r] !== -1) throw new TraceError(`${where}rank ${r} appears in two programs (${prog[r]} and ${pi}); each rank runs exactly one`);
      prog[r] = pi;
    }
  });
  const missing: number[] = [];
  for (let r = 0; r < R; r++) if (prog[r] === -1) missing.push(r);
  if (missing.length > 0) {
    throw new TraceError(`${where}${missing.length === 1 ? 'rank' : 'ranks'} ${compactRanges(missing)} ${missing.length === 1 ? 'is' : 'are'} in no program; every rank 0..${R - 1} needs one`);
  }
  return prog;
}

function resolveGroups(t: Trace, where: string): GroupTable {
  const R = t.ranks;
  const names: string[] = [];
  const blocks: number[][][] = [];
  const check = (name: string, list: unknown, at: string, seen: Int32Array, blockIdx: number): number[] => {
    if (!Array.isArray(list) || list.length === 0) throw new TraceError(`${where}${at}: expected a non-empty list of ranks, got ${kindOf(list)}`);
    for (const r of list) {
      if (!Number.isSafeInteger(r) || (r as number) < 0 || (r as number) >= R) {
        throw new TraceError(`${where}${at}: member ${kindOf(r)} is not a rank of this ${R}-rank trace (0..${R - 1})`);
      }
      if (seen[r as number] !== -1) {
        throw new TraceError(`${where}${at}: rank ${r} appears twice in group "${name}"${seen[r as number] !== blockIdx ? ' (partition blocks must be disjoint)' : ''}`);
      }
      seen[r as number] = blockIdx;
    }
    return list as number[];
  };
  const blockOf: Int32Array[] = [];
  const memberIdx: Int32Array[] = [];
  const add = (name: string, value: unknown) => {
    const seen = new Int32Array(R).fill(-1);
    const at = `groups.${name}`;
    let bl: number[][];
    if (Array.isArray(value) && value.length > 0 && value.every((x) => Array.isArray(x))) {
      bl = value.map((b, i) => check(name, b, `${at}[${i}]`, seen, i));
    } else {
      bl = [check(name, value, at, seen, 0)];
    }
    const mi = new Int32Array(R).fill(-1);
    for (const b of bl) b.forEach((r, i) => { mi[r] = i; });
    names.push(name);
    blocks.push(bl);
    blockOf.push(seen);
    memberIdx.push(mi);
  };
  for (const [name, value] of Object.entries(t.groups)) {
    add(name, value);
    if (name === 'world') {
      const bl = blocks[blocks.length - 1]!;
      if (bl.length !== 1 || bl[0]!.length !== R) {
        throw new TraceError(`${where}groups.world must list every rank 0..${R - 1} (it is implied when absent)`);
      }
    }
  }
  if (!('world' in t.groups)) add('world', Array.from({ length: R }, (_, i) => i));
  const blockBase: number[] = [];
  let nb = 0;
  for (const bl of blocks) {
    blockBase.push(nb);
    nb += bl.length;
  }
  return { names, index: new Map(names.map((n, i) => [n, i])), blocks, blockOf, memberIdx, blockBase, totalBlocks: nb };
}

function buildGraph(
  p: Program, ops: readonly Op[], pi: number, groups: GroupTable, opts: ValidateOptions, warn: Warnings,
  at: (op: Op | undefined, i: number) => string, pool: TypedPool, scratch: Scratch, shapes: CollShapes,
): ProgramGraph {
  const n = ops.length;
  const idIndex = IdIndex.build(ops, at, pool);
  const streamOrder = opts.streamOrder !== false;
  const streamIndex = new Map<string, number>();
  const streamNames: string[] = [];
  const stream = pool.int32(n, -1);
  const lastOnStream: number[] = [];
  const group = pool.int32(n, -1);
  const collShape = pool.int32(n, -1);
  // predecessors: count first, then fill (deps deduplicated with a marker array)
  const predStart = pool.int32(n + 1);
  let bound = n;
  for (let i = 0; i < n; i++) bound += ops[i]!.deps?.length ?? 0;
  const predList = scratch.get(0, bound);
  let np = 0;
  const mark = scratch.get(1, n).fill(-1);
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    predStart[i] = np;
    const s = streamOf(op);
    if (s !== undefined) {
      let si = streamIndex.get(s);
      if (si === undefined) {
        si = streamNames.length;
        streamIndex.set(s, si);
        streamNames.push(s);
        lastOnStream.push(-1);
      }
      stream[i] = si;
      const prev = lastOnStream[si]!;
      if (streamOrder && prev >= 0) {
        mark[prev] = i;
        predList[np++] = prev;
      }
      lastOnStream[si] = i;
    }
    if (op.deps) {
      for (const d of op.deps) {
        const j = idIndex.get(d);
        if (j === undefined) {
          if (opts.lenient) {
            dropped++;
            warn.add(`${at(op, i)}: dependency ${d} does not exist in this program; dropped (lenient mode)`);
            continue;
          }
          throw new TraceError(`${at(op, i)}: field "deps": op ${d} does not exist in this program (pass --lenient to drop dangling dependencies with a warning)`);
        }
        if (j === i) throw new TraceError(`${at(op, i)}: field "deps": the op depends on itself (a cycle)`);
        if (mark[j] === i) continue;
        mark[j] = i;
        predList[np++] = j;
      }
    }
    if (op.kind === 'coll') {
      const name = op.group ?? 'world';
      const gi = groups.index.get(name);
      if (gi === undefined) {
        throw new TraceError(`${at(op, i)}: field "group": unknown group "${name}"; the trace defines: ${groups.names.join(', ')}`);
      }
      group[i] = gi;
      collShape[i] = shapes.of(op);
    }
  }
  predStart[n] = np;
  const pred = pool.int32(np);
  pred.set(predList.subarray(0, np));
  // successors: the transpose
  const succStart = pool.int32(n + 1);
  for (let k = 0; k < pred.length; k++) succStart[pred[k]! + 1]!++;
  for (let i = 0; i < n; i++) succStart[i + 1]! += succStart[i]!;
  const fill = scratch.get(2, n);
  fill.set(succStart.subarray(0, n));
  const succ = pool.int32(pred.length);
  for (let i = 0; i < n; i++) for (let k = predStart[i]!; k < predStart[i + 1]!; k++) succ[fill[pred[k]!]!++] = i;
  void pi;
  const p2pIndex = pool.int32(n, -1);
  let p2pCount = 0;
  for (let i = 0; i < n; i++) if (ops[i]!.kind === 'send' || ops[i]!.kind === 'recv') p2pIndex[i] = p2pCount++;
  const p2pPeer = pool.float64(p2pCount), p2pGroup = pool.int32(p2pCount), p2pTag = pool.float64(p2pCount), p2pBytes = pool.float64(p2pCount);
  const p2pSend = pool.uint8(p2pCount);
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    if (op.kind !== 'send' && op.kind !== 'recv') continue;
    const k = p2pIndex[i]!;
    p2pPeer[k] = op.peer;
    p2pGroup[k] = op.group === undefined ? -1 : groups.index.get(op.group) ?? -2;
    p2pTag[k] = op.tag ?? 0;
    p2pBytes[k] = op.bytes;
    p2pSend[k] = op.kind === 'send' ? 1 : 0;
  }
  return {
    program: p, index: pi, n, predStart, pred, succStart, succ, stream, streamNames, group, collShape, idIndex, dropped, p2pIndex, p2pCount,
    p2pPeer, p2pGroup, p2pTag, p2pBytes, p2pSend,
  };
}

/** Kahn's algorithm; on a cycle, walks back through unfinished predecessors to name one. */
function checkAcyclic(g: ProgramGraph, at: (op: Op | undefined, i: number) => string, scratch: Scratch): void {
  const n = g.n;
  const indeg = scratch.get(0, n);
  for (let i = 0; i < n; i++) indeg[i] = g.predStart[i + 1]! - g.predStart[i]!;
  const queue = scratch.get(1, n);
  let head = 0, tail = 0;
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue[tail++] = i;
  while (head < tail) {
    const i = queue[head++]!;
    for (let k = g.succStart[i]!; k < g.succStart[i + 1]!; k++) if (--indeg[g.succ[k]!]! === 0) queue[tail++] = g.succ[k]!;
  }
  if (tail === n) return;
  // every op left has an unfinished predecessor: follow them until one repeats
  let i = 0;
  while (indeg[i] === 0) i++;
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  while (!seenAt.has(i)) {
    seenAt.set(i, path.length);
    path.push(i);
    let next = -1;
    for (let k = g.predStart[i]!; k < g.predStart[i + 1]!; k++) if (indeg[g.pred[k]!]! > 0) { next = g.pred[k]!; break; }
    i = next;
  }
  const found = path.slice(seenAt.get(i)!).reverse(); // in dependency order: each must finish before the next
  const first = found.indexOf(Math.min(...found)); // start at the op listed first in the program
  const cycle = [...found.slice(first), ...found.slice(0, first)];
  const ops = g.program.ops;
  const streamPrev = (a: number, b: number) =>
    g.stream[b]! >= 0 && g.stream[a] === g.stream[b] && a < b && !(ops[b]!.deps ?? []).includes(ops[a]!.id);
  const steps = cycle.map((a, k) => {
    const b = cycle[(k + 1) % cycle.length]!;
    const name = ops[a]!.name ? ` "${ops[a]!.name}"` : '';
    return `op ${ops[a]!.id}${name} → ${streamPrev(a, b) ? `(stream "${g.streamNames[g.stream[b]!]}" order) ` : ''}`;
  });
  throw new TraceError(
    `${at(ops[cycle[0]!], cycle[0]!)}: dependency cycle: ${steps.join('')}op ${ops[cycle[0]!]!.id}` +
      ` (${n - tail} ops cannot start)`,
  );
}

/** The global op number paired with send or recv op i of rank r (validateTrace paired them). */
export function p2pPartnerOf(v: ValidatedTrace, r: number, i: number): number {
  return v.p2pPartner[v.p2pBase[r]! + v.programs[v.rankProgram[r]!]!.p2pIndex[i]!]!;
}

/**
 * The global rank a send/recv on rank r talks to: `peer` itself, or with `group`, the rank at index `peer` of r's
 * block of that group.
 */
export function globalPeer(op: { peer: number; group?: string }, r: number, groups: GroupTable, at: () => string, R: number): number {
  if (op.group === undefined) {
    if (op.peer >= R) throw new TraceError(`${at()}: field "peer": rank ${op.peer} does not exist in this ${R}-rank trace`);
    return op.peer;
  }
  const gi = groups.index.get(op.group);
  if (gi === undefined) throw new TraceError(`${at()}: field "group": unknown group "${op.group}"; the trace defines: ${groups.names.join(', ')}`);
  const b = groups.blockOf[gi]![r]!;
  if (b < 0) throw new TraceError(`${at()}: field "group": rank ${r} is not a member of group "${op.group}"`);
  const block = groups.blocks[gi]![b]!;
  if (op.peer >= block.length) {
    throw new TraceError(`${at()}: field "peer": index ${op.peer} is past the end of rank ${r}'s block of group "${op.group}" (${block.length} members: ${compactRanges(block)})`);
  }
  return block[op.peer]!;
}

/** Rank of a global op index (binary search over the rank bases). */
export function rankOfGlobal(base: Float64Array, g: number): number {
  let lo = 0, hi = base.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (base[mid]! <= g) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
