// Option parsers of orrery run (in-process: cli/options.ts has no side effects).
import { describe, expect, it } from 'vitest';
import { choiceOpt, rankListOpt, stragglerOpt, windowOpt } from '../src/cli/options.ts';

describe('option parsers', () => {
  it('--timeline-ranks: ranks and ranges', () => {
    expect(rankListOpt('--timeline-ranks')('0-3,8, 10-11')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(() => rankListOpt('--timeline-ranks')('3-1')).toThrowError(/--timeline-ranks "3-1": range 3-1 runs backwards/);
    expect(() => rankListOpt('--timeline-ranks')('a')).toThrowError(/"a" is not a rank or a range like 0-7/);
  });

  it('--timeline-window: from:to with units, open ends', () => {
    expect(windowOpt('--timeline-window')('1ms:5ms')).toEqual([1_000_000, 5_000_000]);
    expect(windowOpt('--timeline-window')(':2.5us')).toEqual([0, 2_500]);
    expect(windowOpt('--timeline-window')('10us:')).toEqual([10_000, Infinity]);
    expect(() => windowOpt('--timeline-window')('5ms:1ms')).toThrowError(/--timeline-window "5ms:1ms": the window ends before it starts/);
    expect(() => windowOpt('--timeline-window')('5ms')).toThrowError(/expected from:to, e\.g\. 1ms:5ms/);
  });

  it('--straggler: rank:factor pairs', () => {
    expect(stragglerOpt('--straggler')('3:1.5,7:2')).toEqual({ 3: 1.5, 7: 2 });
    expect(() => stragglerOpt('--straggler')('1')).toThrowError(/--straggler "1": "1" is not rank:factor with a positive factor, e\.g\. 3:1\.5/);
    expect(() => stragglerOpt('--straggler')('1:0')).toThrowError(/is not rank:factor with a positive factor/);
  });

  it('--policy', () => {
    expect(choiceOpt('--policy', ['streams', 'astra'] as const)('ASTRA')).toBe('astra');
    expect(() => choiceOpt('--policy', ['streams', 'astra'] as const)('fifo')).toThrowError(/--policy "fifo": expected one of: streams, astra/);
  });
});
