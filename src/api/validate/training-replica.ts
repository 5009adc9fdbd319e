/**
 * Replaying one data-parallel replica of a generated training step instead of all of them: how the `training`
 * validation suite keeps runs of 1,000-3,000 GPUs under a second or two each.
 *
 * Why it gives the same step time: under `--algo auto` on a cluster preset, every collective takes the NCCL-like
 * model's time for its operation, bytes and group shape, counted from when its last member joins, and sends no
 * messages (workload/nccl-timing.ts). The data-parallel replicas of a generated step run the same programs on
 * symmetric hardware (one NIC per GPU, TP groups inside a node), so their members join each data-parallel
 * collective at the same instant. Replaying replica 0 alone, with each collective whose group crosses replicas
 * replaced by a `wait` of the model's time for the full group (on the same stream, with the same dependencies),
 * therefore reproduces the full run's step time; tests/validate.training.test.ts checks this on small plans, to the
 * nanosecond. Pipeline send/recv and collectives inside the replica (TP, the embedding group, clipping's norm) stay
 * as they were. The per-rank breakdown differs in one way: the replaced collectives count as waits (`other`), not
 * communication.
 *
 * Preconditions (checked, with an InputError naming the one that fails): rank order tp, dp, pp; the replica's TP
 * groups and pipeline neighbours sit on the same kind of links as in the full run (TP a whole number of nodes, or a
 * single stage with TP inside one node); pipeline peers addressed through a group; no expert parallelism.
 */
import { InputError } from '../../io/index.ts';
import type { Topology } from '../../network/index.ts';
import { NcclTimer, streamOf, type Op, type Program, type Trace } from '../../workload/index.ts';
import type { CollectiveOp } from '../../collectives/index.ts';

export interface Replica {
  /** The trace of replica 0, ranks renumbered tp + T·pp. */
  trace: Trace;
  /** Nodes of the cluster preset the replica runs on. */
  nodes: number;
  /** Collective ops (per program) replaced by waits of the full group's time. */
  replaced: number;
}

interface Parallel {
  tp: number;
  pp: number;
  dp: number;
  ep?: number;
  order?: string[];
}

function parallelOf(trace: Trace): Parallel {
  const w = trace.meta?.workload as { mode?: string; parallel?: Parallel } | undefined;
  if (!w || w.mode !== 'train' || !w.parallel) throw new InputError(`${trace.meta?.name ?? 'trace'}: one-replica replay needs a generated training step (meta.workload.parallel)`);
  return w.parallel;
}

/**
 * Folds `full` (a generated training step on `fullTopology`, a cluster preset with `gpusPerNode` GPUs per node)
 * onto its data-parallel replica 0.
 */
export function oneReplica(full: Trace, fullTopology: Topology): Replica {
  const par = parallelOf(full);
  const { tp: T, pp: P, dp: D } = par;
  const name = full.meta?.name ?? 'trace';
  const fail = (why: string): never => {
    throw new InputError(`${name}: cannot replay one data-parallel replica: ${why}`);
  };
  if (!fullTopology.cluster) fail(`topology ${fullTopology.name} is not a cluster preset (the NCCL-like model times the replaced collectives)`);
  const gpn = fullTopology.dims[0]!.npus;
  if ((par.order ?? ['tp', 'dp', 'pp']).join(',') !== 'tp,dp,pp') fail(`rank order ${par.order!.join(',')}; expected tp,dp,pp`);
  if ((par.ep ?? 1) > 1) fail('expert parallelism (its all-to-alls cross replicas)');
  if (!(T % gpn === 0 || (P === 1 && gpn % T === 0))) {
    fail(`TP ${T} with PP ${P} on nodes of ${gpn} GPUs: the replica's pipeline neighbours would not sit on the links they use in the full run`);
  }
  const inReplica = (r: number): boolean => Math.floor(r / T) % D === 0;
  const renumber = (r: number): number => (r % T) + T * Math.floor(r / (T * D));
  const ranks = T * P;

  // groups: kept (blocks inside replica 0, renumbered) or crossing replicas (their collectives become waits)
  const groups: Record<string, number[][]> = {};
  const crossing = new Map<string, number[][]>();
  for (const [g, v] of Object.entries(full.groups ?? {})) {
    const blocks = (Array.isArray(v[0]) ? v : [v]) as number[][];
    const touched = blocks.filter((b) => b.some(inReplica));
    if (touched.length === 0) continue;
    if (touched.every((b) => b.every(inReplica))) groups[g] = touched.map((b) => b.map(renumber));
    else crossing.set(g, touched);
  }

  const timer = new NcclTimer(fullTopology);
  const blockIds = new Map<number[], number>();
  const shapeIds = new Map<string, number>();
  const timeOf = (block: number[], op: CollectiveOp, bytes: number): number => {
    let b = blockIds.get(block);
    if (b === undefined) blockIds.set(block, (b = blockIds.size));
    const sk = `${op}|${bytes}`;
    let s = shapeIds.get(sk);
    if (s === undefined) shapeIds.set(sk, (s = shapeIds.size));
    const t = timer.time(b, s, block, op, bytes);
    if (!t) fail(`the NCCL-like model does not time ${op}`);
    return t!.timeNs;
  };

  let replaced = 0;
  const programs: Program[] = [];
  for (const prog of full.programs) {
    const mine = prog.ranks.filter(inReplica);
    if (mine.length === 0) continue;
    const ops: Op[] = prog.ops.map((op) => {
      if ((op.kind === 'send' || op.kind === 'recv') && (op.group === undefined || crossing.has(op.group))) {
        fail(`${op.kind} "${op.name ?? op.id}" names ${op.group === undefined ? 'a global peer' : `group ${op.group}, which crosses replicas`}`);
      }
      if (op.kind !== 'coll') return op;
      const g = op.group ?? 'world';
      const blocks = g === 'world' ? [Array.from({ length: full.ranks }, (_, i) => i)] : crossing.get(g);
      if (!blocks) return op;
      // every rank of the program waits the time of its own block; symmetric blocks give one time
      const times = new Set(mine.map((r) => timeOf(blocks.find((b) => b.includes(r)) ?? fail(`rank ${r} is in no block of group ${g}`), op.op, op.bytes)));
      if (times.size !== 1) fail(`the blocks of group ${g} take different times for ${op.name ?? op.id}`);
      replaced++;
      const stream = streamOf(op);
      return {
        id: op.id, kind: 'wait', durationNs: [...times][0]!, ...(op.name !== undefined ? { name: `${op.name} (full-group time)` } : {}),
        ...(op.deps ? { deps: op.deps } : {}), ...(stream !== undefined ? { stream } : { stream: null }),
      } satisfies Op;
    });
    programs.push({ ranks: mine.map(renumber), ops });
  }
  const trace: Trace = {
    ...full,
    meta: { ...full.meta, name: `${name} (one of ${D} data-parallel replicas)` },
    ranks,
    groups,
    programs,
  };
  return { trace, nodes: Math.ceil(ranks / gpn), replaced };
}
