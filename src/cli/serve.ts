/** `orrery serve`: request-level simulation of LLM inference serving; prints metrics (table or JSON). */
import type { Command } from 'commander';
import { NETWORK_MODELS } from '../api/vocabulary.ts';
import { ROUTERS, SCHEDULER_KINDS, parseSetArg } from '../api/vocabulary-workload.ts';
import { STEP_MODELS, DEFAULT_STEP_MODEL, runServe, type ServeOptions, type ServeReport } from '../api/serve.ts';
import { findMaxQps } from '../api/serve-capacity.ts';
import { CUDA_GRAPH_PADDING_DEFAULT } from '../api/serve-cuda-graph.ts';
import { formatCount, formatTime, table } from './format.ts';
import { choiceOpt, intOpt, numberListOpt, positiveNumberOpt, sizeOpt } from './options.ts';

interface ServeCliOptions {
  workload: string;
  set?: Record<string, unknown>;
  topology: string;
  bandwidth?: number[];
  latency?: number[];
  device?: string;
  replicas: number;
  tp: number;
  pp: number;
  prefillReplicas?: number;
  scheduler: string;
  router: string;
  stepModel: string;
  cudaGraphPadding: string;
  qps?: number;
  arrival?: 'poisson' | 'gamma' | 'burst';
  cv?: number;
  requests?: number;
  trace?: string;
  promptTokens?: string;
  outputTokens?: string;
  seed: number;
  slo?: string;
  gpuMemory?: number;
  gpuMemoryUtilization: number;
  blockSize: number;
  maxBatchSize?: number;
  maxBatchTokens?: number;
  chunkSize?: number;
  model?: string;
  preemption: 'recompute' | 'swap';
  swapSpace?: number;
  hostBandwidth?: number;
  csv?: string;
  timeline?: string;
  timelineMaxEvents?: number;
  svg?: string;
  findMaxQps?: boolean;
  sloAttainment: number;
  json?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .summary('simulate LLM inference serving: requests, replicas, schedulers, KV cache, latency metrics')
    .description(
      'Simulate serving a model on replicas × TP GPUs of a topology: requests arrive (synthetic or a trace), a router ' +
        'sends each to a replica, and each replica\'s scheduler batches them step by step. Prints TTFT, TBT, TPOT, ' +
        'end-to-end latency percentiles, throughput, SLO attainment, KV-cache use and preemptions.\n\nExamples:\n' +
        '  orrery serve --workload llama-2-70b -t dgx-a100 --replicas 2 --tp 4 --scheduler vllm --trace splitwise_conv --qps 2 --requests 500 --seed 1\n' +
        '  orrery serve --workload llama-70b -t dgx-h100 --tp 8 --replicas 1 --scheduler sarathi --qps 5 --requests 200 \\\n' +
        '      --prompt-tokens uniform:256-4096 --output-tokens zipf:1024 --slo ttft=2s,tbt=200ms --seed 7 --json',
    )
    .requiredOption('--workload <name|file>', 'model: a name in workloads/ (llama-2-70b, llama-70b, …) or a workload JSON file')
    .option('--set <key=value>', 'override a workload field by dotted path, e.g. model.precision=fp8 (repeatable)', collectSet)
    .requiredOption('-t, --topology <shorthand|file|name>', 'cluster: shorthand (switch:8), a topology file, or a name in topologies/')
    .option('--bandwidth <GBps,...>', 'link bandwidth per dimension (shorthand topologies)', numberListOpt('--bandwidth', false))
    .option('--latency <ns,...>', 'per-hop latency per dimension (shorthand topologies)', numberListOpt('--latency', true))
    .option('--device <name>', 'GPU preset (a100, h100); default from the topology name')
    .option('--replicas <R>', 'model replicas', intOpt('--replicas', 1), 1)
    .option('--tp <T>', 'tensor-parallel GPUs per replica', intOpt('--tp', 1), 1)
    .option('--pp <P>', 'pipeline stages per replica (each of T GPUs; vLLM-style: P virtual engines, one micro-batch per stage in flight)', intOpt('--pp', 1), 1)
    .option('--prefill-replicas <P>', 'disaggregated serving: the first P replicas only prefill, the rest decode; KV moves over the network', intOpt('--prefill-replicas', 1))
    .option('--scheduler <name>', `per-replica batch scheduler: ${SCHEDULER_KINDS.join(', ')}`, choiceOpt('--scheduler', SCHEDULER_KINDS), 'vllm')
    .option('--router <name>', `global router: ${ROUTERS.join(', ')}`, choiceOpt('--router', ROUTERS), 'round-robin')
    .option('--qps <X>', 'arrival rate, requests/s (with --trace: replaces the trace\'s arrival times)', positiveNumberOpt('--qps'))
    .option('--arrival <kind>', 'poisson (default with --qps), gamma (with --cv), or burst (all at time 0)', choiceOpt('--arrival', ['poisson', 'gamma', 'burst'] as const))
    .option('--cv <x>', 'coefficient of variation of gamma inter-arrival gaps (1 = Poisson)', positiveNumberOpt('--cv'))
    .option('--requests <N>', 'number of requests (with --trace: its first N)', intOpt('--requests', 1))
    .option('--trace <file|name>', 'request trace: Vidur CSV or LLMServingSim JSONL, or a name in traces/serving/ (splitwise_conv, …)')
    .option('--prompt-tokens <P>', 'synthetic prompt lengths: 512, uniform:MIN-MAX or zipf:MAX[:S] (default 512)')
    .option('--output-tokens <O>', 'synthetic output lengths, same forms (default 128)')
    .option('--seed <S>', 'random seed (arrivals, lengths, random router)', intOpt('--seed', 0), 0)
    .option('--slo <spec>', 'service-level objective, e.g. ttft=2s,tbt=200ms (also tpot=, e2e=): attainment and goodput')
    .option('--gpu-memory <bytes>', 'HBM per GPU (default: the device\'s, 80GiB for a100/h100)', sizeOpt('--gpu-memory'))
    .option('--gpu-memory-utilization <f>', 'fraction of HBM for weights and KV cache (vLLM\'s)', positiveNumberOpt('--gpu-memory-utilization'), 0.9)
    .option('--block-size <tokens>', 'tokens per KV-cache block', intOpt('--block-size', 1), 16)
    .option('--max-batch-size <n>', 'requests per batch at most (default 256)', intOpt('--max-batch-size', 1))
    .option('--max-batch-tokens <n>', 'vllm: prefill tokens per step at most; trtllm: tokens per step (max_num_tokens) (default 4096)', intOpt('--max-batch-tokens', 1))
    .option('--chunk-size <n>', 'sarathi: token budget per step (default 512)', intOpt('--chunk-size', 1))
    .option('--preemption <mode>', 'vllm, sarathi: when KV blocks run out, recompute the victim later or swap its KV to host memory', choiceOpt('--preemption', ['recompute', 'swap'] as const), 'recompute')
    .option('--swap-space <bytes>', 'host memory per GPU for swapped KV (default 4GiB, vLLM\'s swap_space)', sizeOpt('--swap-space'))
    .option('--host-bandwidth <GBps>', 'host (PCIe) bandwidth per GPU per direction for swaps (default: the device\'s, a100 32, h100 64)', positiveNumberOpt('--host-bandwidth'))
    .option('--step-model <name>', `how a batch step is timed: ${STEP_MODELS.join(', ')} (kernel: the kernel compute model per kernel; roofline: the old 80 %/85 % roofline)`, choiceOpt('--step-model', STEP_MODELS), DEFAULT_STEP_MODEL)
    .option('--cuda-graph-padding <off|trtllm|sizes>', 'pad decode-only steps to the next captured CUDA-graph batch size: off, trtllm (trtllm-bench\'s published list 1,2,4,…,8192) or a list 1,2,4,8; capped at --max-batch-size and --max-batch-tokens as TensorRT-LLM does', CUDA_GRAPH_PADDING_DEFAULT)
    .option('-m, --model <name>', `network model for the TP all-reduces: ${Object.keys(NETWORK_MODELS).join(', ')}`)
    .option('--csv <file>', 'write one CSV row per request')
    .option('--timeline <file.json>', 'write a Perfetto timeline of every replica\'s steps (open at ui.perfetto.dev)')
    .option('--timeline-max-events <n>', 'most steps in the timeline (default 1,000,000)', intOpt('--timeline-max-events', 1))
    .option('--svg <file.svg>', 'write an SVG of the latency CDFs (TTFT, TBT, E2E) and KV-cache use over time')
    .option('--find-max-qps', 'search the highest --qps (starting from the given one) at which --slo-attainment of requests meet --slo')
    .option('--slo-attainment <f>', 'fraction of requests that must meet the SLO for --find-max-qps', positiveNumberOpt('--slo-attainment'), 0.9)
    .option('--json', 'print one JSON object instead of the table')
    .action((o: ServeCliOptions) => {
      const opts: ServeOptions = {
        workload: o.workload, topology: o.topology, replicas: o.replicas, tp: o.tp, ...(o.pp > 1 ? { pp: o.pp } : {}), scheduler: o.scheduler, router: o.router, seed: o.seed, stepModel: o.stepModel,
        ...(o.cudaGraphPadding !== CUDA_GRAPH_PADDING_DEFAULT ? { cudaGraphPadding: o.cudaGraphPadding } : {}),
        gpuMemoryUtilization: o.gpuMemoryUtilization, blockSize: o.blockSize,
        ...(o.set ? { set: o.set } : {}),
        ...(o.prefillReplicas !== undefined ? { prefillReplicas: o.prefillReplicas } : {}),
        ...(o.bandwidth ? { bandwidthGBps: o.bandwidth } : {}),
        ...(o.latency ? { latencyNs: o.latency } : {}),
        ...(o.device !== undefined ? { device: o.device } : {}),
        ...(o.qps !== undefined ? { qps: o.qps } : {}),
        ...(o.arrival !== undefined ? { arrival: o.arrival } : {}),
        ...(o.cv !== undefined ? { cv: o.cv } : {}),
        ...(o.requests !== undefined ? { requests: o.requests } : {}),
        ...(o.trace !== undefined ? { trace: o.trace } : {}),
        ...(o.promptTokens !== undefined ? { promptTokens: o.promptTokens } : {}),
        ...(o.outputTokens !== undefined ? { outputTokens: o.outputTokens } : {}),
        ...(o.slo !== undefined ? { slo: o.slo } : {}),
        ...(o.gpuMemory !== undefined ? { gpuMemoryBytes: o.gpuMemory } : {}),
        ...(o.maxBatchSize !== undefined ? { maxBatchSize: o.maxBatchSize } : {}),
        ...(o.maxBatchTokens !== undefined ? { maxBatchTokens: o.maxBatchTokens } : {}),
        ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
        ...(o.model !== undefined ? { networkModel: o.model } : {}),
        ...(o.preemption !== 'recompute' ? { preemption: o.preemption } : {}),
        ...(o.swapSpace !== undefined ? { swapSpaceBytes: o.swapSpace } : {}),
        ...(o.hostBandwidth !== undefined ? { hostBandwidthGBps: o.hostBandwidth } : {}),
        ...(o.csv !== undefined ? { csv: o.csv } : {}),
        ...(o.timeline !== undefined ? { timeline: o.timeline } : {}),
        ...(o.svg !== undefined ? { svg: o.svg } : {}),
        ...(o.timelineMaxEvents !== undefined ? { timelineMaxEvents: o.timelineMaxEvents } : {}),
      };
      if (o.findMaxQps) {
        const c = findMaxQps(opts, o.sloAttainment);
        if (o.json) console.log(JSON.stringify(c, null, 2));
        else {
          console.log(`highest rate meeting ${o.slo} for ${(100 * c.attainmentTarget).toFixed(0)} % of requests: ${c.maxQps.toPrecision(4)} QPS ` +
            `(${c.failQps.toPrecision(4)} QPS misses it; ${c.runs} runs)\n`);
          if (c.report) printHuman(c.report);
        }
        return;
      }
      const { report } = runServe(opts);
      if (o.json) console.log(JSON.stringify(report, null, 2));
      else printHuman(report);
    });
}

