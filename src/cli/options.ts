/** Option-value parsers shared by commands. Each throws an InputError naming the flag and what was expected. */
import { InputError } from '../api/index.ts';
import { parseSize, parseTime, UnitError } from '../units/index.ts';

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
