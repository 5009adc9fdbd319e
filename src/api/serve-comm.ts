/**
 * The TP all-reduce time of a serving replica, from the collective model on its NPUs.
 *
 * A step's all-reduce carries m·h·w bytes for m tokens, and m takes thousands of values over a run; running the
 * collective model for each would dominate the simulation. So the model runs at powers of two of bytes (lazily,
 * once each), and a size in between is interpolated linearly between its two neighbours. For the α-β models with
 * one chunk the time is affine in bytes, so the interpolation is exact up to their per-message rounding (tests
 * check it within 1 ns of a direct run); for the flow model on a replica's own GPUs (no competing traffic) it is
 * the same. Sizes below 1 KiB use the 1 KiB time.
 *
 * On a cluster preset (a topology with cluster facts, e.g. `dgx-h100:1`) the all-reduce is NCCL's choice from the
 * NCCL-like model (`--algo auto` of `orrery collective`: algorithm, protocol, channels and the preset's fitted link
 * efficiencies), which is what a serving framework's TP all-reduce runs; on a plain topology, a ring on the network
 * model. The NCCL-like model is a closed form, piecewise affine in bytes, so the interpolation stays close.
 */
import { runCollective } from './collective.ts';
import { Engine } from '../engine/index.ts';
import { createNetworkModel, type Topology } from '../network/index.ts';
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
      t = runCollective({
        topology: this.topology, op: 'allreduce', bytes: 2 ** k, group: this.group, model: this.model,
        ...(this.topology.cluster ? { algorithms: ['auto'] } : {}),
      }).timeNs;
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

/**
 * KV-cache transfer from a prefill replica to a decode replica (disaggregated serving): TP rank i of the prefill
 * replica sends its shard to TP rank i of the decode replica, all T at once on the network model; the transfer ends
 * when the last shard has arrived. Timed at powers of two of bytes per GPU and interpolated, per pair of replicas.
 */
export class InterpolatedKvTransfer {
  private readonly tables = new Map<string, Map<number, number>>();
  runs = 0;

  constructor(readonly topology: Topology, readonly tp: number, readonly model: string) {}

  private at(from: number, to: number, k: number): number {
    const key = `${from}>${to}`;
    let table = this.tables.get(key);
    if (!table) this.tables.set(key, (table = new Map()));
    let t = table.get(k);
    if (t === undefined) {
      this.runs++;
      const engine = new Engine();
      const net = createNetworkModel(this.model, engine, this.topology);
      let last = 0;
      const h = engine.register({ onEvent: () => (last = Math.max(last, engine.now)) });
      for (let i = 0; i < this.tp; i++) net.send(from * this.tp + i, to * this.tp + i, 2 ** k, h, 0, 0, 0, 0);
      engine.run();
      t = last;
      table.set(k, t);
    }
    return t;
  }

  transferNs(from: number, to: number, bytesPerGpu: number): number {
    if (bytesPerGpu <= 0) return 0;
    const k = Math.max(MIN_LOG2, Math.floor(Math.log2(bytesPerGpu)));
    const lo = 2 ** k;
    if (bytesPerGpu <= lo) return this.at(from, to, k);
    const a = this.at(from, to, k), b = this.at(from, to, k + 1);
    return a + ((b - a) * (bytesPerGpu - lo)) / lo;
  }
}
