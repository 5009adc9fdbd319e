// orrery sweep end to end through the bin: a sweep killed with SIGKILL and resumed, exit status, shards, the plot.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSweepCommand } from '../src/api/index.ts';
import { longFlag } from '../src/api/sweep-params.ts';
import { parseTable } from '../src/io/index.ts';
import { orrery, ROOT } from './helpers/cli.ts';
import { withoutTiming } from './helpers/sweep.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-sweep-cli-'));
const out = (name: string) => join(dir, name);
const rowsOf = (path: string) => parseTable(readFileSync(path, 'utf8'), 'csv', path).rows.length;

/** Checks that every tag is closed in order (enough to catch broken SVG from string building). */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.replace(/<\?[^>]*\?>/g, '').matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:[^>"]|"[^"]*")*?)(\/?)>/g)) {
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else if (!m[4]) stack.push(m[2]!);
  }
  return stack.length === 0 && !/<(?![/a-zA-Z?])/.test(xml);
}

describe('orrery sweep collective (through the bin)', () => {
  it('takes every option orrery collective takes', () => {
    const help = orrery(['collective', '--help']).stdout;
    // --max-events and --lenient are not sweep columns: each point runs under the default limit (a sweep bounds its
    // points with --timeout), and a sweep's ASTRA-sim files must be free of unknown keys
    const flags = [...help.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]).filter((f) => !['--help', '--json', '--per-rank', '--max-events', '--lenient'].includes(f));
    const sweepFlags = getSweepCommand('collective').params.map(longFlag);
    expect(flags.length).toBeGreaterThan(10);
    expect(flags.filter((f) => !sweepFlags.includes(f))).toEqual([]);
  });

  it('a sweep killed with SIGKILL and resumed writes the same file as one left alone (timing columns aside)', async () => {
    // 21 points of a 256-NPU ring all-reduce (130,560 events each): long enough to kill part-way
    const args = ['sweep', 'collective', '--family', 'ring', '--npus', '256', '--op', 'allreduce', '--size', '1KiB..1GiB', '--jobs', '2', '-q'];
    const killed = out('killed.csv');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'orrery.mjs'), ...args, '--out', killed], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, sig) => res(sig)));
    let before = 0;
    for (let i = 0; i < 3000; i++) {
      await new Promise((r) => setTimeout(r, 10));
      before = existsSync(killed) ? rowsOf(killed) : 0;
      if (before >= 3) break;
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    before = rowsOf(killed);
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(21); // it really was cut short
    const killedText = withoutTiming(killed);

    const resumed = orrery([...args.filter((a) => a !== '-q'), '--out', killed, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`21 points, ${before} already done, ${21 - before} run`));
    const whole = orrery([...args, '--out', out('whole.csv')]);
    expect(whole.code).toBe(0);
    expect(rowsOf(killed)).toBe(21);
    // everything but wallMs and peakMemMB, byte for byte
    expect(withoutTiming(killed)).toBe(withoutTiming(out('whole.csv')));
    // what the kill left was a prefix of the final file
    expect(withoutTiming(out('whole.csv')).startsWith(killedText)).toBe(true);
  });

  it('exits 3 when some points failed, and says how many', () => {
    const r = orrery(['sweep', 'collective', '--family', 'ring', '--npus', '16,24', '--op', 'allreduce', '--size', '1MiB', '--algo', 'halvingDoubling', '--out', out('f.csv')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/2 points, 2 run in .* s, 1 failed \(see the error column\)/);
    const t = parseTable(readFileSync(out('f.csv'), 'utf8'), 'csv', 'f');
    expect(t.rows[1]![t.columns.indexOf('error')]).toMatch(/power-of-two .* got 24/);
  });

  it('bad options are one line and exit 1', () => {
    for (const [args, msg] of [
      [['--family', 'torus3d', '--op', 'allreduce', '--size', '1MiB'], /--family needs --npus/],
      [['--family', 'torus3d', '--npus', '8', '--op', 'allreduce', '--size', '1MiB', '--out', out('x.txt')], /cannot tell the format .* \.csv or \.jsonl/],
    ] as const) {
      const r = orrery(['sweep', 'collective', ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('prints rows on stdout without --out; shards run from the CLI merge into the single-run file', () => {
    const args = ['sweep', 'collective', '--family', 'switch2', '--npus', '16..128', '--op', 'allgather', '--size', '1MiB,4MiB', '-q', '--format', 'jsonl'];
    const full = orrery([...args, '--jobs', '1']);
    expect(full.code).toBe(0);
    expect(full.stdout.trim().split('\n')).toHaveLength(8);
    writeFileSync(out('single.jsonl'), full.stdout);
    for (const i of [1, 2]) expect(orrery([...args, '--shard', `${i}/2`, '--out', out(`s${i}.jsonl`)]).code).toBe(0);
    const m = orrery(['sweep', 'merge', out('merged.jsonl'), out('s2.jsonl'), out('s1.jsonl')]);
    expect(m.code).toBe(0);
    expect(m.stderr).toMatch(/8 rows from 2 files/);
    expect(withoutTiming(out('merged.jsonl'))).toBe(withoutTiming(out('single.jsonl')));
  });

  it('--plot writes a valid SVG with one line per algorithm and size in each panel, labelled axes and a legend', () => {
    const r = orrery([
      'sweep', 'collective', '--family', 'torus2d', '--npus', '4..64', '--op', 'allreduce', '--size', '1MiB,1GiB',
      '--algo', 'ring,halvingDoubling', '--out', out('p.csv'), '--plot', out('p.svg'), '-q',
    ]);
    expect(r.code).toBe(0);
    const svg = readFileSync(out('p.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    // 2 algorithms × 2 sizes = 4 series, each a line of 5 points (4..64) in each of 2 panels
    expect(svg.match(/<polyline /g)).toHaveLength(8);
    for (const label of ['ring, 1 MiB', 'ring, 1 GiB', 'halvingDoubling, 1 MiB', 'halvingDoubling, 1 GiB']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    expect(svg).toContain('>algorithm, message size</text>');
    expect(svg).toContain('>cluster size (NPUs, log scale)</text>');
    expect(svg).toMatch(/>collective time \((µs|ms)\)<\/text>/);
    expect(svg).toContain('>bus bandwidth (GB/s)</text>');
    expect(svg).toContain('>allreduce on torus2d vs cluster size</text>');
    // `sweep plot` draws the same picture from the file
    expect(orrery(['sweep', 'plot', out('p.csv'), '--out', out('p2.svg')]).code).toBe(0);
    expect(readFileSync(out('p2.svg'), 'utf8')).toBe(svg);
  });
});
