/**
 * `sweep serve`: `orrery serve` over lists and ranges of its options (QPS, replicas, TP, PP, scheduler, chunk size,
 * router, …), one row of serving metrics per point, with the sweep machinery's workers, resume and shards.
 *
 * Every parameter is the single-run flag of `orrery serve` with the same meaning and default; a point runs
 * `runServe` exactly as the CLI would (same seed, so the same requests at every point that shares the request
 * parameters: Poisson arrival times scale as 1/QPS). Errors of a point (the model does not fit, replicas × TP × PP
 * exceed the cluster, a bad SLO) go to its error cell; the sweep carries on.
 *
 * Only `import type` from sweep-commands.ts: that module imports this one to register the command.
 */
import { InputError } from '../io/index.ts';
import { networkModelNames } from '../network/index.ts';
import { SCHEDULER_KINDS, ROUTERS } from '../serving/index.ts';
import { DEFAULT_STEP_MODEL, runServe, STEP_MODELS, type ServeOptions } from './serve.ts';
import type { ParamRow, SweepCommand } from './sweep-commands.ts';
import type { ParamValue } from './sweep-params.ts';
import { namedWorkloads } from './workloads.ts';

/** A cell's value, or undefined when not given ('' in a row, null in a JSON-lines file read back). */
const text = (v: ParamValue | '' | null | undefined): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(v));
const num = (v: ParamValue | '' | null | undefined): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));

/** The ServeOptions of one point (what `orrery serve` with these flags runs). */
export function serveOptionsOfRow(row: ParamRow): ServeOptions {
  const opt = <K extends keyof ServeOptions>(k: K, v: ServeOptions[K] | undefined): Partial<ServeOptions> => (v === undefined ? {} : { [k]: v });
  const arrival = text(row.arrival) as ServeOptions['arrival'] | undefined;
  return {
    workload: String(row.workload), topology: String(row.topology), replicas: num(row.replicas) ?? 1, tp: num(row.tp) ?? 1,
    scheduler: text(row.scheduler) ?? 'vllm', seed: num(row.seed) ?? 0,
    ...opt('pp', num(row.pp)),
    ...opt('device', text(row.device)),
    ...opt('prefillReplicas', num(row.prefillReplicas)),
    ...opt('router', text(row.router)),
    ...opt('requests', num(row.requests)),
    ...opt('qps', num(row.qps)),
    ...opt('arrival', arrival),
    ...opt('cv', num(row.cv)),
    ...opt('trace', text(row.trace)),
    ...opt('promptTokens', text(row.promptTokens)),
    ...opt('outputTokens', text(row.outputTokens)),
    ...opt('slo', text(row.slo)),
    ...opt('gpuMemoryUtilization', num(row.gpuMemoryUtilization)),
    ...opt('blockSize', num(row.blockSize)),
    ...opt('maxBatchSize', num(row.maxBatchSize)),
    ...opt('maxBatchTokens', num(row.maxBatchTokens)),
    ...opt('chunkSize', num(row.chunkSize)),
    ...opt('stepModel', text(row.stepModel)),
    ...opt('cudaGraphPadding', text(row.cudaGraphPadding)),
    ...opt('preemption', text(row.preemption) as ServeOptions['preemption'] | undefined),
    ...opt('networkModel', text(row.model)),
  };
}

