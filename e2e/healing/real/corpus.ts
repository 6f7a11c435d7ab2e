// The real-application healing corpus (README.md): committed JSON per app, flattened for scoring.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ElementDescriptor } from '../../../robot-image/src/healing/types.js';
import type { RealCorpusFile, Split } from './types.js';

export type { RealCorpusFile, RealCorpusCase, Split } from './types.js';

export const REAL_CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

/** The documented hold-out rule: first byte of sha256(case id) < 128 is test, else train. */
export function splitOf(caseId: string): Split {
  return createHash('sha256').update(caseId).digest()[0]! < 128 ? 'test' : 'train';
}

/** One case with its page's candidates resolved. */
export interface RealCase {
  id: string;
  app: string;
  page: string;
  identity: string;
  recorded: ElementDescriptor;
  candidates: ElementDescriptor[];
  /** Index into candidates, or null: the target was removed (abstaining is correct). */
  expected: number | null;
  split: Split;
}

export function loadRealCorpusFiles(dir = REAL_CORPUS_DIR): RealCorpusFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RealCorpusFile);
}

export function loadRealCorpus(dir = REAL_CORPUS_DIR): RealCase[] {
  const out: RealCase[] = [];
  for (const f of loadRealCorpusFiles(dir)) {
    const pages = new Map(f.pages.map((p) => [p.id, p.candidates]));
    for (const c of f.cases) {
      const candidates = pages.get(c.page);
      if (!candidates) throw new Error(`${c.id}: page ${c.page} is not in ${f.app}.json`);
      out.push({ ...c, app: f.app, candidates });
    }
  }
  return out;
}
