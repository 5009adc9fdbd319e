/**
 * Validation of communication across ranks (validate.ts runs it once the per-program graphs are built):
 * - collectives: every member of a group instance issues the same sequence of (op, bytes, root, algorithms,
 *   chunks) on that group, so the n-th collective each member issues on it is one instance;
 * - point-to-point: the k-th send from a to b with tag t (a's program order) pairs with the k-th recv at b from a
 *   with tag t; counts and sizes must agree;
 * - a collective's rank is a member of its group, and its root is in the same block.
 *
 * They read what validate.ts kept of each op (ProgramGraph's collShape and p2p columns), not the op objects, which
 * a lazy program (trace.ts) makes anew on each read; only an error message reads an op.
 */
import type { CollectiveOp } from '../collectives/types.ts';
import { TraceError, type CollOp, type Op, type Trace } from './trace.ts';
import { compactRanges, globalPeer, rankOfGlobal, type GroupTable, type ProgramGraph } from './validate.ts';

/** What makes two collectives the same for matching: op, bytes, root, algorithms, chunks. */
export interface CollShape {
  op: CollectiveOp;
  bytes: number;
  root?: number;
  chunks?: number;
  algorithms?: string[];
}

/** The distinct collective shapes of a trace, numbered in the order first seen. */
export class CollShapes {
  readonly list: CollShape[] = [];
  private readonly index = new Map<string, number>();

  /** The number of a coll op's shape (two ops have the same number iff they match). */
  of(op: CollOp): number {
    const key = `${op.op}|${op.bytes}|${op.root ?? ''}|${op.chunks ?? ''}|${op.algorithms ? JSON.stringify(op.algorithms) : ''}`;
    let s = this.index.get(key);
    if (s === undefined) {
      s = this.list.length;
      this.index.set(key, s);
      this.list.push({
        op: op.op, bytes: op.bytes, ...(op.root !== undefined ? { root: op.root } : {}), ...(op.chunks !== undefined ? { chunks: op.chunks } : {}),
        ...(op.algorithms ? { algorithms: [...op.algorithms] } : {}),
      });
    }
    return s;
  }
}

const collSig = (op: CollShape) =>
  `${op.op} of ${op.bytes} B${op.root !== undefined ? ` (root ${op.root})` : ''}${op.algorithms ? ` [${op.algorithms.join(',')}]` : ''}${op.chunks !== undefined ? ` in ${op.chunks} chunks` : ''}`;

/**
 * Every member of a group block issues the same sequence of collectives on that group (program order). Ranks that
 * share a program share their sequences, so only distinct programs are compared.
 */
export function checkCollectiveSequences(
  t: Trace, programs: ProgramGraph[], rankProgram: Int32Array, groups: GroupTable, where: string,
): void {
  // per program, per group: the local indices of its coll ops in program order
  const seqs = programs.map((g) => {
    const m = new Map<number, number[]>();
    for (let i = 0; i < g.n; i++) {
      const gi = g.group[i]!;
      if (gi < 0) continue;
      let l = m.get(gi);
      if (!l) m.set(gi, (l = []));
      l.push(i);
    }
    return m;
  });
  const empty: number[] = [];
  const compared = new Set<string>();
  for (let gi = 0; gi < groups.names.length; gi++) {
    const name = groups.names[gi]!;
    for (const block of groups.blocks[gi]!) {
      const r0 = block[0]!;
      const p0 = rankProgram[r0]!;
      const s0 = seqs[p0]!.get(gi) ?? empty;
      for (let k = 1; k < block.length; k++) {
        const r = block[k]!;
        const p = rankProgram[r]!;
        if (p === p0) continue;
        const key = `${gi}:${p0}:${p}`;
        if (compared.has(key)) continue;
        compared.add(key);
        const s = seqs[p]!.get(gi) ?? empty;
        const n = Math.min(s.length, s0.length);
        const g0 = programs[p0]!, g = programs[p]!;
        const blockLabel = groups.blocks[gi]!.length > 1 ? `group "${name}" block ${compactRanges(block)}` : `group "${name}"`;
        for (let j = 0; j < n; j++) {
          if (g0.collShape[s0[j]!] !== g.collShape[s[j]!]) {
            const a = g0.program.ops[s0[j]!] as CollOp, b = g.program.ops[s[j]!] as CollOp;
            throw new TraceError(
              `${where}${blockLabel}: collective #${j + 1} differs between members: rank ${r0} op ${a.id} is ${collSig(a)}, rank ${r} op ${b.id} is ${collSig(b)}; every member must issue the same collectives in the same order`,
            );
          }
        }
        if (s.length !== s0.length) {
          const [longR, longG, longSeq, shortR, shortLen] = s.length > s0.length ? [r, g, s, r0, s0.length] : [r0, g0, s0, r, s.length];
          const missing = longG.program.ops[longSeq[shortLen]!] as CollOp;
          throw new TraceError(
            `${where}${blockLabel}: rank ${shortR} issues ${shortLen} collective${shortLen === 1 ? '' : 's'} on it but rank ${longR} issues ${longSeq.length}: rank ${shortR} never joins rank ${longR}'s op ${missing.id} (${collSig(missing)}, #${shortLen + 1}), which would deadlock`,
          );
        }
      }
    }
  }
  void t;
}

