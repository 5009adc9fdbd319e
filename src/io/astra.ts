/**
 * ASTRA-sim inputs, read into plain data (reference/FORMATS.md §1.4, §1.5, §2): the 2.0 analytical network YAML and
 * system JSON, the 1.0 `key: value` system text and 1.0 analytical network JSON, the remote-memory JSON, and the
 * `sys[i] finished, T cycles` lines of its stdout. Nothing here simulates; `api/astra.ts` maps the data onto
 * Orrery's topology and system knobs and cross-checks the files against each other.
 *
 * Units at this boundary: ASTRA-sim's network "GB/s" is 2^30 B/s, converted here to Orrery's GB/s (10^9 B/s, i.e.
 * bytes per ns) with the same double arithmetic as its `bw_GBps_to_Bpns` (bw · 2^30 / 10^9). Its system
 * `local-mem-bw` "GB/s" is 10^9 B/s already (its code multiplies by 1e9), so it passes through unchanged.
 *
 * Errors are InputErrors naming the file and key; keys ASTRA-sim does not read are warnings (returned, not thrown).
 */
import { readInputFile } from './input.ts';
import { didYouMean } from './keys.ts';
import { parse as parseYaml } from 'yaml';
import type { Dimension, DimensionKind } from '../network/topology.ts';
import { astraGBpsToGBps, RANGES, rangeProblem, type NumericRange } from '../units/index.ts';
import { InputError, kindOf } from './errors.ts';

/** An ASTRA-sim network file as Orrery dimensions. */
export interface AstraNetworkData {
  path: string;
  format: 'astra-v2-yaml' | 'astra-v1-json';
  /** Bandwidth already in Orrery GB/s (10^9 B/s). */
  dims: Dimension[];
  /** The file's bandwidths as written (ASTRA-sim GB/s, 2^30 B/s), per dimension. */
  astraBandwidthGBps: number[];
  npus: number;
  warnings: string[];
  /** Keys the file has that ASTRA-sim does not read (each also in `warnings`): errors unless lenient. */
  unknown?: string[];
}

/** The collective types ASTRA-sim's system file configures. */
export type AstraCollectiveType = 'allreduce' | 'reducescatter' | 'allgather' | 'alltoall';
export const ASTRA_COLLECTIVE_TYPES: readonly AstraCollectiveType[] = ['allreduce', 'reducescatter', 'allgather', 'alltoall'];

/** An ASTRA-sim system file. Absent keys are absent here; `api/astra.ts` applies ASTRA-sim's defaults. */
export interface AstraSystemData {
  path: string;
  format: 'astra-v2-json' | 'astra-v1-text';
  schedulingPolicy?: 'LIFO' | 'FIFO' | 'EXPLICIT';
  collectiveOptimization?: 'baseline' | 'localBWAware';
  /** ns (ASTRA-sim's cycles are ns). */
  endpointDelayNs?: number;
  activeChunksPerDimension?: number;
  preferredDatasetSplits?: number;
  /** GB/s with 1 GB = 10^9 B (as ASTRA-sim reads it). */
  localMemBwGBps?: number;
  /** Only used by ASTRA-sim's shared-bus model. */
  localReductionDelay?: number;
  /** LogGP parameters, only used by the shared-bus model. */
  logGP: { L?: number; o?: number; g?: number; G?: number };
  modelSharedBus?: boolean;
  peakPerfTFLOPS?: number;
  rooflineEnabled?: boolean;
  traceEnabled?: boolean;
  replayOnly?: boolean;
  trackLocalMem?: boolean;
  localMemTraceFilename?: string;
  boostMode?: boolean;
  /** Per collective type, the implementation per dimension as written (`ring`, `direct4`, `oneRing`, …). */
  implementations: Partial<Record<AstraCollectiveType, string[]>>;
  /** Per collective type, the Chakra ET prefix of a custom collective. */
  custom: Partial<Record<AstraCollectiveType, string>>;
  warnings: string[];
  /** Keys ASTRA-sim does not read (each also in `warnings`): errors unless lenient. */
  unknown?: string[];
}

/** One `sys[i] finished, T cycles, exposed communication E cycles.` line of ASTRA-sim's output. */
export interface AstraFinish {
  rank: number;
  finishedNs: number;
  exposedCommNs: number;
}

