/**
 * What the generators share about ranks: options, the error they throw, the topology check of a plan's world size
 * and TP placement, and communicator groups as partitions of the ranks.
 */
export interface GenerateOptions {
  /** `train` or `infer` (default: train when the spec has a training section). */
  mode?: 'train' | 'infer';
  /** The topology's NPUs per dimension: checked against the world size and the TP placement. */
  dims?: number[];
  /**
   * Make each program's ops when they are read rather than now (trace.ts lazyProgram), for a replay that reads each
   * program once or twice; training steps only (an inference step is one program).
   */
  lazy?: boolean;
}

/** A generator input that cannot produce a trace (sizes that do not fit the topology, …). */
export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

/**
 * Checks the plan's world size against the topology, and where TP groups sit. `dp`: the plan's data parallelism and
 * the field that sets it, so that a mismatch says which value would fill the topology.
 */
export function checkTopology(
  ranks: number, tp: number, tpInner: boolean, dims: number[] | undefined, warnings: string[], name: string,
  dp?: { value: number; path: string },
): void {
  if (!dims) return;
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== ranks) {
    const replica = dp ? ranks / dp.value : 0;
    const hint = dp && n % replica === 0 ? `; --set ${dp.path}=${n / replica} fills it (${replica} rank${replica === 1 ? '' : 's'} per replica)` : '';
    throw new WorkloadError(`${name}: the plan needs ${ranks} rank${ranks === 1 ? '' : 's'} but the topology has ${n} NPUs (${dims.join('×')})${hint}`);
  }
  if (tp > 1 && (!tpInner || dims[0]! % tp !== 0)) {
    warnings.push(`TP groups of ${tp} do not sit inside the fastest topology dimension (${dims[0]} NPUs): their all-reduces cross slower links`);
  }
}

/** Ranks 0..n-1 grouped by key(r) = [block, position in the block]; blocks in key order. */
export function partition(n: number, key: (r: number) => [number, number]): number[][] {
  const blocks = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    const [block, pos] = key(r);
    let b = blocks.get(block);
    if (!b) blocks.set(block, (b = []));
    b[pos] = r;
  }
  return [...blocks.keys()].sort((a, b) => a - b).map((k) => blocks.get(k)!);
}
