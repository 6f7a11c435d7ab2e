import { describe, expect, it } from '@jest/globals';
import { contextOptions } from '../browser/context-options.js';
import { globMatch } from './glob.js';
import { dialogAnswer } from './browser-setup.js';

const render = async (src: string) => src.replace('{{ params.who }}', 'Ada');

describe('dialogAnswer', () => {
  it.each([
    { name: 'no policy dismisses', step: undefined, workflow: undefined, want: { action: 'dismiss' } },
    { name: "the workflow's policy", step: undefined, workflow: { action: 'accept' as const }, want: { action: 'accept' } },
    { name: "the step's over the workflow's", step: { action: 'dismiss' as const }, workflow: { action: 'accept' as const }, want: { action: 'dismiss' } },
    { name: 'a rendered prompt answer', step: { action: 'accept' as const, promptText: 'Hi {{ params.who }}' }, workflow: undefined, want: { action: 'accept', promptText: 'Hi Ada' } },
  ])('$name', async ({ step, workflow, want }) => {
    expect(await dialogAnswer(step, workflow, render)).toEqual(want);
  });

  it('refuses a prompt answer that reads a credential', async () => {
    await expect(dialogAnswer({ action: 'accept', promptText: '{{ credentials.site.password }}' }, undefined, render)).rejects.toThrow(
      'dialogs.promptText may not use credentials',
    );
  });
});

describe('contextOptions', () => {
  it('is empty without settings', () => {
    expect(contextOptions(undefined)).toEqual({});
  });

  it('grants geolocation with a position, and sends HTTP credentials only to their origin when asked', () => {
    const o = contextOptions(
      { geolocation: { latitude: 1, longitude: 2 }, httpCredentials: { slot: 's', origin: 'https://intranet.example' } },
      { username: 'u', password: 'p' },
    );
    expect(o.permissions).toEqual(['geolocation']);
    expect(o.httpCredentials).toEqual({ username: 'u', password: 'p', origin: 'https://intranet.example', send: 'unauthorized' });
  });

  it('leaves HTTP credentials out until their values were read', () => {
    expect(contextOptions({ httpCredentials: { slot: 's', origin: 'https://intranet.example' } }).httpCredentials).toBeUndefined();
  });
});

describe('globMatch', () => {
  it.each([
    ['https://a.example/x', 'https://a.example/x', true],
    ['https://a.example/x', 'https://a.example/xy', false],
    ['*/api/ping?n=7', 'http://h:1/api/ping?n=7', true],
    ['*/api/ping?n=7', 'http://h:1/api/pingXn=7', false],
    ['Help *', 'Help 2', true],
    ['*', 'line\nbreak', true],
    ['', '', true],
    ['a*', '', false],
    ['*a*b', 'xaxb', true],
    ['*a*b', 'xaxbx', false],
    ['a**b', 'ab', true],
    ['.+?', 'x', false],
  ])('%s ~ %s: %s', (pattern, s, want) => {
    expect(globMatch(pattern, s)).toBe(want);
  });

  it('answers a hostile pattern (many stars, no match) against a long text without backtracking for ages', () => {
    const pattern = '*a'.repeat(1000) + 'b';
    const text = 'a'.repeat(2000);
    expect(globMatch(pattern, text)).toBe(false);
  });
});
