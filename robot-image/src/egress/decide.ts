// The egress decision lives in api/egress/decide.ts: the operator's notification sender uses it too.
export * from '../../../api/egress/decide.js';
