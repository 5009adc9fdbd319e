/**
 * The workload input flags shared by `orrery run` and `orrery convert`: one input (`--trace`, `--chakra`,
 * `--astra-workload`, `--workload`) and the options of its importer.
 */
import type { Command } from 'commander';
import { parseSetArg } from '../api/vocabulary-workload.ts';
import type { LoadOptions, WorkloadInput } from '../api/run.ts';
import { choiceOpt, intOpt, rangeOpt } from './options.ts';

export interface WorkloadCliOptions {
  /** The command's --topology (importers read the NPUs per dimension from it). */
  topology?: string;
  trace?: string;
  chakra?: string;
  astraWorkload?: string;
  workload?: string;
  lenient?: boolean;
  // Chakra
  ctrlDeps?: 'parent' | 'astra';
  commGroups?: string;
  chakraCompute?: 'duration' | 'roofline';
  chakraStreams?: 'resource' | 'tid';
  ranks?: number;
  // ASTRA-sim text
  passes?: number;
  chakraCompat?: boolean;
  commScale?: number;
  astraDialect?: 'auto' | 'astra' | 'simai';
  // generator
  mode?: 'train' | 'infer';
  set?: Record<string, unknown>;
}

function collectSet(v: string, prev: Record<string, unknown> = {}): Record<string, unknown> {
  const [k, x] = parseSetArg(v);
  return { ...prev, [k]: x };
}

/** Adds the input flags (`inputs: false` when the command takes its input as an argument) and importer options. */
export function addWorkloadOptions(cmd: Command, inputs = true): Command {
  if (inputs) {
    cmd
      .option('--trace <file>', 'an Orrery trace: .json, .yaml or .msgpack (optionally .gz)')
      .option('--chakra <prefix>', 'a Chakra execution trace: <prefix>.0.et, <prefix>.1.et, … (gzip or not)')
      .option('--astra-workload <file>', 'an ASTRA-sim 1.0 text workload (or SimAI\'s dialect)')
      .option('--workload <file|name>', 'a model × parallelism description (a JSON file, or a name in workloads/)');
  }
  return cmd
    .option('--ctrl-deps <mode>', 'Chakra ctrl_deps: parent (PyTorch parent links, not dependencies) or astra (dependencies too, as ASTRA-sim\'s feeder)', choiceOpt('--ctrl-deps', ['parent', 'astra'] as const))
    .option('--comm-groups <file>', 'Chakra: ASTRA-sim communicator-group JSON ({"1": [0,1,2,3], …}) for pg_name')
    .option('--chakra-compute <mode>', 'Chakra GPU compute time: duration (duration_micros) or roofline (num_ops, tensor_size on --device)', choiceOpt('--chakra-compute', ['duration', 'roofline'] as const))
    .option('--chakra-streams <mode>', 'Chakra streams: resource (cpu / compute / comm) or tid (one per PyTorch thread or CUDA stream)', choiceOpt('--chakra-streams', ['resource', 'tid'] as const))
    .option('--ranks <n>', 'Chakra or ASTRA-sim text: number of ranks (default: discovered, or the topology\'s NPUs)', intOpt('--ranks', 1))
    .option('--passes <n>', 'ASTRA-sim text: training passes (its --num-passes)', intOpt('--passes', 1))
    .option('--chakra-compat', 'ASTRA-sim text: compute cycles ×1000 and no update delays, as ASTRA-sim 2.x runs a Chakra-converted file')
    .option('--comm-scale <x>', 'ASTRA-sim text: multiply communication sizes', rangeOpt('--comm-scale', 'factor'))
    .option('--astra-dialect <d>', 'ASTRA-sim text dialect: auto, astra or simai', choiceOpt('--astra-dialect', ['auto', 'astra', 'simai'] as const))
    .option('--mode <mode>', 'workload description: train or infer (default: train when it has a training section)', choiceOpt('--mode', ['train', 'infer'] as const))
    .option('--set <key=value>', 'workload description: override a field by dotted path, e.g. training.parallel.tp=4 (repeatable)', collectSet);
}

/** The input and loader options the flags describe. */
export function workloadFromOptions(opts: WorkloadCliOptions): { input: WorkloadInput; load: LoadOptions } {
  const input: WorkloadInput = {
    ...(opts.trace !== undefined ? { trace: opts.trace } : {}),
    ...(opts.chakra !== undefined ? { chakra: opts.chakra } : {}),
    ...(opts.astraWorkload !== undefined ? { astraWorkload: opts.astraWorkload } : {}),
    ...(opts.workload !== undefined ? { workload: opts.workload } : {}),
  };
  const load: LoadOptions = {
    lenient: opts.lenient === true,
    ...(opts.topology !== undefined ? { topology: opts.topology } : {}),
    chakra: {
      ...(opts.ctrlDeps ? { ctrlDeps: opts.ctrlDeps } : {}),
      ...(opts.commGroups ? { commGroups: opts.commGroups } : {}),
      ...(opts.chakraCompute ? { compute: opts.chakraCompute } : {}),
      ...(opts.chakraStreams ? { streams: opts.chakraStreams } : {}),
      ...(opts.ranks !== undefined ? { ranks: opts.ranks } : {}),
    },
    astra: {
      ...(opts.passes !== undefined ? { passes: opts.passes } : {}),
      ...(opts.chakraCompat ? { units: 'chakra-compat' as const } : {}),
      ...(opts.commScale !== undefined ? { commScale: opts.commScale } : {}),
      ...(opts.astraDialect ? { dialect: opts.astraDialect } : {}),
      ...(opts.ranks !== undefined ? { ranks: opts.ranks } : {}),
    },
    generate: {
      ...(opts.mode ? { mode: opts.mode } : {}),
      ...(opts.set ? { set: opts.set } : {}),
    },
  };
  return { input, load };
}
