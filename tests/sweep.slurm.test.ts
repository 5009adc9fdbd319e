// The Slurm driver's logic without a cluster: the sbatch call and batch script it writes, its input errors, and how
// it follows tasks (a task gone from the queue is confirmed on a second poll, resubmitted once, then given up),
// against a scripted squeue/sbatch. tests/slurm/ runs the same code against a real Slurm.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  arraySpec, followSlurmSweep, slurmPaths, submitSlurmSweep, taskRows, type SlurmRunner, type SlurmSubmitOptions,
} from '../src/api/index.ts';
import { ROOT } from './helpers/cli.ts';
import { withoutTiming } from './helpers/sweep.ts';

const tmp = mkdtempSync(join(tmpdir(), 'orrery-slurm-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ring and switch × 4, 8, 16 NPUs × allreduce, allgather = 12 points
const REQ = { command: 'collective', grids: [{ family: ['ring,switch'], npus: ['4,8,16'], op: ['allreduce,allgather'], size: ['1MiB'] }] };
const opts = (dir: string, more: Partial<SlurmSubmitOptions> = {}): SlurmSubmitOptions => ({
  dir, shards: 3, format: 'csv', node: '/opt/node/bin/node', bin: '/home/u/orrery/bin/orrery.mjs', cwd: '/home/u/work', ...more,
});

interface Call { cmd: string; args: string[] }

/** A scripted Slurm: sbatch hands out job ids from 100; squeue answers from `queue` (job_task → state). */
function fakeSlurm(onSqueue: (poll: number) => void = () => {}) {
  const calls: Call[] = [];
  const queue = new Map<string, string>();
  let nextJob = 100;
  let polls = 0;
  const run: SlurmRunner = (cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === 'sbatch') {
      const job = nextJob++;
      const tasks = /--array=([^%]+)/.exec(args.join(' '))![1]!.split(',').flatMap((part) => {
        const [a, b] = part.split('-').map(Number);
        return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
      });
      for (const k of tasks) queue.set(`${job}_${k}`, 'PENDING');
      return { code: 0, stdout: `${job}\n`, stderr: '' };
    }
    if (cmd === 'squeue') {
      onSqueue(++polls);
      return { code: 0, stdout: [...queue].map(([id, st]) => `${id.replace('_', '|')}|${st}`).join('\n'), stderr: '' };
    }
    return { code: 1, stdout: '', stderr: 'accounting storage is disabled' };
  };
  return { run, calls, queue };
}

describe('sweep --slurm: submission', () => {
  it('compresses task lists into sbatch array syntax', () => {
    expect(arraySpec([0, 1, 2, 3, 4, 5])).toBe('0-5');
    expect(arraySpec([7, 1, 3, 4, 5])).toBe('1,3-5,7');
  });

  it('gives task k the points p with p mod n = k', () => {
    // 16 points over 6 tasks: tasks 0-3 get 3 points (k, k+6, k+12), tasks 4-5 get 2 (k, k+6)
    expect([0, 1, 2, 3, 4, 5].map((k) => taskRows(16, 6, k))).toEqual([3, 3, 3, 3, 2, 2]);
    expect([0, 1, 2].map((k) => taskRows(2, 3, k))).toEqual([1, 1, 0]);
  });

  it('submits one job array with the site options and writes a batch script that runs this checkout', () => {
    const dir = join(tmp, 'submit');
    const s = fakeSlurm();
    const { state, submission } = submitSlurmSweep(REQ, opts(dir, {
      maxRunning: 2, partition: 'short', time: '00:30:00', cpusPerTask: 4, sbatchArgs: ['--account=proj', '--qos=low'],
      setup: ['module load nodejs/20'], timeoutS: 60,
    }), s.run);
    expect(submission.jobId).toBe('100');
    expect(state.points).toBe(12);
    const args = s.calls[0]!.args;
    expect(args[0]).toBe('--parsable');
    expect(args[1]).toBe('--array=0-2%2'); // tasks 0..n-1, at most 2 at once
    for (const a of ['--partition=short', '--time=00:30:00', '--cpus-per-task=4', '--account=proj', '--qos=low', '--chdir=/home/u/work', `--output=${dir}/logs/task-%a.log`]) {
      expect(args).toContain(a);
    }
    expect(args[args.length - 1]).toBe(slurmPaths(dir).script);
    const script = readFileSync(slurmPaths(dir).script, 'utf8');
    expect(script).toContain('module load nodejs/20\n/opt/node/bin/node /home/u/orrery/bin/orrery.mjs sweep collective');
    expect(script).toContain('--shard "$((k + 1))/3"');
    expect(script).toContain('--out "$dir/shards/task-$k.csv" --resume --jobs "${SLURM_CPUS_PER_TASK:-1}" --timeout 60');
    expect(spawnSync('bash', ['-n', slurmPaths(dir).script]).status).toBe(0);
    // the spec the tasks read expands to the same 12 points
    const spec = JSON.parse(readFileSync(slurmPaths(dir).spec, 'utf8'));
    expect(spec).toMatchObject({ format: 'orrery-sweep', version: 1, command: 'collective', parameters: REQ.grids });
  });

  it('refuses more shards than points, a directory that holds a sweep, and reports sbatch failures', () => {
    expect(() => submitSlurmSweep(REQ, opts(join(tmp, 'many'), { shards: 13 }), fakeSlurm().run)).toThrow(
      '--shards 13: the sweep has only 12 points; use at most that many shards',
    );
    const dir = join(tmp, 'twice');
    submitSlurmSweep(REQ, opts(dir), fakeSlurm().run);
    expect(() => submitSlurmSweep(REQ, opts(dir), fakeSlurm().run)).toThrow(`${dir} holds a Slurm sweep already (slurm.json)`);
    const failing: SlurmRunner = () => ({ code: 1, stdout: '', stderr: 'sbatch: error: invalid partition specified: gpu' });
    expect(() => submitSlurmSweep(REQ, opts(join(tmp, 'bad')), failing)).toThrow('sbatch failed (exit 1): sbatch: error: invalid partition specified: gpu');
  });

  it('says so in one line when sbatch is not installed', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'orrery.mjs'), 'sweep', 'collective', '--family', 'ring', '--npus', '4,8',
      '--op', 'allreduce', '--size', '1MiB', '--slurm', join(tmp, 'nosbatch'), '--shards', '2'], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    expect(r.stderr).toBe("orrery: error: sbatch not found on PATH: run this where Slurm's client commands are (a login node), or load the site's slurm module\n");
    expect(r.status).toBe(1);
  });

  it('keeps the Slurm options for --slurm', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'orrery.mjs'), 'sweep', 'collective', '--family', 'ring', '--npus', '4',
      '--op', 'allreduce', '--size', '1MiB', '--shards', '2'], { encoding: 'utf8' });
    expect(r.stderr).toBe('orrery: error: --shards goes with --slurm DIR\n');
    expect(r.status).toBe(1);
  });
});

