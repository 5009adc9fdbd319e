/**
 * Sweep parameters: the values a sweep takes for one option, written as lists and ranges.
 *
 *   8,16,64          a list
 *   8..4096          a range, doubling: 8, 16, 32, …, 4096 (the default step is ×2)
 *   1KiB..1GiB×4     a geometric range with factor 4 (also written x4 or *4)
 *   1..8+1           an arithmetic range: 1, 2, …, 8
 *   450/50           one value per dimension (bandwidth, latency, algorithm), for options that take one
 *
 * Ranges stop at the last value not past the end. Values keep the units the single-run command accepts (`1GiB`,
 * `2us`). A parameter is repeatable on the command line, and in a spec file a value may be a string (parsed as
 * above), a number, or an array of either.
 */
import { InputError, kindOf } from '../io/index.ts';
import { parseSize, parseTime, groupDigits } from '../units/index.ts';

/** A parameter value as it goes into a row: numbers for quantities, text for names and per-dimension lists. */
export type ParamValue = number | string;
/** What a spec file or the command line gives for one parameter before it is expanded. */
export type RawValue = string | number | (string | number)[];

export type ParamKind =
  /** An integer ≥ `min`; ranges allowed. */
  | 'int'
  /** Bytes (`1GiB`, `64MB`, `4096`); ranges allowed. The column holds bytes. */
  | 'size'
  /** Nanoseconds (`500ns`, `2us`); ranges allowed. The column holds ns. */
  | 'time'
  /** A positive number; ranges allowed. */
  | 'number'
  /** One of `choices()` (matched case-insensitively, written as listed). */
  | 'choice'
  /** Free text checked by `canonical`. */
  | 'text'
  /** A number, or one per dimension joined by `/` (`450/50`); ranges of single values allowed. */
  | 'numberPerDim';

export interface SweepParam {
  /** Key in spec files (the long flag without dashes, camelCase). */
  key: string;
  /** The single-run command's flag, as commander spells it (`-s, --size <bytes>`). */
  flags: string;
  /** Row column (unit in the name: `bytes`, `endpointDelayNs`). */
  column: string;
  kind: ParamKind;
  help: string;
  /** Valid names for `choice` (read when parsing, so registries that grow later are seen). */
  choices?: () => readonly string[];
  /** For `text`: checks one value and returns its canonical form; throws an error naming `flag`. */
  canonical?: (value: string, flag: string) => string;
  /** `int`: smallest value (default 1). `numberPerDim`: whether 0 is allowed (latency) or not (bandwidth). */
  min?: number;
  /** The value used when the parameter is not given; undefined leaves the column empty. */
  default?: ParamValue;
  /** What separates values in one argument (default `,`; topology shorthand has commas, so it uses `;`). */
  separator?: string;
}

/** The long flag (`--size`) of a parameter. */
export function longFlag(p: SweepParam): string {
  return /--[a-z0-9-]+/.exec(p.flags)![0];
}

/** `active-chunks` and `activeChunks` both name the parameter with key `activeChunks`. */
export function paramKeyOf(name: string): string {
  return name.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const MAX_RANGE = 100_000;
const RANGE = /^(.+?)\.\.(.+?)(?:([x×*+])([0-9]*\.?[0-9]+))?$/;

/** Parses one value (no lists, no ranges) of parameter `p`. */
export function parseOne(p: SweepParam, text: string | number): ParamValue {
  const flag = longFlag(p);
  const s = String(text).trim();
  const bad = (expected: string): never => {
    throw new InputError(`${flag} "${s}": expected ${expected}`);
  };
  switch (p.kind) {
    case 'int': {
      const n = Number(s);
      const min = p.min ?? 1;
      if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n) || n < min) bad(`an integer ≥ ${min}`);
      return n;
    }
    case 'size':
      try {
        return parseSize(s, flag);
      } catch (e) {
        throw new InputError((e as Error).message);
      }
    case 'time':
      try {
        return parseTime(s, flag);
      } catch (e) {
        throw new InputError((e as Error).message);
      }
    case 'number': {
      const n = Number(s);
      if (s === '' || !Number.isFinite(n) || n <= 0) bad('a positive number');
      return n;
    }
    case 'choice': {
      const choices = p.choices!();
      const hit = choices.find((c) => c.toLowerCase() === s.toLowerCase());
      if (hit === undefined) bad(`one of: ${choices.join(', ')}`);
      return hit!;
    }
    case 'text': {
      if (s === '') bad('a value');
      return p.canonical ? p.canonical(s, flag) : s;
    }
    case 'numberPerDim': {
      const zeroOk = (p.min ?? 0) <= 0;
      const parts = s.split('/').map((x) => {
        const n = Number(x);
        if (x.trim() === '' || !Number.isFinite(n) || n < 0 || (!zeroOk && n === 0)) {
          bad(`a ${zeroOk ? 'non-negative' : 'positive'} number, or one per dimension joined by / (e.g. 450/50)`);
        }
        return n;
      });
      return parts.join('/');
    }
  }
}

