// Validation before time starts: each malformed or inconsistent trace is rejected with a TraceError naming the
// rank (or program), the op id and the field.
import { describe, expect, it } from 'vitest';
import { validateTrace } from '../src/workload/validate.ts';
import type { Op, Trace } from '../src/workload/trace.ts';
import { spmd, trace } from './helpers/trace.ts';

function rejects(t: Trace, msg: RegExp, opts: Parameters<typeof validateTrace>[1] = {}) {
  let err: unknown;
  try {
    validateTrace(t, { where: 'x.json', ...opts });
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a TraceError').toBeInstanceOf(Error);
  expect((err as Error).name).toBe('TraceError');
  expect((err as Error).message).toMatch(msg);
  return (err as Error).message;
}

const one = (ops: unknown[]) => trace(1, [{ ranks: [0], ops: ops as Op[] }]);

describe('op fields', () => {
  it.each([
    [[{ id: 0, kind: 'comput', durationNs: 5 }], /^x\.json: rank 0, op 0: unknown kind "comput"; expected one of: compute, coll, send, recv, wait, marker$/],
    [[{ id: 0, kind: 'compute', durationNs: -5 }], /rank 0, op 0: field "durationNs": expected a duration ≥ 0 \(it is negative\), got -5/],
    [[{ id: 0, kind: 'compute', durationNs: 1.5 }], /field "durationNs": expected a whole number of ns ≥ 0, got 1.5/],
    [[{ id: 0, kind: 'compute' }], /a compute op needs "durationNs", a "kernel", or "flops" and\/or "bytes"/],
    [[{ id: 0, kind: 'compute', durationNs: 5, deps: 3 }], /op 0: field "deps": expected a list of op ids, got 3/],
    [[{ id: 0, kind: 'compute', durationNs: 5, deps: ['a'] }], /field "deps": "a" is not an op id/],
    [[{ id: 0, kind: 'compute', dur: 5 }], /unknown field "dur" for a compute op; expected: id, kind, name, deps, stream, ext, durationNs/],
    [[{ id: 0, kind: 'coll', op: 'allreduce' }], /op 0: a coll op needs "bytes"/],
    [[{ id: 0, kind: 'coll', op: 'allreduc', bytes: 8 }], /field "op": unknown collective "allreduc"; expected one of: allreduce, reducescatter/],
    [[{ id: 0, kind: 'coll', op: 'allreduce', bytes: 8.5 }], /field "bytes": expected a whole number of bytes/],
    [[{ id: 0, kind: 'coll', op: 'allreduce', bytes: 8, chunks: 0 }], /field "chunks": expected an integer ≥ 1, got 0/],
    [[{ id: 0, kind: 'coll', op: 'allreduce', bytes: 8, algorithms: 'ring' }], /field "algorithms": expected a non-empty list/],
    [[{ id: 0, kind: 'send', bytes: 8 }], /a send op needs "peer"/],
    [[{ id: 0, kind: 'wait' }], /a wait op needs "durationNs"/],
    [[{ id: -1, kind: 'marker' }], /rank 0, op -1: field "id": expected a non-negative integer, got -1/],
    [[{ id: 0, kind: 'compute', flops: 10, precision: 'fp4' }], /field "precision": expected one of fp64, fp32/],
    [['nope'], /op at index 0: expected an op object, got "nope"/],
  ])('%j', (ops, msg) => {
    rejects(one(ops), msg);
  });

  it('names the program and its ranks for a shared program', () => {
    rejects(spmd(4, [{ id: 7, kind: 'compute', durationNs: -1 }]), /^x\.json: program 0 \(ranks 0-3\), op 7: field "durationNs"/);
  });
});

describe('header, ranks and groups', () => {
  it('rejects an unknown version and format', () => {
    rejects({ ...one([]), version: 3 } as unknown as Trace, /"version" 3 is not supported; this Orrery reads versions 1 and 2/);
    rejects({ ...one([]), format: 'chakra' } as unknown as Trace, /"format" is "chakra"; expected "orrery-trace"/);
  });

  it('rejects ranks missing from every program, and ranks in two programs', () => {
    rejects(trace(4, [{ ranks: [0, 1, 2], ops: [] }]), /rank 3 is in no program; every rank 0..3 needs one/);
    rejects(trace(2, [{ ranks: [0, 1], ops: [] }, { ranks: [1], ops: [] }]), /rank 1 appears in two programs \(0 and 1\)/);
    rejects(trace(2, [{ ranks: [0, 2], ops: [] }]), /programs\[0\]\.ranks: 2 is not a rank of this 2-rank trace/);
  });

  it('rejects group members out of range, duplicates, overlapping partitions and a partial world', () => {
    rejects(spmd(4, [], { tp: [0, 9] }), /groups\.tp: member 9 is not a rank of this 4-rank trace \(0\.\.3\)/);
    rejects(spmd(4, [], { tp: [0, 1, 1] }), /groups\.tp: rank 1 appears twice in group "tp"/);
    rejects(spmd(4, [], { tp: [[0, 1], [1, 2]] }), /groups\.tp\[1\]: rank 1 appears twice in group "tp" \(partition blocks must be disjoint\)/);
    rejects(spmd(4, [], { world: [0, 1] }), /groups\.world must list every rank/);
  });

  it('rejects a collective on an unknown group, by a non-member, or with a root outside the block', () => {
    const ar = (group: string, extra = {}): Op[] => [{ id: 0, kind: 'coll', op: 'allreduce', group, bytes: 8, ...extra }];
    rejects(spmd(4, ar('tpp'), { tp: [[0, 1], [2, 3]] }), /op 0: field "group": unknown group "tpp"; the trace defines: tp, world/);
    rejects(spmd(4, ar('tp'), { tp: [0, 1] }), /rank 2 issues a allreduce on group "tp" but is not a member of it \(members 0-1\)/);
    rejects(spmd(4, [{ id: 0, kind: 'coll', op: 'broadcast', group: 'tp', bytes: 8, root: 3 }], { tp: [[0, 1], [2, 3]] }),
      /field "root": rank 3 is not in rank 0's block of group "tp" \(0-1\)/);
  });
});

describe('dependencies', () => {
  it('rejects an unknown dependency, naming --lenient', () => {
    rejects(one([{ id: 0, kind: 'marker', deps: [9] }]), /rank 0, op 0: field "deps": op 9 does not exist in this program \(pass --lenient/);
  });

  it('lenient mode drops a dangling dependency with a warning', () => {
    const v = validateTrace(one([{ id: 0, kind: 'marker', deps: [9] }, { id: 1, kind: 'marker', deps: [0, 8] }]), { lenient: true });
    expect(v.stats.droppedDeps).toBe(2);
    expect(v.warnings).toHaveLength(2);
    expect(v.warnings[0]).toMatch(/rank 0, op 0: dependency 9 does not exist in this program; dropped/);
    // op 1 keeps its real dependency on op 0
    expect(Array.from(v.programs[0]!.pred)).toEqual([0]);
  });

  it('rejects duplicate ids', () => {
    rejects(one([{ id: 3, kind: 'marker' }, { id: 3, kind: 'marker' }]), /op 3: id 3 is used twice in this program \(at indices 0 and 1\)/);
  });

  it('names the ops of a cycle in dependency order', () => {
    rejects(one([
      { id: 0, kind: 'marker' },
      { id: 1, kind: 'marker', deps: [0, 3] },
      { id: 2, kind: 'marker', deps: [1] },
      { id: 3, kind: 'marker', deps: [2] },
    ]), /dependency cycle: op 1 → op 2 → op 3 → op 1 \(3 ops cannot start\)/);
    rejects(one([{ id: 5, kind: 'marker', deps: [5] }]), /op 5: field "deps": the op depends on itself/);
  });

  it('finds a cycle through stream order, which the astra policy (no stream order) does not have', () => {
    const t = one([
      { id: 0, kind: 'compute', durationNs: 1, deps: [1] },
      { id: 1, kind: 'compute', durationNs: 1 },
    ]);
    rejects(t, /dependency cycle: op 0 → \(stream "compute" order\) op 1 → op 0/);
    expect(() => validateTrace(t, { streamOrder: false })).not.toThrow();
  });
});

describe('collectives: every member issues the same sequence on a group', () => {
  const ar: Op = { id: 0, kind: 'coll', op: 'allreduce', bytes: 1024 };
  const ag: Op = { id: 1, kind: 'coll', op: 'allgather', bytes: 256 };

  it('rejects a member that never issues a collective the others issue', () => {
    rejects(trace(2, [{ ranks: [0], ops: [ar] }, { ranks: [1], ops: [] }]),
      /group "world": rank 1 issues 0 collectives on it but rank 0 issues 1: rank 1 never joins rank 0's op 0 \(allreduce of 1024 B, #1\), which would deadlock/);
  });

  it('rejects members that issue them in a different order', () => {
    rejects(trace(2, [{ ranks: [0], ops: [ar, ag] }, { ranks: [1], ops: [{ ...ag, id: 0 }, { ...ar, id: 1 }] }]),
      /group "world": collective #1 differs between members: rank 0 op 0 is allreduce of 1024 B, rank 1 op 0 is allgather of 256 B/);
  });

  it('rejects different sizes, and checks each block of a partition on its own', () => {
    const tp = { tp: [[0, 1], [2, 3]] };
    const op = (bytes: number): Op[] => [{ id: 0, kind: 'coll', op: 'allreduce', group: 'tp', bytes }];
    // blocks [0,1] and [2,3] may differ from each other, not inside
    expect(() => validateTrace(trace(4, [{ ranks: [0, 1], ops: op(8) }, { ranks: [2, 3], ops: op(16) }], tp))).not.toThrow();
    rejects(trace(4, [{ ranks: [0, 2], ops: op(8) }, { ranks: [1, 3], ops: op(16) }], tp),
      /group "tp" block 0-1: collective #1 differs between members: rank 0 op 0 is allreduce of 8 B, rank 1 op 0 is allreduce of 16 B/);
  });
});

describe('point-to-point pairing', () => {
  const send = (peer: number, bytes: number, tag = 0, id = 0): Op => ({ id, kind: 'send', peer, bytes, tag });
  const recv = (peer: number, bytes: number, tag = 0, id = 0): Op => ({ id, kind: 'recv', peer, bytes, tag });

  it('pairs the k-th send with the k-th recv per (src, dst, tag)', () => {
    const v = validateTrace(trace(2, [
      { ranks: [0], ops: [send(1, 10, 0, 0), send(1, 20, 0, 1), send(1, 30, 5, 2)] },
      { ranks: [1], ops: [recv(0, 30, 5, 0), recv(0, 10, 0, 1), recv(0, 20, 0, 2)] },
    ]));
    // global ops: rank 0 = 0..2, rank 1 = 3..5
    expect(Array.from(v.p2pPartner)).toEqual([4, 5, 3, 2, 0, 1]);
    expect(v.stats.p2p).toBe(6);
  });

  it('rejects a send without a recv, a recv without a send, and mismatched sizes', () => {
    rejects(trace(2, [{ ranks: [0], ops: [send(1, 10, 7)] }, { ranks: [1], ops: [] }]),
      /rank 0, op 0: send of 10 B to rank 1 \(tag 7\) has no matching recv: rank 1 posts 0 recvs from rank 0 with tag 7 but rank 0 sends 1/);
    rejects(trace(2, [{ ranks: [0], ops: [] }, { ranks: [1], ops: [recv(0, 10)] }]),
      /rank 1, op 0: recv of 10 B from rank 0 \(tag 0\) has no matching send/);
    rejects(trace(2, [{ ranks: [0], ops: [send(1, 1000)] }, { ranks: [1], ops: [recv(0, 2000)] }]),
      /rank 0, op 0: sends 1000 B to rank 1 \(tag 0\), but the matching recv .*rank 1 op 0, expects 2000 B/);
  });

  it('group-relative peers: `peer` indexes the rank\'s block of `group`', () => {
    // two 2-stage pipelines [0,1] and [2,3]; stage programs shared by both pipelines
    const pp = { pp: [[0, 1], [2, 3]] };
    const v = validateTrace(trace(4, [
      { ranks: [0, 2], ops: [{ id: 0, kind: 'send', peer: 1, group: 'pp', bytes: 10 }] },
      { ranks: [1, 3], ops: [{ id: 0, kind: 'recv', peer: 0, group: 'pp', bytes: 10 }] },
    ], pp));
    // global ops: rank r's op is r; sends 0→1 and 2→3
    expect(Array.from(v.p2pPartner)).toEqual([1, 0, 3, 2]);
    rejects(trace(4, [{ ranks: [0, 1, 2, 3], ops: [{ id: 0, kind: 'send', peer: 2, group: 'pp', bytes: 1 }] }], pp),
      /rank 0, op 0: field "peer": index 2 is past the end of rank 0's block of group "pp" \(2 members: 0-1\)/);
    rejects(trace(4, [{ ranks: [0, 1, 2, 3], ops: [{ id: 0, kind: 'send', peer: 0, group: 'tp', bytes: 1 }] }], pp),
      /rank 0, op 0: field "group": unknown group "tp"; the trace defines: pp, world/);
    rejects(trace(4, [{ ranks: [0, 1], ops: [] }, { ranks: [2, 3], ops: [{ id: 0, kind: 'send', peer: 0, group: 'half', bytes: 1 }] }], { half: [0, 1] }),
      /rank 2, op 0: field "group": rank 2 is not a member of group "half"/);
  });

  it('rejects a peer out of range or equal to the rank itself', () => {
    rejects(trace(2, [{ ranks: [0], ops: [send(5, 1)] }, { ranks: [1], ops: [] }]), /rank 0, op 0: field "peer": rank 5 does not exist in this 2-rank trace/);
    rejects(trace(2, [{ ranks: [0], ops: [send(0, 1)] }, { ranks: [1], ops: [] }]), /rank 0, op 0: field "peer": a send to itself/);
  });
});
