/**
 * Replay identity: a few generated training steps (coarse and megatron kernels, pipeline parallelism, interleaving,
 * sequence parallelism, NCCL-timed and simulated collectives, jitter and stragglers) replayed with every op's
 * times recorded, reduced to a digest of everything a run reports: step time, per-rank end and breakdown, every
 * collective record (id, group, block, instance, start, last join, end, algorithm), and every op's start, end and
 * collective. tests/replay.identity.test.ts compares the digests with those of the replay before it was optimised.
 *
 * The traces are committed (tests/replay-identity/*.msgpack.gz, written by
 * `node --import tsx tests/helpers/replay-identity-make.ts`) so that changes to the generators do not move them.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CollectiveSystem, parseAlgorithm } from '../../src/collectives/index.ts';
import { Engine } from '../../src/engine/index.ts';
import { createNetworkModel } from '../../src/network/index.ts';
import { readTraceFile } from '../../src/io/index.ts';
import { createComputeModel, generateWorkload, resolveTopology, type Trace } from '../../src/api/index.ts';
import { systemFor } from '../../src/api/collective.ts';
import { getDevice, NcclTimer, runReplay, validateTrace, type IssuePolicy } from '../../src/workload/index.ts';
import { ROOT } from './cli.ts';

export const IDENTITY_DIR = join(ROOT, 'tests', 'replay-identity');

export interface IdentityCase {
  name: string;
  /** How the committed trace was generated (replay-identity-make.ts), or a trace file in traces/. */
  workload?: { name: string; set: Record<string, string | number | boolean> };
  file?: string;
  topology: string;
  model: string;
  /** `auto`: the NCCL-like timer on a cluster preset; else algorithm names. */
  algo: string;
  device?: string;
  policy?: IssuePolicy;
  jitter?: number;
  seed?: number;
  stragglers?: [number, number][];
}

const small = { 'model.layers': 8, 'training.microBatch': 1 };

export const IDENTITY_CASES: IdentityCase[] = [
  {
    name: 'coarse-1f1b-nccl-flow',
    workload: { name: 'gpt-13b', set: { ...small, 'training.parallel.tp': 2, 'training.parallel.pp': 4, 'training.parallel.dp': 2, 'training.globalBatch': 16 } },
    topology: 'dgx-a100:2', model: 'flow', algo: 'auto', device: 'A100-SXM4-80GB',
  },
  {
    name: 'megatron-interleaved-recompute-nccl-flow',
    workload: {
      name: 'gpt-13b',
      set: {
        ...small, 'training.kernels': 'megatron', 'training.parallel.tp': 2, 'training.parallel.pp': 2, 'training.parallel.dp': 2,
        'training.parallel.virtualStages': 2, 'training.parallel.recompute': 'full', 'training.globalBatch': 8,
      },
    },
    topology: 'dgx-a100:1', model: 'flow', algo: 'auto', device: 'A100-SXM4-80GB',
  },
  {
    name: 'megatron-sp-selective-ring-analytical-jitter',
    workload: {
      name: 'gpt-13b',
      set: {
        ...small, 'training.kernels': 'megatron', 'training.flashAttention': false, 'training.parallel.tp': 4, 'training.parallel.pp': 2,
        'training.parallel.dp': 1, 'training.parallel.sp': true, 'training.parallel.recompute': 'selective', 'training.globalBatch': 6,
      },
    },
    topology: 'switch:4,switch:2', model: 'analytical', algo: 'ring', device: 'A100-SXM4-80GB', jitter: 0.05, seed: 7, stragglers: [[3, 1.3]],
  },
  {
    name: 'megatron-gpipe-zero1-ring-flow',
    workload: {
      name: 'gpt-13b',
      set: {
        ...small, 'training.kernels': 'megatron', 'training.parallel.tp': 2, 'training.parallel.pp': 2, 'training.parallel.dp': 2,
        'training.parallel.schedule': 'gpipe', 'training.parallel.zero': 1, 'training.globalBatch': 8,
      },
    },
    topology: 'ring:2,switch:4', model: 'flow', algo: 'ring', device: 'H100-SXM5-80GB',
  },
  {
    name: 'megatron-1f1b-32-ranks-nccl-flow',
    workload: {
      name: 'gpt-13b',
      set: { ...small, 'training.kernels': 'megatron', 'training.parallel.tp': 4, 'training.parallel.pp': 4, 'training.parallel.dp': 2, 'training.globalBatch': 32 },
    },
    topology: 'dgx-a100:4', model: 'flow', algo: 'auto', device: 'A100-SXM4-80GB',
  },
  { name: 'dp-overlap-astra-policy', file: 'dp-overlap-4.json', topology: 'ring:4', model: 'analytical', algo: 'ring', policy: 'astra' },
  { name: 'pipeline-4-streams', file: 'pipeline-4.json', topology: 'ring:4', model: 'analytical', algo: 'ring' },
];

