/**
 * @bench 65 Serving simulation speed
 *
 * bench/serve: how fast `orrery serve` simulates: 100,000 requests on 8 replicas (issue 12's target: under 10 s).
 * Llama-2-70B, TP 4 × 8 replicas on dgx-a100-16node, Poisson arrivals, prompts uniform 100-1,000 and outputs
 * uniform 50-300 tokens, seed 1, for each scheduler at one rate. Runs in this process (in-process timing of
 * runServe: requests, replicas, simulation and metrics; not Node's start-up) and prints wall time, CPU time
 * (user + system: on these shared machines wall time mostly measures the neighbours), events/s and requests/s
 * per CPU second, and the simulated result's shape (steps, mean batch, TTFT p50, throughput).
 *
 *   node --import tsx bench/serve.ts [--quick] [--qps 16]
 */
import { runServe } from '../src/api/index.ts';
import { arg, fmt, isQuick, printTable, saveResult } from './lib.ts';

const quick = isQuick();
const N = quick ? 10_000 : 100_000;
const qps = Number(arg('--qps', '16'));
const schedulers = quick ? ['vllm'] : ['vllm', 'sarathi', 'orca'];

const rows: (string | number)[][] = [];
const summary: string[] = [];
const cases: Record<string, unknown>[] = [];
for (const scheduler of schedulers) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { report } = runServe({
    workload: 'llama-2-70b', topology: 'dgx-a100-16node', replicas: 8, tp: 4, scheduler, requests: N, qps,
    promptTokens: 'uniform:100-1000', outputTokens: 'uniform:50-300', seed: 1,
  });
  const wallS = (performance.now() - t0) / 1e3;
  const c = process.cpuUsage(cpu0);
  const cpuS = (c.user + c.system) / 1e6;
  rows.push([
    scheduler, N.toLocaleString('en-US'), fmt(wallS), fmt(cpuS), fmt(report.events / cpuS / 1e6), Math.round(N / cpuS).toLocaleString('en-US'),
    report.steps.toLocaleString('en-US'), fmt(report.batchSize.mean, 1), fmt(report.ttftNs.p50 / 1e6, 1), Math.round(report.throughputTokensPerS).toLocaleString('en-US'),
    Math.round(process.memoryUsage().rss / 1e6),
  ]);
  cases.push({ id: `serve-${scheduler}`, requests: N, wallS, cpuS, events: report.events, steps: report.steps });
  summary.push(`serve ${scheduler}: ${N.toLocaleString('en-US')} requests on 8 replicas in ${fmt(cpuS)} s CPU (${fmt(wallS)} s wall), ${fmt(report.events / cpuS / 1e6)} M events/s`);
}
console.log(`${N.toLocaleString('en-US')} requests, Llama-2-70B TP 4 × 8 replicas (dgx-a100-16node), Poisson ${qps} QPS, prompts 100-1,000, outputs 50-300 tokens, seed 1.\n`);
printTable(
  ['scheduler', 'requests', 'wall s', 'CPU s', 'M events/s (CPU)', 'requests/s (CPU)', 'steps', 'mean batch', 'TTFT p50 ms', 'output tokens/s (simulated)', 'RSS MB'],
  rows,
);
saveResult('serve', { summary, cases });