export interface AstraRemoteMemoryData {
  path: string;
  memoryType: string;
  warnings: string[];
}

/** Implementation names ASTRA-sim 2.0 accepts (`Sys::generate_collective_impl_from_input`). */
export const ASTRA_IMPLEMENTATION = /^(ring|oneRing|doubleBinaryTree|halvingDoubling|oneHalvingDoubling|direct\d*|oneDirect\d*)$/;
const IMPLEMENTATION_NAMES = 'ring, oneRing, direct, directN (window N), oneDirect[N], halvingDoubling, oneHalvingDoubling, doubleBinaryTree';

const YAML_KINDS: Record<string, DimensionKind> = { Ring: 'ring', FullyConnected: 'fullyConnected', Switch: 'switch' };

function readText(path: string, what: string): string {
  return readInputFile(path, what, 'utf8');
}

function parseJson(text: string, path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`${path}: expected a JSON object, got ${kindOf(doc)}`);
  return doc as Record<string, unknown>;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : kindOf(v);
}

// ---------------------------------------------------------------------------------------------- network, 2.0 YAML

/**
 * Reads an ASTRA-sim 2.0 analytical network YAML (astra-network-analytical `NetworkParser`): `topology`,
 * `npus_count`, `bandwidth` (GB/s, 1 GB = 2^30 B, per link and direction), `latency` (ns per link), one list entry
 * per dimension, all four required and of equal length; each dimension has more than one NPU.
 */
