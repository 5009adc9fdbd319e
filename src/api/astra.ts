/**
 * Running a collective from ASTRA-sim's own inputs: a network file (2.0 YAML or 1.0 JSON) and a system file (2.0
 * JSON or 1.0 text) become an Orrery topology, one algorithm per dimension and the system knobs, in flavor `astra`
 * (ASTRA-sim's integer arithmetic and quirks), on the `astra-unaware` or `astra-aware` network model.
 *
 * The files are cross-checked before time starts: one implementation per network dimension, halving-doubling and
 * double binary tree on power-of-two dimensions, an implementation that supports the operation, the keys the run
 * needs (ASTRA-sim divides by `preferred-dataset-splits` and `local-mem-bw`). What ASTRA-sim would do differently
 * (crash on `endpoint-delay: 0`, reject a multi-dimensional congestion-aware network) comes back as warnings.
 *
 * Without a network file the topology comes from `topology` (Orrery's shorthand or files, whose GB/s are 10^9 B/s);
 * without a system file the knobs come from `system` and `algorithms` as in `runCollective`, still in flavor astra.
 */
import {
  parseAlgorithm, type AlgorithmSpec, type CollectiveOp, type SystemOptions,
} from '../collectives/index.ts';
import type { SchedulerName } from '../engine/index.ts';
import { ASTRA_COLLECTIVE_TYPES, readAstraNetwork, readAstraSystem, type AstraCollectiveType, type AstraNetworkData, type AstraSystemData } from '../io/astra.ts';
import { InputError } from '../io/errors.ts';
import { makeTopology, type Topology } from '../network/index.ts';
import { runCollective, type CollectiveReport, type CollectiveSpec } from './collective.ts';

export interface AstraCollectiveSpec {
  /** ASTRA-sim network file: 2.0 analytical `.yml`, or 1.0 analytical `.json`. Give this or `topology`. */
  networkFile?: string;
  topology?: Topology;
  /** ASTRA-sim system file: 2.0 `.json`, or 1.0 `key: value` text. */
  systemFile?: string;
  op: CollectiveOp;
  /** Bytes per rank (all-gather: each rank's input), as ASTRA-sim's `comm_size`. */
  bytes: number;
  /** Network model; default `astra-unaware`. */
  model?: string;
  /** Algorithm per dimension, overriding the system file's implementation for this operation. */
  algorithms?: readonly (AlgorithmSpec | string)[];
  /** Knobs overriding the system file's (e.g. from explicit CLI flags); `flavor` defaults to `astra`. */
  system?: Partial<SystemOptions>;
  /** Root NPU of a broadcast or reduce. */
  root?: number;
  scheduler?: SchedulerName;
  /** The work limit in events (default DEFAULT_MAX_EVENTS). */
  maxEvents?: number;
  /** Unknown keys in the files are warnings, not errors (`--lenient`). */
  lenient?: boolean;
  onProgress?: (events: number, nowNs: number) => void;
}

/** An unknown key is an error (with a did-you-mean) unless lenient; lenient, it stays a warning. */
function refuseUnknown(unknown: readonly string[] | undefined, lenient: boolean | undefined): void {
  if (!lenient && unknown && unknown.length > 0) {
    throw new InputError(`${unknown[0]}${unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : ''}; fix it, or pass --lenient to ignore unknown keys`);
  }
}

/** What the files say, resolved: enough to run, plus what the user should know. */
export interface AstraSetup {
  topology: Topology;
  algorithms: AlgorithmSpec[];
  system: Partial<SystemOptions>;
  network?: AstraNetworkData;
  systemData?: AstraSystemData;
  warnings: string[];
}

export interface AstraCollectiveResult {
  report: CollectiveReport;
  /** What ASTRA-sim would do differently, keys ignored, defaults assumed: one line each. */
  warnings: string[];
  topology: Topology;
}

