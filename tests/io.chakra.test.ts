// Chakra ET importer and exporter, on every .et file in tests/fixtures (ASTRA-sim's microbenchmarks and custom
// collective, MIT, astra-sim/astra-sim@518bd51; the PyTorch trace of mlcommons/chakra@21585d8, Apache-2.0: see
// tests/fixtures/README.md). Expected values: tests/fixtures/chakra/decoded/ (protoc --decode of the same files)
// and FORMATS.md §3.3 / §6.6.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChakraFile, readChakraTrace } from '../src/io/chakra.ts';
import {
  ATTR_TYPES, decodeChakra, encodeChakra, encodeMetadata, encodeNode, NODE_TYPES,
  type ChakraAttr, type ChakraFile, type ChakraNode,
} from '../src/io/chakraProto.ts';
import { writeChakraTrace } from '../src/io/chakraWrite.ts';
import { PbWriter } from '../src/io/protobuf.ts';
import type { Trace } from '../src/workload/trace.ts';
import { FIXTURES, untarGz } from './helpers/fixtures.ts';
import { parseDecoded, type TextMessage, type TextValue } from './helpers/protoText.ts';
import { freeCommSchedule, opCounts, programOf, rankView } from './helpers/traceTools.ts';

const MICRO = join(FIXTURES, 'astra-sim/v2/microbenchmarks');
const CUSTOM = join(FIXTURES, 'astra-sim/v2/custom_collectives/custom_ring_allreduce_8npus_1MB/custom_allreduce');

function findFiles(dir: string, pred: (p: string) => boolean): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? findFiles(p, pred) : pred(p) ? [p] : [];
  });
}
const ALL_ET = findFiles(FIXTURES, (p) => p.endsWith('.et'));

/** Our decoded structures in protoc's text form, to compare with the decodings in tests/fixtures/chakra/decoded/. */
function attrText(a: ChakraAttr): TextMessage {
  const m: TextMessage = { name: [a.name] };
  if (a.docString) m.doc_string = [a.docString];
  const v = (x: unknown): TextValue => (typeof x === 'bigint' ? Number(x) : (x as TextValue));
  if (a.type !== undefined) {
    if (a.list) m[`${a.type}_list`] = [((a.value as unknown[]).length ? { values: (a.value as unknown[]).map(v) } : {}) as TextMessage];
    else m[`${a.type}_val`] = [v(a.value)];
  }
  return m;
}
function nodeText(n: ChakraNode): TextMessage {
  const m: TextMessage = {};
  if (n.id !== 0) m.id = [n.id];
  if (n.name !== '') m.name = [n.name];
  if (n.type !== 0) m.type = [{ enum: NODE_TYPES[n.type]! }];
  if (n.ctrlDeps.length) m.ctrl_deps = n.ctrlDeps;
  if (n.dataDeps.length) m.data_deps = n.dataDeps;
  if (n.startTimeMicros) m.start_time_micros = [n.startTimeMicros];
  if (n.durationMicros) m.duration_micros = [n.durationMicros];
  for (const k of ['inputs', 'outputs'] as const) {
    const io = n[k];
    if (io) m[k] = [Object.fromEntries(Object.entries(io).filter(([, s]) => s !== '').map(([f, s]) => [f, [s]])) as TextMessage];
  }
  if (n.attr.length) m.attr = n.attr.map(attrText);
  return m;
}

describe('Chakra decoder against protoc --decode (tests/fixtures/chakra/decoded/)', () => {
  const decodedDir = join(FIXTURES, 'chakra/decoded');
  const cases = readdirSync(decodedDir).filter((f) => f.endsWith('.et.txt'));

  it('has decodings to compare with', () => {
    expect(cases.length).toBe(9);
  });

  for (const c of cases) {
    it(c, () => {
      // "4npus_1MB__all_gather.0.et.txt" is <dir>/all_gather.0.et
      const [dir, file] = c.replace(/\.txt$/, '').split('__') as [string, string];
      const et = ALL_ET.find((p) => p.endsWith(`/${dir}/${file}`));
      expect(et, `no .et for ${c}`).toBeDefined();
      const expected = parseDecoded(readFileSync(join(decodedDir, c), 'utf8'));
      const got = readChakraFile(et!);
      expect(expected.length).toBe(got.nodes.length + 1);
      expect(expected[0]!.type).toBe('GlobalMetadata');
      const meta: TextMessage = {};
      if (got.metadata.version) meta.version = [got.metadata.version];
      if (got.metadata.attr.length) meta.attr = got.metadata.attr.map(attrText);
      expect(meta).toEqual(expected[0]!.fields);
      // message sizes in the headers are the serialized sizes: our encoder must give the same
      expect(encodeMetadata(got.metadata).length).toBe(expected[0]!.bytes);
      got.nodes.forEach((n, i) => {
        expect(expected[i + 1]!.type).toBe('Node');
        expect(nodeText(n)).toEqual(expected[i + 1]!.fields);
        expect(encodeNode(n).length).toBe(expected[i + 1]!.bytes);
      });
    });
  }
});

