/** Option-value parsers shared by commands. Each throws an InputError naming the flag and what was expected. */
import { InputError } from '../api/vocabulary.ts';
import { parseSize, parseTime, rangeProblem, RANGES, UnitError, type NumericRange, type RangeName } from '../units/index.ts';

export function sizeOpt(flag: string) {
  return (v: string): number => {
    try {
      return parseSize(v, flag);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
  };
}

export function timeOpt(flag: string) {
  return (v: string): number => {
    try {
      return parseTime(v, flag);
    } catch (e) {
      if (e instanceof UnitError) throw new InputError(e.message);
      throw e;
    }
  };
}

export function intOpt(flag: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) {
      throw new InputError(`${flag} "${v}": expected an integer ≥ ${min}`);
    }
    return n;
  };
}

export function positiveNumberOpt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`${flag} "${v}": expected a positive number`);
    return n;
  };
}

/** A comma-separated list of numbers (e.g. `--bandwidth 50,100`). */
export function numberListOpt(flag: string, allowZero: boolean) {
  return (v: string): number[] =>
    v.split(',').map((x) => {
      const n = Number(x);
      if (x.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
        throw new InputError(`${flag} "${v}": "${x}" is not a ${allowZero ? 'non-negative' : 'positive'} number`);
      }
      return n;
    });
}

export function choiceOpt<T extends string>(flag: string, choices: readonly T[]) {
  return (v: string): T => {
    const hit = choices.find((c) => c.toLowerCase() === v.toLowerCase());
    if (!hit) throw new InputError(`${flag} "${v}": expected one of: ${choices.join(', ')}`);
    return hit;
  };
}

export function nonNegativeNumberOpt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InputError(`${flag} "${v}": expected a number ≥ 0`);
    return n;
  };
}

/** Ranks as a list of numbers and ranges: `0-7,64`. */
export function rankListOpt(flag: string) {
  return (v: string): number[] => {
    const out: number[] = [];
    for (const part of v.split(',')) {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
      if (!m) throw new InputError(`${flag} "${v}": "${part}" is not a rank or a range like 0-7`);
      const a = Number(m[1]), b = m[2] !== undefined ? Number(m[2]) : a;
      if (b < a) throw new InputError(`${flag} "${v}": range ${part} runs backwards`);
      if (b - a > 1e7) throw new InputError(`${flag} "${v}": range ${part} is too large`);
      for (let r = a; r <= b; r++) out.push(r);
    }
    return out;
  };
}

/** A time window `from:to` with units (`1ms:5ms`, `0:2.5us`); either end may be empty (open). */
export function windowOpt(flag: string) {
  return (v: string): [number, number] => {
    const m = /^([^:]*):([^:]*)$/.exec(v);
    if (!m) throw new InputError(`${flag} "${v}": expected from:to, e.g. 1ms:5ms`);
    const t = (x: string, dflt: number) => (x.trim() === '' ? dflt : timeOpt(flag)(x.trim()));
    const a = t(m[1]!, 0), b = t(m[2]!, Infinity);
    if (b < a) throw new InputError(`${flag} "${v}": the window ends before it starts`);
    return [a, b];
  };
}

/** Straggler factors `rank:factor,...` (e.g. `3:1.5,7:2`: rank 3's compute takes 1.5× as long). */
export function stragglerOpt(flag: string) {
  return (v: string): Record<number, number> => {
    const out: Record<number, number> = {};
    for (const part of v.split(',')) {
      const m = /^\s*(\d+)\s*:\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*$/i.exec(part);
      if (!m || !(Number(m[2]) > 0) || Number(m[2]) > RANGES.factor.max) throw new InputError(`${flag} "${v}": "${part}" is not rank:factor with a positive factor, e.g. 3:1.5`);
      out[Number(m[1])] = Number(m[2]);
    }
    return out;
  };
}

/** `--flag "value": <what is wrong>` from a range problem ("is 0; expected …" → "expected …"). */
function rangeMessage(flag: string, v: string, problem: string): string {
  return `${flag} "${v}": ${problem.replace(/^is [^;,]+[;,] ?/, '')}`;
}

/** A number in one of the documented ranges (units/ranges.ts), e.g. `rangeOpt('--local-mem-bw', 'bandwidthGBps')`. */
export function rangeOpt(flag: string, range: RangeName) {
  return (v: string): number => {
    const n = v.trim() === '' ? NaN : Number(v);
    const p = rangeProblem(n, RANGES[range]);
    if (p === undefined) return n;
    throw new InputError(rangeMessage(flag, v, Number.isNaN(n) ? `is NaN; not a number: ${p.replace(/^is NaN; /, '')}` : p));
  };
}

/** A comma-separated list of numbers, each in the range (`--bandwidth 50,100`). */
export function rangeListOpt(flag: string, range: RangeName) {
  const one = rangeOpt(flag, range);
  return (v: string): number[] => v.split(',').map(one);
}

/** A duration (`500ns`, `2us`) in a range (`--endpoint-delay`). */
export function rangedTimeOpt(flag: string, range: RangeName) {
  const parse = timeOpt(flag);
  return (v: string): number => {
    const p = rangeProblem(parse(v), RANGES[range] as NumericRange);
    if (p !== undefined) throw new InputError(rangeMessage(flag, v, p));
    return parse(v);
  };
}

/** A positive whole count that may be written 2e8 or 200000000 (`--max-events`). */
export function countOpt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isSafeInteger(n) || n < 1) throw new InputError(`${flag} "${v}": expected a whole number ≥ 1 (e.g. 5e8), at most 2^53`);
    return n;
  };
}
