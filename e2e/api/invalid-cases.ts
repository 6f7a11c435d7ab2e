// Manifests the API server must reject, each with a piece of the message that names the field.
// Built from the examples by a small change each, so every case fails for exactly one reason.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { BROWSER_INVALID_CASES } from './invalid-browser-cases.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function example(name: 'rpaworkflow' | 'rpajob' | 'robotpool' | 'rpaschedule' | 'rpaqueue' | 'rpatrigger' | 'rpanotification'): Obj {
  return parse(readFileSync(path.join(repo, 'examples', `${name}.yaml`), 'utf8')) as Obj;
}

export interface InvalidCase {
  name: string;
  manifest: Obj;
  /** Substrings the rejection message must contain (the field path and the reason). */
  expect: string[];
}

const goto = { id: 'a', action: 'goto', url: 'https://example.com' };
/** A minimal valid RpaWorkflow with the given steps (and spec overrides). */
function wf(steps: unknown[], extra: Obj = {}): Obj {
  return {
    apiVersion: 'rpa.aether.dev/v1alpha1',
    kind: 'RpaWorkflow',
    metadata: { name: 'bad' },
    spec: { steps, ...extra },
  };
}
function job(spec: Obj): Obj {
  return {
    apiVersion: 'rpa.aether.dev/v1alpha1',
    kind: 'RpaJob',
    metadata: { name: 'bad' },
    spec: { workflowRef: { name: 'w' }, pool: 'default', ...spec },
  };
}
function pool(spec: Obj): Obj {
  return {
    apiVersion: 'rpa.aether.dev/v1alpha1',
    kind: 'RobotPool',
    metadata: { name: 'bad' },
    spec: { image: 'robot:1', ...spec },
  };
}
function schedule(spec: Obj): Obj {
  const base = example('rpaschedule');
  return { ...base, metadata: { name: 'bad' }, spec: { ...base.spec, ...spec } };
}
function trigger(spec: Obj): Obj {
  return { apiVersion: 'rpa.aether.dev/v1alpha1', kind: 'RpaTrigger', metadata: { name: 'bad' }, spec: { secretRef: { name: 'aether-webhooks', key: 'k' }, ...spec } };
}
const triggerJob = { pool: 'default', workflowRef: { name: 'w' } };
function notification(spec: Obj): Obj {
  const base = example('rpanotification');
  return { ...base, metadata: { name: 'bad' }, spec: { ...base.spec, ...spec } };
}
function without(o: Obj, key: string): Obj {
  const { [key]: _, ...rest } = o;
  return rest;
}

