/**
 * The `orrery` program and its commands. Each command's module (and the simulator code it imports) is loaded only
 * when that command runs or its help is asked for, so `orrery --help` and each command start without parsing the
 * rest: in the compiled CLI (scripts/build.mjs splits dist/cli.js at these imports) that halves the start-up time.
 * The top-level help lists the commands that are not loaded from this table; tests/cli.program.test.ts checks that
 * it prints exactly what the loaded commands would.
 */
import { Command, Help } from 'commander';

interface CommandEntry {
  name: string;
  /** How the top-level help names the command: `name [options] <args>`, as commander derives it once loaded. */
  term: string;
  summary: string;
  register: () => Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'collective', term: 'collective [options]', summary: 'simulate one collective on a topology',
    register: async () => (await import('./collective.ts')).registerCollective,
  },
  {
    name: 'run', term: 'run [options]', summary: 'replay a workload trace and report its step time and where the time goes',
    register: async () => (await import('./run.ts')).registerRun,
  },
  {
    name: 'convert', term: 'convert [options] <in> <out>',
    summary: 'convert a workload to an Orrery trace (JSON, YAML, msgpack) or to Chakra ET',
    register: async () => (await import('./convert.ts')).registerConvert,
  },
  {
    name: 'topologies', term: 'topologies', summary: 'list the named topologies in topologies/ and the cluster presets (NAME:<nodes>)',
    register: async () => (await import('./topologies.ts')).registerTopologies,
  },
  {
    name: 'sweep', term: 'sweep', summary: 'run a command over lists and ranges of its options, in parallel',
    register: async () => (await import('./sweep.ts')).registerSweep,
  },
  {
    name: 'serve', term: 'serve [options]',
    summary: 'simulate LLM inference serving: requests, replicas, schedulers, KV cache, latency metrics',
    register: async () => (await import('./serve.ts')).registerServe,
  },
  {
    name: 'calibrate', term: 'calibrate [options]',
    summary: 'fit a cluster preset\'s link and protocol figures to measured collectives',
    register: async () => (await import('./calibrate.ts')).registerCalibrate,
  },
  {
    name: 'validate', term: 'validate [options]',
    summary: 'compare predictions with measured data shipped in the repository (kernel fits, …)',
    register: async () => (await import('./validate.ts')).registerValidate,
  },
  {
    name: 'kernel', term: 'kernel [options] [kind]',
    summary: 'predict one kernel\'s time (GEMM, attention, memory-bound) on a device, or a CSV of them',
    register: async () => (await import('./kernel.ts')).registerKernel,
  },
];

/** The command `argv` runs or asks help for (`orrery help <command>`), if it names one of {@link COMMANDS}. */
export function selectedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-')); // the program's own options (-h, -V) take no values
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name)?.name;
}

/**
 * The program, with the command `argv` selects loaded and the others as placeholders that only show in the
 * top-level help; without `argv`, with every command loaded.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command();
  const terms = new Map<Command, string>();
  program
    .name('orrery')
    .description('A fast, deterministic discrete-event simulator for distributed ML training and inference.')
    .version('0.1.0')
    // commander's errors as one line, like every other error (subcommands inherit this)
    .configureOutput({ outputError: (str, write) => write(`orrery: ${str.trim().replace(/\n+/g, '; ')} (see --help)\n`) })
    .exitOverride()
    .configureHelp({
      subcommandTerm(this: Help, cmd: Command): string {
        return terms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
      },
    });
  const selected = argv === undefined ? undefined : selectedCommand(argv);
  for (const c of COMMANDS) {
    if (argv === undefined || c.name === selected) (await c.register())(program);
    else terms.set(program.command(c.name).summary(c.summary), c.term);
  }
  return program;
}
