// `orrery collective --astra-network … --astra-system …` end to end through the bin: the three published ASTRA-sim
// outputs (tests/fixtures/README.md, "Known outputs"), per-rank finish times, flag overrides, warnings on stderr, one-line errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orrery } from './helpers/cli.ts';
import { ASTRA, CASES } from './helpers/astra.ts';

const V2 = join(ASTRA, 'v2');
const net = (n: string) => join(CASES, 'network', `${n}.yml`);
const sys = (s: string) => join(CASES, 'system', `${s}.json`);

function json(args: string[]) {
  const r = orrery(['collective', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('orrery collective with ASTRA-sim files', () => {
  it('regression: 117,780 ns on every rank (congestion-aware; binary)', () => {
    const j = json([
      '--astra-network', join(V2, 'regression', 'inputs', 'network_cfg.yml'), '--astra-system', join(V2, 'regression', 'inputs', 'system_cfg.json'),
      '--op', 'allreduce', '--size', '1MiB', '--model', 'astra-aware', '--per-rank',
    ]);
    expect(j).toMatchObject({ timeNs: 117780, minTimeNs: 117780, npus: 8, model: 'astra-aware', algorithms: ['ring'], chunks: 4 });
    expect(j.perRankNs).toEqual(Array(8).fill(117780));
  });

  it('HGX-H100-validated: 57,426 ns (congestion-aware; binary)', () => {
    const j = json([
      '--astra-network', join(V2, 'network', 'HGX-H100-validated.yml'), '--astra-system', join(V2, 'system', 'HGX-H100-validated.json'),
      '-o', 'allreduce', '-s', '1MiB', '-m', 'astra-aware',
    ]);
    expect(j.timeNs).toBe(57426);
  });

  it('Ring_4npus reduce-scatter: 22,240 ns (the model defaults to astra-unaware; binary)', () => {
    const j = json(['--astra-network', join(V2, 'network', 'Ring_4npus.yml'), '--astra-system', join(V2, 'system', 'Ring_4chunks.json'), '-o', 'reducescatter', '-s', '1MiB']);
    expect(j).toMatchObject({ timeNs: 22240, model: 'astra-unaware' });
  });

  it('double binary tree: the human table gives the last and first rank, --per-rank each one (model prediction)', () => {
    const r = orrery(['collective', '--astra-network', net('Switch_8'), '--astra-system', sys('doubleBinaryTree_1d'), '-o', 'allreduce', '-s', '1MiB', '--per-rank']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/time\s+133\.552 us \(first rank done at 114\.898 us\)/);
    expect(r.stdout).toMatch(/\n\s+4\s+121279 ns/);
  });

  it('explicit flags override the system file: --chunks 1 turns ring_1d.json into ASTRA-SIM.md\'s k=1 row (36,768,756)', () => {
    expect(json(['--astra-network', net('Ring_8'), '--astra-system', sys('ring_1d'), '-o', 'allreduce', '-s', '1GiB', '--chunks', '1']).timeNs).toBe(36768756);
  });

  it('--astra-network without --astra-system: ASTRA-sim\'s network with the flags\' knobs (1 chunk, no delays)', () => {
    // 14 steps of ⌊500 + 2^27 / 53.687091⌋ = 2,500,500 ns: the textbook ring on ASTRA-sim's integer arithmetic
    expect(json(['--astra-network', net('Ring_8'), '-o', 'allreduce', '-s', '1GiB']).timeNs).toBe(14 * 2500500);
  });

  it('--astra-system with --topology: the topology\'s GB/s are Orrery\'s (10^9 B/s)', () => {
    // ring:8 at 50 GB/s = 50 B/ns: T = ⌊500 + 32,768/50⌋ = 1,155; 4 chunks of 14·(1,155 + 10) + 7·60 + 10
    expect(json(['--topology', 'ring:8', '--astra-system', sys('ring_1d'), '-o', 'allreduce', '-s', '1MiB']).timeNs).toBe(4 * (14 * 1165 + 7 * 60 + 10));
  });

  it('--model astra-* with --topology alone runs in flavor astra (halving-doubling charges 2 of 3 reductions)', () => {
    // 53.6870912 GB/s (10^9) = ASTRA-sim's 50 GB/s (2^30): the Switch 8 halving-doubling row of ASTRA-SIM.md
    const astra = json(['-t', 'switch:8', '--bandwidth', '53.6870912', '-m', 'astra-unaware', '-o', 'allreduce', '-s', '1GiB', '-a', 'hd', '-c', '4', '--endpoint-delay', '10', '--local-mem-bw', '1600']);
    expect(astra.timeNs).toBe(35779248);
  });

  it('orrery sweep collective takes ASTRA-sim files too (the notes\' Switch 8 halving-doubling row, unaware and aware)', () => {
    const r = orrery([
      'sweep', 'collective', '--astra-network', net('Switch_8'), '--astra-system', sys('halvingDoubling_1d'), '-m', 'astra-unaware,astra-aware',
      '-o', 'allreduce', '-s', '1MiB', '--format', 'jsonl', '-j', '1', '-q',
    ]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.model, x.timeNs, x.chunks])).toEqual([['astra-unaware', 59168, null], ['astra-aware', 93336, null]]); // chunks: set by the file
  });

  it('warnings go to stderr, the JSON to stdout (--lenient: an unknown key is one of them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orrery-astra-cli-'));
    const f = join(dir, 'e0.json');
    writeFileSync(f, JSON.stringify({ 'endpoint-delay': 0, 'preferred-dataset-splits': 4, 'all-reduce-implementation': ['ring'], 'local-mem-bw': 1600, 'collective-optimization': 'localBWAware', foo: 1 }));
    const r = orrery(['collective', '--astra-network', net('Ring_8'), '--astra-system', f, '-o', 'allreduce', '-s', '1MiB', '--json', '--lenient']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).timeNs).toBe(4 * (14 * 1110 + 7 * 60));
    expect(r.stderr).toMatch(/^warning: .*e0\.json: "endpoint-delay": 0 is simulated as given; ASTRA-sim itself aborts on it/m);
    expect(r.stderr).toMatch(/^warning: .*e0\.json: unknown key "foo"/m);
  });

  it.each([
    // (the API tests in astra.io.test.ts cover the other cross-checks; these go through the bin)
    [['--astra-network', net('Ring4xRing4'), '--astra-system', sys('ring_1d'), '-o', 'allreduce', '-s', '1MiB'], /"all-reduce-implementation" lists 1 implementation but .* has 2 dimensions/],
    [['--astra-network', join(V2, 'network', 'dgx_v100_8gpu.yml'), '--astra-system', sys('ring_3d'), '-o', 'allreduce', '-s', '1MiB'], /dgx_v100_8gpu\.yml: bandwidth\[0\] is the string "tbd"/],
    [['--astra-network', net('Ring_8'), '--topology', 'ring:8', '-o', 'allreduce', '-s', '1MiB'], /give --astra-network .* or --topology .*, not both/],
    [['--astra-network', net('Ring4x4x4'), '--astra-system', sys('doubleBinaryTree_3d'), '-o', 'allreduce', '-s', '1MiB'], /stalled: .*deadlock.*stuck: rank 0/],
  ])('rejects %j with one line', (args, msg) => {
    const r = orrery(['collective', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