export const INVALID_CASES: InvalidCase[] = [
  // --- RpaWorkflow / the DSL
  { name: 'workflow without steps', manifest: wf([]), expect: ['spec.steps', 'should have at least 1 items'] },
  { name: 'workflow without spec', manifest: without(wf([goto]), 'spec'), expect: ['spec', 'Required value'] },
  {
    name: 'unknown action',
    manifest: wf([{ id: 'a', action: 'teleport' }]),
    expect: ['spec.steps[0].action', 'Unsupported value: "teleport"'],
  },
  {
    name: 'step without id',
    manifest: wf([{ action: 'goto', url: 'x' }]),
    expect: ['spec.steps[0].id', 'Required value'],
  },
  { name: 'step id with spaces', manifest: wf([{ ...goto, id: 'a b' }]), expect: ['spec.steps[0].id', 'should match'] },
  {
    name: 'duplicate step ids',
    manifest: wf([goto, { ...goto, url: 'y' }]),
    expect: ['spec.steps[1]', 'Duplicate value'],
  },
  {
    name: 'duplicate step ids in a nested list',
    manifest: wf([{ id: 'i', action: 'if', condition: 'true', then: [goto, goto] }]),
    expect: ['spec.steps[0].then[1]', 'Duplicate value'],
  },
  {
    name: 'goto without url',
    manifest: wf([{ id: 'a', action: 'goto' }]),
    expect: ['spec.steps[0].url', 'url is required for action goto'],
  },
  {
    name: 'fill without value',
    manifest: wf([{ id: 'a', action: 'fill', target: { css: 'x' } }]),
    expect: ['spec.steps[0].value', 'value is required for action'],
  },
  {
    name: 'click without target',
    manifest: wf([{ id: 'a', action: 'click' }]),
    expect: ['spec.steps[0].target', 'target is required for action'],
  },
  {
    name: 'field of another action',
    manifest: wf([{ ...goto, key: 'Enter' }]),
    expect: ['spec.steps[0]', 'key is not a field of action goto'],
  },
  {
    name: 'target with two locators',
    manifest: wf([{ id: 'a', action: 'click', target: { css: 'x', text: 'y' } }]),
    expect: ['spec.steps[0].target', 'exactly one of role, label, testId, text, css, xpath'],
  },
  {
    name: 'target with no locator',
    manifest: wf([{ id: 'a', action: 'click', target: { exact: true } }]),
    expect: ['spec.steps[0].target', 'exactly one of'],
  },
  {
    name: 'name without role',
    manifest: wf([{ id: 'a', action: 'click', target: { text: 'x', name: 'y' } }]),
    expect: ['spec.steps[0].target.name', 'only allowed together with role'],
  },
  {
    name: 'anchor relation unknown',
    manifest: wf([
      { id: 'a', action: 'click', target: { css: 'x', anchor: { target: { text: 'L' }, relation: 'behind' } } },
    ]),
    expect: ['spec.steps[0].target.anchor.relation', 'Unsupported value: "behind"'],
  },
  {
    name: 'image template with both sources',
    manifest: wf([
      {
        id: 'a',
        action: 'click',
        target: { css: 'x', image: { png: 'AAAA', configMapKeyRef: { name: 'c', key: 'k' } } },
      },
    ]),
    expect: ['spec.steps[0].target.image', 'exactly one of png, configMapKeyRef'],
  },
  {
    name: 'waitFor with url and seconds',
    manifest: wf([{ id: 'a', action: 'waitFor', url: 'x', seconds: 1 }]),
    expect: ['spec.steps[0]', 'waitFor needs exactly one of target, url, seconds'],
  },
  {
    name: 'waitFor state without target',
    manifest: wf([{ id: 'a', action: 'waitFor', seconds: 1, state: 'visible' }]),
    expect: ['spec.steps[0].state', 'state is only allowed with target'],
  },
  {
    name: 'assert with nothing to check',
    manifest: wf([{ id: 'a', action: 'assert', message: 'm' }]),
    expect: ['spec.steps[0]', 'assert needs exactly one of text, visible, url, condition'],
  },
  {
    name: 'onError retries with policy fail',
    manifest: wf([{ ...goto, onError: { policy: 'fail', retries: 3 } }]),
    expect: ['spec.steps[0].onError.retries', 'only allowed with policy retry'],
  },
  {
    name: 'onError unknown policy',
    manifest: wf([{ ...goto, onError: { policy: 'ignore' } }]),
    expect: ['spec.steps[0].onError.policy', 'Unsupported value: "ignore"'],
  },
  {
    name: 'retries out of range',
    manifest: wf([{ ...goto, onError: { policy: 'retry', retries: 50 } }]),
    expect: ['spec.steps[0].onError.retries', 'should be less than or equal to 10'],
  },
  {
    name: 'timeoutSeconds as a string',
    manifest: wf([{ ...goto, timeoutSeconds: 'ten' }]),
    expect: ['spec.steps[0].timeoutSeconds', 'must be of type integer'],
  },
  {
    name: 'http method unknown',
    manifest: wf([{ id: 'a', action: 'http', url: 'x', method: 'FETCH' }]),
    expect: ['spec.steps[0].method', 'Unsupported value: "FETCH"'],
  },
  {
    name: 'queueAdd queue not a DNS name',
    manifest: wf([{ id: 'a', action: 'queueAdd', queueAdd: { queue: 'Invoices_Q', items: 'params.x' } }]),
    expect: ['spec.steps[0].queueAdd.queue', 'should match'],
  },
  {
    name: 'queueAdd without items',
    manifest: wf([{ id: 'a', action: 'queueAdd', queueAdd: { queue: 'invoices' } }]),
    expect: ['spec.steps[0].queueAdd.items', 'Required value'],
  },
  {
    name: 'param type unknown',
    manifest: wf([goto], { params: [{ name: 'p', type: 'date' }] }),
    expect: ['spec.params[0].type', 'Unsupported value: "date"'],
  },
  {
    name: 'duplicate param names',
    manifest: wf([goto], { params: [{ name: 'p' }, { name: 'p' }] }),
    expect: ['spec.params[1]', 'Duplicate value'],
  },
  {
    name: 'credential slot without keys',
    manifest: wf([goto], { credentials: [{ name: 'c', keys: [] }] }),
    expect: ['spec.credentials[0].keys', 'should have at least 1 items'],
  },
  {
    name: 'oversized url',
    manifest: wf([{ ...goto, url: 'https://x/' + 'a'.repeat(3000) }]),
    expect: ['spec.steps[0].url', 'Too long'],
  },
  {
    name: 'too many steps',
    manifest: wf(Array.from({ length: 101 }, (_, i) => ({ ...goto, id: `s${i}` }))),
    expect: ['spec.steps', 'Too many'],
  },
  {
    name: 'nesting deeper than 3 lists',
    manifest: wf([
      {
        id: 'l1',
        action: 'if',
        condition: 'true',
        then: [
          {
            id: 'l2',
            action: 'if',
            condition: 'true',
            then: [{ id: 'l3', action: 'if', condition: 'true', then: [goto] }],
          },
        ],
      },
    ]),
    expect: ['spec.steps[0].then[0].then[0].action', 'steps may nest at most 3 levels deep'],
  },
  // --- RpaJob
  {
    name: 'job with workflowRef and workflow',
    manifest: job({ workflow: { steps: [goto] } }),
    expect: ['spec', 'exactly one of workflowRef, workflow must be set'],
  },
  {
    name: 'job with neither workflowRef nor workflow',
    manifest: without(job({}), 'spec') && { ...job({}), spec: { pool: 'default' } },
    expect: ['spec', 'exactly one of workflowRef, workflow must be set'],
  },
  {
    name: 'job without pool',
    manifest: { ...job({}), spec: { workflowRef: { name: 'w' } } },
    expect: ['spec.pool', 'Required value'],
  },
  { name: 'job pool not a DNS name', manifest: job({ pool: 'Default Pool' }), expect: ['spec.pool', 'should match'] },
  {
    name: 'job priority name unknown',
    manifest: job({ priority: 'asap' }),
    expect: ['spec.priority', 'priority must be one of low, normal, high, urgent'],
  },
  {
    name: 'job priority below range',
    manifest: job({ priority: -5000 }),
    expect: ['spec.priority', 'an integer from -1000 to 1000'],
  },
  {
    name: 'job maxAttempts zero',
    manifest: job({ maxAttempts: 0 }),
    expect: ['spec.maxAttempts', 'should be greater than or equal to 1'],
  },
  {
    name: 'job negative ttl',
    manifest: job({ ttlSecondsAfterFinished: -1 }),
    expect: ['spec.ttlSecondsAfterFinished', 'should be greater than or equal to 0'],
  },
  {
    name: 'job suspend not a boolean',
    manifest: job({ suspend: 'yes' }),
    expect: ['spec.suspend', 'must be of type boolean'],
  },
  {
    name: 'job credential binding without secretName',
    manifest: job({ credentials: { portal: {} } }),
    expect: ['spec.credentials.portal.secretName', 'Required value'],
  },
  {
    name: 'job inline workflow with a bad step',
    manifest: { ...job({}), spec: { pool: 'default', workflow: { steps: [{ id: 'a', action: 'click' }] } } },
    expect: ['spec.workflow.steps[0].target', 'target is required'],
  },
  // --- RobotPool
  {
    name: 'pool without image',
    manifest: { ...pool({}), spec: { replicas: 1 } },
    expect: ['spec.image', 'Required value'],
  },
  {
    name: 'pool minReplicas above maxReplicas',
    manifest: pool({ autoscaling: { minReplicas: 5, maxReplicas: 2 } }),
    expect: ['spec.autoscaling.minReplicas', 'minReplicas must not exceed maxReplicas'],
  },
  {
    name: 'pool maxReplicas missing',
    manifest: pool({ autoscaling: { minReplicas: 0 } }),
    expect: ['spec.autoscaling.maxReplicas', 'Required value'],
  },
  {
    name: 'pool network allow entry that is neither a CIDR nor a host',
    manifest: pool({ network: { allow: ['10.0.0.0/8', 'intranet example'] } }),
    expect: ['spec.network.allow[1]', 'should match'],
  },
  {
    name: 'pool negative replicas',
    manifest: pool({ replicas: -1 }),
    expect: ['spec.replicas', 'should be greater than or equal to 0'],
  },
  {
    name: 'pool concurrency zero',
    manifest: pool({ concurrencyPerRobot: 0 }),
    expect: ['spec.concurrencyPerRobot', 'should be greater than or equal to 1'],
  },
  {
    name: 'pool scaling policy type unknown',
    manifest: pool({
      autoscaling: {
        maxReplicas: 3,
        behavior: { scaleUp: { policies: [{ type: 'Nodes', value: 1, periodSeconds: 10 }] } },
      },
    }),
    expect: ['spec.autoscaling.behavior.scaleUp.policies[0].type', 'Unsupported value: "Nodes"'],
  },
  {
    name: 'pool env with value and valueFrom',
    manifest: pool({ env: [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }),
    expect: ['spec.env[0].valueFrom', 'mutually exclusive'],
  },
  {
    name: 'pool bad quantity',
    manifest: pool({ resources: { requests: { cpu: 'lots' } } }),
    expect: ['spec.resources.requests[cpu]', 'must be a quantity'],
  },
  // --- RpaSchedule
  {
    name: 'schedule with bad cron',
    manifest: schedule({ schedule: 'every monday' }),
    expect: ['spec.schedule', 'schedule must have 5 fields'],
  },
  {
    name: 'schedule with 6 cron fields',
    manifest: schedule({ schedule: '0 0 7 * * 1' }),
    expect: ['spec.schedule', 'schedule must have 5 fields'],
  },
  {
    name: 'schedule concurrencyPolicy unknown',
    manifest: schedule({ concurrencyPolicy: 'Queue' }),
    expect: ['spec.concurrencyPolicy', 'Unsupported value: "Queue"'],
  },
  {
    name: 'schedule bad time zone',
    manifest: schedule({ timeZone: 'Mars Base/1' }),
    expect: ['spec.timeZone', 'IANA time zone'],
  },
  {
    name: 'schedule without jobTemplate',
    manifest: without(schedule({}), 'spec') && { ...schedule({}), spec: { schedule: '@daily' } },
    expect: ['spec.jobTemplate', 'Required value'],
  },
  {
    name: 'schedule template with workflowRef and workflow',
    manifest: schedule({
      jobTemplate: { spec: { workflowRef: { name: 'w' }, workflow: { steps: [goto] }, pool: 'default' } },
    }),
    expect: ['spec.jobTemplate.spec', 'exactly one of workflowRef, workflow must be set'],
  },
  // --- RpaTrigger
  { name: 'trigger without a target', manifest: trigger({}), expect: ['set exactly one target: job (create an RpaJob) or queue (add work items)'] },
  {
    name: 'trigger with both targets',
    manifest: trigger({ job: triggerJob, queue: { name: 'q' } }),
    expect: ['set exactly one target: job (create an RpaJob) or queue (add work items)'],
  },
  { name: 'trigger tolerance over an hour', manifest: trigger({ queue: { name: 'q' }, toleranceSeconds: 3601 }), expect: ['spec.toleranceSeconds'] },
  {
    name: 'trigger mapping params twice',
    manifest: trigger({ job: { ...triggerJob, paramsFrom: 'body', paramMap: { a: '/a' } } }),
    expect: ['set at most one of paramsFrom, paramMap'],
  },
  { name: 'trigger param pointer without a slash', manifest: trigger({ job: { ...triggerJob, paramMap: { a: 'a' } } }), expect: ['spec.job.paramMap'] },
  // --- RpaNotification
  { name: 'notification to an ftp URL', manifest: notification({ url: 'ftp://hooks.example.com/x' }), expect: ['spec.url', 'must be an http(s) URL'] },
  { name: 'notification without events', manifest: notification({ events: [] }), expect: ['spec.events', 'should have at least 1 items'] },
  { name: 'notification event unknown', manifest: notification({ events: ['JobStarted'] }), expect: ['spec.events[0]', 'Unsupported value: "JobStarted"'] },
  { name: 'notification event repeated', manifest: notification({ events: ['JobFailed', 'JobFailed'] }), expect: ['spec.events[1]', 'Duplicate value'] },
  {
    name: 'notification backoff max below initial',
    manifest: notification({ retry: { maxAttempts: 3, backoff: { initialSeconds: 60, maxSeconds: 10 } } }),
    expect: ['spec.retry.backoff', 'backoff.maxSeconds must be at least backoff.initialSeconds'],
  },
  ...BROWSER_INVALID_CASES,
];
