/** `orrery convert`: rewrite a workload as an Orrery trace in another encoding (JSON, YAML, msgpack, gzip). */
import type { Command } from 'commander';
import { convertWorkload, type WorkloadInput } from '../api/index.ts';
import { formatBytes, formatCount } from './format.ts';
import { choiceOpt } from './options.ts';

/** Input kinds `--from` accepts, mapped onto the API's input dispatch (importers add theirs here). */
const FROM = ['trace'] as const;
type From = (typeof FROM)[number];

interface ConvertCliOptions {
  from: From;
  lenient?: boolean;
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .summary('convert a trace between JSON, YAML and msgpack (optionally gzipped)')
    .description(
      'Read a workload and write it as an Orrery trace; the output encoding comes from its extension: .json, ' +
        '.yaml, .msgpack (add .gz for gzip). The trace is validated on the way; the conversion is lossless.\n\n' +
        'Example:\n  orrery convert traces/dp-overlap-4.json /tmp/dp.msgpack.gz',
    )
    .argument('<in>', 'input file')
    .argument('<out>', 'output file (.json, .yaml, .msgpack, optionally .gz)')
    .option('--from <kind>', `input kind: ${FROM.join(', ')}`, choiceOpt('--from', FROM), 'trace')
    .option('--lenient', 'accept dependencies on op ids that do not exist (kept in the output), with a warning')
    .action((input: string, out: string, opts: ConvertCliOptions) => {
      const src: WorkloadInput = { [opts.from]: input };
      const r = convertWorkload(src, out, { lenient: opts.lenient === true });
      for (const w of r.warnings) console.error(`orrery: warning: ${w}`);
      const inSize = r.bytesIn !== undefined ? ` (${formatBytes(r.bytesIn)})` : '';
      console.log(`${r.source}${inSize} → ${r.out} (${r.encoding}, ${formatBytes(r.bytesOut)}): ${formatCount(r.ranks)} ranks, ${formatCount(r.ops)} ops`);
    });
}
