import { matchesFilter, mergePage, unqueuedRow } from './console-unqueued.js';
import type { RpaJobObject } from './kube.js';

const job = (name: string, created: string, status?: Record<string, unknown>, spec: Record<string, unknown> = { pool: 'p', workflowRef: { name: 'w' } }): RpaJobObject => ({
  apiVersion: 'rpa.aether.dev/v1alpha1',
  kind: 'RpaJob',
  metadata: { name, namespace: 'ns', uid: `00000000-0000-4000-8000-${name.padStart(12, '0')}`, creationTimestamp: created },
  spec,
  ...(status && { status }),
});

describe('unqueuedRow', () => {
  it('lists a job without a phase or Pending, with its False condition as the error', () => {
    expect(unqueuedRow(job('a', '2026-01-01T00:00:00Z'))).toMatchObject({ name: 'a', state: 'pending', pool: 'p', workflow: 'w', errorMessage: null, createdUs: '1767225600000000' });
    const waiting = job('b', '2026-01-01T00:00:00Z', {
      phase: 'Pending',
      conditions: [{ type: 'Queued', status: 'False', reason: 'WorkflowNotFound', message: 'RpaWorkflow w does not exist' }],
    });
    expect(unqueuedRow(waiting)).toMatchObject({ state: 'pending', errorMessage: 'WorkflowNotFound: RpaWorkflow w does not exist' });
  });

  it('marks a job the operator refused (Valid=False) invalid', () => {
    const refused = job('c', '2026-01-01T00:00:00Z', {
      phase: 'Pending',
      conditions: [
        { type: 'Queued', status: 'False', reason: 'Other', message: 'not queued' },
        { type: 'Valid', status: 'False', reason: 'WorkflowInvalid', message: 'RpaWorkflow w: step x: bad' },
      ],
    });
    expect(unqueuedRow(refused)).toMatchObject({ state: 'invalid', errorMessage: 'WorkflowInvalid: RpaWorkflow w: step x: bad' });
  });

  it('leaves out jobs that reached the queue', () => {
    for (const phase of ['Queued', 'Running', 'Succeeded', 'Failed', 'Suspended', 'Cancelled']) expect(unqueuedRow(job('d', '2026-01-01T00:00:00Z', { phase }))).toBeNull();
  });
});

describe('matchesFilter and mergePage', () => {
  const rows = ['2026-01-01T00:00:03Z', '2026-01-01T00:00:01Z'].map((t, i) => unqueuedRow(job(`u${i}`, t))!);
  const run = (us: number, uid: string) => ({ createdUs: String(us), uid });
  const s = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z in µs

  it('filters by state, pool, workflow, time and the page cursor', () => {
    expect(rows.filter((r) => matchesFilter(r, {}))).toHaveLength(2);
    expect(rows.filter((r) => matchesFilter(r, { states: ['failed'] }))).toHaveLength(0);
    expect(rows.filter((r) => matchesFilter(r, { states: ['pending'], pool: 'p', workflow: 'w' }))).toHaveLength(2);
    expect(rows.filter((r) => matchesFilter(r, { pool: 'other' }))).toHaveLength(0);
    expect(rows.filter((r) => matchesFilter(r, { since: new Date('2026-01-01T00:00:02Z') })).map((r) => r.name)).toEqual(['u0']);
    expect(rows.filter((r) => matchesFilter(r, { until: new Date('2026-01-01T00:00:02Z') })).map((r) => r.name)).toEqual(['u1']);
    // Strictly older than the cursor.
    expect(rows.filter((r) => matchesFilter(r, { before: { createdUs: rows[0]!.createdUs, uid: rows[0]!.uid } })).map((r) => r.name)).toEqual(['u1']);
  });

  it('merges newest first, cuts at the limit and says whether more follow', () => {
    const db = [run(s + 4_000_000, 'a'), run(s + 2_000_000, 'b')];
    const extra = [run(s + 3_000_000, 'x'), run(s + 1_000_000, 'y')];
    expect(mergePage(db, extra, 3)).toEqual({ items: [db[0], extra[0], db[1]], more: true });
    expect(mergePage(db, extra, 10)).toEqual({ items: [db[0], extra[0], db[1], extra[1]], more: false });
    // A full page from PostgreSQL may have more behind it.
    expect(mergePage(db, [], 2).more).toBe(true);
    // Same time: uid descending, as the SQL orders.
    expect(mergePage([run(s, 'a')], [run(s, 'b')], 5).items.map((r) => r.uid)).toEqual(['b', 'a']);
  });
});
