// Who may use the console of a local run (`aether run --ui`), and what. The command prints a URL with a
// one-time sign-in key; the console exchanges it (once) for a session token that lives in this process's
// memory and the browser tab's sessionStorage only, so the URL holds nothing usable after sign-in. The
// one signed-in user may do everything the local run supports: read every page and cancel the run.
// Everything else (create, suspend/resume, queue items, apply a suggestion) is refused with the reason,
// and the console hides it because the access endpoint reports it as not allowed.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ResourceAttributes } from './access.js';
import { AuthError, bearerToken, tokenKey, type UserInfo } from './auth.js';

export const LOCAL_USER: UserInfo = { username: 'local', groups: ['aether:local'] };

/** Why local mode refuses an action, or undefined when it allows it. */
export function localRefusal(a: Pick<ResourceAttributes, 'resource' | 'subresource' | 'verb'>): string | undefined {
  if (a.verb === 'get' || a.verb === 'list' || a.verb === 'watch') return undefined;
  if (a.resource === 'rpajobs' && a.verb === 'delete' && a.subresource === undefined) return undefined;
  if (a.resource === 'rpaworkflows')
    return 'local mode does not apply healing suggestions: the workflow is your YAML file, and the run in progress keeps the workflow it was queued with; change the step\'s target in the file as the suggestion shows and run again';
  if (a.resource === 'rpaqueues') return 'local mode has no work queues (queueAdd steps fail saying so)';
  if (a.resource === 'rpajobs' && a.verb === 'patch') return 'local mode does not suspend or resume: Ctrl-C stops the run and the same command resumes it';
  if (a.resource === 'rpajobs' && a.verb === 'create') return 'local mode runs one job: start another with aether run';
  return `local mode does not ${a.verb} ${a.resource}`;
}

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The sign-in key, the sessions it was exchanged for, and the local policy, as the app's authorizer. */
export class LocalSessions {
  /** Print this (in the URL's fragment); it works once. */
  readonly key: string;
  private keyUsed = false;
  /** sha256 of each session token: the tokens themselves are not kept. */
  private readonly sessions = new Set<string>();

  constructor(key = randomBytes(24).toString('base64url')) {
    this.key = key;
  }

  /** A session token for the sign-in key; throws AuthError 401 for a wrong key or one used already. */
  exchange(key: string | undefined): string {
    if (key === undefined || !sameSecret(key, this.key))
      throw new AuthError(401, 'not the sign-in key of this run: open the URL `aether run --ui` printed');
    if (this.keyUsed)
      throw new AuthError(401, 'the sign-in key was used already (it works once): sign in from the tab that used it, or run aether run --ui again');
    this.keyUsed = true;
    const token = randomBytes(32).toString('base64url');
    this.sessions.add(tokenKey(token));
    return token;
  }

  authenticate(authorization: string | undefined): Promise<UserInfo> {
    const token = bearerToken(authorization);
    if (token === undefined || !this.sessions.has(tokenKey(token)))
      return Promise.reject(new AuthError(401, 'not signed in to this local run: open the URL `aether run --ui` printed'));
    return Promise.resolve(LOCAL_USER);
  }

  authorize(_user: UserInfo, attributes: ResourceAttributes): Promise<void> {
    const refusal = localRefusal(attributes);
    return refusal === undefined ? Promise.resolve() : Promise.reject(new AuthError(403, refusal));
  }
}
