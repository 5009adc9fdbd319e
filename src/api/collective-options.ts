/**
 * `orrery collective`'s options as data, and running them: the one path from command-line-level options to a
 * report, shared by sweeps (each point is one set of these options) and meant for the `collective` command itself.
 */
import { DEFAULT_SYSTEM, parseAlgorithm, type CollectiveOp, type SystemOptions } from '../collectives/index.ts';
import type { SchedulerName } from '../engine/index.ts';
import { DEFAULT_NETWORK_MODEL } from '../network/index.ts';
import { runCollective, type CollectiveReport } from './collective.ts';
import { resolveTopology } from './topology.ts';

/** The options of `orrery collective`, parsed (units applied) but not yet resolved. */
export interface CollectiveOptions {
  /** `--topology`: shorthand, a topology JSON file, or a name from topologies/. */
  topology: string;
  /** `--bandwidth`, GB/s, one value or one per dimension (shorthand only). */
  bandwidthGBps?: number[];
  /** `--latency`, ns, one value or one per dimension (shorthand only). */
  latencyNs?: number[];
  op: CollectiveOp;
  /** `--size`, bytes per rank. */
  bytes: number;
  /** `--algo`: one name for every dimension, or one per dimension. Default ring. */
  algorithms?: string[];
  chunks?: number;
  activeChunks?: number;
  endpointDelayNs?: number;
  localMemBwGBps?: number;
  scheduling?: SystemOptions['scheduling'];
  composition?: SystemOptions['composition'];
  model?: string;
  /** `--flavor`: native, or ASTRA-sim's arithmetic (default: astra for the astra-* models, else native). */
  flavor?: SystemOptions['flavor'];
  root?: number;
  scheduler?: SchedulerName;
}

/** Resolves the topology, parses the algorithms and runs the collective, exactly as `orrery collective` does. */
export function runCollectiveOptions(o: CollectiveOptions): CollectiveReport {
  const { topology } = resolveTopology({
    topology: o.topology,
    ...(o.bandwidthGBps && o.bandwidthGBps.length > 0 ? { bandwidthGBps: o.bandwidthGBps } : {}),
    ...(o.latencyNs && o.latencyNs.length > 0 ? { latencyNs: o.latencyNs } : {}),
  });
  return runCollective({
    topology,
    op: o.op,
    bytes: o.bytes,
    algorithms: (o.algorithms ?? ['ring']).map((a) => parseAlgorithm(a, '--algo')),
    model: o.model ?? DEFAULT_NETWORK_MODEL,
    system: {
      chunks: o.chunks ?? DEFAULT_SYSTEM.chunks,
      endpointDelayNs: o.endpointDelayNs ?? DEFAULT_SYSTEM.endpointDelayNs,
      scheduling: o.scheduling ?? DEFAULT_SYSTEM.scheduling,
      composition: o.composition ?? DEFAULT_SYSTEM.composition,
      ...(o.activeChunks !== undefined ? { activeChunksPerDim: o.activeChunks } : {}),
      ...(o.localMemBwGBps !== undefined ? { localMemBwGBps: o.localMemBwGBps } : {}),
      ...(o.flavor !== undefined ? { flavor: o.flavor } : {}),
    },
    ...(o.root !== undefined ? { root: o.root } : {}),
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
  });
}
