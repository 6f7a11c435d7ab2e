// The healing tables' statements against a real PostgreSQL (migrations 0001 + 0002).
import pg from 'pg';
import { freshDatabase } from '../../e2e/harness/testenv.js';
import { migrate } from '../../migrations/index.js';
import {
  getElementDescriptor,
  HEALING_CHANNEL,
  insertHealingEvent,
  listElementDescriptors,
  listHealingEvents,
  upsertElementDescriptor,
} from './sql.js';

let db: pg.Pool;
let url: string;
const workflow = { namespace: 'team-a', name: 'invoice-entry' };
const runUid = '0d4a7f0e-6a36-4c8e-9d0e-3f3b7b2a9c11';

beforeAll(async () => {
  url = await freshDatabase('healsql');
  await migrate({ databaseUrl: url });
  db = new pg.Pool({ connectionString: url, max: 3 });
});
afterAll(async () => db?.end());

const upsert = (o: { stepPath?: string; digest?: string; css?: string; text?: string; refreshSeconds?: number }) =>
  upsertElementDescriptor(db, {
    workflow,
    stepPath: o.stepPath ?? 'save',
    descriptor: { tag: 'button', text: o.text ?? 'Save' },
    digest: o.digest ?? 'd1',
    target: { css: o.css ?? '#save' },
    fragility: 0.25,
    fragilityReasons: ['a reason'],
    runUid,
    refreshSeconds: o.refreshSeconds ?? 3600,
  });

describe('element descriptors', () => {
  it('writes a record once, skips an unchanged one, rewrites a changed element or target', async () => {
    expect(await upsert({})).toBe(true);
    expect(await upsert({})).toBe(false);
    expect(await upsert({ digest: 'd2', text: 'Store' })).toBe(true);
    expect((await getElementDescriptor(db, { workflow, stepPath: 'save' }))!.descriptor).toEqual({
      tag: 'button',
      text: 'Store',
    });
    expect(await upsert({ digest: 'd2', css: '#store' })).toBe(true);
    expect(await upsert({ digest: 'd2', css: '#store' })).toBe(false);
    // Older than the refresh period: written again even though unchanged.
    expect(await upsert({ digest: 'd2', css: '#store', refreshSeconds: 0 })).toBe(true);
  });

  it('keys records by workflow and step path', async () => {
    await upsert({ stepPath: 'rows.typeName' });
    const rows = await listElementDescriptors(db, { workflow });
    expect(rows.map((r) => r.stepPath)).toEqual(['rows.typeName', 'save']);
    expect(rows[1]).toMatchObject({
      target: { css: '#store' },
      fragility: 0.25,
      fragilityReasons: ['a reason'],
      runUid,
    });
    expect(await listElementDescriptors(db, { workflow: { ...workflow, name: 'other' } })).toEqual([]);
    expect(await getElementDescriptor(db, { workflow, stepPath: 'nope' })).toBeNull();
  });
});

describe('healing events', () => {
  it('records an event and NOTIFYs the workflow key in the same statement', async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    try {
      await listener.query(`LISTEN ${HEALING_CHANNEL}`);
      const got = new Promise<string | undefined>((resolve) => listener.on('notification', (m) => resolve(m.payload)));
      const id = await insertHealingEvent(db, {
        workflow,
        stepId: 'save',
        stepPath: 'save',
        runUid,
        tier: 1,
        outcome: 'healed',
        suggestion: { role: 'button', name: 'Save' },
        score: 0.82,
        target: '{"css":"#save"}',
        reason: null,
      });
      expect(id).toMatch(/^\d+$/);
      expect(await got).toBe('team-a/invoice-entry');
    } finally {
      await listener.end();
    }
  });

  it('lists a workflow’s events oldest first, the newest `limit` of them', async () => {
    for (const stepId of ['a', 'b', 'c'])
      await insertHealingEvent(db, {
        workflow,
        stepId,
        stepPath: `rows.${stepId}`,
        runUid: null,
        tier: null,
        outcome: 'abstained',
        suggestion: null,
        score: 0,
        target: '{"css":"#x"}',
        reason: 'tier 1: no candidates',
      });
    const all = await listHealingEvents(db, { workflow });
    expect(all.map((e) => e.stepId)).toEqual(['save', 'a', 'b', 'c']);
    expect(all[0]).toMatchObject({
      tier: 1,
      outcome: 'healed',
      suggestion: { role: 'button', name: 'Save' },
      score: 0.82,
      runUid,
    });
    expect(all[3]).toMatchObject({
      tier: null,
      outcome: 'abstained',
      suggestion: null,
      reason: 'tier 1: no candidates',
      stepPath: 'rows.c',
    });
    expect((await listHealingEvents(db, { workflow, limit: 2 })).map((e) => e.stepId)).toEqual(['b', 'c']);
  });
});

describe('recorded healing aids (migration 0009)', () => {
  const png = (n: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, n]);
  const aided = (o: { anchors?: object[]; template?: { png: Buffer; digest: string } }) =>
    upsertElementDescriptor(db, {
      workflow,
      stepPath: 'aided',
      descriptor: { tag: 'input' },
      digest: 'a1',
      target: { css: '#qty' },
      fragility: 0.5,
      fragilityReasons: [],
      runUid,
      refreshSeconds: 3600,
      ...(o.anchors && { anchors: o.anchors }),
      ...(o.template && { template: { ...o.template, box: { x: 1, y: 2, width: 30, height: 10 } } }),
    });
  const label = { target: { text: 'Quantity', exact: true }, relation: 'rightOf', distance: 8, source: 'label' };

  it('stores anchors and a picture, keeps the picture when none is given, and writes only what changed', async () => {
    expect(await aided({ anchors: [label], template: { png: png(1), digest: 'p1' } })).toBe(true);
    expect(await aided({ anchors: [label] })).toBe(false); // no new picture: nothing changed
    let row = await getElementDescriptor(db, { workflow, stepPath: 'aided' });
    expect(row!.anchors).toEqual([label]);
    expect(row!.template).toEqual({ png: png(1), digest: 'p1', box: { x: 1, y: 2, width: 30, height: 10 } });
    expect(await aided({ anchors: [label], template: { png: png(1), digest: 'p1' } })).toBe(false);
    expect(await aided({ anchors: [label], template: { png: png(2), digest: 'p2' } })).toBe(true);
    expect(await aided({ anchors: [{ ...label, distance: 40 }] })).toBe(true);
    row = await getElementDescriptor(db, { workflow, stepPath: 'aided' });
    expect(row!.template!.png).toEqual(png(2));
    expect(row!.anchors).toEqual([{ ...label, distance: 40 }]);
    // A record written without aids has none.
    expect((await getElementDescriptor(db, { workflow, stepPath: 'save' }))!).toMatchObject({
      anchors: [],
      template: null,
    });
  });
});
