// orrery run / orrery convert end to end through the bin.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticTrace } from '../bench/synthetic.ts';
import { writeTraceFile } from '../src/io/index.ts';
import { orrery, ROOT } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-cli-'));
const T = (name: string) => join(ROOT, 'traces', name);

describe('orrery run', () => {
  it('--json: step time and per-rank breakdown of dp-overlap-4 on ring:4', () => {
    const r = orrery(['run', '-m', 'analytical', '-t', 'ring:4', '--trace', T('dp-overlap-4.json'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // 10,000 + 8,000 + 2·6·(500 + 4e6/200) + 2,000 (tests/workload.replay.test.ts derives it)
    expect(j.stepTimeNs).toBe(266_000);
    expect(j.ranks).toHaveLength(4);
    expect(j.ranks[0]).toEqual({ rank: 0, endNs: 266_000, computeNs: 28_000, exposedCommNs: 238_000, overlappedCommNs: 8_000, otherNs: 0, idleNs: 0 });
    expect(j.collectives).toHaveLength(2);
    expect(j.collectives[0]).toMatchObject({ op: 'allreduce', group: 'world', bytes: 4e6, algorithms: 'ring', startNs: 18_000, durationNs: 123_000 });
    for (const k of ['trace', 'topology', 'npus', 'model', 'policy', 'algorithms', 'chunks', 'events', 'messages', 'wallMs', 'collectiveSummary', 'warnings']) expect(j).toHaveProperty(k);
  });

  it('prints a human table and writes a timeline', () => {
    const tl = join(dir, 'pp.json');
    const r = orrery(['run', '-m', 'analytical', '-t', 'ring:4', '--trace', T('pipeline-4.json'), '--timeline', tl]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/step time\s+213\.5 us/);
    expect(r.stdout).toMatch(/rank\s+done at\s+compute\s+exposed comm\s+overlapped comm\s+other\s+idle/);
    expect(r.stdout).toMatch(/timeline\s+.*pp\.json: 40 slices, 12 flows/);
    expect(JSON.parse(readFileSync(tl, 'utf8')).traceEvents.length).toBeGreaterThan(40);
  });

  it('summarizes many ranks as min / median / max and the slowest ranks; warns about idle NPUs', () => {
    const p = join(dir, 'syn32.msgpack');
    writeTraceFile(p, syntheticTrace({ ranks: 32, tp: 4, layers: 2, shared: true }));
    const r = orrery(['run', '-m', 'analytical', '-t', 'ring:4,ring:16', '--trace', p, '--straggler', '5:3', '--top', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n\s+min\s+\S/);
    expect(r.stdout).toMatch(/\n\s+median\s+\S/);
    expect(r.stdout).toMatch(/\n\s+max\s+\S/);
    // compute per rank: 2 layers × (20 us forward + 40 us backward) = 120 us; rank 5 at 3× has 360 us
    expect(r.stdout).toMatch(/\n\s+min\s+\S+ ms\s+120 us/);
    expect(r.stdout).toMatch(/\n\s+max\s+\S+ ms\s+360 us/);
    // the slow rows list the ranks that finished last, the first being the one that ended the step
    const last = /last rank done: rank (\d+)/.exec(r.stdout)![1];
    expect(r.stdout.match(/slow \d+/g)).toEqual([`slow ${last}`, expect.stringMatching(/slow \d+/)]);
    expect(r.stdout).toMatch(/min \/ median \/ max over 32 ranks/);
    expect(r.stderr).toMatch(/warning: the trace has 32 ranks on 64 NPUs: NPUs 32\.\.63 stay idle/);
  });

  it('the system options are shared with orrery collective (chunks, algorithm, model)', () => {
    const a = JSON.parse(orrery(['run', '-m', 'analytical', '-t', 'switch:4', '--trace', T('dp-overlap-4.json'), '--algo', 'direct', '--json']).stdout);
    // direct all-reduce on switch:4: 2·(2·500 + 4e6/4/50) = 42,000 per all-reduce: 18,000 + 2·42,000 + 2,000
    expect(a.stepTimeNs).toBe(18_000 + 2 * 42_000 + 2_000);
    expect(a.algorithms).toEqual(['direct']);
  });

  it('reports a deadlock with the stuck ops, exit 1, no stack trace', () => {
    const r = orrery(['run', '-m', 'analytical', '-t', 'ring:2', '--trace', T('deadlock-2.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^orrery: error: deadlock: 4 of 4 ops never finished/);
    expect(r.stderr).toMatch(/rank 1: op 0 "recv from 0" \(recv from rank 0, tag 0\) issued at 0 ns, waits for rank 0 op 1/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--lenient turns dangling dependencies into warnings', () => {
    const p = join(dir, 'dangling.json');
    writeFileSync(p, JSON.stringify({ format: 'orrery-trace', version: 1, units: { time: 'ns', size: 'B' }, ranks: 1, groups: {}, programs: [{ ranks: [0], ops: [{ id: 0, kind: 'compute', durationNs: 5, deps: [42] }] }] }));
    const strict = orrery(['run', '-m', 'analytical', '-t', 'ring:1', '--trace', p]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/dangling\.json: rank 0, op 0: field "deps": op 42 does not exist in this program \(pass --lenient/);
    const lenient = orrery(['run', '-m', 'analytical', '-t', 'ring:1', '--trace', p, '--lenient', '--json']);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/orrery: warning: .*dangling\.json: rank 0, op 0: dependency 42 does not exist in this program; dropped/);
    expect(JSON.parse(lenient.stdout).stepTimeNs).toBe(5);
  });

  it.each([
    [['-t', 'ring:4'], /no workload given: pass one of --trace/],
    [['-t', 'ring:4', '--trace', 'nope.json'], /nope\.json: cannot read trace file \(ENOENT\)/],
    [['-t', 'ring:2', '--trace', T('dp-overlap-4.json')], /the trace has 4 ranks but topology ring:2 has 2 NPUs/],
    [['-t', 'ring:4', '--trace', T('dp-overlap-4.json'), '--device', 'B200'], /unknown device "B200"; expected one of: A100-SXM4-80GB, H100-SXM5-80GB/],
  ])('rejects %j with one clear line', (args, msg) => {
    const r = orrery(['run', ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help explains the options and shows examples', () => {
    const r = orrery(['run', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--trace <file>', '--topology', '--policy', '--device', '--compute-scale', '--straggler', '--jitter', '--seed', '--timeline <file>', '--timeline-ranks', '--timeline-window', '--timeline-max-events', 'Examples:', 'ui.perfetto.dev']) {
      expect(r.stdout).toContain(s);
    }
  });
});

describe('orrery convert', () => {
  it('JSON → msgpack.gz → JSON gives back the same file, and both replay the same', () => {
    const mp = join(dir, 'pp.msgpack.gz'), js = join(dir, 'pp.json');
    const a = orrery(['convert', T('pipeline-4.json'), mp]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/pipeline-4\.json \(\d[\d.]* KB\) → .*pp\.msgpack\.gz \(msgpack, \d+ B\): 4 ranks, 40 ops/);
    expect(orrery(['convert', mp, js]).code).toBe(0);
    expect(readFileSync(js, 'utf8')).toBe(readFileSync(T('pipeline-4.json'), 'utf8'));
    const r1 = JSON.parse(orrery(['run', '-m', 'analytical', '-t', 'ring:4', '--trace', mp, '--json']).stdout);
    expect(r1.stepTimeNs).toBe(213_500);
  });

  it('validates on the way and names the problem', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, readFileSync(T('pingpong-2.json'), 'utf8').replace('"tag":1,"bytes":1000000}\n    ]},', '"tag":1,"bytes":999}\n    ]},'));
    const r = orrery(['convert', bad, join(dir, 'x.msgpack')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.json: rank 1, op 2: sends 1000000 B to rank 0 \(tag 1\), but the matching recv .* expects 999 B/);
    expect(orrery(['convert', T('pingpong-2.json'), join(dir, 'x.txt')]).stderr).toMatch(/x\.txt: cannot tell which encoding to write; name it \.json, \.yaml or \.msgpack/);
  });
});
