/** `orrery run`: replay a workload (a training or inference step) and report its step time and breakdown. */
import type { Command } from 'commander';
import { checkOutputPath } from '../api/vocabulary.ts';
import { DEFAULT_TIMELINE_MAX_EVENTS, deviceNames, ISSUE_POLICIES, PRECISIONS, type IssuePolicy, type Precision } from '../api/vocabulary-workload.ts';
import { computeModelNames } from '../api/compute.ts';
import { loadWorkload, runTrace, type RunReport } from '../api/run.ts';
import { loadWorkloadSpec } from '../api/workloads.ts';
import { printMemory } from './memory.ts';
import { formatBytes, formatCount, formatGBps, formatTime } from './format.ts';
import {
  choiceOpt, intOpt, rangeOpt, rankListOpt, stragglerOpt, windowOpt,
} from './options.ts';
import { addAstraOptions, addSystemOptions, systemFromOptions, type AstraCliOptions, type SystemCliOptions } from './system-options.ts';
import { createEventProgress } from './progress.ts';
import { addWorkloadOptions, workloadFromOptions, type WorkloadCliOptions } from './workload-options.ts';

/** The device a generated workload (--workload) runs on when --device is not given: the same as `sweep run`'s. */
const DEFAULT_WORKLOAD_DEVICE = 'H100-SXM5-80GB';

