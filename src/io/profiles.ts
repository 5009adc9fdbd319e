/**
 * Reading measured kernel profiles: Vidur's `mlp.csv` files (data/profiles/vidur/<device>/<org>/<model>/mlp.csv,
 * a subset of microsoft/vidur's data/profiling/compute, MIT) as rows of strings. Plain CSV with a header line and
 * no quoted cells (Vidur writes none); a quoted cell is refused with the line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from './errors.ts';

export interface CsvFile {
  path: string;
  header: string[];
  rows: Record<string, string>[];
}

/** Parses a simple CSV (header, comma-separated, no quotes). Blank lines are skipped. */
export function parseSimpleCsv(text: string, path: string): CsvFile {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  if (header.length === 0 || header[0] === '') throw new InputError(`${path}: empty file; expected a header line`);
  const rows: Record<string, string>[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (line.includes('"')) throw new InputError(`${path}: line ${i + 1}: quoted cells are not supported here`);
    const cells = line.split(',');
    if (cells.length !== header.length) throw new InputError(`${path}: line ${i + 1}: ${cells.length} cells; the header has ${header.length}`);
    const r: Record<string, string> = {};
    header.forEach((h, j) => { r[h] = cells[j]!.trim(); });
    rows.push(r);
  }
  return { path, header, rows };
}

export interface VidurProfile {
  /** Folder name under the root: `a100`, `h100`, `a40`. */
  device: string;
  /** Model folder, e.g. `Llama-2-7b-hf`. */
  model: string;
  /** Path relative to the root. */
  source: string;
  rows: Record<string, string>[];
}

/** Every `mlp.csv` under root/<device>/<org>/<model>/, sorted by path (deterministic order). */
export function readVidurProfiles(root: string): VidurProfile[] {
  const out: VidurProfile[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f === 'mlp.csv') {
        const rel = relative(root, p).split(/[\\/]/);
        if (rel.length !== 4) throw new InputError(`${p}: expected <device>/<org>/<model>/mlp.csv under ${root}`);
        out.push({ device: rel[0]!, model: rel[2]!, source: rel.join('/'), rows: parseSimpleCsv(readFileSync(p, 'utf8'), p).rows });
      }
    }
  };
  walk(root);
  return out;
}
