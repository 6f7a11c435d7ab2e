// The image table of the e2e node simulator: image repository -> the local command behind it.
// Other suites add their own images (e.g. the robot) by spreading this table into theirs.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageTable } from './decide.js';

const here = dirname(fileURLToPath(import.meta.url));

export const TEST_SLEEPER_IMAGE = 'aether.dev/test-sleeper';

export function testImages(): ImageTable {
  return {
    [TEST_SLEEPER_IMAGE]: { command: process.execPath, args: [join(here, 'fixtures', 'sleeper.mjs')] },
  };
}
