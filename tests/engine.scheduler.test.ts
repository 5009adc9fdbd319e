// One suite, every scheduler (ns-3's SimulatorTestSuite pattern): the same randomized workloads must pop in the
// identical (time, seq) order, which is checked against a plain sort of the keys.
import { describe, expect, it } from 'vitest';
import { createRng } from '../src/engine/rng.ts';
import { createScheduler, SCHEDULER_NAMES, type EventKeys } from '../src/engine/scheduler.ts';

function keys(cap: number): EventKeys {
  return { time: new Float64Array(cap), seq: new Float64Array(cap) };
}

describe.each(SCHEDULER_NAMES)('scheduler %s', (name) => {
  it('pops by time, then FIFO among equal times', () => {
    const k = keys(8);
    const q = createScheduler(name, k);
    const times = [5, 3, 5, 1, 3, 5, 0, 1];
    times.forEach((t, i) => { k.time[i] = t; k.seq[i] = i; q.push(i); });
    const order: number[] = [];
    for (let s = q.pop(); s !== -1; s = q.pop()) order.push(s);
    // sorted by time, ties by insertion (seq): t0:6, t1:3,7, t3:1,4, t5:0,2,5
    expect(order).toEqual([6, 3, 7, 1, 4, 0, 2, 5]);
    expect(q.size).toBe(0);
    expect(q.pop()).toBe(-1);
    expect(q.peek()).toBe(-1);
  });

  it.each([
    ['random delays', 2000, 1],
    ['heavy ties (16 distinct delays)', 16, 1000],
    ['all equal delays', 1, 7],
  ])('hold model with %s matches a sorted reference', (_label, spread, quantum) => {
    const rng = createRng(42, `${name}-${spread}`);
    const cap = 50_000;
    const k = keys(cap);
    const q = createScheduler(name, k);
    const free: number[] = [];
    let seq = 0;
    let now = 0;
    const pending = new Map<number, [number, number]>(); // slot -> [time, seq]
    const push = (slot: number, t: number) => {
      k.time[slot] = t; k.seq[slot] = seq; pending.set(slot, [t, seq]); seq++; q.push(slot);
    };
    for (let i = 0; i < 2000; i++) push(i, rng.int(spread) * quantum);
    for (let i = 2000; i < cap; i++) free.push(i);
    for (let op = 0; op < 20_000; op++) {
      // reference: minimum (time, seq) among pending
      let best = -1, bt = Infinity, bs = Infinity;
      if (op % 97 === 0) {
        for (const [slot, [t, s]] of pending) if (t < bt || (t === bt && s < bs)) { best = slot; bt = t; bs = s; }
        expect(q.peek()).toBe(best);
      }
      const slot = q.pop();
      const [t, s] = pending.get(slot)!;
      if (best !== -1) expect(slot).toBe(best);
      expect(t).toBeGreaterThanOrEqual(now);
      now = t;
      pending.delete(slot);
      void s;
      free.push(slot);
      // push one or two (the queue grows and shrinks)
      const n = op % 3 === 0 ? 2 : op % 3 === 1 ? 1 : 0;
      for (let j = 0; j < n && free.length > 0; j++) push(free.pop()!, now + rng.int(spread) * quantum);
    }
    // drain: the remaining order must equal the sorted reference exactly
    const rest = [...pending.entries()].sort((x, y) => x[1][0] - y[1][0] || x[1][1] - y[1][1]).map((e) => e[0]);
    const got: number[] = [];
    for (let s = q.pop(); s !== -1; s = q.pop()) got.push(s);
    expect(got).toEqual(rest);
  });

  it('clear empties the queue and it is reusable', () => {
    const k = keys(4);
    const q = createScheduler(name, k);
    for (let i = 0; i < 4; i++) { k.time[i] = 10 - i; k.seq[i] = i; q.push(i); }
    q.clear();
    expect(q.size).toBe(0);
    expect(q.pop()).toBe(-1);
    k.time[2] = 3; q.push(2);
    expect(q.pop()).toBe(2);
  });
});

describe('all schedulers agree', () => {
  it('identical pop order on a randomized workload with many ties', () => {
    const orders = SCHEDULER_NAMES.map((name) => {
      const rng = createRng(7, 'agree');
      const cap = 10_000;
      const k = keys(cap);
      const q = createScheduler(name, k);
      let seq = 0;
      for (let i = 0; i < cap; i++) { k.time[i] = rng.int(50) * 10; k.seq[i] = seq++; q.push(i); }
      const out: number[] = [];
      for (let i = 0; i < 5000; i++) {
        const s = q.pop();
        out.push(s);
        k.time[s] = k.time[s]! + rng.int(50) * 10; k.seq[s] = seq++; q.push(s);
      }
      return out;
    });
    for (const o of orders.slice(1)) expect(o).toEqual(orders[0]);
  });
});