const FILE_KEYS: Record<AstraCollectiveType, string> = {
  allreduce: 'all-reduce-implementation',
  reducescatter: 'reduce-scatter-implementation',
  allgather: 'all-gather-implementation',
  alltoall: 'all-to-all-implementation',
};

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Reads and cross-checks ASTRA-sim inputs for one collective. Throws InputError naming the files and keys. */
export function loadAstraSetup(spec: AstraCollectiveSpec): AstraSetup {
  const warnings: string[] = [];
  if (spec.networkFile !== undefined && spec.topology !== undefined) {
    throw new InputError(`give an ASTRA-sim network file (${spec.networkFile}) or a topology (${spec.topology.name}), not both`);
  }
  let topology: Topology;
  let network: AstraNetworkData | undefined;
  if (spec.networkFile !== undefined) {
    network = readAstraNetwork(spec.networkFile);
    refuseUnknown(network.unknown, spec.lenient);
    warnings.push(...network.warnings);
    topology = makeTopology(network.dims, network.path.split('/').pop()!.replace(/\.(ya?ml|json)$/i, ''), network.path);
  } else if (spec.topology !== undefined) {
    topology = spec.topology;
  } else {
    throw new InputError('an ASTRA-sim run needs a network: an ASTRA-sim network file (--astra-network) or a topology (--topology)');
  }
  const netName = network?.path ?? `topology ${topology.name}`;
  const D = topology.dims.length;
  const model = spec.model ?? 'astra-unaware';
  if (model === 'astra-aware' && D > 1) {
    warnings.push(
      `${netName}: ASTRA-sim's congestion-aware backend rejects networks of more than one dimension; Orrery runs it ` +
        '(each dimension\'s lines get their own links, messages cross dimensions in order), with no ASTRA-sim result to match',
    );
  }

  const o: Partial<SystemOptions> = { flavor: 'astra' };
  let algorithms: AlgorithmSpec[] | undefined;
  let sys: AstraSystemData | undefined;
  if (spec.systemFile !== undefined) {
    sys = readAstraSystem(spec.systemFile);
    refuseUnknown(sys.unknown, spec.lenient);
    warnings.push(...sys.warnings);
    const f = sys.path;
    // every implementation list must fit the network (ASTRA-sim asserts it for all four when it starts)
    for (const t of ASTRA_COLLECTIVE_TYPES) {
      const impls = sys.implementations[t];
      if (impls && impls.length > D) {
        throw new InputError(`${f}: "${FILE_KEYS[t]}" lists ${impls.length} implementations but ${netName} has ${D} dimension${D === 1 ? '' : 's'}; give one per dimension`);
      }
    }
    if (spec.algorithms === undefined) {
      if (!(ASTRA_COLLECTIVE_TYPES as readonly string[]).includes(spec.op)) {
        throw new InputError(`${f}: ASTRA-sim system files configure allreduce, reducescatter, allgather and alltoall only; for ${spec.op}, give the algorithm (--algo)`);
      }
      const t = spec.op as AstraCollectiveType;
      if (sys.custom[t] !== undefined) {
        throw new InputError(
          `${f}: "${FILE_KEYS[t]}-custom" asks for a custom collective (a Chakra graph, ${sys.custom[t]}); orrery collective runs built-in algorithms only`,
        );
      }
      const impls = sys.implementations[t];
      if (!impls) throw new InputError(`${f}: "${FILE_KEYS[t]}" is missing; it gives the ${spec.op} algorithm per dimension (e.g. ["ring"])`);
      const flat = impls.some((x) => x.startsWith('one'));
      if (flat && impls.length !== 1) {
        throw new InputError(`${f}: "${FILE_KEYS[t]}": ${impls.find((x) => x.startsWith('one'))} runs one phase over all NPUs; give it as the only entry`);
      }
      if (!flat && impls.length !== D) {
        throw new InputError(`${f}: "${FILE_KEYS[t]}" lists ${impls.length} implementation${impls.length === 1 ? '' : 's'} but ${netName} has ${D} dimensions; give one per dimension`);
      }
      algorithms = impls.map((x, i) => parseAlgorithm(x, `${f}: "${FILE_KEYS[t]}"[${i}]`));
    }
    if (sys.preferredDatasetSplits !== undefined) o.chunks = sys.preferredDatasetSplits;
    if (sys.activeChunksPerDimension !== undefined) o.activeChunksPerDim = sys.activeChunksPerDimension;
    o.endpointDelayNs = sys.endpointDelayNs ?? 10; // ASTRA-sim's default communication_delay
    if (sys.localMemBwGBps !== undefined) o.localMemBwGBps = sys.localMemBwGBps;
    if (sys.schedulingPolicy === 'EXPLICIT') {
      warnings.push(`${f}: "scheduling-policy" EXPLICIT orders collectives by the workload's comm_priority; one collective has none, so it runs as FIFO`);
      o.scheduling = 'FIFO';
    } else o.scheduling = sys.schedulingPolicy ?? 'LIFO';
    if (sys.collectiveOptimization !== undefined) o.composition = sys.collectiveOptimization;
  }
  Object.assign(o, spec.system ?? {});
  const algos: AlgorithmSpec[] = spec.algorithms !== undefined
    ? spec.algorithms.map((a) => (typeof a === 'string' ? parseAlgorithm(a) : a))
    : algorithms ?? [{ name: 'ring' }];
  const where = sys ? sys.path : 'algorithm';

  // what the run needs that the system file may lack
  if (sys) {
    if (o.chunks === undefined) {
      throw new InputError(`${sys.path}: "preferred-dataset-splits" is missing; ASTRA-sim divides each collective by it (it has no usable default)`);
    }
    const multiDimAllReduce = spec.op === 'allreduce' && D > 1 && !algos.some((a) => a.flat);
    if (o.composition === undefined) {
      if (multiDimAllReduce) {
        throw new InputError(`${sys.path}: "collective-optimization" is missing; a multi-dimensional all-reduce needs it ("baseline" or "localBWAware"; ASTRA-sim leaves it uninitialised)`);
      }
      o.composition = 'localBWAware'; // never read for this run
    }
    const reduces = spec.op === 'allreduce' || spec.op === 'reducescatter' || spec.op === 'reduce'
      || (o.flavor === 'astra' && algos.some((a) => a.name === 'doubleBinaryTree'));
    if (o.localMemBwGBps === undefined && reduces) {
      if (sys.format === 'astra-v1-text') {
        warnings.push(
          `${sys.path}: ASTRA-sim 1.0 system files have no "local-mem-bw" (1.0 charged a flat 30 ns per reduction); reductions are free unless you give --local-mem-bw`,
        );
      } else {
        throw new InputError(`${sys.path}: "local-mem-bw" is missing; a ${spec.op} reduces, and ASTRA-sim's reduction time 3·m/local-mem-bw needs it (GB/s)`);
      }
    }
  }

  // algorithms against the network
  if (algos.length !== 1 && algos.length !== D) {
    throw new InputError(`${where}: ${algos.length} algorithms for ${netName}'s ${D} dimensions; give one per dimension`);
  }
  for (let d = 0; d < (algos[0]?.flat ? 1 : D); d++) {
    const a = algos.length === 1 ? algos[0]! : algos[d]!;
    const n = a.flat ? topology.npus : topology.dims[d]!.npus;
    const dimName = a.flat ? `all ${n} NPUs` : `dimension ${d} (${n} NPUs)`;
    if (a.name === 'halvingDoubling' && spec.op === 'alltoall') {
      throw new InputError(`${where}: halvingDoubling does not support all-to-all (ASTRA-sim exits on it); use ring or direct`);
    }
    if ((a.name === 'halvingDoubling' || (a.name === 'doubleBinaryTree' && o.flavor === 'astra')) && !isPow2(n)) {
      throw new InputError(`${where}: ${a.name} needs a power-of-two number of NPUs, but ${netName} has ${dimName}`);
    }
  }
  return { topology, algorithms: algos, system: o, ...(network ? { network } : {}), ...(sys ? { systemData: sys } : {}), warnings };
}

