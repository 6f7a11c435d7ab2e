// The self-healing TargetResolver (issue 7). A target that resolves to exactly one element has that
// element's descriptor recorded (throttled); a target that matches none or several is healed from the
// recorded descriptor or the target's own fingerprint / anchor / image (tiers 1..3 in ../healing). A
// heal is recorded as an event, counted, and reported to the job; the step goes on with the healed
// element. An abstention fails the step with the reason. A robot never rewrites the workflow.
//
// With the descriptor the resolver records aids of its own (issue 15): up to three anchors chosen from
// the stable elements near the element, each verified to be found by its own locator, and a small
// picture of the element (only when it may show nothing typed into it, and again only when the element
// changed). Healing uses them after the author's own anchor and image. A masked or templated step
// records nothing.
import { createHash } from 'node:crypto';
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
  captureRecordedTemplate,
  chooseAnchors,
  describeWithAids,
  elementLocator,
  healTarget,
  MAX_ANCHORS,
  targetFragility,
  type ElementDescriptor,
  type HealableTarget,
  type HealResult,
  type RecordedAids,
  type RecordedAnchor,
  anchorsFoundAgain,
} from '../healing/index.js';
import {
  abstainMessage,
  DEFAULT_RECORD_TIMING,
  descriptorDigest,
  healAfterMs,
  imageKeyOf,
  locatorFieldsOf,
  recordKey,
  shouldCaptureImage,
  shouldDescribe,
  shouldWrite,
  stepIdOf,
  targetKey,
  type RecordMemory,
  type RecordTiming,
} from './record-policy.js';
import {
  describeTarget,
  primaryLocator,
  type HealNotice,
  type ResolveContext,
  type ResolveJob,
  type TargetResolver,
} from './targets.js';

export interface HealingResolverOptions {
  /** Where element records (with their aids) and heal events go (tables of migrations 0001/0002/0009). */
  db: pg.Pool;
  logger: Logger;
  /** Every heal and abstention, for the aether_healing_events_total metric. */
  count?: (e: { tier: string; outcome: HealNotice['outcome'] }) => void;
  timing?: RecordTiming;
  now?: () => number;
  /**
   * Reads an `image.configMapKeyRef` template (base64 PNG) from the job's namespace. Without it such a
   * template cannot be used (tier 3 is skipped for it, and the abstention says why).
   */
  templateImage?: (ref: { namespace: string; name: string; key: string }) => Promise<string>;
}

/** Records kept in memory per process; beyond this the oldest is forgotten (and re-described later). */
const MEMORY_LIMIT = 5_000;

