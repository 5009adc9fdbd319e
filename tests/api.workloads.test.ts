// The api entry points the CLI will call (`orrery run --chakra | --astra-workload | --workload`, `orrery convert`),
// with topologies given as the CLI gives them (shorthand, file or name).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportChakra, generateWorkload, InputError, loadAstraWorkload, loadChakra } from '../src/api/index.ts';
import { FIXTURES } from './helpers/fixtures.ts';
import { rankView } from './helpers/traceTools.ts';

const V1 = join(FIXTURES, 'astra-sim/v1/workload');

describe('api: workloads with a --topology argument', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orrery-api-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loadAstraWorkload takes the world size and dimensions from a topology shorthand', () => {
    const t = loadAstraWorkload(join(V1, 'MLP_HybridParallel_Data_Model.txt'), { topology: 'ring:4,switch:2' });
    expect(t.ranks).toBe(8);
    expect(t.groups['dims:0']).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(() => loadAstraWorkload(join(V1, 'nope.txt'))).toThrow(InputError);
    expect(() => loadAstraWorkload(join(V1, 'Resnet50_DataParallel.txt'), { topology: 'warp:9' })).toThrow(/--topology: cannot read "warp:9"/);
  });

  it('generateWorkload: GPT-3 on a 2-level 8 × 128 topology keeps TP inside the node (no warning)', () => {
    const t = generateWorkload('gpt3-175b', { topology: 'switch:8,switch:128' });
    expect(t.meta?.warnings).toEqual([]);
    expect(() => generateWorkload('gpt3-175b', { topology: 'switch:8,switch:64' })).toThrow(/needs 1024 ranks but the topology has 512 NPUs/);
  });

  it('exportChakra and loadChakra with the topology turn sub-grid groups into involved_dim and back', () => {
    const t = loadAstraWorkload(join(V1, 'MLP_HybridParallel_Model_Data.txt'), { topology: 'ring:2,ring:4' });
    const out = exportChakra(t, join(dir, 'mlp'), { topology: 'ring:2,ring:4' });
    expect(out.files).toHaveLength(8);
    expect(out.commGroupFile).toBeUndefined(); // every group is a sub-grid: masks only
    const back = loadChakra(join(dir, 'mlp'), { topology: 'ring:2,ring:4' });
    for (let r = 0; r < 8; r++) expect(rankView(back, r)).toEqual(rankView(t, r));
  });
});