describe('sweep --slurm: following', () => {
  it('confirms a vanished task on a second poll, resubmits failed and vanished tasks once, then gives up', async () => {
    const dir = join(tmp, 'follow');
    const p = slurmPaths(dir);
    const exit = (k: number, rc: number, job: number) => writeFileSync(p.exit(k), `${rc} ${job}\n`);
    const s = fakeSlurm((poll) => {
      const q = s.queue;
      if (poll === 1) { q.set('100_0', 'RUNNING'); q.delete('100_2'); } // task 2 vanished (scancel) with no exit status
      if (poll === 2) { q.delete('100_0'); exit(0, 0, 100); q.delete('100_1'); exit(1, 1, 100); } // 0 done, 1 failed
      if (poll === 3) { q.delete('101_1'); exit(1, 0, 101); q.delete('101_2'); } // the retry of 1 succeeds, 2 vanishes again
    });
    submitSlurmSweep(REQ, opts(dir), s.run);
    const resubmitted: number[][] = [];
    const final = await followSlurmSweep(dir, { pollMs: 1, run: s.run, onPoll: (e) => e.resubmitted && resubmitted.push(e.resubmitted.tasks) });
    // poll 1: task 2 first seen gone, not resubmitted yet; poll 2: 1 failed and 2 still gone → both resubmitted as job 101
    expect(resubmitted).toEqual([[1, 2]]);
    expect(s.calls.filter((c) => c.cmd === 'sbatch').map((c) => c.args[1])).toEqual(['--array=0-2', '--array=1-2']);
    expect(final.tasks.map((t) => [t.state, t.attempts, t.jobId])).toEqual([['done', 1, '100'], ['done', 2, '101'], ['lost', 2, '101']]);
    expect(existsSync(p.exit(2))).toBe(false);
  });
});

