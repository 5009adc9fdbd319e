// Numbers (issue 15 item 2): every numeric input has a documented range (src/units/ranges.ts); values whose times
// could not be exact integer ns, and non-finite or denormal values, are refused with the flag or key named, in CLI
// flags, topology files (logical and physical) and ASTRA-sim network and system files. What the ranges cannot see
// (a huge size over a tiny bandwidth) stops at 2^53 ns in the engine, as bad input (status 1), never a bug.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/index.ts';
import { checkRange, MAX_TIME_NS, rangeProblem, RANGES } from '../src/units/index.ts';
import { ROOT } from './helpers/cli.ts';
import { orreryInproc } from './helpers/inproc.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-ranges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** Refused as bad input: status 1, one line, naming `field`; never an internal error. */
async function refused(args: string[], field: string | RegExp) {
  const r = await orreryInproc(args);
  expect(r.stderr).not.toMatch(/internal error|This is a bug/);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(field);
  return r;
}

describe('the ranges', () => {
  it('refuse non-finite, denormal and out-of-range values and accept the bounds', () => {
    const bw = RANGES.bandwidthGBps;
    expect(rangeProblem(1e-320, bw)).toMatch(/denormal/); // 1e-320 < 2^-1022 ≈ 2.2e-308
    expect(rangeProblem(Infinity, bw)).toMatch(/finite/);
    expect(rangeProblem(NaN, bw)).toMatch(/finite/);
    expect(rangeProblem(1e-300, bw)).toMatch(/expected from 1e-6 to 1e18 GB\/s/);
    expect(rangeProblem(1e-6, bw)).toBeUndefined();
    expect(rangeProblem(1e18, bw)).toBeUndefined();
    expect(rangeProblem(1e19, bw)).toMatch(/expected/);
    expect(rangeProblem(1.5, RANGES.delayNs)).toMatch(/whole number/);
    expect(rangeProblem(0, RANGES.factor)).toMatch(/more than 0/);
    expect(() => checkRange('50', bw, 'x.bandwidthGBps')).toThrow(/x\.bandwidthGBps is "50"; expected a number/);
  });
  it('keep one contribution far inside 2^53 ns: 1 GB at the smallest bandwidth, and the largest latency', () => {
    // 1e9 B / (1e-6 B/ns) = 1e15 ns; 2^53 ≈ 9.007e15 ns
    expect(1e9 / RANGES.bandwidthGBps.min).toBeLessThan(MAX_TIME_NS);
    expect(RANGES.latencyNs.max * 9000).toBeLessThan(MAX_TIME_NS);
  });
});

describe('CLI flags', () => {
  const base = ['collective', '-t', 'ring:4', '-o', 'allreduce', '-s', '1MiB'];
  it.each([
    [['--bandwidth', '1e-320'], /--bandwidth "1e-320": a denormal/],
    [['--bandwidth', '1e-300'], /--bandwidth "1e-300": expected from 1e-6/],
    [['--bandwidth', '50,Infinity'], /--bandwidth "Infinity"/],
    [['--latency', '1e300'], /--latency "1e300": expected from 0 to 1e12 ns/],
    [['--endpoint-delay', '1e30'], /--endpoint-delay "1e30"/],
    [['--local-mem-bw', '1e-320'], /--local-mem-bw "1e-320"/],
  ])('%j is refused', async (extra, msg) => {
    await refused([...base, ...extra], msg);
  });
  it('run refuses an efficiency above 1 and a jitter of 1e300', async () => {
    const run = ['run', '-t', 'ring:4', '--trace', join(ROOT, 'traces/dp-overlap-4.json')];
    await refused([...run, '--compute-efficiency', '2'], /--compute-efficiency "2": expected more than 0 to 1/);
    await refused([...run, '--jitter', '1e300'], /--jitter/);
    await refused([...run, '--straggler', '1:1e300'], /--straggler/);
  });
  it('a size too large for the bandwidth stops at 2^53 ns as bad input', async () => {
    // 1 TiB per rank at 1e-5 GB/s: one ring step moves 2^40/4 B in 2.7e16 ns > 2^53 ns
    await refused([...base.slice(0, 5), '-s', '1TiB', '--bandwidth', '1e-5'], /past 2\^53 ns/);
  });
  it('in range, the result is an exact integer number of ns', async () => {
    const r = await orreryInproc([...base, '--bandwidth', '1e-6', '--json']);
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout).timeNs as number;
    // ring all-reduce on 4 NPUs, 1 MiB: 2(p−1) = 6 steps of 2^20/4 B at 1e-6 B/ns plus 500 ns: 6·(2.62144e11 + 500)
    expect(t).toBe(6 * (2 ** 18 / 1e-6 + 500));
    expect(Number.isSafeInteger(t)).toBe(true);
  });
});

