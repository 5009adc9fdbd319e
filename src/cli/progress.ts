/**
 * A one-line progress bar on a terminal: points done, failures, elapsed time and an ETA. It draws only when the
 * stream is a TTY and redraws at most ten times a second; on anything else it writes nothing.
 */
export interface Progress {
  update(done: number, total: number, failed: number, elapsedMs: number): void;
  /** Clears the line. */
  end(): void;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The bar's text for a width (exported for tests). */
export function progressLine(done: number, total: number, failed: number, elapsedMs: number, width: number): string {
  const eta = done > 0 && done < total ? `ETA ${formatDuration((elapsedMs / done) * (total - done))}` : done >= total ? 'done' : 'ETA …';
  const right = ` ${done}/${total} points${failed > 0 ? `, ${failed} failed` : ''}  ${formatDuration(elapsedMs)} elapsed  ${eta}`;
  const barW = Math.max(10, Math.min(40, width - right.length - 4));
  const fill = total > 0 ? Math.round((done / total) * barW) : barW;
  return `[${'#'.repeat(fill)}${'.'.repeat(barW - fill)}]${right}`.slice(0, Math.max(0, width - 1));
}

export function createProgress(stream: NodeJS.WriteStream): Progress | undefined {
  if (!stream.isTTY) return undefined;
  let last = 0;
  let shown = false;
  return {
    update(done, total, failed, elapsedMs) {
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[K${progressLine(done, total, failed, elapsedMs, stream.columns ?? 80)}`);
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

/**
 * Progress of one simulation on a terminal: events run, simulated time and elapsed time, shown once the run has
 * taken more than two seconds (a short run prints nothing), at most ten times a second; nothing unless a TTY.
 */
export interface EventProgress {
  tick(events: number, nowNs: number): void;
  end(): void;
}

export function createEventProgress(stream: NodeJS.WriteStream, label: string, afterMs = 2000): EventProgress | undefined {
  if (!stream.isTTY) return undefined;
  const t0 = Date.now();
  let last = 0;
  let shown = false;
  return {
    tick(events, nowNs) {
      const now = Date.now();
      if (now - t0 < afterMs || now - last < 100) return;
      last = now;
      shown = true;
      const line = `${label}: ${(events / 1e6).toFixed(1)} M events, simulated ${(nowNs / 1e6).toFixed(3)} ms, ${formatDuration(now - t0)} elapsed`;
      stream.write(`\r\x1b[K${line.slice(0, Math.max(0, (stream.columns ?? 80) - 1))}`);
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
