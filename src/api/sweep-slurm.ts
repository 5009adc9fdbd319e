/**
 * Sweeps on a Slurm cluster: one job array whose task k runs shard k+1 of n of an ordinary sweep (`--shard`,
 * `--resume`), followed with squeue, with failed or vanished tasks resubmitted once, and the shards merged at the end.
 *
 * Everything lives in one directory on the filesystem the cluster shares (see {@link slurmPaths}): the sweep spec,
 * the batch script, one output, log and exit-status file per task, the merged result, and `slurm.json`, the state
 * (job ids, attempts per task) that lets a later `orrery sweep status DIR` pick up where the submitting process left.
 *
 * A task's fate is read from two places only, so no accounting database (sacct/slurmdbd) is needed: squeue while
 * it is queued or running, then the exit-status file the batch script writes as its last step. A task that has
 * left the queue without writing one was cancelled, preempted, timed out or lost with its node; it is seen so on two
 * polls in a row (a shared filesystem may show the file late) before it counts as lost. A resubmitted task
 * continues its own partial output (`--resume`), so no point runs twice in the final file and none is lost.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { InputError, kindOf, type TableFormat } from '../io/index.ts';
import { expandSweep, mergeSweepFiles, type MergeSummary, type SweepRequest } from './sweep.ts';
import { compactRanges } from '../workload/index.ts';

/** How many times a task may run in all: the first submission and one resubmission. */
export const SLURM_MAX_ATTEMPTS = 2;
const STATE_FORMAT = 'orrery-slurm-sweep';

export interface SlurmSubmitOptions {
  /** The sweep directory (created; must not hold a sweep already unless `force`). */
  dir: string;
  /** Array tasks (shards). */
  shards: number;
  /** At most this many tasks at once (`--array=…%K`). */
  maxRunning?: number;
  partition?: string;
  /** Slurm time limit per task (`--time`), as sbatch takes it. */
  time?: string;
  cpusPerTask?: number;
  /** Further sbatch options, each one argument (`--account=proj`, `--qos=low`). */
  sbatchArgs?: string[];
  /** Shell lines the batch script runs before Orrery (`module load nodejs/20`). */
  setup?: string[];
  /** Fail a point that runs longer than this (the sweep's --timeout). */
  timeoutS?: number;
  format: TableFormat;
  /** The merged result (default: DIR/sweep.<format>). */
  out?: string;
  /** Absolute paths of the node binary and of bin/orrery.mjs that the batch script runs. */
  node: string;
  bin: string;
  /** The directory the tasks run in (relative paths in the sweep's parameters resolve from here). */
  cwd: string;
  force?: boolean;
}

export interface SlurmSubmission {
  jobId: string;
  tasks: number[];
  at: string;
}

/** slurm.json: what a later `sweep status DIR` needs. */
export interface SlurmState {
  format: typeof STATE_FORMAT;
  version: 1;
  command: string;
  points: number;
  shards: number;
  output: TableFormat;
  merged: string;
  maxRunning?: number;
  /** sbatch's arguments for every submission (the array range is added per submission). */
  sbatchArgs: string[];
  submissions: SlurmSubmission[];
  /** Runs so far, per task. */
  attempts: number[];
}

export type TaskState = 'pending' | 'running' | 'done' | 'failed' | 'lost';

export interface TaskStatus {
  task: number;
  state: TaskState;
  /** The job id of the task's latest submission (array job id). */
  jobId: string;
  /** Slurm's state name while queued (PENDING, RUNNING, …). */
  slurmState?: string;
  /** The batch script's exit status, once it wrote one (3: some points failed, see their rows). */
  exitCode?: number;
  attempts: number;
  /** Rows written to its output so far, and rows it will have. */
  rows: number;
  expected: number;
}

export interface SlurmStatus {
  state: SlurmState;
  tasks: TaskStatus[];
  /** Rows written over all tasks. */
  rowsDone: number;
  counts: Record<TaskState, number>;
}

/** The files of a sweep directory. */
export function slurmPaths(dir: string) {
  return {
    state: join(dir, 'slurm.json'),
    spec: join(dir, 'spec.json'),
    script: join(dir, 'sweep.sbatch'),
    output: (k: number, f: TableFormat) => join(dir, 'shards', `task-${k}.${f}`),
    log: (k: number) => join(dir, 'logs', `task-${k}.log`),
    exit: (k: number) => join(dir, 'status', `task-${k}.exit`),
  };
}

/** Runs a Slurm client command; throws an InputError naming the command when it is missing or fails. */
export type SlurmRunner = (cmd: 'sbatch' | 'squeue' | 'sacct', args: string[]) => { code: number; stdout: string; stderr: string };