/** Runs one collective from ASTRA-sim inputs; the report is `runCollective`'s. */
export function runAstraCollective(spec: AstraCollectiveSpec): AstraCollectiveResult {
  const setup = loadAstraSetup(spec);
  const run: CollectiveSpec = {
    topology: setup.topology,
    op: spec.op,
    bytes: spec.bytes,
    algorithms: setup.algorithms,
    model: spec.model ?? 'astra-unaware',
    system: setup.system,
    ...(spec.root !== undefined ? { root: spec.root } : {}),
    ...(spec.scheduler ? { scheduler: spec.scheduler } : {}),
    ...(spec.maxEvents !== undefined ? { maxEvents: spec.maxEvents } : {}),
    ...(spec.onProgress ? { onProgress: spec.onProgress } : {}),
  };
  return { report: runCollective(run), warnings: setup.warnings, topology: setup.topology };
}

/** ASTRA-sim inputs for a whole workload (`orrery run --astra-network/--astra-system`). */
export interface AstraRunSetup {
  topology: Topology;
  /** The system file's knobs, in flavor astra. */
  system: Partial<SystemOptions>;
  /** Each collective type's implementations from the system file. */
  algorithmsByOp: Partial<Record<CollectiveOp, AlgorithmSpec[]>>;
  warnings: string[];
}

/**
 * Reads ASTRA-sim's network file (or takes `topology`) and system file for a replay: the knobs, and the algorithms
 * of every collective type the file lists, checked against the network. Collectives the file does not configure
 * (broadcast, reduce, barrier) use the run's --algo.
 */
export function loadAstraRunSetup(spec: { networkFile?: string; topology?: Topology; systemFile?: string; model?: string; lenient?: boolean }): AstraRunSetup {
  // one setup per collective type the file configures; knobs and warnings are the same for each
  const sys = spec.systemFile !== undefined ? readAstraSystem(spec.systemFile) : undefined;
  const types = sys ? ASTRA_COLLECTIVE_TYPES.filter((t) => sys.implementations[t] !== undefined && sys.custom[t] === undefined) : [];
  const base = { ...spec, bytes: 0 };
  const first = loadAstraSetup({ ...base, op: types[0] ?? 'allgather', ...(types.length === 0 ? { algorithms: ['ring'] } : {}) });
  const algorithmsByOp: Partial<Record<CollectiveOp, AlgorithmSpec[]>> = {};
  for (const t of types) algorithmsByOp[t] = t === types[0] ? first.algorithms : loadAstraSetup({ ...base, op: t }).algorithms;
  for (const t of ASTRA_COLLECTIVE_TYPES) {
    if (sys?.custom[t] !== undefined) {
      first.warnings.push(`${sys.path}: "${FILE_KEYS[t]}-custom" (a Chakra graph) is not run; ${t} collectives use --algo`);
    }
  }
  return { topology: first.topology, system: first.system, algorithmsByOp, warnings: first.warnings };
}
