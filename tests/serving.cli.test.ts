// `orrery serve` end to end from the CLI: the JSON fields the issue names, determinism, the CSV, and bad input.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSlo, runServe, type ServeOptions } from '../src/api/index.ts';
import { orrery } from './helpers/cli.ts';

const BASE = ['serve', '--workload', 'llama-2-70b', '-t', 'dgx-a100', '--replicas', '2', '--tp', '4', '--scheduler', 'vllm'];

describe('orrery serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orrery-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json has requests, throughputTokensPerS, ttftNs/tbtNs/e2eNs {p50,p90,p99,max} and wallMs; same seed, same bytes', () => {
    const args = [...BASE, '--trace', 'splitwise_conv', '--qps', '2', '--requests', '60', '--seed', '3', '--slo', 'ttft=2s,tbt=200ms', '--json'];
    const a = orrery(args), b = orrery(args);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const j = JSON.parse(a.stdout);
    expect(j.requests).toBe(60);
    for (const k of ['ttftNs', 'tbtNs', 'e2eNs', 'tpotNs']) expect(Object.keys(j[k])).toEqual(['p50', 'p90', 'p99', 'max']);
    expect(j.throughputTokensPerS).toBeGreaterThan(0);
    expect(typeof j.wallMs).toBe('number');
    expect(j.slo.attainment).toBeGreaterThan(0);
    expect(j.slo.attainment).toBeLessThanOrEqual(1);
    const strip = (s: string) => s.replace(/"wallMs": [0-9.e+-]+/, '');
    expect(strip(b.stdout)).toBe(strip(a.stdout));
    const c = orrery(args.map((x) => (x === '3' ? '4' : x)));
    expect(strip(c.stdout)).not.toBe(strip(a.stdout));
  });

  it('--pp and --preemption swap reach the run; the same flags through sweep serve give the same figures', () => {
    const args = ['serve', '--workload', 'llama-2-70b', '-t', 'dgx-a100', '--tp', '2', '--pp', '2', '--requests', '40', '--qps', '8',
      '--prompt-tokens', 'uniform:100-800', '--output-tokens', '64', '--seed', '2', '--preemption', 'swap', '--json'];
    const r = orrery(args);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect([j.setup.pp, j.setup.stageLayers, j.setup.swap.hostBandwidthGBps]).toEqual([2, [40, 40], 32]);
    const sw = orrery(['sweep', 'serve', '--workload', 'llama-2-70b', '-t', 'dgx-a100', '--tp', '2', '--pp', '1,2', '--requests', '40', '--qps', '8',
      '--prompt-tokens', 'uniform:100-800', '--output-tokens', '64', '--seed', '2', '--preemption', 'swap', '--format', 'jsonl', '-j', '1', '-q']);
    expect(sw.code).toBe(0);
    const rows = sw.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.pp)).toEqual([1, 2]);
    expect([rows[1].throughputTokensPerS, rows[1].ttftP99Ns, rows[1].steps]).toEqual([j.throughputTokensPerS, j.ttftNs.p99, j.steps]);
  });

  it('--csv writes one row per request, consistent with the JSON', () => {
    const csv = join(dir, 'r.csv');
    const r = orrery([...BASE, '--requests', '8', '--prompt-tokens', 'uniform:100-400', '--output-tokens', '16', '--qps', '5', '--seed', '1', '--csv', csv, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,replica,arrivalNs,promptTokens,outputTokens,ttftNs,e2eNs,maxTbtNs,tpotNs,preemptions,meetsSlo');
    expect(lines).toHaveLength(9);
    const e2e = lines.slice(1).map((l) => Number(l.split(',')[6]));
    expect(Math.max(...e2e)).toBe(j.e2eNs.max);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['0', '1', '0', '1', '0', '1', '0', '1']); // round robin
  });

  it('prints a human table', () => {
    const r = orrery([...BASE, '--requests', '4', '--seed', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TTFT .*\n\s+TBT .*\n\s+TPOT .*\n\s+E2E /);
    expect(r.stdout).toContain('4 (2,048 prompt, 512 output tokens)'); // defaults: 512 prompt, 128 output tokens
  });

  it('bad input: one line naming the flag, exit 1', () => {
    const r = orrery([...BASE, '--requests', '2', '--seed', '1', '--scheduler', 'fifo']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--scheduler "fifo": expected one of: vllm, orca, sarathi, static');
  });
});

describe('runServe: bad input (the same messages the CLI prints)', () => {
  const base: ServeOptions = { workload: 'llama-2-70b', topology: 'dgx-a100', replicas: 2, tp: 4, scheduler: 'vllm', requests: 2, seed: 1 };
  it.each([
    [{ router: 'fastest' }, '--router "fastest": expected one of: round-robin, least-outstanding, random'],
    [{ tp: 1 }, 'llama-2-70b does not fit: its weights take 138.0 GB per GPU at TP 1'],
    [{ tp: 8 }, '--replicas 2 × --tp 8 needs 16 GPUs; the topology dgx-a100 has 8'],
    [{ trace: 'nope' }, '--trace: "nope" is neither a file nor a trace in traces/serving/'],
    [{ promptTokens: 'lots' }, '--prompt-tokens "lots": expected a token count (512), uniform:MIN-MAX or zipf:MAX[:S]'],
    [{ workload: 'llama-9000' }, '--workload: "llama-9000" is neither a file nor a named workload; named workloads: '],
    [{ topology: 'switch:8' }, '--device: required, the topology "switch:8" does not name one (a100, h100)'],
    [{ slo: 'latency=3s' }, '--slo "latency=3s": "latency=3s" is not NAME=TIME with NAME one of: ttft, tbt, tpot, e2e'],
    // ⌊(0.41 · 80 GiB − 68,975,329,280 / 4 · 2 B) / (16 · 81,920 B)⌋ = ⌊731,067,187 / 1,310,720⌋ = 557 blocks;
    // 10,000 + 100 − 1 tokens need ⌈10099 / 16⌉ = 632
    [{ promptTokens: '10000', outputTokens: '100', gpuMemoryUtilization: 0.41 }, 'request 0 (10000 prompt + 100 output tokens) needs 632 KV blocks of 16 tokens; a replica holds 557'],
  ] as [Partial<ServeOptions>, string][])('%j', (extra, msg) => {
    expect(() => runServe({ ...base, ...extra })).toThrow(msg);
  });

  it('parses SLOs with units', () => {
    expect(parseSlo('ttft=2s,tbt=200ms')).toEqual({ ttftNs: 2e9, tbtNs: 2e8 });
    expect(parseSlo('e2e=1.5s, tpot=50ms')).toEqual({ e2eNs: 1.5e9, tpotNs: 5e7 });
  });
});
