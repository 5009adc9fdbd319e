/**
 * Fitting the `kernel` model's constants (devices.ts KernelConstants) on measured kernel times, and scoring it.
 *
 * GEMM constants (e_gemm, e_gemm_mem, latency_gemm, the small-tile exponent) are fitted on the matmul samples, the memory-bound ones (e_mem,
 * latency_mem) on the other samples, each by Nelder-Mead on the mean |ln(predicted/measured)| (relative error,
 * symmetric, robust to the many tiny kernels timed at µs resolution). Efficiencies are kept in (0, 1], latencies
 * in [0, 50 µs]. Deterministic: fixed start, fixed iteration count.
 */
import type { DevicePreset, KernelConstants } from './devices.ts';
import { gemmCandidates, gemmFrom, memoryKernel } from './kernel.ts';
import type { MatmulKernel, MemoryKernel, MemoryKind } from './kernels.ts';
import type { KernelSample } from './profiles.ts';

function nelderMead(f: (x: number[]) => number, x0: number[], step: number[], iters: number): number[] {
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step[j]! : v)))];
  let vals = simplex.map(f);
  for (let it = 0; it < iters; it++) {
    const order = vals.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[1]);
    simplex = order.map((i) => simplex[i]!);
    vals = order.map((i) => vals[i]!);
    const c = x0.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p[j]!, 0) / n);
    const worst = simplex[n]!;
    const at = (t: number) => c.map((v, j) => v + t * (worst[j]! - v));
    const xr = at(-1), fr = f(xr);
    if (fr < vals[0]!) {
      const xe = at(-2), fe = f(xe);
      if (fe < fr) { simplex[n] = xe; vals[n] = fe; } else { simplex[n] = xr; vals[n] = fr; }
    } else if (fr < vals[n - 1]!) {
      simplex[n] = xr; vals[n] = fr;
    } else {
      const xc = at(0.5), fc = f(xc);
      if (fc < vals[n]!) { simplex[n] = xc; vals[n] = fc; } else {
        for (let i = 1; i <= n; i++) { simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!)); vals[i] = f(simplex[i]!); }
      }
    }
  }
  const best = vals.indexOf(Math.min(...vals));
  return simplex[best]!;
}

// parameters live in an unconstrained space: efficiency = 1/(1+e^-x), latency = 50 µs/(1+e^-x)
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
const LAT_MAX = 50_000;

function meanAbsLog(pred: (s: KernelSample) => number, samples: readonly KernelSample[]): number {
  let s = 0;
  for (const x of samples) s += Math.abs(Math.log(pred(x) / x.measuredNs));
  return s / samples.length;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function isGemmSample(s: KernelSample): boolean {
  return s.kernel.type === 'matmul';
}

/** Fits the five constants on the samples (one device). */
export function fitKernelConstants(d: DevicePreset, samples: readonly KernelSample[], fittedOn: string): KernelConstants {
  const gemms = samples.filter(isGemmSample), mems = samples.filter((s) => s.kernel.type !== 'matmul' && s.kernel.type !== 'attention');
  const c: KernelConstants = { gemmEfficiency: 0.8, gemmMemoryEfficiency: 0.85, gemmLatencyNs: 5000, memoryEfficiency: 0.85, memoryEfficiencyByKind: {}, memoryLatencyNs: 3000, fittedOn };
  if (gemms.length > 0) {
    const toC = (x: number[]): KernelConstants => ({
      ...c, gemmEfficiency: sig(x[0]!), gemmMemoryEfficiency: sig(x[1]!), gemmLatencyNs: LAT_MAX * sig(x[2]!), gemmTileExponent: 2 * sig(x[3]!), gemmOverlapExponent: 1 + 15 * sig(x[4]!), gemmWaveTail: sig(x[5]!),
    });
    const cands = new Map(gemms.map((s) => [s, gemmCandidates(d, s.kernel as MatmulKernel, s.precision)]));
    const f = (x: number[]) => { const k = toC(x); return meanAbsLog((s) => gemmFrom(d, k, cands.get(s)!, s.kernel as MatmulKernel, s.precision).timeNs, gemms); };
    const x = nelderMead(f, [logit(0.8), logit(0.85), logit(5000 / LAT_MAX), 0, logit(2 / 15), logit(0.8)], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 240);
    Object.assign(c, toC(x));
  }
  if (mems.length > 0) {
    // each kind measured gets its own latency and achieved bandwidth (they share nothing, so each is fitted alone)
    const kinds = [...new Set(mems.map((s) => s.kernel.type as MemoryKind))].sort();
    const eff: Partial<Record<MemoryKind, number>> = {}, lat: Partial<Record<MemoryKind, number>> = {};
    for (const kd of kinds) {
      const ks = mems.filter((s) => s.kernel.type === kd);
      const toC = (x: number[]): KernelConstants => ({ ...c, memoryLatencyNs: LAT_MAX * sig(x[0]!), memoryEfficiencyByKind: { [kd]: sig(x[1]!) } });
      const f = (x: number[]) => { const k = toC(x); return meanAbsLog((s) => memoryKernel(d, k, s.kernel as MemoryKernel, s.precision).timeNs, ks); };
      const x = nelderMead(f, [logit(3000 / LAT_MAX), logit(0.6)], [0.5, 0.5], 120);
      lat[kd] = LAT_MAX * sig(x[0]!);
      eff[kd] = sig(x[1]!);
    }
    c.memoryEfficiencyByKind = eff;
    c.memoryLatencyByKind = lat;
    // kinds never measured on this device get the median of the measured kinds' figures
    c.memoryEfficiency = median(Object.values(eff));
    c.memoryLatencyNs = median(Object.values(lat));
  }
  return c;
}

/** Rounds fitted constants for a preset (3 significant digits; latencies to 10 ns). */
export function roundConstants(c: KernelConstants): KernelConstants {
  const r3 = (v: number) => Number(v.toPrecision(3));
  return {
    gemmEfficiency: r3(c.gemmEfficiency), gemmMemoryEfficiency: r3(c.gemmMemoryEfficiency), gemmLatencyNs: Math.round(c.gemmLatencyNs / 10) * 10,
    ...(c.gemmTileExponent !== undefined ? { gemmTileExponent: r3(c.gemmTileExponent) } : {}),
    ...(c.gemmOverlapExponent !== undefined ? { gemmOverlapExponent: r3(c.gemmOverlapExponent) } : {}),
    ...(c.gemmWaveTail !== undefined ? { gemmWaveTail: r3(c.gemmWaveTail) } : {}),
    memoryEfficiency: r3(c.memoryEfficiency),
    memoryEfficiencyByKind: Object.fromEntries(Object.entries(c.memoryEfficiencyByKind).map(([k, v]) => [k, r3(v)])), memoryLatencyNs: Math.round(c.memoryLatencyNs / 10) * 10,
    ...(c.memoryLatencyByKind ? { memoryLatencyByKind: Object.fromEntries(Object.entries(c.memoryLatencyByKind).map(([k, v]) => [k, Math.round(v / 10) * 10])) } : {}),
    fittedOn: c.fittedOn,
  };
}
