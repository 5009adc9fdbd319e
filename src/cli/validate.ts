/** `orrery validate`: run the shipped validation suites and print predicted vs measured, per case and per group. */
import type { Command } from 'commander';
import { existsSync, mkdirSync } from 'node:fs';
import { checkOutputPath } from '../api/vocabulary.ts';
import { runValidation, suiteNames, type SuiteResult } from '../api/validate/index.ts';
import { writeCollectivesPlots } from '../api/validate/collectives-plot.ts';

interface ValidateCliOptions {
  suite?: string[];
  json?: boolean;
  summary?: boolean;
  plot?: string;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3));

function cols(rows: string[][], right: boolean[]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((c, i) => (right[i] ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd()).join('\n');
}

function targetText(t: SuiteResult['target']): string {
  return [`median |error| <= ${t.medianAbsErrorPct} %`, ...(t.p90AbsErrorPct !== undefined ? [`p90 <= ${t.p90AbsErrorPct} %`] : []), ...(t.maxAbsErrorPct !== undefined ? [`max <= ${t.maxAbsErrorPct} %`] : [])].join(', ');
}

function printSuite(r: SuiteResult, cases: boolean): void {
  console.log(`suite ${r.name}: ${r.description}`);
  console.log(`  target: ${targetText(r.target)}; ${r.cases.length} cases (${r.cases.filter((c) => !c.inFit).length} held out), ${(r.wallMs / 1000).toFixed(1)} s`);
  if (cases && r.cases.length > 0) {
    const rows = [['id', 'unit', 'measured', 'predicted', 'error'], ...r.cases.map((c) => [c.id, c.unit, fmt(c.measured), fmt(c.predicted), `${c.errorPct >= 0 ? '+' : ''}${c.errorPct.toFixed(1)}%`])];
    console.log(cols(rows, [false, false, true, true, true]));
  }
  // noise: the median spread of the measurements' own runs, (slowest − fastest) / median, where the source gives them
  const noise = r.groups.some((g) => g.noisePct !== undefined);
  const rows = [['group', 'cases', 'median |err|', 'p90 |err|', 'max |err|', ...(noise ? ['noise'] : []), 'target'],
    ...r.groups.map((g) => [g.group, String(g.cases), `${g.medianAbsErrorPct.toFixed(1)}%`, `${g.p90AbsErrorPct.toFixed(1)}%`, `${g.maxAbsErrorPct.toFixed(1)}%`,
      ...(noise ? [g.noisePct !== undefined ? `${g.noisePct.toFixed(1)}%` : '-'] : []), g.pass ? 'PASS' : 'MISS'])];
  console.log(cols(rows, [false, true, true, true, true, ...(noise ? [true] : []), false]));
  if (noise) console.log('  noise: median over the group of (slowest − fastest) / median of each measurement\'s own runs (docs/collectives-nccl.md, "What the data allows")');
  console.log('');
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .summary('compare predictions with measured data shipped in the repository (kernel fits, …)')
    .description(
      'Runs validation suites: each case is a measured figure from a cited source beside Orrery\'s prediction. Prints one row per case\n' +
        'and a summary per group with PASS/MISS against the suite\'s target. Exits 0 either way (a MISS is a finding, not an error).\n' +
        `Suites: ${suiteNames().join(', ')}`,
    )
    .option('--suite <names...>', `only these suites: ${suiteNames().join(', ')}`)
    .option('--summary', 'print only the per-group summaries, not every case')
    .option('--json', 'print one JSON object: every suite with its cases and group summaries')
    .option('--plot <dir>', 'write one SVG per measured collective configuration (time against size, log-log) into dir')
    .action(async (opts: ValidateCliOptions) => {
      const names = (opts.suite ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
      if (opts.plot !== undefined && !existsSync(opts.plot)) {
        checkOutputPath(opts.plot, '--plot'); // its parent must exist and be writable: checked before any work
        mkdirSync(opts.plot);
      }
      const results = await runValidation(names);
      if (opts.plot !== undefined) {
        const coll = results.find((r) => r.name === 'collectives');
        const files = coll ? writeCollectivesPlots(coll.cases, opts.plot) : [];
        console.error(`orrery: wrote ${files.length} plot${files.length === 1 ? '' : 's'} into ${opts.plot}${coll ? '' : ' (the collectives suite did not run)'}`);
      }
      if (opts.json) {
        console.log(JSON.stringify({ suites: results.map((r) => ({ ...r, wallMs: Math.round(r.wallMs) })) }, null, 2));
        return;
      }
      for (const r of results) printSuite(r, opts.summary !== true);
    });
}
