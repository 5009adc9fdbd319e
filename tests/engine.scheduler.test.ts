// One suite, every scheduler (ns-3's SimulatorTestSuite pattern): the same randomized workloads must pop in the
// identical (time, seq) order, which is checked against a plain sort of the keys. A scheduler hands out the pool slot
// of each event it queues; the tests track which event (seq) each slot holds.
import { describe, expect, it } from 'vitest';
import { createRng } from '../src/engine/rng.ts';
import { createScheduler, newEventKeys, SCHEDULER_NAMES, type EventKeys, type Scheduler } from '../src/engine/scheduler.ts';

const keys = newEventKeys;
/** Stages the key (time, seq) and pushes, as the engine does; returns the slot the scheduler gave the event. */
function push(k: EventKeys, q: Scheduler, t: number, s: number): number {
  k.key[0] = t;
  k.key[1] = s;
  const slot = q.push();
  // inside the pool, which the scheduler grows as needed (checked without expect: this runs 10^5 times)
  if (!(slot >= 0 && slot < k.gen.length)) expect.fail(`slot ${slot} outside the pool of ${k.gen.length}`);
  return slot;
}

describe.each(SCHEDULER_NAMES)('scheduler %s', (name) => {
  it('pops by time, then FIFO among equal times', () => {
    const k = keys(4); // smaller than the 8 events: the pool must grow
    const q = createScheduler(name, k);
    const times = [5, 3, 5, 1, 3, 5, 0, 1];
    const seqOf = new Map<number, number>();
    times.forEach((t, i) => seqOf.set(push(k, q, t, i), i));
    expect(seqOf.size).toBe(8); // 8 distinct slots while all are queued
    const order: number[] = [];
    const popped: number[] = [];
    for (let s = q.pop(); s !== -1; s = q.pop()) { order.push(seqOf.get(s)!); popped.push(k.key[0]!); }
    // sorted by time, ties by insertion (seq): t0:6, t1:3,7, t3:1,4, t5:0,2,5
    expect(order).toEqual([6, 3, 7, 1, 4, 0, 2, 5]);
    // pop leaves each event's time in key[0]
    expect(popped).toEqual([0, 1, 1, 3, 3, 5, 5, 5]);
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
    const k = keys(1024);
    const q = createScheduler(name, k);
    let seq = 0;
    let now = 0;
    const pending = new Map<number, [number, number]>(); // slot -> [time, seq]
    const add = (t: number) => {
      const slot = push(k, q, t, seq);
      if (pending.has(slot)) expect.fail(`slot ${slot} handed out while queued`);
      pending.set(slot, [t, seq]);
      seq++;
    };
    for (let i = 0; i < 2000; i++) add(rng.int(spread) * quantum);
    for (let op = 0; op < 20_000; op++) {
      // reference: minimum (time, seq) among pending
      let best = -1, bt = Infinity, bs = Infinity;
      if (op % 97 === 0) {
        for (const [slot, [t, s]] of pending) if (t < bt || (t === bt && s < bs)) { best = slot; bt = t; bs = s; }
        expect(q.peek()).toBe(best);
        expect(k.key[0]).toBe(bt);
      }
      const slot = q.pop();
      const [t] = pending.get(slot)!;
      expect(k.key[0]).toBe(t);
      if (best !== -1) expect(slot).toBe(best);
      expect(t).toBeGreaterThanOrEqual(now);
      now = t;
      pending.delete(slot);
      // push two, one or none (the queue grows and shrinks)
      const n = op % 3 === 0 ? 2 : op % 3 === 1 ? 1 : 0;
      for (let j = 0; j < n; j++) add(now + rng.int(spread) * quantum);
    }
    // drain: the remaining order must equal the sorted reference exactly
    const rest = [...pending.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((e) => e[1]);
    const got: number[] = [];
    for (let s = q.pop(); s !== -1; s = q.pop()) got.push(pending.get(s)![1]);
    expect(got).toEqual(rest);
  });

  it('clear empties the queue and it is reusable', () => {
    const k = keys(4);
    const q = createScheduler(name, k);
    for (let i = 0; i < 4; i++) push(k, q, 10 - i, i);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.pop()).toBe(-1);
    const slot = push(k, q, 3, 4);
    expect(q.pop()).toBe(slot);
    expect(k.key[0]).toBe(3);
  });

  it('after clear, reuses the pool for a different mix of crowded and lone times', () => {
    // the calendar makes pool units into a time's first block (4 slots) or into runs of later blocks (16 slots) as it
    // first reaches them; clear must not let a unit keep a role that the new pushes contradict
    const k = keys(16);
    const q = createScheduler(name, k);
    for (let i = 0; i < 100; i++) push(k, q, 5, i); // one crowded time: a unit, then runs
    q.clear();
    const seqOf = new Map<number, number>();
    let seq = 0;
    for (let t = 1; t <= 60; t++) seqOf.set(push(k, q, t, seq), seq++); // 60 lone times: single units
    const order: number[] = [];
    for (let i = 0; i < 10; i++) order.push(seqOf.get(q.pop())!); // times 1..10 leave: their units are freed
    for (let i = 0; i < 70; i++) seqOf.set(push(k, q, 500, seq), seq++); // a crowded time again: runs
    const live = new Set<number>();
    for (const [slot, s] of seqOf) if (s >= 10) live.add(slot);
    expect(live.size).toBe(120); // 50 lone + 70 crowded events, each in a slot of its own
    for (let s = q.pop(); s !== -1; s = q.pop()) order.push(seqOf.get(s)!);
    // times 1..60 in order (seq 0..59), then time 500 in push order (seq 60..129)
    expect(order).toEqual(Array.from({ length: 130 }, (_, i) => i));
  });
});

describe('all schedulers agree', () => {
  it('identical pop order on a randomized workload with many ties', () => {
    const orders = SCHEDULER_NAMES.map((name) => {
      const rng = createRng(7, 'agree');
      const k = keys(1024);
      const q = createScheduler(name, k);
      const seqOf: number[] = [];
      let seq = 0;
      for (let i = 0; i < 10_000; i++) seqOf[push(k, q, rng.int(50) * 10, seq)] = seq++;
      const out: number[] = [];
      for (let i = 0; i < 5000; i++) {
        const s = q.pop();
        out.push(seqOf[s]!);
        seqOf[push(k, q, k.key[0]! + rng.int(50) * 10, seq)] = seq++;
      }
      return out;
    });
    for (const o of orders.slice(1)) expect(o).toEqual(orders[0]);
  });
});
