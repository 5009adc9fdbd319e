// Unknown keys (issue 15 item 5): a typo in an ASTRA-sim file is an error with a did-you-mean unless --lenient;
// Orrery's own files (topology, workload description) are always strict and suggest the key meant.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closestKey } from '../src/io/keys.ts';
import { ROOT } from './helpers/cli.ts';
import { orreryInproc } from './helpers/inproc.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const SYSTEM = join(ROOT, 'traces/astra/Ring_4chunks.json');

describe('did you mean', () => {
  it('finds a key one or two edits away and nothing for a stranger', () => {
    expect(closestKey('endpoi?t-delay', ['endpoint-delay', 'local-mem-bw'])).toBe('endpoint-delay');
    expect(closestKey('bandwithGBps', ['bandwidthGBps', 'latencyNs'])).toBe('bandwidthGBps');
    expect(closestKey('zzz', ['bandwidthGBps', 'latencyNs'])).toBeUndefined();
  });
});

describe('ASTRA-sim files', () => {
  const sys = JSON.parse(readFileSync(SYSTEM, 'utf8')) as Record<string, unknown>;
  const { 'endpoint-delay': delay, ...rest } = sys;
  const typo = file('typo.json', JSON.stringify({ ...rest, 'endpoi?t-delay': delay }));
  const args = ['collective', '-t', 'ring:4', '--astra-system', typo, '-o', 'allreduce', '-s', '1MiB'];
  it('a typo in a system key is an error naming the key meant', async () => {
    const r = await orreryInproc(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown key "endpoi\?t-delay"; did you mean "endpoint-delay"\?.*--lenient/);
  });
  it('--lenient runs with a warning', async () => {
    const r = await orreryInproc([...args, '--lenient']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*endpoi\?t-delay/);
  });
  it('a network file key too', async () => {
    const net = file('net.yml', 'topology: [ Ring ]\nnpus_count: [ 4 ]\nbandwith: [ 50 ]\nbandwidth: [ 50 ]\nlatency: [ 500 ]\n');
    const r = await orreryInproc(['collective', '--astra-network', net, '-o', 'allreduce', '-s', '1MiB']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown key "bandwith"; did you mean "bandwidth"\?/);
  });
});

describe('Orrery files', () => {
  it('a topology file\'s unknown key, top level or in a dimension, is an error with a suggestion', async () => {
    const top = file('t1.json', JSON.stringify({ format: 'orrery-topology', version: 1, name: 'x', dimensoins: [], dimensions: [{ kind: 'ring', npus: 4, bandwidthGBps: 50, latencyNs: 500 }] }));
    expect((await orreryInproc(['collective', '-t', top, '-o', 'allreduce', '-s', '1MiB'])).stderr).toMatch(/unknown key "dimensoins"; did you mean "dimensions"\?/);
    const dim = file('t2.json', JSON.stringify({ format: 'orrery-topology', version: 1, name: 'x', dimensions: [{ kind: 'ring', npus: 4, bandwidthGBps: 50, latncyNs: 500, latencyNs: 500 }] }));
    expect((await orreryInproc(['collective', '-t', dim, '-o', 'allreduce', '-s', '1MiB'])).stderr).toMatch(/unknown key "latncyNs"; did you mean "latencyNs"\?/);
  });
  it('a workload description\'s unknown field suggests the one meant', async () => {
    const r = await orreryInproc(['convert', '--from', 'workload', 'gpt-13b', join(dir, 'w.json'), '--set', 'model.layres=2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/layres.*did you mean "layers"\?/);
  });
});
