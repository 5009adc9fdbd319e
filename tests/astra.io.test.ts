// Reading ASTRA-sim's files (src/io/astra.ts) and cross-checking them (src/api/astra.ts): every file of
// tests/fixtures/astra-sim/v2/{network,system,cases,regression} and the 1.0 samples load (or fail with a clear error
// where the file itself is unusable), bad inputs name the file and key, and what ASTRA-sim would do differently is
// a warning.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAstraSetup, runAstraCollective } from '../src/api/index.ts';
import {
  InputError, readAstraNetwork, readAstraNetworkV1, readAstraNetworkYaml, readAstraRemoteMemory, readAstraStdout,
  readAstraSystem, readAstraSystemV1,
} from '../src/io/index.ts';
import { ASTRA, astraB, CASES, MiB } from './helpers/astra.ts';

const V2 = join(ASTRA, 'v2');
const V1 = join(ASTRA, 'v1');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
const tmp = mkdtempSync(join(tmpdir(), 'orrery-astra-'));
function write(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}
const json = (o: object) => JSON.stringify(o);
const RING_SYS = {
  'scheduling-policy': 'LIFO', 'endpoint-delay': 10, 'active-chunks-per-dimension': 1, 'preferred-dataset-splits': 4,
  'all-reduce-implementation': ['ring'], 'all-gather-implementation': ['ring'], 'reduce-scatter-implementation': ['ring'],
  'all-to-all-implementation': ['ring'], 'collective-optimization': 'localBWAware', 'local-mem-bw': 1600,
};

describe('every shipped ASTRA-sim 2.0 file loads', () => {
  const all = ['network', 'system', 'cases', 'regression'].flatMap((d) => files(join(V2, d)));

  it('finds them', () => {
    expect(all.length).toBeGreaterThan(60);
  });

  it.each(all.map((f) => [f.slice(V2.length + 1), f]))('%s', (_, f) => {
    const name = basename(f);
    if (f.endsWith('.yml')) {
      if (name === 'dgx_v100_8gpu.yml') {
        // the shipped file has placeholders ("tbd") for its bandwidths and latencies: ASTRA-sim cannot run it either
        expect(() => readAstraNetworkYaml(f)).toThrow(/dgx_v100_8gpu\.yml: bandwidth\[0\] is the string "tbd"; expected a positive number of GB\/s/);
        return;
      }
      const n = readAstraNetworkYaml(f);
      expect(n.warnings).toEqual([]);
      expect(n.npus).toBe(n.dims.reduce((a, d) => a * d.npus, 1));
      n.dims.forEach((d, i) => expect(d.bandwidthGBps).toBe(astraB(n.astraBandwidthGBps[i]!)));
    } else if (name === 'stdout.txt') {
      expect(readAstraStdout(f)).toHaveLength(8);
    } else if (name === 'remote_memory_cfg.json' || f.includes('remote_memory')) {
      expect(readAstraRemoteMemory(f)).toMatchObject({ memoryType: 'NO_MEMORY_EXPANSION', warnings: [] });
    } else {
      const s = readAstraSystem(f);
      expect(s.warnings).toEqual([]);
      if (name === 'custom_collective.json') {
        expect(s.custom.allreduce).toBe('examples/system/custom_collectives/custom_ring_allreduce_8npus_1MB/custom_allreduce');
      } else {
        expect(s.implementations.allreduce?.length).toBeGreaterThan(0);
        expect(s.preferredDatasetSplits).toBeGreaterThan(0);
      }
    }
  });

  it('reads values and units: HGX-H100-validated is one switch of 8 at 400 GB/s (2^30) and 936.25 ns', () => {
    const n = readAstraNetwork(join(V2, 'network', 'HGX-H100-validated.yml'));
    expect(n.dims).toEqual([{ kind: 'switch', npus: 8, bandwidthGBps: (400 * 2 ** 30) / 1e9, latencyNs: 936.25 }]);
    const h = readAstraNetwork(join(V2, 'network', 'hgx_h100_16gpu.yml'));
    expect(h.dims.map((d) => [d.kind, d.npus, d.latencyNs])).toEqual([['switch', 8, 936.25], ['ring', 2, 1000]]);
    const s = readAstraSystem(join(V2, 'system', 'inputs_system_analytical', 'hgx_h100_16gpu.json'));
    expect(s).toMatchObject({
      schedulingPolicy: 'LIFO', endpointDelayNs: 1, activeChunksPerDimension: 2, preferredDatasetSplits: 4, localMemBwGBps: 3350,
      collectiveOptimization: 'localBWAware', trackLocalMem: true, rooflineEnabled: true, peakPerfTFLOPS: 700,
      localMemTraceFilename: 'mem_trace/local_memory_trace', boostMode: false, implementations: { allreduce: ['ring', 'ring'] },
    });
  });
});