export function createHealingResolver(opts: HealingResolverOptions): TargetResolver {
  const timing = opts.timing ?? DEFAULT_RECORD_TIMING;
  const now = opts.now ?? Date.now;
  const memory = new Map<string, RecordMemory>();

  async function record(
    loc: Locator,
    target: Target,
    ctx: ResolveContext,
    workflow: WorkflowKey,
    when: { afterHeal?: boolean } = {},
  ): Promise<void> {
    const key = recordKey(ctx.stepPath);
    const memKey = `${workflow.namespace}/${workflow.name}/${key}`;
    const mem = memory.get(memKey);
    const t = now();
    // A healed element is recorded at once: the record must follow the page.
    if (!when.afterHeal && !shouldDescribe(mem, t, timing)) return;
    try {
      const { descriptor, aids } = await describeWithAids(loc);
      // More than kept: some may not be found again by their own locator.
      const proposed = descriptor.box ? chooseAnchors(descriptor.box, aids.anchors, MAX_ANCHORS + 2) : [];
      if (ctx.job!.redactor.contains(JSON.stringify({ descriptor, proposed }))) return;
      const digest = descriptorDigest(descriptor as unknown as Record<string, unknown>);
      const fields = locatorFieldsOf(target);
      // The record changes when the element, the step's own target or the anchors' names changed.
      const anchorNames = proposed.map((a) => [a.source, a.target, a.relation]);
      const recordDigest = `${digest}|${JSON.stringify(fields)}|${JSON.stringify(anchorNames)}`;
      const imageKey = imageKeyOf(digest, descriptor.box);
      const wantImage =
        aids.imageSafe && aids.inViewport && descriptor.box !== undefined && shouldCaptureImage(mem, imageKey);
      if (mem && !wantImage && !shouldWrite(mem, recordDigest, t, timing)) {
        remember(memKey, { ...mem, checkedAt: t });
        return;
      }
      const page = loc.page();
      const anchors = await anchorsFoundAgain(page, proposed, descriptor.box!);
      // Its surroundings are pictured too, unless they show a secret value the job holds.
      const image = wantImage
        ? await captureRecordedTemplate(page, descriptor.box!, { refuseText: (t) => ctx.job!.redactor.contains(t) })
        : null;
      const png = image?.pngBase64 ? Buffer.from(image.pngBase64, 'base64') : undefined;
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
        anchors,
        ...(png && {
          template: {
            png,
            box: descriptor.box!,
            digest: 'sha256:' + createHash('sha256').update(png).digest('hex'),
            ...(image?.focus && { focus: image.focus }),
          },
        }),
      });
      remember(memKey, {
        checkedAt: t,
        writtenAt: t,
        digest: recordDigest,
        // Tried once per look of the element, whether or not a picture could be taken.
        ...((wantImage || mem?.imageKey) && { imageKey: wantImage ? imageKey : mem!.imageKey! }),
      });
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

  async function recorded(
    workflow: WorkflowKey | undefined,
    ctx: ResolveContext,
  ): Promise<{ descriptor: ElementDescriptor; aids: RecordedAids } | undefined> {
    if (!workflow || ctx.templated) return undefined;
    try {
      const row = await getElementDescriptor(opts.db, { workflow, stepPath: recordKey(ctx.stepPath) });
      if (!row) return undefined;
      const aids: RecordedAids = {
        ...(row.anchors.length > 0 && { anchors: row.anchors as unknown as RecordedAnchor[] }),
        ...(row.template && {
          image: {
            pngBase64: row.template.png.toString('base64'),
            lastKnownBox: row.template.box,
            ...(row.template.focus && { focus: row.template.focus }),
          },
        }),
      };
      return { descriptor: row.descriptor as unknown as ElementDescriptor, aids };
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
      ...(result.suggestion && {
        suggestion: locatorFieldsOf({ ...result.suggestion.target }) as Record<string, string | boolean>,
      }),
      ...(result.reason && { reason: result.reason }),
    };
    const notice = redactor ? redactor.value(raw) : raw;
    opts.count?.({ tier: result.tier === null ? 'none' : String(result.tier), outcome: result.outcome });
    const log = opts.logger.child({ step: ctx.stepPath });
    if (result.outcome === 'healed')
      log.info(
        {
          tier: result.tier,
          score: notice.score,
          matches,
          suggestion: notice.suggestion,
          ms: Math.round(result.ms.total),
        },
        'healed the step target',
      );
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
    const { healable, imageProblem } = await healableOf(target, job.workflow?.namespace, opts.templateImage);
    if (imageProblem)
      opts.logger.warn({ step: ctx.stepPath, err: imageProblem }, 'could not load the target image template');
    if (!fromRecord && !healable.fingerprint && !healable.anchor && !healable.image && !imageProblem) return primary; // nothing to heal with: plain Playwright behaviour

    const healed = await healTarget(page, healable, fromRecord?.descriptor, {
      ...(fromRecord && { recorded: fromRecord.aids }),
    });
    // A slow page, not a changed one: the element came while healing looked. The primary wins, and
    // nothing healed (a suggestion of the selector the step already has, or a look-alike, is no help).
    if ((await primary.count()) === 1) {
      if (workflow) await record(primary, target, ctx, workflow);
      return primary;
    }
    const result: HealResult =
      healed.outcome === 'abstained' && imageProblem
        ? { ...healed, reason: `${healed.reason}; tier 3: ${imageProblem}` }
        : healed;
    await report(ctx, target, matches, result);
    if (result.outcome === 'healed' && result.locator) {
      const d = result.descriptor;
      if (d?.xpath)
        job.healed.set(targetKey(target), {
          xpath: d.xpath,
          ...(d.frame && { frame: d.frame }),
          ...(d.deepCss && { deepCss: d.deepCss }),
        });
      if (workflow && result.descriptor) await record(result.locator, target, ctx, workflow, { afterHeal: true });
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
async function followHeal(
  page: Page,
  primary: Locator,
  target: Target,
  healed: ResolveJob['healed'],
): Promise<Locator | undefined> {
  const address = healed.get(targetKey(target));
  if (!address || (await primary.count()) > 0) return undefined;
  return elementLocator(page, address);
}

/**
 * Recorded anchors whose own locator finds exactly one element, standing where it stood when chosen
 * (same relation, within a few pixels): a label text that now names another element is dropped.
 */

/**
 * The API target as the healing module takes it: the image as base64 (read from its ConfigMap when it
 * names one) with its last position and threshold. A ConfigMap that cannot be read leaves the image out
 * and says why.
 */
async function healableOf(
  t: Target,
  namespace: string | undefined,
  readTemplate: HealingResolverOptions['templateImage'],
): Promise<{ healable: HealableTarget; imageProblem?: string }> {
  const { fingerprint, anchor, image, nth: _nth, ...plain } = t;
  const healable: HealableTarget = { ...plain, ...(fingerprint && { fingerprint }), ...(anchor && { anchor }) };
  if (!image) return { healable };
  let png = image.png;
  let imageProblem: string | undefined;
  if (!png && image.configMapKeyRef) {
    const ref = image.configMapKeyRef;
    if (!readTemplate) imageProblem = `image.configMapKeyRef ${ref.name}/${ref.key} cannot be read by this robot`;
    else if (!namespace) imageProblem = `image.configMapKeyRef ${ref.name}/${ref.key} needs the job's namespace`;
    else
      try {
        png = await readTemplate({ namespace, ...ref });
      } catch (err) {
        imageProblem = messageOf(err);
      }
  }
  if (png)
    healable.image = {
      pngBase64: png,
      ...(image.lastBox && { lastKnownBox: image.lastBox }),
      ...(image.threshold !== undefined && { threshold: image.threshold }),
    };
  return { healable, ...(imageProblem && { imageProblem }) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
