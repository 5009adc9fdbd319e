/** `orrery collective`: simulate one collective and print its time and bandwidths. */
import type { Command } from 'commander';
import { COLLECTIVE_OPS, type CollectiveOp } from '../api/vocabulary.ts';
import { runCollectiveOptions } from '../api/collective-options.ts';
import type { CollectiveReport } from '../api/collective.ts';
import { formatBytes, formatCount, formatGBps, formatTime, table } from './format.ts';
import { choiceOpt, intOpt, sizeOpt } from './options.ts';
import { createEventProgress } from './progress.ts';
import { addAstraOptions, addSystemOptions, type AstraCliOptions, type SystemCliOptions } from './system-options.ts';

interface CollectiveCliOptions extends SystemCliOptions, AstraCliOptions {
  op: CollectiveOp;
  size: number;
  root?: number;
  npus?: number;
  json?: boolean;
  perRank?: boolean;
  lenient?: boolean;
}

export function registerCollective(program: Command): void {
  const cmd = program
    .command('collective')
    .summary('simulate one collective on a topology')
    .description(
      'Simulate one collective (every rank of the topology takes part) and report its time and the nccl-tests ' +
        'bandwidths. Sizes are bytes per rank; for all-gather, each rank\'s input.',
    );
  addAstraOptions(addSystemOptions(cmd, 'algorithm', 'required unless --astra-network', 'auto'))
    .requiredOption('-o, --op <op>', `operation: ${COLLECTIVE_OPS.join(', ')}`, choiceOpt('--op', COLLECTIVE_OPS))
    .requiredOption('-s, --size <bytes>', 'bytes per rank: 1GiB, 64MB, 4096 …', sizeOpt('--size'))
    .option('--root <npu>', 'root NPU for broadcast and reduce (default 0)', intOpt('--root', 0))
    .option('--npus <n>', 'run on the first n NPUs of the topology only (as nccl-tests -g n); default: all', intOpt('--npus', 1))
    .option('--json', 'print one JSON object instead of the table')
    .option('--per-rank', 'also print each rank\'s finish time')
    .option('--lenient', 'unknown keys in ASTRA-sim network and system files are warnings, not errors (Orrery\'s own files are always strict)')
    .action((opts: CollectiveCliOptions, command: Command) => {
      // with a system file, only flags given on the command line override it; without one, flags and defaults apply
      const astraSystem = opts.astraSystem !== undefined;
      const given = (name: string) => !astraSystem || command.getOptionValueSource(name) === 'cli';
      const modelGiven = command.getOptionValueSource('model') === 'cli';
      const astra = astraSystem || opts.astraNetwork !== undefined;
      const progress = createEventProgress(process.stderr, `${opts.op}`);
      const { report, topology, warnings } = runCollectiveOptions({
        ...(opts.topology !== undefined ? { topology: opts.topology } : {}),
        ...(opts.bandwidth ? { bandwidthGBps: opts.bandwidth } : {}),
        ...(opts.latency ? { latencyNs: opts.latency } : {}),
        ...(opts.astraNetwork !== undefined ? { astraNetwork: opts.astraNetwork } : {}),
        ...(astraSystem ? { astraSystem: opts.astraSystem! } : {}),
        op: opts.op,
        bytes: opts.size,
        // --algo auto (the default) is NCCL's choice on native models; ASTRA-sim inputs keep their own default
        ...(command.getOptionValueSource('algo') === 'cli' || (!astra && !opts.model.startsWith('astra-'))
          ? { algorithms: opts.algo.split(',') } : {}),
        ...(given('chunks') ? { chunks: opts.chunks } : {}),
        ...(given('endpointDelay') ? { endpointDelayNs: opts.endpointDelay } : {}),
        ...(given('scheduling') ? { scheduling: opts.scheduling } : {}),
        ...(given('composition') ? { composition: opts.composition } : {}),
        ...(opts.activeChunks !== undefined ? { activeChunks: opts.activeChunks } : {}),
        ...(opts.localMemBw !== undefined ? { localMemBwGBps: opts.localMemBw } : {}),
        ...(!astra || modelGiven ? { model: opts.model } : {}),
        ...(opts.flavor !== undefined ? { flavor: opts.flavor } : {}),
        ...(opts.root !== undefined ? { root: opts.root } : {}),
        ...(opts.npus !== undefined ? { npus: opts.npus } : {}),
        ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
        ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
        ...(opts.lenient ? { lenient: true } : {}),
        ...(progress ? { onProgress: progress.tick } : {}),
      });
      progress?.end();
      for (const w of warnings) console.error(`warning: ${w}`);
      if (opts.json) printJson(report, opts.perRank === true);
      else printHuman(report, opts.perRank === true, topology.dims.length);
    });
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
  const n = r.nccl;
  const rows: [string, string][] = [
    n ? ['algorithm', `${n.algorithm}, protocol ${n.protocol} (NCCL's choice for ${n.nodes} node${n.nodes === 1 ? '' : 's'} × ${n.ranksPerNode} ranks, ${n.channels} channels; closed form, no events)`]
      : ['algorithm', `${algos}; ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}${dims > 1 ? `; ${r.composition}` : ''}`],
    ['time', r.minTimeNs !== r.timeNs ? `${formatTime(r.timeNs)} (first rank done at ${formatTime(r.minTimeNs)})` : formatTime(r.timeNs)],
    ['algBw', formatGBps(r.algBwGBps)],
    ['busBw', formatGBps(r.busBwGBps)],
    ...(r.inNetworkBusBwGBps !== undefined ? [['busBw (in-network)', `${formatGBps(r.inNetworkBusBwGBps)}  (algBw × (p−1)/(p+1), nccl-tests' factor for in-network reduction)`] as [string, string]] : []),
    // astra-unaware runs messages due together as one engine event (collectives/coalesce.ts): then the rate that
    // says how fast the simulation went is messages per second, not events
    ['events', `${formatCount(r.events)} (${formatCount(r.messages)} messages${r.messages > r.events ? '; messages due at one instant share an event' : ''})`],
    ['wall', `${r.wallMs.toFixed(1)} ms (${rate(r.messages > r.events ? r.messages : r.events, r.wallMs)} M ${r.messages > r.events ? 'messages' : 'events'}/s)`],
  ];
  console.log(table(rows));
  if (perRank) {
    console.log('\n  rank  finish');
    r.perRankNs.forEach((t, i) => console.log(`  ${String(i).padStart(4)}  ${t} ns`));
  }
}

/** Millions per second of `n` things done in `ms` milliseconds, two decimals. */
function rate(n: number, ms: number): string {
  return (n / Math.max(ms, 1e-3) / 1e3).toFixed(2);
}
