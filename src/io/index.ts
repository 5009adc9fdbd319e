export { InputError, kindOf } from './errors.ts';
export * from './topology.ts';
