export { decideScale } from './scaler.js';
export { DEFAULT_BEHAVIOR, DEFAULT_TOLERANCE, resolveBehavior } from './behavior.js';
export { SCALE_REASONS, type ScaleReason } from './reasons.js';
export type * from './types.js';
