/**
 * Validation of communication across ranks (validate.ts runs it once the per-program graphs are built):
 * - collectives: every member of a group instance issues the same sequence of (op, bytes, root, algorithms,
 *   chunks) on that group, so the n-th collective each member issues on it is one instance;
 * - point-to-point: the k-th send from a to b with tag t (a's program order) pairs with the k-th recv at b from a
 *   with tag t; counts and sizes must agree.
 */
import { TraceError, type CollOp, type Op, type Trace } from './trace.ts';
import { compactRanges, globalPeer, rankOfGlobal, type GroupTable, type ProgramGraph } from './validate.ts';

/** Same collective for matching purposes: op, bytes, root, algorithms, chunks. */
function sameColl(a: CollOp, b: CollOp): boolean {
  if (a.op !== b.op || a.bytes !== b.bytes || a.root !== b.root || a.chunks !== b.chunks) return false;
  const x = a.algorithms, y = b.algorithms;
  if (x === y) return true;
  if (!x || !y || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const collSig = (op: CollOp) =>
  `${op.op} of ${op.bytes} B${op.root !== undefined ? ` (root ${op.root})` : ''}${op.algorithms ? ` [${op.algorithms.join(',')}]` : ''}${op.chunks !== undefined ? ` in ${op.chunks} chunks` : ''}`;

/**
 * Every member of a group block issues the same sequence of collectives on that group (program order). Ranks that
 * share a program share their sequences, so only distinct programs are compared.
 */
export function checkCollectiveSequences(t: Trace, programs: ProgramGraph[], rankProgram: Int32Array, groups: GroupTable, where: string): void {
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
        const ops0 = programs[p0]!.program.ops, ops = programs[p]!.program.ops;
        const blockLabel = groups.blocks[gi]!.length > 1 ? `group "${name}" block ${compactRanges(block)}` : `group "${name}"`;
        for (let j = 0; j < n; j++) {
          const a = ops0[s0[j]!] as CollOp, b = ops[s[j]!] as CollOp;
          if (!sameColl(a, b)) {
            throw new TraceError(
              `${where}${blockLabel}: collective #${j + 1} differs between members: rank ${r0} op ${a.id} is ${collSig(a)}, rank ${r} op ${b.id} is ${collSig(b)}; every member must issue the same collectives in the same order`,
            );
          }
        }
        if (s.length !== s0.length) {
          const [longR, longOps, longSeq, shortR, shortLen] = s.length > s0.length ? [r, ops, s, r0, s0.length] : [r0, ops0, s0, r, s.length];
          const missing = longOps[longSeq[shortLen]!] as CollOp;
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
  let rank = 0, opOf: Op | undefined;
  const at = () => `${where}rank ${rank}, op ${opOf!.id}`; // (one closure, read only for an error)
  for (let r = 0; r < R; r++) {
    const ops = programs[rankProgram[r]!]!.program.ops;
    rank = r;
    for (const i of p2pOps[rankProgram[r]!]!) {
      const op = ops[i] as Extract<Op, { kind: 'send' | 'recv' }>;
      opOf = op;
      const peer = globalPeer(op, r, groups, at, R);
      if (peer === r) throw new TraceError(`${at()}: field "peer": a ${op.kind} to itself (rank ${r}); peers must differ`);
      count++;
      const tag = op.tag ?? 0;
      if (op.kind === 'send') push(sends, r * R + peer, tag, base[r]! + i);
      else push(recvs, peer * R + r, tag, base[r]! + i);
    }
  }
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
        if (opAt(sk).bytes !== opAt(rk).bytes) {
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
