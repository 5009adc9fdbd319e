/**
 * Sweeps: run a single-run command (`collective`, later `run`) over the cross product of parameter lists, on
 * worker threads, writing one row per point in point order as points finish.
 *
 * - Points are numbered in cross-product order, the first parameter varying slowest ({@link expandSweep}). A
 *   point's row starts with that number (`point`), then every parameter, then the metrics, `wallMs`, `peakMemMB`
 *   and `error` ('' when the point ran).
 * - Rows are written in point order whatever order workers finish in: completions are buffered and the in-order
 *   prefix is written (and handed to the OS) at once, so the file on disk is always a prefix of the final file.
 * - `resume` continues a file that is such a prefix; a killed sweep resumed writes the same file an uninterrupted
 *   one would (bar the timing and memory columns).
 * - `shard` i/n runs the points whose number is i−1 modulo n; {@link mergeSweepFiles} puts shards back together
 *   into the file a single run writes.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  checkOutputPath, InputError, readInputFile, kindOf, parseTable, writeOrFail, tableFormatOf, tableHeader, tableRow, TABLE_FORMATS,
  type TableColumn, type TableFormat,
} from '../io/index.ts';
import { getSweepCommand, SWEEP_COMMANDS, type ParamRow, type SweepCommand } from './sweep-commands.ts';
import { expandValues, paramKeyOf, type RawValue } from './sweep-params.ts';
import { errorCell } from './sweep-point.ts';
import { runPoints } from './sweep-pool.ts';
import type { PointResult } from './sweep-point.ts';
import { groupDigits } from '../units/index.ts';

export { parseShard, expandValues, type RawValue, type ParamValue, type SweepParam } from './sweep-params.ts';
export { SWEEP_COMMANDS, sweepCommandNames, getSweepCommand, familyTable, TOPOLOGY_PARAMS, type SweepCommand } from './sweep-commands.ts';
export { TOPOLOGY_FAMILIES, buildFamily, familyNames, balancedFactors, type TopologyFamily } from './families.ts';
export { runPoint, type PointRequest, type PointResult } from './sweep-point.ts';

/** Columns whose values differ from run to run (time and memory); everything else is deterministic. */
export const TIMING_COLUMNS: readonly string[] = ['wallMs', 'peakMemMB'];
/** Most points one sweep may have. */
export const MAX_POINTS = 1_000_000;

export interface SweepRequest {
  command: string;
  /** Each grid maps parameter keys to values; the sweep is the concatenation of the grids' cross products. */
  grids: Record<string, RawValue>[];
}

export interface SweepPoint {
  /** Position in the whole sweep (before sharding). */
  index: number;
  /** Parameter values by key ('' = not given). */
  params: ParamRow;
}

/** The columns of a sweep's rows: point, the parameters, the metrics, wallMs, peakMemMB, error. */
export function sweepColumns(command: SweepCommand): TableColumn[] {
  const numeric = new Set(['int', 'size', 'time', 'number']);
  return [
    { name: 'point', type: 'number' },
    ...command.params.map((p): TableColumn => ({ name: p.column, type: numeric.has(p.kind) ? 'number' : 'string' })),
    ...command.metrics.map((m): TableColumn => ({ name: m.column, type: m.type })),
    { name: 'wallMs', type: 'number' },
    { name: 'peakMemMB', type: 'number' },
    { name: 'error', type: 'string' },
  ];
}

