/**
 * One collective on one cluster: spec in, report out. This is what `orrery collective` runs, and what sweeps run
 * for each point.
 */
import { checkResultTime, checkWork, DEFAULT_MAX_EVENTS } from '../units/index.ts';
import { estimateCollectiveEvents } from './work-estimate.ts';
import {
  busBwFactor, CollectiveSystem, COLLECTIVE_OPS, CollectiveError, DEFAULT_SYSTEM, describeStall, ncclChoose, ncclShape,
  ncclCandidates, ncclTestsBytes, parseAlgorithm, type AlgorithmSpec, type CollectiveOp, type NcclCandidate, type SystemOptions,
} from '../collectives/index.ts';
import { Engine, type SchedulerName } from '../engine/index.ts';
import { createNetworkModel, DEFAULT_NETWORK_MODEL, type Topology } from '../network/index.ts';

export interface CollectiveSpec {
  topology: Topology;
  op: CollectiveOp;
  /** Bytes per rank (all-gather: each rank's input). */
  bytes: number;
  /**
   * One algorithm for every dimension, or one per dimension. Default: ring. `auto` (alone): NCCL's choice from the
   * NCCL-like model on a cluster preset (topology.cluster); on a topology without cluster facts, ring.
   */
  algorithms?: readonly (AlgorithmSpec | string)[];
  /** Network model name. Default: DEFAULT_NETWORK_MODEL (flow). */
  model?: string;
  system?: Partial<SystemOptions>;
  /** Global NPU ids taking part (default: all). */
  group?: readonly number[];
  /** Root for broadcast and reduce (default: the first member). */
  root?: number;
  scheduler?: SchedulerName;
  /** Refuse a collective estimated above this many events, and stop a run past it. Default DEFAULT_MAX_EVENTS. */
  maxEvents?: number;
  /** Progress during the run (the engine's `onProgress`). */
  onProgress?: (events: number, nowNs: number) => void;
}

export interface CollectiveReport {
  op: CollectiveOp;
  /** Bytes per rank as given. */
  bytes: number;
  /** Ranks taking part. */
  npus: number;
  topology: string;
  model: string;
  algorithms: string[];
  chunks: number;
  composition: string;
  /** When the last rank finished (the collective's time), ns. */
  timeNs: number;
  /** When the first rank finished, ns. */
  minTimeNs: number;
  /** nccl-tests algorithm bandwidth: S / timeNs, with S the nccl-tests size (all-gather: bytes × ranks). GB/s. */
  algBwGBps: number;
  /** nccl-tests bus bandwidth: algBw × factor (all-reduce 2(p−1)/p; RS, AG, A2A (p−1)/p; broadcast, reduce 1). */
  busBwGBps: number;
  events: number;
  messages: number;
  wallMs: number;
  /** Finish time of each rank, in group order. */
  perRankNs: number[];
  /** With `auto` on a cluster preset: what the NCCL-like model chose and why (docs/collectives-nccl.md). */
  nccl?: {
    algorithm: string;
    protocol: string;
    channels: number;
    latencyNs: number;
    nodes: number;
    ranksPerNode: number;
    /** Every candidate's predicted time, ns, by `algorithm/protocol`. */
    candidates: Record<string, number>;
  };
  /** With in-network reduction (NVLS, CollNet): algBw × (p−1)/(p+1), nccl-tests' factor for it. GB/s. */
  inNetworkBusBwGBps?: number;
}

/** True when `algorithms` asks for NCCL's automatic choice. */
export function isAuto(algorithms: readonly (AlgorithmSpec | string)[] | undefined): boolean {
  return algorithms !== undefined && algorithms.length === 1 && algorithms[0] === 'auto';
}

export function algorithmLabel(a: AlgorithmSpec): string {
  const name = a.flat ? `one${a.name[0]!.toUpperCase()}${a.name.slice(1)}` : a.name;
  return a.window !== undefined ? `${name}${a.window}` : name;
}

/**
 * The system options a run uses: the ASTRA-sim compatibility models imply ASTRA-sim's arithmetic (flavor `astra`)
 * unless the options name a flavor.
 */
export function systemFor(model: string, system: Partial<SystemOptions> = {}): Partial<SystemOptions> {
  return model.startsWith('astra-') && system.flavor === undefined ? { ...system, flavor: 'astra' } : system;
}

