// Output paths (issue 15 item 4): every output is checked before any work, write failures are one line with
// status 1 (never "internal error", never a stack trace), and a closed pipe ends quietly.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { checkOutputPath } from '../src/io/index.ts';
import { orrery, ROOT } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const missing = join(dir, 'no-such-dir');
const aFile = join(dir, 'plain-file');
writeFileSync(aFile, 'x');

/** One clean line on stderr, status 1, no trace of a bug. */
function expectClean(r: { code: number; stderr: string }, mention: string) {
  expect(r.stderr).not.toMatch(/internal error|This is a bug|\n\s+at /);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(mention);
}

describe('checkOutputPath', () => {
  it('accepts a new file in an existing directory and refuses the rest with the flag named', () => {
    expect(() => checkOutputPath(join(dir, 'new.csv'), '--out')).not.toThrow();
    expect(() => checkOutputPath(join(missing, 'x.csv'), '--out')).toThrow(/--out .*does not exist/);
    expect(() => checkOutputPath(join(aFile, 'x.csv'), '--plot')).toThrow(/--plot .*is not a directory/);
    expect(() => checkOutputPath(dir, '--timeline')).toThrow(/--timeline .*is a directory/);
    expect(() => checkOutputPath('', '--out')).toThrow(/empty/);
  });
});

describe('missing directories are refused before any simulation', () => {
  const sweep = ['sweep', 'collective', '-t', 'ring:4', '--op', 'allreduce', '--size', '1MiB', '-q'];
  it('sweep --out', () => expectClean(orrery([...sweep, '--out', join(missing, 'x.csv')]), `--out ${join(missing, 'x.csv')}`));
  it('sweep --plot fails before the sweep runs (nothing on stdout)', () => {
    const r = orrery([...sweep, '--plot', join(missing, 'x.svg')]);
    expectClean(r, '--plot');
    expect(r.stdout).toBe(''); // the rows would be on stdout had a point run
  });
  it('sweep plot --out and sweep merge', () => {
    expectClean(orrery(['sweep', 'plot', 'whatever.csv', '--out', join(missing, 'p.svg')]), '--out');
    expectClean(orrery(['sweep', 'merge', join(missing, 'm.csv'), 'a.csv']), 'sweep merge: output');
  });
  it('run --timeline is checked before the run', () => {
    const r = orrery(['run', '-t', 'ring:4', '--trace', 'traces/dp-overlap-4.json', '--timeline', join(missing, 't.json')]);
    expectClean(r, '--timeline');
    expect(r.stdout).toBe('');
  });
  it('convert refuses a missing directory alike for a .json file and a Chakra prefix (and creates nothing)', () => {
    expectClean(orrery(['convert', 'traces/pipeline-4.json', join(missing, 'p.json')]), 'does not exist');
    expectClean(orrery(['convert', 'traces/pipeline-4.json', join(missing, 'p'), '--to', 'chakra']), 'does not exist');
    expect(existsSync(missing)).toBe(false);
  });
  it('convert --to chakra refuses a prefix that is a directory (it would write hidden .0.et files)', () => {
    expectClean(orrery(['convert', 'traces/pipeline-4.json', `${dir}/`, '--to', 'chakra']), 'ends in a directory');
  });
});

describe('write failures', () => {
  it('a full disk for --timeline is one line, status 1', () => {
    if (!existsSync('/dev/full')) return; // Linux only
    expectClean(orrery(['run', '-t', 'ring:2', '--trace', 'traces/pingpong-2.json', '--timeline', '/dev/full']), 'no space left on device');
  });
  it('stdout on a full disk (> /dev/full) is one line, status 1, no stack trace', () => {
    if (!existsSync('/dev/full')) return;
    const r = spawnSync('sh', ['-c', `"${process.execPath}" bin/orrery.mjs collective -t ring:4 -o allreduce -s 1MiB > /dev/full`], { cwd: ROOT, encoding: 'utf8' });
    expectClean({ code: r.status ?? -1, stderr: r.stderr }, 'ENOSPC');
  });
  it('a closed pipe ends quietly with status 0', () => {
    // 4,096 per-rank lines (~60 KB) into a pipe closed after one byte: the writes after that fail with EPIPE
    const r = spawnSync('bash', ['-c', `"${process.execPath}" bin/orrery.mjs collective -t switch:4096 -m analytical -o barrier -s 0 --per-rank | head -c 1 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('rc=0');
  });
  it('convert --to chakra into an existing directory still works', () => {
    const r = orrery(['convert', 'traces/pipeline-4.json', join(dir, 'pipe'), '--to', 'chakra']);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('pipe.')).length).toBe(4); // pipeline-4 has 4 ranks
  });
});
