/**
 * Double binary tree all-reduce (NCCL's idea, ASTRA-sim's `doubleBinaryTree`): two binary trees over a line's
 * members; chunk c uses tree c mod 2, so alternate chunks load different links. In one chunk, leaves send the whole
 * chunk to their parent; an inner member waits for all its children, reduces, and sends up; the root, once it has
 * its children's data, sends the chunk back down and every member forwards it to its children. There is no
 * pipelining inside a chunk, so members finish at different times.
 *
 * Closed form (α-β, one chunk, free processing, h hops per tree edge, p a power of two so the height is log2 p):
 * the root finishes at log2(p)·(h·α + n/B), the leaves at 2·log2(p)·(h·α + n/B).
 * Flavor `astra` is ASTRA-sim's: inner members also charge the reduction cost on the way down; the tree of each
 * phase follows a per-rank counter that persists across collectives (see `CollectiveSystem.treeParity`); and every
 * collective type runs this all-reduce of the whole phase data (its registry entry accepts them all).
 */
import { PhaseRun } from './base.ts';
import type { Collective, CollectiveSystem } from '../system.ts';
import type { PhasePlan } from '../plan.ts';

/** Parent (−1 for the root) and children (−1 when absent) of each position, for one tree. */
export interface Tree {
  parent: Int32Array;
  left: Int32Array;
  right: Int32Array;
  root: number;
}

/**
 * The two trees over positions 0..p−1, shaped as ASTRA-sim's `BinaryTree` (and NCCL's): a root with a single child,
 * under which the other p−1 positions form a balanced binary tree numbered in order. Tree 0 ("RootMax") has the
 * root at p−1 over positions 0..p−2; tree 1 ("RootMin") has it at 0 over 1..p−1. For p = 8:
 * tree 0 is 7 ← 3 ← {1 ← {0, 2}, 5 ← {4, 6}}, tree 1 is 0 ← 4 ← {2 ← {1, 3}, 6 ← {5, 7}}; the height is log2 p.
 */
export function doubleBinaryTrees(p: number): [Tree, Tree] {
  return [rootedTree(p, p - 1, 0, p - 1), rootedTree(p, 0, 1, p)];
}

function rootedTree(p: number, root: number, lo: number, hi: number): Tree {
  const parent = new Int32Array(p).fill(-1), left = new Int32Array(p).fill(-1), right = new Int32Array(p).fill(-1);
  // balanced in-order tree over [lo, hi): the midpoint is the subtree's root
  const build = (a: number, b: number, up: number): number => {
    if (a >= b) return -1;
    const mid = (a + b - 1) >> 1;
    parent[mid] = up;
    left[mid] = build(a, mid, mid);
    right[mid] = build(mid + 1, b, mid);
    return mid;
  };
  const child = build(lo, hi, root);
  if (root < lo) right[root] = child;
  else left[root] = child;
  return { parent, left, right, root };
}

export class DoubleBinaryTreeRun extends PhaseRun {
  private tree: Tree;
  private readonly got: Int32Array; // children's messages processed
  private readonly earlyUp: Int32Array; // children's messages arrived before the member started
  private readonly earlyDown: Uint8Array; // the parent's message arrived before the member waited for it
  private readonly state: Uint8Array; // 0 not started, 1 gathering children, 2 waiting for the parent

  constructor(system: CollectiveSystem, id: number, c: Collective, chunk: number, phaseIndex: number, phase: PhasePlan, bytes: number) {
    super(system, id, c, chunk, phaseIndex, phase, bytes);
    this.tree = this.pickTree();
    this.got = new Int32Array(c.size);
    this.earlyUp = new Int32Array(c.size);
    this.earlyDown = new Uint8Array(c.size);
    this.state = new Uint8Array(c.size);
  }

  /** Native: chunks alternate trees; astra: ASTRA-sim's per-rank counter, which persists across collectives. */
  private pickTree(): Tree {
    return treesFor(this.p)[this.astra ? this.system.treeParity(this.collective, this.phase.queue) : this.chunk % 2]!;
  }

  reset(): void {
    this.tree = this.pickTree(); // a new instance advances the astra tree counters as a new run would
    this.got.fill(0);
    this.earlyUp.fill(0);
    this.earlyDown.fill(0);
    this.state.fill(0);
  }

  private children(pos: number): number {
    return (this.tree.left[pos]! >= 0 ? 1 : 0) + (this.tree.right[pos]! >= 0 ? 1 : 0);
  }

  start(m: number): void {
    if (this.p <= 1) return this.done(m);
    const pos = this.phase.posOf[m]!;
    this.state[m] = 1;
    if (this.children(pos) === 0) return this.up(m, pos);
    let e = this.earlyUp[m]!;
    this.earlyUp[m] = 0;
    while (e-- > 0) this.receive(m, 0, this.bytes, true);
  }

  opensWithSend(m: number): boolean {
    return this.children(this.phase.posOf[m]!) === 0;
  }

  protected ready(m: number, round: number): boolean {
    return this.state[m] === (round === 0 ? 1 : 2);
  }

  arrive(m: number, round: number): void {
    if (round === 0) {
      if (this.state[m] === 1) this.receive(m, 0, this.bytes, true);
      else this.earlyUp[m]!++;
    } else if (this.state[m] === 2) this.receive(m, 1, this.bytes, this.reducesDown(m));
    else this.earlyDown[m] = 1;
  }

  processed(m: number, round: number): void {
    const pos = this.phase.posOf[m]!;
    if (round === 0) {
      if (++this.got[m]! === this.children(pos)) this.up(m, pos);
    } else {
      this.down(m, pos);
    }
  }

  /** Member m has its subtree's sum: send it up, or turn around at the root. */
  private up(m: number, pos: number): void {
    const parent = this.tree.parent[pos]!;
    if (parent < 0) return this.down(m, pos);
    this.send(m, this.peer(m, parent), this.bytes, 0, true);
    this.state[m] = 2;
    if (this.earlyDown[m] === 1) {
      this.earlyDown[m] = 0;
      this.receive(m, 1, this.bytes, this.reducesDown(m));
    }
  }

  /** Flavor astra: an inner member charges a reduction for the chunk coming down too (leaves do not). */
  private reducesDown(m: number): boolean {
    return this.astra && this.children(this.phase.posOf[m]!) > 0;
  }

  private down(m: number, pos: number): void {
    const l = this.tree.left[pos]!, r = this.tree.right[pos]!;
    if (l >= 0) this.send(m, this.peer(m, l), this.bytes, 1, this.astra && this.children(l) > 0);
    if (r >= 0) this.send(m, this.peer(m, r), this.bytes, 1, this.astra && this.children(r) > 0);
    this.done(m);
  }
}

const cache = new Map<number, [Tree, Tree]>();
function treesFor(p: number): [Tree, Tree] {
  let t = cache.get(p);
  if (!t) {
    t = doubleBinaryTrees(p);
    if (cache.size > 64) cache.clear();
    cache.set(p, t);
  }
  return t;
}
