// The workflow engine's public surface for the robot agent.
export {
  createEngine,
  WORKFLOW_NAME,
  type AttemptRequest,
  type AttemptResult,
  type Engine,
  type EngineOptions,
} from './engine.js';
export type { HealMark, WorkflowOutcome, StepCheckpoint, StopReason } from './checkpoint.js';
export { createHealingResolver, type HealingResolverOptions } from './healing-resolver.js';
export type { ProgressFn } from './interpreter.js';
export type { CredentialProvider } from './scope.js';
export {
  primaryLocator,
  resolveTarget,
  type HealNotice,
  type ResolveContext,
  type ResolveJob,
  type TargetResolver,
} from './targets.js';
export { BrowserHost } from '../browser/host.js';
export { configureDurable, type Durable, type DurableConfig } from '../durable/runtime.js';
