/**
 * Collectives as the replay tracks them: instances, the group blocks' queues of open instances, and the records
 * kept compactly until the result is made.
 */
import type { Collective } from '../collectives/index.ts';
import type { CollectiveRecord } from './replay-types.ts';
import type { NcclCollective } from './nccl-timing.ts';
import { isLazyProgram } from './trace.ts';
import type { CollShape } from './validate-comm.ts';
import type { ValidatedTrace } from './validate.ts';

/** A collective instance on a group block, as the replay tracks it. Reused (by size) once its onDone has run. */
export class Instance {
  joined = 0;
  /** When the last member joined. */
  lastJoinNs = 0;
  /** Its record's index (instances are numbered in the order they are made). */
  rec = 0;
  /** Per member: the index of its coll op in its program (the member's rank is c.members[m]), -1 before it joins. */
  readonly ops: Int32Array;
  /** The rank whose op made it, and that op's index (its record's name is that op's). */
  firstRank = 0;
  firstOp = 0;
  constructor(
    public c: Collective | NcclCollective, public group: number, public block: number, public seq: number, public tmpl: CollShape,
  ) {
    this.ops = new Int32Array(c.size).fill(-1);
  }

  reuse(c: Collective | NcclCollective, group: number, block: number, seq: number, tmpl: CollShape): this {
    this.c = c;
    this.group = group;
    this.block = block;
    this.seq = seq;
    this.tmpl = tmpl;
    this.joined = 0;
    for (let m = 0; m < this.ops.length; m++) this.ops[m] = -1; // (a group's few members: a loop is cheaper than fill())
    return this;
  }
}

/**
 * A group block's instances that some member has issued and some has not, oldest first from `head`: instance
 * numbers base, base + 1, …. Members issue a block's collectives in one order, so instances fill up (and leave)
 * in the order they were made.
 */
export class OpenInstances {
  readonly items: Instance[] = [];
  head = 0;
  base = 0;
}

/** Numbers kept per collective until the result makes the records. */
const REC = 11; // id, group, block, seq, members, chunks, startNs, lastJoinNs, endNs, first rank, its op

/** The name of op i of rank r (a collective record's name), or undefined. */
export type OpNamer = (r: number, i: number) => string | undefined;

/**
 * Names of coll ops, read from the ops when asked: a plain program's directly; a lazy one's (trace.ts) are read
 * once per program, from one making of its ops, and kept (coll ops only).
 */
export function collNamer(v: ValidatedTrace): OpNamer {
  const kept: (Map<number, string> | undefined)[] = [];
  return (r, i) => {
    const pi = v.rankProgram[r]!, g = v.programs[pi]!;
    if (!isLazyProgram(g.program)) return g.program.ops[i]?.name;
    let m = kept[pi];
    if (!m) {
      m = kept[pi] = new Map();
      const ops = g.program.ops;
      for (let k = 0; k < g.n; k++) if (g.group[k]! >= 0 && ops[k]!.name !== undefined) m.set(k, ops[k]!.name!);
    }
    return m.get(i);
  };
}

/**
 * Collectives in the order they were made (so by first join), compactly: REC numbers each, and the op and algorithm
 * label. The result makes CollectiveRecord objects on demand (hundreds of thousands of them would otherwise live
 * through the run, old-generation work for every major GC).
 */
export class CollectiveRecords {
  private num: Float64Array;
  private tmpl: CollShape[];
  private label: string[];
  private n = 0;

  /**
   * `expected`: how many collectives the run will make (sized once: growing arrays of hundreds of thousands of
   * entries copies them into the old generation, and the copies are what its major GCs then trace).
   */
  constructor(expected: number) {
    const cap = Math.max(16, Math.ceil(expected));
    this.num = new Float64Array(cap * REC);
    this.tmpl = new Array<CollShape>(cap);
    this.label = new Array<string>(cap).fill('');
  }

  /** Starts the record of a new instance (sets inst.rec). */
  start(inst: Instance): void {
    const n = (inst.rec = this.n++);
    if (n >= this.tmpl.length) {
      const a = new Float64Array(this.num.length * 2);
      a.set(this.num);
      this.num = a;
      this.tmpl.length = this.label.length = n * 2;
    }
    const rec = this.num, k = n * REC;
    rec[k] = inst.c.id;
    rec[k + 1] = inst.group;
    rec[k + 2] = inst.block;
    rec[k + 3] = inst.seq;
    rec[k + 4] = inst.c.size;
    rec[k + 5] = inst.c.chunks;
    rec[k + 9] = inst.firstRank;
    rec[k + 10] = inst.firstOp;
    this.tmpl[n] = inst.tmpl;
  }

  /** Completes an instance's record. */
  end(inst: Instance, label: string, timeNs: number): void {
    const rec = this.num, k = inst.rec * REC;
    rec[k + 6] = inst.c.startNs;
    rec[k + 7] = inst.lastJoinNs;
    rec[k + 8] = timeNs;
    this.label[inst.rec] = label;
  }

  /**
   * The records by first join (the order they were made in), then group, block and instance number: their count and
   * the k-th, made anew on each call.
   */
  sorted(groupNames: readonly string[], nameOf: OpNamer): { count: number; collective: (k: number, withName?: boolean) => CollectiveRecord } {
    const rec = this.num;
    const order = new Int32Array(this.n);
    for (let n = 0; n < order.length; n++) order[n] = n;
    for (let lo = 0, hi = 1; lo < order.length; lo = hi++) {
      while (hi < order.length && rec[hi * REC + 6] === rec[lo * REC + 6]) hi++;
      if (hi - lo > 1) {
        order.subarray(lo, hi).sort((a, b) => {
          const x = a * REC, y = b * REC;
          return rec[x + 1]! - rec[y + 1]! || rec[x + 2]! - rec[y + 2]! || rec[x + 3]! - rec[y + 3]!;
        });
      }
    }
    const tmpls = this.tmpl, labels = this.label;
    const collective = (j: number, withName = true): CollectiveRecord => {
      const n = order[j]!, k = n * REC, tmpl = tmpls[n]!;
      // (small integers as int32: Smis, not boxed doubles)
      const r: CollectiveRecord = {
        id: rec[k]! | 0, op: tmpl.op, group: groupNames[rec[k + 1]! | 0]!, block: rec[k + 2]! | 0, seq: rec[k + 3]! | 0,
        members: rec[k + 4]! | 0, bytes: tmpl.bytes, algorithms: labels[n]!, chunks: rec[k + 5]! | 0,
        startNs: rec[k + 6]!, lastJoinNs: rec[k + 7]!, endNs: rec[k + 8]!,
      };
      const name = withName ? nameOf(rec[k + 9]! | 0, rec[k + 10]! | 0) : undefined;
      if (name) r.name = name;
      return r;
    };
    return { count: order.length, collective };
  }
}
