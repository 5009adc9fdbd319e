import { describe, expect, it } from 'vitest';
import { orrery } from './helpers/cli.ts';

describe('orrery collective (end to end through the bin)', () => {
  it('runs the README headline and prints the required JSON fields', () => {
    const r = orrery(['collective', '--topology', 'torus:4x4x4', '--op', 'allreduce', '--size', '1GiB', '--json', '--model', 'analytical']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['op', 'bytes', 'npus', 'model', 'algorithms', 'timeNs', 'minTimeNs', 'algBwGBps', 'busBwGBps', 'events', 'wallMs']) {
      expect(j).toHaveProperty(k);
    }
    // localBWAware ring on 4x4x4, n = 2^30 B, B = 50 B/ns, α = 500 ns, each step rounded once:
    // RS d0: 3·round(500 + n/4/50) = 3·5,369,209; RS d1: 3·round(500 + n/16/50) = 3·1,342,677;
    // AR d2: 6·round(500 + n/64/50) = 6·336,044; then AG d1 and AG d0 mirror the RS phases.
    expect(j.timeNs).toBe(2 * 3 * 5_369_209 + 2 * 3 * 1_342_677 + 6 * 336_044);
    expect(j.npus).toBe(64);
    expect(j.bytes).toBe(2 ** 30);
  });

  it('defaults to the flow model, which equals analytical where no link is shared', () => {
    // the headline on flow: every ring step of every phase uses its own torus link (dimension-order routing), so
    // the time is the analytical closed form above
    const r = orrery(['collective', '--topology', 'torus:4x4x4', '--op', 'allreduce', '--size', '1GiB', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.model).toBe('flow');
    expect(j.timeNs).toBe(2 * 3 * 5_369_209 + 2 * 3 * 1_342_677 + 6 * 336_044);
  });

  it('flow and analytical disagree on a direct all-reduce on a switch (the README example)', () => {
    // p = 64, n = 1 GiB, B = 50, α = 500. analytical: 2·round(2α + n/(pB)) = 2·round(1000 + 335,544.32);
    // flow: each uplink carries 63 flows of n/64: 2·round(2α + 63·n/(64·50)) = 2·round(1000 + 21,139,292.16)
    const run = (m: string) => JSON.parse(orrery(['collective', '-t', 'switch:64', '-o', 'allreduce', '-s', '1GiB', '-a', 'direct', '--json', '-m', m]).stdout);
    expect(run('analytical').timeNs).toBe(2 * 336_544);
    expect(run('flow').timeNs).toBe(2 * 21_140_292);
  });

  it('prints a human table by default', () => {
    const r = orrery(['collective', '-t', 'ring:8', '-o', 'allgather', '-s', '64MiB']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/allgather of 64 MiB per rank on ring:8 \(8 NPUs\)/);
    expect(r.stdout).toMatch(/busBw/);
  });

  it('--per-rank lists every rank', () => {
    const r = orrery(['collective', '-t', 'switch:8', '-o', 'allreduce', '-s', '1MiB', '-a', 'doubleBinaryTree', '--json', '--per-rank']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).perRankNs).toHaveLength(8);
  });

  it.each([
    [['-t', 'ring:8', '-o', 'allreducee', '-s', '1GiB'], /--op "allreducee": expected one of: allreduce, reducescatter/],
    [['-t', 'ring:24', '-o', 'allreduce', '-s', '1GiB', '-a', 'halvingDoubling'], /power-of-two .* got 24/],
    [['-t', 'ring:8', '-o', 'allreduce', '-s', '1GiBB'], /unknown unit "GiBB"/],
    [['-t', 'ring:8', '-o', 'allreduce', '-s', '-5'], /--size/],
    [['-t', 'ring:8', '-o', 'allreduce', '-s', '1GiB', '--bandwidth', '0'], /--bandwidth "0"/],
    [['-t', 'ring:8', '-o', 'allreduce', '-s', '1GiB', '--bandwidth', '-3'], /--bandwidth/],
    [['-t', 'rin:8', '-o', 'allreduce', '-s', '1GiB'], /cannot read "rin:8"/],
    [['-t', 'ring:8', '-o', 'allreduce', '-s', '1GiB', '-a', 'rign'], /unknown --algo "rign"; expected one of: ring, direct/],
    [['-t', 'ring:8', '-o', 'alltoall', '-s', '1GiB', '-a', 'halvingDoubling'], /does not support alltoall/],
    [['-t', 'ring:8', '-o', 'allreduce', '-s', '1GiB', '-m', 'nope'], /unknown network model "nope"; expected one of: analytical, flow/],
    [['-t', 'nonexistent-topo', '-o', 'allreduce', '-s', '1GiB'], /named topologies: .*ring-8/],
    [['-t', 'ring:8,switch:4', '-o', 'allreduce', '-s', '1GiB', '--latency', '1,2,3'], /3 values for 2 dimensions/],
  ])('rejects bad input %j with one clear line', (args, msg) => {
    const r = orrery(['collective', ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
