// Hardware checks (DESIGN.md "Validation", level 3): measured nccl-tests figures from reference/PEERS.md §6.
// One measurement calibrates a parameter; the others are predictions, and must land within 10%.
// Only large messages are compared: Orrery models no NCCL protocol (LL/LL128/Simple) or channel pipelining, which
// set the small- and medium-size curve ("On large sizes, the time becomes linear with the size", nccl-tests docs).
import { describe, expect, it } from 'vitest';
import { resolveTopology, runCollective } from '../src/api/index.ts';
import { makeTopology } from '../src/network/index.ts';

const GiB = 2 ** 30;
const within = (got: number, want: number, tol: number) => Math.abs(got - want) / want <= tol;

describe.each(['analytical', 'flow'])('DGX A100 (8 GPUs on NVSwitch), model %s', (model) => {
  const { topology } = resolveTopology({ topology: 'dgx-a100' });

  it('calibration: a 1 GiB point-to-point message moves at the measured sendrecv 195.10 GB/s (A5)', () => {
    // a 2-member broadcast with `direct` is one message of n bytes: 2 hops of α, then n / B
    const r = runCollective({ topology, op: 'broadcast', bytes: GiB, algorithms: ['direct'], model, group: [0, 1] });
    expect(within(GiB / r.timeNs, 195.1, 0.01)).toBe(true);
  });

  it('prediction: 8-GPU all-reduce of 1 GiB, busBw within 10% of the measured ~200 GB/s (A1, nccl-tests #149)', () => {
    const r = runCollective({ topology, op: 'allreduce', bytes: GiB, model });
    expect(within(r.busBwGBps, 200, 0.1)).toBe(true);
  });

  it('prediction: 2-GPU all-reduce of 1 GiB, busBw within 10% of the measured 208 GB/s (A2, nccl-tests #178)', () => {
    const r = runCollective({ topology, op: 'allreduce', bytes: GiB, model, group: [0, 1] });
    expect(within(r.busBwGBps, 208, 0.1)).toBe(true);
  });
});

describe('2x H100 PCIe with an NVLink bridge (A4, NVIDIA/nccl #1161): α and B fitted on two sizes predict the third', () => {
  // measured all-reduce times: 1 GiB 9,306.7 us, 2 GiB 18,535 us, 4 GiB 36,943 us. For two GPUs a ring all-reduce
  // is two steps of (α + n/(2B)), i.e. 2α + n/B. Fit on 1 GiB and 4 GiB: B = 3 GiB / (36,943 - 9,306.7) us,
  // 2α = 9,306.7 us - 1 GiB / B.
  const B = (3 * GiB) / (36_943_000 - 9_306_700); // bytes per ns (GB/s)
  const alpha = (9_306_700 - GiB / B) / 2;
  const topology = makeTopology([{ kind: 'fullyConnected', npus: 2, bandwidthGBps: B, latencyNs: alpha }]);

  it.each(['analytical', 'flow'])('%s: 2 GiB within 1% of the measured 18,535 us', (model) => {
    const r = runCollective({ topology, op: 'allreduce', bytes: 2 * GiB, model });
    expect(within(r.timeNs, 18_535_000, 0.01)).toBe(true);
  });
});
