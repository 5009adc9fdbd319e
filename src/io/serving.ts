/**
 * Serving request traces in, per-request results out.
 *
 * In: Vidur's processed traces (CSV with a header; `num_prefill_tokens` and `num_decode_tokens` required,
 * `arrived_at` in seconds optional; other columns ignored) and LLMServingSim's workloads (JSON lines with
 * `input_toks`, `output_toks` and `arrival_time_ns`). Arrival times become integer ns (rounded once, here).
 * Out: one CSV row per request.
 */
import { readFileSync } from 'node:fs';
import { InputError } from './errors.ts';

export interface TraceRequestRecord {
  arrivalNs?: number;
  promptTokens: number;
  outputTokens: number;
}

function tokenCount(v: unknown, where: string, field: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new InputError(`${where}: ${field}: expected an integer ≥ 1, got ${JSON.stringify(v)}`);
  return n;
}

/** Vidur's processed-trace CSV. */
export function parseVidurCsv(text: string, source: string): TraceRequestRecord[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new InputError(`${source}: empty; expected a CSV header with num_prefill_tokens,num_decode_tokens`);
  const head = lines[0]!.split(',').map((h) => h.trim());
  const col = (name: string) => head.indexOf(name);
  const [ip, id, ia] = [col('num_prefill_tokens'), col('num_decode_tokens'), col('arrived_at')];
  if (ip < 0 || id < 0) throw new InputError(`${source}: line 1: expected columns num_prefill_tokens and num_decode_tokens (and optionally arrived_at), got ${head.join(', ')}`);
  return lines.slice(1).map((line, i) => {
    const f = line.split(',');
    const where = `${source}: line ${i + 2}`;
    const rec: TraceRequestRecord = { promptTokens: tokenCount(f[ip]?.trim(), where, 'num_prefill_tokens'), outputTokens: tokenCount(f[id]?.trim(), where, 'num_decode_tokens') };
    if (ia >= 0) {
      const s = Number(f[ia]);
      if (f[ia] === undefined || f[ia]!.trim() === '' || !Number.isFinite(s) || s < 0) throw new InputError(`${where}: arrived_at: expected seconds ≥ 0, got ${JSON.stringify(f[ia])}`);
      rec.arrivalNs = Math.round(s * 1e9);
    }
    return rec;
  });
}

/** LLMServingSim's JSON-lines workload. */
export function parseLlmServingSimJsonl(text: string, source: string): TraceRequestRecord[] {
  const out: TraceRequestRecord[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${source}: line ${i + 1}`;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new InputError(`${where}: not JSON; expected one object per line with input_toks, output_toks, arrival_time_ns`);
    }
    const t = o.arrival_time_ns;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new InputError(`${where}: arrival_time_ns: expected ns ≥ 0, got ${JSON.stringify(t)}`);
    out.push({ arrivalNs: Math.round(t), promptTokens: tokenCount(o.input_toks, where, 'input_toks'), outputTokens: tokenCount(o.output_toks, where, 'output_toks') });
  });
  return out;
}

/** Reads a request trace, by extension: `.csv` (Vidur) or `.jsonl` / `.json` (LLMServingSim). */
export function readRequestTrace(path: string): TraceRequestRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`--trace: cannot read ${path}`);
  }
  if (/\.csv$/i.test(path)) return parseVidurCsv(text, path);
  if (/\.jsonl?$/i.test(path)) return parseLlmServingSimJsonl(text, path);
  throw new InputError(`--trace: ${path}: expected a .csv (Vidur processed trace) or .jsonl (LLMServingSim) file`);
}

export interface RequestRow {
  id: number;
  replica: number;
  arrivalNs: number;
  promptTokens: number;
  outputTokens: number;
  ttftNs: number;
  e2eNs: number;
  maxTbtNs: number;
  tpotNs: number;
  preemptions: number;
  meetsSlo?: boolean;
}

export const REQUEST_CSV_COLUMNS = ['id', 'replica', 'arrivalNs', 'promptTokens', 'outputTokens', 'ttftNs', 'e2eNs', 'maxTbtNs', 'tpotNs', 'preemptions', 'meetsSlo'] as const;

/** One line per request; `tpotNs` has 3 decimals, empty when the request has one output token. */
export function requestsCsv(rows: readonly RequestRow[]): string {
  const out = [REQUEST_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    out.push([
      r.id, r.replica, r.arrivalNs, r.promptTokens, r.outputTokens, r.ttftNs, r.e2eNs, r.maxTbtNs,
      r.outputTokens > 1 ? r.tpotNs.toFixed(3) : '', r.preemptions, r.meetsSlo === undefined ? '' : r.meetsSlo ? 1 : 0,
    ].join(','));
  }
  return `${out.join('\n')}\n`;
}
