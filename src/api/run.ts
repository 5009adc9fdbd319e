/**
 * Step-time replay: a workload in, a report (and optionally a Chrome-trace timeline) out. What `orrery run` and
 * `orrery convert` call.
 *
 * Inputs go through one dispatch, {@link loadWorkload}: each kind of input (`trace` files here; Chakra ET, ASTRA-sim
 * text workloads and generated workloads from the importers) is a loader in {@link WORKLOAD_LOADERS} that returns a
 * `Trace` plus warnings. Adding an input kind is adding a loader there (and its flag in cli/run.ts).
 */
import { checkResultTime, checkWork, DEFAULT_MAX_EVENTS } from '../units/index.ts';
import {
  busBwFactor, CollectiveSystem, DEFAULT_SYSTEM, parseAlgorithm, type AlgorithmSpec, type CollectiveOp, type SystemOptions,
} from '../collectives/index.ts';
import { Engine, type SchedulerName } from '../engine/index.ts';
import { createNetworkModel, DEFAULT_NETWORK_MODEL, type Topology } from '../network/index.ts';
import {
  encodingFromPath, InputError, readTraceFile, writeChromeTrace, writeTraceFile, type TraceEncoding,
} from '../io/index.ts';
import {
  buildTimeline, getDevice, materializeTrace, NcclTimer, ProgramCompiler, recordBusBwGBps, Replay, TraceError, validateTrace, type Compiled,
  type DevicePreset, type IssuePolicy, type Precision, type ReplayOptions, type Trace,
} from '../workload/index.ts';
import { COMPUTE_MODELS, type ComputeModelName } from '../compute/index.ts';
import { algorithmLabel, isAuto, systemFor } from './collective.ts';
import { checkMemory, type RunMemory } from './memory.ts';
import type { MemoryReport } from '../workload/index.ts';
import { createComputeModel, DEFAULT_COMPUTE_MODEL } from './compute.ts';
import {
  exportChakra, generateWorkload, kernelDetailFor, loadAstraWorkload, loadChakra, workloadMemory, workloadPath, type GenerateWorkloadOptions, type LoadAstraOptions,
  type LoadChakraOptions,
} from './workloads.ts';

// ---------------------------------------------------------------------------------------------------------------
// Input dispatch

/** One workload input; exactly one field is given. */
export interface WorkloadInput {
  /** An Orrery trace file: `.json`, `.yaml`, `.msgpack` (optionally `.gz`). */
  trace?: string;
  /** A Chakra ET prefix (`prefix.0.et`, `prefix.1.et`, …). */
  chakra?: string;
  /** An ASTRA-sim 1.0 text workload (or SimAI's dialect). */
  astraWorkload?: string;
  /** A model × parallelism description: a JSON file or a name in `workloads/`. */
  workload?: string;
}

export interface LoadOptions {
  /** Drop dependencies on ids that do not exist, with a warning (real Chakra traces need it). */
  lenient?: boolean;
  /** The run's topology argument: importers that need the NPUs per dimension read them from it. */
  topology?: string;
  /** Options of the Chakra importer (`--chakra`). */
  chakra?: LoadChakraOptions;
  /** Options of the ASTRA-sim 1.0 text importer (`--astra-workload`). */
  astra?: LoadAstraOptions;
  /** Options of the transformer generator (`--workload`). */
  generate?: GenerateWorkloadOptions;
  /** Refuse a workload estimated at more ops than this (each op is at least one event; `--max-events`). */
  maxEvents?: number;
  /**
   * The run's compute model (default kernel). A generated training step whose description names no
   * `training.kernels` gets Megatron-LM's kernel list under kernel and table, the coarse ops under roofline.
   */
  compute?: string;
  /**
   * A generated training step (`workload`) makes each program's ops when read (workload/trace.ts lazyProgram), so a
   * replay holds only its typed arrays; default true. `convertWorkload` and `exportWorkloadToChakra` load plain data.
   */
  lazy?: boolean;
}

export interface LoadedWorkload {
  trace: Trace;
  /** Where it came from, for messages and reports (a path or `chakra:prefix`). */
  source: string;
  /** Loader warnings (importer leftovers, dropped fields, …). */
  warnings: string[];
  /** Encoding and size on disk, for trace files. */
  encoding?: TraceEncoding;
  fileBytes?: number;
  /** Memory per GPU, for generated training steps (`workload`). */
  memory?: MemoryReport;
}

