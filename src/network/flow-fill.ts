/**
 * Max-min fair rates for one component of the flow model (flow.ts): progressive filling. Repeatedly take the link
 * with the smallest fair share (capacity left / flows not yet frozen), give that share to each of its unfrozen
 * flows, and charge it to their other links, until every flow is frozen.
 *
 * Links sit in an indexed binary heap keyed by (share, link id), so ties break by link id and the rates depend only
 * on the set of flows, not on the order they were created or listed. Each link touched in a round is re-keyed once:
 * O(L_c + F_c·h + P·log L_c) for L_c links, F_c flows of h hops and P ≤ min(F_c·h, L_c²) heap updates.
 * Nothing is allocated per call: the per-link scratch arrays are sized once for the whole network.
 */

export class ProgressiveFilling {
  /** Per link: flows not yet frozen, capacity left, and the fair share (the heap key). */
  private readonly lN: Int32Array;
  private readonly lRem: Float64Array;
  private readonly lKey: Float64Array;
  private readonly heapPos: Int32Array;
  private readonly heap: Int32Array;
  private heapSize = 0;
  private readonly touched: Int32Array;
  private readonly lTouch: Int32Array;

  /**
   * `cap`: capacity per link (B/ns); `lCount` and `lFlows`: the flows on each link now (the flow model's own arrays,
   * read at each fill).
   */
  constructor(
    private readonly cap: Float64Array,
    private readonly lCount: Int32Array,
    private readonly lFlows: readonly (number[] | undefined)[],
  ) {
    const L = cap.length;
    this.lN = new Int32Array(L);
    this.lRem = new Float64Array(L);
    this.lKey = new Float64Array(L);
    this.heapPos = new Int32Array(L).fill(-1);
    this.heap = new Int32Array(L);
    this.touched = new Int32Array(L);
    this.lTouch = new Int32Array(L);
  }

  /**
   * Rates the component of links Q[0..nl) and flows comp[0..nf), where flow g's hop j is link eLink[fOff[g] + j]:
   * writes each flow's max-min fair rate to fNew (the flow arrays are passed per call: the flow model grows them).
   */
  fill(Q: Int32Array, nl: number, comp: Int32Array, nf: number, fNew: Float64Array, fOff: Int32Array, fHops: Int32Array, eLink: Int32Array): void {
    const lN = this.lN, lRem = this.lRem, lKey = this.lKey;
    this.heapSize = 0;
    for (let i = 0; i < nl; i++) {
      const l = Q[i]!;
      const n = this.lCount[l]!;
      lN[l] = n;
      if (n > 0) {
        lRem[l] = this.cap[l]!;
        lKey[l] = this.cap[l]! / n;
        this.heapPush(l);
      }
    }
    for (let i = 0; i < nf; i++) fNew[comp[i]!] = -1;
    const touched = this.touched, mark = this.lTouch;
    let round = 0;
    while (this.heapSize > 0) {
      const l = this.heapPop();
      const s = lKey[l]!;
      // freeze every unfrozen flow of l at s and charge s to its other links; re-key each touched link once
      round++;
      let nt = 0;
      const flows = this.lFlows[l]!;
      for (let i = 0, n = flows.length; i < n; i++) {
        const g = flows[i]!;
        if (fNew[g]! >= 0) continue;
        fNew[g] = s;
        const off = fOff[g]!, h = fHops[g]!;
        for (let j = 0; j < h; j++) {
          const l2 = eLink[off + j]!;
          if (l2 === l) continue;
          const rem = lRem[l2]! - s;
          lRem[l2] = rem > 0 ? rem : 0;
          lN[l2]!--;
          if (mark[l2] !== round) {
            mark[l2] = round;
            touched[nt++] = l2;
          }
        }
      }
      for (let i = 0; i < nt; i++) {
        const l2 = touched[i]!;
        const n2 = lN[l2]!;
        if (n2 === 0) this.heapRemove(l2);
        else {
          lKey[l2] = lRem[l2]! / n2;
          this.heapFix(l2);
        }
      }
    }
    // reset the marks for the next fill (rounds restart at 1)
    for (let i = 0; i < nl; i++) mark[Q[i]!] = 0;
  }

  // ---- the indexed binary heap of links, by (key, id)

  private less(x: number, y: number): boolean {
    const kx = this.lKey[x]!, ky = this.lKey[y]!;
    return kx < ky || (kx === ky && x < y);
  }

  private heapPush(l: number): void {
    const i = this.heapSize++;
    this.heap[i] = l;
    this.heapPos[l] = i;
    this.siftUp(i);
  }

  private heapPop(): number {
    const top = this.heap[0]!;
    this.heapPos[top] = -1;
    const last = this.heap[--this.heapSize]!;
    if (this.heapSize > 0) {
      this.heap[0] = last;
      this.heapPos[last] = 0;
      this.siftDown(0);
    }
    return top;
  }

  private heapRemove(l: number): void {
    const i = this.heapPos[l]!;
    if (i < 0) return;
    this.heapPos[l] = -1;
    const last = this.heap[--this.heapSize]!;
    if (i < this.heapSize) {
      this.heap[i] = last;
      this.heapPos[last] = i;
      this.siftUp(i);
      this.siftDown(this.heapPos[last]!);
    }
  }

  private heapFix(l: number): void {
    const i = this.heapPos[l]!;
    if (i < 0) return;
    this.siftUp(i);
    this.siftDown(this.heapPos[l]!);
  }

  private siftUp(i: number): void {
    const heap = this.heap, pos = this.heapPos;
    const x = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const y = heap[p]!;
      if (!this.less(x, y)) break;
      heap[i] = y;
      pos[y] = i;
      i = p;
    }
    heap[i] = x;
    pos[x] = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap, pos = this.heapPos, n = this.heapSize;
    const x = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(heap[c + 1]!, heap[c]!)) c++;
      const y = heap[c]!;
      if (!this.less(y, x)) break;
      heap[i] = y;
      pos[y] = i;
      i = c;
    }
    heap[i] = x;
    pos[x] = i;
  }
}