export function readAstraNetworkYaml(path: string): AstraNetworkData {
  const text = readText(path, 'ASTRA-sim network file');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InputError(`${path}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InputError(`${path}: expected a YAML mapping with topology, npus_count, bandwidth and latency, got ${kindOf(doc)}`);
  }
  const o = doc as Record<string, unknown>;
  const keys = ['topology', 'npus_count', 'bandwidth', 'latency'];
  const unknown = Object.keys(o).filter((k) => !keys.includes(k))
    .map((k) => `${path}: unknown key "${k}"${didYouMean(k, keys)} (ASTRA-sim's network file has ${keys.join(', ')})`);
  const warnings = [...unknown];
  const list = (k: string): unknown[] => {
    const v = o[k];
    if (v === undefined) throw new InputError(`${path}: "${k}" is missing; an ASTRA-sim network file needs ${keys.join(', ')} (one list entry per dimension)`);
    if (!Array.isArray(v) || v.length === 0) throw new InputError(`${path}: "${k}" must be a non-empty list, one entry per dimension (e.g. [ 8 ]), got ${describe(v)}`);
    return v;
  };
  const topo = list('topology'), npus = list('npus_count'), bw = list('bandwidth'), lat = list('latency');
  const D = topo.length;
  for (const [k, v] of [['npus_count', npus], ['bandwidth', bw], ['latency', lat]] as const) {
    if (v.length !== D) throw new InputError(`${path}: "${k}" has ${v.length} entries but "topology" has ${D}; give one per dimension`);
  }
  const dims: Dimension[] = [];
  let total = 1;
  for (let d = 0; d < D; d++) {
    const kind = typeof topo[d] === 'string' ? YAML_KINDS[topo[d] as string] : undefined;
    if (!kind) throw new InputError(`${path}: topology[${d}] is ${describe(topo[d])}; expected one of: Ring, FullyConnected, Switch`);
    const n = npus[d];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 2) {
      throw new InputError(`${path}: npus_count[${d}] is ${describe(n)}; expected an integer of at least 2 (ASTRA-sim rejects smaller dimensions)`);
    }
    const b = bw[d];
    if (typeof b !== 'number' || !(b > 0) || !Number.isFinite(b)) {
      throw new InputError(`${path}: bandwidth[${d}] is ${describe(b)}; expected a positive number of GB/s (ASTRA-sim's GB = 2^30 B)`);
    }
    astraRange(b, RANGES.bandwidthGBps, `${path}: bandwidth[${d}]`);
    const l = lat[d];
    if (typeof l !== 'number' || !(l >= 0) || !Number.isFinite(l)) {
      throw new InputError(`${path}: latency[${d}] is ${describe(l)}; expected a non-negative number of ns`);
    }
    astraRange(l, RANGES.latencyNs, `${path}: latency[${d}]`);
    dims.push({ kind, npus: n, bandwidthGBps: astraGBpsToGBps(b), latencyNs: l });
    total *= n;
  }
  return { path, format: 'astra-v2-yaml', dims, astraBandwidthGBps: bw as number[], npus: total, warnings, unknown };
}

// ---------------------------------------------------------------------------------------------- network, 1.0 JSON

const V1_NETWORK_IGNORED = ['topology-name', 'dimension-type', 'links-count', 'nic-latency', 'router-latency', 'hbm-latency', 'hbm-bandwidth', 'hbm-scale'];
const V1_NETWORK_USED = ['dimensions-count', 'topologies-per-dim', 'units-count', 'link-latency', 'link-bandwidth'];

/**
 * Reads an ASTRA-sim 1.0 analytical network JSON (FORMATS.md §1.5) as the 2.0 network it is closest to: per
 * dimension `topologies-per-dim` (Ring, FullyConnected (or AllToAll), Switch), `units-count`, `link-latency` (ns)
 * and `link-bandwidth` (GB/s, read as 2.0 does: 2^30 B/s, one link per neighbour and direction). The 1.0 backend's
 * other terms (links per NPU, NIC/router/HBM latencies, dimension types) have no 2.0 meaning: they are ignored, and
 * the warnings say so whenever they would have mattered (more than one link, a non-zero latency).
 */
export function readAstraNetworkV1(path: string): AstraNetworkData {
  const o = parseJson(readText(path, 'ASTRA-sim 1.0 network file'), path);
  const warnings: string[] = [];
  const unknown: string[] = [];
  for (const k of Object.keys(o)) {
    if (!V1_NETWORK_USED.includes(k) && !V1_NETWORK_IGNORED.includes(k)) {
      unknown.push(`${path}: unknown key "${k}"${didYouMean(k, [...V1_NETWORK_USED, ...V1_NETWORK_IGNORED])}`);
      warnings.push(unknown[unknown.length - 1]!);
    }
  }
  const list = (k: string): unknown[] => {
    const v = o[k];
    if (!Array.isArray(v) || v.length === 0) throw new InputError(`${path}: "${k}" must be a non-empty list, one entry per dimension, got ${describe(v)}`);
    return v;
  };
  const topo = list('topologies-per-dim'), units = list('units-count'), lat = list('link-latency'), bw = list('link-bandwidth');
  const D = topo.length;
  const count = o['dimensions-count'];
  if (count !== undefined && count !== D) {
    throw new InputError(`${path}: "dimensions-count" is ${describe(count)} but "topologies-per-dim" has ${D} entries`);
  }
  for (const [k, v] of [['units-count', units], ['link-latency', lat], ['link-bandwidth', bw]] as const) {
    if (v.length !== D) throw new InputError(`${path}: "${k}" has ${v.length} entries but "topologies-per-dim" has ${D}`);
  }
  const kinds: Record<string, DimensionKind> = { ...YAML_KINDS, AllToAll: 'fullyConnected' };
  const dims: Dimension[] = [];
  let total = 1;
  for (let d = 0; d < D; d++) {
    const kind = typeof topo[d] === 'string' ? kinds[topo[d] as string] : undefined;
    if (!kind) throw new InputError(`${path}: topologies-per-dim[${d}] is ${describe(topo[d])}; expected one of: Ring, FullyConnected, Switch`);
    const n = units[d], b = bw[d], l = lat[d];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InputError(`${path}: units-count[${d}] is ${describe(n)}; expected a positive integer`);
    if (typeof b !== 'number' || !(b > 0)) throw new InputError(`${path}: link-bandwidth[${d}] is ${describe(b)}; expected a positive number of GB/s`);
    if (typeof l !== 'number' || !(l >= 0)) throw new InputError(`${path}: link-latency[${d}] is ${describe(l)}; expected a non-negative number of ns`);
    astraRange(b, RANGES.bandwidthGBps, `${path}: link-bandwidth[${d}]`);
    astraRange(l, RANGES.latencyNs, `${path}: link-latency[${d}]`);
    dims.push({ kind, npus: n, bandwidthGBps: astraGBpsToGBps(b), latencyNs: l });
    total *= n;
  }
  // terms of the 1.0 cost model that 2.0 lacks: say so where they would have changed something
  const differs: string[] = [];
  const links = o['links-count'];
  const links20 = (d: Dimension) => (d.kind === 'ring' ? 2 : d.kind === 'fullyConnected' ? d.npus - 1 : 1);
  if (Array.isArray(links) && links.some((x, d) => x !== links20(dims[d]!))) differs.push('links-count (2.0: ring 2, fully connected n−1, switch 1)');
  for (const k of ['nic-latency', 'router-latency']) {
    const v = o[k];
    if (Array.isArray(v) && v.some((x) => x !== 0)) differs.push(k);
  }
  if (differs.length > 0) {
    warnings.push(`${path}: ASTRA-sim 1.0 network terms with no 2.0 meaning are ignored: ${differs.join(', ')}`);
  }
  return { path, format: 'astra-v1-json', dims, astraBandwidthGBps: bw as number[], npus: total, warnings, unknown };
}

/** Reads a network file by its form: `.yml`/`.yaml` (2.0), `.json` (1.0). */
export function readAstraNetwork(path: string): AstraNetworkData {
  if (/\.ya?ml$/i.test(path)) return readAstraNetworkYaml(path);
  if (/\.json$/i.test(path)) return readAstraNetworkV1(path);
  throw new InputError(`${path}: not an ASTRA-sim network file; expected a 2.0 analytical network .yml or a 1.0 analytical network .json`);
}

// ---------------------------------------------------------------------------------------------- system, 2.0 JSON

const IMPL_KEYS: Record<string, AstraCollectiveType> = {
  'all-reduce-implementation': 'allreduce',
  'reduce-scatter-implementation': 'reducescatter',
  'all-gather-implementation': 'allgather',
  'all-to-all-implementation': 'alltoall',
};

type Setter = (data: AstraSystemData, v: unknown, at: string, warnings: string[]) => void;

/** The documented range of a value (units/ranges.ts); ASTRA-sim's GB/s (2^30 B) are within 7% of Orrery's. */
function astraRange(v: unknown, range: NumericRange, at: string): number {
  const p = rangeProblem(v, range);
  if (p !== undefined) throw new InputError(`${at} ${p}`);
  return v as number;
}

function int(min: number, unit: string): (v: unknown, at: string) => number {
  return (v, at) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new InputError(`${at}: expected an integer ≥ ${min}${unit}, got ${describe(v)}`);
    return v;
  };
}
function num(positive: boolean, unit: string): (v: unknown, at: string) => number {
  return (v, at) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive ? !(v > 0) : v < 0)) {
      throw new InputError(`${at}: expected a ${positive ? 'positive' : 'non-negative'} number${unit}, got ${describe(v)}`);
    }
    return v;
  };
}
function flag(v: unknown, at: string): boolean {
  if (v === 0 || v === 1 || v === true || v === false) return v === 1 || v === true;
  throw new InputError(`${at}: expected 0 or 1, got ${describe(v)}`);
}
function choice<T extends string>(choices: readonly T[]): (v: unknown, at: string) => T {
  return (v, at) => {
    if (typeof v !== 'string' || !choices.includes(v as T)) throw new InputError(`${at}: expected one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${describe(v)}`);
    return v as T;
  };
}

