/**
 * Replaying one representative rank per symmetric set instead of all of them: how the `training` validation suite
 * keeps runs of 1,000-3,000 GPUs to a second or a few each.
 *
 * The folded trace keeps the full run's ranks, topology and placement; only the ranks with data-parallel index 0
 * (and, with `tp`, tensor-parallel index 0) run their programs, every other rank gets an empty program. A
 * collective whose group has members outside the kept ranks becomes a `wait` of the NCCL-like model's time for the
 * full group (same stream, same dependencies); collectives among kept ranks (the embedding group) and pipeline
 * send/recv stay as they are.
 *
 * Why the step time stays the same: under `--algo auto` on a cluster preset a collective takes the model's time for
 * its operation, bytes and group shape from when its last member joins, and sends no messages
 * (workload/nccl-timing.ts). The data-parallel replicas, and the tensor-parallel ranks of a stage, run the same
 * programs on symmetric hardware (one NIC per GPU, so their pipeline sends share no link), so the members of such a
 * collective join it at the same instant and the wait ends when the collective would have. One collective also
 * spans pipeline stages, gradient clipping's norm over the model-parallel group: as a wait it no longer makes the
 * stages wait for the last one, which leaves the step time unchanged when the stage that joins it last also has the
 * most work after it (the first stage, which ends the 1F1B schedule and holds the embedding).
 * tests/validate.training.test.ts compares folded and full runs of small plans to the nanosecond.
 *
 * The per-rank breakdown differs: the waits count as `other`, not communication, and folded ranks are idle.
 */
import { InputError } from '../../io/index.ts';
import type { Topology } from '../../network/index.ts';
import { NcclTimer, streamOf, type CollOp, type Op, type Program, type Trace } from '../../workload/index.ts';
import type { CollectiveOp } from '../../collectives/index.ts';

export interface Folded {
  trace: Trace;
  /** Ranks that still run their programs. */
  active: number;
  /** Collective ops (per program) replaced by waits of the full group's time. */
  replaced: number;
}

interface Parallel {
  tp: number;
  pp: number;
  dp: number;
  ep?: number;
  order?: ('tp' | 'dp' | 'pp')[];
}

function parallelOf(trace: Trace): Parallel {
  const w = trace.meta?.workload as { mode?: string; parallel?: Parallel } | undefined;
  if (!w || w.mode !== 'train' || !w.parallel) throw new InputError(`${trace.meta?.name ?? 'trace'}: folding needs a generated training step (meta.workload.parallel)`);
  return w.parallel;
}

