// Sweeps through a real Slurm (`orrery sweep collective … --slurm DIR`): the merged result equals the serial run row
// for row, and an array task cancelled while it runs is resubmitted, continues its own output, and leaves nothing
// lost or duplicated. Needs a cluster (`bash .ci/slurm-up.sh` starts a one-node one); without one these tests are
// SKIPPED and say why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slurmStatus } from '../../src/api/index.ts';
import { orrery } from '../helpers/cli.ts';
import { withoutTiming } from '../helpers/sweep.ts';
import { findCluster } from './cluster.ts';

const cluster = findCluster();
if (cluster.ok) {
  if (cluster.env.SLURM_CONF) process.env.SLURM_CONF = cluster.env.SLURM_CONF; // for the orrery processes and squeue
} else {
  console.warn(`Slurm tests SKIPPED: ${cluster.reason}`);
}

// 2 families × 3 sizes × 2 ops × 2 message sizes = 24 points; points of 256-1024 NPUs take 0.3-1.7 s each, so a task
// is still running when the test cancels it after its first row
const SWEEP = ['sweep', 'collective', '--family', 'ring,switch', '--npus', '256,512,1024', '--op', 'allreduce,alltoall', '--size', '1MiB,2MiB'];
const POINTS = 2 * 3 * 2 * 2;
const SHARDS = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!cluster.ok)(cluster.ok ? 'sweeps through Slurm' : `sweeps through Slurm (SKIPPED: ${cluster.reason})`, () => {
  let tmp: string;
  let serial: string;
  const jobs: string[] = [];

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'orrery-slurm-test-'));
    const r = orrery([...SWEEP, '--jobs', '2', '--out', join(tmp, 'serial.csv'), '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    serial = withoutTiming(join(tmp, 'serial.csv'));
  }, 300_000);

  afterAll(() => {
    // a test that failed half-way must not leave its tasks running
    if (jobs.length > 0) spawnSync('scancel', jobs, { encoding: 'utf8' });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it(`runs ${POINTS} points as ${SHARDS} array tasks and merges exactly the serial run's rows`, () => {
    const dir = join(tmp, 'whole');
    const r = orrery([...SWEEP, '--slurm', dir, '--shards', String(SHARDS), '--poll', '1']);
    const state = JSON.parse(readFileSync(join(dir, 'slurm.json'), 'utf8'));
    jobs.push(...state.submissions.map((s: { jobId: string }) => s.jobId));
    expect(r.stderr).toContain(`${POINTS} points in ${SHARDS} Slurm tasks`);
    expect(r.code).toBe(0);
    expect(state.submissions).toHaveLength(1); // nothing needed resubmitting
    expect(state.attempts).toEqual(Array(SHARDS).fill(1));
    const merged = withoutTiming(join(dir, 'sweep.csv'));
    expect(merged.split('\n')).toHaveLength(1 + POINTS); // header + one row per point
    expect(merged).toBe(serial); // every column but wallMs and peakMemMB, row for row
  }, 300_000);

  it('resubmits a task cancelled mid-run; it resumes its own output and nothing is lost or duplicated', async () => {
    const dir = join(tmp, 'cancel');
    const sub = orrery([...SWEEP, '--slurm', dir, '--shards', String(SHARDS), '--no-wait']);
    expect(sub.code).toBe(0);
    const jobId = sub.stdout.trim();
    expect(jobId).toMatch(/^\d+$/);
    jobs.push(jobId);

    // wait for a task that is running and has written some but not all of its rows, and cancel it
    let victim: { task: number; rows: number } | undefined;
    const deadline = Date.now() + 180_000;
    while (!victim && Date.now() < deadline) {
      const s = slurmStatus(dir);
      const t = s.tasks.find((x) => x.state === 'running' && x.rows >= 1 && x.rows < x.expected);
      if (t) {
        const c = spawnSync('scancel', [`${jobId}_${t.task}`], { encoding: 'utf8' });
        expect(c.status, c.stderr).toBe(0);
        victim = { task: t.task, rows: t.rows };
      } else {
        await sleep(100);
      }
    }
    expect(victim, 'no task was caught running with a partial output').toBeDefined();
    const k = victim!.task;

    const r = orrery(['sweep', 'status', dir, '--wait', '--poll', '1']);
    const state = JSON.parse(readFileSync(join(dir, 'slurm.json'), 'utf8'));
    jobs.push(...state.submissions.map((s: { jobId: string }) => s.jobId));
    expect(r.stderr).toContain(`resubmitted task ${k} (`);
    expect(r.code).toBe(0);
    // the cancelled task ran twice, every other once
    expect(state.attempts).toEqual(Array.from({ length: SHARDS }, (_, i) => (i === k ? 2 : 1)));
    expect(state.submissions[1].tasks).toEqual([k]);
    // its second run continued the rows the first had written (the sweep's summary: "N already done")
    const log = readFileSync(join(dir, 'logs', `task-${k}.log`), 'utf8');
    const resumed = Number(/(\d+) already done/.exec(log)?.[1] ?? 0);
    expect(resumed).toBeGreaterThanOrEqual(victim!.rows);
    // and the merge (which refuses a point twice or missing) equals the serial run row for row
    expect(withoutTiming(join(dir, 'sweep.csv'))).toBe(serial);
  }, 400_000);
});
