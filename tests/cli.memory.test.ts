// `orrery run --workload`: the memory-per-GPU report, the refusal of a plan that does not fit the device's HBM,
// and --allow-oom. The plan is gpt-13b on 8 GPUs (TP 8, one stage) with 64 sequences in one microbatch: the
// activations alone are 40 layers × 64 × sbh(10 + 24/8) ≈ 436 GiB (Korthikanti et al. Table 2, flash attention), far
// over 80 GiB, while the step (one microbatch, 8 ranks) replays in well under a second.
import { describe, expect, it } from 'vitest';
import { orrery } from './helpers/cli.ts';

const GiB = 2 ** 30;
const HUGE = [
  'run', '-m', 'analytical', '-t', 'switch:8', '--workload', 'gpt-13b', '--set', 'training.parallel.pp=1', '--set', 'training.parallel.dp=1',
  '--set', 'training.globalBatch=64', '--set', 'training.microBatch=64',
];
const SMALL = [
  'run', '-m', 'analytical', '-t', 'switch:8', '--workload', 'gpt-13b', '--set', 'training.parallel.pp=1', '--set', 'training.parallel.dp=1',
  '--set', 'training.globalBatch=2', '--set', 'model.layers=4',
];

describe('orrery run: memory per GPU', () => {
  it('refuses a plan that does not fit, in one line naming the device, the peak and its biggest part first (exit 1)', () => {
    const r = orrery([...HUGE, '--device', 'A100']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/does not fit A100-SXM4-80GB \(80 GiB HBM\): every rank needs [\d.]+ GiB per GPU: activations [\d.]+ GiB \(1 microbatch in flight/);
    expect(lines[0]).toMatch(/--allow-oom/);
  });

  it('--allow-oom runs it with a warning, and --json carries the numbers', () => {
    const r = orrery([...HUGE, '--device', 'A100', '--allow-oom', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/orrery: warning: .*does not fit A100-SXM4-80GB.*running anyway: --allow-oom/);
    const j = JSON.parse(r.stdout);
    expect(j.memory.fits).toBe(false);
    expect(j.memory.capacityBytes).toBe(80 * GiB);
    const st = j.memory.stages[0];
    // 40 layers × (13sbh + 4·(a/t)·s·b) with s 2048, b 64, h 5120, a/t = 5, plus the embedding 8sb + sbh, plus the
    // output layer 2·2·sbh + fp32 logits 4·s·b·V/t (one stage holds both ends)
    const s = 2048, b = 64, h = 5120;
    const sbh = s * b * h;
    expect(st.activationBytes).toBe(40 * (13 * sbh + 4 * 5 * s * b) + 8 * s * b + sbh + 4 * sbh + (4 * s * b * 50257) / 8);
    expect(j.memory.peakBytes).toBe(st.weightBytes + st.gradientBytes + st.optimizerBytes + st.activationBytes + st.temporaryBytes);
    expect(j.stepTimeNs).toBeGreaterThan(0);
  });

  it('a plan that fits runs and prints the table', () => {
    const r = orrery([...SMALL, '--device', 'H100']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/memory per GPU, GiB \(2\^30 B\): ZeRO 0, recompute none, flash attention; peak [\d.]+ of 80\.00 on H100-SXM5-80GB: fits/);
    expect(r.stdout).toMatch(/stage\s+ranks\s+params\s+weights\s+gradients\s+optimizer\s+activations\s+in flight\s+temporary\s+peak/);
  });
});
