/**
 * nccl-tests output logs (all_reduce_perf, all_gather_perf, reduce_scatter_perf, broadcast_perf, reduce_perf,
 * alltoall_perf, sendrecv_perf): the standard table
 *
 *     #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
 *     #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
 *        134217728      33554432     float     sum      -1   1211.2  110.81  110.81      0   1211.8  110.76  110.76    N/A
 *
 * and, when present, the header's `nGpus N` and `#  Rank  r … on HOST device d` lines, which give the ranks and the
 * nodes. The out-of-place time (µs) is the measurement. Older versions print no `root` column; both are read.
 */
import { readFileSync } from 'node:fs';
import { InputError } from './errors.ts';

export const NCCL_TESTS_BINARIES: Record<string, string> = {
  all_reduce_perf: 'allreduce', all_gather_perf: 'allgather', reduce_scatter_perf: 'reducescatter',
  broadcast_perf: 'broadcast', reduce_perf: 'reduce', alltoall_perf: 'alltoall', sendrecv_perf: 'sendrecv',
};

export interface NcclTestsLog {
  /** Orrery's operation name, from the binary named in the log or the file name (or as given). */
  op?: string;
  /** Ranks, from the `#  Rank` lines (or nThread × nGpus); undefined if the log does not say. */
  ranks?: number;
  /** Distinct hosts in the `#  Rank` lines (1 when there are none). */
  nodes: number;
  rows: { bytes: number; timeUs: number; busBwGBps: number; line: number }[];
}

export function readNcclTestsLog(path: string): NcclTestsLog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseNcclTestsLog(text, path);
}

export function parseNcclTestsLog(text: string, where: string): NcclTestsLog {
  const lines = text.split(/\r?\n/);
  const hosts = new Set<string>();
  let rankLines = 0;
  let gpus: number | undefined;
  let op: string | undefined;
  // the binary's name as a whole word (all_reduce_perf contains reduce_perf)
  for (const [bin, name] of Object.entries(NCCL_TESTS_BINARIES)) {
    const re = new RegExp(`(^|[^a-z_])${bin}`);
    if (op === undefined && (re.test(text) || re.test(where.split('/').pop()!))) op = name;
  }
  let header: string[] | undefined;
  const rows: NcclTestsLog['rows'] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const g = /nThread\s+(\d+)\s+nGpus\s+(\d+)/.exec(line);
    if (g) gpus = Number(g[1]) * Number(g[2]);
    const r = /^#\s*Rank\s+\d+\s+Group\s+\d+\s+Pid\s+\d+\s+on\s+(\S+)/.exec(line);
    if (r) {
      rankLines++;
      hosts.add(r[1]!);
    }
    if (/^#\s*size\s+count\s+type/.test(line)) header = line.replace(/^#\s*/, '').split(/\s+/);
    if (line === '' || line.startsWith('#') || header === undefined) return;
    const f = line.split(/\s+/);
    const at = `${where}: line ${i + 1}`;
    const iTime = header.indexOf('time');
    const iBus = header.indexOf('busbw');
    if (f.length < iBus + 1) throw new InputError(`${at}: ${f.length} columns; the table's header (${header.join(' ')}) needs at least ${iBus + 1}`);
    const bytes = Number(f[0]);
    const timeUs = Number(f[iTime]);
    const busBw = Number(f[iBus]);
    if (!Number.isInteger(bytes) || bytes < 0) throw new InputError(`${at}: size "${f[0]}" is not a byte count`);
    if (!Number.isFinite(timeUs) || timeUs <= 0) throw new InputError(`${at}: out-of-place time "${f[iTime]}" is not a positive number of µs`);
    rows.push({ bytes, timeUs, busBwGBps: Number.isFinite(busBw) ? busBw : NaN, line: i + 1 });
  });
  if (header === undefined) throw new InputError(`${where}: no nccl-tests table (a "#  size  count  type …  time  algbw  busbw" header line); is this nccl-tests output?`);
  if (rows.length === 0) throw new InputError(`${where}: the nccl-tests table has no result rows`);
  return { ...(op ? { op } : {}), ...(rankLines > 0 ? { ranks: rankLines } : gpus !== undefined ? { ranks: gpus } : {}), nodes: Math.max(1, hosts.size), rows };
}
