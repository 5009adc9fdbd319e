/**
 * The timeline of a replay as slices on threads: one process per rank, one thread per stream (plus extra lanes
 * where ops of one stream, or stream-less ops, overlap in time), flows from each send to its recv. io/chrome-trace.ts
 * writes it as a Chrome trace.
 *
 * Lanes: the ops of one (rank, stream) are placed in time order on the first lane whose last slice has ended, so the
 * slices of one thread never overlap (they touch at most) and nest trivially; under the default `streams` policy a
 * stream's ops never overlap, so each stream is one thread. Wait and marker ops (no stream) share lanes named
 * "other".
 *
 * Filters (for big runs): a set of ranks, a time window (slices that overlap it), and a cap on slices; past the cap,
 * only the slices that start first are kept, and `cut` says what was dropped and how to narrow the selection.
 */
import type { CollOp, Op } from './trace.ts';
import type { ReplayResult } from './replay.ts';
import { groupDigits } from '../units/index.ts';
import { p2pPartnerOf } from './validate.ts';

export interface TimelineOptions {
  ranks?: readonly number[];
  /** [from, to] in ns: keep slices that overlap it. */
  windowNs?: readonly [number, number];
  /** Most slices to keep (default 1,000,000). */
  maxEvents?: number;
}

export const DEFAULT_TIMELINE_MAX_EVENTS = 1_000_000;

export interface TimelineThread {
  tid: number;
  name: string;
}

export interface TimelineProcess {
  pid: number;
  name: string;
  threads: TimelineThread[];
}

export interface TimelineModel {
  processes: TimelineProcess[];
  /** Slices, in columns. Times in ns. */
  slices: { n: number; pid: Int32Array; tid: Int32Array; ts: Float64Array; dur: Float64Array; op: Int32Array };
  /** Flows: indices into the slices (send slice → recv slice). */
  flows: { n: number; from: Int32Array; to: Int32Array };
  /** Display name of slice i. */
  name(i: number): string;
  /** Category of slice i (its op kind). */
  category(i: number): string;
  /** Details of slice i for the viewer's details pane. */
  args(i: number): Record<string, unknown>;
  /** Slices that matched the rank/window filters, before the cap. */
  matched: number;
  /** Set when the cap dropped slices: what was cut and how to narrow the selection. */
  cut?: string;
}

