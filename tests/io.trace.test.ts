// Trace encodings: JSON, YAML and packed msgpack (optionally gzipped) carry the same data model losslessly, and a
// trace replays to the same result from any of them.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { syntheticTrace } from '../bench/synthetic.ts';
import { decodeTrace, encodeTrace, readTraceFile, traceToJson, writeTraceFile } from '../src/io/index.ts';
import type { Trace } from '../src/workload/trace.ts';
import { ring, run, trace, traceFile } from './helpers/trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'orrery-io-'));

/** A trace that uses every field of every kind, forward deps, big ids and an empty deps list. */
const everything: Trace = trace(2, [
  {
    ranks: [0],
    ops: [
      { id: 1_000_000_007, kind: 'compute', name: 'gemm', stream: 's0', flops: 2.5e12, bytes: 1.5e9, precision: 'fp8', cpu: false, ext: { rf_id: 4, tags: ['a'] } },
      { id: 3, kind: 'compute', durationNs: 0, deps: [], cpu: true },
      { id: 2, kind: 'coll', name: 'ar', op: 'broadcast', group: 'pair', bytes: 4096, root: 1, algorithms: ['direct4'], chunks: 2, priority: -3, durationNs: 77, deps: [1_000_000_007, 9] },
      { id: 9, kind: 'send', peer: 1, tag: -2, bytes: 12 },
      { id: 10, kind: 'wait', durationNs: 5, deps: [2] },
      { id: 11, kind: 'marker', name: '', deps: [10, 3] },
      { id: 12, kind: 'coll', op: 'allreduce', bytes: 8, stream: null },
      { id: 13, kind: 'send', peer: 1, group: 'pair', bytes: 3, stream: null },
    ],
  },
  {
    ranks: [1],
    ops: [
      { id: 0, kind: 'recv', peer: 0, tag: -2, bytes: 12 },
      { id: 1, kind: 'coll', op: 'broadcast', group: 'pair', bytes: 4096, root: 1, algorithms: ['direct4'], chunks: 2, priority: -3, durationNs: 77 },
      { id: 2, kind: 'coll', op: 'allreduce', bytes: 8, stream: null },
      { id: 3, kind: 'recv', peer: 0, group: 'pair', bytes: 3 },
    ],
  },
], { pair: [0, 1] }, { name: 'everything', source: 'tests', nested: { x: [1, 2] } });

/** Drops keys whose value is undefined, as JSON does. */
const plain = (t: Trace) => JSON.parse(JSON.stringify(t)) as Trace;

describe('encodings', () => {
  it.each(['json', 'yaml', 'msgpack'] as const)('%s round trip is lossless (plain and gzipped)', (enc) => {
    for (const gz of [false, true]) {
      const back = decodeTrace(gz ? new Uint8Array(gunzipSync(encodeTrace(everything, enc, true))) : encodeTrace(everything, enc), enc, 'mem');
      expect(plain(back)).toEqual(plain(everything));
      // and it writes back to the same canonical JSON text, byte for byte
      expect(traceToJson(back)).toBe(traceToJson(everything));
    }
  });

  it('msgpack is several times smaller than JSON on a 10k-op trace and round-trips', () => {
    const t = syntheticTrace({ ranks: 16, tp: 4, layers: 125 }); // 16 programs × 625 ops
    const j = encodeTrace(t, 'json');
    const m = encodeTrace(t, 'msgpack');
    expect(m.length * 4).toBeLessThan(j.length);
    expect(plain(decodeTrace(m, 'msgpack', 'mem'))).toEqual(plain(t));
  });

  it('files: encoding from the extension, gzip and encoding from the magic bytes', () => {
    const t = traceFile('pipeline-4.json');
    for (const name of ['a.json', 'a.json.gz', 'a.yaml', 'a.msgpack', 'a.mpk.gz']) {
      const p = join(dir, name);
      writeTraceFile(p, t);
      const r = readTraceFile(p);
      expect(plain(r.trace)).toEqual(plain(t));
      expect(r.gzip).toBe(name.endsWith('.gz'));
    }
    // no known extension: JSON by its "{", msgpack by its map header, gzip by 1f 8b
    writeFileSync(join(dir, 'noext1'), encodeTrace(t, 'json'));
    writeFileSync(join(dir, 'noext2'), encodeTrace(t, 'msgpack', true));
    expect(readTraceFile(join(dir, 'noext1')).encoding).toBe('json');
    expect(readTraceFile(join(dir, 'noext2'))).toMatchObject({ encoding: 'msgpack', gzip: true });
  });

  it('JSON is written one op per line with keys in a fixed order; the committed traces are in that form', () => {
    expect(traceToJson(traceFile('pingpong-2.json'))).toContain('\n      {"id":1,"kind":"compute","name":"work","deps":[0],"durationNs":1000},\n');
    const traces = join(import.meta.dirname, '..', 'traces');
    for (const f of readdirSync(traces).filter((x) => x.endsWith('.json'))) {
      expect(traceToJson(traceFile(f)), f).toBe(readFileSync(join(traces, f), 'utf8'));
    }
  });
});