/** Every key of FORMATS.md §2.2, with how to read it. */
const SYSTEM_KEYS: Record<string, Setter> = {
  'scheduling-policy': (d, v, at) => { d.schedulingPolicy = choice(['LIFO', 'FIFO', 'EXPLICIT'] as const)(v, at); },
  'collective-optimization': (d, v, at) => { d.collectiveOptimization = choice(['baseline', 'localBWAware'] as const)(v, at); },
  'endpoint-delay': (d, v, at, w) => {
    d.endpointDelayNs = astraRange(int(0, ' ns')(v, at), RANGES.delayNs, at);
    if (d.endpointDelayNs === 0) {
      w.push(`${at}: 0 is simulated as given; ASTRA-sim itself aborts on it (its event queue asserts that the first event lies strictly after time 0)`);
    }
  },
  'active-chunks-per-dimension': (d, v, at) => { d.activeChunksPerDimension = int(1, '')(v, at); },
  'preferred-dataset-splits': (d, v, at) => { d.preferredDatasetSplits = int(1, '')(v, at); },
  'local-reduction-delay': (d, v, at) => { d.localReductionDelay = num(false, '')(v, at); },
  L: (d, v, at) => { d.logGP.L = num(false, '')(v, at); },
  o: (d, v, at) => { d.logGP.o = num(false, '')(v, at); },
  g: (d, v, at) => { d.logGP.g = num(false, '')(v, at); },
  G: (d, v, at) => { d.logGP.G = num(false, '')(v, at); },
  'model-shared-bus': (d, v, at) => {
    d.modelSharedBus = flag(v, at);
    if (d.modelSharedBus) {
      throw new InputError(
        `${at}: 1 (ASTRA-sim's LogGP shared-bus model of NPU-memory transfers) is not modelled by Orrery; set it to 0 ` +
          '(each received message then costs endpoint-delay, plus 3·m/local-mem-bw when reduced)',
      );
    }
  },
  'peak-perf': (d, v, at) => { d.peakPerfTFLOPS = num(true, ' TFLOPS')(v, at); },
  'local-mem-bw': (d, v, at) => { d.localMemBwGBps = astraRange(num(true, ' GB/s')(v, at), RANGES.bandwidthGBps, at); },
  'roofline-enabled': (d, v, at) => { d.rooflineEnabled = flag(v, at); },
  'trace-enabled': (d, v, at) => { d.traceEnabled = flag(v, at); },
  'replay-only': (d, v, at) => { d.replayOnly = flag(v, at); },
  'track-local-mem': (d, v, at) => { d.trackLocalMem = flag(v, at); },
  'local-mem-trace-filename': (d, v, at) => {
    if (typeof v !== 'string') throw new InputError(`${at}: expected a string, got ${describe(v)}`);
    d.localMemTraceFilename = v;
  },
  'boost-mode': (d, v, at) => { d.boostMode = flag(v, at); },
};
for (const [key, type] of Object.entries(IMPL_KEYS)) {
  SYSTEM_KEYS[key] = (d, v, at) => {
    if (!Array.isArray(v) || v.length === 0) throw new InputError(`${at}: expected a list with one implementation per dimension (e.g. ["ring"]), got ${describe(v)}`);
    d.implementations[type] = v.map((x, i) => implementation(x, `${at}[${i}]`));
  };
  SYSTEM_KEYS[`${key}-custom`] = (d, v, at) => {
    if (!Array.isArray(v) || v.length !== 1 || typeof v[0] !== 'string') {
      throw new InputError(`${at}: expected a list of exactly one Chakra ET prefix (e.g. ["path/custom_allreduce"]), got ${describe(v)}`);
    }
    d.custom[type] = v[0];
  };
}

