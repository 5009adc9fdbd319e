/**
 * Chrome Trace Event JSON (the format chrome://tracing and ui.perfetto.dev open), written from a timeline model.
 *
 * `{"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}` with:
 * - `M` metadata: `process_name` / `process_sort_index` per rank, `thread_name` / `thread_sort_index` per thread;
 * - `X` complete events, `ts` and `dur` in µs as ns/1000 (a float, so ns precision is kept), `cat` = op kind,
 *   `args` = the op's details;
 * - flow events `s` → `f` (`bp: "e"`, binding to the enclosing slice) from each send to its recv, placed at the
 *   middle of each slice so they bind to it unambiguously.
 *
 * Written in chunks, never as one giant string, so a million events fit in modest memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TimelineModel } from '../workload/timeline.ts';
import { InputError } from './errors.ts';
import { writeOrFail } from './output.ts';

export interface ChromeTraceInfo {
  /** Events written (metadata, slices and flow halves). */
  events: number;
  bytes: number;
}

const us = (ns: number): number => ns / 1000;

export function writeChromeTrace(path: string, m: TimelineModel, otherData: Record<string, unknown> = {}): ChromeTraceInfo {
  return writeOrFail(path, '--timeline', () => writeChromeTraceUnchecked(path, m, otherData));
}

function writeChromeTraceUnchecked(path: string, m: TimelineModel, otherData: Record<string, unknown>): ChromeTraceInfo {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new InputError(`--timeline ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let bytes = 0;
  let events = 0;
  let buf: string[] = [];
  let pending = 0;
  const flush = () => {
    if (buf.length === 0) return;
    const chunk = Buffer.from(buf.join(''), 'utf8');
    writeSync(fd, chunk);
    bytes += chunk.length;
    buf = [];
    pending = 0;
  };
  let first = true;
  const emit = (ev: string) => {
    buf.push(first ? `\n${ev}` : `,\n${ev}`);
    first = false;
    events++;
    if (++pending >= 4096) flush();
  };
  try {
    buf.push('{"displayTimeUnit": "ns", "otherData": ', JSON.stringify(otherData), ', "traceEvents": [');
    for (const p of m.processes) {
      emit(`{"ph":"M","name":"process_name","pid":${p.pid},"tid":0,"args":{"name":${JSON.stringify(p.name)}}}`);
      emit(`{"ph":"M","name":"process_sort_index","pid":${p.pid},"tid":0,"args":{"sort_index":${p.pid}}}`);
      for (const t of p.threads) {
        emit(`{"ph":"M","name":"thread_name","pid":${p.pid},"tid":${t.tid},"args":{"name":${JSON.stringify(t.name)}}}`);
        emit(`{"ph":"M","name":"thread_sort_index","pid":${p.pid},"tid":${t.tid},"args":{"sort_index":${t.tid}}}`);
      }
    }
    const s = m.slices;
    for (let i = 0; i < s.n; i++) {
      emit(
        `{"ph":"X","name":${JSON.stringify(m.name(i))},"cat":${JSON.stringify(m.category(i))},"pid":${s.pid[i]},"tid":${s.tid[i]},` +
          `"ts":${us(s.ts[i]!)},"dur":${us(s.dur[i]!)},"args":${JSON.stringify(m.args(i))}}`,
      );
    }
    const f = m.flows;
    for (let k = 0; k < f.n; k++) {
      const a = f.from[k]!, b = f.to[k]!;
      const ta = us(s.ts[a]! + s.dur[a]! / 2), tb = us(s.ts[b]! + s.dur[b]! / 2);
      emit(`{"ph":"s","id":${k},"name":"p2p","cat":"p2p","pid":${s.pid[a]},"tid":${s.tid[a]},"ts":${ta}}`);
      emit(`{"ph":"f","bp":"e","id":${k},"name":"p2p","cat":"p2p","pid":${s.pid[b]},"tid":${s.tid[b]},"ts":${tb}}`);
    }
    buf.push('\n]}\n');
    flush();
  } finally {
    closeSync(fd);
  }
  return { events, bytes };
}