export type WorkloadLoader = (arg: string, opts: LoadOptions) => LoadedWorkload;

/** Loaders by input kind. The importers register theirs here (chakra, astraWorkload, workload). */
export const WORKLOAD_LOADERS: Partial<Record<keyof WorkloadInput, WorkloadLoader>> = {
  trace: (path) => {
    const r = readTraceFile(path);
    return { trace: r.trace, source: path, warnings: [], encoding: r.encoding, fileBytes: r.fileBytes };
  },
  chakra: (prefix, opts) => imported(loadChakra(prefix, withTopology(opts.chakra, opts)), `chakra:${prefix}`),
  astraWorkload: (file, opts) => imported(loadAstraWorkload(file, withLimit(withTopology(opts.astra, opts), opts)), file),
  workload: (arg, opts) => {
    const g = withLimit(withTopology({ ...opts.generate, kernels: opts.generate?.kernels ?? kernelDetailFor(opts.compute) }, opts), opts);
    const loaded = imported(generateWorkload(arg, { lazy: opts.lazy !== false, ...g }), workloadPath(arg));
    const memory = workloadMemory(arg, g);
    return memory ? { ...loaded, memory } : loaded;
  },
};

/** Importer options plus the run's topology (for the NPUs per dimension), unless the options name their own. */
function withTopology<T extends { topology?: string; dims?: number[] }>(o: T | undefined, opts: LoadOptions): T {
  const base = (o ?? {}) as T;
  return base.topology === undefined && base.dims === undefined && opts.topology !== undefined ? { ...base, topology: opts.topology } : base;
}

/**
 * The op limit for importers that estimate their ops before making them: a tenth of the event limit (2e7 by
 * default), since an op held in memory costs far more than an event (GPT-3 175B's 9.9 M ops fit).
 */
export const OPS_PER_EVENT_LIMIT = 0.1;
function withLimit<T extends { maxOps?: number }>(o: T, opts: LoadOptions): T {
  return o.maxOps === undefined ? { ...o, maxOps: Math.floor((opts.maxEvents ?? DEFAULT_MAX_EVENTS) * OPS_PER_EVENT_LIMIT) } : o;
}

function imported(trace: Trace, source: string): LoadedWorkload {
  const w = trace.meta?.warnings;
  return { trace, source, warnings: Array.isArray(w) ? w.map(String) : [] };
}

const INPUT_FLAGS: Record<keyof WorkloadInput, string> = {
  trace: '--trace', chakra: '--chakra', astraWorkload: '--astra-workload', workload: '--workload',
};

/** Loads the one workload given in `input` through its loader. */
export function loadWorkload(input: WorkloadInput, opts: LoadOptions = {}): LoadedWorkload {
  const given = (Object.keys(INPUT_FLAGS) as (keyof WorkloadInput)[]).filter((k) => input[k] !== undefined);
  if (given.length !== 1) {
    const flags = Object.values(INPUT_FLAGS).join(', ');
    throw new InputError(given.length === 0 ? `no workload given: pass one of ${flags}` : `give one workload, not ${given.map((k) => INPUT_FLAGS[k]).join(' and ')}`);
  }
  const kind = given[0]!;
  const loader = WORKLOAD_LOADERS[kind];
  if (!loader) {
    const have = (Object.keys(WORKLOAD_LOADERS) as (keyof WorkloadInput)[]).map((k) => INPUT_FLAGS[k]).join(', ');
    throw new InputError(`${INPUT_FLAGS[kind]}: this build has no loader for it yet; available: ${have}`);
  }
  return loader(input[kind]!, opts);
}

// ---------------------------------------------------------------------------------------------------------------
// Run

export interface TimelineSpec {
  path: string;
  ranks?: number[];
  windowNs?: [number, number];
  maxEvents?: number;
}

