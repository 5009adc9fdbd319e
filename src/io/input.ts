/**
 * Reading input files safely: only regular files (a FIFO or a device given as `-t` would block or never end), at
 * most {@link MAX_INPUT_BYTES} on disk, and gzip inflated to at most {@link MAX_INFLATED_BYTES} (a small `.gz` can
 * expand a thousandfold: a 1.5 MB file to 1.5 GB).
 */
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from './errors.ts';

/** The largest input file read, on disk: 1 GiB. */
export const MAX_INPUT_BYTES = 2 ** 30;
/** The largest a gzip input may inflate to: 1 GiB (a JSON trace of that size already needs several GB to parse). */
export const MAX_INFLATED_BYTES = 2 ** 30;

const MiB = 2 ** 20;

/** Reads a regular file, refusing anything else (directories, FIFOs, devices, sockets) and files over the cap. */
export function readInputFile(path: string, what: string): Buffer;
export function readInputFile(path: string, what: string, encoding: 'utf8'): string;
export function readInputFile(path: string, what: string, encoding?: 'utf8'): Buffer | string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read ${fileWord(what)} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!st.isFile()) {
    const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : 'a device or special file';
    throw new InputError(`${path}: is ${kind}; expected a regular file (${what})`);
  }
  if (st.size > MAX_INPUT_BYTES) {
    throw new InputError(`${path}: is ${(st.size / MiB).toFixed(0)} MiB; ${what} files are limited to ${MAX_INPUT_BYTES / MiB} MiB`);
  }
  try {
    return encoding ? readFileSync(path, encoding) : readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read ${fileWord(what)} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** "trace" → "trace file"; "ASTRA-sim system file" stays. */
const fileWord = (what: string): string => (/file$/.test(what) ? what : `${what} file`);

/** True if `buf` starts with the gzip magic bytes. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Inflates gzip data, refusing to go past {@link MAX_INFLATED_BYTES} (or `max`). */
export function gunzipCapped(buf: Uint8Array, path: string, max = MAX_INFLATED_BYTES): Buffer {
  try {
    return gunzipSync(buf, { maxOutputLength: max });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new InputError(`${path}: inflates to more than ${max / MiB} MiB, the limit for a gzip input (${(buf.length / MiB).toFixed(1)} MiB compressed)`);
    }
    throw new InputError(`${path}: starts like gzip but does not decompress (${(e as Error).message})`);
  }
}