export function runCollective(spec: CollectiveSpec): CollectiveReport {
  if (!COLLECTIVE_OPS.includes(spec.op)) {
    throw new CollectiveError(`unknown operation "${spec.op}"; expected one of: ${COLLECTIVE_OPS.join(', ')}`);
  }
  const model = spec.model ?? DEFAULT_NETWORK_MODEL;
  if (isAuto(spec.algorithms)) {
    if (model.startsWith('astra-')) {
      throw new CollectiveError(`--algo auto applies to the native models (analytical, flow); ${model} takes explicit algorithms (ring, direct, halvingDoubling, doubleBinaryTree)`);
    }
    if (spec.topology.cluster) return runNcclCollective(spec, model);
  }
  const algorithms = (isAuto(spec.algorithms) ? ['ring'] : spec.algorithms ?? ['ring'])
    .map((a) => (typeof a === 'string' ? parseAlgorithm(a) : a));
  const maxEvents = spec.maxEvents ?? DEFAULT_MAX_EVENTS;
  if (!spec.group) {
    const chunks = spec.system?.chunks ?? DEFAULT_SYSTEM.chunks;
    checkWork(
      estimateCollectiveEvents(spec.topology, spec.op, algorithms, chunks), maxEvents,
      `this ${spec.op} (${spec.topology.npus} NPUs, ${chunks} chunk${chunks === 1 ? '' : 's'})`,
    );
  }
  const t0 = performance.now();
  const engine = new Engine({ ...(spec.scheduler ? { scheduler: spec.scheduler } : {}), maxEvents, ...(spec.onProgress ? { onProgress: spec.onProgress } : {}) });
  const network = createNetworkModel(model, engine, spec.topology);
  // the ASTRA-sim models come with ASTRA-sim's system-layer arithmetic unless the caller says otherwise
  // this collective is the engine's only work: messages due back to back may share an event (collectives/coalesce.ts)
  const system = new CollectiveSystem(engine, network, systemFor(model, spec.system), { ownsEngine: true });
  const c = system.start({
    op: spec.op,
    bytes: spec.bytes,
    algorithms,
    ...(spec.group ? { group: spec.group } : {}),
    ...(spec.root !== undefined ? { root: spec.root } : {}),
  });
  const stats = engine.run();
  const wallMs = performance.now() - t0;
  if (c.membersDone !== c.size) {
    const why = system.options.flavor === 'astra'
      ? 'ASTRA-sim\'s queues deadlock like this too: ranks of one line run different chunks\' phases and wait for ' +
        'each other; more active chunks per dimension or the baseline composition may avoid it'
      : 'a bug: please report it';
    throw new CollectiveError(
      `the ${spec.op} stalled: ${c.size - c.membersDone} of ${c.size} ranks never finished (${why}); stuck: ${describeStall(c)}`,
    );
  }
  const p = c.size;
  let minTime = Infinity;
  for (const t of c.doneAt) minTime = Math.min(minTime, t);
  const timeNs = checkResultTime(c.endNs, 'the collective\'s time');
  for (const t of c.doneAt) checkResultTime(t, 'a rank\'s finish time');
  return {
    op: spec.op,
    bytes: spec.bytes,
    npus: p,
    topology: spec.topology.name,
    model,
    algorithms: algorithms.map(algorithmLabel),
    chunks: c.chunks,
    composition: system.options.composition ?? DEFAULT_SYSTEM.composition,
    timeNs,
    minTimeNs: p > 0 ? minTime : 0,
    ...bandwidths(spec.op, spec.bytes, p, timeNs),
    events: stats.events,
    messages: network.stats().messages,
    wallMs,
    perRankNs: Array.from(c.doneAt),
  };
}

/**
 * nccl-tests' figures for a collective of `bytesPerRank` on p ranks that took timeNs: algBw = S / t, with S the
 * all-gather's whole output (count × size × p) and each rank's buffer otherwise; busBw = algBw × the op's factor.
 */
function bandwidths(op: CollectiveOp, bytesPerRank: number, p: number, timeNs: number): { algBwGBps: number; busBwGBps: number } {
  const s = op === 'allgather' ? bytesPerRank * p : bytesPerRank;
  const algBwGBps = timeNs > 0 ? s / timeNs : 0;
  return { algBwGBps, busBwGBps: algBwGBps * busBwFactor(op, p) };
}

/**
 * `auto` on a cluster preset: the NCCL-like model's time for the collective, decided once for its shape. The model
 * is closed-form (NCCL's tuner arithmetic on the preset's achieved link figures), so it runs no events: an isolated
 * collective has no contention to simulate, and analytical and flow give the same figure.
 */
function runNcclCollective(spec: CollectiveSpec, model: string): CollectiveReport {
  const t0 = performance.now();
  const cluster = spec.topology.cluster!;
  const group = spec.group ?? Array.from({ length: spec.topology.npus }, (_, i) => i);
  const p = group.length;
  const shape = ncclShape(spec.topology, cluster, group);
  const bytes = ncclTestsBytes(spec.op, spec.bytes, p);
  const candidates: Record<string, number> = {};
  if (spec.op === 'barrier') throw new CollectiveError('--algo auto: barrier is not modelled by the NCCL-like model; give an explicit algorithm');
  for (const c of ncclCandidates(spec.op, bytes, shape)) candidates[`${c.algo}/${c.proto}`] = Math.round(c.timeNs);
  const best: NcclCandidate = ncclChoose(spec.op, bytes, shape);
  const timeNs = Math.round(best.timeNs);
  const bw = bandwidths(spec.op, spec.bytes, p, timeNs);
  const inNetwork = best.algo === 'nvls' || best.algo === 'nvlsTree' || best.algo === 'collnet';
  return {
    op: spec.op,
    bytes: spec.bytes,
    npus: p,
    topology: spec.topology.name,
    model,
    algorithms: [`auto: ${best.algo}/${best.proto}`],
    chunks: 1,
    composition: 'nccl',
    timeNs,
    minTimeNs: timeNs,
    ...bw,
    events: 0,
    messages: 0,
    wallMs: performance.now() - t0,
    perRankNs: group.map(() => timeNs),
    nccl: {
      algorithm: best.algo,
      protocol: best.proto,
      channels: cluster.channels,
      latencyNs: Math.round(best.latencyNs),
      nodes: shape.nNodes,
      ranksPerNode: shape.ranksPerNode,
      candidates,
    },
    ...(inNetwork ? { inNetworkBusBwGBps: (bw.algBwGBps * (p - 1)) / (p + 1) } : {}),
  };
}
