/**
 * Cluster preset files (`topologies/clusters/*.json`, and what `orrery calibrate` writes): a node's dimensions,
 * the network between nodes, the device, and the NCCL-like model's facts, sized by node count when used
 * (`dgx-h100:16`).
 *
 *     { "format": "orrery-cluster", "version": 1, "name": "dgx-h100", "description": "…", "device": "H100-SXM5-80GB",
 *       "node": [ { "kind": "switch", "npus": 8, "bandwidthGBps": 450, "latencyNs": 350, "link": "nvlink" } ],
 *       "network": { "kind": "switch", "bandwidthGBps": 50, "latencyNs": 1000, "link": "infiniband" },
 *       "nccl": { "arch": "hopper", "channels": 32, "linkEfficiency": { "nvlink": 0.82 }, … },
 *       "sources": { "nccl.linkEfficiency.nvlink": "…" } }
 *
 * `nccl` holds the ClusterInfo fields except `links` (taken from each dimension's `link`); network/cluster.ts
 * says what each means. The api checks the values.
 */
import type { Dimension, DimensionKind } from '../network/topology.ts';
import type { ClusterInfo, LinkType } from '../network/cluster.ts';
import { InputError, kindOf } from './errors.ts';
import type { TopologyData } from './topology.ts';

export interface ClusterDimension extends Dimension {
  link: LinkType;
  note?: string;
}

export interface ClusterPreset {
  name: string;
  description: string;
  device?: string;
  node: ClusterDimension[];
  /** Absent: a single-node machine (sizes other than 1 node are refused). */
  network?: Omit<ClusterDimension, 'npus'>;
  nccl: Omit<ClusterInfo, 'links'>;
  sources: Record<string, string>;
  /** Node count when the name is used without `:N` (default 1). */
  nodes: number;
}

const KINDS: Record<string, DimensionKind> = { ring: 'ring', switch: 'switch', fullyconnected: 'fullyConnected', fc: 'fullyConnected' };

function dimension(x: unknown, at: string, withNpus: boolean): ClusterDimension {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new InputError(`${at}: expected an object, got ${kindOf(x)}`);
  const o = x as Record<string, unknown>;
  const kind = typeof o.kind === 'string' ? KINDS[o.kind.toLowerCase()] : undefined;
  if (!kind) throw new InputError(`${at}.kind: expected one of ring, fullyConnected, switch; got ${JSON.stringify(o.kind)}`);
  for (const k of [...(withNpus ? ['npus'] : []), 'bandwidthGBps', 'latencyNs']) {
    if (typeof o[k] !== 'number') throw new InputError(`${at}.${k}: expected a number, got ${kindOf(o[k])}`);
  }
  if (typeof o.link !== 'string') throw new InputError(`${at}.link: expected a link type (nvlink, pcie, infiniband, roce, ethernet), got ${kindOf(o.link)}`);
  return {
    kind, npus: withNpus ? (o.npus as number) : 1, bandwidthGBps: o.bandwidthGBps as number, latencyNs: o.latencyNs as number,
    link: o.link as LinkType, ...(typeof o.note === 'string' ? { note: o.note } : {}),
  };
}

export function parseClusterDocument(doc: unknown, where: string): ClusterPreset {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`${where}: expected a JSON object, got ${kindOf(doc)}`);
  const o = doc as Record<string, unknown>;
  if (o.format !== 'orrery-cluster') throw new InputError(`${where}: "format" is ${JSON.stringify(o.format)}; expected "orrery-cluster"`);
  if (o.version !== 1) throw new InputError(`${where}: "version" ${JSON.stringify(o.version)} is not supported; expected 1`);
  if (!Array.isArray(o.node) || o.node.length === 0) throw new InputError(`${where}: "node" must be a non-empty array of dimensions {kind, npus, bandwidthGBps, latencyNs, link}`);
  const node = o.node.map((d, i) => dimension(d, `${where}: node[${i}]`, true));
  const network = o.network === undefined ? undefined : dimension(o.network, `${where}: network`, false);
  if (typeof o.nccl !== 'object' || o.nccl === null || Array.isArray(o.nccl)) throw new InputError(`${where}: "nccl" must be an object (arch, channels, linkEfficiency, …)`);
  const nodes = o.nodes === undefined ? 1 : o.nodes;
  if (!Number.isInteger(nodes) || (nodes as number) < 1) throw new InputError(`${where}: "nodes" must be a positive integer, got ${JSON.stringify(o.nodes)}`);
  return {
    name: typeof o.name === 'string' ? o.name : where,
    description: typeof o.description === 'string' ? o.description : '',
    ...(typeof o.device === 'string' ? { device: o.device } : {}),
    node,
    ...(network ? { network } : {}),
    nccl: { ...(o.nccl as Omit<ClusterInfo, 'links'>), linkEfficiency: (o.nccl as { linkEfficiency?: ClusterInfo['linkEfficiency'] }).linkEfficiency ?? {} },
    sources: typeof o.sources === 'object' && o.sources !== null ? (o.sources as Record<string, string>) : {},
    nodes: nodes as number,
  };
}

/** The topology of `nodes` nodes of a preset, with its cluster facts attached (unchecked: the api checks them). */
export function clusterTopologyData(c: ClusterPreset, nodes: number, where: string): TopologyData & { cluster: ClusterInfo } {
  if (!Number.isInteger(nodes) || nodes < 1) throw new InputError(`${where}: node count must be a positive integer, got ${nodes}`);
  if (nodes > 1 && !c.network) throw new InputError(`${where}: ${c.name} is a single machine with no network between nodes; use ${c.name}:1`);
  const dims: ClusterDimension[] = [...c.node, ...(nodes > 1 && c.network ? [{ ...c.network, npus: nodes }] : [])];
  const gpus = c.node.reduce((a, d) => a * d.npus, 1);
  return {
    name: `${c.name}:${nodes}`,
    description: `${c.description} (${nodes} node${nodes === 1 ? '' : 's'}, ${gpus * nodes} GPUs)`,
    dims: dims.map((d) => ({ kind: d.kind, npus: d.npus, bandwidthGBps: d.bandwidthGBps, latencyNs: d.latencyNs })),
    cluster: { ...c.nccl, links: dims.map((d) => d.link), ...(c.device ? { device: c.device } : {}), sources: c.sources },
  };
}
