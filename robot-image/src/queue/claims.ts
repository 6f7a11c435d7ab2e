// Claim reads for fetched jobs. graphile-worker's local queue fetches jobs in batches; the consumer reads
// the runs of a whole fetched batch in one statement as soon as the batch arrives (prefetch), so a job
// usually finds its claim already read when its handler is about to start, instead of waiting a round trip.
//
// Only a cancel can change a run while this robot holds its job (a robot declared dead is fenced anyway),
// and a cancel of a held job is NOTIFYed. So a prefetched claim is used only when the cancel listener was
// already listening when the read started (no NOTIFY since can have been missed) and the read is younger
// than maxAgeMs. Otherwise the claim is read when the job starts, batched with the other jobs starting in
// the same tick. Any read (prefetched or not) that began before a cancel of its run was notified is done
// again, so the claim a job starts with always reflects the cancels this robot has been told about.
import type { ClaimedRun } from '../../../api/queue/sql/runs.js';
import { createBatcher } from './batcher.js';

export interface ClaimReader {
  /** A batch of jobs was fetched: read their runs now, in one statement. */
  prefetch(uids: string[]): void;
  /** A cancel of this run was notified: claims read before now are stale. */
  cancelNotified(uid: string): void;
  /** The run's claim (undefined: the run is finished or unknown, its job is stale). */
  read(uid: string): Promise<ClaimedRun | undefined>;
}

export interface ClaimReaderOptions {
  /** One statement for many runs (claimRuns). */
  readRuns: (uids: string[]) => Promise<ClaimedRun[]>;
  /** Since when (ms epoch) the cancel listener has been listening without a break; null while it is not. */
  listeningSince: () => number | null;
  /** Default 2000. */
  maxAgeMs?: number;
  now?: () => number;
}

interface Prefetched {
  startedAt: number;
  rows: Promise<Map<string, ClaimedRun>>;
}

/** Cancel notifications are remembered this long (far longer than any read takes). */
const NOTIFIED_KEEP_MS = 60_000;

export function createClaimReader(opts: ClaimReaderOptions): ClaimReader {
  const maxAgeMs = opts.maxAgeMs ?? 2000;
  const now = opts.now ?? Date.now;
  const prefetched = new Map<string, Prefetched>();
  const notifiedAt = new Map<string, number>();
  const batched = createBatcher<string, ClaimedRun | undefined>(async (uids) => {
    const byUid = new Map((await opts.readRuns(uids)).map((r) => [r.uid, r]));
    return uids.map((u) => byUid.get(u));
  });

  /** True when a cancel of uid was notified after a read that started at startedAt (ms: >= errs on safe). */
  const notifiedSince = (uid: string, startedAt: number) => (notifiedAt.get(uid) ?? -Infinity) >= startedAt;
  /** A read started after the notification arrived sees the cancel: no second check needed. */
  const readAtStart = (uid: string): Promise<ClaimedRun | undefined> => {
    const startedAt = now();
    return batched.submit(uid).then((c) => (notifiedSince(uid, startedAt) ? batched.submit(uid) : c));
  };
  const usable = (p: Prefetched): boolean => {
    const since = opts.listeningSince();
    return since !== null && since <= p.startedAt && now() - p.startedAt <= maxAgeMs;
  };

  return {
    prefetch(uids) {
      const t = now();
      for (const [uid, p] of prefetched) if (t - p.startedAt > maxAgeMs) prefetched.delete(uid);
      for (const [uid, at] of notifiedAt) if (t - at > NOTIFIED_KEEP_MS) notifiedAt.delete(uid);
      if (uids.length === 0) return;
      const rows = opts.readRuns(uids).then((rs) => new Map(rs.map((r) => [r.uid, r])));
      rows.catch(() => undefined); // a failed prefetch falls back to the read at start
      const entry: Prefetched = { startedAt: t, rows };
      for (const uid of uids) prefetched.set(uid, entry);
    },
    cancelNotified(uid) {
      notifiedAt.set(uid, now());
      prefetched.delete(uid);
    },
    read(uid) {
      const p = prefetched.get(uid);
      prefetched.delete(uid);
      if (!p || !usable(p)) return readAtStart(uid);
      return p.rows.then(
        (m) => (usable(p) && !notifiedSince(uid, p.startedAt) ? m.get(uid) : readAtStart(uid)),
        () => readAtStart(uid),
      );
    },
  };
}
