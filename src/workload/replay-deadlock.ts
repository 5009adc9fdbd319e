/**
 * The deadlock report: when a replay ends with ops unfinished, which ranks are stuck, on which ops, and what each
 * waits for (a dependency, a slot, a peer's send, members that never joined), grouped by cause with root causes
 * (ops whose collective every member joined but that never finished) first.
 */
import type { Compiled } from './replay-compile.ts';
import type { Instance } from './replay-collectives.ts';
import { S_DONE, S_ISSUED, S_PENDING, S_READY, K_RECV, K_SEND } from './replay-types.ts';
import { compactRanges, rankOfGlobal } from './validate.ts';

/** What the report reads of a finished replay. */
export interface ReplayState {
  readonly R: number;
  readonly total: number;
  readonly done: number;
  readonly now: number;
  readonly progs: readonly Compiled[];
  readonly rankProgram: Int32Array;
  readonly base: Float64Array;
  readonly state: Uint8Array;
  readonly partner: Int32Array;
  readonly start: Float64Array | null;
  readonly p2pStart: Float64Array;
  readonly p2pBase: Int32Array;
  readonly instances: readonly (Instance | undefined)[];
  slot(r: number, i: number): number;
}

/** The rank of the op paired with p2p op i of rank r. */
/** The global op number paired with send or recv op i of rank r. */
function partnerOf(st: ReplayState, r: number, i: number): number {
  return st.partner[st.p2pBase[r]! + st.progs[st.rankProgram[r]!]!.p2pIndex[i]!]!;
}

function partnerRank(st: ReplayState, r: number, i: number): number {
  return rankOfGlobal(st.base, partnerOf(st, r, i));
}

function describeOp(st: ReplayState, r: number, i: number): string {
  const p = st.progs[st.rankProgram[r]!]!;
  const op = p.g.program.ops[i]!;
  const name = op.name ? ` "${op.name}"` : '';
  switch (op.kind) {
    case 'coll': return `op ${op.id}${name} (${op.op} on group "${op.group ?? 'world'}")`;
    case 'send': return `op ${op.id}${name} (send to rank ${partnerRank(st, r, i)}, tag ${op.tag ?? 0})`;
    case 'recv': return `op ${op.id}${name} (recv from rank ${partnerRank(st, r, i)}, tag ${op.tag ?? 0})`;
    default: return `op ${op.id}${name} (${op.kind})`;
  }
}

function stateWord(st: ReplayState, x: number): string {
  return ['not issued', 'ready', 'issued', 'done'][st.state[x]!]!;
}

/** Why an unfinished op has not finished. */
function waitsFor(st: ReplayState, r: number, i: number): string {
  const p = st.progs[st.rankProgram[r]!]!;
  const x = st.slot(r, i);
  const ops = p.g.program.ops;
  const state = st.state[x]!;
  if (state === S_PENDING) {
    const open: string[] = [];
    for (let k = p.g.predStart[i]!; k < p.g.predStart[i + 1]!; k++) {
      const j = p.g.pred[k]!;
      if (st.state[st.slot(r, j)] !== S_DONE) open.push(`op ${ops[j]!.id}`);
    }
    return `not issued: waits for ${open.join(', ')}`;
  }
  if (state === S_READY) {
    const cls = p.cls[i]!;
    return `ready, waiting for its ${['', 'cpu', 'gpu compute', 'communication'][cls]} slot`;
  }
  const op = ops[i]!;
  if (op.kind === 'recv') {
    const s = partnerOf(st, r, i);
    const sr = rankOfGlobal(st.base, s), si = s - st.base[sr]!;
    return `${issuedAt(st, r, i, x)}, waits for rank ${sr} ${describeOp(st, sr, si)}, which is ${stateWord(st, st.slot(sr, si))}`;
  }
  if (op.kind === 'coll') {
    const inst = instanceOf(st, r, i);
    if (inst) {
      const missing: number[] = [];
      inst.c.joinedAt.forEach((t, m) => { if (t < 0) missing.push(inst.c.members[m]!); });
      if (missing.length > 0) {
        return `${issuedAt(st, r, i, x)} (collective #${inst.seq + 1} on this group), waits for rank${missing.length > 1 ? 's' : ''} ${compactRanges(missing)} to join`;
      }
    }
    return `${issuedAt(st, r, i, x)}, every member joined but it did not finish`;
  }
  return `${issuedAt(st, r, i, x)}, not finished`;
}

