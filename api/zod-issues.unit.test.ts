import { z } from 'zod';
import { issueLines, issuePath, issuesText } from './zod-issues.js';

const Spec = z.strictObject({ pool: z.string(), replicas: z.int().min(0), tags: z.array(z.string()).optional() });
const issuesOf = (value: unknown) => {
  const r = Spec.safeParse(value);
  if (r.success) throw new Error('expected issues');
  return r.error.issues;
};

describe('zod issues as messages', () => {
  test.each([
    { path: ['a', 0, 'b'], opts: {}, expected: 'a.0.b' },
    { path: ['a'], opts: { under: 'spec' }, expected: 'spec.a' },
    { path: [], opts: { under: 'spec' }, expected: 'spec' },
    { path: [], opts: {}, expected: '(root)' },
    { path: [], opts: { root: '(environment)' }, expected: '(environment)' },
  ])('the path $path with $opts reads $expected', ({ path, opts, expected }) => {
    expect(issuePath(path, opts)).toBe(expected);
  });

  test('every issue gets one line naming its field under the given prefix', () => {
    const lines = issueLines(issuesOf({ pool: 1, replicas: -1, tags: ['x', 2] }), { under: 'spec' });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^spec\.pool: /);
    expect(lines[1]).toMatch(/^spec\.replicas: .*>=0/);
    expect(lines[2]).toMatch(/^spec\.tags\.1: /);
  });

  test("one text joins the lines with '; '", () => {
    const issues = issuesOf({ replicas: 'x' });
    expect(issuesText(issues)).toBe(issueLines(issues).join('; '));
    expect(issuesText(issues).split('; ')).toHaveLength(2);
  });

  test('a message may continue the path as a sentence', () => {
    const env = z.strictObject({ AETHER_POOL: z.string({ error: 'is required' }) });
    const r = env.safeParse({});
    if (r.success) throw new Error('expected issues');
    expect(issueLines(r.error.issues, { separator: ' ' })).toEqual(['AETHER_POOL is required']);
  });

  test('an issue of the value itself names the root', () => {
    expect(issuesText(issuesOf('nope'), { root: '(environment)' })).toMatch(/^\(environment\): /);
  });
});
