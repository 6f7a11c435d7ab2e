// Tier 3 under tsx (the CLI's runtime in a checkout): see testing/heal-under-tsx.ts. Real Chromium.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

it('heals at tier 3 by surroundings, below the fold, when the code runs under tsx', () => {
  const script = fileURLToPath(new URL('./testing/heal-under-tsx.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
  const out = execFileSync(tsx, [script], { encoding: 'utf8', timeout: 60_000 });
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ tier: 3, who: 'Bob', reason: null });
}, 90_000);
