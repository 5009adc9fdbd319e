export { InputError, kindOf } from './errors.ts';
export * from './topology.ts';
export * from './table.ts';
export * from './svg-chart.ts';
