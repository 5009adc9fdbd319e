/**
 * A program's op ids → positions, built once per program by validation (validate.ts).
 */
import type { TypedPool } from './pool.ts';
import { TraceError, type Op } from './trace.ts';

/**
 * Op id → position in the program: a typed array when the ids are compact (the usual 0..n-1), else a Map. Keeps
 * millions of ids out of Maps.
 */
export class IdIndex {
  private constructor(private readonly dense: Int32Array | null, private readonly map: Map<number, number> | null) {}

  static build(ops: readonly Op[], at: (op: Op | undefined, i: number) => string, pool: TypedPool): IdIndex {
    let max = -1;
    for (let i = 0; i < ops.length; i++) if (ops[i]!.id > max) max = ops[i]!.id;
    const dup = (op: Op, prev: number, i: number): never => {
      throw new TraceError(`${at(op, i)}: id ${op.id} is used twice in this program (at indices ${prev} and ${i}); ids are unique per rank`);
    };
    if (max < 4 * ops.length + 1024) {
      const dense = pool.int32(max + 1, -1);
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        if (dense[op.id] !== -1) dup(op, dense[op.id]!, i);
        dense[op.id] = i;
      }
      return new IdIndex(dense, null);
    }
    const map = new Map<number, number>();
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const prev = map.get(op.id);
      if (prev !== undefined) dup(op, prev, i);
      map.set(op.id, i);
    }
    return new IdIndex(null, map);
  }

  /** Position of `id`, or undefined. */
  get(id: number): number | undefined {
    if (this.dense) {
      const i = id < this.dense.length ? this.dense[id]! : -1;
      return i >= 0 ? i : undefined;
    }
    return this.map!.get(id);
  }
}
