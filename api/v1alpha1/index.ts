// Aether API v1alpha1: the kinds, the workflow DSL, and the checks our code runs beyond
// what the API server already enforced.
export * from './common.js';
export * from './rules.js';
export * from './target.js';
export * from './workflow.js';
export * from './steps-browser.js';
export * from './browser-settings.js';
export * from './output-limits.js';
export * from './validate-workflow.js';
export * from './input-shape.js';
export * from './png-header.js';
export * from './rpaworkflow.js';
export * from './rpajob.js';
export * from './robotpool.js';
export * from './network.js';
export * from './artifacts.js';
export * from './steps-files.js';
export * from './steps-call.js';
export * from './steps-queue.js';
export * from './call-graph.js';
export * from './rpaschedule.js';
export * from './rpaqueue.js';
export * from './rpatrigger.js';
export * from './kinds.js';
export * from './names.js';
export * from './reasons.js';
export * from './step-position.js';
