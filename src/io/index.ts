export { InputError, kindOf } from './errors.ts';
export * from './topology.ts';
export * from './trace.ts';
export { writeChromeTrace, type ChromeTraceInfo } from './chrome-trace.ts';
