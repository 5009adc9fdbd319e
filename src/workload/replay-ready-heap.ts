/** The astra policy's ready set per (rank, class): a binary min-heap of op indices keyed by their position in id order. */
export function heapPush(h: number[], i: number, key: Int32Array): void {
  h.push(i);
  let k = h.length - 1;
  const ki = key[i]!;
  while (k > 0) {
    const parent = (k - 1) >> 1;
    if (key[h[parent]!]! <= ki) break;
    h[k] = h[parent]!;
    k = parent;
  }
  h[k] = i;
}

export function heapPop(h: number[], key: Int32Array): number {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    const kl = key[last]!;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && key[h[r]!]! < key[h[l]!]! ? r : l;
      if (key[h[c]!]! >= kl) break;
      h[k] = h[c]!;
      k = c;
    }
    h[k] = last;
  }
  return top;
}
