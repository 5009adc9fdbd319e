/**
 * Views of a few large typed arrays handed out instead of many small ones. Every ArrayBuffer is external memory
 * that V8 accounts for, and thousands of small ones (a dozen per program in a trace of 1,024 per-rank programs)
 * trigger full garbage collections that trace the whole heap, which for a million-op trace is most of the time
 * spent validating it. Chunks grow from 64 Ki elements to 4 Mi; a view keeps its chunk alive.
 */
export class TypedPool {
  private i32 = new Int32Array(0);
  private i32Off = 0;
  private f64 = new Float64Array(0);
  private f64Off = 0;
  private u8 = new Uint8Array(0);
  private u8Off = 0;
  private next = [1 << 16, 1 << 16, 1 << 16];

  /**
   * Makes the next chunk of each kind hold at least this many elements (int32, float64, uint8): a caller that knows
   * its total asks for it once. V8 starts a full GC each time external memory grows by about 64 MB, and a trace
   * of millions of ops otherwise takes its arrays in dozens of chunks, each a full GC over a large heap.
   */
  reserve(int32: number, float64: number, uint8: number): void {
    this.next[0] = Math.max(this.next[0]!, int32);
    this.next[1] = Math.max(this.next[1]!, float64);
    this.next[2] = Math.max(this.next[2]!, uint8);
  }

  private size(k: number, n: number): number {
    const s = Math.max(n, this.next[k]!);
    this.next[k] = Math.min(this.next[k]! * 2, 1 << 22);
    return s;
  }

  int32(n: number, fill = 0): Int32Array {
    if (this.i32Off + n > this.i32.length) {
      this.i32 = new Int32Array(this.size(0, n));
      this.i32Off = 0;
    }
    const v = this.i32.subarray(this.i32Off, this.i32Off + n);
    this.i32Off += n;
    if (fill !== 0) v.fill(fill);
    return v;
  }

  float64(n: number, fill = 0): Float64Array {
    if (this.f64Off + n > this.f64.length) {
      this.f64 = new Float64Array(this.size(1, n));
      this.f64Off = 0;
    }
    const v = this.f64.subarray(this.f64Off, this.f64Off + n);
    this.f64Off += n;
    if (fill !== 0) v.fill(fill);
    return v;
  }

  uint8(n: number): Uint8Array {
    if (this.u8Off + n > this.u8.length) {
      this.u8 = new Uint8Array(this.size(2, n));
      this.u8Off = 0;
    }
    const v = this.u8.subarray(this.u8Off, this.u8Off + n);
    this.u8Off += n;
    return v;
  }
}

/** Scratch Int32Arrays reused across programs (grown when a bigger one is needed). */
export class Scratch {
  private bufs: Int32Array[] = [];
  get(slot: number, n: number): Int32Array {
    let b = this.bufs[slot];
    if (!b || b.length < n) this.bufs[slot] = b = new Int32Array(Math.max(n, 1024));
    return b.subarray(0, n);
  }
}
