/**
 * Output paths: checked before any simulation starts, and write failures turned into one clean line.
 *
 * A command that writes a file calls {@link checkOutputPath} for it first (the directory exists, is a directory and
 * is writable; the file, if present, is a regular file we may overwrite), so a typo in `--out` costs nothing. Writes
 * themselves go through {@link writeOrFail}, which names the file and the flag on ENOSPC, EACCES and the like.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './errors.ts';

/** What a system error code means, for messages. Codes not listed print as they are. */
const IO_CODES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EPIPE: 'broken pipe',
  EISDIR: 'is a directory',
  ENOTDIR: 'a path component is not a directory',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  EEXIST: 'file exists',
  ELOOP: 'too many symbolic links',
};

/** True for a Node system error from the file system or a stream (it has one of the codes above). */
export function isIoError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).code! in IO_CODES;
}

/** "no space left on device (ENOSPC)" for a system error; the message for anything else. */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && code in IO_CODES) return `${IO_CODES[code]} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Checks that `path` can be written: its directory exists and is writable, and the path is not a directory or a
 * file we may not overwrite. `what` names the flag or argument (`--out`, `--timeline`). Throws an InputError.
 */
export function checkOutputPath(path: string, what: string): void {
  if (path.trim() === '') throw new InputError(`${what}: the file name is empty`);
  const dir = dirname(resolve(path));
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${what} ${path}: ${code === 'ENOENT' ? `the directory ${dir} does not exist` : `cannot use the directory ${dir}: ${ioReason(e)}`}`);
  }
  if (!st.isDirectory()) throw new InputError(`${what} ${path}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new InputError(`${what} ${path}: cannot write in the directory ${dir} (${ioReason(e)})`);
  }
  let target;
  try {
    target = statSync(path);
  } catch {
    return; // a new file
  }
  if (target.isDirectory()) throw new InputError(`${what} ${path}: is a directory; expected a file name`);
  if (target.isFile()) {
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      throw new InputError(`${what} ${path}: cannot overwrite the file (${ioReason(e)})`);
    }
  }
}

/** Runs `write` (which writes `path`); a system error becomes an InputError naming the file and `what`. */
export function writeOrFail<T>(path: string, what: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if (isIoError(e)) throw new InputError(`${what} ${path}: cannot write (${ioReason(e)})`);
    throw e;
  }
}