function collectSet(v: string, prev: Record<string, unknown> = {}): Record<string, unknown> {
  const [k, x] = parseSetArg(v);
  return { ...prev, [k]: x };
}

const ms = (ns: number) => formatTime(Math.round(ns));
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function printHuman(r: ServeReport): void {
  const s = r.setup;
  const pools = s.prefillReplicas !== undefined ? ` (${s.prefillReplicas} prefill, ${s.replicas - s.prefillReplicas} decode)` : '';
  const pp = s.pp !== undefined ? ` × PP ${s.pp} (layers ${s.stageLayers!.join('/')}; ${s.pp} virtual engines of ${formatCount(s.kvBlocksPerEngine!)} KV blocks each)` : '';
  console.log(`serving ${s.workload} on ${s.topology} (${s.device}): ${s.replicas} replica${s.replicas > 1 ? 's' : ''}${pools} × TP ${s.tp}${pp}, ${s.scheduler}, router ${s.router}`);
  console.log(`  requests: ${s.requestSource}, seed ${s.seed}`);
  console.log(`  step time: ${s.stepModelSource}${s.cudaGraphBatchSizes ? `; decode-only steps padded to CUDA-graph batch sizes ${s.cudaGraphBatchSizes.join(',')}` : ''}`);
  const mem = s.memory;
  console.log(
    `  memory per GPU: weights ${(mem.weightBytesPerGpu / 1e9).toFixed(1)} GB, KV cache ${(mem.kvBytesPerGpu / 1e9).toFixed(1)} GB ` +
      `(${formatCount(mem.blocks)} blocks of ${mem.blockSize} tokens = ${formatCount(mem.blocks * mem.blockSize)} tokens per replica)\n`,
  );
  const rows = [['', 'p50', 'p90', 'p99', 'max'], ...(['ttftNs', 'tbtNs', 'tpotNs', 'e2eNs'] as const).map((k) => {
    const p = r[k];
    return [k.slice(0, -2).toUpperCase(), ms(p.p50), ms(p.p90), ms(p.p99), ms(p.max)];
  })];
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((row) => row[j]!.length)));
  for (const row of rows) console.log(`  ${row.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  ')}`);
  console.log('');
  const out: [string, string][] = [
    ['requests', `${formatCount(r.requests)} (${formatCount(r.promptTokens)} prompt, ${formatCount(r.outputTokens)} output tokens) in ${ms(r.spanNs)}`],
    ['throughput', `${r.throughputTokensPerS.toFixed(1)} output tokens/s, ${r.throughputRequestsPerS.toFixed(3)} requests/s`],
  ];
  if (r.slo) {
    const parts = (['ttftNs', 'tbtNs', 'tpotNs', 'e2eNs'] as const).filter((k) => r.slo![k] !== undefined).map((k) => `${k.slice(0, -2)} ≤ ${ms(r.slo![k]!)}`);
    out.push(['SLO', `${parts.join(', ')}: ${pct(r.slo.attainment)} of requests; goodput ${r.slo.goodputRequestsPerS.toFixed(3)} requests/s`]);
  }
  out.push(
    ['KV cache', `mean ${pct(r.kv.meanUtilization)} used, peak ${pct(r.kv.peakUtilization)}; ${formatCount(r.preemptions)} preemption${r.preemptions === 1 ? '' : 's'}` +
      (r.swaps ? ` (${formatCount(r.swaps.count)} by swap, ${ms(r.swaps.totalNs)} of PCIe transfers in steps)` : '')],
    ...(r.kvTransfers ? [['KV transfers', `${formatCount(r.kvTransfers.count)}, mean ${ms(r.kvTransfers.totalNs / Math.max(1, r.kvTransfers.count))}, max ${ms(r.kvTransfers.maxNs)}`] as [string, string]] : []),
    ...(r.cudaGraphPadding ? [['CUDA graphs', `${formatCount(r.cudaGraphPadding.paddedSteps)} decode-only steps padded, ${formatCount(r.cudaGraphPadding.paddedRows)} dummy rows`] as [string, string]] : []),
    ['batches', `${formatCount(r.steps)} steps; requests per batch mean ${r.batchSize.mean.toFixed(1)}, p50 ${r.batchSize.p50}, p90 ${r.batchSize.p90}, max ${r.batchSize.max}`],
    ['wall', `${r.wallMs.toFixed(1)} ms (${formatCount(r.events)} events)`],
  );
  if (r.timeline) out.push(['timeline', `${r.timeline.file}: ${formatCount(r.timeline.steps)} steps${r.timeline.cut ? ` (${r.timeline.cut})` : ''}; open it at ui.perfetto.dev`]);
  console.log(table(out));
}
