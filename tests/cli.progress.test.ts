// Progress of one simulation (issue 15 item 6): the engine reports every 2^18 events; the CLI shows a line on a
// terminal only, only after two seconds, and clears it at the end.
import { describe, expect, it } from 'vitest';
import { createEventProgress } from '../src/cli/progress.ts';
import { Engine } from '../src/engine/index.ts';

function fakeStream(isTTY: boolean) {
  let text = '';
  const stream = { isTTY, columns: 100, write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe('progress of a simulation', () => {
  it('the engine calls onProgress every 2^18 events', () => {
    const calls: number[] = [];
    const e = new Engine({ onProgress: (events) => calls.push(events) });
    let left = 3 * 2 ** 18 + 5; // a chain of events, one after another
    const h = e.register({ onEvent() { if (--left > 0) e.schedule(1, h); } });
    e.schedule(0, h);
    e.run();
    expect(calls).toEqual([2 ** 18, 2 * 2 ** 18, 3 * 2 ** 18]);
  });
  it('shows a line on a TTY after the delay and clears it; nothing elsewhere', () => {
    const tty = fakeStream(true);
    const p = createEventProgress(tty.stream, 'allreduce', 0)!;
    p.tick(5_000_000, 2_500_000);
    expect(tty.text()).toMatch(/allreduce: 5\.0 M events, simulated 2\.500 ms, 0s elapsed/);
    p.end();
    expect(tty.text().endsWith('\r\x1b[K')).toBe(true);
    expect(createEventProgress(fakeStream(false).stream, 'run', 0)).toBeUndefined();
    const quick = fakeStream(true);
    const q = createEventProgress(quick.stream, 'run')!; // default: only after 2 s
    q.tick(1, 1);
    q.end();
    expect(quick.text()).toBe('');
  });
});
