// The file steps (issue 16). download: waits for the download its trigger starts (a click on `target`,
// or a navigation to `url`, which the egress guard checks like a goto; the browser's own requests are
// routed through the guard as always) and stores the file as a job artifact. upload: sets a file input
// from an artifact of this job, a ConfigMap key of its namespace, or inline content.
import type { Download, Locator, Page } from 'playwright-core';
import type { Target } from '../../../api/v1alpha1/target.js';
import { artifactNameProblem, type ArtifactSummary } from '../../../api/v1alpha1/artifacts.js';
import type { LeafStep } from '../../../api/v1alpha1/workflow.js';
import { contentTypeOf } from '../artifacts/content-type.js';
import type { StepFiles } from '../artifacts/store.js';
import { loggableUrl } from '../egress/decide.js';
import type { EgressGuard } from '../egress/guard.js';

/** What the file steps use of the action context (actions.ts ActionContext). */
interface ActionContext {
  page(): Promise<Page>;
  locate(target: Target): Promise<Locator>;
  render(src: string): Promise<unknown>;
  egress: Pick<EgressGuard, 'check'>;
  timeoutMs: number;
  files?: StepFiles;
  /** Credential slots a template reads. */
  credentialSlots(src: string): string[];
}

interface ActionResult {
  output: unknown;
  browser: boolean;
}

type DownloadStep = Extract<LeafStep, { action: 'download' }>;
type UploadStep = Extract<LeafStep, { action: 'upload' }>;

function filesOf(ctx: ActionContext): StepFiles {
  if (!ctx.files) throw new Error('this robot has no artifact store: download and upload steps cannot run');
  return ctx.files;
}

/** Credentials never go into a file or its name: no Secret scope covers a file handed to a page or stored. */
function refuseCredentials(src: string, field: string, ctx: ActionContext): void {
  const slots = ctx.credentialSlots(src);
  if (slots.length > 0) throw new Error(`${field} may not use credentials (it reads ${slots.join(', ')})`);
}

async function artifactName(src: string, ctx: ActionContext): Promise<string> {
  refuseCredentials(src, 'an artifact name', ctx);
  const v = await ctx.render(src);
  const name = typeof v === 'string' ? v : JSON.stringify(v);
  const problem = artifactNameProblem(name);
  if (problem) throw new Error(problem);
  return name;
}

export async function downloadAction(step: DownloadStep, ctx: ActionContext): Promise<ActionResult> {
  const files = filesOf(ctx);
  const name = await artifactName(step.artifact, ctx);
  // Resumed after a crash between storing and checkpointing: the file is there, do not fetch it again.
  const stored = await files.stored(name);
  if (stored) return { output: stored, browser: false };
  const page = await ctx.page();
  const download = await triggerDownload(step, page, ctx);
  try {
    const summary: ArtifactSummary = await files.store({
      name,
      contentType: contentTypeOf(download.suggestedFilename()),
      stream: await download.createReadStream(),
    });
    return { output: summary, browser: true };
  } finally {
    await download.delete().catch(() => undefined);
  }
}

/** Starts the trigger and waits for the download it causes (a navigation that becomes one is aborted by the browser). */
async function triggerDownload(step: DownloadStep, page: Page, ctx: ActionContext): Promise<Download> {
  // Everything that may refuse (locating, rendering, the egress check) before the wait begins.
  let trigger: () => Promise<unknown>;
  let url: string | undefined;
  if (step.target) {
    const loc = await ctx.locate(step.target);
    trigger = () => loc.click({ timeout: ctx.timeoutMs });
  } else {
    const rendered = await ctx.render(step.url!);
    const to = typeof rendered === 'string' ? rendered : String(rendered);
    await ctx.egress.check(to, 'navigation');
    url = to;
    trigger = () => page.goto(to, { timeout: ctx.timeoutMs });
  }
  const waiting = page.waitForEvent('download', { timeout: ctx.timeoutMs });
  const triggered = trigger();
  // A goto that turns into a download rejects ("Download is starting" / net::ERR_ABORTED): the event decides.
  const triggerError = triggered.then(
    () => undefined,
    (err: unknown) => err,
  );
  try {
    return await waiting;
  } catch (err) {
    const cause = await triggerError;
    const what = url !== undefined ? `opening ${loggableUrl(url)}` : 'the click';
    throw new Error(`${what} started no download within ${ctx.timeoutMs} ms${cause instanceof Error ? `: ${cause.message.split('\n')[0]}` : ''}`, { cause: err });
  }
}

export async function uploadAction(step: UploadStep, ctx: ActionContext): Promise<ActionResult> {
  const file = await uploadPayload(step.file, ctx);
  await (await ctx.locate(step.target)).setInputFiles(file, { timeout: ctx.timeoutMs });
  return { output: { name: file.name, size: file.buffer.length, contentType: file.mimeType }, browser: true };
}

async function uploadPayload(f: UploadStep['file'], ctx: ActionContext): Promise<{ name: string; mimeType: string; buffer: Buffer }> {
  const named = (fallback: string, buffer: Buffer, contentType?: string) => {
    const name = f.name ?? fallback;
    return { name, mimeType: f.contentType ?? contentType ?? contentTypeOf(name), buffer };
  };
  if (f.artifact !== undefined) {
    const a = await filesOf(ctx).read(await artifactName(f.artifact, ctx));
    return named(a.name, a.content, a.contentType);
  }
  if (f.configMapKeyRef) {
    const read = filesOf(ctx).configMapFile;
    if (!read) throw new Error('this robot cannot read ConfigMaps: upload from configMapKeyRef is not available here');
    return named(f.configMapKeyRef.key, await read(f.configMapKeyRef));
  }
  refuseCredentials(f.content ?? '', 'upload content', ctx);
  const v = await ctx.render(f.content ?? '');
  return named('upload.txt', Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8'));
}
