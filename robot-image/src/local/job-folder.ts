// Paths a job file's `local.aether.dev/*` annotations name must stay inside the file's folder:
// no absolute paths, no `..` out of it, no symbolic link out of it. The command line's own
// options (--serve, --secrets-dir) are the user's choice and are not limited.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ManifestError } from './manifests.js';

function inside(folder: string, p: string): boolean {
  const rel = relative(folder, p);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/** The real path of `p`, or of its deepest existing ancestor joined with the rest (for a path not there yet). */
function realish(p: string): string {
  let existing = p;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  return resolve(realpathSync(existing), relative(existing, p));
}

/** `value` resolved against the folder of `jobFile`; a ManifestError naming the annotation if it leaves it. */
export function pathInJobFolder(jobFile: string, annotation: string, value: string): string {
  const folder = dirname(jobFile);
  const refuse = (why: string) =>
    new ManifestError([`${jobFile}: annotation ${annotation}: ${JSON.stringify(value)} ${why}`]);
  if (isAbsolute(value)) throw refuse("is absolute; give a path relative to the job file's folder");
  const target = resolve(folder, value);
  if (!inside(folder, target)) throw refuse("leaves the job file's folder");
  if (!inside(realpathSync(folder), realish(target)))
    throw refuse("goes through a symbolic link that leaves the job file's folder");
  return target;
}
