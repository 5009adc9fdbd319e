/** Running one sweep point and measuring it: what a worker does per message. */
import { getSweepCommand, type ParamRow } from './sweep-commands.ts';

export interface PointRequest {
  /** Index of the point in the whole sweep. */
  id: number;
  command: string;
  row: ParamRow;
}

export interface PointResult {
  id: number;
  metrics: Record<string, number | string>;
  /** Wall time of the point (topology resolution and simulation), ms. */
  wallMs: number;
  /** The worker isolate's V8 heap plus external memory after the point, MB (see sweep-worker.ts). */
  peakMemMB: number;
  /** '' when the point ran. */
  error: string;
}

/** Error classes whose message is the whole story (bad combination of inputs); anything else is a bug. */
export const KNOWN_ERRORS = new Set(['InputError', 'UnitError', 'TopologyError', 'CollectiveError', 'TraceError', 'LimitError']);

/** The error cell for an exception: its message, or "internal error: …" for an unexpected one. */
export function errorCell(e: unknown): string {
  const err = e as Error;
  if (err && KNOWN_ERRORS.has(err.name)) return err.message;
  return `internal error: ${err?.message ?? String(e)}`;
}

function memoryMB(): number {
  const m = process.memoryUsage();
  return (m.heapTotal + m.external) / 2 ** 20;
}

/** Runs one point; never throws (an error becomes the result's `error`). */
export function runPoint(req: PointRequest, gc?: () => void): PointResult {
  gc?.();
  const t0 = performance.now();
  let metrics: Record<string, number | string> = {};
  let error = '';
  try {
    metrics = getSweepCommand(req.command).run(req.row);
  } catch (e) {
    error = errorCell(e);
  }
  const wallMs = performance.now() - t0;
  return { id: req.id, metrics, wallMs, peakMemMB: memoryMB(), error };
}