describe('Chakra decode → encode is byte-exact', () => {
  it('on every .et file in tests/fixtures (56 files)', () => {
    expect(ALL_ET.length).toBe(56);
    for (const f of ALL_ET) {
      const raw = readFileSync(f);
      expect(Buffer.compare(Buffer.from(encodeChakra(decodeChakra(raw, f))), raw), f).toBe(0);
    }
  });

  it('keeps every AttributeProto kind (30 oneof members), packed and unpacked lists, and unknown fields', () => {
    const samples: Record<string, unknown[]> = {
      double: [1.5, -2.25], float: [0.5, 3], int32: [-7, 2147483647], int64: [-1, 9007199254740991, -9223372036854775808n],
      uint32: [4294967295, 0], uint64: [18446744073709551615n, 12], sint32: [-2147483648, 5], sint64: [-9007199254740991, 3n ** 39n],
      fixed32: [4294967295, 1], fixed64: [18446744073709551615n, 7], sfixed32: [-5, 6], sfixed64: [-9223372036854775808n, 8],
      bool: [true, false], string: ['héllo', ''], bytes: [new Uint8Array([0, 255, 7]), new Uint8Array([])],
    };
    const attr: ChakraAttr[] = [];
    for (const t of ATTR_TYPES) {
      attr.push({ name: `${t}_val`, type: t, value: samples[t]![0] as never });
      attr.push({ name: `${t}_list`, type: t, list: true, value: samples[t] as never });
    }
    attr.push({ name: 'no_value', docString: 'a doc string' });
    const file: ChakraFile = {
      metadata: { version: '0.0.4', attr: [{ name: 'schema', type: 'string', value: 'x' }] },
      nodes: [{ id: 5, name: 'n', type: 4, ctrlDeps: [1, 2], dataDeps: [3], startTimeMicros: 9, durationMicros: 11,
        inputs: { values: 'v', shapes: '', types: 't' }, outputs: { values: '', shapes: '', types: '' }, attr }],
    };
    const bytes = encodeChakra(file);
    const back = decodeChakra(bytes, 'synthetic');
    expect(back).toEqual(file);
    expect(Buffer.compare(Buffer.from(encodeChakra(back)), Buffer.from(bytes))).toBe(0);

    // unpacked repeated fields (allowed by proto3 parsers) and an unknown field 11 (newer Chakra's `storage`)
    const w = new PbWriter();
    w.tag(1, 0); w.varint(9);
    w.tag(5, 0); w.varint(4); w.tag(5, 0); w.varint(6); // data_deps unpacked
    const list = new PbWriter();
    list.tag(1, 0); list.varint(1); list.tag(1, 0); list.varint(0); // BoolList values unpacked
    const a = new PbWriter();
    a.tag(1, 2); a.string('involved_dim'); a.tag(28, 2); a.bytes(list.finish());
    w.tag(10, 2); w.bytes(a.finish());
    w.tag(11, 2); w.bytes(new Uint8Array([8, 1]));
    const node = w.finish();
    const framed = new PbWriter();
    framed.bytes(new Uint8Array(0)); // empty GlobalMetadata
    framed.bytes(node);
    const d = decodeChakra(framed.finish(), 'unpacked');
    expect(d.nodes[0]!.dataDeps).toEqual([4, 6]);
    expect(d.nodes[0]!.attr[0]).toEqual({ name: 'involved_dim', type: 'bool', list: true, value: [true, false] });
    expect(d.nodes[0]!.unknown).toHaveLength(1);
  });

  it('names the file and byte offset of a truncated or corrupt file', () => {
    const raw = readFileSync(join(MICRO, 'all_reduce/4npus_1MB/all_reduce.1.et'));
    expect(() => decodeChakra(raw.subarray(0, 40), 'cut.et')).toThrow(/cut\.et: byte \d+: message of 74 bytes runs past the end of the file \(40 bytes\)/);
    expect(() => decodeChakra(new Uint8Array([3, 0, 0, 0]), 'zero.et')).toThrow(/zero\.et: byte 1: field number 0/);
    expect(() => decodeChakra(new Uint8Array([]), 'empty.et')).toThrow(/empty\.et: empty file/);
  });
});

