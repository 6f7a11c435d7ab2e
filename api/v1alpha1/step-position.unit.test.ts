import { RpaJobStatus } from './rpajob.js';
import { boundedStepPath, STEP_PATH_MAX_CHARS, stepPosition, topLevelStepId } from './step-position.js';

describe('step positions in the RpaJob status', () => {
  it.each([
    ['login', 'login'],
    ['rows[2].open', 'rows'],
    ['check.then.submit', 'check'],
    ['loop[3].check.else.inner', 'loop'],
  ])('the top-level step of %s is %s', (path, id) => {
    expect(topLevelStepId(path)).toBe(id);
  });

  it('keeps a path that fits unchanged', () => {
    expect(stepPosition('loop[3].check.then.inner')).toEqual({ stepId: 'loop', stepPath: 'loop[3].check.then.inner' });
  });

  it('shortens a long path to the limit, keeping its start and its leaf, and tells two long paths apart', () => {
    const head = `${'a'.repeat(63)}[1].${'b'.repeat(63)}.then.${'c'.repeat(63)}[7].${'d'.repeat(63)}.else.`;
    const one = boundedStepPath(`${head}leafOne_${'e'.repeat(50)}`);
    const two = boundedStepPath(`${head}leafTwo_${'e'.repeat(50)}`);
    expect(one.length).toBe(STEP_PATH_MAX_CHARS);
    expect(one.startsWith('a'.repeat(63))).toBe(true);
    expect(one.endsWith(`leafOne_${'e'.repeat(50)}`)).toBe(true);
    expect(one).toMatch(/…[0-9a-f]{10}…/);
    expect(one).not.toBe(two);
  });

  it('every position built from the longest ids is valid in the status schema', () => {
    const id = (c: string) => c.repeat(63);
    const path = `${id('a')}[99999].${id('b')}.then.${id('c')}[99999].${id('d')}.else.${id('e')}`;
    const at = stepPosition(path);
    const status = {
      currentStep: at.stepId,
      currentStepPath: at.stepPath,
      error: { reason: 'StepFailed', message: 'm', ...at },
    };
    expect(RpaJobStatus.safeParse(status).success).toBe(true);
    expect(RpaJobStatus.safeParse({ error: { reason: 'StepFailed', message: 'm', stepId: path } }).success).toBe(false);
  });
});