/** Every point of the sweep, in order. Throws an InputError for unknown parameters or bad values. */
export function expandSweep(req: SweepRequest): { command: SweepCommand; points: SweepPoint[] } {
  const command = getSweepCommand(req.command);
  if (req.grids.length === 0) throw new InputError('the sweep has no parameters');
  const points: SweepPoint[] = [];
  req.grids.forEach((grid, g) => {
    const where = req.grids.length > 1 ? `parameters[${g}]: ` : '';
    const given = new Map<string, RawValue>();
    for (const [name, raw] of Object.entries(grid)) {
      const key = paramKeyOf(name);
      if (!command.params.some((p) => p.key === key)) {
        throw new InputError(`${where}unknown parameter "${name}"; ${req.command} sweeps take: ${command.params.map((p) => p.key).join(', ')}`);
      }
      given.set(key, raw);
    }
    try {
      command.checkGrid(new Set(given.keys()));
    } catch (e) {
      throw new InputError(`${where}${(e as Error).message}`);
    }
    const lists = command.params.map((p) => {
      const raw = given.get(p.key);
      return raw !== undefined ? expandValues(p, raw) : [p.default ?? ''];
    });
    const total = lists.reduce((n, l) => n * l.length, 1);
    if (points.length + total > MAX_POINTS) {
      throw new InputError(`${where}the sweep has ${groupDigits(points.length + total)} points; at most ${groupDigits(MAX_POINTS)}`);
    }
    const idx = lists.map(() => 0);
    for (let n = 0; n < total; n++) {
      const params: ParamRow = {};
      command.params.forEach((p, i) => (params[p.key] = lists[i]![idx[i]!]!));
      points.push({ index: points.length, params });
      for (let i = lists.length - 1; i >= 0; i--) {
        if (++idx[i]! < lists[i]!.length) break;
        idx[i] = 0;
      }
    }
  });
  return { command, points };
}

/** The points of shard `index` of `count` (1-based): those whose number is index−1 modulo count. */
export function shardPoints<T extends { index: number }>(points: readonly T[], shard?: { index: number; count: number }): T[] {
  return shard ? points.filter((p) => p.index % shard.count === shard.index - 1) : [...points];
}

/**
 * Reads a sweep spec file:
 *
 *     { "format": "orrery-sweep", "version": 1, "command": "collective",
 *       "parameters": { "family": "torus3d", "npus": "8..4096", "op": "allreduce",
 *                       "size": ["1MiB", "64MiB", "1GiB"], "algo": ["ring", "direct"] } }
 *
 * `parameters` may also be a list of such objects (the sweep runs each cross product in turn). Keys are the long
 * flags (`active-chunks` or `activeChunks`); values are what the flag takes (lists and ranges), numbers, or arrays.
 */
export function readSweepSpec(path: string, command: string): SweepRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(readInputFile(path, 'sweep spec', 'utf8'));
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code ? `cannot read sweep spec (${code})` : `not valid JSON (${(e as Error).message})`}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`${path}: expected a JSON object, got ${kindOf(doc)}`);
  const o = doc as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !['format', 'version', 'command', 'parameters', 'description'].includes(k));
  if (unknown.length > 0) throw new InputError(`${path}: unknown key "${unknown[0]}"; expected format, version, command, parameters, description`);
  if (o.format !== undefined && o.format !== 'orrery-sweep') throw new InputError(`${path}: "format" is ${JSON.stringify(o.format)}; expected "orrery-sweep"`);
  if (o.version !== undefined && o.version !== 1) throw new InputError(`${path}: "version" ${JSON.stringify(o.version)} is not supported; expected 1`);
  if (o.command !== undefined && o.command !== command) {
    throw new InputError(`${path}: "command" is ${JSON.stringify(o.command)}, but this is orrery sweep ${command}`);
  }
  const params = o.parameters;
  const grids = Array.isArray(params) ? params : [params];
  if (params === undefined || grids.length === 0) throw new InputError(`${path}: "parameters" must be an object of parameter values, or a non-empty list of them`);
  return {
    command,
    grids: grids.map((g, i) => {
      const at = Array.isArray(params) ? `${path}: parameters[${i}]` : `${path}: parameters`;
      if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new InputError(`${at}: expected an object, got ${kindOf(g)}`);
      for (const [k, v] of Object.entries(g)) {
        const ok = typeof v === 'string' || typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'));
        if (!ok) throw new InputError(`${at}.${k}: expected a string, a number or an array of them, got ${kindOf(v)}`);
      }
      return g as Record<string, RawValue>;
    }),
  };
}

function fmtNumber(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return '';
  return digits === undefined ? String(x) : String(Number(x.toFixed(digits)));
}

