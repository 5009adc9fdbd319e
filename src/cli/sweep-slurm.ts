/**
 * The Slurm side of `orrery sweep`: `--slurm DIR` on every sweep subcommand (submit one job array, follow it,
 * resubmit failed tasks once, merge), and `orrery sweep status DIR` to look at or finish one later.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { followSlurmSweep, mergeSlurmSweep, slurmPaths, slurmReason, slurmStatus, submitSlurmSweep, SLURM_MAX_ATTEMPTS, type SlurmStatus } from '../api/sweep-slurm.ts';
import { InputError, type TableFormat } from '../api/vocabulary.ts';
import type { SweepRequest } from '../api/sweep.ts';
import { createProgress, formatDuration } from './progress.ts';

/** Exit status when some Slurm tasks failed on every attempt (nothing was merged). */
export const EXIT_TASKS_FAILED = 4;

export interface SlurmCliOptions {
  slurm?: string;
  shards?: string;
  maxRunning?: string;
  partition?: string;
  time?: string;
  cpusPerTask?: string;
  sbatch?: string[];
  setup?: string[];
  wait?: boolean;
  poll?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < 1) throw new InputError(`${flag} "${v}": expected a positive integer`);
  return n;
}

function pollMs(v: string | undefined): number {
  if (v === undefined) return 10_000;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`--poll "${v}": expected a positive number of seconds`);
  return n * 1000;
}

/** The options `--slurm` brings to a sweep subcommand. */
export function addSlurmOptions(sub: Command): void {
  sub
    .option('--slurm <dir>', 'run on a Slurm cluster: submit one job array, follow it, merge into DIR/sweep.csv (DIR on the shared filesystem)')
    .option('--shards <n>', 'with --slurm: array tasks (each runs one shard)')
    .option('--max-running <k>', 'with --slurm: at most k tasks at once (--array=…%k)')
    .option('--partition <name>', 'with --slurm: the partition')
    .option('--time <limit>', 'with --slurm: time limit per task, as sbatch takes it (e.g. 02:00:00)')
    .option('--cpus-per-task <n>', 'with --slurm: CPUs per task, also its worker threads (default 1)')
    .option('--sbatch <option>', 'with --slurm: pass an option to sbatch, e.g. --sbatch=--account=proj --sbatch=--qos=low (repeatable)', collect)
    .option('--setup <line>', "with --slurm: a shell line the batch script runs first, e.g. --setup 'module load nodejs/20' (repeatable)", collect)
    .option('--no-wait', 'with --slurm: submit, print the job id and return (finish with sweep status DIR --wait)')
    .option('--poll <seconds>', 'with --slurm: how often to ask squeue (default 10)');
}

/** Options that mean nothing without --slurm, or that --slurm replaces. */
export function checkSlurmFlags(o: SlurmCliOptions & { shard?: string; resume?: boolean; plot?: string; out?: string }): void {
  const slurmOnly: [keyof SlurmCliOptions, string][] = [
    ['shards', '--shards'], ['maxRunning', '--max-running'], ['partition', '--partition'], ['time', '--time'],
    ['cpusPerTask', '--cpus-per-task'], ['sbatch', '--sbatch'], ['setup', '--setup'], ['poll', '--poll'],
  ];
  if (o.slurm === undefined) {
    const given = slurmOnly.find(([k]) => o[k] !== undefined) ?? (o.wait === false ? ['wait', '--no-wait'] : undefined);
    if (given) throw new InputError(`${given[1]} goes with --slurm DIR`);
    return;
  }
  if (o.shard !== undefined) throw new InputError('--shard and --slurm: --slurm makes the shards itself (--shards n)');
  if (o.resume) throw new InputError('--resume and --slurm: to continue a Slurm sweep, run orrery sweep status DIR --wait');
  if (o.plot !== undefined) throw new InputError('--plot and --slurm: draw the merged file afterwards with orrery sweep plot DIR/sweep.csv --out plot.svg');
  if (o.shards === undefined) throw new InputError('--slurm needs --shards n (how many array tasks)');
}

/** The orrery launcher this process runs, so the batch script runs the same checkout. */
function orreryBin(): string {
  const arg = process.argv[1];
  if (!arg) throw new InputError('cannot tell which orrery launcher is running (no process.argv[1])');
  return realpathSync(arg);
}

function countsLine(s: SlurmStatus): string {
  const c = s.counts;
  const parts = [`${c.done} done`, `${c.running} running`, `${c.pending} pending`];
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  if (c.lost > 0) parts.push(`${c.lost} gone from the queue`);
  return `${s.tasks.length} tasks: ${parts.join(', ')}; ${s.rowsDone}/${s.state.points} points written`;
}

