// The workflow engine's public surface for the robot agent.
export {
  createEngine,
  WORKFLOW_NAME,
  type AttemptRequest,
  type AttemptResult,
  type Engine,
  type EngineOptions,
} from './engine.js';
export type { JobOutcome, StepCheckpoint, StopReason } from './checkpoint.js';
export type { ProgressFn } from './interpreter.js';
export type { CredentialProvider } from './scope.js';
export { primaryLocator, resolveTarget, type ResolveContext, type TargetResolver } from './targets.js';
export { BrowserHost } from '../browser/host.js';
export { configureDurable, type Durable, type DurableConfig } from '../durable/runtime.js';
