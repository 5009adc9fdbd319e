import { describe, expect, it } from 'vitest';
import { Engine, SCHEDULER_NAMES, type EventHandler } from '../src/engine/index.ts';

class Recorder implements EventHandler {
  log: string[] = [];
  constructor(private readonly engine: Engine) {}
  onEvent(a: number, b: number, c: number): void {
    this.log.push(`${this.engine.now}:${a},${b},${c}`);
  }
}

describe.each(SCHEDULER_NAMES)('engine on %s', (scheduler) => {
  it('runs events in (time, seq) order with their payloads', () => {
    const e = new Engine({ scheduler });
    const r = new Recorder(e);
    const h = e.register(r);
    e.schedule(10, h, 1, 2, 3);
    e.schedule(5, h, 4, 5, 6);
    e.schedule(10, h, 7, 8, 9);
    e.schedule(0, h, 0, 0, 0);
    const stats = e.run();
    expect(r.log).toEqual(['0:0,0,0', '5:4,5,6', '10:1,2,3', '10:7,8,9']);
    expect(stats.events).toBe(4);
    expect(stats.endNs).toBe(10);
    expect(e.now).toBe(10);
  });

  it('cancel skips the event; cancelling twice or after it ran is harmless', () => {
    const e = new Engine({ scheduler });
    const r = new Recorder(e);
    const h = e.register(r);
    const id = e.scheduleCancellable(3, h, 1);
    e.schedule(4, h, 2);
    e.cancel(id);
    e.cancel(id);
    expect(e.run().events).toBe(1);
    expect(r.log).toEqual(['4:2,0,0']);
    e.cancel(id); // slot may be reused: a stale id must not cancel the new occupant
    e.schedule(1, h, 3);
    e.cancel(id);
    e.run();
    expect(r.log).toEqual(['4:2,0,0', '5:3,0,0']);
  });

  it('run(until) stops at the time and resumes', () => {
    const e = new Engine({ scheduler });
    const r = new Recorder(e);
    const h = e.register(r);
    for (const t of [1, 5, 9]) e.schedule(t, h, t);
    e.run(5);
    expect(r.log).toEqual(['1:1,0,0', '5:5,0,0']);
    expect(e.now).toBe(5);
    e.run();
    expect(r.log.at(-1)).toBe('9:9,0,0');
  });

  it('handlers can schedule at the current time: FIFO after everything already due', () => {
    const e = new Engine({ scheduler });
    const log: number[] = [];
    let h = -1;
    h = e.register({
      onEvent(a) {
        log.push(a);
        if (a === 1) e.schedule(0, h, 3);
      },
    });
    e.schedule(2, h, 1);
    e.schedule(2, h, 2);
    e.run();
    expect(log).toEqual([1, 2, 3]);
  });

  it('grows its pool past the initial capacity without losing events', () => {
    const e = new Engine({ scheduler, capacity: 16 });
    let sum = 0;
    const h = e.register({ onEvent(a) { sum += a; } });
    for (let i = 0; i < 5000; i++) e.schedule(i % 37, h, i);
    expect(e.run().events).toBe(5000);
    expect(sum).toBe((4999 * 5000) / 2);
  });

  it('rejects an event in the past', () => {
    const e = new Engine({ scheduler });
    const h = e.register({ onEvent() {} });
    e.schedule(10, h);
    e.run();
    expect(() => e.scheduleAt(5, h)).toThrow(/before now/);
  });
});