interface RunCliOptions extends SystemCliOptions, AstraCliOptions, Omit<WorkloadCliOptions, 'topology'> {
  policy: IssuePolicy;
  device?: string;
  precision?: Precision;
  compute?: string;
  computeTable?: string[];
  computeScale: number;
  computeEfficiency?: number;
  memoryEfficiency?: number;
  straggler?: Record<number, number>;
  jitter: number;
  seed: number;
  json?: boolean;
  timeline?: string;
  timelineRanks?: number[];
  timelineWindow?: [number, number];
  timelineMaxEvents: number;
  top: number;
  collectives: number;
  allowOom?: boolean;
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .summary('replay a workload trace and report its step time and where the time goes')
    .description(
      'Replay a workload (per-rank ops with dependencies and streams) on a topology: compute runs on its streams, ' +
        'collectives and point-to-point messages go through the collectives layer and the network model, and ' +
        'overlap with compute. Reports the step time, per rank compute / exposed communication / overlapped ' +
        'communication / idle, and per collective time and bus bandwidth.',
    )
    .addHelpText('after', '\n' +
        'Examples:\n' +
        '  orrery run -t ring:4 --trace traces/dp-overlap-4.json\n' +
        '  orrery run -t switch:8,switch:16 --workload gpt-13b --set model.layers=4 --set training.globalBatch=16\n' +
        '  orrery run --workload gpt-13b --set model.layers=4 --set training.globalBatch=16\n' +
        '  orrery convert traces/pipeline-4.json /tmp/pipe --to chakra && orrery run -t ring:4 --chakra /tmp/pipe\n' +
        '  orrery run -t ring:4,ring:4 --astra-workload traces/astra/Resnet50_DataParallel.txt\n' +
        '  orrery run --astra-workload traces/astra/Resnet50_DataParallel.txt --astra-network traces/astra/Ring_4npus.yml --astra-system traces/astra/Ring_4chunks.json\n' +
        '  orrery run -t ring:4 --trace traces/dp-overlap-4.json --device H100 --json\n' +
        '  orrery run -t ring:2 --trace traces/pingpong-2.json --timeline /tmp/pp.json\n' +
        '  (then open /tmp/pp.json at ui.perfetto.dev)')
  addWorkloadOptions(cmd);
  addAstraOptions(addSystemOptions(cmd, 'algorithm for collectives that name none', 'required unless --astra-network', 'auto'))
    .option('--policy <policy>', 'issue policy: streams (each stream runs its ops in order) or astra (ASTRA-sim: one op in flight per cpu / gpu compute / communication class, any ready op)', choiceOpt('--policy', ISSUE_POLICIES), 'streams')
    .option('--lenient', 'drop dependencies on op ids that do not exist, with a warning (real Chakra traces need it)')
    .option('--device <name>', `device preset for compute ops given as FLOPs/bytes: ${deviceNames().join(', ')} (default: the cluster preset's GPU; with --workload otherwise ${DEFAULT_WORKLOAD_DEVICE}, as sweep run)`)
    .option('--compute <model>', `compute model for ops with a kernel descriptor: ${computeModelNames().join(', ')} (default kernel; ops with only FLOPs/bytes always use the roofline; a --workload step without training.kernels gets Megatron's kernel list, or the coarse ops under roofline)`, choiceOpt('--compute', computeModelNames()))
    .option('--compute-table <files...>', 'Orrery measured-kernel CSVs for --compute table (kind, kernel fields, device, precision, timeNs)')
    .option('--precision <p>', `precision of compute ops that name none: ${PRECISIONS.join(', ')} (default bf16)`, choiceOpt('--precision', PRECISIONS))
    .option('--compute-scale <x>', 'multiply every compute time by x (like ASTRA-sim\'s compute scale)', rangeOpt('--compute-scale', 'factorOrZero'), 1)
    .option('--compute-efficiency <f>', 'fraction of peak FLOPS the roofline assumes (default: the preset\'s)', rangeOpt('--compute-efficiency', 'fraction'))
    .option('--memory-efficiency <f>', 'fraction of memory bandwidth the roofline assumes (default: the preset\'s)', rangeOpt('--memory-efficiency', 'fraction'))
    .option('--straggler <rank:factor,...>', 'slow ranks: e.g. 3:1.5 makes rank 3\'s compute take 1.5× as long', stragglerOpt('--straggler'))
    .option('--jitter <sd>', 'per-op compute noise: time × max(0, 1 + sd·z), z ~ N(0,1), seeded', rangeOpt('--jitter', 'jitter'), 0)
    .option('--seed <n>', 'seed for --jitter (same seed, same result)', intOpt('--seed', 0), 1)
    .option('--allow-oom', 'run a generated training step whose memory per GPU exceeds the device\'s HBM (with a warning) instead of refusing it')
    .option('--json', 'print one JSON object (every rank and every collective) instead of the tables')
    .option('--timeline <file>', 'write a Chrome trace (open it in ui.perfetto.dev or chrome://tracing)')
    .option('--timeline-ranks <list>', 'only these ranks in the timeline, e.g. 0-7,64', rankListOpt('--timeline-ranks'))
    .option('--timeline-window <from:to>', 'only slices overlapping this time window, e.g. 1ms:5ms', windowOpt('--timeline-window'))
    .option('--timeline-max-events <n>', 'cap on timeline slices; past it, the earliest are kept', intOpt('--timeline-max-events', 1), DEFAULT_TIMELINE_MAX_EVENTS)
    .option('--top <n>', 'how many of the slowest ranks to list when there are many', intOpt('--top', 0), 5)
    .option('--collectives <n>', 'how many collective groups to list (busiest first)', intOpt('--collectives', 0), 10)
    .action((opts: RunCliOptions, command: Command) => {
      if (opts.timeline !== undefined) checkOutputPath(opts.timeline, '--timeline'); // before any work
      // a workload description may name the cluster it was published on: it is the topology when none is given
      if (opts.topology === undefined && opts.astraNetwork === undefined && opts.workload !== undefined) {
        const cluster = loadWorkloadSpec(opts.workload, opts.set ?? {}).cluster;
        if (cluster !== undefined) opts.topology = cluster;
      }
      const { input, load } = workloadFromOptions(opts);
      const { warnings: setupWarnings, ...sys } = systemFromOptions(opts, command);
      // without --topology, importers take the NPUs per dimension from the ASTRA-sim network file's topology
      const dims = opts.topology === undefined ? sys.topology.dims.map((d) => d.npus) : undefined;
      const loaded = loadWorkload(input, {
        ...load,
        ...(dims ? { astra: { ...load.astra, dims }, chakra: { ...load.chakra, dims }, generate: { ...load.generate, dims } } : {}),
        ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
        ...(opts.compute !== undefined ? { compute: opts.compute } : {}),
      });
      // a cluster preset names its GPUs; a generated workload without one defaults as `sweep run` does
      const device = opts.device ?? sys.topology.cluster?.device ?? (opts.workload !== undefined ? DEFAULT_WORKLOAD_DEVICE : undefined);
      for (const w of setupWarnings) console.error(`orrery: warning: ${w}`);
      const progress = createEventProgress(process.stderr, 'run');
      const report = runTrace({
        ...sys,
        ...(progress ? { onProgress: progress.tick } : {}),
        trace: loaded.trace,
        source: loaded.source,
        ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
        loadWarnings: loaded.warnings,
        policy: opts.policy,
        lenient: opts.lenient === true,
        ...(device !== undefined ? { device } : {}),
        ...(opts.precision !== undefined ? { precision: opts.precision } : {}),
        ...(opts.compute !== undefined ? { compute: opts.compute } : {}),
        ...(opts.computeTable !== undefined ? { computeTables: opts.computeTable } : {}),
        computeScale: opts.computeScale,
        ...(opts.computeEfficiency !== undefined ? { computeEfficiency: opts.computeEfficiency } : {}),
        ...(opts.memoryEfficiency !== undefined ? { memoryEfficiency: opts.memoryEfficiency } : {}),
        ...(opts.straggler ? { stragglers: opts.straggler } : {}),
        jitter: opts.jitter,
        seed: opts.seed,
        ...(loaded.memory ? { memory: loaded.memory } : {}),
        allowOom: opts.allowOom === true,
        ...(opts.timeline !== undefined
          ? {
              timeline: {
                path: opts.timeline,
                maxEvents: opts.timelineMaxEvents,
                ...(opts.timelineRanks ? { ranks: opts.timelineRanks } : {}),
                ...(opts.timelineWindow ? { windowNs: opts.timelineWindow } : {}),
              },
            }
          : {}),
      });
      progress?.end();
      for (const w of report.warnings) console.error(`orrery: warning: ${w}`);
      if (report.timeline?.cut) console.error(`orrery: ${report.timeline.cut}`);
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else printHuman(report, opts.top, opts.collectives);
    });
}