export interface RunSpec {
  topology: Topology;
  trace: Trace;
  /** Stop (LimitError) past this many events; ops over it are refused before the run. Default DEFAULT_MAX_EVENTS. */
  maxEvents?: number;
  /** Progress during the run (the engine's `onProgress`). */
  onProgress?: (events: number, nowNs: number) => void;
  /** Where the trace came from (messages and report). */
  source?: string;
  /** Warnings from loading, carried into the report. */
  loadWarnings?: string[];
  /** Network model name. Default: analytical. */
  model?: string;
  /**
   * Algorithms for collectives that name none: one for every dimension, or one per dimension. Default: ring. `auto`
   * (alone): on a cluster preset, each such collective takes the NCCL-like model's time for its operation, bytes and
   * group (docs/collectives-nccl.md; barrier, which the model does not cover, runs ring); elsewhere, ring.
   */
  algorithms?: readonly (AlgorithmSpec | string)[];
  /** Per operation, for collectives that name no algorithm (overrides `algorithms`; ASTRA-sim system files). */
  algorithmsByOp?: Partial<Record<CollectiveOp, readonly AlgorithmSpec[]>>;
  system?: Partial<SystemOptions>;
  scheduler?: SchedulerName;
  /** `streams` (default) or `astra` (ASTRA-sim's one-op-per-class issue). */
  policy?: IssuePolicy;
  /** Drop dangling dependencies with a warning. */
  lenient?: boolean;
  /** Device preset name for roofline compute (else the trace's `meta.device`). */
  device?: string;
  /** Compute model for ops with a kernel descriptor: roofline, kernel (default) or table. */
  compute?: string;
  /** Orrery measured-kernel CSVs for the `table` model. */
  computeTables?: string[];
  /** Precision of compute ops that name none. Default bf16. */
  precision?: Precision;
  computeScale?: number;
  computeEfficiency?: number;
  memoryEfficiency?: number;
  /** Per-rank compute time factors. */
  stragglers?: ReadonlyMap<number, number> | Record<number, number>;
  jitter?: number;
  seed?: number;
  timeline?: TimelineSpec;
  /** Memory per GPU of the workload (from the loader): checked against the device's HBM before the replay. */
  memory?: MemoryReport;
  /** Run a plan that does not fit the device's memory, with a warning, instead of refusing it. */
  allowOom?: boolean;
}

/** Where one rank's step went. compute + exposedComm + other + idle = step time; overlappedComm ≤ compute. */
export interface RankReport {
  rank: number;
  /** When its last op finished. */
  endNs: number;
  /** A GPU compute op was running. */
  computeNs: number;
  /** Communication (coll/send/recv in flight) while no GPU compute ran. */
  exposedCommNs: number;
  /** Communication while GPU compute ran (part of computeNs). */
  overlappedCommNs: number;
  /** Only host (cpu) compute or waits ran. */
  otherNs: number;
  /** Nothing ran (including after the rank finished, until the step ended). */
  idleNs: number;
}

export interface CollectiveRow {
  id: number;
  op: string;
  group: string;
  /** Block of a partitioned group. */
  block: number;
  /** Instance number on that group block. */
  seq: number;
  members: number;
  bytes: number;
  algorithms: string;
  chunks: number;
  /** First member joined. */
  startNs: number;
  /** First join → last member done. */
  durationNs: number;
  /** First join → last join (time the early members waited for the late ones). */
  skewNs: number;
  /** nccl-tests bus bandwidth over durationNs − skewNs. */
  busBwGBps: number;
  name?: string;
}

export interface CollectiveSummary {
  op: string;
  group: string;
  bytes: number;
  algorithms: string;
  count: number;
  meanNs: number;
  minNs: number;
  maxNs: number;
  meanBusBwGBps: number;
}

export interface RunReport {
  trace: { name?: string; source?: string; ranks: number; ops: number; collectives: number; p2p: number };
  topology: string;
  npus: number;
  model: string;
  policy: IssuePolicy;
  algorithms: string[];
  chunks: number;
  device?: string;
  /** The compute model (when a device is set). */
  compute?: string;
  computeScale: number;
  jitter: number;
  seed: number;
  /** When the last rank finished. */
  stepTimeNs: number;
  ranks: RankReport[];
  collectives: CollectiveRow[];
  collectiveSummary: CollectiveSummary[];
  events: number;
  messages: number;
  /** Validation + replay wall time (not loading). */
  wallMs: number;
  warnings: string[];
  /** Memory per GPU by pipeline stage, and whether the peak fits the device (generated training steps). */
  memory?: RunMemory;
  timeline?: { path: string; slices: number; flows: number; events: number; bytes: number; cut?: string };
}

