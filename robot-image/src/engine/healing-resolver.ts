// The self-healing TargetResolver (issue 7). A target that resolves to exactly one element has that
// element's descriptor recorded (throttled); a target that matches none or several is healed from the
// recorded descriptor or the target's own fingerprint / anchor / image (tiers 1..3 in ../healing). A
// heal is recorded as an event, counted, and reported to the job; the step goes on with the healed
// element. An abstention fails the step with the reason. A robot never rewrites the workflow.
import type { Locator, Page } from 'playwright-core';
import type pg from 'pg';
import {
  getElementDescriptor,
  insertHealingEvent,
  upsertElementDescriptor,
  type WorkflowKey,
} from '../../../api/healing/sql.js';
import type { Logger } from '../../../api/log.js';
import type { Target } from '../../../api/v1alpha1/target.js';
import {
  describeElement,
  healTarget,
  targetFragility,
  type ElementDescriptor,
  type HealableTarget,
  type HealResult,
} from '../healing/index.js';
import {
  abstainMessage,
  DEFAULT_RECORD_TIMING,
  descriptorDigest,
  healAfterMs,
  locatorFieldsOf,
  recordKey,
  shouldDescribe,
  shouldWrite,
  stepIdOf,
  targetKey,
  type RecordMemory,
  type RecordTiming,
} from './record-policy.js';
import { describeTarget, primaryLocator, type HealNotice, type ResolveContext, type TargetResolver } from './targets.js';

export interface HealingResolverOptions {
  /** Where element records and heal events go (tables of migrations 0001/0002). */
  db: pg.Pool;
  logger: Logger;
  /** Every heal and abstention, for the aether_healing_events_total metric. */
  count?: (e: { tier: string; outcome: HealNotice['outcome'] }) => void;
  timing?: RecordTiming;
  now?: () => number;
}

/** Records kept in memory per process; beyond this the oldest is forgotten (and re-described later). */
const MEMORY_LIMIT = 5_000;

