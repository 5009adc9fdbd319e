/**
 * Options every simulating command shares (`orrery collective`, `orrery run`): the topology, the collective
 * algorithms and system knobs, the network model and the event queue. One definition, added to each command by
 * {@link addSystemOptions} and turned into API arguments by {@link systemFromOptions}.
 */
import type { Command } from 'commander';
import { loadAstraRunSetup } from '../api/astra.ts';
import { COMPOSITIONS, DEFAULT_SYSTEM, parseAlgorithm, type AlgorithmSpec, type SystemOptions, DEFAULT_NETWORK_MODEL, networkModelNames, InputError, SCHEDULER_NAMES, type SchedulerName } from '../api/vocabulary.ts';
import { resolveTopology } from '../api/topology.ts';
import { DEFAULT_MAX_EVENTS } from '../units/index.ts';
import { choiceOpt, countOpt, intOpt, rangedTimeOpt, rangeListOpt, rangeOpt } from './options.ts';

export interface SystemCliOptions {
  /** Required unless the command has another source (`orrery collective --astra-network`). */
  topology?: string;
  bandwidth?: number[];
  latency?: number[];
  algo: string;
  chunks: number;
  activeChunks?: number;
  endpointDelay: number;
  localMemBw?: number;
  scheduling: 'FIFO' | 'LIFO';
  composition: SystemOptions['composition'];
  model: string;
  scheduler?: SchedulerName;
  maxEvents?: number;
  /** `orrery run --lenient`: unknown keys in input files are warnings. */
  lenient?: boolean;
}

const TOPOLOGY_HELP = 'shorthand (ring:8, switch:64, fc:8, torus:4x4x4, ring:8,switch:16), a topology JSON file, or a name from topologies/';

/**
 * Adds the shared options; `algoHelp` says what --algo applies to in this command. With `topologyOptional`,
 * --topology may be missing (the command reads the topology elsewhere; {@link systemFromOptions} then needs it).
 */
export function addSystemOptions(cmd: Command, algoHelp = 'algorithm', topologyOptional?: string, algoDefault = 'ring'): Command {
  const withTopology = topologyOptional
    ? cmd.option('-t, --topology <topo>', `${TOPOLOGY_HELP} (${topologyOptional})`)
    : cmd.requiredOption('-t, --topology <topo>', TOPOLOGY_HELP);
  return withTopology
    .option('--bandwidth <GBps,...>', 'link bandwidth per dimension in GB/s (1 GB = 1e9 B), one value or one per dimension (shorthand only; default 50)', rangeListOpt('--bandwidth', 'bandwidthGBps'))
    .option('--latency <ns,...>', 'per-hop latency per dimension in ns, one value or one per dimension (shorthand only; default 500)', rangeListOpt('--latency', 'latencyNs'))
    .option('-a, --algo <names>', `${algoHelp}, one for all dimensions or one per dimension: ring, direct[W], halvingDoubling, doubleBinaryTree${algoDefault === 'auto' ? '; or auto: NCCL\'s choice on a cluster preset (ring on other topologies)' : ''}`, algoDefault)
    .option('-c, --chunks <n>', 'split each collective into n chunks that pipeline across dimensions', intOpt('--chunks', 1), DEFAULT_SYSTEM.chunks)
    .option('--active-chunks <n>', 'chunks a rank runs at once per dimension (default 1)', intOpt('--active-chunks', 1))
    .option('--endpoint-delay <ns>', 'delay per received message and per phase start', rangedTimeOpt('--endpoint-delay', 'delayNs'), DEFAULT_SYSTEM.endpointDelayNs)
    .option('--local-mem-bw <GBps>', 'local memory bandwidth for reductions: a reducing step costs 3·m/L (default: free)', rangeOpt('--local-mem-bw', 'bandwidthGBps'))
    .option('--scheduling <policy>', 'which collective a queue favours: FIFO or LIFO', choiceOpt('--scheduling', ['FIFO', 'LIFO'] as const), DEFAULT_SYSTEM.scheduling)
    .option('--composition <mode>', `multi-dimensional all-reduce: ${COMPOSITIONS.join(' or ')}`, choiceOpt('--composition', COMPOSITIONS), DEFAULT_SYSTEM.composition)
    .option('-m, --model <name>', `network model: ${networkModelNames().join(', ')}`, DEFAULT_NETWORK_MODEL)
    .option('--scheduler <name>', `event queue: ${SCHEDULER_NAMES.join(', ')} (results are identical; for benchmarking)`, choiceOpt('--scheduler', SCHEDULER_NAMES))
    .option('--max-events <n>', `refuse work estimated above n events (or ops), and stop a run past it (default ${DEFAULT_MAX_EVENTS.toExponential().replace('e+', 'e')})`, countOpt('--max-events'));
}

