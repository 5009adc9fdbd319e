/**
 * The program builder of the generators: ops get ids in order, and a "frontier" holds what the next compute op
 * waits for (the previous compute, a blocking collective, a receive). Collectives nothing waits for right away
 * (data-parallel gradient buckets, prefetches) take explicit dependencies instead.
 */
import type { CollectiveOp } from '../../collectives/types.ts';
import type { KernelDesc, Op, Precision } from '../trace.ts';
import type { Cost } from './shapes.ts';

/** Builds one program: ids in order, a "frontier" of what the next compute waits for. */
export class Builder {
  readonly ops: Op[] = [];
  private frontier: number[] = [];

  private push(op: Op): number {
    op.id = this.ops.length;
    this.ops.push(op);
    return op.id;
  }

  private deps(extra?: number[]): { deps?: number[] } {
    const f = this.frontier;
    // the common case (one op to wait for, nothing extra) without the Set: generators emit millions of ops
    if (!extra || extra.length === 0) {
      if (f.length === 0) return {};
      if (f.length === 1) return { deps: [f[0]!] };
    }
    const d = [...new Set([...f, ...(extra ?? [])])];
    return d.length > 0 ? { deps: d } : {};
  }

  compute(name: string, c: Cost, precision: Precision): number {
    const id = this.push({ id: 0, kind: 'compute', name, flops: c.flops, bytes: c.bytes, precision, ...this.deps() });
    this.frontier = [id];
    return id;
  }

  /** A compute op described by its kernel (no FLOPs/bytes: every compute model derives them from the kernel). */
  kernel(name: string, kernel: KernelDesc, precision: Precision): number {
    const id = this.push({ id: 0, kind: 'compute', name, kernel, precision, ...this.deps() });
    this.frontier = [id];
    return id;
  }

  /** A collective the next compute waits for. */
  blocking(name: string, op: CollectiveOp, bytes: number, group: string, stream: string): number {
    const id = this.push({ id: 0, kind: 'coll', name, op, bytes, group, stream, ...this.deps() });
    this.frontier = [id];
    return id;
  }

  /** A collective nothing waits for right away. */
  async(name: string, op: CollectiveOp, bytes: number, group: string, stream: string, deps: number[]): number {
    const d = [...new Set(deps)];
    return this.push({ id: 0, kind: 'coll', name, op, bytes, group, stream, ...(d.length ? { deps: d } : {}) });
  }

  /** A receive the next compute waits for (posted when the pipeline stream reaches it). */
  recv(name: string, peer: number, tag: number, bytes: number): number {
    const id = this.push({ id: 0, kind: 'recv', name, peer, group: 'pp', tag, bytes, stream: 'pp' });
    this.frontier.push(id);
    return id;
  }

  /** A send on the pipeline stream; `blocking`: the next compute also waits for it to be delivered. */
  send(name: string, peer: number, tag: number, bytes: number, blocking = false): number {
    const id = this.push({ id: 0, kind: 'send', name, peer, group: 'pp', tag, bytes, stream: 'pp', ...this.deps() });
    if (blocking) this.frontier.push(id);
    return id;
  }

  waitFor(ids: number[]): void {
    for (const id of ids) if (!this.frontier.includes(id)) this.frontier.push(id);
  }

  get last(): number[] {
    return [...this.frontier];
  }
}
