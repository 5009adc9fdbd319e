/**
 * Workloads as traces: the importers (Chakra ET, ASTRA-sim 1.0 / SimAI text), the transformer generator and the
 * Chakra exporter, behind one small API. Each returns (or takes) an orrery-trace `Trace`; `trace.meta.warnings`
 * lists what the importer had to approximate or drop, for the CLI to print.
 *
 * `topology` (shorthand, file or named topology, as `--topology`) gives the NPUs per dimension where a format needs
 * them (involved_dim masks, ASTRA-sim's per-dimension policies, TP placement); `dims` gives them directly.
 */
import { checkWork } from '../units/index.ts';
import { estimateWorkloadOps } from './work-estimate.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  astraTextToTrace, InputError, readInputFile, parseWorkloadSpec, readChakraTrace, readWorkloadSpec, writeChakraTrace,
  type AstraTextOptions, type ChakraExportOptions, type ChakraImportOptions,
} from '../io/index.ts';
import { generateTrace, WorkloadError } from '../workload/generators/transformer.ts';
import { trainingMemory, type MemoryOptions, type MemoryReport } from '../workload/memory.ts';
import type { KernelDetail, WorkloadSpec } from '../workload/generators/spec.ts';
import type { Trace } from '../workload/trace.ts';
import { PACKAGE_ROOT } from './package-root.ts';
import { resolveTopology } from './topology.ts';

/** The repository's `workloads/` folder. */
export const WORKLOADS_DIR = join(PACKAGE_ROOT, 'workloads');

