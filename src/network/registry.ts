/**
 * Network models by name. Each entry builds a model for a topology on an engine; later models (flow, the ASTRA-sim
 * compatibility models) register here.
 */
import type { Engine } from '../engine/index.ts';
import { AnalyticalNetwork } from './analytical.ts';
import { AstraAwareNetwork } from './astraAware.ts';
import { AstraUnawareNetwork } from './astraUnaware.ts';
import { FlowNetwork } from './flow.ts';
import type { NetworkModel } from './model.ts';
import { TopologyError, type Topology } from './topology.ts';

export interface NetworkModelEntry {
  create(engine: Engine, topology: Topology): NetworkModel;
  /** One line for --help and errors. */
  summary: string;
}

export const NETWORK_MODELS: Record<string, NetworkModelEntry> = {
  analytical: {
    create: (engine, topology) => new AnalyticalNetwork(engine, topology),
    summary: 'α-β, cut-through, no contention (hops·latency + bytes/bandwidth)',
  },
  flow: {
    create: (engine, topology) => new FlowNetwork(engine, topology),
    summary: 'flow-level: links shared max-min fairly on the physical topology, rates recomputed as flows start and end',
  },
  'astra-unaware': {
    create: (engine, topology) => new AstraUnawareNetwork(engine, topology),
    summary: "ASTRA-sim 2.0's congestion-unaware backend: ⌊hops·latency + bytes/B⌋ in the first differing dimension, no contention",
  },
  'astra-aware': {
    create: (engine, topology) => new AstraAwareNetwork(engine, topology),
    summary: "ASTRA-sim 2.0's congestion-aware backend: per-link FIFO, store-and-forward per message, switch as a device",
  },
};

/** The CLI's and API's default: the congestion-aware model (it equals `analytical` wherever no link is shared). */
export const DEFAULT_NETWORK_MODEL = 'flow';

export function networkModelNames(): string[] {
  return Object.keys(NETWORK_MODELS);
}

/** Builds the named model; an unknown name is an error listing the valid ones. */
export function createNetworkModel(name: string, engine: Engine, topology: Topology): NetworkModel {
  const entry = NETWORK_MODELS[name];
  if (!entry) throw new TopologyError(`unknown network model "${name}"; expected one of: ${networkModelNames().join(', ')}`);
  return entry.create(engine, topology);
}