function implementation(v: unknown, at: string): string {
  if (typeof v !== 'string' || !ASTRA_IMPLEMENTATION.test(v)) throw new InputError(`${at}: ${describe(v)} is not an implementation; expected one of: ${IMPLEMENTATION_NAMES}`);
  return v;
}

function emptySystem(path: string, format: AstraSystemData['format']): AstraSystemData {
  return { path, format, logGP: {}, implementations: {}, custom: {}, warnings: [] };
}

/** Reads an ASTRA-sim 2.0 system JSON (`Sys::initialize_sys`; every key of FORMATS.md §2.2). */
export function readAstraSystemJson(path: string): AstraSystemData {
  const o = parseJson(readText(path, 'ASTRA-sim system file'), path);
  const data = emptySystem(path, 'astra-v2-json');
  for (const [k, v] of Object.entries(o)) {
    const set = SYSTEM_KEYS[k];
    if (set) set(data, v, `${path}: "${k}"`, data.warnings);
    else {
      const msg = `${path}: unknown key "${k}"${didYouMean(k, Object.keys(SYSTEM_KEYS))} (ASTRA-sim 2.0 does not read it)`;
      data.warnings.push(msg);
      (data.unknown ??= []).push(msg);
    }
  }
  return data;
}

// ---------------------------------------------------------------------------------------------- system, 1.0 text