/** Pairs sends with recvs per (src, dst, tag) in program order, checking counts, sizes and peers. */
export function pairPointToPoint(
  t: Trace, programs: ProgramGraph[], rankProgram: Int32Array, base: Float64Array, groups: GroupTable, where: string,
): { partner: Int32Array; p2pBase: Int32Array; count: number } {
  const R = t.ranks;
  // sends and recvs numbered rank by rank (ProgramGraph.p2pIndex): the partner array holds only them
  const p2pBase = new Int32Array(R + 1);
  for (let r = 0; r < R; r++) p2pBase[r + 1] = p2pBase[r]! + programs[rankProgram[r]!]!.p2pCount;
  const partner = new Int32Array(p2pBase[R]!).fill(-1);
  const numberOf = (g: number) => {
    const r = rankOfGlobal(base, g);
    return p2pBase[r]! + programs[rankProgram[r]!]!.p2pIndex[g - base[r]!]!;
  };
  // channel (src*R + dst) → tag → global op indices in program order: a lone index as a number, more as a list (most
  // tags name one message, and a list each was most of this function's time in a 344k-message trace)
  const sends = new Map<number, Map<number, number | number[]>>();
  const recvs = new Map<number, Map<number, number | number[]>>();
  const push = (m: Map<number, Map<number, number | number[]>>, ch: number, tag: number, g: number) => {
    let byTag = m.get(ch);
    if (!byTag) m.set(ch, (byTag = new Map()));
    const l = byTag.get(tag);
    if (l === undefined) byTag.set(tag, g);
    else if (typeof l === 'number') byTag.set(tag, [l, g]);
    else l.push(g);
  };
  const len = (l: number | number[] | undefined) => (l === undefined ? 0 : typeof l === 'number' ? 1 : l.length);
  const nth = (l: number | number[], k: number) => (typeof l === 'number' ? l : l[k]!);
  let count = 0;
  // per program, its send and recv ops (found once: ranks that share a program share the list)
  const p2pOps = programs.map((g) => {
    const l = new Int32Array(g.p2pCount);
    for (let i = 0; i < g.n; i++) if (g.p2pIndex[i]! >= 0) l[g.p2pIndex[i]!] = i;
    return l;
  });
  let rank = 0, opIdx = 0;
  // (one closure, read only for an error: the op itself is read then)
  const opOf = () => programs[rankProgram[rank]!]!.program.ops[opIdx] as Extract<Op, { kind: 'send' | 'recv' }>;
  const at = () => `${where}rank ${rank}, op ${opOf().id}`;
  for (let r = 0; r < R; r++) {
    const g = programs[rankProgram[r]!]!;
    rank = r;
    for (const i of p2pOps[rankProgram[r]!]!) {
      opIdx = i;
      const k = g.p2pIndex[i]!, gi = g.p2pGroup[k]!;
      let peer = g.p2pPeer[k]!;
      if (gi === -1) {
        if (peer >= R) globalPeer({ peer }, r, groups, at, R); // (throws)
      } else {
        const b = gi >= 0 ? groups.blockOf[gi]![r]! : -1;
        const block = b >= 0 ? groups.blocks[gi]![b]! : undefined;
        peer = block && peer < block.length ? block[peer]! : globalPeer(opOf(), r, groups, at, R); // (else throws)
      }
      if (peer === r) throw new TraceError(`${at()}: field "peer": a ${opOf().kind} to itself (rank ${r}); peers must differ`);
      count++;
      const tag = g.p2pTag[k]!;
      if (g.p2pSend[k] === 1) push(sends, r * R + peer, tag, base[r]! + i);
      else push(recvs, peer * R + r, tag, base[r]! + i);
    }
  }
  const bytesAt = (gIdx: number) => {
    const r = rankOfGlobal(base, gIdx), g = programs[rankProgram[r]!]!;
    return g.p2pBytes[g.p2pIndex[gIdx - base[r]!]!]!;
  };
  const opAt = (gIdx: number) => {
    const r = rankOfGlobal(base, gIdx);
    return programs[rankProgram[r]!]!.program.ops[gIdx - base[r]!] as Extract<Op, { kind: 'send' | 'recv' }>;
  };
  const describe = (gIdx: number) => ({ r: rankOfGlobal(base, gIdx), op: opAt(gIdx) });
  for (const [ch, byTag] of sends) {
    const src = Math.floor(ch / R), dst = ch % R;
    for (const [tag, ss] of byTag) {
      const rr = recvs.get(ch)?.get(tag);
      const n = Math.min(len(ss), len(rr));
      for (let k = 0; k < n; k++) {
        const sk = nth(ss, k), rk = nth(rr!, k);
        if (bytesAt(sk) !== bytesAt(rk)) {
          const s = describe(sk), v = describe(rk);
          throw new TraceError(
            `${where}rank ${src}, op ${s.op.id}: sends ${s.op.bytes} B to rank ${dst} (tag ${tag}), but the matching recv (#${k + 1} from rank ${src} with tag ${tag}), rank ${dst} op ${v.op.id}, expects ${v.op.bytes} B`,
          );
        }
        partner[numberOf(sk)] = rk;
        partner[numberOf(rk)] = sk;
      }
      if (len(ss) > n) {
        const s = describe(nth(ss, n));
        throw new TraceError(
          `${where}rank ${src}, op ${s.op.id}: send of ${s.op.bytes} B to rank ${dst} (tag ${tag}) has no matching recv: rank ${dst} posts ${n} recv${n === 1 ? '' : 's'} from rank ${src} with tag ${tag} but rank ${src} sends ${len(ss)}`,
        );
      }
    }
  }
  for (const [ch, byTag] of recvs) {
    const src = Math.floor(ch / R), dst = ch % R;
    for (const [tag, rr] of byTag) {
      const nSends = len(sends.get(ch)?.get(tag));
      if (len(rr) > nSends) {
        const v = describe(nth(rr, nSends));
        throw new TraceError(
          `${where}rank ${dst}, op ${v.op.id}: recv of ${v.op.bytes} B from rank ${src} (tag ${tag}) has no matching send: rank ${src} sends ${nSends} to rank ${dst} with tag ${tag} but rank ${dst} posts ${len(rr)} recvs`,
        );
      }
    }
  }
  return { partner, p2pBase, count };
}