export function buildTimeline(result: ReplayResult, opts: TimelineOptions = {}): TimelineModel {
  if (!result.startNs || !result.endNs || !result.collOf) throw new Error('buildTimeline needs a replay run with record: true');
  const res = result as ReplayResult & { startNs: Float64Array; endNs: Float64Array; collOf: Int32Array };
  const v = res.validated;
  const R = res.ranks;
  const cap = opts.maxEvents ?? DEFAULT_TIMELINE_MAX_EVENTS;
  const rankSel = new Uint8Array(R);
  if (opts.ranks) {
    for (const r of opts.ranks) if (r >= 0 && r < R) rankSel[r] = 1;
  } else rankSel.fill(1);
  const [w0, w1] = opts.windowNs ?? [-Infinity, Infinity];
  // candidates: ops of the selected ranks that overlap the window
  let matched = 0;
  for (let r = 0; r < R; r++) {
    if (!rankSel[r]) continue;
    for (let g = v.base[r]!; g < v.base[r + 1]!; g++) if (res.endNs[g]! >= w0 && res.startNs[g]! <= w1) matched++;
  }
  let cutoff = Infinity;
  let cut: string | undefined;
  if (matched > cap) {
    const starts = new Float64Array(matched);
    let k = 0;
    for (let r = 0; r < R; r++) {
      if (!rankSel[r]) continue;
      for (let g = v.base[r]!; g < v.base[r + 1]!; g++) if (res.endNs[g]! >= w0 && res.startNs[g]! <= w1) starts[k++] = res.startNs[g]!;
    }
    starts.sort();
    cutoff = starts[cap]!; // keep slices that start strictly before the (cap+1)-th start
  }
  const ops: number[] = [];
  for (let r = 0; r < R; r++) {
    if (!rankSel[r]) continue;
    for (let g = v.base[r]!; g < v.base[r + 1]!; g++) {
      if (res.endNs[g]! >= w0 && res.startNs[g]! <= w1 && res.startNs[g]! < cutoff) ops.push(g);
    }
  }
  if (matched > cap) {
    cut =
      `timeline: ${groupDigits(matched)} slices matched, more than the cap of ${groupDigits(cap)}; ` +
      `wrote the ${groupDigits(ops.length)} that start before ${groupDigits(cutoff)} ns. ` +
      'Narrow it with --timeline-ranks (e.g. 0-7) or --timeline-window (e.g. 0:5ms), or raise --timeline-max-events.';
  }

  // threads: per rank, per stream (program's stream order), lanes inside a stream when ops overlap
  const n = ops.length;
  const pid = new Int32Array(n), tid = new Int32Array(n), ts = new Float64Array(n), dur = new Float64Array(n), opOf = new Int32Array(n);
  const sliceOf = new Map<number, number>();
  const processes: TimelineProcess[] = [];
  let s = 0;
  for (let i = 0; i < n; ) {
    const r = rankOf(v.base, ops[i]!);
    let j = i;
    while (j < n && ops[j]! < v.base[r + 1]!) j++;
    const graph = v.programs[v.rankProgram[r]!]!;
    const streams = graph.streamNames.length;
    // group this rank's ops by stream (index streams = "other"), each sorted by (start, end)
    const byStream: number[][] = Array.from({ length: streams + 1 }, () => []);
    for (let k = i; k < j; k++) {
      const g = ops[k]!;
      const st = graph.stream[g - v.base[r]!]!;
      byStream[st >= 0 ? st : streams]!.push(g);
    }
    const threads: TimelineThread[] = [];
    for (let st = 0; st <= streams; st++) {
      const list = byStream[st]!;
      if (list.length === 0) continue;
      list.sort((a, b) => res.startNs[a]! - res.startNs[b]! || res.endNs[a]! - res.endNs[b]! || a - b);
      const laneEnd: number[] = [];
      const laneTid: number[] = [];
      const label = st < streams ? graph.streamNames[st]! : 'other';
      for (const g of list) {
        const t0 = res.startNs[g]!, t1 = res.endNs[g]!;
        let lane = laneEnd.findIndex((e) => e <= t0);
        if (lane < 0) {
          lane = laneEnd.length;
          laneEnd.push(t1);
          laneTid.push(threads.length);
          threads.push({ tid: threads.length, name: lane === 0 ? label : `${label} #${lane + 1}` });
        } else laneEnd[lane] = t1;
        pid[s] = r;
        tid[s] = laneTid[lane]!;
        ts[s] = t0;
        dur[s] = t1 - t0;
        opOf[s] = g;
        sliceOf.set(g, s);
        s++;
      }
    }
    processes.push({ pid: r, name: `rank ${r}`, threads });
    i = j;
  }

  const partnerOf = (g: number): number => {
    const r = rankOf(v.base, g);
    return p2pPartnerOf(v, r, g - v.base[r]!);
  };
  // flows: send → its recv, when both slices are present
  const from: number[] = [], to: number[] = [];
  for (let k = 0; k < s; k++) {
    const g = opOf[k]!;
    const op = opAt(res, g);
    if (op.kind !== 'send') continue;
    const peer = sliceOf.get(partnerOf(g));
    if (peer !== undefined) {
      from.push(k);
      to.push(peer);
    }
  }

  const collById = new Map(res.collectives.map((c) => [c.id, c]));
  return {
    processes,
    slices: { n: s, pid, tid, ts, dur, op: opOf },
    flows: { n: from.length, from: Int32Array.from(from), to: Int32Array.from(to) },
    matched,
    ...(cut ? { cut } : {}),
    name(i: number): string {
      const op = opAt(res, opOf[i]!);
      if (op.name) return op.name;
      switch (op.kind) {
        case 'coll': return op.op;
        case 'send': return `send to ${rankOf(v.base, partnerOf(opOf[i]!))}`;
        case 'recv': return `recv from ${rankOf(v.base, partnerOf(opOf[i]!))}`;
        default: return op.kind;
      }
    },
    category(i: number): string {
      return opAt(res, opOf[i]!).kind;
    },
    args(i: number): Record<string, unknown> {
      const g = opOf[i]!;
      const op = opAt(res, g);
      const a: Record<string, unknown> = { op: op.id, kind: op.kind };
      switch (op.kind) {
        case 'compute':
          if (op.flops !== undefined) a.flops = op.flops;
          if (op.bytes !== undefined) a.bytes = op.bytes;
          if (op.cpu) a.cpu = true;
          break;
        case 'coll': {
          const c = collById.get(res.collOf[g]!);
          Object.assign(a, collArgs(op));
          if (c) {
            a.algorithm = c.algorithms;
            a.chunks = c.chunks;
            a.collective = c.id;
            a.members = c.members;
          }
          break;
        }
        case 'send':
        case 'recv':
          a.peer = rankOf(v.base, partnerOf(g)); // global rank (a group-relative peer resolved)
          if (op.group !== undefined) a.group = op.group;
          a.tag = op.tag ?? 0;
          a.bytes = op.bytes;
          break;
        default:
          break;
      }
      if (op.deps && op.deps.length > 0) a.deps = op.deps;
      return a;
    },
  };
}

function collArgs(op: CollOp): Record<string, unknown> {
  return { collectiveOp: op.op, group: op.group ?? 'world', bytes: op.bytes, ...(op.root !== undefined ? { root: op.root } : {}) };
}

function rankOf(base: Float64Array, g: number): number {
  let lo = 0, hi = base.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (base[mid]! <= g) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Each program's ops as first read, per validated trace: a lazy program (trace.ts) makes its ops anew on each read
 * of another program's, and a timeline reads ops of all programs in turn.
 */
const opLists = new WeakMap<ReplayResult['validated'], (readonly Op[] | undefined)[]>();

function opAt(res: ReplayResult, g: number): Op {
  const v = res.validated;
  const r = rankOf(v.base, g);
  let lists = opLists.get(v);
  if (!lists) opLists.set(v, (lists = []));
  const pi = v.rankProgram[r]!;
  const ops = lists[pi] ?? (lists[pi] = v.programs[pi]!.program.ops);
  return ops[g - v.base[r]!]!;
}
