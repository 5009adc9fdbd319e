/**
 * The data files tests read: small copies of public peer inputs (ASTRA-sim, Chakra, SimAI) with their upstream
 * licenses, in the layout tests/fixtures/README.md describes. Tests read only these, never a sibling `shared`
 * directory, which a user's clone does not have (tests/fixtures.test.ts enforces it).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/**
 * Unpacks a .tar.gz fixture into `dir` with Node alone (no system `tar`), returning the paths written. Handles what
 * the fixtures hold: ustar regular files and directories, GNU long names and pax headers (skipped); anything else
 * (links, devices) is refused with the entry's name.
 */
export function untarGz(file: string, dir: string): string[] {
  const tar = gunzipSync(readFileSync(file));
  const text = (at: number, len: number) => tar.subarray(at, at + len).toString('utf8').replace(/\0.*$/s, '');
  const written: string[] = [];
  let longName: string | undefined;
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const size = parseInt(text(at + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156]!);
    const name = longName ?? [text(at + 345, 155), text(at, 100)].filter(Boolean).join('/');
    const body = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    longName = undefined;
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === 'x' || type === 'g') continue;
    else if (type === '5') mkdirSync(join(dir, name), { recursive: true });
    else if (type === '0' || type === '\0') {
      if (name.split('/').includes('..')) throw new Error(`${file}: entry "${name}" leaves the target folder`);
      const out = join(dir, name);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, body);
      written.push(out);
    } else throw new Error(`${file}: entry "${name}" has tar type "${type}"; only files and folders are supported`);
  }
  return written;
}
