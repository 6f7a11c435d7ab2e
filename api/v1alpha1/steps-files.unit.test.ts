import { artifactNameProblem } from './artifacts.js';
import { RobotPoolSpec } from './robotpool.js';
import { WorkflowSpec } from './workflow.js';

const parse = (step: Record<string, unknown>) => WorkflowSpec.safeParse({ steps: [{ id: 's', ...step }] });
const messages = (step: Record<string, unknown>) => {
  const r = parse(step);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('download and upload step schemas', () => {
  it.each([
    [{ action: 'download', artifact: 'a.pdf', target: { css: '#a' } }],
    [{ action: 'download', artifact: 'report-{{ params.day }}.csv', url: 'https://x.example/r.csv' }],
    [{ action: 'upload', target: { css: 'input' }, file: { artifact: 'a.pdf' } }],
    [{ action: 'upload', target: { css: 'input' }, file: { configMapKeyRef: { name: 'cm', key: 'k.csv' }, name: 'data.csv', contentType: 'text/csv' } }],
    [{ action: 'upload', target: { css: 'input' }, file: { content: 'a,b\n1,2\n' } }],
  ])('accepts %j', (step) => {
    expect(messages(step)).toEqual([]);
  });

  it.each([
    [{ action: 'download', artifact: 'a.pdf' }, 'download needs exactly one trigger: target (to click) or url (to open)'],
    [{ action: 'download', artifact: 'a.pdf', target: { css: '#a' }, url: 'https://x.example/' }, 'download needs exactly one trigger: target (to click) or url (to open)'],
    [{ action: 'download', artifact: '../etc/passwd', url: 'https://x.example/' }, 'artifact must be 1-128 of A-Z a-z 0-9 . _ - and not start with . or -'],
    [{ action: 'upload', target: { css: 'input' }, file: {} }, 'file needs exactly one of artifact, configMapKeyRef, content'],
    [{ action: 'upload', target: { css: 'input' }, file: { artifact: 'a', content: 'x' } }, 'file needs exactly one of artifact, configMapKeyRef, content'],
  ])('refuses %j: %s', (step, message) => {
    expect(messages(step)).toContain(message);
  });

  it('refuses a file name with a path and inline content over the bound', () => {
    expect(parse({ action: 'upload', target: { css: 'i' }, file: { content: 'x', name: 'a/b.csv' } }).success).toBe(false);
    expect(parse({ action: 'upload', target: { css: 'i' }, file: { content: 'x'.repeat(65537) } }).success).toBe(false);
  });
});

describe('artifact names and pool caps', () => {
  it.each(['a', 'report.pdf', 'x_1-2.csv', 'A'.repeat(128)])('%s is a name', (n) => expect(artifactNameProblem(n)).toBeNull());
  it.each(['', '.hidden', '-x', 'a/b', '..', 'a\\b', 'é.pdf', 'A'.repeat(129)])('%j is not', (n) => expect(artifactNameProblem(n)).not.toBeNull());

  it('bounds spec.artifacts', () => {
    const pool = (artifacts: unknown) => RobotPoolSpec.safeParse({ image: 'i', artifacts }).success;
    expect(pool({ maxFileBytes: 1024, maxJobBytes: 4096 })).toBe(true);
    expect(pool({ maxFileBytes: 0 })).toBe(false);
    expect(pool({ maxFileBytes: 201 * 1024 * 1024 })).toBe(false);
    expect(pool({ maxJobBytes: 2 * 1024 * 1024 * 1024 })).toBe(false);
    expect(pool({ other: 1 })).toBe(false);
  });
});
