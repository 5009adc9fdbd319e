/**
 * The documented range of every numeric input, and the one check that applies it.
 *
 * Simulated time is integer nanoseconds in a double, exact up to 2^53 ns (about 104 days). Each range below keeps
 * one input's contribution to a time far inside that: the smallest bandwidth (1e-6 GB/s = 1 kB/s) moves 1 GB in
 * 1e15 ns, and the largest latency or delay (1e12 ns = 1,000 s) can be paid 9,000 times before 2^53. What a range
 * cannot see (a huge size over a tiny bandwidth, many steps of a huge latency) the engine catches: an event past
 * 2^53 ns stops the run with {@link timeOverflow}. Non-finite values (NaN, Infinity) and denormals (below 2^-1022,
 * where doubles lose precision) are outside every range.
 *
 * docs/inputs.md lists the ranges with the flags and file keys they apply to.
 */
import { UnitError, groupDigits } from './index.ts';

/** The largest time, ns, that a double holds exactly as an integer: 2^53. */
export const MAX_TIME_NS = 2 ** 53;
/** The smallest positive normal double, 2^-1022; smaller non-zero values are denormal. */
export const MIN_NORMAL = 2 ** -1022;

export interface NumericRange {
  min: number;
  max: number;
  /** `min` itself is outside (a bandwidth may not be 0, only tend to it). */
  minExclusive?: boolean;
  integer?: boolean;
  unit: string;
}

/** The ranges, by what a value means. Every numeric flag and file key maps onto one of these. */
export const RANGES = {
  /**
   * Link, NIC, memory bandwidth, from 1 kB/s. The top, 1e18 GB/s, only refuses the absurd: a large bandwidth makes
   * times small, never inexact (tests model a free network with 1e15).
   */
  bandwidthGBps: { min: 1e-6, max: 1e18, unit: 'GB/s' },
  /** A per-hop latency: 0 to 1,000 s; fractions allowed (the models round once). */
  latencyNs: { min: 0, max: 1e12, unit: 'ns' },
  /** A delay the system layer adds (endpoint delay): whole ns, 0 to 1,000 s. */
  delayNs: { min: 0, max: 1e12, integer: true, unit: 'ns' },
  /** A factor or ratio (oversubscription, compute scale, comm scale, straggler factor): up to 10^6. */
  factor: { min: 0, max: 1e6, minExclusive: true, unit: '' },
  /** A factor that may be zero (compute scale 0: free compute). */
  factorOrZero: { min: 0, max: 1e6, unit: '' },
  /** A fraction of a peak (efficiency): more than 0, at most 1. */
  fraction: { min: 0, max: 1, minExclusive: true, unit: '' },
  /** A standard deviation of relative noise (jitter): 0 to 10. */
  jitter: { min: 0, max: 10, unit: '' },
} as const satisfies Record<string, NumericRange>;

export type RangeName = keyof typeof RANGES;

/** 1e-6, 1e9, 1e12 rather than 0.000001, 1000000000, 1000000000000. */
const bound = (x: number): string => (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3) ? x.toExponential().replace('e+', 'e') : String(x));
const show = (v: unknown): string => (typeof v === 'number' ? String(v) : v === undefined ? 'nothing' : JSON.stringify(v));

/** What is wrong with `v` for `range` ("is 1e-320, denormal: …"), or undefined if it is in range. */
export function rangeProblem(v: unknown, range: NumericRange): string | undefined {
  const unit = range.unit ? ` ${range.unit}` : '';
  const span = `${range.minExclusive ? 'more than' : 'from'} ${bound(range.min)} to ${bound(range.max)}${unit}`;
  if (typeof v !== 'number') return `is ${show(v)}; expected a number ${span}`;
  if (!Number.isFinite(v)) return `is ${show(v)}; expected a finite number ${span}`;
  if (v !== 0 && Math.abs(v) < MIN_NORMAL) return `is ${show(v)}, a denormal number (below 2^-1022); expected ${span}`;
  if (v < range.min || (range.minExclusive && v === range.min) || v > range.max) return `is ${show(v)}; expected ${span}`;
  if (range.integer && !Number.isInteger(v)) return `is ${show(v)}; expected a whole number ${span}`;
  return undefined;
}

/** Returns `v` if it is in `range`; else throws a UnitError "`field` is …; expected …". */
export function checkRange(v: unknown, range: NumericRange, field: string): number {
  const p = rangeProblem(v, range);
  if (p !== undefined) throw new UnitError(`${field} ${p}`);
  return v as number;
}

/** The error for a simulated time past 2^53 ns (or not a number): the inputs are out of scale. */
export function timeOverflow(at: number): UnitError {
  return new UnitError(
    `simulated time reached ${show(at)} ns, past 2^53 ns (about 104 days) where whole nanoseconds stop being exact; ` +
      'a bandwidth is too small or a size, latency or delay too large for this run (see the ranges in docs/inputs.md)',
  );
}

/** Throws {@link timeOverflow} unless `t` is a whole number of ns from 0 to 2^53: for results (`timeNs`). */
export function checkResultTime(t: number, field: string): number {
  if (!(t >= 0 && t <= MAX_TIME_NS)) throw timeOverflow(t);
  // a model that forgot to round is a bug (status 2), not bad input
  if (!Number.isInteger(t)) throw new Error(`${field} came out as ${t} ns, not a whole number of nanoseconds`);
  return t;
}

/**
 * Work over a limit (events, ops, ranks): bad input for this machine, not a bug. The message gives the estimate, the
 * limit and the flag that raises it.
 */
export class LimitError extends Error {
  override name = 'LimitError';
}

/** The default cap on simulated events (`--max-events`): 2e8, about a minute on one core of a loaded machine. */
export const DEFAULT_MAX_EVENTS = 2e8;

const count = (n: number): string => (n >= 1e6 ? n.toExponential(2).replace('e+', 'e') : groupDigits(Math.round(n)));
/** A value the flag accepts that is at least n: a plain integer, or three digits rounded up (2.41e9). */
const flagValue = (n: number): string => {
  if (n < 1e6) return String(Math.ceil(n));
  const e = Math.floor(Math.log10(n)) - 2;
  return `${Math.ceil(n / 10 ** e)}e${e}`;
};

/** Throws a LimitError if `estimate` is over `limit`: "`what` needs about N events; the limit is M (--max-events)". */
export function checkWork(estimate: number, limit: number, what: string, unit = 'events', flag = '--max-events', perFlag = 1): void {
  if (!(estimate <= limit)) {
    throw new LimitError(`${what} needs at least ${count(estimate)} ${unit}, over the limit of ${count(limit)}; ${flag} ${flagValue(estimate / perFlag)} allows it (it may take long and much memory)`);
  }
}
