/**
 * Resolving a `--topology` argument: CLI shorthand, a path to a topology JSON file, or the name of a file in the
 * repository's `topologies/` folder (`torus-4x4x4` for `topologies/torus-4x4x4.json`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  InputError, isTopologyShorthand, parseTopologyShorthand, readTopologyFile, type TopologyData,
} from '../io/index.ts';
import { makeTopology, withPhysical, type Topology } from '../network/index.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/** The repository's `topologies/` folder. */
export const TOPOLOGIES_DIR = join(PACKAGE_ROOT, 'topologies');

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
  if (isTopologyShorthand(arg)) {
    data = parseTopologyShorthand(arg, args.bandwidthGBps, args.latencyNs);
    source = 'shorthand';
  } else {
    const path = existsSync(arg) ? arg : join(TOPOLOGIES_DIR, `${arg}.json`);
    if (!existsSync(path)) {
      const names = namedTopologies();
      throw new InputError(
        `--topology: "${arg}" is neither shorthand (e.g. ring:8, switch:64, fc:8, torus:4x4x4, ring:8,switch:16), a file, nor a named topology` +
          (names.length > 0 ? `; named topologies: ${names.join(', ')}` : ''),
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
  const topology = data.physical !== undefined ? withPhysical(logical, data.physical, where) : logical;
  return { topology, data, source };
}
