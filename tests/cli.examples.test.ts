// Every example in every command's --help, and the README's example commands, run as written (issue 15 item 7):
// each exits 0. They run in this process through main() (cwd: the repository). An example that cannot run on a
// clone is skipped only with a reason listed here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../src/units/index.ts';
import { ROOT } from './helpers/cli.ts';
import { orreryInproc } from './helpers/inproc.ts';

/** Words of a command line (no quoting is used in the examples). `npx orrery` and `orrery` both start one. */
function argv(line: string): string[] {
  const words = line.replace(/\s+#.*$/, '').trim().split(/\s+/);
  if (words[0] === 'npx') words.shift();
  expect(words[0]).toBe('orrery');
  return words.slice(1);
}

/** README commands skipped, and why: each is a regular expression on the command line. */
const README_SKIPS: [RegExp, string][] = [
  [/<|PREFIX|\[options\]/, 'a synopsis with placeholders, not a command'],
  [/^D=/, 'sets the folder of ASTRA-sim files ($D) that the next commands read (substituted below)'],
  [/^npm /, 'not an orrery command'],
  [/--npus 8\.\.(4096|16384)|--npus 32\.\.1024|shard-\*\.csv|--shard/, 'a sweep of tens of points over up to 16,384 NPUs: minutes; sweep.cli.test.ts runs smaller ones'],
  [/-t switch:64 -o allreduce -s 1GiB -a direct\s*#/, 'runs; covered by the flow-model tests (a 1 GiB direct all-reduce on the flow model takes ~10 s)'],
];

/** The commands in the README's ```sh blocks (continuation lines joined). */
function readmeCommands(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = m[1]!.replace(/\\\n\s*/g, ' ').replaceAll('$D/', 'tests/fixtures/astra-sim/v2/');
    for (const line of joined.split('\n')) {
      const t = line.trim();
      if (t !== '') out.push(t); // a line with && is one example: skipped or run as a whole
    }
  }
  return out;
}

async function runAll(line: string) {
  for (const part of line.split(/\s*&&\s*/)) {
    const r = await orreryInproc(argv(part));
    expect(r.stderr, part).not.toMatch(/internal error/);
    expect(r.code, `${part}\n${r.stderr}`).toBe(0);
  }
}

describe('--help examples', () => {
  const commands = ['collective', 'run', 'convert', 'topologies', 'sweep'];
  const examples: string[] = [];
  it('are found', async () => {
    for (const c of commands) {
      const r = await orreryInproc([c, '--help']);
      for (const m of r.stdout.matchAll(/^ {2}(orrery .*)$/gm)) examples.push(m[1]!);
    }
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples.join('\n')).not.toMatch(/\.\.\/shared/);
  });
  it('each exits 0', async () => {
    for (const e of examples) await runAll(e);
  }, 180_000);
});

describe('README examples', () => {
  it('each exits 0 (or is skipped with a reason)', async () => {
    let ran = 0;
    for (const c0 of readmeCommands()) {
      const c = c0.replace(/^npm ci && /, ''); // the quick start: npm ci has run already
      if (README_SKIPS.some(([re]) => re.test(c))) continue;
      if (!/^(npx )?orrery /.test(c)) continue; // output blocks are not commands
      await runAll(c);
      ran++;
    }
    expect(ran).toBeGreaterThanOrEqual(5);
  }, 180_000);
});

describe('sizes print human-readably', () => {
  it('in the largest unit that leaves a short number', () => {
    expect(formatBytes(150771 * 1024)).toBe('147.2 MiB'); // 154,389,504 B / 2^20 = 147.24
    expect(formatBytes(4e6)).toBe('4 MB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(123456789)).toBe('123.5 MB');
  });
});