export function runTrace(spec: RunSpec): RunReport {
  const t0 = performance.now();
  const policy = spec.policy ?? 'streams';
  const warnings = [...(spec.loadWarnings ?? [])];
  // a timeline reads ops across programs in any order: a lazy trace's ops are made once and held for it
  const trace = spec.timeline ? materializeTrace(spec.trace) : spec.trace;
  const validationWarningsAt = warnings.length;
  const topo = spec.topology;
  if (spec.trace.ranks > topo.npus) {
    throw new TraceError(`${spec.source ? `${spec.source}: ` : ''}the trace has ${spec.trace.ranks} ranks but topology ${topo.name} has ${topo.npus} NPUs; ranks map to NPUs 0..${topo.npus - 1}`);
  }
  if (spec.trace.ranks < topo.npus) warnings.push(`the trace has ${spec.trace.ranks} ranks on ${topo.npus} NPUs: NPUs ${spec.trace.ranks}..${topo.npus - 1} stay idle`);
  const deviceName = spec.device ?? (typeof spec.trace.meta?.device === 'string' ? spec.trace.meta.device : undefined);
  const device: DevicePreset | undefined = deviceName !== undefined ? getDevice(deviceName) : undefined;
  let memory: RunMemory | undefined;
  if (spec.memory) {
    const checked = checkMemory(spec.memory, device, spec.allowOom === true, spec.trace.meta?.name ?? spec.source ?? 'the workload');
    memory = checked.memory;
    if (checked.warning) warnings.push(checked.warning);
  }
  const computeModel = device
    ? createComputeModel({
        name: spec.compute ?? DEFAULT_COMPUTE_MODEL, device, ...(spec.precision ? { precision: spec.precision } : {}),
        ...(spec.computeTables ? { tables: spec.computeTables } : {}),
        ...(spec.computeEfficiency !== undefined ? { computeEfficiency: spec.computeEfficiency } : {}),
        ...(spec.memoryEfficiency !== undefined ? { memoryEfficiency: spec.memoryEfficiency } : {}),
      })
    : undefined;
  if (!device && spec.compute !== undefined && !COMPUTE_MODELS.includes(spec.compute as ComputeModelName)) {
    throw new InputError(`unknown compute model "${spec.compute}"; expected one of: ${COMPUTE_MODELS.join(', ')}`);
  }
  const model = spec.model ?? DEFAULT_NETWORK_MODEL;
  const auto = isAuto(spec.algorithms);
  if (auto && model.startsWith('astra-')) {
    throw new InputError(`--algo auto applies to the native models (analytical, flow); ${model} takes explicit algorithms (ring, direct, halvingDoubling, doubleBinaryTree)`);
  }
  const nccl = auto && topo.cluster ? new NcclTimer(topo) : undefined;
  const algorithms = (auto ? ['ring'] : spec.algorithms ?? ['ring']).map((a) => (typeof a === 'string' ? parseAlgorithm(a, '--algo') : a));
  const stragglers = spec.stragglers instanceof Map ? spec.stragglers : new Map(Object.entries(spec.stragglers ?? {}).map(([k, f]) => [Number(k), f as number]));
  const seed = spec.seed ?? 1;
  const maxEvents = spec.maxEvents ?? DEFAULT_MAX_EVENTS;
  const replayOptions: ReplayOptions = {
    algorithms,
    ...(spec.algorithmsByOp ? { algorithmsByOp: spec.algorithmsByOp } : {}),
    ...(nccl ? { nccl } : {}),
    policy,
    record: spec.timeline !== undefined,
    compute: {
      ...(device ? { device } : {}),
      ...(computeModel ? { model: computeModel } : {}),
      ...(spec.precision ? { precision: spec.precision } : {}),
      ...(spec.computeEfficiency !== undefined ? { computeEfficiency: spec.computeEfficiency } : {}),
      ...(spec.memoryEfficiency !== undefined ? { memoryEfficiency: spec.memoryEfficiency } : {}),
      computeScale: spec.computeScale ?? 1,
      stragglers,
      jitter: spec.jitter ?? 0,
      seed,
    },
  };
  // each program compiled as validation reads its ops: a lazy trace's are then made once (workload/trace.ts)
  const compiler = new ProgramCompiler(replayOptions);
  const compiled: Compiled[] = [];
  const v = validateTrace(trace, {
    ...(spec.source ? { where: spec.source } : {}), lenient: spec.lenient === true, streamOrder: policy !== 'astra',
    onProgram: (g, ops, shapes) => compiled.push(compiler.compile(g, ops, shapes)),
  });
  warnings.splice(validationWarningsAt, 0, ...v.warnings);
  checkWork(v.stats.ops, maxEvents, `the trace (${spec.trace.ranks} ranks, ${v.stats.ops} ops, each at least one event)`);

  const engine = new Engine({ ...(spec.scheduler ? { scheduler: spec.scheduler } : {}), maxEvents, ...(spec.onProgress ? { onProgress: spec.onProgress } : {}) });
  const network = createNetworkModel(model, engine, topo);
  const system = new CollectiveSystem(engine, network, systemFor(model, spec.system));
  const replay = new Replay(engine, network, system, v, { ...replayOptions, compiled });
  replay.begin();
  const stats = engine.run();
  const res = replay.finish();
  if (computeModel) warnings.push(...computeModel.warnings());
  const wallMs = performance.now() - t0;

  const step = checkResultTime(res.stepNs, 'the step time');
  const ranks: RankReport[] = [];
  for (let r = 0; r < res.ranks; r++) {
    const c = res.computeNs[r]!, e = res.exposedCommNs[r]!, o = res.otherNs[r]!;
    ranks.push({
      rank: r, endNs: res.rankEndNs[r]!, computeNs: c, exposedCommNs: e, overlappedCommNs: res.overlappedCommNs[r]!,
      otherNs: o, idleNs: step - c - e - o,
    });
  }
  const row = (k: number, withName = true): CollectiveRow => {
    const c = res.collective(k, withName); // one at a time: the replay's records need not all exist at once
    return {
      id: c.id, op: c.op, group: c.group, block: c.block, seq: c.seq, members: c.members, bytes: c.bytes,
      algorithms: c.algorithms, chunks: c.chunks, startNs: c.startNs, durationNs: c.endNs - c.startNs,
      skewNs: c.lastJoinNs - c.startNs, busBwGBps: recordBusBwGBps(c), ...(c.name ? { name: c.name } : {}),
    };
  };
  // the rows are made when read (JSON output, API users): the tables need only the summary, and a kernel-level
  // step has hundreds of thousands of collectives
  let collectives: CollectiveRow[] | undefined;
  // (without names: a lazy trace's are read from its ops, and the summary shows none)
  const collectiveSummary = summarize(res.collectiveCount, (k) => row(k, false));

  const report: RunReport = {
    trace: {
      ...(spec.trace.meta?.name ? { name: spec.trace.meta.name } : {}), ...(spec.source ? { source: spec.source } : {}),
      ranks: spec.trace.ranks, ops: v.stats.ops, collectives: res.collectiveCount, p2p: v.stats.p2p,
    },
    topology: topo.name, npus: topo.npus, model, policy,
    algorithms: nccl ? ['auto (NCCL-like model per collective)'] : algorithms.map(algorithmLabel),
    chunks: system.options.chunks ?? DEFAULT_SYSTEM.chunks,
    ...(device ? { device: device.name } : {}),
    ...(computeModel ? { compute: computeModel.name } : {}),
    computeScale: spec.computeScale ?? 1, jitter: spec.jitter ?? 0, seed,
    stepTimeNs: step, ranks,
    get collectives(): CollectiveRow[] {
      return (collectives ??= Array.from({ length: res.collectiveCount }, (_, k) => row(k)));
    },
    set collectives(rows: CollectiveRow[]) {
      collectives = rows;
    },
    collectiveSummary,
    events: stats.events, messages: network.stats().messages, wallMs, warnings, ...(memory ? { memory } : {}),
  };
  if (spec.timeline) {
    const tl = buildTimeline(res, {
      ...(spec.timeline.ranks ? { ranks: spec.timeline.ranks } : {}),
      ...(spec.timeline.windowNs ? { windowNs: spec.timeline.windowNs } : {}),
      ...(spec.timeline.maxEvents !== undefined ? { maxEvents: spec.timeline.maxEvents } : {}),
    });
    const info = writeChromeTrace(spec.timeline.path, tl, {
      generator: 'orrery', trace: report.trace.name ?? report.trace.source ?? '', topology: topo.name, model, policy,
      stepTimeNs: step,
    });
    report.timeline = {
      path: spec.timeline.path, slices: tl.slices.n, flows: tl.flows.n, events: info.events, bytes: info.bytes,
      ...(tl.cut ? { cut: tl.cut } : {}),
    };
  }
  return report;
}

