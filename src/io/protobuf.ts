/**
 * A minimal protobuf wire-format reader and writer: varints (with 64-bit values), fixed 32/64-bit words,
 * length-delimited fields, and the varint length framing Chakra uses for its `.et` files. No schema, no code
 * generation: the Chakra decoder (chakra.ts) says which field is what.
 *
 * 64-bit integers come back as a JS number when they are safe integers (|v| ≤ 2^53 − 1), else as a bigint, so no
 * value is ever silently rounded.
 */
import { InputError } from './errors.ts';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO32 = 4294967296;
/** hi word above which hi·2^32 + lo exceeds 2^53 − 1. */
const SAFE_HI = 0x1fffff;

/** Reads one protobuf message (or a slice of a file). Errors name the source and the byte offset. */
export class PbReader {
  pos: number;
  /** Low and high 32 bits of the last varint read (unsigned). */
  private lo = 0;
  private hi = 0;

  constructor(
    readonly buf: Uint8Array,
    readonly source: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string, at = this.pos): never {
    throw new InputError(`${this.source}: byte ${at}: ${what}`);
  }

  /** Reads a varint into lo/hi. */
  private readVarint(): void {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint', start);
      const b = this.buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    this.fail('varint longer than 10 bytes', start);
  }

  /** A tag: field number and wire type; field 0 is invalid. */
  tag(): { field: number; wire: number } {
    const at = this.pos;
    this.readVarint();
    if (this.hi !== 0) this.fail('field number out of range', at);
    const field = this.lo >>> 3;
    const wire = this.lo & 7;
    if (field === 0) this.fail('field number 0 (corrupt data, or not a Chakra .et file)', at);
    return { field, wire };
  }

  uint32(): number {
    this.readVarint();
    return this.lo;
  }

  int32(): number {
    this.readVarint();
    return this.lo | 0;
  }

  sint32(): number {
    this.readVarint();
    return (this.lo >>> 1) ^ -(this.lo & 1);
  }

  bool(): boolean {
    this.readVarint();
    return this.lo !== 0 || this.hi !== 0;
  }

  uint64(): number | bigint {
    this.readVarint();
    return toUnsigned(this.lo, this.hi);
  }

  int64(): number | bigint {
    this.readVarint();
    return toSigned(this.lo, this.hi);
  }

  sint64(): number | bigint {
    this.readVarint();
    const { lo, hi } = this;
    // zigzag: (n >>> 1) ^ -(n & 1) on 64 bits
    if (hi <= SAFE_HI) {
      const n = hi * TWO32 + lo;
      return lo & 1 ? -(n + 1) / 2 : n / 2;
    }
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    return narrow((n >> 1n) ^ -(n & 1n));
  }

  /** A uint64 that must fit a safe integer (ids, times); `what` names it in the error. */
  safeUint64(what: string): number {
    const at = this.pos;
    const v = this.uint64();
    if (typeof v === 'bigint') this.fail(`${what} ${v} exceeds 2^53 − 1`, at);
    return v;
  }

  fixed32(): number {
    const v = this.view(4).getUint32(0, true);
    return v;
  }

  sfixed32(): number {
    return this.view(4).getInt32(0, true);
  }

  float(): number {
    return this.view(4).getFloat32(0, true);
  }

  fixed64(): number | bigint {
    const dv = this.view(8);
    return toUnsigned(dv.getUint32(0, true), dv.getUint32(4, true));
  }

  sfixed64(): number | bigint {
    const dv = this.view(8);
    return toSigned(dv.getUint32(0, true), dv.getUint32(4, true));
  }

  double(): number {
    return this.view(8).getFloat64(0, true);
  }

  private view(n: number): DataView {
    if (this.pos + n > this.end) this.fail(`truncated ${n}-byte field`);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return dv;
  }

  /** The payload of a length-delimited field, as a view into the buffer. */
  bytes(): Uint8Array {
    const at = this.pos;
    const len = this.uint32();
    if (this.pos + len > this.end) this.fail(`length ${len} runs past the end of the message`, at);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return UTF8.decode(this.bytes());
  }