describe('ASTRA-sim 1.0 files', () => {
  it.each(files(join(V1, 'system')).filter((f) => f.endsWith('.txt')))('system %s maps onto 2.0 keys', (f) => {
    const s = readAstraSystemV1(f);
    expect(s.warnings).toEqual([]);
    expect(s.format).toBe('astra-v1-text');
    expect(s.schedulingPolicy).toBe('LIFO');
    expect(s.implementations.allreduce!.length).toBeGreaterThan(0);
  });

  it('splits per-dimension implementations on "_" and reads the one* forms', () => {
    const s = readAstraSystem(join(V1, 'system', 'sample_3dim_sys.txt'));
    expect(s.implementations).toEqual({
      allreduce: ['doubleBinaryTree', 'doubleBinaryTree', 'doubleBinaryTree'], allgather: ['ring', 'ring', 'ring'],
      reducescatter: ['ring', 'ring', 'ring'], alltoall: ['oneDirect'],
    });
    expect([s.endpointDelayNs, s.preferredDatasetSplits, s.boostMode]).toEqual([10, 1, false]);
  });

  it.each(files(join(V1, 'network')))('network %s maps onto a 2.0 network', (f) => {
    const n = readAstraNetworkV1(f);
    expect(n.format).toBe('astra-v1-json');
    expect(n.dims.length).toBeGreaterThan(0);
  });

  it('keeps kind, units, latency and bandwidth (2^30 GB) and names the 1.0 terms it drops', () => {
    const t = readAstraNetwork(join(V1, 'network', 'sample_Torus2D.json'));
    expect(t.dims).toEqual([
      { kind: 'ring', npus: 4, bandwidthGBps: astraB(32), latencyNs: 1 },
      { kind: 'ring', npus: 4, bandwidthGBps: astraB(16), latencyNs: 1 },
    ]);
    expect(t.warnings).toEqual([]);
    expect(readAstraNetwork(join(V1, 'network', 'sample_Switch.json')).warnings).toEqual([
      expect.stringMatching(/sample_Switch\.json: ASTRA-sim 1\.0 network terms with no 2\.0 meaning are ignored: router-latency/),
    ]);
    expect(readAstraNetwork(join(V1, 'network', 'sample_Ring_FullyConnected_Ring.json')).warnings[0]).toMatch(/links-count/);
  });

  it('runs a 1.0 pair, and says that 1.0 files have no local-mem-bw (reductions free unless given)', () => {
    const r = runAstraCollective({
      networkFile: join(V1, 'network', 'sample_Torus3D.json'), systemFile: join(V1, 'system', 'sample_torus_sys.txt'),
      op: 'allreduce', bytes: MiB,
    });
    expect(r.warnings).toEqual([expect.stringMatching(/sample_torus_sys\.txt: ASTRA-sim 1\.0 system files have no "local-mem-bw"/)]);
    expect(r.report.npus).toBe(64);
    expect(r.report.timeNs).toBeGreaterThan(0);
  });
});