/** Folds `full` (a generated training step on the cluster preset `topology`) onto dp = 0 (and tp = 0 with `tp`). */
export function foldReplicas(full: Trace, topology: Topology, opts: { tp?: boolean } = {}): Folded {
  const par = parallelOf(full);
  const name = full.meta?.name ?? 'trace';
  const fail = (why: string): never => {
    throw new InputError(`${name}: cannot fold the data-parallel replicas: ${why}`);
  };
  if (!topology.cluster) fail(`topology ${topology.name} is not a cluster preset (the NCCL-like model times the replaced collectives)`);
  if ((par.ep ?? 1) > 1) fail('expert parallelism (its all-to-alls cross replicas)');
  // rank coordinates, as the generator lays them out (order innermost first)
  const size = { tp: par.tp, dp: par.dp, pp: par.pp };
  const order = par.order ?? ['tp', 'dp', 'pp'];
  const kept = (r: number): boolean => {
    let rest = r;
    for (const ax of order) {
      const c = rest % size[ax];
      rest = Math.floor(rest / size[ax]);
      if ((ax === 'dp' || (ax === 'tp' && opts.tp)) && c !== 0) return false;
    }
    return true;
  };

  const crossing = new Map<string, number[][]>();
  for (const [g, v] of Object.entries(full.groups ?? {})) {
    const blocks = (Array.isArray(v[0]) ? v : [v]) as number[][];
    if (blocks.some((b) => b.some(kept) && !b.every(kept))) crossing.set(g, blocks);
  }

  const timer = new NcclTimer(topology);
  const blockIds = new Map<number[], number>();
  const shapeIds = new Map<string, number>();
  const timeOf = (block: number[], op: CollectiveOp, bytes: number): number => {
    let b = blockIds.get(block);
    if (b === undefined) blockIds.set(block, (b = blockIds.size));
    const sk = `${op}|${bytes}`;
    let s = shapeIds.get(sk);
    if (s === undefined) shapeIds.set(sk, (s = shapeIds.size));
    const t = timer.time(b, s, block, op, bytes);
    return t ? t.timeNs : fail(`the NCCL-like model does not time ${op}`);
  };

  // a crossing group whose blocks hold several kept ranks synchronises them (clipping's norm across stages): it
  // stays a collective among the kept members (group `NAME.kept`), followed by a wait of the rest of the full
  // group's time, so that it still ends at the last join plus the full group's time
  const keptGroups: Record<string, number[][]> = {};
  const keptBlockOf = new Map<string, Map<number, number[]>>();
  for (const [g, blocks] of crossing) {
    const kb = blocks.map((b) => b.filter(kept)).filter((b) => b.length > 0);
    if (kb.some((b) => b.length > 1)) {
      keptGroups[`${g}.kept`] = kb;
      const m = new Map<number, number[]>();
      for (const b of kb) for (const r of b) m.set(r, b);
      keptBlockOf.set(g, m);
    }
  }

  /** The block of `g` that holds rank r (looked up once per group and rank). */
  const blockCache = new Map<string, Map<number, number[]>>();
  const blockOf = (g: string, blocks: number[][], r: number): number[] => {
    let m = blockCache.get(g);
    if (!m) {
      blockCache.set(g, (m = new Map()));
      for (const b of blocks) for (const x of b) if (kept(x)) m.set(x, b);
    }
    return m.get(r) ?? fail(`rank ${r} is in no block of group ${g}`);
  };
  let replaced = 0;
  /** The ops that replace collective `op` on group g (whose blocks reach folded ranks) for the kept ranks `mine`. */
  const replace = (op: CollOp, g: string, blocks: number[][], mine: number[], newId: () => number): Op[] => {
    const sync = keptBlockOf.get(g);
    // every kept rank of the program waits its own block's time (less its kept members' collective); symmetric
    // blocks give one time
    const times = new Set(mine.map((r) => {
      const t = timeOf(blockOf(g, blocks, r), op.op, op.bytes);
      return sync ? t - timeOf(sync.get(r)!, op.op, op.bytes) : t;
    }));
    if (times.size !== 1) fail(`the blocks of group ${g} take different times for ${op.name ?? op.id}`);
    const rest = [...times][0]!;
    if (rest < 0) fail(`${op.name ?? op.id} on the kept ranks of ${g} alone takes longer than on the full group`);
    replaced++;
    const stream = streamOf(op) ?? null;
    const label = op.name !== undefined ? { name: `${op.name} (full-group time)` } : {};
    if (!sync) return [{ id: op.id, kind: 'wait', durationNs: rest, ...label, ...(op.deps ? { deps: op.deps } : {}), stream }];
    const collId = newId();
    return [{ ...op, id: collId, group: `${g}.kept` }, { id: op.id, kind: 'wait', durationNs: rest, ...label, deps: [collId], stream }];
  };

  let active = 0;
  const idle: number[] = [];
  const programs: Program[] = [];
  const world = [Array.from({ length: full.ranks }, (_, i) => i)];
  for (const prog of full.programs) {
    const mine = prog.ranks.filter(kept);
    for (const r of prog.ranks) if (!kept(r)) idle.push(r);
    if (mine.length === 0) continue;
    active += mine.length;
    let nextId = prog.ops.reduce((m, o) => Math.max(m, o.id), -1) + 1;
    const newId = (): number => nextId++;
    const ops: Op[] = [];
    for (const op of prog.ops) {
      if (op.kind === 'coll') {
        const g = op.group ?? 'world';
        const blocks = g === 'world' ? world : crossing.get(g);
        if (blocks) {
          for (const x of replace(op, g, blocks, mine, newId)) ops.push(x);
          continue;
        }
      } else if ((op.kind === 'send' || op.kind === 'recv') && op.group !== undefined && crossing.has(op.group)) {
        fail(`${op.kind} "${op.name ?? op.id}" names group ${op.group}, which crosses the folded ranks`);
      }
      ops.push(op);
    }
    programs.push({ ranks: mine, ops });
  }
  if (idle.length > 0) programs.push({ ranks: idle.sort((a, b) => a - b), ops: [] });
  const groups: Record<string, number[] | number[][]> = { ...keptGroups };
  for (const [g, v] of Object.entries(full.groups ?? {})) if (!crossing.has(g)) groups[g] = v;
  const what = opts.tp ? `${par.dp} data-parallel replicas and ${par.tp} tensor-parallel ranks` : `${par.dp} data-parallel replicas`;
  return { trace: { ...full, meta: { ...full.meta, name: `${name} (folded: one of ${what})` }, groups, programs }, active, replaced };
}
