// Open event streams per user and in all. Each stream holds a Kubernetes watch opened with the API
// server's own ServiceAccount, so without a bound one user (or a console left open in many tabs) could
// use up the account's share of the Kubernetes API server for everyone.
export interface StreamLimits {
  /** Streams one user may hold at once. */
  perUser: number;
  /** Streams this API server holds at once. */
  total: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perUser: 16, total: 2000 };

export class StreamSlots {
  private readonly byUser = new Map<string, number>();
  private open = 0;

  constructor(private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS) {}

  /** A slot for `user`'s new stream (call the returned function once when it ends), or why there is none. */
  acquire(user: string): { release: () => void } | { refused: string } {
    const mine = this.byUser.get(user) ?? 0;
    if (mine >= this.limits.perUser) return { refused: `${user} has ${mine} event streams open (at most ${this.limits.perUser}): close one first` };
    if (this.open >= this.limits.total) return { refused: `the API server holds ${this.open} event streams (at most ${this.limits.total}): try again` };
    this.byUser.set(user, mine + 1);
    this.open++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        const left = (this.byUser.get(user) ?? 1) - 1;
        if (left > 0) this.byUser.set(user, left);
        else this.byUser.delete(user);
      },
    };
  }

  /** Streams open now (of one user, or in all). */
  count(user?: string): number {
    return user === undefined ? this.open : (this.byUser.get(user) ?? 0);
  }
}