function summarize(count: number, row: (k: number) => CollectiveRow): CollectiveSummary[] {
  const by = new Map<string, { s: CollectiveSummary; bw: number }>();
  let last: CollectiveRow | undefined, e: { s: CollectiveSummary; bw: number } | undefined;
  for (let k = 0; k < count; k++) {
    const c = row(k);
    // (consecutive rows mostly share op, group, size and algorithm: skip building the key then)
    if (!last || c.op !== last.op || c.group !== last.group || c.bytes !== last.bytes || c.algorithms !== last.algorithms) {
      const key = `${c.op}\u0000${c.group}\u0000${c.bytes}\u0000${c.algorithms}`;
      e = by.get(key);
      if (!e) {
        e = { s: { op: c.op, group: c.group, bytes: c.bytes, algorithms: c.algorithms, count: 0, meanNs: 0, minNs: Infinity, maxNs: 0, meanBusBwGBps: 0 }, bw: 0 };
        by.set(key, e);
      }
    }
    last = c;
    const s = e!.s;
    s.count++;
    s.meanNs += c.durationNs;
    s.minNs = Math.min(s.minNs, c.durationNs);
    s.maxNs = Math.max(s.maxNs, c.durationNs);
    e!.bw += c.busBwGBps;
  }
  return [...by.values()]
    .map(({ s, bw }) => ({ ...s, meanNs: s.meanNs / s.count, meanBusBwGBps: bw / s.count }))
    .sort((a, b) => b.meanNs * b.count - a.meanNs * a.count);
}