describe('same simulation from every encoding', () => {
  it.each(['dp-overlap-4.json', 'pipeline-4.json', 'pingpong-2.json'])('%s', (name) => {
    const t = traceFile(name);
    const base = run(t, ring(t.ranks));
    for (const enc of ['json', 'msgpack', 'yaml'] as const) {
      const back = decodeTrace(encodeTrace(t, enc), enc, 'mem');
      const r = run(back, ring(t.ranks));
      expect({ ...r, wallMs: 0 }).toEqual({ ...base, wallMs: 0 });
    }
  });
});

describe('malformed files', () => {
  const file = (name: string, content: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it.each([
    ['bad.json', '{"format": "orrery-trace", "version": 1,', /bad\.json: not valid JSON/],
    ["v3.json", "{\"format\": \"orrery-trace\", \"version\": 3}", /v3\.json: trace "version" 3 is not supported; this Orrery reads versions 1 and 2/],
    ['other.json', '{"format": "chakra"}', /other\.json: "format" is "chakra"; expected "orrery-trace"/],
    ['arr.json', '[1, 2]', /arr\.json: expected a trace object, got an array/],
    ['bad.yaml', 'a: [1,', /bad\.yaml: not valid YAML/],
    ['bad.msgpack', new Uint8Array([0xc1, 0x00]), /bad\.msgpack: not valid msgpack/],
    ['what.bin', 'hello', /what\.bin: cannot tell the trace encoding; name it \.json, \.yaml or \.msgpack/],
  ])('%s', (name, content, msg) => {
    expect(() => readTraceFile(file(name, content))).toThrowError(msg);
  });

  it('a missing file names the path', () => {
    expect(() => readTraceFile(join(dir, 'nope.json'))).toThrowError(/nope\.json: cannot read trace file \(ENOENT\)/);
  });

  it('packed msgpack: unknown kind code, bad string index, short column, missing table, wrong packing', async () => {
    const { encode } = await import('@msgpack/msgpack');
    const { packTrace } = await import('../src/io/trace-packed.ts');
    const base = () => packTrace(trace(1, [{ ranks: [0], ops: [{ id: 0, kind: 'marker', name: 'm' }] }])) as Record<string, unknown> & { programs: [number[], number, Record<string, unknown>][] };
    const mp = (doc: object) => file('x.msgpack', encode(doc));
    const d1 = base();
    d1.programs[0]![2].kind = [1, Uint8Array.of(9)];
    expect(() => readTraceFile(mp(d1))).toThrowError(/x\.msgpack: programs\[0\], op at index 0: unknown kind code 9; expected 0-5 \(compute, coll, send, recv, wait, marker\)/);
    const d2 = base();
    d2.programs[0]![2].name = [1, Uint8Array.of(4)];
    expect(() => readTraceFile(mp(d2))).toThrowError(/programs\[0\], op at index 0: string index 4 is not in the strings table \(1 entries\)/);
    const d3 = base();
    d3.programs[0]![2].id = [1, Uint8Array.of(1, 1)];
    expect(() => readTraceFile(mp(d3))).toThrowError(/programs\[0\]: column id: column has 2 values; expected 1/);
    expect(() => readTraceFile(mp({ ...base(), strings: undefined }))).toThrowError(/lacks its "strings" table/);
    expect(() => readTraceFile(mp({ ...base(), packing: 7 }))).toThrowError(/"packing" 7; this Orrery reads packing 1/);
  });

  it('packed columns pick the narrowest width and keep floats, big ids and negatives exact', async () => {
    const { packTrace } = await import('../src/io/trace-packed.ts');
    const ops = [
      { id: 2 ** 40, kind: 'compute', flops: 0.1, durationNs: 70_000 },
      { id: 1, kind: 'send', peer: 1, tag: -(2 ** 31), bytes: 2 ** 52 },
      { id: 5, kind: 'send', peer: 1, bytes: 1 },
    ] as Trace['programs'][0]['ops'];
    const t = trace(2, [{ ranks: [0], ops }, { ranks: [1], ops: [{ id: 0, kind: 'recv', peer: 0, tag: -(2 ** 31), bytes: 2 ** 52 }] }]);
    const programs = (packTrace(t) as { programs: [unknown, number, Record<string, Record<string, [number, Uint8Array]>>][] }).programs;
    const cols = programs[0]![2];
    expect(cols.compute!.durationNs![0]).toBe(4); // 70,000 needs int32
    expect(cols.compute!.flops![0]).toBe(8); // 0.1 needs float64
    expect(cols.p2p!.tag![0]).toBe(8); // -2^31 is int32's reserved "absent" value, so float64
    expect(programs[1]![2].p2p!.tag![0]).toBe(8);
    expect(cols.p2p!.peer![0]).toBe(1); // peer 1: int8
    expect(plain(decodeTrace(encodeTrace(t, 'msgpack'), 'msgpack', 'mem'))).toEqual(plain(t));
  });
});