/** The trace of a case: its committed fixture, or the file in traces/. */
export function identityTrace(c: IdentityCase): Trace {
  return readTraceFile(c.file ? join(ROOT, 'traces', c.file) : join(IDENTITY_DIR, `${c.name}.msgpack.gz`)).trace;
}

/** Generates a case's trace with the current generator (for replay-identity-make.ts). */
export function generateIdentityTrace(c: IdentityCase): Trace {
  const dims = resolveTopology({ topology: c.topology }).topology.dims.map((d) => d.npus);
  return generateWorkload(c.workload!.name, { dims, set: c.workload!.set });
}

export interface IdentityResult {
  stepNs: number;
  ops: number;
  collectives: number;
  events: number;
  /** sha256 of everything the run reports but collective ids (see the file comment), hex, first 16 characters. */
  digest: string;
  /** sha256 of the collective ids in the report's order. */
  idDigest: string;
}

/** Replays a case as `runTrace` does, with every op's times recorded, and digests the result. */
export function replayIdentity(c: IdentityCase, trace: Trace = identityTrace(c)): IdentityResult {
  const { topology } = resolveTopology({ topology: c.topology });
  const policy = c.policy ?? 'streams';
  const v = validateTrace(trace, { streamOrder: policy !== 'astra' });
  const device = c.device ? getDevice(c.device) : undefined;
  const engine = new Engine();
  const network = createNetworkModel(c.model, engine, topology);
  const system = new CollectiveSystem(engine, network, systemFor(c.model, {}));
  const auto = c.algo === 'auto';
  const nccl = auto && topology.cluster ? new NcclTimer(topology) : undefined;
  const algorithms = (auto ? ['ring'] : c.algo.split(',')).map((a) => parseAlgorithm(a, 'algo'));
  const { result: r, events } = runReplay(engine, network, system, v, {
    algorithms, ...(nccl ? { nccl } : {}), policy, record: true,
    compute: {
      ...(device ? { device, model: createComputeModel({ name: 'kernel', device }) } : {}),
      computeScale: 1, stragglers: new Map(c.stragglers ?? []), jitter: c.jitter ?? 0, seed: c.seed ?? 1,
    },
  });
  // collectives by their place in the report's order (first join, group, block, instance), not by id: ids number
  // collectives in the order they were made, which among collectives first joined at the same ns follows the
  // order of simultaneous events
  const place = new Map<number, number>();
  const h = createHash('sha256'), ids = createHash('sha256');
  const nums = (a: ArrayLike<number>) => h.update(Float64Array.from(a));
  nums([r.stepNs, r.ranks, r.totalOps]);
  nums(r.rankEndNs); nums(r.computeNs); nums(r.overlappedCommNs); nums(r.exposedCommNs); nums(r.otherNs);
  for (let k = 0; k < r.collectiveCount; k++) {
    const x = r.collective(k);
    place.set(x.id, k);
    ids.update(`${x.id},`);
    h.update(JSON.stringify([x.op, x.group, x.block, x.seq, x.members, x.bytes, x.algorithms, x.chunks, x.startNs, x.lastJoinNs, x.endNs, x.name ?? '']));
  }
  nums(r.startNs!); nums(r.endNs!); nums(Array.from(r.collOf!, (id) => (id < 0 ? -1 : place.get(id)!)));
  return { stepNs: r.stepNs, ops: r.totalOps, collectives: r.collectiveCount, events, digest: h.digest('hex').slice(0, 16), idDigest: ids.digest('hex').slice(0, 16) };
}
