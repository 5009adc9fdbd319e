/**
 * Building a compute model for a run, `orrery kernel` and the validation suites: `roofline`, `kernel` (the
 * default) or `table` (measured times; reads the shipped profiles, so it lives here rather than in compute/).
 */
import {
  COMPUTE_MODELS, ComputeError, getDevice, KernelModel, RooflineModel, type ComputeModel, type ComputeModelName, type DevicePreset,
  type Precision,
} from '../compute/index.ts';
import { InputError } from '../io/index.ts';

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
    case 'table': throw new ComputeError('--compute table: not built yet');
    default: throw new InputError(`unknown compute model "${name}"; expected one of: ${COMPUTE_MODELS.join(', ')}`);
  }
}
