import { describe, expect, it } from '@jest/globals';
import { statusPatchOf, type ReportedObject, type StatusReport } from './report.js';

const now = new Date('2026-01-01T12:00:00.500Z');
const earlier = '2025-12-31T00:00:00Z';
const obj = (generation: number, status?: Record<string, unknown>): ReportedObject => ({
  apiVersion: 'rpa.aether.dev/v1alpha1',
  kind: 'RpaJob',
  metadata: { name: 'j', namespace: 'ns', generation },
  ...(status ? { status } : {}),
});
const ready = { type: 'Ready', status: 'True', reason: 'DeploymentReady', message: '1 of 1 robots ready', lastTransitionTime: earlier, observedGeneration: 2 };

describe('statusPatchOf: the one status write of a pass', () => {
  it.each<[string, ReportedObject, StatusReport, Record<string, unknown> | undefined]>([
    ['a first report: fields, conditions and observedGeneration', obj(1), { fields: { phase: 'Queued' }, conditions: [{ type: 'Queued', status: 'True', reason: 'Queued', message: 'queued on pool p' }] }, {
      phase: 'Queued',
      conditions: [{ type: 'Queued', status: 'True', reason: 'Queued', message: 'queued on pool p', lastTransitionTime: '2026-01-01T12:00:00Z', observedGeneration: 1 }],
      observedGeneration: 1,
    }],
    ['nothing differs: no write', obj(2, { phase: 'Queued', observedGeneration: 2, conditions: [ready] }), { fields: { phase: 'Queued' }, conditions: [{ type: 'Ready', status: 'True', reason: 'DeploymentReady', message: '1 of 1 robots ready' }] }, undefined],
    ['only the generation moved: observedGeneration and the conditions stamped with it', obj(3, { observedGeneration: 2, conditions: [ready] }), { conditions: [{ type: 'Ready', status: 'True', reason: 'DeploymentReady', message: '1 of 1 robots ready' }] }, {
      conditions: [{ ...ready, observedGeneration: 3 }],
      observedGeneration: 3,
    }],
    ['a new message keeps the transition time', obj(2, { observedGeneration: 2, conditions: [ready] }), { conditions: [{ type: 'Ready', status: 'True', reason: 'DeploymentReady', message: '2 of 2 robots ready' }] }, {
      conditions: [{ ...ready, message: '2 of 2 robots ready' }],
    }],
    ['a status change moves it', obj(2, { observedGeneration: 2, conditions: [ready] }), { conditions: [{ type: 'Ready', status: 'False', reason: 'DeploymentProgressing', message: '0 of 1 robots ready' }] }, {
      conditions: [{ ...ready, status: 'False', reason: 'DeploymentProgressing', message: '0 of 1 robots ready', lastTransitionTime: '2026-01-01T12:00:00Z' }],
    }],
    ['null deletes a field that is there, and is no change when it is not', obj(1, { observedGeneration: 1, queuedAt: earlier }), { fields: { queuedAt: null, completionTime: null, phase: undefined } }, { queuedAt: null }],
  ])('%s', (_n, observed, report, expected) => {
    expect(statusPatchOf(observed, report, now)).toEqual(expected);
  });
});
