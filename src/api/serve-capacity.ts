/**
 * `orrery serve --find-max-qps`: the highest arrival rate at which at least `attainment` of the requests meet the
 * SLO (the Vidur-Search / DistServe question), by doubling then bisection on QPS.
 *
 * Every run uses the same seed, so the same uniform draws: Poisson arrival times scale exactly as 1/QPS and the
 * lengths stay the same; attainment then falls with QPS in practice (not guaranteed: batching can make a busier
 * system luckier), and the search reports the rate it converged to, bracketed by a rate that met the target and
 * one that did not, to a relative width of 2^−iterations.
 */
import { InputError } from '../io/index.ts';
import { runServe, type ServeOptions, type ServeReport } from './serve.ts';

export interface CapacityResult {
  /** Highest rate found that meets the target (0 when even the lowest tried does not). */
  maxQps: number;
  /** The lowest rate found that misses it. */
  failQps: number;
  attainmentTarget: number;
  runs: number;
  /** The run at maxQps. */
  report?: ServeReport;
}

export function findMaxQps(opts: ServeOptions, attainmentTarget = 0.9, iterations = 10): CapacityResult {
  if (opts.slo === undefined) throw new InputError('--find-max-qps: needs --slo (e.g. ttft=2s,tbt=200ms)');
  if (!(attainmentTarget > 0 && attainmentTarget <= 1)) throw new InputError(`--slo-attainment: expected a fraction in (0, 1], got ${attainmentTarget}`);
  if (opts.arrival === 'burst') throw new InputError('--find-max-qps: needs timed arrivals, not --arrival burst');
  let runs = 0;
  const at = (qps: number) => {
    runs++;
    const { report } = runServe({ ...opts, qps });
    return { ok: report.slo!.attainment >= attainmentTarget, report };
  };
  let lo = 0, hi = opts.qps ?? 1;
  let best: ServeReport | undefined;
  // grow (or shrink) the bracket until hi fails and lo meets the target
  for (let i = 0; i < 30; i++) {
    const r = at(hi);
    if (!r.ok) break;
    lo = hi;
    best = r.report;
    hi *= 2;
  }
  if (lo === 0) {
    for (let i = 0; i < 30; i++) {
      const q = hi / 2;
      const r = at(q);
      if (r.ok) {
        lo = q;
        best = r.report;
        break;
      }
      hi = q;
    }
  }
  if (lo === 0) return { maxQps: 0, failQps: hi, attainmentTarget, runs };
  for (let i = 0; i < iterations; i++) {
    const mid = (lo + hi) / 2;
    const r = at(mid);
    if (r.ok) {
      lo = mid;
      best = r.report;
    } else hi = mid;
  }
  return { maxQps: lo, failQps: hi, attainmentTarget, runs, ...(best ? { report: best } : {}) };
}