  /** A reader over the payload of a length-delimited field. */
  sub(): PbReader {
    const at = this.pos;
    const len = this.uint32();
    if (this.pos + len > this.end) this.fail(`length ${len} runs past the end of the message`, at);
    const r = new PbReader(this.buf, this.source, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  /** Skips a field's value; returns the raw bytes of tag + value (for unknown-field round trips). */
  skip(wire: number, tagStart: number): Uint8Array {
    switch (wire) {
      case WIRE_VARINT:
        this.readVarint();
        break;
      case WIRE_FIXED64:
        this.view(8);
        break;
      case WIRE_LEN:
        this.bytes();
        break;
      case WIRE_FIXED32:
        this.view(4);
        break;
      default:
        this.fail(`unsupported wire type ${wire}`, tagStart);
    }
    return this.buf.subarray(tagStart, this.pos);
  }
}

function toUnsigned(lo: number, hi: number): number | bigint {
  if (hi <= SAFE_HI) return hi * TWO32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function toSigned(lo: number, hi: number): number | bigint {
  if (hi & 0x80000000) {
    const v = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    return narrow(v);
  }
  return toUnsigned(lo, hi);
}

function narrow(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

const UTF8 = new TextDecoder('utf-8', { fatal: false });
const UTF8_ENC = new TextEncoder();

/** Appends protobuf-encoded fields to a growable buffer. */
export class PbWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  get length(): number {
    return this.len;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** An unsigned varint (number ≤ 2^53 − 1 or a bigint in [0, 2^64)). */
  varint(v: number | bigint): void {
    if (typeof v === 'bigint' || v > 0xffffffff || v < 0) {
      let n = BigInt.asUintN(64, BigInt(v));
      this.ensure(10);
      while (n >= 0x80n) {
        this.buf[this.len++] = Number(n & 0x7fn) | 0x80;
        n >>= 7n;
      }
      this.buf[this.len++] = Number(n);
      return;
    }
    this.ensure(5);
    let n = v >>> 0;
    while (n >= 0x80) {
      this.buf[this.len++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.len++] = n;
  }

  /** A signed varint (int32/int64): negatives take ten bytes, as in every protobuf implementation. */
  signedVarint(v: number | bigint): void {
    if (typeof v === 'bigint') this.varint(BigInt.asUintN(64, v));
    else if (v < 0) this.varint(BigInt.asUintN(64, BigInt(v)));
    else this.varint(v);
  }

  zigzag32(v: number): void {
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  zigzag64(v: number | bigint): void {
    const n = BigInt(v);
    this.varint(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  fixed32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer, this.len, 4).setUint32(0, v >>> 0, true);
    this.len += 4;
  }

  sfixed32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer, this.len, 4).setInt32(0, v, true);
    this.len += 4;
  }

  float(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer, this.len, 4).setFloat32(0, v, true);
    this.len += 4;
  }

  fixed64(v: number | bigint): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.len, 8).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
    this.len += 8;
  }

  sfixed64(v: number | bigint): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.len, 8).setBigInt64(0, BigInt.asIntN(64, BigInt(v)), true);
    this.len += 8;
  }

  double(v: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.len, 8).setFloat64(0, v, true);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  string(s: string): void {
    this.bytes(UTF8_ENC.encode(s));
  }
}

/** Splits `varint length + message` frames (Chakra's encodeMessage/decodeMessage framing). */
export function* frames(buf: Uint8Array, source: string): Generator<PbReader> {
  const r = new PbReader(buf, source);
  while (!r.eof()) {
    const at = r.pos;
    const len = r.uint32();
    if (r.pos + len > buf.length) r.fail(`message of ${len} bytes runs past the end of the file (${buf.length} bytes)`, at);
    yield new PbReader(buf, source, r.pos, r.pos + len);
    r.pos += len;
  }
}
