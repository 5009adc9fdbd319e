// The terminal progress bar: what it draws, and that it draws nothing off a terminal.
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, progressLine } from '../src/cli/progress.ts';

describe('progress bar', () => {
  it('shows points done, failures, elapsed time and an ETA from the mean time per point', () => {
    // 30 of 120 done in 60 s: 2 s a point, 90 to go → 180 s = 3m00s
    expect(progressLine(30, 120, 2, 60_000, 100)).toBe(`[##########${'.'.repeat(30)}] 30/120 points, 2 failed  1m00s elapsed  ETA 3m00s`);
    expect(progressLine(120, 120, 0, 5_000, 80)).toMatch(/120\/120 points  5s elapsed  done$/);
    expect(progressLine(10, 20, 0, 1000, 30).length).toBeLessThan(30); // cut to the terminal's width
    expect(formatDuration(3_725_000)).toBe('1h02m');
  });

  it('writes nothing when the stream is not a terminal', () => {
    const written: string[] = [];
    const fake = { isTTY: false, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    expect(createProgress(fake)).toBeUndefined();
    const tty = { isTTY: true, columns: 80, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const p = createProgress(tty)!;
    p.update(1, 2, 0, 100);
    p.end();
    expect(written[0]).toMatch(/^\r\x1b\[K\[/);
    expect(written.at(-1)).toBe('\r\x1b[K');
  });
});