export const SERVE_SWEEP: SweepCommand = {
  summary: 'sweep orrery serve over request rates, replicas, TP, PP, schedulers, chunk sizes, …',
  params: [
    { key: 'workload', flags: '--workload <names>', column: 'workload', kind: 'text', help: `the model: a name in workloads/ (${namedWorkloads().join(', ')}) or a workload JSON file` },
    { key: 'topology', flags: '-t, --topology <topos>', column: 'topology', kind: 'text', separator: ';', help: 'clusters as orrery serve takes them (shorthand, file or name), separated by ";"' },
    { key: 'device', flags: '--device <names>', column: 'device', kind: 'text', help: 'GPU preset (a100, h100; default from the topology name)' },
    { key: 'replicas', flags: '--replicas <R>', column: 'replicas', kind: 'int', min: 1, default: 1, help: 'model replicas' },
    { key: 'tp', flags: '--tp <T>', column: 'tp', kind: 'int', min: 1, default: 1, help: 'tensor-parallel GPUs per replica' },
    { key: 'pp', flags: '--pp <P>', column: 'pp', kind: 'int', min: 1, default: 1, help: 'pipeline stages per replica' },
    { key: 'prefillReplicas', flags: '--prefill-replicas <P>', column: 'prefillReplicas', kind: 'int', min: 1, help: 'disaggregated serving: the first P replicas only prefill' },
    { key: 'scheduler', flags: '--scheduler <names>', column: 'scheduler', kind: 'choice', choices: () => SCHEDULER_KINDS, default: 'vllm', help: `batch scheduler: ${SCHEDULER_KINDS.join(', ')}` },
    { key: 'router', flags: '--router <names>', column: 'router', kind: 'choice', choices: () => ROUTERS, default: 'round-robin', help: `global router: ${ROUTERS.join(', ')}` },
    { key: 'qps', flags: '--qps <X>', column: 'qps', kind: 'number', help: 'arrival rate, requests/s, e.g. 1..64 (doubling) or 2..20+2' },
    { key: 'arrival', flags: '--arrival <kinds>', column: 'arrival', kind: 'choice', choices: () => ['poisson', 'gamma', 'burst'], help: 'poisson (default with --qps), gamma (with --cv) or burst' },
    { key: 'cv', flags: '--cv <x>', column: 'cv', kind: 'number', help: 'coefficient of variation of gamma inter-arrival gaps' },
    { key: 'requests', flags: '--requests <N>', column: 'requests', kind: 'int', min: 1, help: 'requests (with --trace: its first N)' },
    { key: 'trace', flags: '--trace <files>', column: 'trace', kind: 'text', separator: ';', help: 'request traces (Vidur CSV, LLMServingSim JSONL or a name in traces/serving/), separated by ";"' },
    { key: 'promptTokens', flags: '--prompt-tokens <P>', column: 'promptTokens', kind: 'text', separator: ';', help: 'synthetic prompt lengths: 512, uniform:MIN-MAX or zipf:MAX[:S]; several separated by ";"' },
    { key: 'outputTokens', flags: '--output-tokens <O>', column: 'outputTokens', kind: 'text', separator: ';', help: 'synthetic output lengths, same forms' },
    { key: 'seed', flags: '--seed <S>', column: 'seed', kind: 'int', min: 0, default: 0, help: 'random seed' },
    { key: 'slo', flags: '--slo <specs>', column: 'slo', kind: 'text', separator: ';', help: 'SLOs (ttft=2s,tbt=200ms), several separated by ";"' },
    { key: 'gpuMemoryUtilization', flags: '--gpu-memory-utilization <f>', column: 'gpuMemoryUtilization', kind: 'number', help: 'fraction of HBM for weights and KV cache (default 0.9)' },
    { key: 'blockSize', flags: '--block-size <tokens>', column: 'blockSize', kind: 'int', min: 1, help: 'tokens per KV block (default 16)' },
    { key: 'maxBatchSize', flags: '--max-batch-size <n>', column: 'maxBatchSize', kind: 'int', min: 1, help: 'requests per batch at most (default 256)' },
    { key: 'maxBatchTokens', flags: '--max-batch-tokens <n>', column: 'maxBatchTokens', kind: 'int', min: 1, help: 'vllm, trtllm: tokens per step at most (default 4096)' },
    { key: 'chunkSize', flags: '--chunk-size <n>', column: 'chunkSize', kind: 'int', min: 1, help: 'sarathi: token budget per step (default 512)' },
    { key: 'preemption', flags: '--preemption <modes>', column: 'preemption', kind: 'choice', choices: () => ['recompute', 'swap'], help: 'vllm, sarathi: recompute (default) or swap to host memory' },
    { key: 'stepModel', flags: '--step-model <names>', column: 'stepModel', kind: 'choice', choices: () => STEP_MODELS, default: DEFAULT_STEP_MODEL, help: `step-time model: ${STEP_MODELS.join(', ')}` },
    { key: 'cudaGraphPadding', flags: '--cuda-graph-padding <specs>', column: 'cudaGraphPadding', kind: 'text', separator: ';', help: 'CUDA-graph padding of decode-only steps as orrery serve takes it (off, trtllm or a list 1,2,4,8), separated by ";"' },
    { key: 'model', flags: '-m, --model <names>', column: 'model', kind: 'choice', choices: networkModelNames, help: `network model for the TP all-reduces: ${networkModelNames().join(', ')}` },
  ],
  metrics: [
    { column: 'throughputTokensPerS', type: 'number', help: 'output tokens/s over first arrival … last token' },
    { column: 'throughputRequestsPerS', type: 'number', help: 'requests/s over the same span' },
    { column: 'ttftP50Ns', type: 'number', help: 'time to first token, median, ns' },
    { column: 'ttftP99Ns', type: 'number', help: 'time to first token, 99th percentile, ns' },
    { column: 'tbtP50Ns', type: 'number', help: 'time between tokens, median, ns' },
    { column: 'tbtP99Ns', type: 'number', help: 'time between tokens, 99th percentile, ns' },
    { column: 'tpotP50Ns', type: 'number', help: 'time per output token, median, ns' },
    { column: 'e2eP50Ns', type: 'number', help: 'end-to-end latency, median, ns' },
    { column: 'e2eP99Ns', type: 'number', help: 'end-to-end latency, 99th percentile, ns' },
    { column: 'sloAttainment', type: 'number', help: 'fraction of requests meeting --slo (empty without one)' },
    { column: 'goodputRequestsPerS', type: 'number', help: 'requests meeting --slo per second (empty without one)' },
    { column: 'kvMeanUtilization', type: 'number', help: 'time-averaged KV-cache use, mean over replicas' },
    { column: 'preemptions', type: 'number', help: 'requests preempted (recompute or swap)' },
    { column: 'meanBatch', type: 'number', help: 'requests per step, mean' },
    { column: 'steps', type: 'number', help: 'steps run' },
    { column: 'events', type: 'number', help: 'simulation events' },
  ],
  checkGrid(given) {
    if (!given.has('workload')) throw new InputError(`--workload is required (a name: ${namedWorkloads().join(', ')}, or a file)`);
    if (!given.has('topology')) throw new InputError('--topology is required (e.g. -t dgx-a100)');
    if (!given.has('requests') && !given.has('trace')) throw new InputError('--requests is required without --trace (how many synthetic requests)');
    if (given.has('trace') && (given.has('promptTokens') || given.has('outputTokens'))) {
      throw new InputError('--prompt-tokens and --output-tokens are for synthetic requests; a --trace gives the lengths');
    }
  },
  resolve(p) {
    return p;
  },
  run(row) {
    const { report: r } = runServe(serveOptionsOfRow(row));
    return {
      throughputTokensPerS: r.throughputTokensPerS, throughputRequestsPerS: r.throughputRequestsPerS,
      ttftP50Ns: r.ttftNs.p50, ttftP99Ns: r.ttftNs.p99, tbtP50Ns: r.tbtNs.p50, tbtP99Ns: r.tbtNs.p99, tpotP50Ns: r.tpotNs.p50,
      e2eP50Ns: r.e2eNs.p50, e2eP99Ns: r.e2eNs.p99,
      ...(r.slo ? { sloAttainment: r.slo.attainment, goodputRequestsPerS: r.slo.goodputRequestsPerS } : {}),
      kvMeanUtilization: r.kv.meanUtilization, preemptions: r.preemptions, meanBatch: r.batchSize.mean, steps: r.steps,
      events: r.events,
    };
  },
  plot: {
    x: ['qps', 'replicas', 'tp', 'pp', 'chunkSize', 'maxBatchSize'],
    series: ['scheduler', 'workload', 'topology', 'replicas', 'tp', 'pp', 'router', 'chunkSize', 'maxBatchSize', 'maxBatchTokens', 'prefillReplicas', 'trace', 'promptTokens', 'outputTokens', 'slo', 'stepModel', 'model'],
    xAxes: {
      qps: 'request rate (requests/s)', replicas: 'replicas', tp: 'tensor-parallel GPUs per replica', pp: 'pipeline stages per replica',
      chunkSize: 'chunk size (tokens)', maxBatchSize: 'max batch size (requests)',
    },
    panels: [
      { column: 'ttftP99Ns', label: 'TTFT p99', unit: 'ns' },
      { column: 'throughputTokensPerS', label: 'output throughput', unit: 'tokens/s' },
    ],
  },
};
