// Every trace in traces/ loads and validates; each replays on a ring of its size (the deadlock one reports its
// deadlock). Exact step times for each are in tests/workload.replay.test.ts.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateTrace } from '../src/workload/validate.ts';
import { ROOT } from './helpers/cli.ts';
import { ring, run, traceFile } from './helpers/trace.ts';

const files = readdirSync(join(ROOT, 'traces')).filter((f) => /\.(json|yaml|msgpack)(\.gz)?$/.test(f));

describe('traces/', () => {
  it('has the hand-written traces', () => {
    expect(files).toEqual(expect.arrayContaining(['pingpong-2.json', 'dp-overlap-4.json', 'pipeline-4.json', 'deadlock-2.json']));
  });

  it.each(files)('%s loads, validates and replays', (f) => {
    const t = traceFile(f);
    expect(() => validateTrace(t, { where: f })).not.toThrow();
    if (f.startsWith('deadlock')) expect(() => run(t, ring(t.ranks))).toThrowError(/^deadlock:/);
    else expect(run(t, ring(t.ranks)).stepTimeNs).toBeGreaterThan(0);
  });
});