export interface AstraCliOptions {
  astraNetwork?: string;
  astraSystem?: string;
  flavor?: SystemOptions['flavor'];
}

/** ASTRA-sim's inputs instead of (or beside) Orrery's, for `orrery collective` and `orrery run`. */
export function addAstraOptions(cmd: Command): Command {
  return cmd
    .option('--astra-network <file>', 'ASTRA-sim network file (2.0 analytical .yml, or 1.0 analytical .json; GB/s there means 2^30 B/s) instead of --topology')
    .option('--astra-system <file>', 'ASTRA-sim system file (2.0 .json or 1.0 key: value text): algorithms, chunks, delays; explicit flags override it')
    .option('--flavor <flavor>', 'system-layer arithmetic: native, or astra (ASTRA-sim\'s integer sizes and quirks; default with --astra-system or an astra-* model)', choiceOpt('--flavor', ['native', 'astra'] as const));
}

/**
 * The topology, algorithms, model, system knobs and scheduler the shared options ask for. With ASTRA-sim files
 * (`--astra-network`, `--astra-system`) the topology and knobs come from them, flags given on the command line
 * override the system file, the model defaults to astra-unaware and the flavor to astra; `algorithmsByOp` then holds
 * the system file's algorithm per collective type.
 */
export function systemFromOptions(opts: SystemCliOptions & AstraCliOptions, cmd?: Command) {
  const astra = opts.astraNetwork !== undefined || opts.astraSystem !== undefined;
  if (opts.astraNetwork !== undefined && opts.topology !== undefined) {
    throw new InputError(`give --astra-network (${opts.astraNetwork}) or --topology (${opts.topology}), not both`);
  }
  if (opts.topology === undefined && opts.astraNetwork === undefined) {
    throw new InputError('--topology is required (or give an ASTRA-sim network file with --astra-network)');
  }
  const resolved = opts.topology !== undefined
    ? resolveTopology({
      topology: opts.topology,
      ...(opts.bandwidth ? { bandwidthGBps: opts.bandwidth } : {}),
      ...(opts.latency ? { latencyNs: opts.latency } : {}),
    }).topology
    : undefined;
  // with a system file, only flags given on the command line override it
  const given = (name: string) => opts.astraSystem === undefined || cmd?.getOptionValueSource(name) === 'cli';
  const system: Partial<SystemOptions> = {
    ...(given('chunks') ? { chunks: opts.chunks } : {}),
    ...(given('endpointDelay') ? { endpointDelayNs: opts.endpointDelay } : {}),
    ...(given('scheduling') ? { scheduling: opts.scheduling } : {}),
    ...(given('composition') ? { composition: opts.composition } : {}),
    ...(opts.activeChunks !== undefined ? { activeChunksPerDim: opts.activeChunks } : {}),
    ...(opts.localMemBw !== undefined ? { localMemBwGBps: opts.localMemBw } : {}),
    ...(opts.flavor !== undefined ? { flavor: opts.flavor } : {}),
  };
  // `auto` (run's default): NCCL's choice on a cluster preset, ring elsewhere (api/run.ts); the ASTRA-sim models
  // and inputs keep ring unless auto was asked for on the command line (runTrace then says it does not apply)
  const autoGiven = cmd?.getOptionValueSource('algo') === 'cli';
  const auto = opts.algo === 'auto' && (autoGiven || (!astra && !opts.model.startsWith('astra-')));
  const algorithms: (AlgorithmSpec | string)[] = auto
    ? ['auto']
    : (opts.algo === 'auto' ? 'ring' : opts.algo).split(',').map((a) => parseAlgorithm(a, '--algo'));
  const scheduler = opts.scheduler ? { scheduler: opts.scheduler } : {};
  if (!astra) return { topology: resolved!, algorithms, model: opts.model, system, ...scheduler, warnings: [] as string[] };
  const setup = loadAstraRunSetup({
    ...(opts.astraNetwork !== undefined ? { networkFile: opts.astraNetwork } : {}),
    ...(resolved ? { topology: resolved } : {}),
    ...(opts.astraSystem !== undefined ? { systemFile: opts.astraSystem } : {}),
    ...(opts.lenient ? { lenient: true } : {}),
  });
  const model = cmd?.getOptionValueSource('model') === 'cli' ? opts.model : 'astra-unaware';
  return {
    topology: setup.topology,
    algorithms,
    ...(given('algo') ? {} : { algorithmsByOp: setup.algorithmsByOp }),
    model,
    system: { ...setup.system, ...system, flavor: opts.flavor ?? 'astra' },
    ...scheduler,
    warnings: setup.warnings,
  };
}