/** A collective's rank must be in its group, and a root in the same block. */
export function checkGroupUse(g: ProgramGraph, groups: GroupTable, shapes: readonly CollShape[], at: (op: Op | undefined, i: number) => string, R: number): void {
  for (let i = 0; i < g.n; i++) {
    const gi = g.group[i]!;
    if (gi < 0) continue;
    const shape = shapes[g.collShape[i]!]!;
    const blockOf = groups.blockOf[gi]!;
    const name = groups.names[gi]!;
    for (const r of g.program.ranks) {
      const b = blockOf[r]!;
      if (b < 0) {
        const bl = groups.blocks[gi]!;
        throw new TraceError(
          `${at(g.program.ops[i], i)}: rank ${r} issues a ${shape.op} on group "${name}" but is not a member of it (${bl.length > 1 ? `a partition of ${bl.length} blocks covering ranks ${compactRanges(bl.flat())}` : `members ${compactRanges(bl[0]!)}`})`,
        );
      }
      if (shape.root !== undefined) {
        if (shape.root >= R || blockOf[shape.root] !== b) {
          throw new TraceError(`${at(g.program.ops[i], i)}: field "root": rank ${shape.root} is not in rank ${r}'s block of group "${name}" (${compactRanges(groups.blocks[gi]![b]!)})`);
        }
      }
    }
  }
}
