/**
 * The `orrery` command line: parses arguments (commander) and prints; everything else is in api/.
 * Known input errors print one line and exit 1; anything else is a bug and says so (set ORRERY_DEBUG=1 for the
 * stack).
 */
import { CommanderError } from 'commander';
import { buildProgram } from './program.ts';

const KNOWN_ERRORS = new Set(['InputError', 'UnitError', 'TopologyError', 'CollectiveError', 'TraceError', 'ServingError', 'ComputeError']);

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0; // a command may set its own (sweep: 3)
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed the message
    const err = e as Error;
    if (KNOWN_ERRORS.has(err.name)) {
      console.error(`orrery: error: ${err.message}`);
      return 1;
    }
    console.error(`orrery: internal error: ${err.message ?? String(e)}`);
    console.error('This is a bug in Orrery; set ORRERY_DEBUG=1 to see where it happened.');
    if (process.env.ORRERY_DEBUG) console.error(err.stack);
    return 2;
  }
}

// a closed pipe (`orrery run … | head`) ends output quietly
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
