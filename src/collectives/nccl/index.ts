export * from './constants.ts';
export * from './tuner.ts';
