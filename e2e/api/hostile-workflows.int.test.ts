// Hostile workflows the API server stores (its schema cannot see inside expressions, regexes, images
// or free-form JSON) and that validateWorkflow, which the operator turns into Valid=False, refuses
// with a problem naming the field instead of crashing (issue 13, point 6).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KubeConfig } from '@kubernetes/client-node';
import { formatProblem, GROUP, KINDS, validateWorkflow, VERSION } from '../../api/v1alpha1/index.js';
import { deleteNamespace, freshNamespace, testKubeConfig } from '../harness/kubeclient.js';
import { kubeRequest, resourcePath } from './client.js';
import { applyCrds } from './crds.js';
import { greyPng } from '../../robot-image/src/healing/testing/png-fixture.js';

let kc: KubeConfig;
let ns: string;
const plural = KINDS.find((k) => k.kind === 'RpaWorkflow')!.plural;

beforeAll(async () => {
  kc = testKubeConfig();
  await applyCrds(kc);
  ns = await freshNamespace(kc, 'hostile');
}, 180_000);

afterAll(async () => {
  if (ns) await deleteNamespace(kc, ns);
});

function pngClaiming(width: number, height: number): string {
  return greyPng(width, height, Buffer.alloc(64)).toString('base64');
}

/** An object with an own, enumerable "__proto__" key, as a JSON client sends it. */
function withProtoKey(o: Record<string, unknown>): Record<string, unknown> {
  return Object.defineProperty(o, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
}

const CASES: Array<{ name: string; steps: unknown[]; params?: unknown[]; expect: string[] }> = [
  {
    name: 'proto-filter',
    steps: [{ id: 'open', action: 'goto', url: 'https://example.com/{{ "a" | constructor }}' }],
    expect: ['step "open" (steps[0].url): unknown filter "constructor"', 'at position 29'],
  },
  {
    name: 'deep-parens',
    steps: [
      {
        id: 'post',
        action: 'http',
        url: 'https://example.com',
        body: `{{ ${'('.repeat(1400)}1${')'.repeat(1400)} }}`,
      },
    ],
    expect: ['step "post" (steps[0].body): nested more than 100 levels deep', 'at position'],
  },
  {
    name: 'backref-regex',
    steps: [{ id: 'check', action: 'assert', condition: '"aa" matches "(a)\\\\1"' }],
    expect: ['step "check" (steps[0].condition): invalid regular expression', 'at position 5'],
  },
  {
    name: 'huge-regex',
    steps: [{ id: 'check', action: 'assert', condition: '"a" matches "(?:a|aa|aaa|b){1,1000}$"' }],
    expect: ['step "check" (steps[0].condition): regular expression', 'too complex'],
  },
  {
    name: 'unknown-function',
    steps: [{ id: 'calc', action: 'setVariable', name: 'x', value: '{{ eval("process.exit()") }}' }],
    expect: ['step "calc" (steps[0].value): unknown function "eval"', 'at position 3'],
  },
  {
    name: 'wrong-arity',
    steps: [{ id: 'check', action: 'assert', condition: 'round(1, 2, 3) > 0' }],
    expect: ['step "check" (steps[0].condition): function "round" takes 1 or 2 arguments, got 3'],
  },
  {
    name: 'unknown-zone',
    steps: [{ id: 'open', action: 'goto', url: 'https://example.com/{{ formatDate(now(), "yyyy", "Mars/Base") }}' }],
    expect: ['step "open" (steps[0].url): unknown time zone "Mars/Base"', 'at position 49'],
  },
  {
    name: 'huge-image',
    steps: [{ id: 'press', action: 'click', target: { css: '#b', image: { png: pngClaiming(100_000, 100_000) } } }],
    expect: ['step "press" (steps[0].target.image.png): image is 100000x100000 pixels'],
  },
  {
    name: 'proto-header',
    steps: [{ id: 'post', action: 'http', url: 'https://example.com', headers: withProtoKey({ Accept: 'a' }) }],
    expect: ['steps[0].headers["__proto__"]: the key "__proto__" is not allowed'],
  },
  {
    name: 'deep-default',
    params: [
      {
        name: 'p',
        type: 'object',
        default: Array.from({ length: 80 }).reduce<unknown>((inner) => ({ a: inner }), 1),
      },
    ],
    steps: [{ id: 'open', action: 'goto', url: 'https://example.com' }],
    expect: ['params[0].default.a.a', 'nested more than 64 levels deep'],
  },
];

describe('hostile workflows through the real API server', () => {
  it.each(CASES)('$name: stored by the API server, refused by validateWorkflow naming the field', async (c) => {
    const manifest = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'RpaWorkflow',
      metadata: { name: c.name },
      spec: { ...(c.params && { params: c.params }), steps: c.steps },
    };
    const res = await kubeRequest(kc, 'POST', resourcePath(GROUP, VERSION, ns, plural), manifest);
    expect(res.status).toBe(201);
    const stored = await kubeRequest<{ spec: unknown }>(kc, 'GET', resourcePath(GROUP, VERSION, ns, plural, c.name));
    const problems = validateWorkflow(stored.body.spec).map(formatProblem);
    expect(problems).toHaveLength(1);
    for (const piece of c.expect) expect(problems[0]).toContain(piece);
  });
});
