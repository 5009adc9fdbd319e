/** Human-readable output helpers. */
import { formatBytes, formatTime, groupDigits } from '../units/index.ts';

export { formatBytes, formatTime };

export function formatGBps(x: number): string {
  return `${x >= 100 ? x.toFixed(1) : x >= 10 ? x.toFixed(2) : x.toFixed(3)} GB/s`;
}

export function formatCount(n: number): string {
  return groupDigits(n);
}

/** Left-aligned two-column block. */
export function table(rows: [string, string][]): string {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}