describe('Chakra import: ASTRA-sim microbenchmarks (one collective per rank)', () => {
  const OPS: Record<string, string> = { all_reduce: 'allreduce', all_gather: 'allgather', reduce_scatter: 'reducescatter', all_to_all: 'alltoall' };
  for (const [dir, op] of Object.entries(OPS)) {
    for (const npus of [4, 8]) {
      it(`${dir} ${npus} NPUs: ${op} of 1 MiB on the world, node id = rank`, () => {
        const t = readChakraTrace(join(MICRO, dir, `${npus}npus_1MB`, dir));
        expect(t.ranks).toBe(npus);
        for (let r = 0; r < npus; r++) {
          // generator: comm_size = 1 MB × 2^20 (FORMATS.md §3.6), node id r on rank r
          expect(programOf(t, r)).toEqual([{ id: r, name: `${dir}_${npus}npus_1MB`, kind: 'coll', op, bytes: 1048576 }]);
        }
        expect(t.meta?.chakra).toMatchObject({ version: '0.0.4', nodes: npus, byType: { COMM_COLL_NODE: npus } });
        expect(t.meta?.warnings).toEqual([]);
      });
    }
  }
});

describe('Chakra import: ASTRA-sim custom ring all-reduce (MSCCL-converted)', () => {
  const t = readChakraTrace(CUSTOM);

  it('35 ops per rank: 14 send, 14 recv, 7 compute of 7 µs', () => {
    expect(t.ranks).toBe(8);
    for (let r = 0; r < 8; r++) {
      const ops = programOf(t, r);
      expect(ops).toHaveLength(35);
      const kinds = ops.reduce<Record<string, number>>((c, o) => ({ ...c, [o.kind]: (c[o.kind] ?? 0) + 1 }), {});
      expect(kinds).toEqual({ send: 14, recv: 14, compute: 7 });
      for (const o of ops) {
        if (o.kind === 'compute') expect(o.durationNs).toBe(7000); // duration_micros 7 × 1000
        // 1 MiB / 8 chunks per message; ring of the XML: gpu r sends to r+1 and receives from r−1
        if (o.kind === 'send') expect(o).toMatchObject({ peer: (r + 1) % 8, bytes: 131072, tag: 0 });
        if (o.kind === 'recv') expect(o).toMatchObject({ peer: (r + 7) % 8, bytes: 131072, tag: 0 });
      }
    }
  });

  it('keeps the data deps (decoded: node 1 ← 0, node 2 ← 1) and ignores comm_type 5/6 on p2p nodes', () => {
    const ops = programOf(t, 0);
    expect(ops[0]).toEqual({ id: 0, name: 'COMM_SEND_NODE_tb0_step0', kind: 'send', peer: 1, tag: 0, bytes: 131072, ext: { attrs: { comm_type: 5 } } });
    expect(ops[1]).toMatchObject({ id: 1, kind: 'recv', deps: [0] });
    expect(ops[2]).toMatchObject({ id: 2, kind: 'compute', deps: [1], durationNs: 7000 });
  });

  it('runs without deadlock when communication is free; makespan = the 7 chained 7 µs reductions = 49,000 ns', () => {
    const s = freeCommSchedule(t);
    expect(s.stuck).toEqual([]);
    expect(s.makespan).toBe(7 * 7000);
  });
});