describe('files', () => {
  it('a topology file names the dimension and key', async () => {
    const p = file('topo.json', JSON.stringify({ format: 'orrery-topology', version: 1, name: 'x', dimensions: [{ kind: 'ring', npus: 4, bandwidthGBps: 1e-320, latencyNs: 500 }] }));
    await refused(['collective', '-t', p, '-o', 'allreduce', '-s', '1MiB'], /dimension 0: bandwidthGBps is 1e-320, a denormal/);
  });
  it('a physical section names its key', async () => {
    const doc = JSON.parse(readFileSync(join(ROOT, 'topologies/dgx-h100-32node-rail.json'), 'utf8'));
    doc.physical.nicLatencyNs = 1e300;
    const p = file('rail.json', JSON.stringify(doc));
    await refused(['collective', '-t', p, '-o', 'allreduce', '-s', '1MiB'], /nicLatencyNs is 1e\+300; expected from 0 to 1e12 ns/);
    doc.physical.nicLatencyNs = 1000;
    doc.physical.nicGBps = 5e-324;
    writeFileSync(p, JSON.stringify(doc));
    await refused(['collective', '-t', p, '-o', 'allreduce', '-s', '1MiB'], /nicGBps is 5e-324, a denormal/);
  });
  it('ASTRA-sim network and system files name the key', async () => {
    const net = file('net.yml', 'topology: [ Ring ]\nnpus_count: [ 4 ]\nbandwidth: [ 1e-320 ]\nlatency: [ 500 ]\n');
    await refused(['collective', '--astra-network', net, '-o', 'allreduce', '-s', '1MiB'], /bandwidth\[0\] is 1e-320/);
    const net2 = file('net2.yml', 'topology: [ Ring ]\nnpus_count: [ 4 ]\nbandwidth: [ 50 ]\nlatency: [ 1e300 ]\n');
    await refused(['collective', '--astra-network', net2, '-o', 'allreduce', '-s', '1MiB'], /latency\[0\] is 1e\+300/);
    const sys = file('sys.json', JSON.stringify({ 'endpoint-delay': 1e30, 'local-mem-bw': 50 }));
    await refused(['collective', '-t', 'ring:4', '--astra-system', sys, '-o', 'allreduce', '-s', '1MiB'], /"endpoint-delay" is 1e\+30/);
    const sys2 = file('sys2.json', JSON.stringify({ 'endpoint-delay': 10, 'local-mem-bw': 1e-320 }));
    await refused(['collective', '-t', 'ring:4', '--astra-system', sys2, '-o', 'allreduce', '-s', '1MiB'], /"local-mem-bw" is 1e-320/);
  });
});

describe('the engine', () => {
  it('refuses an event past 2^53 ns as bad input (a UnitError), not a crash', () => {
    const e = new Engine();
    const h = e.register({ onEvent() {} });
    expect(() => e.scheduleAt(MAX_TIME_NS + 2, h)).toThrow(/past 2\^53 ns/);
    expect(() => e.schedule(Infinity, h)).toThrow(/past 2\^53 ns/);
    expect(() => e.scheduleAt(MAX_TIME_NS, h)).not.toThrow(); // 2^53 itself is exact
  });
});
