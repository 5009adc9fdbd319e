/**
 * The TP all-reduce time of a serving replica, from the collective model on its NPUs.
 *
 * A step's all-reduce carries m·h·w bytes for m tokens, and m takes thousands of values over a run; running the
 * collective model for each would dominate the simulation. So the model runs at powers of two of bytes (lazily,
 * once each), and a size in between is interpolated linearly between its two neighbours. For the α-β models with
 * one chunk the time is affine in bytes, so the interpolation is exact up to their per-message rounding (tests
 * check it within 1 ns of a direct run); for the flow model on a replica's own GPUs (no competing traffic) it is
 * the same. Sizes below 1 KiB use the 1 KiB time.
 */
import { runCollective } from './collective.ts';
import type { Topology } from '../network/index.ts';
import type { TpComm } from '../serving/index.ts';

const MIN_LOG2 = 10;

export class InterpolatedAllReduce implements TpComm {
  private readonly atPow2 = new Map<number, number>();
  /** Collective runs made (for tests and the bench). */
  runs = 0;

  constructor(readonly topology: Topology, readonly group: readonly number[], readonly model: string) {}

  /** The collective model's time at 2^k bytes. */
  private at(k: number): number {
    let t = this.atPow2.get(k);
    if (t === undefined) {
      this.runs++;
      t = runCollective({ topology: this.topology, op: 'allreduce', bytes: 2 ** k, group: this.group, model: this.model }).timeNs;
      this.atPow2.set(k, t);
    }
    return t;
  }

  allReduceNs(bytes: number): number {
    if (this.group.length <= 1 || bytes <= 0) return 0;
    const k = Math.max(MIN_LOG2, Math.floor(Math.log2(bytes)));
    const lo = 2 ** k;
    if (bytes <= lo) return this.at(k);
    const a = this.at(k), b = this.at(k + 1);
    return a + ((b - a) * (bytes - lo)) / lo;
  }
}