/** The parameter cells of a point's row (after resolving). */
function paramCells(command: SweepCommand, row: ParamRow): string[] {
  return command.params.map((p) => String(row[p.key] ?? ''));
}

/** A whole row for a point. */
function rowCells(command: SweepCommand, index: number, row: ParamRow, r: Omit<PointResult, 'id'>): string[] {
  const metric = (c: string) => {
    const v = r.metrics[c];
    return v === undefined ? '' : typeof v === 'number' ? fmtNumber(v) : v;
  };
  return [
    String(index),
    ...paramCells(command, row),
    ...command.metrics.map((m) => metric(m.column)),
    r.error === '' || r.wallMs > 0 ? fmtNumber(r.wallMs, 3) : '',
    r.error === '' || r.peakMemMB > 0 ? fmtNumber(r.peakMemMB, 1) : '',
    r.error,
  ];
}

export interface SweepOutput {
  /** A file to write (and to resume), or a sink (stdout) when undefined. */
  path?: string;
  write?: (text: string) => void;
  format: TableFormat;
}

export interface SweepProgress {
  /** Points finished in this run, and to run in this run (resumed points are not counted). */
  done: number;
  total: number;
  failed: number;
  elapsedMs: number;
}

export interface RunSweepOptions {
  output: SweepOutput;
  /** Worker threads (default: the machine's cores). */
  jobs?: number;
  /** Continue the output file: skip the points already in it. */
  resume?: boolean;
  /** Overwrite an existing output file. */
  force?: boolean;
  shard?: { index: number; count: number };
  /** Fail a point that takes longer than this, ms. */
  timeoutMs?: number;
  onProgress?: (p: SweepProgress) => void;
}

export interface SweepSummary {
  /** Points in this sweep (or shard). */
  points: number;
  /** Already in the output file (resume). */
  resumed: number;
  /** Run now. */
  ran: number;
  /** Rows in the final output whose `error` is not empty (resumed ones included). */
  failed: number;
  wallMs: number;
  columns: TableColumn[];
  /** Every row of the output, in order. */
  rows: string[][];
  format: TableFormat;
}

export function defaultJobs(): number {
  return availableParallelism();
}

