// Chrome-trace timelines (FORMATS.md §5): valid JSON, µs timestamps with ns precision, process/thread metadata,
// slices that nest perfectly per thread, flows that pair up from each send to its recv, and the filters and cap.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticTrace } from '../bench/synthetic.ts';
import type { RunSpec } from '../src/api/index.ts';
import type { Op, Trace } from '../src/workload/trace.ts';
import { ring, run, spmd, topo, traceFile } from './helpers/trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-tl-'));
let n = 0;

interface Ev { ph: string; name: string; pid: number; tid: number; ts: number; dur?: number; id?: number; bp?: string; cat?: string; args?: Record<string, unknown> }

function timeline(t: Trace, topology = ring(t.ranks), extra: Partial<RunSpec> = {}, tl: Partial<NonNullable<RunSpec['timeline']>> = {}) {
  const path = join(dir, `t${n++}.json`);
  const report = run(t, topology, { ...extra, timeline: { path, ...tl } });
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: Ev[]; displayTimeUnit: string; otherData: Record<string, unknown> };
  return { report, doc, events: doc.traceEvents };
}

/** Every pair of slices on one (pid, tid) is disjoint or nested. */
function checkNesting(events: Ev[]): void {
  const byThread = new Map<string, Ev[]>();
  for (const e of events) {
    if (e.ph !== 'X') continue;
    const k = `${e.pid}/${e.tid}`;
    (byThread.get(k) ?? byThread.set(k, []).get(k)!).push(e);
  }
  for (const [k, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const stack: number[] = [];
    for (const e of list) {
      const end = e.ts + e.dur!;
      while (stack.length > 0 && stack[stack.length - 1]! <= e.ts + 1e-9) stack.pop();
      if (stack.length > 0) expect(end, `slice "${e.name}" on ${k} overlaps its enclosing slice`).toBeLessThanOrEqual(stack[stack.length - 1]! + 1e-9);
      stack.push(end);
    }
  }
}

describe('Chrome trace', () => {
  it('dp-overlap-4: metadata, µs units, args, one thread per stream', () => {
    const { doc, events } = timeline(traceFile('dp-overlap-4.json'));
    expect(doc.displayTimeUnit).toBe('ns');
    expect(doc.otherData).toMatchObject({ generator: 'orrery', stepTimeNs: 266_000 });
    const meta = events.filter((e) => e.ph === 'M');
    for (let r = 0; r < 4; r++) {
      expect(meta).toContainEqual({ ph: 'M', name: 'process_name', pid: r, tid: 0, args: { name: `rank ${r}` } });
      expect(meta).toContainEqual({ ph: 'M', name: 'process_sort_index', pid: r, tid: 0, args: { sort_index: r } });
    }
    // streams of the program in order: compute (tid 0), comm (tid 1)
    expect(meta.filter((e) => e.name === 'thread_name' && e.pid === 0).map((e) => [e.tid, e.args!.name])).toEqual([[0, 'compute'], [1, 'comm']]);
    const x = events.filter((e) => e.ph === 'X' && e.pid === 2);
    // ts and dur are µs: forward 0-10,000 ns → ts 0, dur 10; AR L1 18,000-141,000 ns → ts 18, dur 123
    expect(x.find((e) => e.name === 'forward')).toMatchObject({ ts: 0, dur: 10, tid: 0, cat: 'compute' });
    const ar = x.find((e) => e.name === 'grad all-reduce L1')!;
    expect(ar).toMatchObject({ ts: 18, dur: 123, tid: 1, cat: 'coll' });
    expect(ar.args).toEqual({ op: 2, kind: 'coll', collectiveOp: 'allreduce', group: 'world', bytes: 4_000_000, algorithm: 'ring', chunks: 1, collective: 0, members: 4, deps: [1] });
    expect(events.filter((e) => e.ph === 'X')).toHaveLength(24);
    checkNesting(events);
  });

  it('keeps ns precision: ts = ns / 1000 as a float', () => {
    // ping-pong: rank 1's compute runs 20,500-21,500 ns → ts 20.5, dur 1
    const { events } = timeline(traceFile('pingpong-2.json'));
    expect(events.find((e) => e.ph === 'X' && e.name === 'work')).toMatchObject({ pid: 1, ts: 20.5, dur: 1 });
    // a 1,234,567 ns compute: dur 1234.567
    const one = timeline(spmd(1, [{ id: 0, kind: 'compute', durationNs: 1_234_567 }]), ring(1));
    expect(one.events.find((e) => e.ph === 'X')!.dur).toBe(1234.567);
  });

  it('flows: each send pairs with its recv, each end inside its slice', () => {
    const { events, report } = timeline(traceFile('pipeline-4.json'));
    const x = events.filter((e) => e.ph === 'X');
    const s = events.filter((e) => e.ph === 's');
    const f = events.filter((e) => e.ph === 'f');
    expect(s).toHaveLength(12); // 12 messages: 3 links × 2 microbatches × (activation + gradient)
    expect(report.timeline!.flows).toBe(12);
    expect(f.map((e) => e.id).sort()).toEqual(s.map((e) => e.id).sort());
    const inside = (e: Ev, kind: string) => x.find((y) => y.pid === e.pid && y.tid === e.tid && y.cat === kind && y.ts <= e.ts && e.ts <= y.ts + y.dur!);
    for (const a of s) {
      const b = f.find((e) => e.id === a.id)!;
      expect(b.bp).toBe('e');
      const send = inside(a, 'send'), recv = inside(b, 'recv');
      expect(send, `flow ${a.id} start`).toBeDefined();
      expect(recv, `flow ${a.id} end`).toBeDefined();
      // the pair is a real send → recv: same bytes and tag, peers pointing at each other
      expect(send!.args).toMatchObject({ peer: b.pid, tag: recv!.args!.tag, bytes: recv!.args!.bytes });
      expect(recv!.args!.peer).toBe(a.pid);
    }
    checkNesting(events);
  });

  it('ops without a stream, and overlapping ops of one stream (astra policy), get lanes of their own', () => {
    const ops: Op[] = [
      { id: 0, kind: 'wait', durationNs: 100 },
      { id: 1, kind: 'wait', durationNs: 50 },
      { id: 2, kind: 'wait', durationNs: 30, deps: [1] },
      { id: 3, kind: 'compute', durationNs: 100, stream: 's' },
      { id: 4, kind: 'wait', durationNs: 60, stream: 's' },
    ];
    // astra policy ignores streams: the compute and the wait on stream s both run from 0
    const { events } = timeline(spmd(1, ops), ring(1), { policy: 'astra' });
    const names = events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
    expect(names).toEqual(['s', 's #2', 'other', 'other #2']);
    checkNesting(events);
  });

  it('the nesting check catches a partial overlap', () => {
    const e = (ts: number, dur: number): Ev => ({ ph: 'X', name: 'x', pid: 0, tid: 0, ts, dur });
    expect(() => checkNesting([e(0, 10), e(2, 3), e(10, 5)])).not.toThrow();
    expect(() => checkNesting([e(0, 10), e(5, 10)])).toThrow(/overlaps its enclosing slice/);
  });

  it('filters by rank and time window; caps the slices with a message saying what was cut', () => {
    const t = syntheticTrace({ ranks: 8, tp: 4, layers: 4, shared: true });
    const tp = topo({ kind: 'ring', npus: 4, bandwidthGBps: 50, latencyNs: 500 }, { kind: 'ring', npus: 2, bandwidthGBps: 50, latencyNs: 500 });
    const all = timeline(t, tp);
    expect(all.report.timeline!.slices).toBe(8 * 20);
    const two = timeline(t, tp, {}, { ranks: [0, 5] });
    expect(new Set(two.events.map((e) => e.pid))).toEqual(new Set([0, 5]));
    expect(two.report.timeline!.slices).toBe(2 * 20);
    // window: slices overlapping [0, 20 us] on rank 0: the first forward (0-20,000) and what starts by 20,000
    const win = timeline(t, tp, {}, { ranks: [0], windowNs: [0, 20_000] });
    const wx = win.events.filter((e) => e.ph === 'X');
    expect(wx.length).toBeGreaterThan(0);
    for (const e of wx) expect(e.ts).toBeLessThanOrEqual(20);
    expect(wx.map((e) => e.name)).toContain('L0.fwd');
    // cap: 25 slices of 160 → the 25 that start first, and a message
    const cap = timeline(t, tp, {}, { maxEvents: 25 });
    const cx = cap.events.filter((e) => e.ph === 'X');
    expect(cx.length).toBeLessThanOrEqual(25);
    expect(cx.length).toBeGreaterThan(15);
    const latest = Math.max(...cx.map((e) => e.ts));
    const allStarts = all.events.filter((e) => e.ph === 'X').map((e) => e.ts).sort((a, b) => a - b);
    expect(latest).toBeLessThan(allStarts[25]!);
    expect(cap.report.timeline!.cut).toMatch(/^timeline: 160 slices matched, more than the cap of 25; wrote the \d+ that start before [\d,]+ ns\. Narrow it with --timeline-ranks \(e\.g\. 0-7\) or --timeline-window \(e\.g\. 0:5ms\), or raise --timeline-max-events\.$/);
    checkNesting(cap.events);
  });

  it('a bigger run: every thread nests and every flow pairs', () => {
    const t = syntheticTrace({ ranks: 16, tp: 4, layers: 6 });
    const { events } = timeline(t, topo({ kind: 'ring', npus: 4, bandwidthGBps: 50, latencyNs: 500 }, { kind: 'switch', npus: 4, bandwidthGBps: 25, latencyNs: 1000 }));
    checkNesting(events);
    // every X event has a thread_name for its (pid, tid)
    const named = new Set(events.filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    for (const e of events) if (e.ph === 'X') expect(named.has(`${e.pid}/${e.tid}`)).toBe(true);
  });
});