/** Names of the workload descriptions shipped in `workloads/`. */
export function namedWorkloads(): string[] {
  if (!existsSync(WORKLOADS_DIR)) return [];
  return readdirSync(WORKLOADS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

interface TopologyArg {
  /** A topology argument (shorthand, file or name) whose dimensions the importer needs. */
  topology?: string;
  /** NPUs per dimension (dim 0 fastest), instead of `topology`. */
  dims?: number[];
}

function dimsOf(opts: TopologyArg): number[] | undefined {
  if (opts.dims !== undefined) return opts.dims;
  if (opts.topology === undefined) return undefined;
  return resolveTopology({ topology: opts.topology }).topology.dims.map((d) => d.npus);
}

export type LoadChakraOptions = Omit<ChakraImportOptions, 'dims'> & TopologyArg;

/**
 * Chakra execution trace: `<prefix>.<rank>.et` files (gzip or not). CLI: `--chakra PREFIX` with
 * `--ctrl-deps parent|astra`, `--comm-groups FILE.json`, `--chakra-compute duration|roofline`,
 * `--chakra-streams resource|tid`, `--ranks N`.
 */
export function loadChakra(prefix: string, opts: LoadChakraOptions = {}): Trace {
  const { topology: _t, dims: _d, ...rest } = opts;
  const dims = dimsOf(opts);
  return readChakraTrace(prefix, { ...rest, ...(dims ? { dims } : {}) });
}

export type LoadAstraOptions = Omit<AstraTextOptions, 'dims'> & TopologyArg;

/**
 * ASTRA-sim 1.0 text workload (or SimAI's dialect). CLI: `--astra-workload FILE.txt` with `--passes N`,
 * `--chakra-compat`, `--compute-scale X`, `--comm-scale X`, `--astra-dialect auto|astra|simai`; the world size
 * and dimensions come from `--topology` (or `--ranks N`).
 */
export function loadAstraWorkload(file: string, opts: LoadAstraOptions = {}): Trace {
  if (!existsSync(file)) throw new InputError(`--astra-workload: ${file} does not exist`);
  const { topology: _t, dims: _d, ...rest } = opts;
  const dims = dimsOf(opts);
  return astraTextToTrace(readInputFile(file, 'ASTRA-sim workload', 'utf8'), file, { ...rest, ...(dims ? { dims } : {}) });
}

export interface GenerateWorkloadOptions extends TopologyArg {
  /** `train` or `infer` (default: train when the description has a training section). */
  mode?: 'train' | 'infer';
  /** Field overrides by dotted path, e.g. `{"training.parallel.tp": 4}` (CLI: `--set key=value`). */
  set?: Record<string, unknown>;
  /** Refuse a description estimated at more ops than this (`--max-events`; default: no limit). */
  maxOps?: number;
  /**
   * Kernel detail of a training step whose description names none (`training.kernels`): `megatron` (Megatron-LM's
   * kernel list) or `coarse` (default; a run picks by its compute model, see {@link kernelDetailFor}).
   */
  kernels?: KernelDetail;
  /**
   * Make each program's ops when it is read, not now (workload/trace.ts lazyProgram): a replay then never holds every
   * op object at once (a 1T-parameter step's 2.8 M of them took 590 MB). Training steps only. Default false: the
   * trace is plain data; `loadWorkload`, which feeds a replay, sets it.
   */
  lazy?: boolean;
}

/**
 * The kernel detail a run generates when the description names none: Megatron-LM's kernel list for the shape-aware
 * compute models (kernel, table), which is what the training validation suite checks; the coarse ops for roofline,
 * whose numbers then stay those of earlier releases.
 */
export function kernelDetailFor(computeModel: string | undefined): KernelDetail {
  return computeModel === 'roofline' ? 'coarse' : 'megatron';
}

/** Resolves a workload argument: a path to a JSON file, or the name of one in `workloads/`. */
export function workloadPath(arg: string): string {
  if (existsSync(arg)) return arg;
  const p = join(WORKLOADS_DIR, `${arg}.json`);
  if (existsSync(p)) return p;
  const names = namedWorkloads();
  throw new InputError(`--workload: "${arg}" is neither a file nor a named workload${names.length ? `; named workloads: ${names.join(', ')}` : ''}`);
}

/** Reads and validates a workload description (file, name, or an already parsed object). */
export function loadWorkloadSpec(fileOrSpec: string | object, set: Record<string, unknown> = {}): WorkloadSpec {
  return typeof fileOrSpec === 'string' ? readWorkloadSpec(workloadPath(fileOrSpec), set) : parseWorkloadSpec(fileOrSpec, 'workload', set);
}

/**
 * A training or inference step from a workload description. CLI: `--workload FILE.json|NAME` with
 * `--mode train|infer` and `--set key=value` (repeatable); `--topology` checks the rank count and TP placement.
 */
export function generateWorkload(fileOrSpec: string | object, opts: GenerateWorkloadOptions = {}): Trace {
  const spec = withKernels(loadWorkloadSpec(fileOrSpec, opts.set), opts.kernels);
  if (opts.maxOps !== undefined) {
    const mode = opts.mode ?? (spec.training ? 'train' : 'infer');
    checkWork(estimateWorkloadOps(spec, mode), opts.maxOps, `the workload ${spec.name} (${mode})`, 'ops', '--max-events', 0.1);
  }
  const dims = dimsOf(opts);
  try {
    return generateTrace(spec, { ...(opts.mode ? { mode: opts.mode } : {}), ...(dims ? { dims } : {}), ...(opts.lazy ? { lazy: true } : {}) });
  } catch (e) {
    if (e instanceof WorkloadError) throw new InputError(e.message);
    throw e;
  }
}

/**
 * The description with `training.kernels` set: its own, else `kernels`, else coarse. A mixture-of-experts model
 * takes the coarse ops by default, since Megatron's kernel list does not cover expert layers yet (asking for it
 * explicitly warns).
 */
function withKernels(spec: WorkloadSpec, kernels: KernelDetail | undefined): WorkloadSpec {
  if (!spec.training || spec.training.kernels !== undefined) return spec;
  return { ...spec, training: { ...spec.training, kernels: spec.model.moe ? 'coarse' : (kernels ?? 'coarse') } };
}

/**
 * Memory per GPU of the training step a workload description generates (workload/memory.ts), or undefined when
 * the options select inference (not modelled). Same arguments as {@link generateWorkload}.
 */
export function workloadMemory(fileOrSpec: string | object, opts: GenerateWorkloadOptions & MemoryOptions = {}): MemoryReport | undefined {
  const spec = withKernels(loadWorkloadSpec(fileOrSpec, opts.set), opts.kernels);
  const mode = opts.mode ?? (spec.training ? 'train' : 'infer');
  if (mode !== 'train' || !spec.training) return undefined;
  try {
    return trainingMemory(spec, opts.attention ? { attention: opts.attention } : {});
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

export type ExportChakraOptions = Omit<ChakraExportOptions, 'dims'> & TopologyArg;

/**
 * Writes a trace as Chakra ET for ASTRA-sim 2.x: `<prefix>.<rank>.et` and, when some collective runs on a group
 * that is not the world (nor a topology sub-grid), `<prefix>.comm_groups.json` for ASTRA-sim's
 * `--comm-group-configuration`. CLI: `orrery convert IN OUT.et-prefix` (with `--topology` to emit involved_dim).
 */
export function exportChakra(trace: Trace, prefix: string, opts: ExportChakraOptions = {}): { files: string[]; commGroupFile?: string; warnings: string[] } {
  const { topology: _t, dims: _d, ...rest } = opts;
  const dims = dimsOf(opts);
  return writeChakraTrace(trace, prefix, { ...rest, ...(dims ? { dims } : {}) });
}