describe('Chakra import: the real PyTorch trace (feeder_tests_trace.tar.gz, 3,664 nodes)', () => {
  let dir = '';
  let prefix = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orrery-chakra-'));
    untarGz(join(FIXTURES, 'chakra/feeder_tests_trace.tar.gz'), dir);
    prefix = join(dir, 'tests/data/chakra');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads: 3,643 COMP + 21 COLL nodes, 53 forward data deps, 1,277 dangling ctrl deps, as warnings', () => {
    const t = readChakraTrace(prefix);
    // FORMATS.md §3.3: "53 data deps point to later nodes; 1277 of 3664 ctrl_deps reference ids absent from the file"
    expect(t.meta?.chakra).toMatchObject({
      nodes: 3664, byType: { COMP_NODE: 3643, COMM_COLL_NODE: 21 },
      forwardDataDeps: 53, danglingDataDeps: 0, danglingCtrlDeps: 1277, hostCollectives: 14,
      selfDeps: 383, // ctrl_deps naming the node itself (counted in every mode, dropped)
    });
    const w = t.meta?.warnings as string[];
    expect(w.some((s) => s.startsWith('53 data deps point to a later node'))).toBe(true);
    expect(w.some((s) => s.startsWith('1277 ctrl deps'))).toBe(true);
    // 14 of the 21 COLL nodes are host-side c10d calls (is_cpu_op, no comm_type): CPU compute; 7 are NCCL kernels
    expect(opCounts(t)).toEqual({ compute: 3643 + 14, coll: 7 });
    const colls = programOf(t, 0).filter((o) => o.kind === 'coll');
    expect(colls.map((c) => c.kind === 'coll' && c.op)).toEqual(['broadcast', 'broadcast', 'allreduce', 'allreduce', 'allreduce', 'allreduce', 'allreduce']);
    expect(colls[2]).toMatchObject({ id: 3256, bytes: 8196000, durationNs: 5572000 });
  });

  it('lists ops so every dependency comes first (forward deps resolved), with ctrl_deps as parent links', () => {
    const t = readChakraTrace(prefix);
    const ops = programOf(t, 0);
    const seen = new Set<number>();
    const late: string[] = [];
    for (const o of ops) {
      for (const d of o.deps ?? []) if (!seen.has(d)) late.push(`${o.id}←${d}`);
      seen.add(o.id);
    }
    expect(late).toEqual([]);
    expect(ops.reduce((n, o) => n + (o.deps?.length ?? 0), 0)).toBe(181878); // every data dep, none dangling
    expect(ops.find((o) => o.id === 217)?.ext?.parent).toBe(3);
  });

  it('in astra mode (ctrl_deps as dependencies, as FeederV3) names the cycles ctrl and data deps form here', () => {
    // node 3317 (aten::mul, CPU) has ctrl parent 3318, a GPU kernel whose data deps include 3317: 462 pairs of
    // nodes depend on each other once ctrl deps count, so ASTRA-sim's FeederV3, which resolves both, would stall
    expect(() => readChakraTrace(prefix, { ctrlDeps: 'astra', keepIo: false })).toThrow(/chakra\.0\.et: dependency cycle among nodes \d+ → \d+ → \d+/);
  });

  it('in astra mode honours ctrl_deps where they form no cycle (a synthetic chain)', () => {
    const n = (id: number, ctrl: number[], data: number[]): ChakraNode => ({ id, name: `n${id}`, type: 4, ctrlDeps: ctrl, dataDeps: data, startTimeMicros: 0, durationMicros: 2, attr: [] });
    const f = join(dir, 'ctrl.0.et');
    writeFileSync(f, encodeChakra({ metadata: { version: '', attr: [] }, nodes: [n(1, [], []), n(2, [1, 99], []), n(3, [2], [1])] }));
    const a = readChakraTrace(join(dir, 'ctrl'), { ctrlDeps: 'astra' });
    expect(programOf(a, 0).map((o) => o.deps ?? [])).toEqual([[], [1], [1, 2]]);
    expect(a.meta?.chakra).toMatchObject({ danglingCtrlDeps: 1 });
    const p = readChakraTrace(join(dir, 'ctrl'));
    expect(programOf(p, 0).map((o) => o.deps ?? [])).toEqual([[], [], [1]]);
    expect(programOf(p, 0)[1]!.ext).toEqual({ parent: [1, 99] });
  });

  it('runs to completion with free communication (no stuck op); makespan ≥ the busiest stream', () => {
    const t = readChakraTrace(prefix, { keepIo: false });
    const s = freeCommSchedule(t);
    expect(s.stuck).toEqual([]);
    const perStream: Record<string, number> = {};
    for (const o of programOf(t, 0)) {
      if (o.kind !== 'compute') continue;
      const k = o.cpu ? 'cpu' : 'compute';
      perStream[k] = (perStream[k] ?? 0) + o.durationNs!;
    }
    expect(s.makespan).toBeGreaterThanOrEqual(Math.max(...Object.values(perStream)));
  });

  // Its replay through the collectives layer and a network model is in tests/replay.importers.test.ts.

  it('streams: tid gives one stream per PyTorch thread / CUDA stream', () => {
    const t = readChakraTrace(prefix, { streams: 'tid', keepIo: false });
    const streams = new Set(programOf(t, 0).map((o) => o.stream));
    expect([...streams].sort()).toEqual(['cpu:1', 'cpu:2', 'gpu:14', 'gpu:7']);
    expect(freeCommSchedule(t).stuck).toEqual([]);
  });
});

