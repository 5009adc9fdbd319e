// Issue 15 items 7 and 8 as regression tests: ASTRA-sim's three files give `run` its world size and dimensions;
// `run --workload` without --device uses the device `sweep run` uses; commander's errors are one line.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSweepCommand } from '../src/api/index.ts';
import { ROOT } from './helpers/cli.ts';
import { orreryInproc } from './helpers/inproc.ts';

const A = (f: string) => join(ROOT, 'traces/astra', f);

describe('issue 15 items 7 and 8', () => {
  it('run --astra-workload --astra-network --astra-system takes the world size from the network file', async () => {
    const r = await orreryInproc(['run', '--astra-workload', A('Resnet50_DataParallel.txt'), '--astra-network', A('Ring_4npus.yml'), '--astra-system', A('Ring_4chunks.json'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.trace.ranks).toBe(4); // Ring_4npus.yml: npus_count [ 4 ]
    expect(j.npus).toBe(4);
    expect(j.chunks).toBe(4); // Ring_4chunks.json: preferred-dataset-splits 4
  });
  it('run --workload without --device uses sweep run\'s default device', async () => {
    const dflt = getSweepCommand('run').params.find((p) => p.key === 'device')!.default;
    const r = await orreryInproc(['run', '-t', 'switch:8,switch:16', '--workload', 'gpt-13b', '--set', 'model.layers=4', '--set', 'training.globalBatch=16', '-m', 'analytical', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).device).toBe(dflt);
  });
  it('commander\'s errors are one line', async () => {
    for (const args of [['collective', '--bogus'], ['collective', '-t', 'ring:4', '-o', 'allreduce'], ['nosuchcommand']]) {
      const r = await orreryInproc(args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
