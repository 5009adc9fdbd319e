// Sweep parameters: lists, ranges, per-dimension values, families, the cross product's order, shards, spec files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_MODEL } from '../src/api/index.ts';
import {
  balancedFactors, buildFamily, expandSweep, familyNames, getSweepCommand, parseShard, readSweepSpec, shardPoints,
} from '../src/api/index.ts';
import { expandValues, type SweepParam } from '../src/api/sweep-params.ts';

const param = (key: string): SweepParam => getSweepCommand('collective').params.find((p) => p.key === key)!;

describe('sweep values', () => {
  it('a range doubles by default: 8..4096 is the ten powers of two', () => {
    expect(expandValues(param('npus'), '8..4096')).toEqual([8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]);
  });

  it('geometric ranges take ×k, xk or *k; arithmetic ranges +k; both stop at the last value not past the end', () => {
    // 1 KiB · 4^i up to 1 GiB: 2^10, 2^12, …, 2^30 (11 values)
    const sizes = expandValues(param('size'), '1KiB..1GiB×4');
    expect(sizes).toEqual(Array.from({ length: 11 }, (_, i) => 2 ** (10 + 2 * i)));
    expect(expandValues(param('size'), '1KiB..1GiBx4')).toEqual(sizes);
    expect(expandValues(param('npus'), '3..100*3')).toEqual([3, 9, 27, 81]);
    expect(expandValues(param('chunks'), '1..8+1')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(expandValues(param('chunks'), '2..9+3')).toEqual([2, 5, 8]);
    expect(expandValues(param('localMemBw'), '0.1..0.4+0.1')).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it('lists mix values and ranges, in order; arrays and repeated flags add to the list', () => {
    expect(expandValues(param('size'), '1MiB,64MiB,1GiB')).toEqual([2 ** 20, 2 ** 26, 2 ** 30]);
    expect(expandValues(param('npus'), ['8,16', '64..256', 1000])).toEqual([8, 16, 64, 128, 256, 1000]);
    expect(expandValues(param('endpointDelay'), '10ns,1us..4us')).toEqual([10, 1000, 2000, 4000]);
  });

  it('names are matched case-insensitively and written as the registry spells them', () => {
    expect(expandValues(param('algo'), 'ring,DIRECT4,hd,dbt')).toEqual(['ring', 'direct4', 'halvingDoubling', 'doubleBinaryTree']);
    expect(expandValues(param('algo'), 'ring/direct')).toEqual(['ring/direct']); // one value: ring on dim 0, direct on dim 1
    expect(expandValues(param('op'), 'AllReduce,allgather')).toEqual(['allreduce', 'allgather']);
    expect(expandValues(param('family'), 'TORUS3D')).toEqual(['torus3d']);
  });

  it('per-dimension numbers join with "/"; a range of single values is allowed; topologies split on ";"', () => {
    expect(expandValues(param('bandwidth'), '450/50,25..100')).toEqual(['450/50', '25', '50', '100']);
    expect(expandValues(param('latency'), '0,500')).toEqual(['0', '500']);
    expect(expandValues(param('topology'), 'ring:8,switch:16;torus:4x4x4')).toEqual(['ring:8,switch:16', 'torus:4x4x4']);
  });

  it.each([
    ['npus', '4096..8', /from 4096 down to 8/],
    ['npus', '8..64x1', /geometric step must be greater than 1/],
    ['npus', '3..20x1.5', /not a whole number/],
    ['npus', '0', /expected an integer ≥ 1/],
    ['size', '1GiBB', /unknown unit "GiBB"/],
    ['op', 'allreducee', /expected one of: allreduce, reducescatter/],
    ['family', 'torus4d', /expected one of: ring, switch, fc, torus2d, torus3d, switch2, switch3/],
    ['algo', 'rign', /unknown --algo "rign"; expected one of: ring, direct/],
    ['bandwidth', '0', /positive number/],
    ['bandwidth', '50/0', /positive number/],
    ['npus', '8,,16', /empty value/],
    ['model', 'nope', /expected one of: analytical/],
  ])('rejects %s "%s" naming the flag', (key, raw, msg) => {
    expect(() => expandValues(param(key), raw)).toThrow(msg);
  });
});

describe('topology families', () => {
  it('balances torus dimensions, largest first', () => {
    expect(balancedFactors(4096, 3)).toEqual([16, 16, 16]);
    expect(balancedFactors(16384, 3)).toEqual([32, 32, 16]); // ASTRA-sim's 32x32x16 case
    expect(balancedFactors(8192, 3)).toEqual([32, 16, 16]);
    expect(balancedFactors(2048, 2)).toEqual([64, 32]);
    expect(balancedFactors(24, 3)).toEqual([4, 3, 2]);
    expect(balancedFactors(8, 3)).toEqual([2, 2, 2]);
    expect(balancedFactors(7, 2)).toBeUndefined();
  });

  it('every family builds the topology orrery collective takes, with its link defaults', () => {
    expect(buildFamily('ring', 64)).toEqual({ topology: 'ring:64', bandwidthGBps: [50], latencyNs: [500] });
    expect(buildFamily('switch', 64).topology).toBe('switch:64');
    expect(buildFamily('fc', 8).topology).toBe('fc:8');
    expect(buildFamily('torus2d', 256)).toEqual({ topology: 'torus:16x16', bandwidthGBps: [50, 50], latencyNs: [500, 500] });
    expect(buildFamily('torus3d', 4096).topology).toBe('torus:16x16x16');
    // 8 per node on NVSwitch (450 GB/s each way, 350 ns), nodes on 400 Gb/s NICs (50 GB/s, 1000 ns)
    expect(buildFamily('switch2', 1024)).toEqual({ topology: 'switch:8,switch:128', bandwidthGBps: [450, 50], latencyNs: [350, 1000] });
    expect(buildFamily('switch3', 4096)).toEqual({ topology: 'switch:8,switch:32,switch:16', bandwidthGBps: [450, 50, 50], latencyNs: [350, 1000, 1000] });
    expect(buildFamily('switch2', 64, { nodeSize: 4 }).topology).toBe('switch:4,switch:16');
    expect(familyNames()).toEqual(['ring', 'switch', 'fc', 'torus2d', 'torus3d', 'switch2', 'switch3']);
  });

  it('link figures can be overridden: one value for all dimensions, or one per dimension', () => {
    expect(buildFamily('switch2', 64, { bandwidthGBps: [100] }).bandwidthGBps).toEqual([100, 100]);
    expect(buildFamily('switch2', 64, { latencyNs: [100, 2000] }).latencyNs).toEqual([100, 2000]);
    expect(() => buildFamily('torus3d', 64, { bandwidthGBps: [1, 2] })).toThrow(/2 values for the 3 dimensions of torus3d/);
  });

  it('a count that does not fit is an error naming the family', () => {
    expect(() => buildFamily('torus3d', 4)).toThrow(/torus3d: needs at least 8 NPUs/);
    expect(() => buildFamily('torus2d', 13)).toThrow(/13 NPUs cannot be split into 2 dimensions/);
    expect(() => buildFamily('switch2', 20)).toThrow(/not a whole number of 8-NPU nodes/);
    expect(() => buildFamily('switch3', 16)).toThrow(/needs at least 32 NPUs/);
  });
});

describe('the cross product', () => {
  it('numbers points with the first parameter varying slowest and fills defaults', () => {
    const { points } = expandSweep({
      command: 'collective',
      grids: [{ family: 'torus3d', npus: '8,64', op: 'allreduce', size: '1MiB,1GiB', algo: 'ring,direct' }],
    });
    expect(points.map((p) => [p.index, p.params.npus, p.params.size, p.params.algo])).toEqual([
      [0, 8, 2 ** 20, 'ring'], [1, 8, 2 ** 20, 'direct'], [2, 8, 2 ** 30, 'ring'], [3, 8, 2 ** 30, 'direct'],
      [4, 64, 2 ** 20, 'ring'], [5, 64, 2 ** 20, 'direct'], [6, 64, 2 ** 30, 'ring'], [7, 64, 2 ** 30, 'direct'],
    ]);
    expect(points[0]!.params).toMatchObject({ chunks: 1, model: DEFAULT_NETWORK_MODEL, scheduling: 'FIFO', composition: 'localBWAware', root: '' });
  });

  it('grids concatenate; the example from the issue has 10 × 3 × 2 = 60 points', () => {
    const one = { family: 'torus3d', npus: '8..4096', op: 'allreduce', size: '1MiB,64MiB,1GiB', algo: 'ring,direct' };
    expect(expandSweep({ command: 'collective', grids: [one] }).points).toHaveLength(60);
    const two = expandSweep({ command: 'collective', grids: [one, { topology: 'ring:8', op: 'allgather', size: '1MiB' }] }).points;
    expect(two).toHaveLength(61);
    expect(two[60]!.params).toMatchObject({ topology: 'ring:8', op: 'allgather', family: '' });
  });

  it.each([
    [{ family: 'ring', op: 'allreduce', size: '1MiB' }, /--family needs --npus/],
    [{ npus: '8', topology: 'ring:8', op: 'allreduce', size: '1MiB' }, /--npus needs --family/],
    [{ family: 'ring', npus: '8', topology: 'ring:8', op: 'allreduce', size: '1MiB' }, /not both/],
    [{ op: 'allreduce', size: '1MiB' }, /give --family with --npus/],
    [{ topology: 'ring:8', size: '1MiB' }, /--op is required/],
    [{ topology: 'ring:8', op: 'allreduce', size: '1MiB', chunk: '2' }, /unknown parameter "chunk"; collective sweeps take: family, npus/],
    [{ family: 'ring', npus: '2..4096x2', op: 'allreduce', size: '1B..1TiB+1' }, /more than 100,000 values/],
  ])('rejects the grid %j', (grid, msg) => {
    expect(() => expandSweep({ command: 'collective', grids: [grid] })).toThrow(msg);
  });

  it('shard i/n takes the points whose number is i-1 mod n, and the shards partition the sweep', () => {
    const pts = Array.from({ length: 10 }, (_, index) => ({ index }));
    expect(shardPoints(pts, { index: 1, count: 3 }).map((p) => p.index)).toEqual([0, 3, 6, 9]);
    expect(shardPoints(pts, { index: 3, count: 3 }).map((p) => p.index)).toEqual([2, 5, 8]);
    const all = [1, 2, 3].flatMap((i) => shardPoints(pts, { index: i, count: 3 }).map((p) => p.index)).sort((a, b) => a - b);
    expect(all).toEqual(pts.map((p) => p.index));
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('0/4')).toThrow(/numbered from 1/);
    expect(() => parseShard('5/4')).toThrow(/1 ≤ i ≤ n/);
  });
});

describe('sweep spec files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orrery-spec-'));
  const write = (name: string, o: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, typeof o === 'string' ? o : JSON.stringify(o));
    return p;
  };

  it('reads parameters as the flags take them (kebab or camel case), one grid or a list', () => {
    const p = write('a.json', {
      format: 'orrery-sweep', version: 1, command: 'collective',
      parameters: { family: 'switch', npus: [8, 16], op: 'allreduce', size: '1MiB', 'active-chunks': '1,2' },
    });
    const req = readSweepSpec(p, 'collective');
    const { points } = expandSweep(req);
    expect(points.map((x) => [x.params.npus, x.params.activeChunks])).toEqual([[8, 1], [8, 2], [16, 1], [16, 2]]);
    const list = write('b.json', { parameters: [{ topology: 'ring:8', op: 'allreduce', size: '1MiB' }, { topology: 'ring:4', op: 'allgather', size: '1KiB' }] });
    expect(expandSweep(readSweepSpec(list, 'collective')).points).toHaveLength(2);
  });

  it.each([
    ['{ "parameters": ', /not valid JSON/],
    [{ parameters: { npus: { a: 1 } } }, /parameters\.npus: expected a string, a number or an array of them, got an object/],
    [{ command: 'run', parameters: {} }, /"command" is "run", but this is orrery sweep collective/],
    [{ params: {} }, /unknown key "params"/],
    [{ format: 'orrery-topology', parameters: {} }, /expected "orrery-sweep"/],
  ])('rejects a bad spec (%j) naming the file and the field', (doc, msg) => {
    const p = write(`bad-${Math.random()}.json`, doc);
    expect(() => readSweepSpec(p, 'collective')).toThrow(msg);
    expect(() => readSweepSpec(p, 'collective')).toThrow(p);
  });
});
