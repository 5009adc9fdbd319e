/** Helpers to build small traces and replay them in tests. */
import { join } from 'node:path';
import { readTraceFile } from '../../src/io/index.ts';
import { runTrace, type RunReport, type RunSpec } from '../../src/api/index.ts';
import { makeTopology, type Dimension } from '../../src/network/index.ts';
import type { Op, Program, Trace } from '../../src/workload/trace.ts';
import { ROOT } from './cli.ts';

export function trace(ranks: number, programs: Program[], groups: Trace['groups'] = {}, meta?: Trace['meta']): Trace {
  return { format: 'orrery-trace', version: 1, units: { time: 'ns', size: 'B' }, ...(meta ? { meta } : {}), ranks, groups, programs };
}

/** One program shared by every rank. */
export function spmd(ranks: number, ops: Op[], groups: Trace['groups'] = {}): Trace {
  return trace(ranks, [{ ranks: Array.from({ length: ranks }, (_, i) => i), ops }], groups);
}

/** A one-dimensional ring of n NPUs, 50 GB/s and 500 ns per hop (the shorthand defaults). */
export function ring(n: number, bandwidthGBps = 50, latencyNs = 500) {
  return makeTopology([{ kind: 'ring', npus: n, bandwidthGBps, latencyNs }]);
}

export function topo(...dims: Dimension[]) {
  return makeTopology(dims);
}

/** Replays on the analytical model unless `extra.model` says otherwise (the expected values are α-β forms). */
export function run(t: Trace, topology = ring(t.ranks), extra: Partial<RunSpec> = {}): RunReport {
  return runTrace({ topology, trace: t, model: 'analytical', ...extra });
}

/** A trace file from traces/. */
export function traceFile(name: string): Trace {
  return readTraceFile(join(ROOT, 'traces', name)).trace;
}
