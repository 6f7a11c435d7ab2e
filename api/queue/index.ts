// The queue contract shared by operator (producer, sweeper) and robots (consumer).
export * from './identifiers.js';
export * from './priority.js';
export * from './backoff.js';
export * from './payload.js';
export * from './digest.js';
export * from './db.js';
export * from './producer.js';
export { queueDepth, type QueueDepth } from './sql/depth.js';
export type { RunRow, RunState, RunError } from './sql/runs.js';
export type { RobotRow, RobotState } from './sql/robots.js';
