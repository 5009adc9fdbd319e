/**
 * Units: branded number types and every conversion between them.
 *
 * Conventions (DESIGN.md "Units and numbers"):
 * - Time is integer nanoseconds in a JS number (exact to 2^53 ns, about 104 days).
 * - Sizes are bytes.
 * - Orrery's own bandwidths are GB/s with 1 GB = 10^9 B, so 1 GB/s = 1 B/ns exactly.
 *   ASTRA-sim's network files mean 1 GB = 2^30 B; importers convert at the boundary with {@link astraGBpsToBytesPerNs}.
 *
 * Brands vanish at runtime: they cost nothing in the hot loop.
 */

export type Nanoseconds = number & { readonly __unit: 'ns' };
export type Bytes = number & { readonly __unit: 'B' };
/** Gigabytes per second with 1 GB = 10^9 B; numerically equal to bytes per nanosecond. */
export type GBps = number & { readonly __unit: 'GB/s' };
/** Bytes per nanosecond: the rate unit every model computes with. */
export type BytesPerNs = number & { readonly __unit: 'B/ns' };

export const ns = (v: number): Nanoseconds => v as Nanoseconds;
export const bytes = (v: number): Bytes => v as Bytes;
export const gbps = (v: number): GBps => v as GBps;

/** 1 GB/s (SI) is exactly 1 byte per nanosecond. */
export function gbpsToBytesPerNs(bw: GBps | number): BytesPerNs {
  return bw as number as BytesPerNs;
}

/** ASTRA-sim's network GB/s (1 GB = 2^30 B) to bytes per ns, as astra-network-analytical's NetworkFunction does. */
export function astraGBpsToBytesPerNs(bw: number): BytesPerNs {
  return ((bw * 1024 * 1024 * 1024) / 1e9) as BytesPerNs;
}

/** ASTRA-sim's network GB/s (2^30) expressed as Orrery GB/s (10^9). */
export function astraGBpsToGBps(bw: number): GBps {
  return ((bw * 1024 * 1024 * 1024) / 1e9) as GBps;
}

/** An input that could not be parsed as a quantity. The message says what was expected. */
export class UnitError extends Error {
  override name = 'UnitError';
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const TIME_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
};

const QUANTITY = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zµ]*)\s*$/i;

/**
 * Parses a size such as `1GiB`, `64MB`, `512KiB`, `4096` or `4096B` into bytes.
 * KB/MB/GB are decimal (10^3…), KiB/MiB/GiB binary (2^10…), as in nccl-tests and the IEC standard.
 * The result must be a non-negative integer number of bytes.
 */
export function parseSize(text: string | number, what = 'size'): Bytes {
  if (typeof text === 'number') return checkBytes(text, String(text), what);
  const m = QUANTITY.exec(text);
  if (!m) throw new UnitError(`${what} "${text}" is not a size; expected a number with an optional unit, e.g. 1GiB, 64MB, 4096`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit === '' ? 1 : SIZE_UNITS[unit];
  if (mult === undefined) {
    throw new UnitError(`${what} "${text}" has unknown unit "${m[2]}"; expected one of: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB`);
  }
  return checkBytes(Number(m[1]) * mult, text, what);
}

function checkBytes(v: number, text: string, what: string): Bytes {
  if (!Number.isFinite(v) || v < 0) throw new UnitError(`${what} "${text}" must be a non-negative number of bytes`);
  if (!Number.isInteger(v)) throw new UnitError(`${what} "${text}" is ${v} bytes; expected a whole number of bytes`);
  if (v > Number.MAX_SAFE_INTEGER) throw new UnitError(`${what} "${text}" is too large (over 2^53 bytes)`);
  return v as Bytes;
}

/**
 * Parses a duration such as `500ns`, `1.5us`, `2ms` or a bare number (nanoseconds) into integer nanoseconds.
 * Fractional nanoseconds are an error: Orrery's clock is integer ns.
 */
export function parseTime(text: string | number, what = 'time'): Nanoseconds {
  let v: number;
  if (typeof text === 'number') v = text;
  else {
    const m = QUANTITY.exec(text);
    if (!m) throw new UnitError(`${what} "${text}" is not a duration; expected a number with an optional unit, e.g. 500ns, 2us, 1ms`);
    const unit = (m[2] ?? '').toLowerCase();
    const mult = unit === '' ? 1 : TIME_UNITS[unit];
    if (mult === undefined) throw new UnitError(`${what} "${text}" has unknown unit "${m[2]}"; expected one of: ns, us, ms, s`);
    v = Number(m[1]) * mult;
  }
  if (!Number.isFinite(v) || v < 0) throw new UnitError(`${what} "${text}" must be a non-negative duration`);
  const r = Math.round(v);
  if (Math.abs(r - v) > 1e-9 * Math.max(1, v)) throw new UnitError(`${what} "${text}" is ${v} ns; Orrery's clock is whole nanoseconds`);
  return r as Nanoseconds;
}

/**
 * Formats bytes in the largest unit (binary or decimal) that divides them exactly and leaves a short number
 * (below 1000: `4 MB`, `64 KiB`), else to 4 significant digits: in binary units for a multiple of 256 B that is
 * not one of 1000 B (`147.2 MiB`, not `150771 KiB`), decimal otherwise.
 */
export function formatBytes(b: number): string {
  const units: [string, number][] = [
    ['TiB', 1024 ** 4], ['TB', 1e12], ['GiB', 1024 ** 3], ['GB', 1e9], ['MiB', 1024 ** 2], ['MB', 1e6], ['KiB', 1024], ['KB', 1e3],
  ];
  for (const [unit, mult] of units) if (b >= mult && b % mult === 0 && (b / mult < 1000 || unit.startsWith('T'))) return `${b / mult} ${unit}`;
  // binary for sizes made of powers of two (a multiple of 256 B and not of 1000 B), decimal for the rest
  const binary = b % 256 === 0 && b % 1000 !== 0;
  for (const [unit, mult] of units.filter((u) => u[0].includes('i') === binary)) if (b >= mult) return `${+(b / mult).toPrecision(4)} ${unit}`;
  return `${b} B`;
}

/** Formats nanoseconds with the largest unit that keeps the number ≥ 1 (e.g. 36.79 ms). */
export function formatTime(t: number): string {
  if (t >= 1e9) return `${+(t / 1e9).toPrecision(6)} s`;
  if (t >= 1e6) return `${+(t / 1e6).toPrecision(6)} ms`;
  if (t >= 1e3) return `${+(t / 1e3).toPrecision(6)} us`;
  return `${t} ns`;
}

/**
 * An integer with thousands separators, `8,384,512`, as `toLocaleString('en-US')` writes it, without loading ICU's
 * locale data (about 20 ms of a short run's start-up). Non-integers and magnitudes from 1e21 (exponent notation)
 * go to `toLocaleString`.
 */
export function groupDigits(n: number): string {
  if (!Number.isInteger(n) || Math.abs(n) >= 1e21) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = digits.length; i > 0; i -= 3) out = (i > 3 ? ',' : '') + digits.slice(Math.max(0, i - 3), i) + out;
  return n < 0 ? `-${out}` : out;
}

export { MAX_TIME_NS, MIN_NORMAL, RANGES, rangeProblem, checkRange, timeOverflow, checkResultTime, LimitError, DEFAULT_MAX_EVENTS, checkWork, type NumericRange, type RangeName } from './ranges.ts';
