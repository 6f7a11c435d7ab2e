import { describePatch, parseProgress, progressBar, progressText, terminalReporter } from './progress.js';

describe('progressBar', () => {
  it.each([
    [0, 4, 8, '[--------]'],
    [1, 4, 8, '[##------]'],
    [4, 4, 8, '[########]'],
    [9, 4, 8, '[########]'],
    [1, 0, 4, '[----]'],
  ])('%i of %i', (done, total, width, expected) => {
    expect(progressBar(done, total, width)).toBe(expected);
  });
});

describe('describePatch', () => {
  it.each([
    [
      'running',
      { phase: 'Running' as const, robot: 'local', attempts: 2 },
      { line: 'running on robot local (attempt 2)' },
    ],
    ['progress', { progress: '3/7', currentStep: 'sign-in' }, { progress: { step: 3, total: 7, stepId: 'sign-in' } }],
    [
      'a failed attempt',
      { error: { reason: 'StepFailed', message: 'boom', stepId: 'open', screenshot: null }, currentStep: null },
      { line: 'attempt failed at step open: boom (retrying)' },
    ],
    ['a final phase', { phase: 'Succeeded' as const }, {}],
  ])('%s', (_n, patch, expected) => {
    expect(describePatch(patch)).toEqual(expected);
  });

  it('parses progress text', () => {
    expect([parseProgress('2/5'), parseProgress('x'), parseProgress(null)]).toEqual([
      { done: 2, total: 5 },
      null,
      null,
    ]);
  });
});

describe('progressText', () => {
  it('is a plain line off a terminal', () => {
    expect(progressText({ step: 2, total: 4, stepId: 'fill' }, false)).toBe('step 2/4: fill');
  });

  it('is a bar of the steps before this one on a terminal, cut to its width', () => {
    const t = progressText({ step: 3, total: 4, stepId: 'x'.repeat(200) }, true, 60);
    expect(t.startsWith('[############------------] step 3/4 ')).toBe(true);
    expect(t.length).toBeLessThanOrEqual(60);
  });
});

describe('terminalReporter', () => {
  it('redraws the bar in place on a terminal and ends its line before other text', () => {
    const out: string[] = [];
    const r = terminalReporter({ write: (t) => out.push(t), isTTY: true, columns: 80 });
    const job = r.forJob({ namespace: 'd', name: 'j', uid: 'u' });
    job.update({ progress: '1/2', currentStep: 'a' });
    job.update({ progress: '2/2', currentStep: 'b' });
    r.endLine();
    expect(out.join('')).toBe(
      '\r\x1b[2K[------------------------] step 1/2 a\r\x1b[2K[############------------] step 2/2 b\n',
    );
  });

  it('writes one line per step otherwise', () => {
    const out: string[] = [];
    const job = terminalReporter({ write: (t) => out.push(t), isTTY: false }).forJob({
      namespace: 'd',
      name: 'j',
      uid: 'u',
    });
    job.update({ phase: 'Running', robot: 'local', attempts: 1 });
    job.update({ progress: '1/2', currentStep: 'a' });
    expect(out.join('')).toBe('running on robot local (attempt 1)\nstep 1/2: a\n');
  });
});
