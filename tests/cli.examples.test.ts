// Every example in every command's --help, and the example commands of the README and of docs/*.md (where the
// README's reference moved), run as written (issue 15 item 7): each exits 0. They run in this process through
// main() (cwd: the repository). An example that cannot run on a clone, or takes too long for this suite, is skipped
// only with a reason listed here.
import { readdirSync, readFileSync } from 'node:fs';
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

/** README and docs commands skipped, and why: each is a regular expression on the command line. */
const SKIPS: [RegExp, string][] = [
  [/<|PREFIX|\[options\]/, 'a synopsis with placeholders, not a command'],
  [/^D=/, 'sets the folder of ASTRA-sim files ($D) that the next commands read (substituted below)'],
  [/^npm /, 'not an orrery command'],
  [/--npus 8\.\.(4096|16384)|--npus 32\.\.1024|shard-\*\.csv|--shard/, 'a sweep of tens of points over up to 16,384 NPUs: minutes; sweep.cli.test.ts runs smaller ones'],
  [/-t switch:64 -o allreduce -s 1GiB -a direct\s*#/, 'runs; covered by the flow-model tests (a 1 GiB direct all-reduce on the flow model takes ~10 s)'],
  [/^orrery run --workload gpt3-175b\s*(#|$)/, 'a 33.7 M-op step on 1,024 GPUs (about 4 s of CPU and 325 MB, bench/RESULTS.md); tests/replay.identity.test.ts checks kernel-level replay on smaller generated steps'],
  [/^orrery run -t switch:8,switch:16 --workload gpt-13b --device A100$/, 'a 128-GPU generated step with Megatron kernels (4-10 s in this process on a loaded machine); tests/cli.memory.test.ts checks the memory report of gpt-13b through the bin on a one-stage plan'],
  [/sweep serve --workload llama-70b .*--qps 1\.\.32 --requests 2000/, 'a 36-point capacity sweep of 2,000 requests each (about 11 s); sweep.serve.test.ts and the llama-3.1-8b sweep of docs/sweeps.md run smaller ones'],
];

/** The commands in a Markdown file's ```sh blocks (continuation lines joined). */
function shCommands(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
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

/** Runs each command of `lines` not in `done` (and adds it there); returns how many ran. */
async function runExamples(lines: string[], done: Set<string>): Promise<number> {
  let ran = 0;
  for (const c0 of lines) {
    const c = c0.replace(/^npm ci && /, ''); // the quick start: npm ci has run already
    if (SKIPS.some(([re]) => re.test(c))) continue;
    if (!/^(npx )?orrery /.test(c)) continue; // output blocks are not commands
    const key = c.replace(/^npx /, '').replace(/\s+#.*$/, '').replace(/\s+/g, ' ');
    if (done.has(key)) continue; // the README's tour repeats commands of docs/: each runs once
    done.add(key);
    await runAll(c);
    ran++;
  }
  return ran;
}

const done = new Set<string>();
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);

describe('README examples', () => {
  it('each exits 0 (or is skipped with a reason)', async () => {
    expect(await runExamples(shCommands('README.md'), done)).toBeGreaterThanOrEqual(10);
  }, 180_000);
});

describe('docs/*.md examples', () => {
  it('each exits 0 (or is skipped with a reason, or ran above from the README)', async () => {
    const ran: Record<string, number> = {};
    for (const f of DOCS) ran[f] = await runExamples(shCommands(f), done);
    // commands the README's tour does not repeat: astra-sim's HGX-H100 and replay runs, convert to Chakra, the
    // llama-3.1-8b serving sweep
    expect(ran['docs/astra-sim.md']).toBe(2);
    expect(ran['docs/replay.md']).toBe(1);
    expect(ran['docs/sweeps.md']).toBe(1);
    expect(done.size).toBeGreaterThanOrEqual(14);
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