/** Follows a submitted sweep to its end, merges it, and sets the exit status. */
async function finish(dir: string, poll: number, label: string, t0: number): Promise<void> {
  const progress = createProgress(process.stderr);
  const final = await followSlurmSweep(dir, {
    pollMs: poll,
    onPoll: (e) => {
      const s = e.status;
      progress?.update(Math.min(s.rowsDone, s.state.points), s.state.points, 0, performance.now() - t0);
      if (e.resubmitted) {
        progress?.end();
        const why = e.resubmitted.tasks.map((k) => {
          const t = s.tasks[k]!;
          const reason = t.state === 'failed' ? `exit ${t.exitCode}` : slurmReason(t.jobId, k) || 'left the queue without an exit status (cancelled, preempted, timed out or node lost)';
          return `task ${k} (${reason})`;
        });
        console.error(`${label}: resubmitted ${why.join(', ')} as job ${e.resubmitted.jobId}; each continues its own output`);
      }
    },
  });
  progress?.end();
  const bad = final.tasks.filter((t) => t.state !== 'done');
  if (bad.length > 0) {
    for (const t of bad) {
      const what = t.state === 'failed' ? `exited ${t.exitCode}` : t.state;
      console.error(`${label}: task ${t.task} (job ${t.jobId}_${t.task}) ${what} after ${t.attempts} attempt${t.attempts === 1 ? '' : 's'}; see ${slurmPaths(dir).log(t.task)}`);
    }
    console.error(`${label}: ${countsLine(final)}; not merged. Fix the cause, then resubmit those tasks by hand (sbatch --array=… ${slurmPaths(dir).script}) or start again with --force`);
    process.exitCode = EXIT_TASKS_FAILED;
    return;
  }
  const m = mergeSlurmSweep(dir);
  const jobs = final.state.submissions.map((s) => s.jobId).join(', ');
  const resubmitted = final.tasks.filter((t) => t.attempts > 1).length;
  console.error(
    `${label}: ${m.rows} points in ${final.tasks.length} Slurm tasks (job${final.state.submissions.length > 1 ? 's' : ''} ${jobs}` +
      `${resubmitted > 0 ? `; ${resubmitted} task${resubmitted === 1 ? '' : 's'} resubmitted` : ''}), ` +
      `${m.failed > 0 ? `${m.failed} points failed (see the error column)` : 'none failed'}; wrote ${m.path} in ${formatDuration(performance.now() - t0)}`,
  );
  if (m.failed > 0) process.exitCode = 3;
}

/** `orrery sweep <command> … --slurm DIR`. */
export async function runSlurmSweep(request: SweepRequest, o: SlurmCliOptions & { out?: string; timeout?: string; force?: boolean; quiet?: boolean }, format: TableFormat): Promise<void> {
  const t0 = performance.now();
  const dir = resolve(o.slurm!);
  const poll = pollMs(o.poll);
  const timeoutS = o.timeout !== undefined ? Number(o.timeout) : undefined;
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new InputError(`--timeout "${o.timeout}": expected a positive number of seconds`);
  const { state, submission } = submitSlurmSweep(request, {
    dir,
    shards: positiveInt('--shards', o.shards!),
    ...(o.maxRunning !== undefined ? { maxRunning: positiveInt('--max-running', o.maxRunning) } : {}),
    ...(o.partition !== undefined ? { partition: o.partition } : {}),
    ...(o.time !== undefined ? { time: o.time } : {}),
    ...(o.cpusPerTask !== undefined ? { cpusPerTask: positiveInt('--cpus-per-task', o.cpusPerTask) } : {}),
    ...(o.sbatch ? { sbatchArgs: o.sbatch } : {}),
    ...(o.setup ? { setup: o.setup } : {}),
    ...(timeoutS !== undefined ? { timeoutS } : {}),
    format,
    ...(o.out !== undefined ? { out: o.out } : {}),
    node: process.execPath,
    bin: orreryBin(),
    cwd: process.cwd(),
    ...(o.force ? { force: true } : {}),
  });
  const label = `sweep ${request.command}`;
  if (o.wait === false) {
    console.log(submission.jobId);
    console.error(`${label}: submitted job array ${submission.jobId} (${state.shards} tasks, ${state.points} points) from ${dir}; follow it with orrery sweep status ${dir} --wait`);
    return;
  }
  console.error(`${label}: submitted job array ${submission.jobId} (${state.shards} tasks, ${state.points} points); following it (Ctrl-C stops following, not the jobs)`);
  await finish(dir, poll, label, t0);
}

export function registerSlurmStatus(sweep: Command): void {
  sweep
    .command('status')
    .summary('show (or follow to the end) a sweep submitted with --slurm')
    .description(
      'Show the tasks of a sweep submitted with --slurm DIR: done, running, pending, failed. With --wait, follow it as the ' +
        `submitting command does: resubmit a failed or vanished task (each runs at most ${SLURM_MAX_ATTEMPTS} times), and merge when all are done.`,
    )
    .argument('<dir>', 'the sweep directory given to --slurm')
    .option('--wait', 'follow to the end, resubmitting and merging')
    .option('--poll <seconds>', 'with --wait: how often to ask squeue (default 10)')
    .addHelpText('after', '\nExit status: 0 all done (or, without --wait, the status was shown); 3 some points failed; 4 some tasks failed every attempt; 1 bad input.')
    .action(async (d: string, opts: { wait?: boolean; poll?: string }) => {
      const dir = resolve(d);
      if (opts.wait) return finish(dir, pollMs(opts.poll), `sweep status ${d}`, performance.now());
      const s = slurmStatus(dir);
      console.log(`${s.state.command} sweep in ${dir}: ${countsLine(s)}; jobs ${s.state.submissions.map((x) => x.jobId).join(', ')}`);
      for (const t of s.tasks) {
        const what = t.state === 'failed' ? `failed (exit ${t.exitCode})` : t.state === 'lost' ? 'not queued and no exit status (cancelled, preempted or lost)' : t.slurmState?.toLowerCase() ?? t.state;
        console.log(`  task ${t.task}  job ${t.jobId}_${t.task}  ${what}  ${t.rows}/${t.expected} points  attempt ${t.attempts}/${SLURM_MAX_ATTEMPTS}`);
      }
      if (s.counts.done === s.tasks.length) console.log(`all done; orrery sweep merge ${d} writes ${s.state.merged}`);
    });
}

/** `orrery sweep merge DIR`: the merge of a --slurm sweep. */
export function mergeSlurmDir(dir: string, quiet: boolean): void {
  const m = mergeSlurmSweep(dir);
  if (!quiet) console.error(`sweep merge: ${m.rows} rows from ${m.inputs} task files into ${m.path}${m.failed > 0 ? `; ${m.failed} failed points` : ''}`);
  if (m.failed > 0) process.exitCode = 3;
}
