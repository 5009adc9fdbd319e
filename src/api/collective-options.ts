/**
 * `orrery collective`'s options as data, and running them: the one path from command-line-level options to a
 * report, shared by the `collective` command and by sweeps (each point is one set of these options).
 *
 * An option left undefined was not given. Without ASTRA-sim files the defaults apply (DEFAULT_SYSTEM, ring, the
 * default network model). With an ASTRA-sim system file, the file's values apply to what was not given; with
 * ASTRA-sim files the model defaults to `astra-unaware` and the flavor to `astra`.
 */
import { DEFAULT_SYSTEM, parseAlgorithm, type CollectiveOp, type SystemOptions } from '../collectives/index.ts';
import type { SchedulerName } from '../engine/index.ts';
import { DEFAULT_NETWORK_MODEL, type Topology } from '../network/index.ts';
import { runAstraCollective } from './astra.ts';
import { InputError } from '../io/errors.ts';
import { runCollective, type CollectiveReport } from './collective.ts';
import { resolveTopology } from './topology.ts';

/** The options of `orrery collective`, parsed (units applied) but not yet resolved. */
export interface CollectiveOptions {
  /** `--topology`: shorthand, a topology JSON file, or a name from topologies/ (or `astraNetwork`). */
  topology?: string;
  /** `--bandwidth`, GB/s, one value or one per dimension (shorthand only). */
  bandwidthGBps?: number[];
  /** `--latency`, ns, one value or one per dimension (shorthand only). */
  latencyNs?: number[];
  /** `--astra-network`: an ASTRA-sim network file instead of `topology`. */
  astraNetwork?: string;
  /** `--astra-system`: an ASTRA-sim system file: algorithms and knobs for what is not given here. */
  astraSystem?: string;
  op: CollectiveOp;
  /** `--size`, bytes per rank. */
  bytes: number;
  /** `--algo`: one name for every dimension, or one per dimension, or `auto` (native models only). Default ring. */
  algorithms?: string[];
  chunks?: number;
  activeChunks?: number;
  endpointDelayNs?: number;
  localMemBwGBps?: number;
  scheduling?: SystemOptions['scheduling'];
  composition?: SystemOptions['composition'];
  model?: string;
  /** `--flavor`: native, or ASTRA-sim's arithmetic (default: astra with ASTRA-sim files or an astra-* model). */
  flavor?: SystemOptions['flavor'];
  root?: number;
  /** `--npus`: only the first n NPUs of the topology take part (nccl-tests `-g n`). */
  npus?: number;
  scheduler?: SchedulerName;
  /** `--max-events`: the work limit (default DEFAULT_MAX_EVENTS). */
  maxEvents?: number;
  /** `--lenient`: unknown keys in input files are warnings, not errors. */
  lenient?: boolean;
  /** Progress during the run (a terminal's progress line). */
  onProgress?: (events: number, nowNs: number) => void;
}

export interface CollectiveOptionsResult {
  report: CollectiveReport;
  topology: Topology;
  /** What ASTRA-sim would do differently, keys ignored, defaults assumed (ASTRA-sim inputs only). */
  warnings: string[];
}

/** Resolves the topology, parses the algorithms and runs the collective, exactly as `orrery collective` does. */
export function runCollectiveOptions(o: CollectiveOptions): CollectiveOptionsResult {
  const astra = o.astraNetwork !== undefined || o.astraSystem !== undefined;
  if (o.astraNetwork !== undefined && o.topology !== undefined) {
    throw new InputError(`give --astra-network (${o.astraNetwork}) or --topology (${o.topology}), not both`);
  }
  if (o.astraNetwork !== undefined && ((o.bandwidthGBps?.length ?? 0) > 0 || (o.latencyNs?.length ?? 0) > 0)) {
    throw new InputError(`--bandwidth and --latency apply to --topology shorthand only; ${o.astraNetwork} gives its own`);
  }
  if (o.topology === undefined && o.astraNetwork === undefined) {
    throw new InputError('--topology is required (or give an ASTRA-sim network file with --astra-network)');
  }
  const topology = o.topology !== undefined
    ? resolveTopology({
      topology: o.topology,
      ...(o.bandwidthGBps && o.bandwidthGBps.length > 0 ? { bandwidthGBps: o.bandwidthGBps } : {}),
      ...(o.latencyNs && o.latencyNs.length > 0 ? { latencyNs: o.latencyNs } : {}),
    }).topology
    : undefined;
  // knobs: given ones always; the defaults only when no system file supplies them
  const dflt = o.astraSystem === undefined;
  const pick = <T>(v: T | undefined, d: T): T | undefined => (v !== undefined ? v : dflt ? d : undefined);
  const knobs: Partial<SystemOptions> = {};
  const set = <K extends keyof SystemOptions>(k: K, v: SystemOptions[K] | undefined) => { if (v !== undefined) knobs[k] = v; };
  set('chunks', pick(o.chunks, DEFAULT_SYSTEM.chunks));
  set('endpointDelayNs', pick(o.endpointDelayNs, DEFAULT_SYSTEM.endpointDelayNs));
  set('scheduling', pick(o.scheduling, DEFAULT_SYSTEM.scheduling));
  set('composition', pick(o.composition, DEFAULT_SYSTEM.composition));
  set('activeChunksPerDim', o.activeChunks);
  set('localMemBwGBps', o.localMemBwGBps);
  set('flavor', o.flavor);
  const algorithms = o.algorithms ?? (dflt ? ['ring'] : undefined);
  if (astra && o.npus !== undefined) throw new InputError('--npus applies to --topology runs, not to ASTRA-sim inputs');
  if (astra) {
    const r = runAstraCollective({
      ...(o.astraNetwork !== undefined ? { networkFile: o.astraNetwork } : {}),
      ...(topology ? { topology } : {}),
      ...(o.astraSystem !== undefined ? { systemFile: o.astraSystem } : {}),
      op: o.op,
      bytes: o.bytes,
      model: o.model ?? 'astra-unaware',
      ...(algorithms ? { algorithms: algorithms.map((a) => parseAlgorithm(a, '--algo')) } : {}),
      system: { ...knobs, flavor: o.flavor ?? 'astra' },
      ...(o.root !== undefined ? { root: o.root } : {}),
      ...(o.scheduler ? { scheduler: o.scheduler } : {}),
      ...(o.maxEvents !== undefined ? { maxEvents: o.maxEvents } : {}),
      ...(o.lenient ? { lenient: true } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    return { report: r.report, topology: r.topology, warnings: r.warnings };
  }
  if (o.npus !== undefined && (o.npus < 1 || o.npus > topology!.npus)) {
    throw new InputError(`--npus: ${o.npus} is not between 1 and the topology's ${topology!.npus} NPUs`);
  }
  if (o.npus !== undefined && o.root !== undefined && o.root >= o.npus) {
    throw new InputError(`--root ${o.root} is not among the first ${o.npus} NPUs (--npus)`);
  }
  const report = runCollective({
    topology: topology!,
    ...(o.npus !== undefined && o.npus < topology!.npus ? { group: Array.from({ length: o.npus }, (_, i) => i) } : {}),
    op: o.op,
    bytes: o.bytes,
    algorithms: algorithms!.length === 1 && algorithms![0] === 'auto' ? ['auto'] : algorithms!.map((a) => parseAlgorithm(a, '--algo')),
    model: o.model ?? DEFAULT_NETWORK_MODEL,
    system: knobs,
    ...(o.root !== undefined ? { root: o.root } : {}),
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    ...(o.maxEvents !== undefined ? { maxEvents: o.maxEvents } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  return { report, topology: topology!, warnings: [] };
}
