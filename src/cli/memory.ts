/** The memory-per-GPU table of `orrery run` (generated training steps). */
import { GiB, inFlightLabel, type RunMemory } from '../api/memory.ts';
import type { StageMemory } from '../api/vocabulary-workload.ts';

const g = (b: number): string => (b / GiB).toFixed(2);

export function printMemory(m: RunMemory): void {
  const peak = m.stages[m.peakStage]!;
  const cap = m.capacityBytes !== undefined
    ? `of ${g(m.capacityBytes)} on ${m.device}: ${m.fits ? 'fits' : 'DOES NOT FIT'}`
    : '(no --device: not checked against a capacity)';
  console.log(
    `\n  memory per GPU, GiB (2^30 B): ZeRO ${m.zero}, recompute ${m.recompute}, ${m.attention} attention; ` +
      `peak ${g(m.peakBytes)}${m.stages.length > 1 ? ` on stage ${peak.stage}` : ''} ${cap}`,
  );
  const hdr = ['stage', 'ranks', 'params', 'weights', 'gradients', 'optimizer', 'activations', 'in flight', 'temporary', 'peak'];
  const row = (s: StageMemory): string[] => [
    String(s.stage), String(s.ranks), `${(s.params / 1e6).toFixed(0)}M`, g(s.weightBytes), g(s.gradientBytes), g(s.optimizerBytes), g(s.activationBytes),
    inFlightLabel(s, m), g(s.temporaryBytes), g(s.peakBytes),
  ];
  const shown = m.stages.length <= 16 ? m.stages : [...new Set([m.stages[0]!, peak, m.stages.at(-1)!])].sort((a, b) => a.stage - b.stage);
  const rows = [hdr, ...shown.map(row)];
  const w = hdr.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log('  ' + r.map((c, i) => (i === 7 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ').trimEnd());
  if (shown.length < m.stages.length) console.log(`  (stages 0, ${peak.stage} (peak) and ${m.stages.length - 1} of ${m.stages.length}; --json for all)`);
  const temp = Object.entries(peak.temporaryBytesByPart).filter(([, b]) => b > 0).map(([k, b]) => `${k} ${g(b)}`).join(', ');
  if (temp) console.log(`  temporary on stage ${peak.stage}: ${temp}`);
  console.log('  not counted: CUDA context, library workspaces, allocator fragmentation (docs/memory.md)');
}