/** Keys of the 1.0 text system file (branch ASTRA-sim-1.0, `Sys::initialize_sys`/`post_process_inputs`) with no 2.0 meaning here. */
const V1_SYSTEM_IGNORED = ['intra-dimension-scheduling', 'inter-dimension-scheduling', 'seprate-log', 'injection-policy'];

/**
 * Reads an ASTRA-sim 1.0 system text file: whitespace-separated `key: value` pairs (FORMATS.md §1.4), with
 * per-dimension implementations joined by `_` (`ring_ring_ring`). Keys map to their 2.0 equivalents; 1.0 files
 * have no `local-mem-bw` (1.0's analytical runs charged a flat 3 × 10 ns per reduction instead).
 */
export function readAstraSystemV1(path: string): AstraSystemData {
  const text = readText(path, 'ASTRA-sim 1.0 system file');
  const data = emptySystem(path, 'astra-v1-text');
  const tokens = text.split(/\s+/).filter((t) => t.length > 0);
  for (let i = 0; i < tokens.length; i += 2) {
    const keyTok = tokens[i]!;
    if (!keyTok.endsWith(':')) throw new InputError(`${path}: "${keyTok}" is not a key; expected "key: value" pairs (e.g. "endpoint-delay: 10")`);
    const key = keyTok.slice(0, -1);
    const raw = tokens[i + 1];
    const at = `${path}: "${key}"`;
    if (raw === undefined) throw new InputError(`${at}: has no value`);
    const impl = Object.keys(IMPL_KEYS).includes(key);
    const value: unknown = impl ? raw.split('_') : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    const set = SYSTEM_KEYS[key];
    if (set) set(data, value, at, data.warnings);
    else if (V1_SYSTEM_IGNORED.includes(key)) data.warnings.push(`${at}: ASTRA-sim 1.0 setting with no 2.0 equivalent, ignored`);
    else {
      const msg = `${path}: unknown key "${key}"${didYouMean(key, [...Object.keys(SYSTEM_KEYS), ...V1_SYSTEM_IGNORED])}`;
      data.warnings.push(msg);
      (data.unknown ??= []).push(msg);
    }
  }
  return data;
}

/** Reads a system file by its form: `.json` (2.0), anything else as 1.0 text. */
export function readAstraSystem(path: string): AstraSystemData {
  return /\.json$/i.test(path) ? readAstraSystemJson(path) : readAstraSystemV1(path);
}

// ---------------------------------------------------------------------------------------------- other files

/** Reads a remote-memory JSON (`{"memory-type": "NO_MEMORY_EXPANSION"}`, the only type without memory traffic). */
export function readAstraRemoteMemory(path: string): AstraRemoteMemoryData {
  const o = parseJson(readText(path, 'ASTRA-sim remote memory file'), path);
  const t = o['memory-type'];
  if (typeof t !== 'string') throw new InputError(`${path}: "memory-type" must be a string (e.g. "NO_MEMORY_EXPANSION"), got ${describe(t)}`);
  const warnings = Object.keys(o).filter((k) => k !== 'memory-type').map((k) => `${path}: key "${k}" ignored`);
  if (t !== 'NO_MEMORY_EXPANSION') warnings.push(`${path}: memory type "${t}" is not modelled (collectives do not use remote memory)`);
  return { path, memoryType: t, warnings };
}

/** Parses the `sys[i] finished, T cycles, exposed communication E cycles.` lines of ASTRA-sim's stdout (1 cycle = 1 ns). */
export function parseAstraStdout(text: string): AstraFinish[] {
  const out: AstraFinish[] = [];
  for (const m of text.matchAll(/sys\[(\d+)\] finished, (\d+) cycles, exposed communication (\d+) cycles/g)) {
    out.push({ rank: Number(m[1]), finishedNs: Number(m[2]), exposedCommNs: Number(m[3]) });
  }
  return out;
}

export function readAstraStdout(path: string): AstraFinish[] {
  const out = parseAstraStdout(readText(path, 'ASTRA-sim output'));
  if (out.length === 0) throw new InputError(`${path}: no "sys[i] finished, T cycles" lines found`);
  return out;
}
