/**
 * Memory per GPU in the run report: the workload's memory (workload/memory.ts) against the device's HBM. A plan
 * whose peak rank does not fit is refused with the numbers (one line naming the biggest parts), or, with
 * `allowOom`, run with a warning. Without a device there is nothing to check against: the report still shows
 * the memory.
 */
import { InputError } from '../io/index.ts';
import { largestParts, type DevicePreset, type MemoryParts, type MemoryReport, type StageMemory } from '../workload/index.ts';

export const GiB = 2 ** 30;

/** The memory section of a run report. */
export interface RunMemory extends MemoryReport {
  /** The device checked against, and its HBM in bytes (GiB × 2^30). */
  device?: string;
  capacityBytes?: number;
  /** Whether the peak rank fits; absent without a device. */
  fits?: boolean;
}

const gib = (b: number): string => `${(b / GiB).toFixed(1)} GiB`;

const LABELS: Record<keyof MemoryParts, string> = {
  weightBytes: 'weights', gradientBytes: 'gradients', optimizerBytes: 'optimizer', activationBytes: 'activations', temporaryBytes: 'temporary',
};

/** The parts of one stage, largest first: "activations 51.9 GiB (8 microbatches in flight, …), optimizer 31.2 GiB, …". */
export function describeParts(st: StageMemory, m: MemoryReport): string {
  return largestParts(st)
    .filter(([, b]) => b > 0)
    .map(([k, b]) => `${LABELS[k]} ${gib(b)}${k === 'activationBytes' ? ` (${inFlightLabel(st, m)} in flight, recompute ${m.recompute}, ${m.attention} attention)` : ''}`)
    .join(', ');
}

/** "8 microbatches", or with interleaving "11 chunks of 10 layers". */
export function inFlightLabel(st: StageMemory, m: MemoryReport): string {
  if (m.virtualStages > 1) return `${st.inFlight} chunk${st.inFlight === 1 ? '' : 's'} of ${st.layersPerChunk} layers`;
  return `${st.inFlight} microbatch${st.inFlight === 1 ? '' : 'es'}`;
}

/**
 * Checks `memory` against `device`: returns the report section and, when it does not fit and `allowOom` is set,
 * a warning; throws an InputError (exit 1) when it does not fit otherwise.
 */
export function checkMemory(memory: MemoryReport, device: DevicePreset | undefined, allowOom: boolean, name: string): { memory: RunMemory; warning?: string } {
  if (!device) return { memory };
  const capacityBytes = device.memGiB * GiB;
  const fits = memory.peakBytes <= capacityBytes;
  const out: RunMemory = { ...memory, device: device.name, capacityBytes, fits };
  if (fits) return { memory: out };
  const st = memory.stages[memory.peakStage]!;
  const where = memory.stages.length > 1 ? `pipeline stage ${st.stage} (${st.ranks} ranks)` : `every rank`;
  const over = memory.stages.filter((s) => s.peakBytes > capacityBytes).length;
  const msg =
    `${name}: does not fit ${device.name} (${device.memGiB} GiB HBM): ${where} needs ${gib(st.peakBytes)} per GPU: ${describeParts(st, memory)}` +
    (memory.stages.length > 1 ? `; ${over} of ${memory.stages.length} stages exceed it` : '');
  if (!allowOom) {
    throw new InputError(`${msg}. Use recompute, sequence parallelism, a ZeRO stage, more tp or pp, or a smaller microBatch; or --allow-oom to run anyway`);
  }
  return { memory: out, warning: `${msg} (running anyway: --allow-oom)` };
}
