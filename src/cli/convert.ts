/**
 * `orrery convert`: rewrite a workload (an Orrery trace, or an import: Chakra ET, ASTRA-sim text, a generated
 * workload) as an Orrery trace in another encoding, or export it as Chakra ET for ASTRA-sim.
 */
import type { Command } from 'commander';
import { checkOutputPath, InputError } from '../api/vocabulary.ts';
import { convertWorkload, exportWorkloadToChakra, type WorkloadInput } from '../api/run.ts';
import { formatBytes, formatCount } from './format.ts';
import { choiceOpt, countOpt } from './options.ts';
import { addWorkloadOptions, workloadFromOptions, type WorkloadCliOptions } from './workload-options.ts';

/** Input kinds `--from` accepts, and the WorkloadInput field each fills. */
const FROM = { trace: 'trace', chakra: 'chakra', 'astra-workload': 'astraWorkload', workload: 'workload' } as const;
type From = keyof typeof FROM;

interface ConvertCliOptions extends WorkloadCliOptions {
  from: From;
  to?: 'trace' | 'chakra';
  maxEvents?: number;
}

export function registerConvert(program: Command): void {
  const cmd = program
    .command('convert')
    .summary('convert a workload to an Orrery trace (JSON, YAML, msgpack) or to Chakra ET')
    .description(
      'Read a workload and write it as an Orrery trace; the output encoding comes from its extension: .json, ' +
        '.yaml, .msgpack (add .gz for gzip). With --to chakra, write <out>.<rank>.et files (and <out>.comm_groups.json ' +
        'for non-world groups) that ASTRA-sim 2.0 reads. The trace is validated on the way; conversions between ' +
        'Orrery encodings are lossless.',
    )
    .addHelpText('after', '\n' +
        'Examples:\n' +
        '  orrery convert traces/dp-overlap-4.json /tmp/dp.msgpack.gz\n' +
        '  orrery convert --from astra-workload traces/astra/Resnet50_DataParallel.txt /tmp/resnet.json -t ring:4\n' +
        '  orrery convert traces/pipeline-4.json /tmp/pipe --to chakra && orrery convert --from chakra /tmp/pipe /tmp/pipe.json\n' +
        '  orrery convert --from workload llama-70b -t switch:8,switch:64 /tmp/llama.msgpack')
    .argument('<in>', 'input: a trace file, a Chakra prefix, an ASTRA-sim text file, or a workload description')
    .argument('<out>', 'output file (.json, .yaml, .msgpack, optionally .gz), or a prefix with --to chakra')
    .option('--from <kind>', `input kind: ${Object.keys(FROM).join(', ')}`, choiceOpt('--from', Object.keys(FROM) as From[]), 'trace')
    .option('--to <kind>', 'output kind: trace (default) or chakra', choiceOpt('--to', ['trace', 'chakra'] as const))
    .option('-t, --topology <topo>', 'topology whose NPUs per dimension an importer or the Chakra exporter needs (involved_dim, TP placement)')
    .option('--lenient', 'accept dependencies on op ids that do not exist (kept in the output), with a warning')
    .option('--max-events <n>', 'refuse a generated or imported workload estimated above n ops (default 2e8)', countOpt('--max-events'));
  addWorkloadOptions(cmd, false).action((inArg: string, out: string, opts: ConvertCliOptions) => {
    // a missing or read-only directory is refused before reading the input, for a file and a Chakra prefix alike
    if (opts.to === 'chakra' && /[\\/]$/.test(out)) throw new InputError(`convert: output prefix "${out}" ends in a directory; add a file name, e.g. ${out}trace`);
    checkOutputPath(opts.to === 'chakra' ? `${out}.0.et` : out, 'convert: output');
    const { load: baseLoad } = workloadFromOptions(opts);
    const load = { ...baseLoad, ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}) };
    const input: WorkloadInput = { [FROM[opts.from]]: inArg };
    if (opts.to === 'chakra') {
      const r = exportWorkloadToChakra(input, out, load);
      for (const w of r.warnings) console.error(`orrery: warning: ${w}`);
      console.log(`${r.source} → ${r.files.length} Chakra ET files ${out}.0.et … ${out}.${r.files.length - 1}.et${r.commGroupFile ? ` and ${r.commGroupFile}` : ''}`);
      return;
    }
    const r = convertWorkload(input, out, load);
    for (const w of r.warnings) console.error(`orrery: warning: ${w}`);
    const inSize = r.bytesIn !== undefined ? ` (${formatBytes(r.bytesIn)})` : '';
    console.log(`${r.source}${inSize} → ${r.out} (${r.encoding}, ${formatBytes(r.bytesOut)}): ${formatCount(r.ranks)} ranks, ${formatCount(r.ops)} ops`);
  });
}
