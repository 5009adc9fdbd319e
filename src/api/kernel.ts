/**
 * `orrery kernel`: predict one kernel (or a CSV of them) with a compute model. Results carry `timeNs` (rounded
 * once to whole ns, as the replay does), `flops`, `bytes`, `achievedTFLOPS` = flops / timeNs / 1000, `bound`
 * (compute, memory or latency) and the model used.
 *
 * Batch CSV: a header naming some of `kind,m,n,k,elements,device,precision` (required: kind, device) and, for
 * batched GEMMs and attention, `batch,heads,kvHeads,seqQ,seqKv,headDim,flash,causal,backward`; optional
 * `compute`. A cell left blank does not apply. Rows are predicted in order.
 */
import {
  checkKernel, ComputeError, PRECISIONS, type ComputeModel, type ComputeModelName, type KernelDesc, type Precision,
} from '../compute/index.ts';
import { InputError, readInputFile } from '../io/index.ts';
import { parseSimpleCsv } from '../io/profiles.ts';
import { createComputeModel, DEFAULT_COMPUTE_MODEL } from './compute.ts';
import { CSV_COLUMNS, kernelFromFields } from './kernel-fields.ts';

export { kernelFromFields };

export interface KernelQuery {
  kernel: KernelDesc;
  device: string;
  precision: Precision;
  compute?: ComputeModelName | string;
  /** Orrery measured-kernel CSVs for the `table` model. */
  tables?: string[];
}

export interface KernelResult {
  kind: string;
  device: string;
  precision: Precision;
  model: string;
  timeNs: number;
  flops: number;
  bytes: number;
  achievedTFLOPS: number;
  bound: string;
}

export const KERNEL_RESULT_COLUMNS: readonly (keyof KernelResult)[] = ['kind', 'device', 'precision', 'model', 'timeNs', 'flops', 'bytes', 'achievedTFLOPS', 'bound'];

const models = new Map<string, ComputeModel>();

/** Predicts one kernel. Throws InputError/ComputeError with one clear line on bad input. */
export function predictKernel(q: KernelQuery, where = 'kernel'): KernelResult {
  const e = checkKernel(q.kernel);
  if (e) throw new InputError(`${where}: ${e.replace(/field "kernel\.(\w+)"/, (_, f: string) => `field "${f}"`)}`);
  if (!PRECISIONS.includes(q.precision)) throw new InputError(`${where}: precision "${q.precision}" is unknown; expected one of: ${PRECISIONS.join(', ')}`);
  const name = q.compute ?? DEFAULT_COMPUTE_MODEL;
  const key = `${name}\u0000${q.device}\u0000${q.precision}\u0000${(q.tables ?? []).join('\u0000')}`;
  let m: ComputeModel | undefined, r;
  try {
    m = models.get(key);
    if (!m) models.set(key, (m = createComputeModel({ name, device: q.device, precision: q.precision, ...(q.tables ? { tables: q.tables } : {}) })));
    r = m.kernel(q.kernel, q.precision);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${where}: ${err.message}`);
    if (err instanceof ComputeError) throw new ComputeError(`${where}: ${err.message}`);
    throw err;
  }
  const timeNs = Math.max(1, Math.round(r.timeNs));
  return {
    kind: q.kernel.type, device: m.device.name, precision: q.precision, model: m.name, timeNs, flops: r.flops, bytes: r.bytes,
    achievedTFLOPS: Number((r.flops / timeNs / 1e3).toFixed(3)), bound: r.bound,
  };
}

/** Warnings the cached models collected (e.g. table fallbacks). */
export function kernelWarnings(): string[] {
  return [...new Set([...models.values()].flatMap((m) => m.warnings()))];
}

/** Reads and predicts a batch CSV, in row order. */
export function predictKernelCsv(path: string, defaults: { compute?: string; precision?: Precision; tables?: string[] } = {}): KernelResult[] {
  const text = readInputFile(path, 'kernel batch CSV', 'utf8'); // regular files only, size-capped (io/input.ts)
  const csv = parseSimpleCsv(text, path);
  for (const h of csv.header) {
    if (!CSV_COLUMNS.includes(h)) throw new InputError(`${path}: unknown column "${h}"; expected: ${CSV_COLUMNS.join(', ')}`);
  }
  for (const need of ['kind', 'device']) if (!csv.header.includes(need)) throw new InputError(`${path}: column "${need}" is missing`);
  return csv.rows.map((r, i) => {
    const where = `${path}: row ${i + 2}`;
    const precision = (r.precision || defaults.precision || 'bf16') as Precision;
    const compute = r.compute || defaults.compute;
    return predictKernel({
      kernel: kernelFromFields(r.kind ?? '', r, where), device: r.device ?? '', precision, ...(compute ? { compute } : {}),
      ...(defaults.tables ? { tables: defaults.tables } : {}),
    }, where);
  });
}
