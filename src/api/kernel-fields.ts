/** Kernel descriptors from named fields: `orrery kernel`'s flags, its batch CSV and measured-table CSVs. */
import { KERNEL_TYPES, type KernelDesc } from '../compute/index.ts';
import { InputError } from '../io/index.ts';

const NUM_FIELDS = ['m', 'n', 'k', 'batch', 'elements', 'heads', 'kvHeads', 'seqQ', 'seqKv', 'headDim'] as const;
const BOOL_FIELDS = ['flash', 'causal', 'backward'] as const;
export const CSV_COLUMNS = ['kind', 'device', 'precision', 'compute', ...NUM_FIELDS, ...BOOL_FIELDS];

/** Builds a kernel descriptor from named string fields (CLI flags or CSV cells); blank/absent fields are left out. */
export function kernelFromFields(kind: string, f: Record<string, string | number | boolean | undefined>, where: string): KernelDesc {
  if (!(KERNEL_TYPES as readonly string[]).includes(kind)) {
    throw new InputError(`${where}: kind "${kind}" is not a kernel kind; expected one of: ${KERNEL_TYPES.join(', ')}`);
  }
  const k: Record<string, unknown> = { type: kind };
  for (const n of NUM_FIELDS) {
    const v = f[n];
    if (v === undefined || v === '') continue;
    const x = Number(v);
    if (!Number.isSafeInteger(x) || x < 1) throw new InputError(`${where}: field "${n}": expected a positive integer, got ${JSON.stringify(v)}`);
    k[n] = x;
  }
  for (const n of BOOL_FIELDS) {
    const v = f[n];
    if (v === undefined || v === '') continue;
    if (v === true || v === 'true' || v === '1') k[n] = true;
    else if (v === false || v === 'false' || v === '0') k[n] = false;
    else throw new InputError(`${where}: field "${n}": expected true or false, got ${JSON.stringify(v)}`);
  }
  // fields that do not belong to the kind are refused by checkKernel with the list of those that do
  return k as unknown as KernelDesc;
}

