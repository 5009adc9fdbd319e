/**
 * Vidur's network profiles (microsoft/vidur `data/profiling/network/**`/{all_reduce,send_recv}.csv): measured NCCL
 * collective times. Columns used: `time_stats.<op>.median` (ms), `num_workers`, `devices_per_node`,
 * `max_devices_per_node`, `size` (bytes), `collective` (`all_reduce` or `send_recv`), and where present
 * `time_stats.<op>.min` / `.max` (Vidur times three runs per size, so min, median and max are the three runs).
 */
import { readFileSync } from 'node:fs';
import { InputError } from './errors.ts';

export interface VidurNetworkRow {
  collective: 'all_reduce' | 'send_recv';
  /** Ranks taking part. */
  ranks: number;
  ranksPerNode: number;
  gpusPerNode: number;
  bytes: number;
  /** Median measured time, ns. */
  timeNs: number;
  /** Fastest and slowest of the measured runs, ns (when the file has `time_stats.<op>.min` / `.max`). */
  minNs?: number;
  maxNs?: number;
}

export function readVidurNetworkCsv(path: string): VidurNetworkRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseVidurNetworkCsv(text, path);
}

export function parseVidurNetworkCsv(text: string, where: string): VidurNetworkRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new InputError(`${where}: empty file; expected Vidur's network profile CSV`);
  const head = lines[0]!.split(',');
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new InputError(`${where}: no column "${name}"; expected Vidur's network profile columns (num_workers, devices_per_node, max_devices_per_node, size, collective, time_stats.<op>.median)`);
    return i;
  };
  const median = head.findIndex((h) => /^time_stats\.[a-z_]+\.median$/.test(h));
  if (median < 0) throw new InputError(`${where}: no column "time_stats.<op>.median"; expected Vidur's network profile CSV`);
  const op = head[median]!.slice(0, -'.median'.length);
  const imin = head.indexOf(`${op}.min`);
  const imax = head.indexOf(`${op}.max`);
  const iw = col('num_workers');
  const id = col('devices_per_node');
  const im = col('max_devices_per_node');
  const is = col('size');
  const ic = col('collective');
  return lines.slice(1).map((line, k) => {
    const f = line.split(',');
    const at = `${where}: line ${k + 2}`;
    const num = (i: number, name: string, int: boolean) => {
      const v = Number(f[i]);
      if (!Number.isFinite(v) || v < 0 || (int && !Number.isInteger(v))) throw new InputError(`${at}: ${name} "${f[i] ?? ''}" is not a ${int ? 'non-negative integer' : 'non-negative number'}`);
      return v;
    };
    const collective = f[ic];
    if (collective !== 'all_reduce' && collective !== 'send_recv') throw new InputError(`${at}: collective "${collective ?? ''}"; expected all_reduce or send_recv`);
    return {
      collective,
      ranks: num(iw, 'num_workers', true),
      ranksPerNode: num(id, 'devices_per_node', true),
      gpusPerNode: num(im, 'max_devices_per_node', true),
      bytes: num(is, 'size', true),
      timeNs: num(median, head[median]!, false) * 1e6,
      ...(imin >= 0 && imax >= 0 ? { minNs: num(imin, head[imin]!, false) * 1e6, maxNs: num(imax, head[imax]!, false) * 1e6 } : {}),
    };
  });
}