function issuedAt(st: ReplayState, r: number, i: number, x: number): string {
  const p = st.progs[st.rankProgram[r]!]!;
  let t: number | undefined;
  if (st.start) t = st.start[x];
  else if (p.kind[i] === K_SEND || p.kind[i] === K_RECV) t = st.p2pStart[st.p2pBase[r]! + p.p2pIndex[i]!];
  else {
    const inst = instanceOf(st, r, i); // a coll op issues when it joins
    for (let m = 0; inst && m < inst.ops.length; m++) if (inst.c.members[m] === r && inst.ops[m] === i) t = inst.c.joinedAt[m];
  }
  return `issued at ${t} ns`;
}

/** The unfinished collective instance that op i of rank r joined (error path only: a scan). */
function instanceOf(st: ReplayState, r: number, i: number): Instance | undefined {
  for (const inst of st.instances) {
    if (!inst) continue;
    for (let m = 0; m < inst.ops.length; m++) if (inst.c.members[m] === r && inst.ops[m] === i) return inst;
  }
  return undefined;
}

export function deadlockReport(st: ReplayState): string {
  const lines: string[] = [];
  let ranksStuck = 0;
  const MAX_RANKS = 8, MAX_OPS = 4;
  // causes first: each stuck rank's first stuck op, grouped by what it waits for (numbers aside); an op whose
  // members all joined but which never finished is a root cause, a wait for others a consequence
  const causes = new Map<string, { ranks: number[]; example: string }>();
  for (let r = 0; r < st.R; r++) {
    const n = st.progs[st.rankProgram[r]!]!.g.n;
    const issued: number[] = [];
    let pending = 0, firstPending = -1;
    for (let i = 0; i < n; i++) {
      const s = st.state[st.slot(r, i)]!;
      if (s === S_ISSUED || s === S_READY) issued.push(i);
      else if (s === S_PENDING) {
        pending++;
        if (firstPending < 0) firstPending = i;
      }
    }
    if (issued.length === 0 && pending === 0) continue;
    ranksStuck++;
    const first = issued.length > 0 ? issued[0]! : firstPending;
    const why = `${describeOp(st, r, first)} ${waitsFor(st, r, first)}`;
    const key = why.replace(/\d+/g, '#');
    const c = causes.get(key);
    if (c) c.ranks.push(r);
    else causes.set(key, { ranks: [r], example: `rank ${r}: ${why}` });
    if (ranksStuck > MAX_RANKS) continue;
    for (const i of issued.slice(0, MAX_OPS)) lines.push(`  rank ${r}: ${describeOp(st, r, i)} ${waitsFor(st, r, i)}`);
    if (issued.length > MAX_OPS) lines.push(`  rank ${r}: … and ${issued.length - MAX_OPS} more issued ops`);
    if (pending > 0) {
      lines.push(`  rank ${r}: ${describeOp(st, r, firstPending)} ${waitsFor(st, r, firstPending)}` +
        (pending > 1 ? ` (and ${pending - 1} more ops not issued)` : ''));
    }
  }
  if (ranksStuck > MAX_RANKS) lines.push(`  … and ${ranksStuck - MAX_RANKS} more ranks`);
  const root = (k: string) => (/did not finish|not finished/.test(k) ? 0 : 1);
  const sorted = [...causes.entries()].sort((a, b) => root(a[0]) - root(b[0]) || a[1].ranks.length - b[1].ranks.length);
  const summary = sorted.slice(0, 5).map(([, c]) =>
    `  ${c.ranks.length} rank${c.ranks.length === 1 ? '' : 's'} (${compactRanges(c.ranks)}), e.g. ${c.example}`);
  if (sorted.length > 5) summary.push(`  … and ${sorted.length - 5} more kinds of wait`);
  return `deadlock: ${st.total - st.done} of ${st.total} ops never finished; nothing was left to happen at ${st.now} ns. ` +
    `${ranksStuck} ranks stuck; by cause (ops that every member joined but never finished first):\n${summary.join('\n')}\n` +
    `Stuck ops of the first ${Math.min(ranksStuck, MAX_RANKS)} ranks:\n${lines.join('\n')}`;
}
