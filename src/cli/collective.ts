/** `orrery collective`: simulate one collective and print its time and bandwidths. */
import type { Command } from 'commander';
import {
  COLLECTIVE_OPS, COMPOSITIONS, DEFAULT_NETWORK_MODEL, DEFAULT_SYSTEM, InputError, networkModelNames, parseAlgorithm,
  resolveTopology, runAstraCollective, runCollective, SCHEDULER_NAMES, type CollectiveOp, type CollectiveReport,
  type SchedulerName, type SystemOptions,
} from '../api/index.ts';
import { formatBytes, formatCount, formatGBps, formatTime, table } from './format.ts';
import { choiceOpt, intOpt, numberListOpt, positiveNumberOpt, sizeOpt, timeOpt } from './options.ts';

interface CollectiveCliOptions {
  topology?: string;
  astraNetwork?: string;
  astraSystem?: string;
  flavor?: SystemOptions['flavor'];
  bandwidth?: number[];
  latency?: number[];
  op: CollectiveOp;
  size: number;
  algo: string;
  chunks: number;
  activeChunks?: number;
  endpointDelay: number;
  localMemBw?: number;
  scheduling: 'FIFO' | 'LIFO';
  composition: SystemOptions['composition'];
  model: string;
  root?: number;
  scheduler?: SchedulerName;
  json?: boolean;
  perRank?: boolean;
}

export function registerCollective(program: Command): void {
  program
    .command('collective')
    .summary('simulate one collective on a topology')
    .description(
      'Simulate one collective (every rank of the topology takes part) and report its time and the nccl-tests ' +
        'bandwidths. Sizes are bytes per rank; for all-gather, each rank\'s input.',
    )
    .option('-t, --topology <topo>', 'shorthand (ring:8, switch:64, fc:8, torus:4x4x4, ring:8,switch:16), a topology JSON file, or a name from topologies/ (required unless --astra-network)')
    .option('--astra-network <file>', 'ASTRA-sim network file (2.0 analytical .yml, or 1.0 analytical .json; GB/s there means 2^30 B/s) instead of --topology')
    .option('--astra-system <file>', 'ASTRA-sim system file (2.0 .json or 1.0 key: value text): algorithms, chunks, delays; explicit flags override it')
    .option('--flavor <flavor>', 'system-layer arithmetic: native, or astra (ASTRA-sim\'s integer sizes and quirks; default with --astra-system or an astra-* model)', choiceOpt('--flavor', ['native', 'astra'] as const))
    .option('--bandwidth <GBps,...>', 'link bandwidth per dimension in GB/s (1 GB = 1e9 B), one value or one per dimension (shorthand only; default 50)', numberListOpt('--bandwidth', false))
    .option('--latency <ns,...>', 'per-hop latency per dimension in ns, one value or one per dimension (shorthand only; default 500)', numberListOpt('--latency', true))
    .requiredOption('-o, --op <op>', `operation: ${COLLECTIVE_OPS.join(', ')}`, choiceOpt('--op', COLLECTIVE_OPS))
    .requiredOption('-s, --size <bytes>', 'bytes per rank: 1GiB, 64MB, 4096 …', sizeOpt('--size'))
    .option('-a, --algo <names>', 'algorithm, one for all dimensions or one per dimension: ring, direct[W], halvingDoubling, doubleBinaryTree', 'ring')
    .option('-c, --chunks <n>', 'split the collective into n chunks that pipeline across dimensions', intOpt('--chunks', 1), DEFAULT_SYSTEM.chunks)
    .option('--active-chunks <n>', 'chunks a rank runs at once per dimension (default 1)', intOpt('--active-chunks', 1))
    .option('--endpoint-delay <ns>', 'delay per received message and per phase start', timeOpt('--endpoint-delay'), DEFAULT_SYSTEM.endpointDelayNs)
    .option('--local-mem-bw <GBps>', 'local memory bandwidth for reductions: a reducing step costs 3·m/L (default: free)', positiveNumberOpt('--local-mem-bw'))
    .option('--scheduling <policy>', 'which collective a queue favours: FIFO or LIFO', choiceOpt('--scheduling', ['FIFO', 'LIFO'] as const), DEFAULT_SYSTEM.scheduling)
    .option('--composition <mode>', `multi-dimensional all-reduce: ${COMPOSITIONS.join(' or ')}`, choiceOpt('--composition', COMPOSITIONS), DEFAULT_SYSTEM.composition)
    .option('-m, --model <name>', `network model: ${networkModelNames().join(', ')}`, DEFAULT_NETWORK_MODEL)
    .option('--root <npu>', 'root NPU for broadcast and reduce (default 0)', intOpt('--root', 0))
    .option('--scheduler <name>', `event queue: ${SCHEDULER_NAMES.join(', ')} (results are identical; for benchmarking)`, choiceOpt('--scheduler', SCHEDULER_NAMES))
    .option('--json', 'print one JSON object instead of the table')
    .option('--per-rank', 'also print each rank\'s finish time')
    .action((opts: CollectiveCliOptions, cmd: Command) => {
      if (opts.astraNetwork !== undefined || opts.astraSystem !== undefined) return runAstra(opts, cmd);
      if (opts.topology === undefined) throw new InputError('--topology is required (or give an ASTRA-sim network file with --astra-network)');
      const { topology } = resolveTopology({
        topology: opts.topology,
        ...(opts.bandwidth ? { bandwidthGBps: opts.bandwidth } : {}),
        ...(opts.latency ? { latencyNs: opts.latency } : {}),
      });
      const algorithms = opts.algo.split(',').map((a) => parseAlgorithm(a, '--algo'));
      const report = runCollective({
        topology,
        op: opts.op,
        bytes: opts.size,
        algorithms,
        model: opts.model,
        system: {
          chunks: opts.chunks,
          endpointDelayNs: opts.endpointDelay,
          scheduling: opts.scheduling,
          composition: opts.composition,
          ...(opts.activeChunks !== undefined ? { activeChunksPerDim: opts.activeChunks } : {}),
          ...(opts.localMemBw !== undefined ? { localMemBwGBps: opts.localMemBw } : {}),
          ...(opts.flavor !== undefined || opts.model.startsWith('astra-') ? { flavor: opts.flavor ?? 'astra' } : {}),
        },
        ...(opts.root !== undefined ? { root: opts.root } : {}),
        ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
      });
      if (opts.json) printJson(report, opts.perRank === true);
      else printHuman(report, opts.perRank === true, topology.dims.length);
    });
}

