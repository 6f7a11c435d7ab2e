// Who is calling, and may they: the caller's Kubernetes bearer token goes to the API server's
// TokenReview, the route's access (access.ts) to a SubjectAccessReview for that user. Both answers are
// cached for a short time, TokenReviews keyed by the token's sha256 (the token itself is never kept,
// logged or sent anywhere but the Kubernetes API server).
import { createHash } from 'node:crypto';
import type { ResourceAttributes } from './access.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The two review calls, made with the API server's own credentials. */
export interface ReviewApi {
  tokenReview(token: string): Promise<{ authenticated: boolean; user?: UserInfo; error?: string }>;
  subjectAccessReview(user: UserInfo, attributes: ResourceAttributes): Promise<{ allowed: boolean; reason?: string }>;
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly status: 401 | 403 | 429,
    message: string,
  ) {
    super(message);
  }
}

/** A small map whose entries expire `ttlMs` after they were set; bounded by `max` (oldest out first). */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.now() - e.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { at: this.now(), value });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export interface AuthorizerOptions {
  reviews: ReviewApi;
  /** How long a TokenReview or SubjectAccessReview answer is reused. Default 10 s. */
  ttlMs?: number;
  /** TokenReviews of tokens not in the cache at once, and how many more may wait (then 429). Default 16 and 256. */
  reviewsInFlight?: number;
  reviewsWaiting?: number;
  now?: () => number;
}

/**
 * At most `inFlight` calls at once, `waiting` more queued; a call beyond that is refused at once. Keeps a
 * flood of made-up tokens from turning into a flood of TokenReviews on the Kubernetes API server.
 */
export class CallLimiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly inFlight: number,
    private readonly waiting: number,
  ) {}

  /** `call`'s result; rejects with `refused()` without calling when the queue is full. */
  async run<T>(call: () => Promise<T>, refused: () => Error): Promise<T> {
    if (this.running >= this.inFlight) {
      if (this.queue.length >= this.waiting) throw refused();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else this.running++;
    try {
      return await call();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}

export class Authorizer {
  private readonly users: TtlCache<Promise<UserInfo>>;
  // Tokens the Kubernetes API server rejected, apart from the accepted ones: a flood of bad tokens cannot
  // push a signed-in user's token out of `users`.
  private readonly rejected: TtlCache<AuthError>;
  private readonly decisions: TtlCache<Promise<{ allowed: boolean; reason?: string }>>;
  private readonly reviews: ReviewApi;
  private readonly tokenReviews: CallLimiter;

  constructor(opts: AuthorizerOptions) {
    const ttl = opts.ttlMs ?? 10_000;
    this.reviews = opts.reviews;
    this.users = new TtlCache(ttl, 10_000, opts.now);
    this.rejected = new TtlCache(ttl, 10_000, opts.now);
    this.decisions = new TtlCache(ttl, 50_000, opts.now);
    this.tokenReviews = new CallLimiter(opts.reviewsInFlight ?? 16, opts.reviewsWaiting ?? 256);
  }

  /** The user of `authorization` (an HTTP Authorization header); throws AuthError 401 when there is none. */
  authenticate(authorization: string | undefined): Promise<UserInfo> {
    const token = bearerToken(authorization);
    if (token === undefined) return Promise.reject(new AuthError(401, 'a bearer token is required (Authorization: Bearer <token>)'));
    const key = tokenKey(token);
    const rejected = this.rejected.get(key);
    if (rejected !== undefined) return Promise.reject(rejected);
    let user = this.users.get(key);
    if (user === undefined) {
      const review = this.tokenReviews.run(
        () => this.reviews.tokenReview(token),
        () => new AuthError(429, 'too many sign-ins being checked at once: try again'),
      );
      user = review.then((r) => {
        if (!r.authenticated || r.user === undefined) throw new AuthError(401, 'the token was not accepted by the Kubernetes API server');
        return r.user;
      });
      this.users.set(key, user);
      // Only an accepted token stays in `users`; a rejected one is remembered apart, for the TTL; a failed
      // or refused review call (the API server away, too many at once) is not remembered.
      user.catch((err: unknown) => {
        this.forget(this.users, key, user!);
        if (err instanceof AuthError && err.status === 401) this.rejected.set(key, err);
      });
    }
    return user;
  }

  /** Resolves when `user` may do `attributes`; throws AuthError 403 otherwise. */
  async authorize(user: UserInfo, attributes: ResourceAttributes): Promise<void> {
    const key = JSON.stringify([user.username, user.uid, user.groups, user.extra, attributes]);
    let decision = this.decisions.get(key);
    if (decision === undefined) {
      decision = this.reviews.subjectAccessReview(user, attributes);
      this.decisions.set(key, decision);
      decision.catch(() => this.forget(this.decisions, key, decision!));
    }
    const d = await decision;
    if (!d.allowed) {
      const what = `${attributes.resource}${attributes.subresource ? `/${attributes.subresource}` : ''}`;
      throw new AuthError(
        403,
        `${user.username} may not ${attributes.verb} ${what} in namespace ${attributes.namespace} (group ${attributes.group})`,
      );
    }
  }

  private forget<V>(cache: TtlCache<V>, key: string, value: V): void {
    if (cache.get(key) === value) cache.delete(key);
  }
}
