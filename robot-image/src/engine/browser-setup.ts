// What a job's browser context is opened with, and what each step's dialogs are answered with.
// HTTP authentication reads its credential slot only after the Secret's scope allowed it to be sent
// (as a header) to the configured origin; its values reach Playwright only, never a log or checkpoint.
// A prompt answer may not carry a credential: a dialog has no URL scope to check it against.
import type { BrowserContextOptions } from 'playwright-core';
import type { DialogPolicy } from '../../../api/v1alpha1/step-base.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { contextOptions } from '../browser/context-options.js';
import type { DialogAnswer } from '../browser/dialogs.js';
import type { UseCheck } from '../credscope/enforce.js';
import { credentialSlotsOfTemplate, type CredentialVault } from './scope.js';

export interface SetupDeps {
  vault: CredentialVault;
  authorize(c: Omit<UseCheck, 'step'>): Promise<void>;
}

export async function jobContextOptions(workflow: WorkflowSpec, deps: SetupDeps): Promise<BrowserContextOptions> {
  const http = workflow.browser?.httpCredentials;
  if (!http) return contextOptions(workflow.browser);
  await deps.authorize({ slots: [http.slot], usage: 'header', url: http.origin + '/' });
  const values = (await deps.vault.slots([http.slot]))[http.slot] ?? {};
  const username = values[http.usernameKey ?? 'username'];
  const password = values[http.passwordKey ?? 'password'];
  if (username === undefined || password === undefined)
    throw new Error(`credential slot ${http.slot} has no ${http.usernameKey ?? 'username'} or ${http.passwordKey ?? 'password'} key`);
  return contextOptions(workflow.browser, { username, password });
}

/** The step's dialog policy over the workflow's (default: dismiss), with the prompt answer rendered. */
export async function dialogAnswer(
  step: DialogPolicy | undefined,
  workflow: DialogPolicy | undefined,
  render: (src: string) => Promise<unknown>,
): Promise<DialogAnswer> {
  const policy = step ?? workflow;
  if (!policy) return { action: 'dismiss' };
  if (policy.promptText === undefined) return { action: policy.action };
  if (credentialSlotsOfTemplate(policy.promptText).length > 0)
    throw new Error('dialogs.promptText may not use credentials (a dialog has no URL their scope could allow)');
  const v = await render(policy.promptText);
  return { action: policy.action, promptText: typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v) };
}
