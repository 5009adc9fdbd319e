// The package as a user gets it: `npm pack` (which runs the prepare script, the full build with declarations),
// the tarball installed into an empty project (dependencies from the local npm cache), and there the README's
// library example run with plain node and a typed version of it checked by tsc against the shipped declarations.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The README's library example: the js code block that imports from 'orrery'. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes("from 'orrery'"));
  if (!block) throw new Error("README.md has no ```js block that imports from 'orrery'");
  return block;
}

describe('the packed package', () => {
  let dir: string;
  let tarball: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orrery-package-'));
    const packed = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', dir, '--loglevel', 'error'], ROOT)) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, packed[0]!.filename);
    const project = join(dir, 'project');
    run('mkdir', ['-p', project], dir);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'uses-orrery', private: true, type: 'module' })}\n`);
    run(NPM, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], project);
    (globalThis as { packedFiles?: string[] }).packedFiles = packed[0]!.files.map((f) => f.path);
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the build and the data, not the sources or the dev tools', () => {
    const files = (globalThis as { packedFiles?: string[] }).packedFiles!;
    for (const f of ['bin/orrery.mjs', 'dist/cli.js', 'dist/index.js', 'dist/sweep-worker.js', 'dist/types/api/index.d.ts', 'topologies/ring-8.json']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('tests/'))).toEqual([]);
    const installed = join(dir, 'project', 'node_modules');
    expect(existsSync(join(installed, 'orrery', 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'esbuild'))).toBe(false); // a devDependency
    expect(existsSync(join(installed, 'tsx'))).toBe(false);
  });

  it("runs the README's library example: ring all-reduce and a replayed step on ring:4", () => {
    const project = join(dir, 'project');
    writeFileSync(join(project, 'example.mjs'), readmeExample());
    const lines = run(process.execPath, ['example.mjs'], project).trim().split('\n');
    // ring all-reduce, analytical, p = 4, α = 500 ns, B = 50 GB/s = 50 B/ns, n = 1e6 B (DESIGN.md closed form):
    // 2(p−1)(α + n/(pB)) = 6 × (500 + 1e6 / 200) = 33000 ns; the step adds 10000 ns of compute before it: 43000 ns
    expect(lines).toEqual(['33000', '43000']);
  });

  it('runs the installed orrery command', () => {
    const project = join(dir, 'project');
    const out = run(join(project, 'node_modules', '.bin', 'orrery'), ['collective', '-t', 'ring:4', '--op', 'allreduce', '--size', '1MB', '--model', 'analytical', '--json'], project);
    expect((JSON.parse(out) as { timeNs: number }).timeNs).toBe(33000); // the same closed form as above
    // named topologies come from the installed package's topologies/
    expect(run(join(project, 'node_modules', '.bin', 'orrery'), ['topologies'], project)).toContain('ring-8');
  });

  it('type-checks a typed use of the API against the shipped declarations', () => {
    const project = join(dir, 'project');
    writeFileSync(join(project, 'typed.ts'), [
      "import { resolveTopology, runCollective, runTrace, type CollectiveReport, type Trace } from 'orrery';",
      "const { topology } = resolveTopology({ topology: 'ring:4' });",
      "const report: CollectiveReport = runCollective({ topology, op: 'allreduce', bytes: 1e6 });",
      'const ns: number = report.timeNs;',
      "// @ts-expect-error: op is a CollectiveOp, so the declarations must reject a misspelt one",
      "runCollective({ topology, op: 'allreduse', bytes: 1 });",
      'declare const trace: Trace;',
      'const step: number = runTrace({ topology, trace }).stepTimeNs;',
      'export { ns, step };',
      '',
    ].join('\n'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], skipLibCheck: true,
      },
      files: ['typed.ts'],
    }));
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
  });
});
