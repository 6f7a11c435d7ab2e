// zod issues as the one-line messages users read (a condition's message, a config error, a rejected
// payload): `<field path>: <message>`, joined with '; ' when one line is wanted.
import type { z } from 'zod';

export interface IssueFormat {
  /** The field the parsed value sits at, e.g. 'spec': its issues read `spec.<path>`. */
  under?: string;
  /** What an issue of the whole value is called when there is no `under`, e.g. '(root)'. Default '(root)'. */
  root?: string;
  /** Between the path and the message: ': ' (default), or ' ' where the message continues a sentence ("AETHER_POOL is required"). */
  separator?: string;
}

/** The path of one issue: `under.a.0.b`, or `under` (or `root`) for the value itself. */
export function issuePath(path: readonly PropertyKey[], opts: IssueFormat = {}): string {
  const parts = [...(opts.under ? [opts.under] : []), ...path.map(String)];
  return parts.length > 0 ? parts.join('.') : (opts.root ?? '(root)');
}

/** One line per issue. */
export function issueLines(issues: readonly z.core.$ZodIssue[], opts: IssueFormat = {}): string[] {
  return issues.map((i) => `${issuePath(i.path, opts)}${opts.separator ?? ': '}${i.message}`);
}

/** Every issue on one line, separated by '; '. */
export function issuesText(issues: readonly z.core.$ZodIssue[], opts: IssueFormat = {}): string {
  return issueLines(issues, opts).join('; ');
}
