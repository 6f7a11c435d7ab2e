import {
  ancestorId,
  ancestorIdSimilarity,
  ancestorSimilarity,
  ancestorTags,
  classTokens,
  editDistance,
  editRatio,
  fuzzyTextSimilarity,
  hrefTokens,
  inForm,
  landmarks,
  tokenSetRatio,
  weightedOverlap,
} from './features.js';

describe('edit distance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['sign in', 'sign in', 0],
    ['flaw', 'lawn', 2],
  ])('%s -> %s is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it('compares at most 64 characters, so long texts stay cheap', () => {
    const a = 'x'.repeat(1000);
    expect(editDistance(a, a + 'y')).toBe(0);
  });

  it('gives a typo a high ratio and another word a low one', () => {
    expect(editRatio('Recieve updates', 'Receive updates')).toBeGreaterThan(0.85);
    expect(editRatio('Email', 'SMS')).toBeLessThan(0.3);
    expect(editRatio('', 'x')).toBe(0);
  });
});

describe('token-set ratio', () => {
  it('ignores word order and repeated words', () => {
    expect(tokenSetRatio('Save all changes', 'changes save all')).toBe(1);
    expect(tokenSetRatio('new new order', 'order new')).toBe(1);
  });

  it('scores an added word high and a replaced word low', () => {
    expect(tokenSetRatio('Sign in', 'Sign in now')).toBe(1);
    expect(tokenSetRatio('Email notifications', 'SMS alerts')).toBeLessThan(0.4);
    expect(tokenSetRatio(undefined, 'x')).toBe(0);
  });
});

describe('fuzzy text similarity', () => {
  it('is 1 for the same normalised text, high for small edits, low for unrelated text', () => {
    expect(fuzzyTextSimilarity('Log in!', 'log in')).toBe(1);
    expect(fuzzyTextSimilarity('Download the report', 'Download report')).toBeGreaterThan(0.75);
    expect(fuzzyTextSimilarity('Add to cart', 'Add to basket')).toBeGreaterThan(0.5);
    expect(fuzzyTextSimilarity('Privacy policy', 'Contact us')).toBeLessThan(0.25);
    expect(fuzzyTextSimilarity('x', undefined)).toBe(0);
  });
});

describe('class and URL tokens', () => {
  it('splits class names on -, _ and camelCase and drops generated parts', () => {
    expect(classTokens(['btn-primary', 'navBarItem', 'css-1q2w3e', 'Button_root__3xK9p']).sort()).toEqual(
      ['bar', 'btn', 'button', 'item', 'nav', 'primary', 'root'].sort(),
    );
    expect(classTokens(undefined)).toEqual([]);
  });

  it('reads the words of a URL path without host, query, numbers or hashes', () => {
    expect(hrefTokens('https://example.com/en/docs/Getting-started?x=1#top').sort()).toEqual(
      ['docs', 'en', 'getting', 'started'].sort(),
    );
    expect(hrefTokens('/orders/12345/edit')).toEqual(['orders', 'edit']);
    expect(hrefTokens('javascript:void(0)')).toEqual([]);
  });

  it('weighs shared tokens by their weight', () => {
    const idf = (t: string) => (t === 'btn' ? 0.1 : 2);
    expect(weightedOverlap(['btn', 'checkout'], ['btn', 'checkout'], idf)).toBe(1);
    // Sharing only the common token earns little; sharing the rare one earns most.
    expect(weightedOverlap(['btn', 'checkout'], ['btn', 'cancel'], idf)).toBeLessThan(0.05);
    expect(weightedOverlap(['btn', 'checkout'], ['link', 'checkout'], idf)).toBeGreaterThan(0.45);
    expect(weightedOverlap([], ['x'], idf)).toBe(0);
  });
});

describe('structure from the XPath', () => {
  it('lists ancestor tags without indices', () => {
    expect(ancestorTags('/html/body/div[2]/nav/ul/li[3]/a')).toEqual(['html', 'body', 'div', 'nav', 'ul', 'li']);
    expect(ancestorTags(undefined)).toEqual([]);
  });

  it('keeps the ancestor chain similar when rows or wrappers are added, lower when the element moved', () => {
    const before = '/html/body/div/nav/ul/li[3]/a';
    expect(ancestorSimilarity(before, '/html/body/div/nav/ul/li[7]/a')).toBe(1);
    const wrapped = ancestorSimilarity(before, '/html/body/div/div/nav/ul/li[3]/a');
    const moved = ancestorSimilarity(before, '/html/body/div/main/section/p/a');
    expect(wrapped).toBeGreaterThan(0.8);
    expect(moved).toBeLessThan(0.5);
  });

  it('finds landmarks: region tags and the id an id-anchored XPath starts from', () => {
    expect(landmarks('/html/body/header/nav/ul/li/a', '//*[@id="sidebar"]/ul/li/a').sort()).toEqual(
      ['#sidebar', 'header', 'nav'].sort(),
    );
    // Generated ids say nothing about the region.
    expect(landmarks('/html/body/div/a', '//*[@id="ember1234"]/a')).toEqual([]);
  });

  it('reads the section / row id an id-anchored XPath starts from, never a generated one', () => {
    expect(ancestorId('//*[@id="operations-pet-updatePet"]/div/button[2]')).toBe('operations-pet-updatePet');
    expect(ancestorId('//*[@id="ember1234"]/a')).toBeUndefined();
    // An XPath that is the element's own id (nothing below it) or an absolute one names no section.
    expect(ancestorId('//*[@id="save"]')).toBeUndefined();
    expect(ancestorId('/html/body/div/a')).toBeUndefined();
  });

  it('scores the same section id 1, a sibling section little, no section 0', () => {
    const rec = '//*[@id="operations-pet-updatePet"]/div/button[2]';
    expect(ancestorIdSimilarity(rec, '//*[@id="operations-pet-updatePet"]/div[1]/button[2]')).toBe(1);
    const sibling = ancestorIdSimilarity(rec, '//*[@id="operations-pet-findPetsByTags"]/div/button[2]');
    expect(sibling).toBeGreaterThan(0);
    expect(sibling).toBeLessThan(0.5);
    expect(ancestorIdSimilarity(rec, '/html/body/div/button')).toBe(0);
  });

  it('tells form membership', () => {
    expect(inForm('/html/body/main/form/div/input')).toBe(true);
    expect(inForm('/html/body/main/div/input')).toBe(false);
    expect(inForm(undefined)).toBeUndefined();
  });
});
