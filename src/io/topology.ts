/**
 * Topology inputs: the CLI shorthand (`ring:8`, `switch:64`, `fc:8`, `torus:4x4x4`, `ring:8,switch:16`) and
 * Orrery's topology JSON files (`topologies/*.json`). Both produce plain dimension data; `network/` validates it.
 *
 * Topology file (version 1):
 *
 *     { "format": "orrery-topology", "version": 1, "name": "torus-4x4x4", "description": "…",
 *       "dimensions": [ { "kind": "ring", "npus": 4, "bandwidthGBps": 50, "latencyNs": 500 }, … ] }
 *
 * `kind` is `ring`, `fullyConnected` or `switch`; dimension 0 varies fastest in NPU ids; bandwidth is per link per
 * direction with 1 GB = 10^9 B; latency is per hop.
 *
 * An optional `"physical": { "family": "torus" | "fatTree" | "railOptimized" | "logical", … }` section names the
 * physical network the `flow` model runs on (fields in network/physical/spec.ts); the dimensions stay, since
 * collectives plan per logical dimension.
 */
import { readInputFile } from './input.ts';
import type { Dimension, DimensionKind } from '../network/topology.ts';
import { InputError, kindOf } from './errors.ts';
import { didYouMean } from './keys.ts';

/** Bandwidth and latency used when the shorthand gives none (ASTRA-sim's example values). */
export const DEFAULT_BANDWIDTH_GBPS = 50;
export const DEFAULT_LATENCY_NS = 500;

export interface TopologyData {
  name: string;
  description?: string;
  dims: Dimension[];
  /** Extra sections (e.g. a physical graph) kept for models that read them. */
  extra?: Record<string, unknown>;
  /** The optional `physical` section, unchecked here: network/physical/spec.ts checks it against the dimensions. */
  physical?: unknown;
  /** GPU-cluster facts for the NCCL-like model (a cluster preset's, or a topology file's `cluster` section), unchecked. */
  cluster?: unknown;
}

const KIND_ALIASES: Record<string, DimensionKind | 'torus'> = {
  ring: 'ring',
  switch: 'switch',
  sw: 'switch',
  fc: 'fullyConnected',
  fullyconnected: 'fullyConnected',
  torus: 'torus',
};

/** True if `arg` looks like shorthand rather than a file path. */
export function isTopologyShorthand(arg: string): boolean {
  return /^[a-zA-Z]+:\d/.test(arg.trim()) && !arg.endsWith('.json');
}

/**
 * Parses shorthand. `bandwidths` and `latencies` give one value for every dimension or one per dimension (after
 * `torus:AxBxC` expands to rings A, B, C).
 */
export function parseTopologyShorthand(text: string, bandwidths?: number[], latencies?: number[]): TopologyData {
  const kinds: { kind: DimensionKind; npus: number }[] = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    const m = /^([a-zA-Z]+):([0-9x]+)$/.exec(term);
    const kind = m ? KIND_ALIASES[m[1]!.toLowerCase()] : undefined;
    if (!m || !kind) {
      throw new InputError(
        `--topology: cannot read "${term}" in "${text}"; expected terms like ring:8, switch:64, fc:8, torus:4x4x4, joined by commas (e.g. ring:8,switch:16)`,
      );
    }
    const sizes = m[2]!.split('x').map(Number);
    if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new InputError(`--topology: "${term}": sizes must be positive integers`);
    if (kind === 'torus') for (const n of sizes) kinds.push({ kind: 'ring', npus: n });
    else {
      if (sizes.length !== 1) throw new InputError(`--topology: "${term}": only torus takes AxBxC sizes; write ${m[1]}:${sizes[0]},${m[1]}:${sizes[1]}`);
      kinds.push({ kind, npus: sizes[0]! });
    }
  }
  const perDim = (vals: number[] | undefined, dflt: number, flag: string): number[] => {
    if (!vals || vals.length === 0) return kinds.map(() => dflt);
    if (vals.length === 1) return kinds.map(() => vals[0]!);
    if (vals.length !== kinds.length) {
      throw new InputError(`${flag}: ${vals.length} values for ${kinds.length} dimensions; give one value, or one per dimension`);
    }
    return vals;
  };
  const bw = perDim(bandwidths, DEFAULT_BANDWIDTH_GBPS, '--bandwidth');
  const lat = perDim(latencies, DEFAULT_LATENCY_NS, '--latency');
  return {
    name: text,
    dims: kinds.map((k, i) => ({ kind: k.kind, npus: k.npus, bandwidthGBps: bw[i]!, latencyNs: lat[i]! })),
  };
}

/** Reads and checks an Orrery topology JSON file. */
export function readTopologyFile(path: string): TopologyData {
  const text = readInputFile(path, 'topology', 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseTopologyDocument(doc, path);
}

export function parseTopologyDocument(doc: unknown, where: string): TopologyData {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`${where}: expected a JSON object, got ${kindOf(doc)}`);
  const o = doc as Record<string, unknown>;
  if (o.format !== undefined && o.format !== 'orrery-topology') {
    throw new InputError(`${where}: "format" is "${String(o.format)}"; expected "orrery-topology"`);
  }
  if (o.version !== undefined && o.version !== 1) throw new InputError(`${where}: "version" ${String(o.version)} is not supported; expected 1`);
  if (!Array.isArray(o.dimensions) || o.dimensions.length === 0) {
    throw new InputError(`${where}: "dimensions" must be a non-empty array of {kind, npus, bandwidthGBps, latencyNs}`);
  }
  const dims = o.dimensions.map((d, i): Dimension => {
    const at = `${where}: dimensions[${i}]`;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new InputError(`${at}: expected an object, got ${kindOf(d)}`);
    const x = d as Record<string, unknown>;
    const kind = typeof x.kind === 'string' ? KIND_ALIASES[x.kind.toLowerCase()] : undefined;
    if (!kind || kind === 'torus') {
      throw new InputError(`${at}.kind: expected one of ring, fullyConnected, switch; got ${JSON.stringify(x.kind)}`);
    }
    for (const k of ['npus', 'bandwidthGBps', 'latencyNs']) {
      if (typeof x[k] !== 'number') throw new InputError(`${at}.${k}: expected a number, got ${kindOf(x[k])}`);
    }
    const dimKeys = ['kind', 'npus', 'bandwidthGBps', 'latencyNs', 'note'];
    const unknown = Object.keys(x).filter((k) => !dimKeys.includes(k));
    if (unknown.length > 0) throw new InputError(`${at}: unknown key "${unknown[0]}"${didYouMean(unknown[0]!, dimKeys)}; expected kind, npus, bandwidthGBps, latencyNs (and an optional note)`);
    return { kind, npus: x.npus as number, bandwidthGBps: x.bandwidthGBps as number, latencyNs: x.latencyNs as number };
  });
  // documentation keys (source, note) are allowed; anything else is a typo until proven otherwise
  const known = ['format', 'version', 'name', 'description', 'dimensions', 'physical', 'cluster', 'source', 'note'];
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!known.includes(k)) extra[k] = v;
  const stray = Object.keys(extra)[0];
  if (stray !== undefined) throw new InputError(`${where}: unknown key "${stray}"${didYouMean(stray, known)}; expected ${known.join(', ')}`);
  return {
    name: typeof o.name === 'string' ? o.name : where,
    ...(typeof o.description === 'string' ? { description: o.description } : {}),
    dims,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
    ...(o.physical !== undefined ? { physical: o.physical } : {}),
    ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
  };
}