export const spawnSlurm: SlurmRunner = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new InputError(`${cmd} not found on PATH: run this where Slurm's client commands are (a login node), or load the site's slurm module`);
    }
    throw new InputError(`${cmd} did not run (${code ?? r.error.message})`);
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

/** A word quoted for bash. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Rows task k (0-based) of n has in a sweep of `points` points: the points p with p mod n = k. */
export function taskRows(points: number, shards: number, k: number): number {
  return k < points ? Math.floor((points - 1 - k) / shards) + 1 : 0;
}

/** The batch script every array task runs (its file names are those of {@link slurmPaths}). */
export function batchScript(command: string, state: Pick<SlurmState, 'shards' | 'output'>, dir: string, o: SlurmSubmitOptions): string {
  const q = shellQuote;
  return [
    '#!/bin/bash',
    `# Written by orrery sweep ${command} --slurm: array task k runs shard k+1 of ${state.shards} of the sweep in spec.json,`,
    '# continuing its own partial output (--resume), and records its exit status as its last step.',
    'k=$SLURM_ARRAY_TASK_ID',
    `dir=${q(dir)}`,
    ...(o.setup ?? []),
    `${q(o.node)} ${q(o.bin)} sweep ${q(command)} --spec "$dir/spec.json" --shard "$((k + 1))/${state.shards}" \\`,
    `  --out "$dir/shards/task-$k.${state.output}" --resume --jobs "\${SLURM_CPUS_PER_TASK:-1}"${o.timeoutS !== undefined ? ` --timeout ${o.timeoutS}` : ''}`,
    'rc=$?',
    'echo "$rc $SLURM_ARRAY_JOB_ID" > "$dir/status/task-$k.exit.tmp" && mv -f "$dir/status/task-$k.exit.tmp" "$dir/status/task-$k.exit"',
    'exit $rc',
    '',
  ].join('\n');
}

