/** File-system errors as the command line reports them (one line, status 1): kept apart from api/index.ts so the
 * CLI's entry can use them without loading the simulator. */
export { ioReason, isIoError } from '../io/output.ts';