const pct = (x: number, step: number) => (step > 0 ? `${((100 * x) / step).toFixed(1)}%` : '-');

function cols(rows: string[][], align: ('l' | 'r')[]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((c, i) => (align[i] === 'r' ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd()).join('\n');
}

function printHuman(r: RunReport, top: number, ncoll: number): void {
  const step = r.stepTimeNs;
  const name = r.trace.name ?? r.trace.source ?? 'trace';
  console.log(
    `${name}: ${formatCount(r.trace.ranks)} ranks, ${formatCount(r.trace.ops)} ops (${formatCount(r.trace.collectives)} collectives, ` +
      `${formatCount(r.trace.p2p)} p2p) on ${r.topology} (${formatCount(r.npus)} NPUs), model ${r.model}, policy ${r.policy}`,
  );
  const slowest = [...r.ranks].sort((a, b) => b.endNs - a.endNs || a.rank - b.rank);
  const head: [string, string][] = [
    ['step time', `${formatTime(step)}  (last rank done: ${slowest[0] ? `rank ${slowest[0].rank}` : '-'})`],
    ['algorithm', `${r.algorithms.join(', ')}; ${r.chunks} chunk${r.chunks === 1 ? '' : 's'} (for collectives that name none)`],
  ];
  if (r.device) head.push(['device', `${r.device} (compute model ${r.compute ?? 'roofline'} for ops with a kernel, roofline for ops with only FLOPs/bytes)`]);
  if (r.computeScale !== 1) head.push(['compute scale', `×${r.computeScale}`]);
  if (r.jitter > 0) head.push(['jitter', `sd ${r.jitter}, seed ${r.seed}`]);
  head.push(["events", `${formatCount(r.events)} (${formatCount(r.messages)} messages), wall ${formatTime(Math.round(r.wallMs * 1e6))}`]);
  const w = Math.max(...head.map((h) => h[0].length));
  console.log(head.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n'));

  console.log('\n  per rank: compute + exposed comm + other + idle = step time; overlapped comm is the part of compute with communication in flight');
  const hdr = ['rank', 'done at', 'compute', 'exposed comm', 'overlapped comm', 'other', 'idle'];
  const row = (label: string, x: { endNs: number; computeNs: number; exposedCommNs: number; overlappedCommNs: number; otherNs: number; idleNs: number }) => [
    label, formatTime(x.endNs), `${formatTime(x.computeNs)} ${pct(x.computeNs, step)}`, `${formatTime(x.exposedCommNs)} ${pct(x.exposedCommNs, step)}`,
    `${formatTime(x.overlappedCommNs)} ${pct(x.overlappedCommNs, step)}`, `${formatTime(x.otherNs)} ${pct(x.otherNs, step)}`, `${formatTime(x.idleNs)} ${pct(x.idleNs, step)}`,
  ];
  const rows: string[][] = [hdr];
  if (r.ranks.length <= 16) {
    for (const x of r.ranks) rows.push(row(String(x.rank), x));
  } else {
    const keys = ['endNs', 'computeNs', 'exposedCommNs', 'overlappedCommNs', 'otherNs', 'idleNs'] as const;
    const q = (f: number) => {
      const o = {} as Record<(typeof keys)[number], number>;
      for (const k of keys) {
        const v = r.ranks.map((x) => x[k]).sort((a, b) => a - b);
        o[k] = v[Math.min(v.length - 1, Math.floor(f * (v.length - 1) + 0.5))]!;
      }
      return o;
    };
    rows.push(row('min', q(0)), row('median', q(0.5)), row('max', q(1)));
    for (const x of slowest.slice(0, top)) rows.push(row(`slow ${x.rank}`, x));
  }
  console.log(cols(rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r']));
  if (r.ranks.length > 16) console.log(`  (min / median / max over ${formatCount(r.ranks.length)} ranks per column, then the ${Math.min(top, r.ranks.length)} ranks that finished last)`);

  if (r.collectiveSummary.length > 0 && ncoll > 0) {
    console.log('\n  collectives by (op, group, size), most total time first; time = first join to last member done, busBw over last join to done');
    const crow: string[][] = [['op', 'group', 'size/rank', 'algorithm', 'count', 'mean time', 'min', 'max', 'busBw']];
    for (const c of r.collectiveSummary.slice(0, ncoll)) {
      crow.push([c.op, c.group, formatBytes(c.bytes), c.algorithms, formatCount(c.count), formatTime(Math.round(c.meanNs)), formatTime(c.minNs), formatTime(c.maxNs), formatGBps(c.meanBusBwGBps)]);
    }
    console.log(cols(crow, ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r']));
    if (r.collectiveSummary.length > ncoll) console.log(`  … ${r.collectiveSummary.length - ncoll} more groups (--collectives N, or --json for every collective)`);
  }
  if (r.memory) printMemory(r.memory);
  if (r.timeline) {
    console.log(
      `\n  timeline  ${r.timeline.path}: ${formatCount(r.timeline.slices)} slices, ${formatCount(r.timeline.flows)} flows, ${formatBytes(r.timeline.bytes)}; open it in ui.perfetto.dev`,
    );
  }
}
