// The healing corpus: shape of corpus/index.json and how to load a case.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnchorSpec } from '../../robot-image/src/healing/types.js';

export interface CorpusCase {
  id: string;
  template: string;
  target: string;
  mutations: string[];
  /** heal: the marked element of after.html is the answer; abstain: the target was removed. */
  expect: 'heal' | 'abstain';
  /** The tier the case was written to exercise (any tier may still answer it). */
  tier: 1 | 2 | 3;
  anchor?: AnchorSpec;
  /** The step carries an image template (captured from before.html at record time). */
  image?: boolean;
}

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

export function loadCorpus(dir = CORPUS_DIR): CorpusCase[] {
  return (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { cases: CorpusCase[] }).cases;
}

export function casePage(c: CorpusCase, version: 'before' | 'after', dir = CORPUS_DIR): string {
  return readFileSync(join(dir, c.id, `${version}.html`), 'utf8');
}
