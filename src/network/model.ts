/**
 * The seam between the network and everything above it. Every timing model (analytical α-β, flow-level max-min,
 * the ASTRA-sim compatibility models) implements {@link NetworkModel}: send a message of some bytes from one NPU to
 * another, and when it has fully arrived, the engine delivers event (a, b, c) to the handler the sender named.
 * The network knows nothing of collectives; the payload is opaque to it.
 */
import type { Engine } from '../engine/index.ts';
import type { Topology } from './topology.ts';

export interface NetworkModel {
  /** Registry name, e.g. `analytical`. */
  readonly name: string;
  readonly topology: Topology;
  /**
   * Sends `bytes` (may be fractional: a share of a chunk) from NPU `src` to NPU `dst` (src ≠ dst) at the engine's
   * current time. `extraNs` (an integer ≥ 0) after the last byte has arrived, the engine calls
   * `handlers[handler].onEvent(a, b, c)`. (The extra delay lets a receiver that is already waiting fold its
   * processing time into the arrival: one event per message instead of two.)
   */
  send(src: number, dst: number, bytes: number, handler: number, a: number, b: number, c: number, extraNs: number): void;
  /**
   * Optional, for models in which a message is exactly one event, at a time known when it is sent, and sending
   * schedules nothing else (astra-unaware): counts the message as `send` does and returns the time at which `send`
   * would deliver it, scheduling nothing; the caller delivers it itself (collectives/coalesce.ts).
   */
  arrivalAt?(src: number, dst: number, bytes: number, extraNs: number): number;
  /**
   * Optional, with `arrivalAt`: the delay of a message of `bytes` between any two distinct NPUs when it is the same for
   * every pair (astra-unaware on one switch or fully connected dimension), else -1. Counts nothing: a caller that
   * delivers messages at this delay itself counts them with `countSent`.
   */
  uniformDelay?(bytes: number): number;
  /** Optional, with `uniformDelay`: counts `messages` messages of `bytesEach` bytes, as that many `arrivalAt` calls would. */
  countSent?(messages: number, bytesEach: number): void;
  /** Counters for reports. */
  stats(): NetworkStats;
}

export interface NetworkStats {
  messages: number;
  bytes: number;
  [extra: string]: number;
}

/** Builds a model for a topology on an engine. */
export type NetworkModelFactory = (engine: Engine, topology: Topology) => NetworkModel;
