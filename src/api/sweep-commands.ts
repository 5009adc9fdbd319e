/**
 * What can be swept: one entry per single-run command, by name. Each entry lists its parameters (the same options
 * the single-run command takes, with the same flags and units), the metric columns a point produces, how a point's
 * parameters resolve into the options of one run (main thread, cheap), and how to run it (worker thread).
 *
 * `collective` sweeps single collectives; `run` sweeps a generated training step (a workload description and its
 * parallelism plan: tensor/pipeline/data/expert degrees, microbatches, schedule, ZeRO stage) over clusters, with
 * the step-time metrics of the replay. The CLI registers `orrery sweep <name>` for every entry.
 */
import { COMPUTE_MODELS } from '../compute/index.ts';
import { DEFAULT_COMPUTE_MODEL } from './compute.ts';
import { COLLECTIVE_OPS, COMPOSITIONS, parseAlgorithm } from '../collectives/index.ts';
import { SCHEDULER_NAMES, type SchedulerName } from '../engine/index.ts';
import { InputError, readAstraNetwork } from '../io/index.ts';
import { DEFAULT_NETWORK_MODEL, networkModelNames } from '../network/index.ts';
import { algorithmLabel } from './collective.ts';
import { runCollectiveOptions } from './collective-options.ts';
import { buildFamily, familyNames, TOPOLOGY_FAMILIES } from './families.ts';
import type { ParamValue, SweepParam } from './sweep-params.ts';
import { resolveTopology } from './topology.ts';
import { runTrace } from './run.ts';
import { generateWorkload, kernelDetailFor, loadWorkloadSpec, namedWorkloads, workloadMemory } from './workloads.ts';
import { deviceNames, getDevice, ISSUE_POLICIES, type IssuePolicy } from '../workload/index.ts';
import { GiB } from './memory.ts';
import { SERVE_SWEEP } from './sweep-serve.ts';

/** A row's parameter cells by column: a value, or '' for "not given" (the command's own default applies). */
export type ParamRow = Record<string, ParamValue | ''>;

export interface MetricColumn {
  column: string;
  /** `number` columns are numbers in JSON lines; `string` columns strings. */
  type: 'number' | 'string';
  help: string;
}

/** A panel of the plot: one metric column against the swept size. */
export interface PlotPanel {
  column: string;
  /** What it is, e.g. "bus bandwidth". */
  label: string;
  /** Its unit: 'ns' picks ns/µs/ms/s to fit the data; anything else is printed as given (GB/s). */
  unit: string;
}

export interface SweepCommand {
  summary: string;
  /** In cross-product order: the first varies slowest. */
  params: SweepParam[];
  metrics: MetricColumn[];
  /** Checks which parameters were given together (before any point runs); throws an InputError. */
  checkGrid(given: ReadonlySet<string>): void;
  /**
   * A point's parameters as its row shows them, with derived ones filled in (a family's topology). Runs on the
   * main thread for every point, so it must be cheap and deterministic. Throws a known error for a point that
   * cannot run; the sweep records it and goes on.
   */
  resolve(point: ParamRow): ParamRow;
  /** Runs one resolved point (in a worker thread). Returns the metric columns. */
  run(row: ParamRow): Record<string, number | string>;
  /**
   * The plot: `x` lists columns to put on the x axis, in order of preference (the first that varies); `series`
   * lists columns that, when they vary, split the rows into lines; `panels` are the metrics drawn.
   */
  plot: {
    x: string[]; series: string[]; panels: PlotPanel[];
    /** Axis names of x columns that are neither `npus` nor bytes, e.g. `{ qps: 'request rate (requests/s)' }`. */
    xAxes?: Record<string, string>;
  };
}

const perDim = (v: ParamValue | '' | undefined): number[] | undefined =>
  v === undefined || v === '' ? undefined : String(v).split('/').map(Number);
