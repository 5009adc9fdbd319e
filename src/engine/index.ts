export { Engine, type EventHandler, type EventId, type RunStats, type EngineOptions } from './engine.ts';
export { createScheduler, SCHEDULER_NAMES, type Scheduler, type SchedulerName, type EventKeys } from './scheduler.ts';
export { createRng, type Rng } from './rng.ts';