/** Expands `a..b`, `a..b×k` / `a..bxk` / `a..b*k` (geometric) and `a..b+k` (arithmetic). */
function expandRange(p: SweepParam, text: string, m: RegExpExecArray): ParamValue[] {
  const flag = longFlag(p);
  const a = Number(parseOne(p, m[1]!));
  const b = Number(parseOne(p, m[2]!));
  if (p.kind === 'numberPerDim' && (/\//.test(m[1]!) || /\//.test(m[2]!))) {
    throw new InputError(`${flag} "${text}": a range takes single values, not per-dimension lists`);
  }
  const op = m[3] === undefined ? 'x' : m[3] === '+' ? '+' : 'x';
  const k = m[4] === undefined ? 2 : Number(m[4]);
  if (a > b) throw new InputError(`${flag} "${text}": the range runs from ${a} down to ${b}; write the smaller end first`);
  if (op === 'x' && !(k > 1)) throw new InputError(`${flag} "${text}": a geometric step must be greater than 1, got ${k}`);
  if (op === 'x' && a <= 0) throw new InputError(`${flag} "${text}": a geometric range must start above 0`);
  if (op === '+' && !(k > 0)) throw new InputError(`${flag} "${text}": an arithmetic step must be greater than 0, got ${k}`);
  const out: number[] = [];
  const integral = p.kind === 'int' || p.kind === 'size' || p.kind === 'time';
  for (let i = 0; ; i++) {
    let v = op === 'x' ? a * k ** i : a + k * i;
    // tolerate floating error in the last place (0.1..0.4+0.1), but never step past the end
    if (!integral) v = Number(v.toPrecision(12));
    if (v > b * (1 + 1e-12)) break;
    if (integral && !Number.isInteger(v)) {
      throw new InputError(`${flag} "${text}": the range reaches ${v}, which is not a whole number; choose a step that keeps values whole`);
    }
    out.push(v);
    if (out.length > MAX_RANGE) throw new InputError(`${flag} "${text}": more than ${groupDigits(MAX_RANGE)} values`);
  }
  return out.map((v) => parseOne(p, v));
}

/** Expands what was given for parameter `p` (lists, ranges, arrays) into its values, in order. */
export function expandValues(p: SweepParam, raw: RawValue, where = longFlag(p)): ParamValue[] {
  const items = Array.isArray(raw) ? raw : [raw];
  const out: ParamValue[] = [];
  for (const item of items) {
    if (typeof item === 'number') {
      out.push(parseOne(p, item));
      continue;
    }
    if (typeof item !== 'string') throw new InputError(`${where}: expected a string or a number, got ${kindOf(item)}`);
    for (const term of item.split(p.separator ?? ',')) {
      const t = term.trim();
      if (t === '') throw new InputError(`${where} "${item}": empty value in the list`);
      const m = RANGE.exec(t);
      if (m && (p.kind === 'int' || p.kind === 'size' || p.kind === 'time' || p.kind === 'number' || p.kind === 'numberPerDim')) {
        out.push(...expandRange(p, t, m));
      } else {
        out.push(parseOne(p, t));
      }
    }
  }
  if (out.length === 0) throw new InputError(`${where}: no values`);
  return out;
}

/** `{shard: 2, of: 4}` from `2/4` (1-based: shards 1/4 … 4/4). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InputError(`--shard "${text}": expected i/n with 1 ≤ i ≤ n, e.g. 1/4 (shards are numbered from 1)`);
  }
  return { index, count };
}
