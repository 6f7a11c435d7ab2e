// Integrity of the committed real-application corpus (no browser): enough apps and cases, ground
// truth in range, the documented split rule, unique ids, an identity on every case; and the robot's
// tier-1 candidate pool (collectCandidates with hintFor) holds each case's new element.
import { elementKind, hintFor } from '../../../robot-image/src/healing/index.js';
import { keptByHint } from '../../../robot-image/src/healing/pool.js';
import { loadRealCorpus, loadRealCorpusFiles, splitOf } from './corpus.js';

const files = loadRealCorpusFiles();
const cases = loadRealCorpus();

describe('real healing corpus', () => {
  it('has at least 5 applications and 300 cases, most with an answer', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const answered = cases.filter((c) => c.expected !== null).length;
    expect(answered / cases.length).toBeGreaterThan(0.5);
  });

  it('names each app, its package and two different versions', () => {
    for (const f of files) {
      expect(f.app).toMatch(/^[a-z0-9-]+$/);
      expect(f.package).toBeTruthy();
      expect(f.oldVersion).not.toBe(f.newVersion);
      expect(new Set(f.pages.map((p) => p.id)).size).toBe(f.pages.length);
    }
  });

  it('points every expected index at a candidate of its page', () => {
    for (const c of cases) {
      expect(c.candidates.length).toBeGreaterThan(0);
      if (c.expected === null) continue;
      expect(Number.isInteger(c.expected)).toBe(true);
      expect(c.expected).toBeGreaterThanOrEqual(0);
      expect(c.expected).toBeLessThan(c.candidates.length);
    }
  });

  it('splits by the documented hash rule into two non-empty halves', () => {
    for (const c of cases) expect(c.split).toBe(splitOf(c.id));
    const test = cases.filter((c) => c.split === 'test').length;
    expect(test / cases.length).toBeGreaterThan(0.35);
    expect(test / cases.length).toBeLessThan(0.65);
    // The rule itself: sha256("a") starts with 0xca (>= 128), sha256("b") with 0x3e (< 128).
    expect(splitOf('a')).toBe('train');
    expect(splitOf('b')).toBe('test');
  });

  it('has unique case ids prefixed by app and page, each with an identity and a recorded tag', () => {
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.id.startsWith(`${c.app}/${c.page}/`)).toBe(true);
      expect(c.identity.length).toBeGreaterThan(3);
      expect(c.recorded.tag).toBeTruthy();
    }
  });

  it("keeps each case's new element in the candidate pool the robot collects for its recorded one", () => {
    // The corpus pages hold every visible element; the robot's tier 1 collects only those its hint
    // keeps. A pool without the target makes the scorer pick the best of the rest: on Redoc (div ->
    // button, h5 -> span) that was 61 wrong heals the benchmark, ranking whole pages, never saw.
    const outside = cases.filter((c) => {
      if (c.expected === null) return false;
      const now = c.candidates[c.expected]!;
      return !keptByHint(hintFor(c.recorded), now.tag, elementKind(now));
    });
    expect(outside.map((c) => c.id)).toEqual([]);
  });
});