describe('bad system files: errors name the file and the key', () => {
  it.each([
    [{ 'endpoint-delay': '10' }, /bad\.json: "endpoint-delay": expected an integer ≥ 0 ns, got the string "10"/],
    [{ 'endpoint-delay': 2.5 }, /"endpoint-delay": expected an integer/],
    [{ 'preferred-dataset-splits': 0 }, /"preferred-dataset-splits": expected an integer ≥ 1, got a number/],
    [{ 'active-chunks-per-dimension': -1 }, /"active-chunks-per-dimension": expected an integer ≥ 1/],
    [{ 'scheduling-policy': 'RR' }, /"scheduling-policy": expected one of "LIFO", "FIFO", "EXPLICIT", got the string "RR"/],
    [{ 'collective-optimization': 'fast' }, /"collective-optimization": expected one of "baseline", "localBWAware"/],
    [{ 'local-mem-bw': 0 }, /"local-mem-bw": expected a positive number GB\/s/],
    [{ 'all-reduce-implementation': 'ring' }, /"all-reduce-implementation": expected a list with one implementation per dimension/],
    [{ 'all-reduce-implementation': ['rign'] }, /"all-reduce-implementation"\[0\]: the string "rign" is not an implementation; expected one of: ring, oneRing, direct/],
    [{ 'all-reduce-implementation-custom': ['a', 'b'] }, /"all-reduce-implementation-custom": expected a list of exactly one Chakra ET prefix/],
    [{ 'model-shared-bus': 1 }, /"model-shared-bus": 1 \(ASTRA-sim's LogGP shared-bus model .*\) is not modelled by Orrery; set it to 0/],
    [{ 'boost-mode': 2 }, /"boost-mode": expected 0 or 1/],
    [{ 'peak-perf': 'fast' }, /"peak-perf": expected a positive number TFLOPS/],
  ])('%j', (patch, msg) => {
    const f = write('bad.json', json({ ...RING_SYS, ...patch }));
    expect(() => readAstraSystem(f)).toThrow(InputError);
    expect(() => readAstraSystem(f)).toThrow(msg);
  });

  it('not JSON, or not an object', () => {
    expect(() => readAstraSystem(write('broken.json', '{"a": '))).toThrow(/broken\.json: not valid JSON/);
    expect(() => readAstraSystem(write('list.json', '[1]'))).toThrow(/list\.json: expected a JSON object, got an array/);
    expect(() => readAstraSystem(join(tmp, 'missing.json'))).toThrow(/missing\.json: cannot read ASTRA-sim system file \(ENOENT\)/);
  });

  it('unknown keys are listed (with a did-you-mean; api/astra.ts refuses them unless lenient); the known keys ASTRA-sim reads but collectives ignore are silent', () => {
    const s = readAstraSystem(write('extra.json', json({ ...RING_SYS, 'preferred-dataset-split': 8, 'trace-enabled': 1, L: 5, 'local-reduction-delay': 1 })));
    expect(s.warnings).toEqual([expect.stringMatching(/extra\.json: unknown key "preferred-dataset-split"; did you mean "preferred-dataset-splits"\?/)]);
    expect(s.unknown).toEqual(s.warnings);
    expect(s.traceEnabled).toBe(true);
  });

  it('1.0 text: a token that is not a key, or a key without a value', () => {
    expect(() => readAstraSystemV1(write('v1.txt', 'scheduling-policy LIFO'))).toThrow(/v1\.txt: "scheduling-policy" is not a key; expected "key: value" pairs/);
    expect(() => readAstraSystemV1(write('v1b.txt', 'endpoint-delay:'))).toThrow(/"endpoint-delay": has no value/);
    expect(readAstraSystemV1(write('v1c.txt', 'intra-dimension-scheduling: FIFO\nfoo: 1')).warnings).toEqual([
      expect.stringMatching(/"intra-dimension-scheduling": ASTRA-sim 1\.0 setting with no 2\.0 equivalent, ignored/),
      expect.stringMatching(/unknown key "foo"/),
    ]);
  });
});

describe('bad network files', () => {
  it.each([
    ['topology: [ Ring ]\nnpus_count: [ 8 ]\nbandwidth: [ 50 ]\n', /"latency" is missing; an ASTRA-sim network file needs topology, npus_count, bandwidth, latency/],
    ['topology: Ring\nnpus_count: [ 8 ]\nbandwidth: [ 50 ]\nlatency: [ 500 ]\n', /"topology" must be a non-empty list, one entry per dimension \(e\.g\. \[ 8 \]\), got the string "Ring"/],
    ['topology: [ Ring, Ring ]\nnpus_count: [ 8 ]\nbandwidth: [ 50 ]\nlatency: [ 500 ]\n', /"npus_count" has 1 entries but "topology" has 2/],
    ['topology: [ Torus ]\nnpus_count: [ 8 ]\nbandwidth: [ 50 ]\nlatency: [ 500 ]\n', /topology\[0\] is the string "Torus"; expected one of: Ring, FullyConnected, Switch/],
    ['topology: [ Ring ]\nnpus_count: [ 1 ]\nbandwidth: [ 50 ]\nlatency: [ 500 ]\n', /npus_count\[0\] is a number; expected an integer of at least 2/],
    ['topology: [ Ring ]\nnpus_count: [ 8 ]\nbandwidth: [ -5 ]\nlatency: [ 500 ]\n', /bandwidth\[0\] is a number; expected a positive number of GB\/s/],
    ['topology: [ Ring ]\nnpus_count: [ 8 ]\nbandwidth: [ 50 ]\nlatency: [ x ]\n', /latency\[0\] is the string "x"; expected a non-negative number of ns/],
    ['topology: [ Ring\n', /net\.yml: not valid YAML/],
    ['- 1\n- 2\n', /expected a YAML mapping with topology, npus_count, bandwidth and latency, got an array/],
  ])('%j', (text, msg) => {
    const f = write('net.yml', text);
    expect(() => readAstraNetwork(f)).toThrow(InputError);
    expect(() => readAstraNetwork(f)).toThrow(msg);
  });

  it('unknown keys are listed (api/astra.ts refuses them unless lenient); other extensions are refused', () => {
    const n = readAstraNetwork(write('w.yml', 'topology: [ Ring ]\nnpus_count: [ 8 ]\nbandwidth: [ 50 ]\nlatency: [ 500 ]\nlinks: [ 2 ]\n'));
    expect(n.warnings).toEqual([expect.stringMatching(/w\.yml: unknown key "links"/)]);
    expect(n.unknown).toEqual(n.warnings);
    expect(() => readAstraNetwork(write('n.txt', ''))).toThrow(/n\.txt: not an ASTRA-sim network file; expected a 2\.0 analytical network \.yml or a 1\.0 analytical network \.json/);
  });
});

describe('cross-checks before time starts', () => {
  const net = (n: string) => join(CASES, 'network', `${n}.yml`);
  const sys = (s: string) => join(CASES, 'system', `${s}.json`);
  const ring6 = write('Ring_6.yml', 'topology: [ Ring ]\nnpus_count: [ 6 ]\nbandwidth: [ 50 ]\nlatency: [ 500 ]\n');

  it.each([
    [net('Ring4xRing4'), sys('ring_1d'), 'allreduce', /ring_1d\.json: "all-reduce-implementation" lists 1 implementation but .*Ring4xRing4\.yml has 2 dimensions; give one per dimension/],
    [net('Ring_8'), sys('ring_2d'), 'allreduce', /ring_2d\.json: "all-reduce-implementation" lists 2 implementations but .*Ring_8\.yml has 1 dimension; give one per dimension/],
    [ring6, sys('halvingDoubling_1d'), 'allreduce', /halvingDoubling_1d\.json: halvingDoubling needs a power-of-two number of NPUs, but .*Ring_6\.yml has dimension 0 \(6 NPUs\)/],
    [ring6, sys('doubleBinaryTree_1d'), 'allreduce', /doubleBinaryTree needs a power-of-two number of NPUs/],
    [net('Switch_8'), sys('halvingDoubling_1d'), 'alltoall', /halvingDoubling does not support all-to-all \(ASTRA-sim exits on it\); use ring or direct/],
    [net('Switch_8'), sys('ring_1d'), 'broadcast', /ring_1d\.json: ASTRA-sim system files configure allreduce, reducescatter, allgather and alltoall only; for broadcast, give the algorithm/],
    [net('Ring_8'), join(V2, 'system', 'custom_collective.json'), 'allreduce', /"all-reduce-implementation-custom" asks for a custom collective \(a Chakra graph/],
    [net('Ring_8'), join(V2, 'system', 'custom_collective.json'), 'allgather', /"all-gather-implementation" is missing/],
  ])('%s + %s, %s', (n, s, op, msg) => {
    expect(() => loadAstraSetup({ networkFile: n, systemFile: s, op: op as 'allreduce', bytes: MiB })).toThrow(msg);
  });

  it('keys the run needs: preferred-dataset-splits always, local-mem-bw when it reduces, collective-optimization in multi-dimensional all-reduce', () => {
    const { 'preferred-dataset-splits': _k, ...noSplits } = RING_SYS;
    expect(() => loadAstraSetup({ networkFile: net('Ring_8'), systemFile: write('nok.json', json(noSplits)), op: 'allgather', bytes: MiB }))
      .toThrow(/nok\.json: "preferred-dataset-splits" is missing; ASTRA-sim divides each collective by it/);
    const { 'local-mem-bw': _l, ...noL } = RING_SYS;
    const f = write('nol.json', json(noL));
    expect(() => loadAstraSetup({ networkFile: net('Ring_8'), systemFile: f, op: 'allreduce', bytes: MiB }))
      .toThrow(/nol\.json: "local-mem-bw" is missing; a allreduce reduces/);
    expect(loadAstraSetup({ networkFile: net('Ring_8'), systemFile: f, op: 'allgather', bytes: MiB }).warnings).toEqual([]);
    const { 'collective-optimization': _o, ...noOpt } = { ...RING_SYS, 'all-reduce-implementation': ['ring', 'ring'] };
    const g = write('noopt.json', json(noOpt));
    expect(() => loadAstraSetup({ networkFile: net('Ring4xRing4'), systemFile: g, op: 'allreduce', bytes: MiB }))
      .toThrow(/noopt\.json: "collective-optimization" is missing; a multi-dimensional all-reduce needs it/);
  });

  it('endpoint-delay 0 (ASTRA-sim aborts on it) is simulated, with a warning', () => {
    const f = write('e0.json', json({ ...RING_SYS, 'endpoint-delay': 0 }));
    const r = runAstraCollective({ networkFile: net('Ring_8'), systemFile: f, op: 'allreduce', bytes: MiB });
    expect(r.warnings).toEqual([expect.stringMatching(/e0\.json: "endpoint-delay": 0 is simulated as given; ASTRA-sim itself aborts on it/)]);
    expect(r.report.timeNs).toBe(4 * (14 * 1110 + 7 * 60)); // the ring formula with e = 0
  });

  it('a multi-dimensional congestion-aware run (ASTRA-sim rejects it) runs with a warning', () => {
    const r = runAstraCollective({ networkFile: net('Ring4xRing4'), systemFile: sys('ring_2d'), op: 'allreduce', bytes: MiB, model: 'astra-aware' });
    expect(r.warnings).toEqual([expect.stringMatching(/Ring4xRing4\.yml: ASTRA-sim's congestion-aware backend rejects networks of more than one dimension/)]);
    // unaware and aware agree here: each rank sends to one ring neighbour per phase (model prediction for unaware)
    expect(r.report.timeNs).toBe(43040);
  });

  it('EXPLICIT scheduling runs as FIFO, with a warning', () => {
    const f = write('ex.json', json({ ...RING_SYS, 'scheduling-policy': 'EXPLICIT' }));
    const r = runAstraCollective({ networkFile: net('Ring_8'), systemFile: f, op: 'allreduce', bytes: MiB });
    expect(r.warnings).toEqual([expect.stringMatching(/EXPLICIT orders collectives by the workload's comm_priority/)]);
    expect(r.report.timeNs).toBe(64440);
  });

  it('a network file or a topology, not both; flat one* implementations run one phase over all NPUs', () => {
    const s = loadAstraSetup({ networkFile: net('Ring4x4x4'), systemFile: join(V1, 'system', 'sample_3dim_sys.txt'), op: 'alltoall', bytes: MiB });
    expect(s.algorithms).toEqual([{ name: 'direct', flat: true }]);
    expect(() => loadAstraSetup({ networkFile: net('Ring_8'), topology: s.topology, op: 'allreduce', bytes: MiB }))
      .toThrow(/give an ASTRA-sim network file .* or a topology .*, not both/);
  });
});