function readState(dir: string): SlurmState {
  const path = slurmPaths(dir).state;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${dir}: not a Slurm sweep directory (no slurm.json); submit one with orrery sweep <command> … --slurm ${dir}`);
    throw new InputError(`${path}: ${code ? `cannot read (${code})` : `not valid JSON (${(e as Error).message})`}`);
  }
  const s = doc as Partial<SlurmState>;
  if (typeof doc !== 'object' || doc === null || s.format !== STATE_FORMAT) throw new InputError(`${path}: expected an object with "format": "${STATE_FORMAT}", got ${kindOf(doc)}`);
  if (s.version !== 1) throw new InputError(`${path}: "version" ${JSON.stringify(s.version)} is not supported; expected 1`);
  if (!Array.isArray(s.submissions) || !Array.isArray(s.attempts) || typeof s.shards !== 'number') throw new InputError(`${path}: missing "submissions", "attempts" or "shards"`);
  return s as SlurmState;
}

function writeState(dir: string, state: SlurmState): void {
  const path = slurmPaths(dir).state;
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Compresses task numbers into sbatch's array syntax: 0-5, or 1,3-4 (every run: sbatch must see them all). */
export function arraySpec(tasks: readonly number[]): string {
  return compactRanges(tasks, Infinity);
}

function sbatch(dir: string, state: SlurmState, tasks: number[], run: SlurmRunner): SlurmSubmission {
  const array = `${arraySpec(tasks)}${state.maxRunning !== undefined ? `%${state.maxRunning}` : ''}`;
  // the exit status of an earlier attempt goes first, so it can never be read as the new attempt's
  for (const k of tasks) rmSync(slurmPaths(dir).exit(k), { force: true });
  const r = run('sbatch', ['--parsable', `--array=${array}`, ...state.sbatchArgs, slurmPaths(dir).script]);
  const jobId = r.stdout.trim().split(';')[0] ?? '';
  if (r.code !== 0 || !/^\d+$/.test(jobId)) {
    const why = (r.stderr.trim() || r.stdout.trim()).split('\n').pop() ?? '';
    throw new InputError(`sbatch failed (exit ${r.code}): ${why || 'no message'}`);
  }
  for (const k of tasks) state.attempts[k] = (state.attempts[k] ?? 0) + 1;
  const sub = { jobId, tasks: [...tasks], at: new Date().toISOString() };
  state.submissions.push(sub);
  writeState(dir, state);
  return sub;
}

/**
 * Writes the sweep directory (spec, batch script, state) and submits one job array of `shards` tasks. Bad
 * parameters, too many shards, or a directory that holds a sweep already are InputErrors, before anything is
 * submitted.
 */
export function submitSlurmSweep(req: SweepRequest, o: SlurmSubmitOptions, run: SlurmRunner = spawnSlurm): { state: SlurmState; submission: SlurmSubmission } {
  const dir = resolve(o.dir);
  const { points } = expandSweep(req);
  if (!Number.isSafeInteger(o.shards) || o.shards < 1) throw new InputError(`--shards "${o.shards}": expected a positive integer`);
  if (o.shards > points.length) throw new InputError(`--shards ${o.shards}: the sweep has only ${points.length} point${points.length === 1 ? '' : 's'}; use at most that many shards`);
  const p = slurmPaths(dir);
  if (existsSync(p.state) && !o.force) {
    throw new InputError(`${dir} holds a Slurm sweep already (slurm.json): follow it with orrery sweep status ${dir} --wait, or pass --force to start again`);
  }
  const merged = resolve(o.out ?? join(dir, `sweep.${o.format}`));
  if (existsSync(merged) && !o.force) throw new InputError(`${merged} exists; pass --force to overwrite it`);
  if (o.force) for (const sub of ['shards', 'logs', 'status']) rmSync(join(dir, sub), { recursive: true, force: true });
  for (const sub of ['shards', 'logs', 'status']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(p.spec, `${JSON.stringify({ format: 'orrery-sweep', version: 1, command: req.command, parameters: req.grids }, null, 2)}\n`);

  const sbatchArgs = [
    `--job-name=orrery-${basename(dir)}`,
    `--output=${p.log(0).replace(/task-0\.log$/, 'task-%a.log')}`,
    '--open-mode=append', // a resubmitted task's log follows its first attempt's
    `--chdir=${o.cwd}`,
    `--cpus-per-task=${o.cpusPerTask ?? 1}`,
    ...(o.partition !== undefined ? [`--partition=${o.partition}`] : []),
    ...(o.time !== undefined ? [`--time=${o.time}`] : []),
    ...(o.sbatchArgs ?? []),
  ];
  const state: SlurmState = {
    format: STATE_FORMAT,
    version: 1,
    command: req.command,
    points: points.length,
    shards: o.shards,
    output: o.format,
    merged,
    ...(o.maxRunning !== undefined ? { maxRunning: o.maxRunning } : {}),
    sbatchArgs,
    submissions: [],
    attempts: Array.from({ length: o.shards }, () => 0),
  };
  writeFileSync(p.script, batchScript(req.command, state, dir, o), { mode: 0o755 });
  const submission = sbatch(dir, state, Array.from({ length: o.shards }, (_, k) => k), run);
  return { state, submission };
}

/** The queued tasks of these array jobs: `${jobId}_${task}` → Slurm state. */
function queued(jobIds: Set<string>, run: SlurmRunner): Map<string, string> {
  const r = run('squeue', ['-h', '-r', '-u', userInfo().username, '-o', '%F|%K|%T']);
  if (r.code !== 0) throw new InputError(`squeue failed (exit ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
  const m = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [job, task, st] = line.trim().split('|');
    if (job && task && st && jobIds.has(job)) m.set(`${job}_${task}`, st);
  }
  return m;
}

function rowsIn(path: string, format: TableFormat): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 0;
  }
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return Math.max(0, n - (format === 'csv' ? 1 : 0));
}

/** The state of every task now. */
export function slurmStatus(dir: string, run: SlurmRunner = spawnSlurm): SlurmStatus {
  dir = resolve(dir);
  const state = readState(dir);
  const p = slurmPaths(dir);
  const latest = new Map<number, string>();
  for (const s of state.submissions) for (const k of s.tasks) latest.set(k, s.jobId);
  const q = queued(new Set(latest.values()), run);
  const counts: Record<TaskState, number> = { pending: 0, running: 0, done: 0, failed: 0, lost: 0 };
  let rowsDone = 0;
  const tasks = Array.from({ length: state.shards }, (_, k): TaskStatus => {
    const jobId = latest.get(k) ?? '';
    const rows = rowsIn(p.output(k, state.output), state.output);
    rowsDone += rows;
    const base = { task: k, jobId, attempts: state.attempts[k] ?? 0, rows, expected: taskRows(state.points, state.shards, k) };
    const sq = q.get(`${jobId}_${k}`);
    let t: TaskStatus;
    if (sq !== undefined) {
      t = { ...base, state: sq === 'RUNNING' || sq === 'COMPLETING' ? 'running' : 'pending', slurmState: sq };
    } else if (existsSync(p.exit(k))) {
      const [rc, job] = readFileSync(p.exit(k), 'utf8').trim().split(/\s+/);
      const exitCode = Number(rc);
      // 3 = the shard ran to its end but some points failed; their rows say why, and running again would not help
      const ok = (exitCode === 0 || exitCode === 3) && (job === undefined || job === jobId);
      t = { ...base, state: ok ? 'done' : 'failed', exitCode };
    } else {
      t = { ...base, state: 'lost' };
    }
    counts[t.state]++;
    return t;
  });
  return { state, tasks, rowsDone, counts };
}

