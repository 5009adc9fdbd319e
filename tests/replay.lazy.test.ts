// Lazy programs (workload/trace.ts lazyProgram): a generated training step whose programs make their ops when read
// replays exactly as the same step held as plain data, reads each program's ops once in runTrace, writes the same
// JSON, and fails with the same messages.
import { describe, expect, it } from 'vitest';
import { generateWorkload, loadWorkload, resolveTopology, runTrace } from '../src/api/index.ts';
import { createComputeModel } from '../src/api/compute.ts';
import { CollectiveSystem, parseAlgorithm } from '../src/collectives/index.ts';
import { Engine } from '../src/engine/index.ts';
import { createNetworkModel } from '../src/network/index.ts';
import {
  buildTimeline, getDevice, isLazyProgram, lazyProgram, materializeTrace, runReplay, validateTrace, type LazyCache, type Op, type Program, type Trace,
} from '../src/workload/index.ts';

// a 16-rank GPT-3 step: TP 2, PP 4 (1F1B), DP 2, 8 microbatches per pipeline, Megatron's kernel list
const SET = {
  'model.layers': 8, 'training.globalBatch': 16, 'training.parallel.tp': 2, 'training.parallel.pp': 4, 'training.parallel.dp': 2,
  'training.kernels': 'megatron',
};
const TOPO = 'dgx-a100:2';
const A100 = getDevice('A100-SXM4-80GB');

/** The trace with each program made on demand from a copy of its ops, counting how often each is made. */
function lazyCopy(t: Trace): { trace: Trace; made: number[] } {
  const made = t.programs.map(() => 0);
  const cache: LazyCache = {};
  const programs: Program[] = t.programs.map((p, k) => lazyProgram(p.ranks, () => {
    made[k]!++;
    return structuredClone(p.ops) as Op[];
  }, cache));
  return { trace: { ...t, programs }, made };
}

