/**
 * Building a compute model for a run, `orrery kernel` and the validation suites: `roofline`, `kernel` (the
 * default) or `table` (measured times; reads the shipped profiles, so it lives here rather than in compute/).
 */
import { join } from 'node:path';
import {
  COMPUTE_MODELS, deviceAlias, getDevice, PRECISIONS, TableModel, vidurSamples, type KernelSample, type TableEntry, KernelModel, RooflineModel, type ComputeModel, type ComputeModelName, type DevicePreset,
  type Precision,
} from '../compute/index.ts';
import { InputError, readInputFile } from '../io/index.ts';
import { PACKAGE_ROOT } from './package-root.ts';
import { parseSimpleCsv, readVidurProfiles } from '../io/profiles.ts';
import { CSV_COLUMNS, kernelFromFields } from './kernel-fields.ts';

/** The Vidur profiles shipped in the repository (a subset; data/profiles/vidur/README.md). */
export const VIDUR_PROFILES_DIR = join(PACKAGE_ROOT, 'data', 'profiles', 'vidur');

let vidurCache: KernelSample[] | undefined;
/** Every sample of the shipped profiles (read once per process). */
export function vidurProfileSamples(): KernelSample[] {
  vidurCache ??= readVidurProfiles(VIDUR_PROFILES_DIR).flatMap((p) => vidurSamples(p.rows, p.device, p.model, p.source));
  return vidurCache;
}

/**
 * An Orrery measured-kernel table: CSV with a header of `kind`, the kernel's fields (m,n,k,batch,elements,heads,
 * kvHeads,seqQ,seqKv,headDim,flash,causal,backward; blank where they do not apply), `device`, `precision` and
 * `timeNs` (the measured time, ns). Rows of other devices are ignored by a model of one device.
 */
export function readKernelTable(path: string): (TableEntry & { device: string })[] {
  const text = readInputFile(path, 'kernel table', 'utf8'); // regular files only, size-capped (io/input.ts)
  const csv = parseSimpleCsv(text, path);
  const allowed = [...CSV_COLUMNS.filter((c) => c !== 'compute'), 'timeNs'];
  for (const h of csv.header) if (!allowed.includes(h)) throw new InputError(`${path}: unknown column "${h}"; expected: ${allowed.join(', ')}`);
  for (const need of ['kind', 'device', 'precision', 'timeNs']) if (!csv.header.includes(need)) throw new InputError(`${path}: column "${need}" is missing`);
  return csv.rows.map((r, i) => {
    const where = `${path}: row ${i + 2}`;
    const t = Number(r.timeNs);
    if (!(t > 0) || !Number.isFinite(t)) throw new InputError(`${where}: field "timeNs": expected a time in ns > 0, got ${JSON.stringify(r.timeNs)}`);
    const p = r.precision as Precision;
    if (!PRECISIONS.includes(p)) throw new InputError(`${where}: field "precision": expected one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(r.precision)}`);
    return { kernel: kernelFromFields(r.kind ?? '', r, where), precision: p, timeNs: t, device: getDevice(r.device ?? '').name };
  });
}

/** Measured entries for a device: the shipped Vidur profiles of it, then the given Orrery tables' rows for it. */
function tableEntries(device: DevicePreset, tables: readonly string[]): TableEntry[] {
  const alias = deviceAlias(device);
  const out: TableEntry[] = vidurProfileSamples().filter((s) => s.device === alias).map((s) => ({ kernel: s.kernel, precision: s.precision, timeNs: s.measuredNs }));
  for (const t of tables) for (const e of readKernelTable(t)) if (e.device === device.name) out.push(e);
  return out;
}

export const DEFAULT_COMPUTE_MODEL: ComputeModelName = 'kernel';

export interface ComputeModelSpec {
  name?: ComputeModelName | string;
  device: DevicePreset | string;
  /** Precision of ops that name none (default bf16). */
  precision?: Precision;
  /** Roofline efficiencies (default: the preset's). */
  computeEfficiency?: number;
  memoryEfficiency?: number;
  /** Extra measured tables for `table` (Orrery CSV files). */
  tables?: string[];
}

export function computeModelNames(): readonly ComputeModelName[] {
  return COMPUTE_MODELS;
}

export function createComputeModel(spec: ComputeModelSpec): ComputeModel {
  const name = spec.name ?? DEFAULT_COMPUTE_MODEL;
  const device = typeof spec.device === 'string' ? getDevice(spec.device) : spec.device;
  const settings = {
    device,
    precision: spec.precision ?? 'bf16',
    computeEfficiency: spec.computeEfficiency ?? device.computeEfficiency,
    memoryEfficiency: spec.memoryEfficiency ?? device.memoryEfficiency,
  } as const;
  switch (name) {
    case 'roofline': return new RooflineModel(settings);
    case 'kernel': return new KernelModel(settings);
    case 'table': return new TableModel(device, tableEntries(device, spec.tables ?? []), new KernelModel(settings));
    default: throw new InputError(`unknown compute model "${name}"; expected one of: ${COMPUTE_MODELS.join(', ')}`);
  }
}