/**
 * The ASTRA-sim path: --astra-network (or --topology) and --astra-system. The system file gives the knobs; flags
 * given explicitly on the command line override it; without a system file the flags (and their defaults) are the
 * knobs, as on the native path. The model defaults to astra-unaware and the flavor to astra.
 */
function runAstra(opts: CollectiveCliOptions, cmd: Command): void {
  const explicit = (name: string) => cmd.getOptionValueSource(name) === 'cli';
  if (opts.astraNetwork !== undefined && opts.topology !== undefined) {
    throw new InputError(`give --astra-network (${opts.astraNetwork}) or --topology (${opts.topology}), not both`);
  }
  if (opts.astraNetwork !== undefined && (opts.bandwidth !== undefined || opts.latency !== undefined)) {
    throw new InputError(`--bandwidth and --latency apply to --topology shorthand only; ${opts.astraNetwork} gives its own`);
  }
  const topology = opts.topology !== undefined
    ? resolveTopology({
      topology: opts.topology,
      ...(opts.bandwidth ? { bandwidthGBps: opts.bandwidth } : {}),
      ...(opts.latency ? { latencyNs: opts.latency } : {}),
    }).topology
    : undefined;
  const fromFile = opts.astraSystem !== undefined;
  const given = (name: string) => !fromFile || explicit(name);
  const system: Partial<SystemOptions> = {
    flavor: opts.flavor ?? 'astra',
    ...(given('chunks') ? { chunks: opts.chunks } : {}),
    ...(given('endpointDelay') ? { endpointDelayNs: opts.endpointDelay } : {}),
    ...(given('scheduling') ? { scheduling: opts.scheduling } : {}),
    ...(given('composition') ? { composition: opts.composition } : {}),
    ...(opts.activeChunks !== undefined ? { activeChunksPerDim: opts.activeChunks } : {}),
    ...(opts.localMemBw !== undefined ? { localMemBwGBps: opts.localMemBw } : {}),
  };
  const { report, warnings, topology: topo } = runAstraCollective({
    ...(opts.astraNetwork !== undefined ? { networkFile: opts.astraNetwork } : {}),
    ...(topology ? { topology } : {}),
    ...(opts.astraSystem !== undefined ? { systemFile: opts.astraSystem } : {}),
    op: opts.op,
    bytes: opts.size,
    model: explicit('model') ? opts.model : 'astra-unaware',
    ...(given('algo') ? { algorithms: opts.algo.split(',').map((a) => parseAlgorithm(a, '--algo')) } : {}),
    system,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  for (const w of warnings) console.error(`warning: ${w}`);
  if (opts.json) printJson(report, opts.perRank === true);
  else printHuman(report, opts.perRank === true, topo.dims.length);
}

function printJson(r: CollectiveReport, perRank: boolean): void {
  const { perRankNs, ...rest } = r;
  console.log(JSON.stringify(perRank ? { ...rest, perRankNs } : rest, null, 2));
}

function printHuman(r: CollectiveReport, perRank: boolean, dims: number): void {
  const flat = r.algorithms.length === 1 && r.algorithms[0]!.startsWith('one');
  const algos = flat ? `${r.algorithms[0]} (one phase over all NPUs)`
    : r.algorithms.length === 1 && dims > 1 ? `${r.algorithms[0]} (every dimension)` : r.algorithms.join(', ');
  console.log(`${r.op} of ${formatBytes(r.bytes)} per rank on ${r.topology} (${formatCount(r.npus)} NPUs), model ${r.model}`);
  const rows: [string, string][] = [
    ['algorithm', `${algos}; ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}${dims > 1 ? `; ${r.composition}` : ''}`],
    ['time', r.minTimeNs !== r.timeNs ? `${formatTime(r.timeNs)} (first rank done at ${formatTime(r.minTimeNs)})` : formatTime(r.timeNs)],
    ['algBw', formatGBps(r.algBwGBps)],
    ['busBw', formatGBps(r.busBwGBps)],
    ['events', `${formatCount(r.events)} (${formatCount(r.messages)} messages)`],
    ['wall', `${r.wallMs.toFixed(1)} ms (${(r.events / Math.max(r.wallMs, 1e-3) / 1e3).toFixed(2)} M events/s)`],
  ];
  console.log(table(rows));
  if (perRank) {
    console.log('\n  rank  finish');
    r.perRankNs.forEach((t, i) => console.log(`  ${String(i).padStart(4)}  ${t} ns`));
  }
}
