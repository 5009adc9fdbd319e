/**
 * The Perfetto timeline of a serving run: one process per replica, one slice per step on its "steps" thread, named
 * by what the step did ("prefill 3 (1,204 tok)", "decode 12", "prefill 1 (512 tok) + decode 30"), with the step's
 * batch, tokens and KV blocks in use in its args. Past `maxEvents` steps, only the first ones (by start) are kept.
 */
import type { TimelineModel } from '../workload/timeline.ts';
import type { StepRecord } from '../serving/index.ts';
import { groupDigits } from '../units/index.ts';

export function serveTimeline(steps: readonly StepRecord[], replicas: number, tp: number, maxEvents: number): TimelineModel {
  const kept = steps.length > maxEvents ? [...steps].sort((a, b) => a.startNs - b.startNs || a.replica - b.replica).slice(0, maxEvents) : steps;
  const n = kept.length;
  const slices = {
    n, pid: new Int32Array(n), tid: new Int32Array(n), ts: new Float64Array(n), dur: new Float64Array(n), op: new Int32Array(n),
  };
  kept.forEach((s, i) => {
    slices.pid[i] = s.replica;
    slices.ts[i] = s.startNs;
    slices.dur[i] = s.durNs;
    slices.op[i] = i;
  });
  const prefills = (s: StepRecord) => s.requests - s.decodes;
  const model: TimelineModel = {
    processes: Array.from({ length: replicas }, (_, r) => ({
      pid: r, name: `replica ${r} (NPUs ${r * tp}-${r * tp + tp - 1})`, threads: [{ tid: 0, name: 'steps' }],
    })),
    slices,
    flows: { n: 0, from: new Int32Array(0), to: new Int32Array(0) },
    name(i) {
      const s = kept[i]!;
      const p = prefills(s) > 0 ? `prefill ${prefills(s)} (${groupDigits(s.prefillTokens)} tok)` : '';
      const d = s.decodes > 0 ? `decode ${s.decodes}` : '';
      return p && d ? `${p} + ${d}` : p || d;
    },
    category(i) {
      const s = kept[i]!;
      return prefills(s) > 0 ? (s.decodes > 0 ? 'mixed' : 'prefill') : 'decode';
    },
    args(i) {
      const s = kept[i]!;
      return { requests: s.requests, prefillTokens: s.prefillTokens, decodes: s.decodes, kvBlocksUsed: s.kvBlocksUsed, durNs: s.durNs };
    },
    matched: steps.length,
  };
  if (steps.length > maxEvents) model.cut = `kept the first ${groupDigits(maxEvents)} of ${groupDigits(steps.length)} steps; fewer --requests shows a whole run`;
  return model;
}
