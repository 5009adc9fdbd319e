import { readFileSync } from 'node:fs';
import { TIMING_COLUMNS } from '../../src/api/index.ts';
import { parseTable } from '../../src/io/index.ts';

/** A sweep output without its timing columns (wallMs, peakMemMB), which differ from run to run. */
export function withoutTiming(path: string): string {
  const format = path.endsWith('.csv') ? 'csv' : 'jsonl';
  const t = parseTable(readFileSync(path, 'utf8'), format, path);
  const keep = t.columns.map((c, i) => (TIMING_COLUMNS.includes(c) ? -1 : i)).filter((i) => i >= 0);
  return [keep.map((i) => t.columns[i]).join(','), ...t.rows.map((r) => keep.map((i) => r[i]).join('|'))].join('\n');
}