describe('Chakra import options and errors', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'orrery-chakra-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads gzip-compressed files (sniffs 1f 8b) and a path to one rank file', () => {
    for (let r = 0; r < 4; r++) {
      writeFileSync(join(dir, `g.${r}.et`), gzipSync(readFileSync(join(MICRO, `all_reduce/4npus_1MB/all_reduce.${r}.et`))));
    }
    const g = readChakraTrace(join(dir, 'g'));
    const plain = readChakraTrace(join(MICRO, 'all_reduce/4npus_1MB/all_reduce.0.et'));
    expect(g.programs).toEqual(plain.programs);
    expect(plain.ranks).toBe(4);
  });

  it('explicit rank count; a missing file is named', () => {
    expect(readChakraTrace(join(MICRO, 'all_reduce/8npus_1MB/all_reduce'), { ranks: 3 }).ranks).toBe(3);
    expect(() => readChakraTrace(join(MICRO, 'all_reduce/4npus_1MB/all_reduce'), { ranks: 5 })).toThrow(/all_reduce\.4\.et does not exist \(5 ranks were asked for\)/);
    expect(() => readChakraTrace(join(dir, 'nothing'))).toThrow(/no file .*nothing\.0\.et/);
  });

  const write = (name: string, nodes: ChakraNode[][]): string => {
    nodes.forEach((ns, r) => writeFileSync(join(dir, `${name}.${r}.et`), encodeChakra({ metadata: { version: '0.0.4', attr: [] }, nodes: ns })));
    return join(dir, name);
  };
  const coll = (id: number, attr: ChakraAttr[]): ChakraNode => ({
    id, name: `c${id}`, type: 7, ctrlDeps: [], dataDeps: [], startTimeMicros: 0, durationMicros: 0,
    attr: [{ name: 'comm_type', type: 'int64', value: 0 }, { name: 'comm_size', type: 'int64', value: 64 }, ...attr],
  });

  it('involved_dim masks become partition groups over the topology dims; without dims, a clear error', () => {
    const mask = (m: boolean[]): ChakraAttr => ({ name: 'involved_dim', type: 'bool', list: true, value: m });
    const p = write('dims', Array.from({ length: 8 }, () => [coll(1, [mask([true, false])]), coll(2, [mask([false, true])])]));
    const t = readChakraTrace(p, { dims: [2, 4] });
    expect(t.groups).toEqual({ 'dims:0': [[0, 1], [2, 3], [4, 5], [6, 7]], 'dims:1': [[0, 2, 4, 6], [1, 3, 5, 7]] });
    expect(programOf(t, 0).map((o) => o.kind === 'coll' && o.group)).toEqual(['dims:0', 'dims:1']);
    expect(t.programs).toHaveLength(1); // every rank runs the same program: SPMD sharing
    expect(() => readChakraTrace(p)).toThrow(/involved_dim \[true, false\] spans only some network dimensions: pass the topology/);
    expect(() => readChakraTrace(p, { dims: [4, 4] })).toThrow(/the topology has 16 NPUs \(4×4\) but the trace has 8 rank files/);
  });

  it('pg_name groups from the comm-group JSON; unknown groups and foreign ranks are errors', () => {
    const pg = (v: string): ChakraAttr => ({ name: 'pg_name', type: 'string', value: v });
    const p = write('pg', [[coll(1, [pg('1')])], [coll(1, [pg('1')])], [coll(1, [pg('2')])], [coll(1, [pg('0')])]]);
    const json = join(dir, 'groups.json');
    writeFileSync(json, JSON.stringify({ 1: [0, 1], 2: [2, 3] }));
    const t = readChakraTrace(p, { commGroups: json });
    expect(t.groups).toEqual({ pg1: [0, 1], pg2: [2, 3] });
    expect(rankView(t, 3)[0]).toMatchObject({ group: [0, 1, 2, 3] }); // "0" = world
    expect(() => readChakraTrace(p)).toThrow(/pg_name "1" is not defined \(pass ASTRA-sim's comm-group JSON/);
    const bad = write('pgbad', [[coll(1, [pg('2')])], [coll(1, [])], [coll(1, [])], [coll(1, [])]]);
    expect(() => readChakraTrace(bad, { commGroups: json })).toThrow(/rank 0 issues a collective on group "2" = \[2, 3\], which does not contain it/);
  });

  it('rejects GATHER, names missing attributes and bad peers', () => {
    const g = write('gather', [[{ ...coll(1, []), attr: [{ name: 'comm_type', type: 'int64', value: 3 }] }]]);
    expect(() => readChakraTrace(g)).toThrow(/node 1 \(c1\): collective GATHER is not supported/);
    const send = (attr: ChakraAttr[]): ChakraNode => ({ id: 4, name: 's', type: 5, ctrlDeps: [], dataDeps: [], startTimeMicros: 0, durationMicros: 0, attr });
    expect(() => readChakraTrace(write('nodst', [[send([{ name: 'comm_size', type: 'int64', value: 8 }])]]))).toThrow(/COMM_SEND_NODE without comm_dst/);
    expect(() => readChakraTrace(write('farpeer', [[send([{ name: 'comm_dst', type: 'int32', value: 3 }, { name: 'comm_size', type: 'int64', value: 8 }])]]))).toThrow(/comm_dst 3 is outside ranks 0\.\.0/);
    // generator traces put the size in tensor_size (FORMATS.md §3.2): accepted
    const t = readChakraTrace(write('ts', [[send([{ name: 'comm_dst', type: 'int32', value: 1 }, { name: 'tensor_size', type: 'uint64', value: 1024 }])], [{ ...send([{ name: 'comm_src', type: 'int32', value: 0 }, { name: 'tensor_size', type: 'uint64', value: 1024 }]), type: 6 }]]));
    expect(programOf(t, 0)[0]).toMatchObject({ kind: 'send', peer: 1, bytes: 1024 });
  });

  it('names a dependency cycle', () => {
    const n = (id: number, dep: number): ChakraNode => ({ id, name: `n${id}`, type: 4, ctrlDeps: [], dataDeps: [dep], startTimeMicros: 0, durationMicros: 1, attr: [] });
    expect(() => readChakraTrace(write('cycle', [[n(1, 3), n(2, 1), n(3, 2)]]))).toThrow(/dependency cycle among nodes 1 → 3 → 2 → 1|dependency cycle among nodes \d+ → \d+ → \d+ → \d+/);
  });

  it('copies: a rank file path works like its prefix', () => {
    copyFileSync(join(MICRO, 'all_gather/4npus_1MB/all_gather.0.et'), join(dir, 'one.et'));
    const t = readChakraTrace(join(dir, 'one.et'));
    expect(t.ranks).toBe(1);
    expect(existsSync(join(dir, 'one.et'))).toBe(true);
  });
});

