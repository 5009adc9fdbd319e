/**
 * The algorithm registry: one typed table from name to implementation and the operations it supports.
 * Unknown names and unsupported operations are rejected with the valid choices listed.
 */
import type { Collective, CollectiveSystem } from '../system.ts';
import type { PhasePlan } from '../plan.ts';
import { ALGORITHM_NAMES, CollectiveError, type AlgorithmName, type AlgorithmSpec, type Flavor, type PhaseOp } from '../types.ts';
import type { PhaseRun } from './base.ts';
import { DirectRun } from './direct.ts';
import { AstraDirectRun } from './directAstra.ts';
import { DoubleBinaryTreeRun } from './doubleBinaryTree.ts';
import { HalvingDoublingRun } from './halvingDoubling.ts';
import { RingRun } from './ring.ts';

type RunClass = new (s: CollectiveSystem, id: number, c: Collective, chunk: number, phaseIndex: number, phase: PhasePlan, bytes: number) => PhaseRun;

interface AlgorithmEntry {
  run: RunClass;
  /** Implementation for flavor `astra` where ASTRA-sim's state machine must be followed literally. */
  astraRun?: RunClass;
  /** The operations `astraRun` covers (others run `run`). */
  astraRunOps?: readonly PhaseOp[];
  ops: readonly PhaseOp[];
  /** Operations it accepts in flavor `astra`, where they differ (ASTRA-sim's behaviour, however odd). */
  astraOps?: readonly PhaseOp[];
  /** Extra condition on the line size, with the message to give when it fails. */
  sizeCheck?: (p: number, flavor: Flavor) => string | undefined;
}

const ALL: readonly PhaseOp[] = ['allreduce', 'reducescatter', 'allgather', 'alltoall', 'broadcast', 'reduce'];
const powerOfTwo = (p: number) => ((p & (p - 1)) === 0 ? undefined : `needs a power-of-two number of NPUs per dimension, got ${p}`);

export const ALGORITHMS = {
  ring: { run: RingRun, ops: ALL },
  direct: { run: DirectRun, astraRun: AstraDirectRun, astraRunOps: ['allreduce', 'reducescatter', 'allgather', 'alltoall'], ops: ALL },
  halvingDoubling: { run: HalvingDoublingRun, ops: ['allreduce', 'reducescatter', 'allgather', 'broadcast', 'reduce'], sizeCheck: powerOfTwo },
  // ASTRA-sim builds a double-binary-tree all-reduce of the whole phase data whatever the collective (notes §5.4),
  // and its trees need a power of two (it crashes otherwise)
  doubleBinaryTree: {
    run: DoubleBinaryTreeRun, ops: ['allreduce'], astraOps: ['allreduce', 'reducescatter', 'allgather', 'alltoall'],
    sizeCheck: (p, flavor) => (flavor === 'astra' ? powerOfTwo(p) : undefined),
  },
} satisfies Record<AlgorithmName, AlgorithmEntry>;

/**
 * Parses `ring`, `direct`, `direct4` (window 4), `halvingDoubling`, `doubleBinaryTree` (case-insensitive; `hd`,
 * `dbt`), and the flat forms `oneRing`, `oneDirect[W]`, `oneHalvingDoubling` (ASTRA-sim's names).
 */
export function parseAlgorithm(text: string, where = 'algorithm'): AlgorithmSpec {
  const raw = text.trim();
  const flat = /^one[A-Z]/.test(raw) || /^one(ring|direct|halvingdoubling)/i.test(raw);
  const t = flat ? raw.slice(3) : raw;
  const aliases: Record<string, AlgorithmName> = {
    ring: 'ring', direct: 'direct', halvingdoubling: 'halvingDoubling', hd: 'halvingDoubling',
    doublebinarytree: 'doubleBinaryTree', dbt: 'doubleBinaryTree',
  };
  const m = /^([a-zA-Z]+?)(\d+)?$/.exec(t);
  const name = m ? aliases[m[1]!.toLowerCase()] : undefined;
  if (!m || !name || (m[2] !== undefined && name !== 'direct') || (flat && name === 'doubleBinaryTree')) {
    throw new CollectiveError(
      `unknown ${where} "${text}"; expected one of: ${ALGORITHM_NAMES.join(', ')} (direct takes an optional window, e.g. direct4), ` +
        'or oneRing, oneDirect[W], oneHalvingDoubling (one flat phase over all NPUs)',
    );
  }
  const spec: AlgorithmSpec = m[2] !== undefined ? { name, window: Number(m[2]) } : { name };
  if (flat) spec.flat = true;
  return spec;
}

/** Checks that `spec` can run `op` on lines of `p` NPUs; throws a CollectiveError saying why not. */
export function checkAlgorithm(spec: AlgorithmSpec, op: PhaseOp, p: number, where: string, flavor: Flavor = 'native'): void {
  const entry: AlgorithmEntry | undefined = (ALGORITHMS as Record<string, AlgorithmEntry>)[spec.name];
  if (!entry) throw new CollectiveError(`unknown algorithm "${spec.name}" ${where}; expected one of: ${ALGORITHM_NAMES.join(', ')}`);
  const opsOf = (e: AlgorithmEntry): readonly PhaseOp[] => (flavor === 'astra' && e.astraOps ? e.astraOps : e.ops);
  if (!opsOf(entry).includes(op)) {
    const alts = ALGORITHM_NAMES.filter((n) => opsOf(ALGORITHMS[n]).includes(op));
    const astraNote = flavor === 'astra' && spec.name === 'halvingDoubling' && op === 'alltoall'
      ? ' (ASTRA-sim itself exits on a halving-doubling all-to-all)' : '';
    throw new CollectiveError(`${spec.name} does not support ${op} ${where}${astraNote}; algorithms that do: ${alts.join(', ')}`);
  }
  const why = entry.sizeCheck?.(p, flavor);
  if (why) throw new CollectiveError(`${spec.name} ${why} ${where}`);
}

export function createPhaseRun(
  system: CollectiveSystem, id: number, c: Collective, chunk: number, phaseIndex: number, phase: PhasePlan, bytes: number,
): PhaseRun {
  const entry: AlgorithmEntry = ALGORITHMS[phase.algorithm.name];
  const run = entry.astraRun && c.options.flavor === 'astra' && entry.astraRunOps?.includes(phase.op) ? entry.astraRun : entry.run;
  return new run(system, id, c, chunk, phaseIndex, phase, bytes);
}