export function createHealingResolver(opts: HealingResolverOptions): TargetResolver {
  const timing = opts.timing ?? DEFAULT_RECORD_TIMING;
  const now = opts.now ?? Date.now;
  const memory = new Map<string, RecordMemory>();

  async function record(loc: Locator, target: Target, ctx: ResolveContext, workflow: WorkflowKey, fresh?: ElementDescriptor): Promise<void> {
    const key = recordKey(ctx.stepPath);
    const memKey = `${workflow.namespace}/${workflow.name}/${key}`;
    const mem = memory.get(memKey);
    const t = now();
    if (!fresh && !shouldDescribe(mem, t, timing)) return;
    try {
      const descriptor = fresh ?? (await describeElement(loc));
      const json = JSON.stringify(descriptor);
      if (ctx.job!.redactor.contains(json)) return;
      const digest = descriptorDigest(descriptor as unknown as Record<string, unknown>);
      const fields = locatorFieldsOf(target);
      // The record changes when the element or the step's own target changed.
      const recordDigest = `${digest}|${JSON.stringify(fields)}`;
      if (mem && !shouldWrite(mem, recordDigest, t, timing)) {
        remember(memKey, { ...mem, checkedAt: t });
        return;
      }
      const fragility = targetFragility(target);
      await upsertElementDescriptor(opts.db, {
        workflow,
        stepPath: key,
        descriptor,
        digest,
        target: fields,
        fragility: fragility.score,
        fragilityReasons: fragility.reasons,
        runUid: ctx.job!.runUid,
        refreshSeconds: Math.floor(timing.refreshMs / 1000),
      });
      remember(memKey, { checkedAt: t, writtenAt: t, digest: recordDigest });
    } catch (err) {
      // Recording is an aid: a failure to record never fails the step.
      opts.logger.warn({ step: ctx.stepPath, err: messageOf(err) }, 'could not record the element descriptor');
    }
  }

  function remember(key: string, m: RecordMemory): void {
    memory.delete(key);
    memory.set(key, m);
    if (memory.size > MEMORY_LIMIT) memory.delete(memory.keys().next().value!);
  }

  async function recorded(workflow: WorkflowKey | undefined, ctx: ResolveContext): Promise<ElementDescriptor | undefined> {
    if (!workflow || ctx.templated) return undefined;
    try {
      const row = await getElementDescriptor(opts.db, { workflow, stepPath: recordKey(ctx.stepPath) });
      return (row?.descriptor as ElementDescriptor | undefined) ?? undefined;
    } catch (err) {
      opts.logger.warn({ step: ctx.stepPath, err: messageOf(err) }, 'could not load the recorded element descriptor');
      return undefined;
    }
  }

  async function report(ctx: ResolveContext, target: Target, matches: number, result: HealResult): Promise<HealNotice> {
    const redactor = ctx.job?.redactor;
    // A suggestion is text of the page (labels, names), a target may be rendered from a template: both
    // leave the robot (heal events, RpaWorkflow status, logs, checkpoints), so both are redacted.
    const raw: HealNotice = {
      stepPath: ctx.stepPath,
      outcome: result.outcome,
      tier: result.tier,
      score: round(result.score),
      target: describeTarget(target),
      ...(result.suggestion && { suggestion: locatorFieldsOf({ ...result.suggestion.target }) as Record<string, string | boolean> }),
      ...(result.reason && { reason: result.reason }),
    };
    const notice = redactor ? redactor.value(raw) : raw;
    opts.count?.({ tier: result.tier === null ? 'none' : String(result.tier), outcome: result.outcome });
    const log = opts.logger.child({ step: ctx.stepPath });
    if (result.outcome === 'healed')
      log.info({ tier: result.tier, score: notice.score, matches, suggestion: notice.suggestion, ms: Math.round(result.ms.total) }, 'healed the step target');
    else log.warn({ matches, reason: result.reason }, 'healing abstained');
    const workflow = ctx.job?.workflow;
    if (workflow) {
      await insertHealingEvent(opts.db, {
        workflow,
        stepId: stepIdOf(ctx.stepPath),
        stepPath: recordKey(ctx.stepPath),
        runUid: ctx.job!.runUid,
        tier: result.tier,
        outcome: result.outcome,
        suggestion: notice.suggestion ?? null,
        score: notice.score,
        target: redactor ? redactor.string(targetKey(target)) : targetKey(target),
        reason: notice.reason ?? null,
      }).catch((err: unknown) => log.warn({ err: messageOf(err) }, 'could not record the healing event'));
    }
    ctx.job?.onHeal?.(notice);
    return notice;
  }

  return async (page, target, ctx) => {
    const primary = primaryLocator(page, target);
    const job = ctx.job;
    if (!job) return primary;
    if (ctx.expect === 'any') return (await followHeal(page, primary, target, job.healed)) ?? primary;

    const started = now();
    const matches = await settledCount(primary, healAfterMs(ctx.timeoutMs));
    // A templated target names a different element each time; a masked step's element shows its secret.
    const workflow = ctx.templated || ctx.masked ? undefined : job.workflow;
    if (matches === 1) {
      if (workflow) await record(primary, target, ctx, workflow);
      return primary;
    }
    const fromRecord = await recorded(job.workflow, ctx);
    const healable = healableOf(target);
    if (!fromRecord && !healable.fingerprint && !healable.anchor && !healable.image) return primary; // nothing to heal with: plain Playwright behaviour

    const result = await healTarget(page, healable, fromRecord);
    await report(ctx, target, matches, result);
    if (result.outcome === 'healed' && result.locator) {
      if (result.descriptor?.xpath) job.healed.set(targetKey(target), result.descriptor.xpath);
      if (workflow && result.descriptor) await record(result.locator, target, ctx, workflow, result.descriptor);
      return result.locator;
    }
    // Every tier abstained: the page may still be rendering the target; give it the rest of the step's time.
    const rest = ctx.timeoutMs - (now() - started) - 500;
    if (rest > 0 && (await settledCount(primary, rest)) === 1) return primary;
    throw new Error(abstainMessage(describeTarget(target), matches, result.reason));
  };
}

/** Matches of a locator once it has had up to `waitMs` to appear. */
async function settledCount(loc: Locator, waitMs: number): Promise<number> {
  try {
    await loc.first().waitFor({ state: 'attached', timeout: waitMs });
  } catch {
    return 0;
  }
  return loc.count();
}

/** A mask or optional target whose primary no longer matches follows an earlier heal of the same target. */
async function followHeal(page: Page, primary: Locator, target: Target, healed: Map<string, string>): Promise<Locator | undefined> {
  const xpath = healed.get(targetKey(target));
  if (!xpath || (await primary.count()) > 0) return undefined;
  return page.locator(`xpath=${xpath}`);
}

/** The API target as the healing module takes it (the image as base64 plus its last position). */
function healableOf(t: Target): HealableTarget {
  const { fingerprint, anchor, image, nth: _nth, ...plain } = t;
  return {
    ...plain,
    ...(fingerprint && { fingerprint }),
    ...(anchor && { anchor }),
    ...(image?.png && { image: { pngBase64: image.png, ...(image.lastBox && { lastKnownBox: image.lastBox }) } }),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
