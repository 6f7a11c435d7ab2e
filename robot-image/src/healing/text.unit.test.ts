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
