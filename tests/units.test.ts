import { describe, expect, it } from 'vitest';
import { astraGBpsToBytesPerNs, formatBytes, formatTime, groupDigits, parseSize, parseTime } from '../src/units/index.ts';

describe('parseSize', () => {
  it.each([
    ['1GiB', 2 ** 30], ['64MB', 64e6], ['512KiB', 512 * 1024], ['4096', 4096], ['4096B', 4096], ['1.5KiB', 1536],
    ['2 TiB', 2 * 1024 ** 4], ['1gib', 2 ** 30], ['1e3', 1000], ['0', 0],
  ])('%s = %d bytes (KB/MB/GB decimal, KiB/MiB/GiB binary)', (text, want) => {
    expect(parseSize(text)).toBe(want);
  });
  it.each([
    ['1GiBB', /unknown unit "GiBB"/], ['-1', /not a size/], ['1.5B', /whole number of bytes/], ['abc', /not a size/], ['', /not a size/],
  ])('rejects %s', (text, msg) => {
    expect(() => parseSize(text, '--size')).toThrow(msg);
  });
});

describe('parseTime', () => {
  it.each([['500ns', 500], ['500', 500], ['1.5us', 1500], ['2ms', 2e6], ['1s', 1e9], ['3µs', 3000]])('%s = %d ns', (text, want) => {
    expect(parseTime(text)).toBe(want);
  });
  it('rejects fractional nanoseconds and unknown units', () => {
    expect(() => parseTime('1.5ns')).toThrow(/whole nanoseconds/);
    expect(() => parseTime('5min')).toThrow(/unknown unit "min"/);
  });
});

describe('conversions and formatting', () => {
  it('ASTRA-sim GB/s means 2^30 B: 50 GB/s = 53.687091200 B/ns', () => {
    expect(astraGBpsToBytesPerNs(50)).toBeCloseTo(53.6870912, 9);
  });
  it('formats sizes and times', () => {
    expect(formatBytes(2 ** 30)).toBe('1 GiB');
    expect(formatBytes(64e6)).toBe('64 MB');
    expect(formatBytes(100)).toBe('100 B');
    expect(formatTime(36_790_164)).toBe('36.7902 ms');
    expect(formatTime(999)).toBe('999 ns');
  });
});

describe('groupDigits', () => {
  it('writes integers as toLocaleString(\'en-US\') does, without ICU', () => {
    expect(groupDigits(8384512)).toBe('8,384,512');
    expect(groupDigits(-1234567)).toBe('-1,234,567');
    expect(groupDigits(999)).toBe('999');
    expect(groupDigits(1000)).toBe('1,000');
    // the reference formatter, for every digit count up to 2^53
    for (let n = 1; n <= 2 ** 53; n = n * 10 + 7) expect(groupDigits(n)).toBe(n.toLocaleString('en-US'));
    // non-integers and exponent magnitudes go to toLocaleString itself
    expect(groupDigits(1234.5)).toBe((1234.5).toLocaleString('en-US'));
  });
});