/** Slurm's account of why a task ended, when accounting (sacct) is there; '' otherwise. */
export function slurmReason(jobId: string, task: number, run: SlurmRunner = spawnSlurm): string {
  try {
    const r = run('sacct', ['-n', '-P', '-X', '-j', `${jobId}_${task}`, '-o', 'State,ExitCode']);
    return r.code === 0 ? (r.stdout.trim().split('\n')[0] ?? '').replace('|', ', exit ') : '';
  } catch {
    return '';
  }
}

/** Submits the given tasks again (each continues its own output). */
export function resubmitTasks(dir: string, tasks: number[], run: SlurmRunner = spawnSlurm): SlurmSubmission {
  dir = resolve(dir);
  const state = readState(dir);
  const over = tasks.filter((k) => (state.attempts[k] ?? 0) >= SLURM_MAX_ATTEMPTS);
  if (over.length > 0) throw new InputError(`tasks ${over.join(', ')} ran ${SLURM_MAX_ATTEMPTS} times already`);
  return sbatch(dir, state, tasks, run);
}

export interface FollowEvent {
  status: SlurmStatus;
  /** Tasks resubmitted after this poll (and their new job). */
  resubmitted?: SlurmSubmission;
}

export interface FollowOptions {
  pollMs: number;
  onPoll?: (e: FollowEvent) => void;
  run?: SlurmRunner;
  /** squeue failures in a row tolerated before giving up (a busy controller times out now and then). */
  maxQueryFailures?: number;
}

/**
 * Polls until every task is done or has failed its last attempt, resubmitting a failed or lost task once. Returns
 * the final status; tasks still `failed` or `lost` in it ran out of attempts.
 */
export async function followSlurmSweep(dir: string, o: FollowOptions): Promise<SlurmStatus> {
  const run = o.run ?? spawnSlurm;
  const lostBefore = new Set<number>();
  let failures = 0;
  for (;;) {
    let status: SlurmStatus;
    try {
      status = slurmStatus(dir, run);
      failures = 0;
    } catch (e) {
      if (++failures > (o.maxQueryFailures ?? 5) || !(e instanceof InputError) || !/^squeue/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, o.pollMs));
      continue;
    }
    const retry: number[] = [];
    let waiting = false;
    for (const t of status.tasks) {
      if (t.state === 'pending' || t.state === 'running') waiting = true;
      if (t.state === 'lost' && !lostBefore.has(t.task)) {
        lostBefore.add(t.task); // confirm on the next poll: the exit file may show up late on a shared filesystem
        waiting = true;
        continue;
      }
      if (t.state !== 'lost') lostBefore.delete(t.task);
      if ((t.state === 'failed' || t.state === 'lost') && t.attempts < SLURM_MAX_ATTEMPTS) retry.push(t.task);
    }
    const ev: FollowEvent = { status };
    if (retry.length > 0) {
      ev.resubmitted = resubmitTasks(dir, retry, run);
      for (const k of retry) lostBefore.delete(k);
      waiting = true;
    }
    o.onPoll?.(ev);
    if (!waiting) return status;
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}

/** Merges the task outputs into the sweep's result file; every task must be done. */
export function mergeSlurmSweep(dir: string, run: SlurmRunner = spawnSlurm): MergeSummary & { path: string } {
  dir = resolve(dir);
  const status = slurmStatus(dir, run);
  const notDone = status.tasks.filter((t) => t.state !== 'done');
  if (notDone.length > 0) {
    throw new InputError(
      `${dir}: ${notDone.length} of ${status.tasks.length} tasks are not done (${notDone.slice(0, 8).map((t) => `${t.task}: ${t.state}`).join(', ')}${notDone.length > 8 ? ', …' : ''}); see orrery sweep status ${dir}`,
    );
  }
  const p = slurmPaths(dir);
  const inputs = status.tasks.filter((t) => t.expected > 0).map((t) => p.output(t.task, status.state.output));
  const s = mergeSweepFiles(status.state.merged, inputs, { force: true });
  if (s.rows !== status.state.points) throw new InputError(`${dir}: merged ${s.rows} rows, but the sweep has ${status.state.points} points`);
  return { ...s, path: status.state.merged };
}
