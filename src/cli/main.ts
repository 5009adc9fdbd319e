/**
 * The `orrery` command line: parses arguments (commander) and prints; everything else is in api/.
 * Exit status: 0 ok; 1 bad input or environment (a known input error, or a file-system error such as a missing
 * directory or a full disk: one line); 2 a bug (anything else; set ORRERY_DEBUG=1 for the stack). `sweep` uses 3
 * for "some points failed".
 */
import { CommanderError } from 'commander';
import { ioReason, isIoError } from '../api/io-errors.ts';
import { buildProgram } from './program.ts';

const KNOWN_ERRORS = new Set(['InputError', 'UnitError', 'TopologyError', 'CollectiveError', 'TraceError', 'ServingError', 'ComputeError', 'LimitError']);

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0; // a command may set its own (sweep: 3)
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed the message
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K'); // a progress line a failed run left behind
    const err = e as Error;
    if (KNOWN_ERRORS.has(err.name)) {
      console.error(`orrery: error: ${err.message}`);
      return 1;
    }
    if (isIoError(e)) {
      // the environment, not a bug: a write or read the command did not wrap itself
      const path = (e as NodeJS.ErrnoException).path;
      console.error(`orrery: error: ${path ? `${path}: ` : ''}${ioReason(e)}`);
      return 1;
    }
    console.error(`orrery: internal error: ${err.message ?? String(e)}`);
    console.error('This is a bug in Orrery; set ORRERY_DEBUG=1 to see where it happened.');
    if (process.env.ORRERY_DEBUG) console.error(err.stack);
    return 2;
  }
}

/** The process entry (bin/orrery.mjs): runs `main` on the process's arguments and sets the exit status. */
export async function cli(): Promise<void> {
  // a closed pipe (`orrery run … | head`) ends output quietly; any other failure to write the output (a full disk:
  // `> /dev/full`) is one line and status 1
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    try {
      process.stderr.write(`orrery: error: cannot write the output: ${ioReason(e)}\n`);
    } finally {
      process.exit(1);
    }
  });
  process.stderr.on('error', () => process.exit(1));
  process.exitCode = await main(process.argv.slice(2));
}
