/**
 * `npm run bench`: finds the bench scripts, runs each in turn, and writes bench/RESULTS.md: the machine, a summary,
 * and every script's tables.
 *
 *   npm run bench                      # everything; writes bench/RESULTS.md
 *   npm run bench -- --quick           # a smoke run; writes bench/out/RESULTS.quick.md
 *   npm run bench -- --only engine,claims   # some scripts; writes bench/out/RESULTS.partial.md
 *
 * A bench script is any bench/*.ts whose header comment has a line `@bench <order> <title>` (see
 * bench/README.md). Scripts run in `order`, as `node --import tsx bench/<name>.ts [--quick]`, with
 * ORRERY_BENCH_RESULTS set to a folder where they save their results as JSON (lib.ts saveResult); their stdout,
 * Markdown, becomes their section of RESULTS.md, and their saved `summary` lines the summary at the top.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadResult, machineInfo, markdownTable } from './lib.ts';

const here = import.meta.dirname;
const root = join(here, '..');
const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set((process.argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : undefined;

export interface BenchScript {
  name: string;
  file: string;
  order: number;
  title: string;
}

/** Every bench script in `dir`: a .ts file whose first 3,000 characters hold `@bench <order> <title>`. */
export function discover(dir: string): BenchScript[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      const m = /^\s*\*?\s*@bench\s+(\d+)\s+(.+?)\s*$/m.exec(readFileSync(join(dir, f), 'utf8').slice(0, 3000));
      return m ? [{ name: f.slice(0, -3), file: join(dir, f), order: Number(m[1]), title: m[2]! }] : [];
    })
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

function run(script: BenchScript, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script.file, ...(quick ? ['--quick'] : [])], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      process.stdout.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, ms: performance.now() - t0 }));
  });
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

const scripts = discover(here).filter((s) => !only || only.has(s.name));
if (only && scripts.length !== only.size) {
  const names = discover(here).map((s) => s.name);
  console.error(`run-all: --only names scripts that do not exist; bench scripts: ${names.join(', ')}`);
  process.exit(1);
}
const resultsDir = join(here, 'out', 'results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
process.env.ORRERY_BENCH_RESULTS = resultsDir; // for the scripts, and for loadResult here
const env = { ...process.env };
const machine = machineInfo();
const t0 = performance.now();
const sections: string[] = [];
const failed: string[] = [];
for (const s of scripts) {
  console.log(`\n## ${s.title} (bench/${s.name}.ts)\n`);
  const r = await run(s, env);
  if (r.code !== 0) failed.push(s.name);
  sections.push([
    `## ${s.title}`,
    '',
    `\`node --import tsx bench/${s.name}.ts${quick ? ' --quick' : ''}\` (${duration(r.ms)})${r.code !== 0 ? ` **failed with exit code ${r.code}**` : ''}`,
    '',
    r.stdout.trim(),
    '',
  ].join('\n'));
}
const total = performance.now() - t0;

const summary = scripts.flatMap((s) => (loadResult(s.name)?.summary ?? []).map((l) => `- ${l}`));
const target = quick ? join(here, 'out', 'RESULTS.quick.md') : only ? join(here, 'out', 'RESULTS.partial.md') : join(here, 'RESULTS.md');
const doc = [
  `# Orrery benchmark results${quick ? ' (quick smoke run: not figures to quote)' : ''}`,
  '',
  `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` (bench/run-all.ts) in ${duration(total)}. Every case runs in a fresh Node`,
  'process from an esbuild bundle of the sources (the start-up section runs the built `orrery` command itself);',
  'figures are medians of several runs unless a table says otherwise.',
  'This is a shared 2-core machine: read ratios measured side by side in one run, not absolute times across days.',
  'Rerun: `npm run bench` (or one script: `node --import tsx bench/<name>.ts`; `--quick` for a smoke run).',
  'A/B experiments, partial runs and earlier full runs, with what each change won or lost: [HISTORY.md](HISTORY.md).',
  '',
  '## Machine',
  '',
  markdownTable(['', ''], Object.entries(machine), ['l', 'l']),
  '',
  '## Summary',
  '',
  ...(summary.length > 0 ? summary : ['- (no script saved a summary)']),
  ...(failed.length > 0 ? ['', `**Failed scripts:** ${failed.join(', ')} (see their sections).`] : []),
  '',
  ...sections,
].join('\n');
mkdirSync(join(here, 'out'), { recursive: true });
writeFileSync(target, `${doc.trimEnd()}\n`);
console.log(`\nWrote ${relative(process.cwd(), target)} (${duration(total)}).${existsSync(join(here, 'scaling.svg')) && !quick ? ' Picture: bench/scaling.svg.' : ''}`);
if (failed.length > 0) process.exitCode = 1;