describe('sweep --slurm: the CLI end to end, with stand-ins for sbatch and squeue', () => {
  // sbatch runs the array's tasks at once, in order, as Slurm would (SLURM_ARRAY_TASK_ID, the log file), and answers
  // job id 42, 43, …; squeue shows nothing queued. The real thing is in tests/slurm/.
  const bin = join(tmp, 'fakebin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'sbatch'), `#!/bin/bash
n=$(cat "${bin}/next" 2>/dev/null || echo 42); echo $((n + 1)) > "${bin}/next"
for a in "$@"; do case $a in --array=*) spec=\${a#--array=};; --output=*) out=\${a#--output=};; esac; script=$a; done
for part in \${spec//,/ }; do
  for k in $(seq \${part%-*} \${part#*-}); do
    SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_JOB_ID=$n bash "$script" >> "\${out//%a/$k}" 2>&1
  done
done
echo $n
`, { mode: 0o755 });
  writeFileSync(join(bin, 'squeue'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' };
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'orrery.mjs'), ...args], { encoding: 'utf8', env, cwd: tmp });
  const SW = ['sweep', 'collective', '--family', 'ring,switch', '--npus', '4,8,16', '--op', 'allreduce,allgather', '--size', '1MiB'];

  it('submits, merges the file a serial run writes, and resubmits a task whose run was cut off; it resumes its rows', () => {
    const serial = cli([...SW, '--out', join(tmp, 'serial.csv'), '-q']);
    expect(serial.status).toBe(0);
    const dir = join(tmp, 'e2e');
    const r = cli([...SW, '--slurm', dir, '--shards', '3', '--poll', '0.05']);
    expect(r.stderr).toContain('sweep collective: 12 points in 3 Slurm tasks (job 42), none failed; wrote');
    expect(r.status).toBe(0);
    expect(withoutTiming(join(dir, 'sweep.csv'))).toBe(withoutTiming(join(tmp, 'serial.csv')));

    const st = cli(['sweep', 'status', dir]);
    expect(st.stdout).toContain('3 tasks: 3 done, 0 running, 0 pending; 12/12 points written; jobs 42');
    expect(st.status).toBe(0);

    // task 1 "killed" after its first two rows (header + 2 of its 4): no exit status, a partial output
    const p = slurmPaths(dir);
    const lines = readFileSync(p.output(1, 'csv'), 'utf8').split('\n');
    writeFileSync(p.output(1, 'csv'), `${lines.slice(0, 3).join('\n')}\n`);
    rmSync(p.exit(1));
    rmSync(join(dir, 'sweep.csv'));
    const merge = cli(['sweep', 'merge', dir]);
    expect(merge.stderr).toContain('1 of 3 tasks are not done (1: lost)');
    expect(merge.status).toBe(1);

    const w = cli(['sweep', 'status', dir, '--wait', '--poll', '0.05']);
    expect(w.stderr).toContain('resubmitted task 1 (left the queue without an exit status');
    expect(w.stderr).toContain('as job 43');
    expect(w.status).toBe(0);
    expect(readFileSync(p.log(1), 'utf8')).toContain('2 already done'); // it continued its own two rows
    expect(withoutTiming(join(dir, 'sweep.csv'))).toBe(withoutTiming(join(tmp, 'serial.csv')));
  }, 120_000);
});
