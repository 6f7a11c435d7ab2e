import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from '../../../api/log.js';
import { Controller, type Reconcile } from './controller.js';
import { ManualClock } from './manual-clock.test-util.js';
import { OperatorMetrics } from './metrics.js';
import { done, requeueAfter, TerminalError } from './result.js';
import { WorkQueue } from './workqueue.js';

const logger = createLogger({
  name: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

/** Lets pending promise callbacks run until `cond` holds (no timers involved). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function make(reconcile: Reconcile, concurrency = 2, clock = new ManualClock()) {
  const metrics = new OperatorMetrics({ processMetrics: false });
  const queue = new WorkQueue({
    clock,
    backoff: { baseMs: 100, maxMs: 1000 },
    bucket: { ratePerSecond: 1000, burst: 1000 },
  });
  const c = new Controller({ name: 'test', reconcile, logger, metrics, concurrency, queue });
  return { c, clock, metrics };
}

describe('Controller', () => {
  it('reports its queue depth when the metrics are scraped', async () => {
    const release = deferred();
    const { c, metrics } = make(async () => {
      await release.promise;
      return done();
    }, 1);
    const depth = async () => (await metrics.registry.getSingleMetric('aether_workqueue_depth')!.get()).values.find((v) => v.labels.controller === 'test')?.value;
    expect(await depth()).toBe(0);
    for (const k of ['ns/a', 'ns/b', 'ns/c', 'ns/b']) c.enqueue(k);
    expect(await depth()).toBe(3);
    c.start();
    await until(() => c.queue.inFlight === 1, 'one key in flight');
    expect(await depth()).toBe(2);
    release.resolve();
    await until(() => c.queue.length === 0 && c.queue.inFlight === 0, 'queue drained');
    expect(await depth()).toBe(0);
    await c.stop();
  });

  it('runs at most `concurrency` reconciles at once and processes every key', async () => {
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    const waiting: Array<() => void> = [];
    const { c } = make(async (key) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => waiting.push(r));
      seen.push(key.name);
      running--;
      return done();
    }, 2);
    for (const n of ['a', 'b', 'c', 'd', 'e']) c.enqueue(`ns/${n}`);
    c.start();
    while (seen.length < 5) {
      await until(() => waiting.length === Math.min(2, 5 - seen.length), 'workers busy');
      const expected = seen.length + waiting.length;
      for (const release of waiting.splice(0)) release();
      await until(() => seen.length === expected, 'progress');
    }
    expect(peak).toBe(2);
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await c.stop();
  });

  it('never reconciles one key twice at once; a change meanwhile triggers one more pass', async () => {
    let running = 0;
    let calls = 0;
    const gate = deferred();
    const { c } = make(async () => {
      running++;
      calls++;
      expect(running).toBe(1);
      if (calls === 1) await gate.promise;
      running--;
      return done();
    }, 4);
    c.enqueue('ns/x');
    c.start();
    await until(() => calls === 1, 'first pass');
    c.enqueue('ns/x');
    c.enqueue('ns/x');
    gate.resolve();
    await until(() => calls === 2 && running === 0, 'second pass');
    await c.stop();
    expect(calls).toBe(2);
  });

  it('retries a failing key with backoff, and a success clears its count', async () => {
    let calls = 0;
    const { c, clock, metrics } = make(async () => {
      calls++;
      if (calls <= 2) throw new Error('database down');
      return done();
    });
    c.enqueue('ns/x');
    c.start();
    await until(() => calls === 1 && c.queue.delayed === 1, 'first failure');
    clock.advance(99);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    clock.advance(1);
    await until(() => calls === 2 && c.queue.delayed === 1, 'second failure');
    clock.advance(200);
    await until(() => calls === 3, 'success');
    await until(() => c.queue.numRequeues('ns/x') === 0, 'forget');
    const errors = await metrics.reconcileErrors.get();
    expect(errors.values[0]?.value).toBe(2);
    await c.stop();
  });

  it('does not retry a terminal error', async () => {
    let calls = 0;
    const { c, clock } = make(async () => {
      calls++;
      throw new TerminalError('spec.steps[0].selector is empty');
    });
    c.enqueue('ns/x');
    c.start();
    await until(() => calls === 1 && c.queue.inFlight === 0, 'first pass');
    clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    expect(c.queue.delayed).toBe(0);
    await c.stop();
  });

  it('requeueAfter comes back after the given time', async () => {
    let calls = 0;
    const { c, clock, metrics } = make(async () => {
      calls++;
      return calls === 1 ? requeueAfter(5000) : done();
    });
    c.enqueue('ns/x');
    c.start();
    await until(() => calls === 1 && c.queue.delayed === 1, 'first pass');
    clock.advance(4999);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    clock.advance(1);
    await until(() => calls === 2, 'requeued pass');
    const totals = await metrics.reconciles.get();
    expect(totals.values.map((v) => [v.labels.result, v.value]).sort()).toEqual([
      ['requeue', 1],
      ['success', 1],
    ]);
    await c.stop();
  });

  it('stop() waits for the reconcile in flight and aborts its signal', async () => {
    let finished = false;
    let aborted = false;
    const { c } = make(async (_key, ctx) => {
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
      aborted = ctx.signal.aborted;
      finished = true;
      return done();
    });
    c.enqueue('ns/x');
    c.start();
    await until(() => c.queue.inFlight === 1, 'started');
    await c.stop();
    expect({ finished, aborted, running: c.running }).toEqual({ finished: true, aborted: true, running: false });
  });
});
