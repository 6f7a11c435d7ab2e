// The closed set of reasons a scale decision reports lives with every other reason in api/v1alpha1/reasons.ts.
export { SCALE_REASONS, type ScaleReason } from '../../../api/v1alpha1/reasons.js';
