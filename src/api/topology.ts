/**
 * Resolving a `--topology` argument: CLI shorthand, a path to a topology JSON file, or the name of a file in the
 * repository's `topologies/` folder (`torus-4x4x4` for `topologies/torus-4x4x4.json`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterTopologyData, parseClusterDocument, type ClusterPreset } from '../io/cluster.ts';
import { InputError } from '../io/errors.ts';
import { isTopologyShorthand, parseTopologyShorthand, readTopologyFile, type TopologyData } from '../io/topology.ts';
import { checkClusterInfo, makeTopology, withPhysical, type ClusterInfo, type Topology } from '../network/index.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/** The repository's `topologies/` folder. */
export const TOPOLOGIES_DIR = join(PACKAGE_ROOT, 'topologies');

/** The repository's cluster presets (`topologies/clusters/`), used as `NAME:<nodes>`. */
export const CLUSTERS_DIR = join(TOPOLOGIES_DIR, 'clusters');

/** Names of the cluster presets shipped in `topologies/clusters/`. */
export function clusterPresetNames(): string[] {
  if (!existsSync(CLUSTERS_DIR)) return [];
  return readdirSync(CLUSTERS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

/** Reads a cluster preset by name (`dgx-h100`) or path to an `orrery-cluster` file. */
export function loadClusterPreset(nameOrPath: string): { preset: ClusterPreset; path: string } {
  const path = existsSync(nameOrPath) && nameOrPath.endsWith('.json') ? nameOrPath : join(CLUSTERS_DIR, `${nameOrPath}.json`);
  if (!existsSync(path)) {
    throw new InputError(`--topology: no cluster preset "${nameOrPath}"; cluster presets: ${clusterPresetNames().join(', ')} (use NAME:<nodes>, e.g. dgx-h100:16)`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return { preset: parseClusterDocument(doc, path), path };
}

function isClusterFile(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown }).format === 'orrery-cluster';
  } catch {
    return false;
  }
}

/** Names of the topology files shipped in `topologies/`. */
export function namedTopologies(): string[] {
  if (!existsSync(TOPOLOGIES_DIR)) return [];
  return readdirSync(TOPOLOGIES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

export interface TopologyArgs {
  topology: string;
  /** GB/s per dimension (one value for all, or one per dimension); shorthand only. */
  bandwidthGBps?: number[];
  latencyNs?: number[];
}

export interface ResolvedTopology {
  topology: Topology;
  data: TopologyData;
  /** Where it came from: "shorthand", or a file path. */
  source: string;
}

export function resolveTopology(args: TopologyArgs): ResolvedTopology {
  const arg = args.topology.trim();
  let data: TopologyData;
  let source: string;
  const sized = /^(.+):(\d+)$/.exec(arg);
  // a preset's bare name is its default size, unless topologies/ has a file of that name (dgx-a100, dgx-h100)
  const bare = !sized && !isTopologyShorthand(arg) && !existsSync(arg) && !existsSync(join(TOPOLOGIES_DIR, `${arg}.json`)) &&
    clusterPresetNames().includes(arg);
  const presetName = sized && !isTopologyShorthand(arg) ? sized[1]! : bare ? arg : undefined;
  if (presetName !== undefined || (arg.endsWith('.json') && existsSync(arg) && isClusterFile(arg))) {
    const { preset, path } = loadClusterPreset(presetName ?? arg);
    if ((args.bandwidthGBps?.length ?? 0) > 0 || (args.latencyNs?.length ?? 0) > 0) {
      throw new InputError(`--bandwidth and --latency apply to shorthand topologies only; ${arg} gives its own`);
    }
    data = clusterTopologyData(preset, sized ? Number(sized[2]) : preset.nodes, path);
    source = path;
  } else if (isTopologyShorthand(arg)) {
    data = parseTopologyShorthand(arg, args.bandwidthGBps, args.latencyNs);
    source = 'shorthand';
  } else {
    const path = existsSync(arg) ? arg : join(TOPOLOGIES_DIR, `${arg}.json`);
    if (!existsSync(path)) {
      const names = namedTopologies();
      throw new InputError(
        `--topology: "${arg}" is neither shorthand (e.g. ring:8, switch:64, fc:8, torus:4x4x4, ring:8,switch:16), a file, nor a named topology` +
          (names.length > 0 ? `; named topologies: ${names.join(', ')}` : '') +
          `; cluster presets (NAME:<nodes>): ${clusterPresetNames().join(', ')}`,
      );
    }
    if ((args.bandwidthGBps?.length ?? 0) > 0 || (args.latencyNs?.length ?? 0) > 0) {
      throw new InputError(`--bandwidth and --latency apply to shorthand topologies only; ${path} gives its own`);
    }
    data = readTopologyFile(path);
    source = path;
  }
  const where = source === 'shorthand' ? '--topology' : source;
  const logical = makeTopology(data.dims, data.name, where);
  const topology: Topology = data.physical !== undefined ? withPhysical(logical, data.physical, where) : logical;
  if (data.cluster !== undefined) {
    const cluster = data.cluster as ClusterInfo;
    const err = typeof cluster === 'object' && cluster !== null ? checkClusterInfo(cluster, topology.dims.length) : 'expected an object';
    if (err) throw new InputError(`${where}: cluster ${err}`);
    topology.cluster = cluster;
  }
  return { topology, data, source };
}