describe('lazy programs', () => {
  const { topology } = resolveTopology({ topology: TOPO });
  const dims = topology.dims.map((d) => d.npus);
  const eager = generateWorkload('gpt3-175b', { set: SET, dims });

  it('the generator makes them with `lazy`, and they read as the same data', () => {
    const lazy = generateWorkload('gpt3-175b', { set: SET, dims, lazy: true });
    expect(lazy.programs.length).toBe(4); // one per pipeline stage
    expect(lazy.programs.every(isLazyProgram)).toBe(true);
    expect(eager.programs.some(isLazyProgram)).toBe(false);
    // the writers see a plain list through the getter: byte-identical JSON
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(eager));
    const m = materializeTrace(lazy);
    expect(m.programs.some(isLazyProgram)).toBe(false);
    expect(JSON.stringify(m)).toBe(JSON.stringify(eager));
  });

  it('runTrace replays a lazy trace as the plain one, every collective and its name included, making each program once', () => {
    const spec = { topology, model: 'flow', algorithms: ['auto'], device: 'A100-SXM4-80GB' } as const;
    const a = runTrace({ ...spec, trace: eager });
    const { trace, made } = lazyCopy(eager);
    const b = runTrace({ ...spec, trace });
    // validation and compilation share one read of each program's ops
    expect(made).toEqual([1, 1, 1, 1]);
    expect(b.stepTimeNs).toBe(a.stepTimeNs);
    expect(b.ranks).toEqual(a.ranks);
    expect(b.events).toBe(a.events);
    expect(b.collectiveSummary).toEqual(a.collectiveSummary);
    // names are read from the ops when the rows are: once more per program, for its coll ops' names
    expect(b.collectives).toEqual(a.collectives);
    expect(b.collectives.filter((c) => c.name === undefined)).toEqual([]);
    expect(made).toEqual([2, 2, 2, 2]);
  });

  it('a timeline of a replay of a lazy trace names every slice as the plain trace does, reading each program a bounded number of times', () => {
    const timeline = (t: Trace) => {
      const engine = new Engine();
      const network = createNetworkModel('analytical', engine, topology);
      const { result } = runReplay(engine, network, new CollectiveSystem(engine, network), validateTrace(t), {
        algorithms: [parseAlgorithm('ring', 'algo')], record: true,
        compute: { device: A100, model: createComputeModel({ name: 'kernel', device: A100 }) },
      });
      const tl = buildTimeline(result);
      return { n: tl.slices.n, flows: tl.flows.n, names: Array.from({ length: tl.slices.n }, (_, i) => tl.name(i)), ts: tl.slices.ts };
    };
    // pipeline stage innermost (rank = pp + 4·(tp + 2·dp)): consecutive ranks run different programs
    const plain = generateWorkload('gpt3-175b', { set: { ...SET, 'training.parallel.order': ['pp', 'tp', 'dp'] }, dims });
    expect(plain.programs[0]!.ranks.slice(0, 2)).toEqual([0, 4]);
    const a = timeline(plain);
    const { trace, made } = lazyCopy(plain);
    const b = timeline(trace);
    // validation and the replay's own compilation read each program once, the collective records' names once
    // (their coll ops' names kept), the timeline's slices once (its ops kept while it is built)
    expect(made).toEqual([4, 4, 4, 4]);
    expect(b.n).toBe(a.n);
    expect(b.flows).toBe(a.flows);
    expect(b.names).toEqual(a.names);
    expect(b.ts).toEqual(a.ts);
  });

  it('loadWorkload generates lazily for a replay (same report as the plain trace)', () => {
    const loaded = loadWorkload({ workload: 'gpt3-175b' }, { generate: { set: SET, dims } });
    expect(loaded.trace.programs.every(isLazyProgram)).toBe(true);
    const spec = { topology, model: 'analytical', algorithms: ['ring'], device: 'A100-SXM4-80GB' } as const;
    expect(runTrace({ ...spec, trace: loaded.trace }).stepTimeNs).toBe(runTrace({ ...spec, trace: eager }).stepTimeNs);
    expect(loadWorkload({ workload: 'gpt3-175b' }, { generate: { set: SET, dims }, lazy: false }).trace.programs.some(isLazyProgram)).toBe(false);
  });

  // errors found by the cross-rank checks name the same ops whether the programs are lazy or not
  const base = (): Trace => ({
    format: 'orrery-trace', version: 2, units: { time: 'ns', size: 'B' }, ranks: 2, groups: {},
    programs: [
      { ranks: [0], ops: [{ id: 0, kind: 'coll', op: 'allreduce', bytes: 100 }, { id: 1, kind: 'send', peer: 1, tag: 3, bytes: 10 }] },
      { ranks: [1], ops: [{ id: 0, kind: 'coll', op: 'allreduce', bytes: 100 }, { id: 1, kind: 'recv', peer: 0, tag: 3, bytes: 10 }] },
    ],
  });
  const broken: [string, (t: Trace) => void, RegExp][] = [
    ['collectives that differ', (t) => { (t.programs[1]!.ops[0] as { bytes: number }).bytes = 200; }, /collective #1 differs between members: rank 0 op 0 is allreduce of 100 B, rank 1 op 0 is allreduce of 200 B/],
    ['a message whose sizes differ', (t) => { (t.programs[1]!.ops[1] as { bytes: number }).bytes = 20; }, /rank 0, op 1: sends 10 B to rank 1 \(tag 3\), but the matching recv .* expects 20 B/],
    ['a send to itself', (t) => { (t.programs[0]!.ops[1] as { peer: number }).peer = 0; }, /rank 0, op 1: field "peer": a send to itself/],
    ['a peer past the world', (t) => { (t.programs[0]!.ops[1] as { peer: number }).peer = 5; }, /rank 0, op 1: field "peer": rank 5 does not exist in this 2-rank trace/],
    ['an unknown group', (t) => { (t.programs[0]!.ops[1] as { group: string }).group = 'nope'; }, /rank 0, op 1: field "group": unknown group "nope"/],
    ['a recv without a send', (t) => { t.programs[0]!.ops.pop(); }, /rank 1, op 1: recv of 10 B from rank 0 \(tag 3\) has no matching send/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`reports ${what} the same way`, () => {
      const t = base();
      breakIt(t);
      const plain = (() => { try { validateTrace(t); return ''; } catch (e) { return (e as Error).message; } })();
      expect(plain).toMatch(message);
      expect(() => validateTrace(lazyCopy(t).trace)).toThrow(plain);
    });
  }
});