describe('Chakra export', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'orrery-chakra-out-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const roundTrip = (t: Trace, name: string, dims?: number[]): Trace => {
    const out = writeChakraTrace(t, join(dir, name), dims ? { dims } : {});
    return readChakraTrace(join(dir, name), {
      ...(out.commGroupFile ? { commGroups: out.commGroupFile } : {}),
      ...(dims ? { dims } : {}),
    });
  };
  const sameRanks = (a: Trace, b: Trace): void => {
    expect(b.ranks).toBe(a.ranks);
    for (let r = 0; r < a.ranks; r++) expect(rankView(b, r), `rank ${r}`).toEqual(rankView(a, r));
  };

  it('writes the microbenchmark files back byte for byte', () => {
    const src = join(MICRO, 'reduce_scatter/8npus_1MB/reduce_scatter');
    const t = readChakraTrace(src);
    writeChakraTrace(t, join(dir, 'rs'));
    for (let r = 0; r < 8; r++) {
      expect(Buffer.compare(readFileSync(join(dir, `rs.${r}.et`)), readFileSync(`${src}.${r}.et`)), `rank ${r}`).toBe(0);
    }
  });

  it('re-imports the custom collective and the PyTorch trace to the same ops (ext aside)', () => {
    const c = readChakraTrace(CUSTOM);
    sameRanks(c, roundTrip(c, 'custom'));
    const tmp = mkdtempSync(join(tmpdir(), 'orrery-pt-'));
    untarGz(join(FIXTURES, 'chakra/feeder_tests_trace.tar.gz'), tmp);
    const p = readChakraTrace(join(tmp, 'tests/data/chakra'), { keepIo: false });
    rmSync(tmp, { recursive: true, force: true });
    sameRanks(p, roundTrip(p, 'pytorch'));
  });

  it('round-trips every op kind, field, stream and group form (list, partition, mask, relative peers)', () => {
    const t: Trace = {
      format: 'orrery-trace', version: 1, units: { time: 'ns', size: 'B' }, ranks: 4,
      groups: { pair: [[0, 1], [2, 3]], odd: [1, 3], stage: [[0, 2], [1, 3]] },
      programs: [{
        ranks: [0, 1, 2, 3],
        ops: [
          { id: 0, kind: 'compute', name: 'mm', flops: 2e12, bytes: 3e8, precision: 'bf16' },
          { id: 1, kind: 'compute', durationNs: 1234, cpu: true, deps: [0] },
          { id: 2, kind: 'coll', op: 'allreduce', bytes: 4096, group: 'pair', deps: [0], priority: 2, chunks: 4, algorithms: ['ring', 'direct'], stream: null },
          { id: 3, kind: 'coll', op: 'broadcast', bytes: 64, root: 0, durationNs: 5000, stream: 'bc' },
          { id: 4, kind: 'send', peer: 1, group: 'stage', tag: 7, bytes: 100, deps: [2] },
          { id: 5, kind: 'recv', peer: 0, group: 'stage', tag: 7, bytes: 100 },
          { id: 6, kind: 'wait', durationNs: 321, deps: [5] },
          { id: 7, kind: 'marker', name: 'end', deps: [6, 3] },
        ],
      }],
    };
    // ranks 0 and 2 (stage index 0) send to stage index 1; give them matching programs by splitting: the send
    // in a shared program goes both ways, which is fine for a format round trip
    const back = roundTrip(t, 'kinds', [2, 2]);
    sameRanks(t, back);
    // pair blocks are sub-grids of 2×2 (dim 0): written as involved_dim; odd = [1,3] is dim 1 through rank 1
    const f0 = readChakraFile(join(dir, 'kinds.0.et'));
    expect(f0.nodes[2]!.attr.find((a) => a.name === 'involved_dim')?.value).toEqual([true, false]);
    const plain = roundTrip(t, 'kinds-pg');
    sameRanks(t, plain);
    expect(JSON.parse(readFileSync(join(dir, 'kinds-pg.comm_groups.json'), 'utf8'))).toEqual({ 1: [0, 1], 2: [2, 3] });
    // ASTRA-sim reads µs: 1234 ns → 1 µs, the exact value rides in duration_ns
    expect(f0.nodes[1]).toMatchObject({ durationMicros: 1 });
    expect(f0.nodes[1]!.attr.find((a) => a.name === 'duration_ns')?.value).toBe(1234);
    // stream order becomes ctrl_deps (ASTRA-sim's FeederV3 honours them): op 1 (cpu) has no predecessor on its stream
    expect(f0.nodes[5]!.ctrlDeps).toEqual([4]); // recv after send on the comm stream
  });
});
