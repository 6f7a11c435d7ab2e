import {
  identifierSimilarity,
  isGeneratedName,
  pathSimilarity,
  textSimilarity,
  tokens,
  urlFile,
  urlPath,
} from './text.js';

describe('text helpers', () => {
  it.each([
    ['Place order', 'place  ORDER!', 1],
    ['Save', 'Save changes', 0.75],
    ['', 'x', 0],
  ])('textSimilarity(%j, %j) = %s', (a, b, want) => {
    expect(textSimilarity(a, b)).toBeCloseTo(want, 5);
  });
  it('gives reworded text partial, unrelated text little similarity', () => {
    expect(textSimilarity('Submit order', 'Place order')).toBeGreaterThan(0.3);
    expect(textSimilarity('Submit order', 'Cancel')).toBeLessThan(0.1);
  });
  it.each([
    ['userEmail', ['user', 'email']],
    ['user_email-field', ['user', 'email', 'field']],
    ['HTMLParser', ['html', 'parser']],
  ])('tokens(%s)', (s, want) => expect(tokens(s)).toEqual(want));
  it.each([
    ['css-1q2w3e', true],
    ['sc-bdVaJa', true],
    [':r4:', true],
    ['ember1234', true],
    ['Button_root__3xK9p', true],
    ['a8f3e2c1', true],
    ['btn-primary', false],
    ['col-md-6', false],
    ['nav-item', false],
    ['h1', false],
    ['panel:r5:0', true],
    ['tab:rb:0', true],
    ['row-3f2b9c1e-7d4a-4b8e-9f00-1a2b3c4d5e6f', true],
    ['V1StGXR8_Z5jdHi6B-myT', true],
    ['aGVsbG8gd29ybGQhIQ==', true],
    ['createUsersWithArrayInput', false],
    ['operation/createUsersWithArrayInput', false],
    ['tag/pet/operation/findPetsByStatus', false],
    ['red-ui-tab-tab1', false],
  ])('isGeneratedName(%s) = %s', (s, want) => expect(isGeneratedName(s)).toBe(want));
  it('compares identifiers by meaningful tokens', () => {
    expect(identifierSimilarity('user-email', 'userEmail')).toBe(0.9);
    expect(identifierSimilarity('input-123', 'input-456')).toBe(0.9);
    expect(identifierSimilarity('email', 'password')).toBeLessThan(0.2);
  });
  it('matches xpaths by LCS of segments', () => {
    expect(pathSimilarity('/html/body/div[2]/a', '/html/body/div[2]/a')).toBe(1);
    const wrapped = pathSimilarity('/html/body/div[2]/a', '/html/body/div[2]/span/a');
    expect(wrapped).toBeGreaterThan(0.7);
    expect(wrapped).toBeLessThan(1);
    expect(pathSimilarity('/html/body/div[2]/a', '/html/body/div[3]/a')).toBeCloseTo(3.5 / 4, 5);
  });
  it('reduces URLs to their stable part', () => {
    expect(urlPath('https://x.io/a/b/?q=1#h')).toBe('/a/b');
    expect(urlFile('/static/logo.3f9a1c2b.png')).toBe('logo.png');
  });
});

import { alignSegments, classStem, segmentIndex, weightedJaccard } from './text.js';

describe('text helpers for set-aware scoring', () => {
  const idf = (w: string) => ({ notifications: 0.5, edit: 0.3 })[w] ?? 2;
  it.each([
    ['Email notifications', 'SMS notifications', 0, 0.2],
    ['Email notifications', 'email notification', 0.8, 1],
    ['Edit Grace Hopper', 'Edit Ada Lovelace', 0, 0.1],
    ['Forgot password?', 'Forgot your password?', 0.5, 0.8],
  ])('textSimilarity with IDF (%j, %j) in [%s, %s]', (a, b, lo, hi) => {
    const s = textSimilarity(a, b, idf);
    expect(s).toBeGreaterThanOrEqual(lo);
    expect(s).toBeLessThanOrEqual(hi);
  });
  it('keeps containment and concatenation with IDF', () => {
    expect(textSimilarity('Save', 'Save changes', idf)).toBeCloseTo(0.75, 5);
    expect(textSimilarity('Time zone', 'Timezone', idf)).toBeCloseTo(0.95, 5);
  });
  it('weighs shared common words less than distinctive ones', () => {
    const plain = weightedJaccard(['email', 'notifications'], ['sms', 'notifications'], () => 1);
    const weighted = weightedJaccard(['email', 'notifications'], ['sms', 'notifications'], idf);
    expect(plain).toBeCloseTo(1 / 3, 5);
    expect(weighted).toBeLessThan(plain);
  });
  it.each([
    ['Button_root__3xK9p', 'Button_root'],
    ['SideNav_link__b7Qw2', 'SideNav_link'],
    ['_root_1x2y3_4', 'root'],
    ['css-1q2w3e', undefined],
    ['sc-bdVaJa', undefined],
    ['btn-primary', 'btn-primary'],
    ['px-4', 'px-4'],
  ])('classStem(%s) = %s', (c, want) => expect(classStem(c)).toBe(want));
  it.each([
    ['tr[3]', ['tr', 3]],
    ['td', ['td', 1]],
  ])('segmentIndex(%s)', (s, want) => expect(segmentIndex(s)).toEqual(want));
  it.each([
    [
      ['html', 'body', 'div', 'a'],
      ['html', 'body', 'div', 'a'],
      [0, 1, 2, 3],
    ],
    [
      ['html', 'body', 'div', 'a'],
      ['html', 'body', 'div', 'span', 'a'],
      [0, 1, 2, 4],
    ],
    [
      ['html', 'body', 'div[2]', 'a'],
      ['html', 'body', 'main', 'div', 'a'],
      [0, 1, 3, 4],
    ],
    [
      ['html', 'td', 'a'],
      ['html', 'li', 'button'],
      [0, -1, -1],
    ],
  ])('alignSegments(%j, %j)', (a, b, want) => expect(alignSegments(a, b)).toEqual(want));
});