const text = (v: ParamValue | '' | undefined): string | undefined => (v === undefined || v === '' ? undefined : String(v));
const num = (v: ParamValue | '' | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

/**
 * The cluster parameters every sweep over clusters shares: a family and a size (or explicit topologies), link
 * figures per dimension, and the network model.
 */
export const TOPOLOGY_PARAMS: SweepParam[] = [
  { key: 'family', flags: '--family <names>', column: 'family', kind: 'choice', choices: familyNames, help: `topology family, with --npus: ${familyNames().join(', ')}` },
  { key: 'npus', flags: '--npus <counts>', column: 'npus', kind: 'int', min: 1, help: 'cluster sizes for --family, e.g. 8..4096 (powers of two) or 16,64,256' },
  { key: 'nodeSize', flags: '--node-size <n>', column: 'nodeSize', kind: 'int', min: 1, help: 'NPUs per node for switch2 and switch3 (default 8)' },
  {
    key: 'topology', flags: '-t, --topology <topos>', column: 'topology', kind: 'text', separator: ';',
    help: 'instead of --family: topologies as orrery collective takes them (shorthand, file or name), separated by ";" or given as repeated flags',
  },
  { key: 'bandwidth', flags: '--bandwidth <GBps>', column: 'bandwidthGBps', kind: 'numberPerDim', min: 1, help: 'link bandwidth in GB/s: one value for every dimension or one per dimension joined by "/" (450/50); default: the family\'s' },
  { key: 'latency', flags: '--latency <ns>', column: 'latencyNs', kind: 'numberPerDim', min: 0, help: 'per-hop latency in ns: one value or one per dimension joined by "/"; default: the family\'s' },
  { key: 'model', flags: '-m, --model <names>', column: 'model', kind: 'choice', choices: networkModelNames, default: DEFAULT_NETWORK_MODEL, help: `network model: ${networkModelNames().join(', ')}` },
];

/** Checks the topology parameters were given in a usable combination. */
export function checkTopologyGrid(given: ReadonlySet<string>): void {
  if (given.has('family') && given.has('topology')) throw new InputError('give --family (with --npus) or --topology, not both');
  if (given.has('family') && !given.has('npus')) throw new InputError('--family needs --npus (e.g. --npus 8..4096)');
  if (given.has('npus') && !given.has('family')) throw new InputError(`--npus needs --family (${familyNames().join(', ')})`);
  if (!given.has('family') && !given.has('topology')) throw new InputError('give --family with --npus (e.g. --family torus3d --npus 8..4096), or --topology');
  if (given.has('nodeSize') && !given.has('family')) throw new InputError('--node-size applies to --family switch2 and switch3 only');
}

/**
 * Fills in a point's topology columns: a family becomes its `--topology`, `--bandwidth` and `--latency` at that
 * size; an explicit topology gets its NPU count.
 */
export function resolveTopologyParams(p: ParamRow): ParamRow {
  const family = text(p.family);
  if (family !== undefined) {
    const t = buildFamily(family, num(p.npus)!, {
      ...(num(p.nodeSize) !== undefined ? { nodeSize: num(p.nodeSize)! } : {}),
      ...(perDim(p.bandwidth) ? { bandwidthGBps: perDim(p.bandwidth)! } : {}),
      ...(perDim(p.latency) ? { latencyNs: perDim(p.latency)! } : {}),
    });
    return { ...p, topology: t.topology, bandwidth: t.bandwidthGBps.join('/'), latency: t.latencyNs.join('/') };
  }
  const { topology } = resolveTopology({
    topology: String(p.topology),
    ...(perDim(p.bandwidth) ? { bandwidthGBps: perDim(p.bandwidth)! } : {}),
    ...(perDim(p.latency) ? { latencyNs: perDim(p.latency)! } : {}),
  });
  return { ...p, npus: topology.npus };
}

function canonicalAlgorithms(value: string, flag: string): string {
  if (value === 'auto') return value;
  return value.split('/').map((a) => algorithmLabel(parseAlgorithm(a, flag))).join('/');
}

/**
 * The algorithm of a point that names none, as `orrery collective` and `orrery run` default: `auto` (NCCL's choice,
 * docs/collectives-nccl.md) on a cluster preset with a native model, ring otherwise (other topologies, ASTRA-sim
 * inputs and models).
 */
function defaultAlgo(p: ParamRow): string {
  if (text(p.family) !== undefined || text(p.astraNetwork) !== undefined || text(p.astraSystem) !== undefined) return 'ring';
  if (String(p.model ?? '').startsWith('astra-') || text(p.topology) === undefined) return 'ring';
  return resolveTopology({ topology: String(p.topology) }).topology.cluster ? 'auto' : 'ring';
}

/** The parameters an ASTRA-sim system file sets. */
const ASTRA_SYSTEM_KNOBS = ['algo', 'chunks', 'activeChunks', 'endpointDelay', 'localMemBw', 'scheduling', 'composition'];

const COLLECTIVE: SweepCommand = {
  summary: 'sweep orrery collective over cluster sizes, topologies, sizes, algorithms, models, …',
  params: [
    ...TOPOLOGY_PARAMS,
    { key: 'op', flags: '-o, --op <ops>', column: 'op', kind: 'choice', choices: () => COLLECTIVE_OPS, help: `operation: ${COLLECTIVE_OPS.join(', ')}` },
    { key: 'size', flags: '-s, --size <bytes>', column: 'bytes', kind: 'size', help: 'bytes per rank, e.g. 1MiB,64MiB,1GiB or 1KiB..1GiB×4' },
    {
      key: 'algo', flags: '-a, --algo <names>', column: 'algo', kind: 'text', canonical: canonicalAlgorithms,
      help: 'algorithm: ring, direct[W], halvingDoubling, doubleBinaryTree; one per dimension joined by "/" (ring/direct); or auto, NCCL\'s choice (the default on cluster presets; ring elsewhere)',
    },
    { key: 'chunks', flags: '-c, --chunks <n>', column: 'chunks', kind: 'int', min: 1, default: 1, help: 'chunks the collective is split into' },
    { key: 'activeChunks', flags: '--active-chunks <n>', column: 'activeChunks', kind: 'int', min: 1, default: 1, help: 'chunks a rank runs at once per dimension' },
    { key: 'endpointDelay', flags: '--endpoint-delay <ns>', column: 'endpointDelayNs', kind: 'time', default: 0, help: 'delay per received message and per phase start' },
    { key: 'localMemBw', flags: '--local-mem-bw <GBps>', column: 'localMemBwGBps', kind: 'number', help: 'local memory bandwidth for reductions (default: free)' },
    { key: 'scheduling', flags: '--scheduling <policies>', column: 'scheduling', kind: 'choice', choices: () => ['FIFO', 'LIFO'], default: 'FIFO', help: 'FIFO or LIFO' },
    { key: 'composition', flags: '--composition <modes>', column: 'composition', kind: 'choice', choices: () => COMPOSITIONS, default: 'localBWAware', help: `multi-dimensional all-reduce: ${COMPOSITIONS.join(', ')}` },
    { key: 'root', flags: '--root <npus>', column: 'root', kind: 'int', min: 0, help: 'root NPU for broadcast and reduce (default 0)' },
    { key: 'scheduler', flags: '--scheduler <names>', column: 'scheduler', kind: 'choice', choices: () => SCHEDULER_NAMES, help: `event queue: ${SCHEDULER_NAMES.join(', ')} (same results)` },
    {
      key: 'astraNetwork', flags: '--astra-network <files>', column: 'astraNetwork', kind: 'text', separator: ';',
      help: 'instead of --family or --topology: ASTRA-sim network files (2.0 .yml or 1.0 .json), separated by ";"',
    },
    {
      key: 'astraSystem', flags: '--astra-system <files>', column: 'astraSystem', kind: 'text', separator: ';',
      help: 'ASTRA-sim system files (2.0 .json or 1.0 text), separated by ";": they set the algorithms and system knobs',
    },
    { key: 'flavor', flags: '--flavor <flavors>', column: 'flavor', kind: 'choice', choices: () => ['native', 'astra'], help: 'native, or astra (ASTRA-sim\'s arithmetic; the default with ASTRA-sim files or an astra-* model)' },
  ],
  metrics: [
    { column: 'timeNs', type: 'number', help: 'when the last rank finished, ns' },
    { column: 'minTimeNs', type: 'number', help: 'when the first rank finished, ns' },
    { column: 'busBwGBps', type: 'number', help: 'nccl-tests bus bandwidth, GB/s (1 GB = 10^9 B)' },
    { column: 'algBwGBps', type: 'number', help: 'nccl-tests algorithm bandwidth, GB/s' },
    { column: 'events', type: 'number', help: 'events the engine processed' },
    { column: 'messages', type: 'number', help: 'messages the network delivered' },
  ],
  checkGrid(given) {
    if (given.has('astraNetwork')) {
      for (const k of ['family', 'npus', 'topology', 'bandwidth', 'latency']) {
        if (given.has(k)) throw new InputError(`give --astra-network or --${k === 'npus' ? 'family' : k}, not both`);
      }
    } else checkTopologyGrid(given);
    if ((given.has('astraNetwork') || given.has('astraSystem')) && !given.has('model')) {
      throw new InputError('with ASTRA-sim files, give the network model: --model astra-unaware or astra-aware (or another model to compare)');
    }
    if (given.has('astraSystem')) {
      const knobs = ASTRA_SYSTEM_KNOBS.filter((k) => given.has(k));
      if (knobs.length > 0) {
        throw new InputError(`--astra-system sets ${knobs.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} in a sweep; sweep over several system files instead`);
      }
    }
    for (const k of ['op', 'size']) if (!given.has(k)) throw new InputError(`--${k} is required (one value or a list)`);
  },
  resolve(p) {
    const file = text(p.astraNetwork);
    const q = file !== undefined ? { ...p, npus: readAstraNetwork(file).npus } : resolveTopologyParams(p);
    if (text(q.algo) === undefined) q.algo = defaultAlgo(p);
    // a system file sets these: leave their columns empty rather than show defaults that were not used
    if (text(p.astraSystem) !== undefined) for (const k of ASTRA_SYSTEM_KNOBS) q[k] = '';
    return q;
  },
  run(row) {
    // with a system file its knobs apply: the point's knob columns are empty then (see columns above)
    const knob = <T>(v: T | undefined): T | undefined => (text(row.astraSystem) !== undefined ? undefined : v);
    const { report: r } = runCollectiveOptions({
      ...(text(row.astraNetwork) === undefined ? { topology: String(row.topology) } : { astraNetwork: text(row.astraNetwork)! }),
      ...(text(row.astraSystem) !== undefined ? { astraSystem: text(row.astraSystem)! } : {}),
      ...(perDim(row.bandwidth) ? { bandwidthGBps: perDim(row.bandwidth)! } : {}),
      ...(perDim(row.latency) ? { latencyNs: perDim(row.latency)! } : {}),
      op: row.op as (typeof COLLECTIVE_OPS)[number],
      bytes: Number(row.size),
      ...(knob(String(row.algo)) !== undefined ? { algorithms: String(row.algo).split('/') } : {}),
      ...(knob(num(row.chunks)) !== undefined ? { chunks: num(row.chunks)! } : {}),
      ...(knob(num(row.activeChunks)) !== undefined ? { activeChunks: num(row.activeChunks)! } : {}),
      ...(knob(num(row.endpointDelay)) !== undefined ? { endpointDelayNs: num(row.endpointDelay)! } : {}),
      ...(knob(num(row.localMemBw)) !== undefined ? { localMemBwGBps: num(row.localMemBw)! } : {}),
      ...(knob(text(row.scheduling)) !== undefined ? { scheduling: row.scheduling as 'FIFO' | 'LIFO' } : {}),
      ...(knob(text(row.composition)) !== undefined ? { composition: row.composition as (typeof COMPOSITIONS)[number] } : {}),
      model: String(row.model),
      ...(text(row.flavor) ? { flavor: text(row.flavor) as 'native' | 'astra' } : {}),
      ...(num(row.root) !== undefined ? { root: num(row.root)! } : {}),
      ...(text(row.scheduler) ? { scheduler: text(row.scheduler) as SchedulerName } : {}),
    });
    return {
      timeNs: r.timeNs, minTimeNs: r.minTimeNs, busBwGBps: r.busBwGBps, algBwGBps: r.algBwGBps,
      events: r.events, messages: r.messages,
    };
  },
  plot: {
    x: ['npus', 'bytes'],
    series: ['family', 'model', 'op', 'algo', 'bytes', 'npus', 'chunks', 'activeChunks', 'endpointDelayNs', 'localMemBwGBps', 'scheduling', 'composition', 'nodeSize', 'bandwidthGBps', 'latencyNs', 'root', 'scheduler', 'astraNetwork', 'astraSystem', 'flavor'],
    panels: [
      { column: 'timeNs', label: 'collective time', unit: 'ns' },
      { column: 'busBwGBps', label: 'bus bandwidth', unit: 'GB/s' },
    ],
  },
};

/** Parallelism-plan parameters of `sweep run`, each a `--set` path of the workload description. */
const PLAN_PATHS: Record<string, string> = {
  tp: 'training.parallel.tp',
  pp: 'training.parallel.pp',
  dp: 'training.parallel.dp',
  ep: 'training.parallel.ep',
  zero: 'training.parallel.zero',
  schedule: 'training.parallel.schedule',
  microBatch: 'training.microBatch',
  globalBatch: 'training.globalBatch',
};

/**
 * `sweep run`: a generated training step (`--workload`, a name in workloads/ or a file) replayed on each cluster of
 * the sweep, with its parallelism plan swept too. A point's data-parallel degree, when not given, is what the
 * cluster leaves: NPUs / (tp · pp), so `--family … --npus 64..1024 --tp 8 --pp 4` scales data parallelism.
 */
const RUN: SweepCommand = {
  summary: 'sweep orrery run (a generated training step) over clusters and parallelism plans',
  params: [
    ...TOPOLOGY_PARAMS,
    { key: 'workload', flags: '--workload <names>', column: 'workload', kind: 'text', help: `workload description: a name in workloads/ (${namedWorkloads().join(', ')}) or a JSON file` },
    { key: 'tp', flags: '--tp <n>', column: 'tp', kind: 'int', min: 1, help: 'tensor-parallel degree (default: the description\'s)' },
    { key: 'pp', flags: '--pp <n>', column: 'pp', kind: 'int', min: 1, help: 'pipeline stages (default: the description\'s)' },
    { key: 'dp', flags: '--dp <n>', column: 'dp', kind: 'int', min: 1, help: 'data-parallel degree (default: NPUs / (tp · pp))' },
    { key: 'ep', flags: '--ep <n>', column: 'ep', kind: 'int', min: 1, help: 'expert-parallel degree, for mixture-of-experts models (divides dp)' },
    { key: 'zero', flags: '--zero <stage>', column: 'zero', kind: 'choice', choices: () => ['0', '1', '2', '3'], help: 'ZeRO stage 0-3' },
    { key: 'schedule', flags: '--schedule <names>', column: 'schedule', kind: 'choice', choices: () => ['1f1b', 'gpipe'], help: 'pipeline schedule' },
    { key: 'microBatch', flags: '--micro-batch <n>', column: 'microBatch', kind: 'int', min: 1, help: 'sequences per microbatch' },
    { key: 'globalBatch', flags: '--global-batch <n>', column: 'globalBatch', kind: 'int', min: 1, help: 'sequences per step' },
    { key: 'device', flags: '--device <names>', column: 'device', kind: 'choice', choices: deviceNames, default: 'H100-SXM5-80GB', help: `device preset for compute: ${deviceNames().join(', ')}` },
    { key: 'compute', flags: '--compute <names>', column: 'compute', kind: 'choice', choices: () => COMPUTE_MODELS, default: DEFAULT_COMPUTE_MODEL, help: `compute model for ops with a kernel descriptor: ${COMPUTE_MODELS.join(', ')}` },
    {
      key: 'algo', flags: '-a, --algo <names>', column: 'algo', kind: 'text', canonical: canonicalAlgorithms,
      help: 'algorithm for the collectives: ring, direct[W], halvingDoubling, doubleBinaryTree; one per dimension joined by "/"; or auto, NCCL\'s choice (the default on cluster presets; ring elsewhere)',
    },
    { key: 'chunks', flags: '-c, --chunks <n>', column: 'chunks', kind: 'int', min: 1, default: 1, help: 'chunks each collective is split into' },
    { key: 'policy', flags: '--policy <names>', column: 'policy', kind: 'choice', choices: () => ISSUE_POLICIES, default: 'streams', help: `issue policy: ${ISSUE_POLICIES.join(', ')}` },
  ],
  metrics: [
    { column: 'stepTimeNs', type: 'number', help: 'when the last rank finished, ns' },
    { column: 'computeNs', type: 'number', help: 'GPU compute per rank, mean over ranks, ns' },
    { column: 'exposedCommNs', type: 'number', help: 'communication with no compute running, mean over ranks, ns' },
    { column: 'overlappedCommNs', type: 'number', help: 'communication during compute, mean over ranks, ns' },
    { column: 'idleNs', type: 'number', help: 'nothing running (bubbles, waits), mean over ranks, ns' },
    { column: 'ranks', type: 'number', help: 'ranks of the generated trace (tp · pp · dp)' },
    { column: 'memPeakBytes', type: 'number', help: 'memory per GPU of the fullest rank (weights, gradients, optimizer, activations, buffers), bytes' },
    { column: 'memFits', type: 'string', help: 'yes when memPeakBytes fits the device\'s HBM; the point runs either way' },
    { column: 'events', type: 'number', help: 'events the engine processed' },
    { column: 'messages', type: 'number', help: 'messages the network delivered' },
  ],
  checkGrid(given) {
    checkTopologyGrid(given);
    if (!given.has('workload')) throw new InputError(`--workload is required (a name: ${namedWorkloads().join(', ')}, or a file)`);
  },
  resolve(p) {
    const q = resolveTopologyParams(p);
    if (text(q.algo) === undefined) q.algo = defaultAlgo(p);
    const spec = loadWorkloadSpec(String(q.workload));
    const par = spec.training?.parallel;
    if (!par) throw new InputError(`${String(q.workload)}: has no training section to sweep`);
    if (num(q.dp) === undefined) {
      const tp = num(q.tp) ?? par.tp;
      const pp = num(q.pp) ?? par.pp;
      const npus = Number(q.npus);
      if (npus % (tp * pp) !== 0) throw new InputError(`${npus} NPUs do not divide into tp ${tp} × pp ${pp}; give --dp or another size`);
      q.dp = npus / (tp * pp);
    }
    return q;
  },
  run(row) {
    const { topology } = resolveTopology({
      topology: String(row.topology),
      ...(perDim(row.bandwidth) ? { bandwidthGBps: perDim(row.bandwidth)! } : {}),
      ...(perDim(row.latency) ? { latencyNs: perDim(row.latency)! } : {}),
    });
    const set: Record<string, unknown> = {};
    for (const [k, path] of Object.entries(PLAN_PATHS)) {
      const v = row[k];
      if (v !== undefined && v !== '') set[path] = k === 'schedule' ? String(v) : Number(v);
    }
    const kernels = kernelDetailFor(String(row.compute));
    const trace = generateWorkload(String(row.workload), { mode: 'train', set, kernels, lazy: true, dims: topology.dims.map((d) => d.npus) });
    const memory = workloadMemory(String(row.workload), { mode: 'train', set, kernels })!;
    const r = runTrace({
      topology,
      trace,
      model: String(row.model),
      algorithms: String(row.algo).split('/'),
      system: { chunks: Number(row.chunks) },
      device: String(row.device),
      compute: String(row.compute),
      policy: String(row.policy) as IssuePolicy,
    });
    const mean = (k: 'computeNs' | 'exposedCommNs' | 'overlappedCommNs' | 'idleNs') => Math.round(r.ranks.reduce((a, x) => a + x[k], 0) / r.ranks.length);
    return {
      stepTimeNs: r.stepTimeNs, computeNs: mean('computeNs'), exposedCommNs: mean('exposedCommNs'),
      overlappedCommNs: mean('overlappedCommNs'), idleNs: mean('idleNs'), ranks: r.trace.ranks,
      memPeakBytes: memory.peakBytes, memFits: memory.peakBytes <= getDevice(String(row.device)).memGiB * GiB ? 'yes' : 'no',
      events: r.events, messages: r.messages,
    };
  },
  plot: {
    x: ['npus', 'globalBatch'],
    series: ['workload', 'family', 'model', 'tp', 'pp', 'ep', 'zero', 'schedule', 'microBatch', 'globalBatch', 'device', 'compute', 'algo', 'chunks', 'policy', 'nodeSize', 'bandwidthGBps', 'latencyNs'],
    panels: [
      { column: 'stepTimeNs', label: 'step time', unit: 'ns' },
      { column: 'exposedCommNs', label: 'exposed communication per rank', unit: 'ns' },
    ],
  },
};

/** Every sweepable command by name; `orrery sweep <name>` exists for each. */
export const SWEEP_COMMANDS: Record<string, SweepCommand> = {
  collective: COLLECTIVE,
  run: RUN,
  serve: SERVE_SWEEP,
};

export function sweepCommandNames(): string[] {
  return Object.keys(SWEEP_COMMANDS);
}

export function getSweepCommand(name: string): SweepCommand {
  const c = SWEEP_COMMANDS[name];
  if (!c) throw new InputError(`unknown sweep command "${name}"; expected one of: ${sweepCommandNames().join(', ')}`);
  return c;
}

/** For docs: every family with its summary and link defaults. */
export function familyTable(): { name: string; summary: string; defaults: string }[] {
  return Object.entries(TOPOLOGY_FAMILIES).map(([name, f]) => ({ name, summary: f.summary, defaults: f.defaults }));
}