/** Runs a sweep. Input errors (bad parameters, an output that is not this sweep's) throw before any point runs. */
export async function runSweep(req: SweepRequest, opts: RunSweepOptions): Promise<SweepSummary> {
  const t0 = performance.now();
  const { command, points: all } = expandSweep(req);
  const points = shardPoints(all, opts.shard);
  const columns = sweepColumns(command);
  const format = opts.output.format;
  const nParams = 1 + command.params.length;

  // resolve every point on this thread: cheap, and the resume check needs the resolved parameters
  const resolved = points.map((p) => {
    try {
      return { point: p, row: command.resolve(p.params), error: '' };
    } catch (e) {
      return { point: p, row: p.params, error: errorCell(e) };
    }
  });

  const rows: string[][] = [];
  let fd: number | undefined;
  let write: (text: string) => void;
  const path = opts.output.path;
  if (path !== undefined) {
    if (existsSync(path) && !opts.resume && !opts.force) {
      throw new InputError(`${path} exists; pass --resume to continue that sweep, or --force to start it again`);
    }
    checkOutputPath(path, '--out');
    if (opts.resume && existsSync(path)) {
      const fileFormat = tableFormatOf(path) ?? format;
      if (fileFormat !== format) throw new InputError(`${path}: is ${fileFormat}, but the sweep writes ${format}`);
      const t = parseTable(readFileSync(path, 'utf8'), format, path);
      if (t.columns.length > 0 && t.columns.join(',') !== columns.map((c) => c.name).join(',')) {
        throw new InputError(`${path}: its columns (${t.columns.join(', ')}) are not this sweep's; use another --out, or --force to overwrite`);
      }
      if (t.rows.length > resolved.length) {
        throw new InputError(`${path}: has ${t.rows.length} rows but this sweep${opts.shard ? ' shard' : ''} has ${resolved.length} points; not the same sweep`);
      }
      t.rows.forEach((cells, i) => {
        const want = [String(resolved[i]!.point.index), ...paramCells(command, resolved[i]!.row)];
        const got = cells.slice(0, nParams);
        if (want.join('\u0000') !== got.join('\u0000')) {
          const col = want.findIndex((w, j) => w !== got[j]);
          throw new InputError(
            `${path}: row ${i + 1} has ${columns[col]!.name}=${JSON.stringify(got[col])} where this sweep's point ${resolved[i]!.point.index} has ${JSON.stringify(want[col])}; not the same sweep (use another --out, or --force to overwrite)`,
          );
        }
        rows.push(cells);
      });
      fd = openSync(path, 'r+');
      ftruncateSync(fd, t.completeBytes); // drop a partial last line left by a kill
      const header = tableHeader(format, columns);
      if (t.columns.length === 0 && header !== '') {
        ftruncateSync(fd, 0);
        writeSync(fd, header, 0);
      }
      closeSync(fd);
      fd = openSync(path, 'a');
    } else {
      fd = writeOrFail(path, '--out', () => openSync(path, 'w'));
      const f = fd;
      writeOrFail(path, '--out', () => writeSync(f, tableHeader(format, columns)));
    }
    const f = fd;
    write = (text) => writeOrFail(path, '--out', () => void writeSync(f, text));
  } else {
    if (opts.resume) throw new InputError('--resume needs --out (a file to continue)');
    write = opts.output.write ?? ((text) => void process.stdout.write(text));
    write(tableHeader(format, columns));
  }

  const resumed = rows.length;
  const todo = resolved.slice(resumed);
  const pending = new Map<number, string[]>(); // by position in todo
  let flushed = 0;
  let doneCount = 0;
  let failedNow = 0;
  const positionOf = new Map(todo.map((r, i) => [r.point.index, i]));
  const complete = (pos: number, cells: string[]) => {
    pending.set(pos, cells);
    doneCount++;
    if (cells[cells.length - 1] !== '') failedNow++;
    // write the in-order prefix that is now complete
    let text = '';
    while (pending.has(flushed)) {
      const c = pending.get(flushed)!;
      pending.delete(flushed);
      rows.push(c);
      text += tableRow(format, columns, c);
      flushed++;
    }
    if (text !== '') write(text);
    opts.onProgress?.({ done: doneCount, total: todo.length, failed: failedNow, elapsedMs: performance.now() - t0 });
  };

  try {
    opts.onProgress?.({ done: 0, total: todo.length, failed: 0, elapsedMs: performance.now() - t0 });
    // points that could not be resolved fail now, without a worker
    const requests = [];
    for (const [pos, r] of todo.entries()) {
      if (r.error !== '') complete(pos, rowCells(command, r.point.index, r.row, { metrics: {}, wallMs: 0, peakMemMB: 0, error: r.error }));
      else requests.push({ id: r.point.index, command: req.command, row: r.row });
    }
    await runPoints(requests, { jobs: opts.jobs ?? defaultJobs(), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) }, (res) => {
      const pos = positionOf.get(res.id)!;
      complete(pos, rowCells(command, res.id, todo[pos]!.row, res));
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const failed = rows.filter((r) => r[r.length - 1] !== '').length;
  return { points: points.length, resumed, ran: todo.length, failed, wallMs: performance.now() - t0, columns, rows, format };
}

/** The format for an output path and an optional `--format`. */
export function outputFormat(path: string | undefined, format: string | undefined): TableFormat {
  if (format !== undefined) {
    const f = TABLE_FORMATS.find((x) => x === format.toLowerCase());
    if (!f) throw new InputError(`--format "${format}": expected one of: ${TABLE_FORMATS.join(', ')}`);
    return f;
  }
  if (path === undefined) return 'csv';
  const f = tableFormatOf(path);
  if (!f) throw new InputError(`--out ${path}: cannot tell the format from the extension; name it .csv or .jsonl, or pass --format csv|jsonl`);
  return f;
}

/** A sweep output file read back: its columns and rows. */
export function readSweepFile(path: string): { format: TableFormat; columns: string[]; rows: string[][] } {
  const format = tableFormatOf(path);
  if (!format) throw new InputError(`${path}: expected a .csv or .jsonl sweep output`);
  const text = readInputFile(path, 'sweep output', 'utf8');
  const t = parseTable(text, format, path);
  if (t.columns[0] !== 'point') throw new InputError(`${path}: not a sweep output (its first column is not "point")`);
  return { format, columns: t.columns, rows: t.rows };
}

/** The typed columns of the sweep command whose rows have these column names. */
function columnTypes(names: readonly string[]): TableColumn[] {
  for (const name of Object.keys(SWEEP_COMMANDS)) {
    const cols = sweepColumns(SWEEP_COMMANDS[name]!);
    if (cols.map((c) => c.name).join(',') === names.join(',')) return cols;
  }
  throw new InputError(`sweep merge: the columns (${names.join(', ')}) are not those of any sweep (${Object.keys(SWEEP_COMMANDS).join(', ')}) of this version of Orrery`);
}

export interface MergeSummary {
  rows: number;
  failed: number;
  inputs: number;
}

/**
 * Joins shard outputs into the file one run would have written: the rows of every input, in point order. Inputs
 * must have the same columns; a point twice, or a gap in the point numbers, is an error (a shard missing or cut
 * short) unless `allowGaps`.
 */
export function mergeSweepFiles(out: string, inputs: readonly string[], opts: { force?: boolean; allowGaps?: boolean } = {}): MergeSummary {
  if (inputs.length === 0) throw new InputError('sweep merge: give the output file and at least one shard file');
  if (existsSync(out) && !opts.force) throw new InputError(`${out} exists; pass --force to overwrite it`);
  checkOutputPath(out, 'sweep merge: output');
  const format = outputFormat(out, undefined);
  let columns: string[] | undefined;
  const byPoint = new Map<number, { cells: string[]; from: string }>();
  for (const path of inputs) {
    const t = readSweepFile(path);
    if (t.rows.length === 0 && t.columns.length === 0) continue;
    if (columns && t.columns.join(',') !== columns.join(',')) {
      throw new InputError(`${path}: its columns differ from ${inputs[0]}'s; shards of one sweep have the same columns`);
    }
    columns ??= t.columns;
    for (const cells of t.rows) {
      const p = Number(cells[0]);
      if (!Number.isSafeInteger(p) || p < 0) throw new InputError(`${path}: point "${cells[0]}" is not a point number`);
      const prev = byPoint.get(p);
      if (prev) throw new InputError(`point ${p} is in both ${prev.from} and ${path}; each point belongs to one shard`);
      byPoint.set(p, { cells, from: path });
    }
  }
  if (!columns) throw new InputError('sweep merge: the inputs hold no rows');
  const order = [...byPoint.keys()].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let i = 0, p = 0; i < order.length; i++, p++) {
    while (p < order[i]!) missing.push(p++);
  }
  if (missing.length > 0 && !opts.allowGaps) {
    throw new InputError(
      `sweep merge: points ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} are in no input; is a shard missing or unfinished? (--allow-gaps merges anyway)`,
    );
  }
  const types = columnTypes(columns);
  const fd = writeOrFail(out, 'sweep merge: output', () => openSync(out, 'w'));
  const writeText = (text: string) => writeOrFail(out, 'sweep merge: output', () => writeSync(fd, text));
  try {
    let text = tableHeader(format, types);
    let failed = 0;
    for (const p of order) {
      const cells = byPoint.get(p)!.cells;
      if (cells[cells.length - 1] !== '') failed++;
      text += tableRow(format, types, cells);
      if (text.length > 1 << 20) {
        writeText(text);
        text = '';
      }
    }
    writeText(text);
    return { rows: order.length, failed, inputs: inputs.length };
  } finally {
    closeSync(fd);
  }
}
