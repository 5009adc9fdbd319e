/**
 * Runs the `orrery` command line in this process (no child process: ~1 ms instead of ~1 s of start-up), capturing
 * what it prints. Same code path as the bin except the process-level stdout handlers of `cli()`.
 */
import { main } from '../../src/cli/main.ts';

export interface InprocResult { code: number; stdout: string; stderr: string }

export async function orreryInproc(args: string[]): Promise<InprocResult> {
  let stdout = '';
  let stderr = '';
  const log = console.log, error = console.error, warn = console.warn;
  const outWrite = process.stdout.write, errWrite = process.stderr.write;
  const text = (a: unknown[]) => a.map((x) => (typeof x === 'string' ? x : String(x))).join(' ') + '\n';
  console.log = (...a: unknown[]) => { stdout += text(a); };
  console.error = (...a: unknown[]) => { stderr += text(a); };
  console.warn = console.error;
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    console.log = log;
    console.error = error;
    console.warn = warn;
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    process.exitCode = saved;
  }
}
