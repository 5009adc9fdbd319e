/**
 * Result tables written one row at a time: CSV (RFC 4180, a header line) and JSON lines (one object per line,
 * keys in column order). A row is a list of cells as text, '' for empty; JSON lines turn number columns back into
 * numbers (empty → null) and keep string columns as strings, so both formats hold the same cells.
 *
 * Every row ends with a newline. A file cut short (a process killed mid-write) ends in a partial line, which
 * readers report and ignore, so an appending writer can continue from the last complete row.
 */
import { InputError } from './errors.ts';

export type TableFormat = 'csv' | 'jsonl';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'jsonl'];

export interface TableColumn {
  name: string;
  type: 'number' | 'string';
}

/** The format a file name implies: `.csv`, or `.jsonl` / `.ndjson`; undefined for anything else. */
export function tableFormatOf(path: string): TableFormat | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.csv')) return 'csv';
  if (p.endsWith('.jsonl') || p.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The header (CSV) or nothing (JSON lines), with its newline. */
export function tableHeader(format: TableFormat, columns: readonly TableColumn[]): string {
  return format === 'csv' ? `${columns.map((c) => csvCell(c.name)).join(',')}\n` : '';
}

/** One row with its newline. Newlines inside cells become spaces, so one row is always one line. */
export function tableRow(format: TableFormat, columns: readonly TableColumn[], cells: readonly string[]): string {
  if (cells.length !== columns.length) throw new Error(`row has ${cells.length} cells for ${columns.length} columns`);
  const clean = cells.map((c) => c.replace(/[\r\n]+/g, ' '));
  if (format === 'csv') return `${clean.map(csvCell).join(',')}\n`;
  const o: Record<string, string | number | null> = {};
  columns.forEach((c, i) => {
    const v = clean[i]!;
    o[c.name] = c.type === 'number' ? (v === '' ? null : Number(v)) : v;
  });
  return `${JSON.stringify(o)}\n`;
}

/** Splits one CSV line into cells (quoted cells may hold commas and doubled quotes). */
export function parseCsvLine(line: string, where: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new InputError(`${where}: unterminated quoted cell`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            s += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += line[i++];
      }
      cells.push(s);
      if (i >= line.length) return cells;
      if (line[i] !== ',') throw new InputError(`${where}: expected a comma after a quoted cell`);
      i++;
    } else {
      const j = line.indexOf(',', i);
      if (j < 0) {
        cells.push(line.slice(i));
        return cells;
      }
      cells.push(line.slice(i, j));
      i = j + 1;
    }
  }
}

export interface ParsedTable {
  format: TableFormat;
  /** Column names (CSV header; JSON lines: the first row's keys); empty for an empty file. */
  columns: string[];
  rows: string[][];
  /** Bytes up to the end of the last complete line (the header counts). */
  completeBytes: number;
  /** True when the text ends in a line without its newline (ignored). */
  partial: boolean;
}

/** Reads a table written by {@link tableHeader} / {@link tableRow}. `where` names the file in errors. */
export function parseTable(text: string, format: TableFormat, where: string): ParsedTable {
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n');
  lines.pop(); // after the last newline
  const partial = end < text.length;
  if (format === 'csv') {
    if (lines.length === 0) return { format, columns: [], rows: [], completeBytes: end, partial };
    const columns = parseCsvLine(lines[0]!, `${where}: line 1`);
    const rows = lines.slice(1).map((l, i) => {
      const cells = parseCsvLine(l, `${where}: line ${i + 2}`);
      if (cells.length !== columns.length) {
        throw new InputError(`${where}: line ${i + 2} has ${cells.length} cells; the header has ${columns.length}`);
      }
      return cells;
    });
    return { format, columns, rows, completeBytes: end, partial };
  }
  let columns: string[] = [];
  const rows = lines.map((l, i) => {
    let o: unknown;
    try {
      o = JSON.parse(l);
    } catch (e) {
      throw new InputError(`${where}: line ${i + 1} is not JSON (${(e as Error).message})`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InputError(`${where}: line ${i + 1}: expected a JSON object`);
    const keys = Object.keys(o);
    if (i === 0) columns = keys;
    else if (keys.join(',') !== columns.join(',')) {
      throw new InputError(`${where}: line ${i + 1} has keys ${keys.join(', ')}; line 1 has ${columns.join(', ')}`);
    }
    return keys.map((k) => {
      const v = (o as Record<string, unknown>)[k];
      return v === null || v === undefined ? '' : String(v);
    });
  });
  return { format, columns, rows, completeBytes: end, partial };
}
