/**
 * `orrery validate`: the registry of validation suites and the summary of a run. Each suite (a file beside this
 * one) turns measured figures from cited sources into cases (measured, predicted); this file groups the cases,
 * computes median/p90/max |error| per group and marks each group PASS or MISS against the suite's target.
 */
import { errorPct, type ValidationCase, type ValidationSuite, type ValidationSummary } from './types.ts';
import { kernelGemmSuite, kernelMemorySuite } from './kernels.ts';
import { collectivesSuite } from './collectives.ts';
import { servingSuite } from './serving.ts';
import { trainingSuite } from './training.ts';
import { InputError } from '../../io/index.ts';

export * from './types.ts';

/** Every suite, in the order `orrery validate` runs them. */
export const VALIDATION_SUITES: ValidationSuite[] = [kernelGemmSuite, kernelMemorySuite, trainingSuite, collectivesSuite, servingSuite];

export interface GroupResult extends ValidationSummary {
  pass: boolean;
}

export interface SuiteResult {
  name: string;
  description: string;
  target: ValidationSuite['target'];
  cases: (ValidationCase & { errorPct: number })[];
  groups: GroupResult[];
  wallMs: number;
}

/** The q-quantile of sorted values by the nearest rank (q = 0.5: the median's lower-middle for even counts). */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function summarize(cases: readonly ValidationCase[], target: ValidationSuite['target']): GroupResult[] {
  const by = new Map<string, number[]>();
  const noise = new Map<string, number[]>();
  for (const c of cases) {
    const e = Math.abs(errorPct(c));
    const list = by.get(c.group);
    if (list) list.push(e); else by.set(c.group, [e]);
    if (c.noisePct !== undefined) (noise.get(c.group) ?? noise.set(c.group, []).get(c.group)!).push(c.noisePct);
  }
  return [...by.entries()].map(([group, errs]) => {
    errs.sort((a, b) => a - b);
    const s: ValidationSummary = {
      group, cases: errs.length, medianAbsErrorPct: quantile(errs, 0.5), p90AbsErrorPct: quantile(errs, 0.9), maxAbsErrorPct: errs[errs.length - 1]!,
      ...(noise.has(group) ? { noisePct: quantile(noise.get(group)!.sort((a, b) => a - b), 0.5) } : {}),
    };
    const pass = s.medianAbsErrorPct <= target.medianAbsErrorPct &&
      (target.p90AbsErrorPct === undefined || s.p90AbsErrorPct <= target.p90AbsErrorPct) &&
      (target.maxAbsErrorPct === undefined || s.maxAbsErrorPct <= target.maxAbsErrorPct);
    return { ...s, pass };
  });
}

export function suiteNames(): string[] {
  return VALIDATION_SUITES.map((s) => s.name);
}

/** Runs the named suites (all when none is named). */
export async function runValidation(names?: readonly string[]): Promise<SuiteResult[]> {
  const picked = names && names.length > 0
    ? names.map((n) => VALIDATION_SUITES.find((s) => s.name === n) ?? (() => { throw new InputError(`--suite: unknown suite "${n}"; expected one of: ${suiteNames().join(', ')}`); })())
    : VALIDATION_SUITES;
  const out: SuiteResult[] = [];
  for (const s of picked) {
    const t0 = performance.now();
    const cases = await s.run();
    out.push({
      name: s.name, description: s.description, target: s.target,
      cases: cases.map((c) => ({ ...c, errorPct: errorPct(c) })), groups: summarize(cases, s.target), wallMs: performance.now() - t0,
    });
  }
  return out;
}