/** nccl-tests bus-bandwidth factor, re-exported for report readers. */
export { busBwFactor };

// ---------------------------------------------------------------------------------------------------------------
// Convert

export interface ConvertResult {
  source: string;
  out: string;
  encoding: TraceEncoding;
  ranks: number;
  ops: number;
  bytesIn?: number;
  bytesOut: number;
  warnings: string[];
}

/** Loads a workload, validates it, and writes it as an Orrery trace (encoding from the output's extension). */
/** Loads a workload, validates it, and writes it as Chakra ET files `<prefix>.<rank>.et` (for ASTRA-sim 2.0). */
export function exportWorkloadToChakra(
  input: WorkloadInput, prefix: string, opts: LoadOptions = {},
): { source: string; files: string[]; commGroupFile?: string; warnings: string[] } {
  const loaded = loadWorkload(input, { ...opts, lazy: false });
  const v = validateTrace(loaded.trace, { where: loaded.source, lenient: opts.lenient === true });
  const r = exportChakra(loaded.trace, prefix, opts.topology !== undefined ? { topology: opts.topology } : {});
  return {
    source: loaded.source, files: r.files, ...(r.commGroupFile ? { commGroupFile: r.commGroupFile } : {}),
    warnings: [...loaded.warnings, ...v.warnings, ...r.warnings],
  };
}

export function convertWorkload(input: WorkloadInput, out: string, opts: LoadOptions = {}): ConvertResult {
  const { encoding } = encodingFromPath(out);
  if (!encoding) throw new InputError(`${out}: cannot tell which encoding to write; name it .json, .yaml or .msgpack (optionally .gz)`);
  const loaded = loadWorkload(input, { ...opts, lazy: false });
  const v = validateTrace(loaded.trace, { where: loaded.source, lenient: opts.lenient === true });
  const bytesOut = writeTraceFile(out, loaded.trace, encoding);
  return {
    source: loaded.source, out, encoding, ranks: loaded.trace.ranks, ops: v.stats.ops,
    ...(loaded.fileBytes !== undefined ? { bytesIn: loaded.fileBytes } : {}), bytesOut,
    warnings: [...loaded.warnings, ...v.warnings],
  };
}
