// Folded compute chains: a run of compute ops where each releases only the next costs one event, yet every op keeps
// its own start and end, and a deadlock report still sees them as done.
import { describe, expect, it } from 'vitest';
import { CollectiveSystem, parseAlgorithm } from '../src/collectives/index.ts';
import { Engine } from '../src/engine/index.ts';
import { createNetworkModel } from '../src/network/index.ts';
import { runReplay, TraceError, validateTrace, type Op, type Trace } from '../src/workload/index.ts';
import { ring, trace } from './helpers/trace.ts';

function replay(t: Trace) {
  const v = validateTrace(t);
  const engine = new Engine();
  const network = createNetworkModel('analytical', engine, ring(Math.max(2, t.ranks)));
  const system = new CollectiveSystem(engine, network, {});
  return runReplay(engine, network, system, v, { algorithms: [parseAlgorithm('ring', 'a')], record: true });
}

const c = (id: number, durationNs: number, deps?: number[]): Op => ({ id, kind: 'compute', durationNs, ...(deps ? { deps } : {}) });

describe('compute chains', () => {
  it('three compute ops in a row: one event, each op its own times', () => {
    // ops 0 → 1 → 2 on the compute stream (each releases only the next): 0-100, 100-300, 300-600 ns
    const { result: r, events } = replay(trace(1, [{ ranks: [0], ops: [c(0, 100), c(1, 200), c(2, 300)] }]));
    expect(events).toBe(1);
    expect(r.stepNs).toBe(100 + 200 + 300);
    expect(Array.from(r.startNs!)).toEqual([0, 100, 300]);
    expect(Array.from(r.endNs!)).toEqual([100, 300, 600]);
    expect(r.computeNs[0]).toBe(600);
  });

  it('a chain ends where an op has a second successor or predecessor', () => {
    // 0 → 1 → 2, and 3 waits for 1 and 2 (on the stream after 2): 1 has two successors (2 and 3), so chain 0-1
    // is one event, 2 another, 3 a third (its two predecessors end at once)
    const { result: r, events } = replay(trace(1, [{ ranks: [0], ops: [c(0, 10), c(1, 20), c(2, 30), c(3, 40, [1])] }]));
    expect(events).toBe(3);
    expect(Array.from(r.endNs!)).toEqual([10, 30, 60, 100]);
  });

  it('a zero-length op inside a chain', () => {
    const { result: r, events } = replay(trace(1, [{ ranks: [0], ops: [c(0, 10), c(1, 0), c(2, 30)] }]));
    expect(events).toBe(1);
    expect(Array.from(r.startNs!)).toEqual([0, 10, 10]);
    expect(Array.from(r.endNs!)).toEqual([10, 10, 40]);
  });

  it('a deadlock report after a folded chain names the stuck recv, not the chain', () => {
    // both ranks post their recv before their send: each waits for the other; rank 0 ran a chain first
    const ops0: Op[] = [c(0, 10), c(1, 20), { id: 2, kind: 'recv', peer: 1, bytes: 8, deps: [1] }, { id: 3, kind: 'send', peer: 1, bytes: 8, deps: [2] }];
    const ops1: Op[] = [{ id: 0, kind: 'recv', peer: 0, bytes: 8 }, { id: 1, kind: 'send', peer: 0, bytes: 8, deps: [0] }];
    let msg = '';
    try {
      replay(trace(2, [{ ranks: [0], ops: ops0 }, { ranks: [1], ops: ops1 }]));
    } catch (e) {
      expect(e).toBeInstanceOf(TraceError);
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^deadlock: 4 of 6 ops never finished/);
    expect(msg).toContain('rank 0: op 2 (recv from rank 1, tag 0) issued at 30 ns');
    expect(msg).not.toMatch(/rank 0: op [01] /);
  });
});
