// Rules of a workflow spec about its browser settings (kept out of workflow.ts).
import type { BrowserSettings } from './browser-settings.js';

interface WorkflowLike {
  credentials?: Array<{ name: string; keys: string[] }> | undefined;
  browser?: BrowserSettings | undefined;
}

export const browserSettingsRules = [
  {
    cel: '!has(self.browser) || !has(self.browser.httpCredentials) || (has(self.credentials) && self.credentials.exists(c, c.name == self.browser.httpCredentials.slot))',
    message: 'browser.httpCredentials.slot must name a credential slot of the workflow',
    fieldPath: '.browser.httpCredentials.slot',
    holds: (w: WorkflowLike) => {
      const h = w.browser?.httpCredentials;
      return !h || (w.credentials ?? []).some((c) => c.name === h.slot);
    },
  },
  {
    // zod only: CEL would have to join two lists; the slot rule above already names the slot.
    message: "browser.httpCredentials: the slot's keys must include its usernameKey and passwordKey",
    fieldPath: '.browser.httpCredentials',
    holds: (w: WorkflowLike) => {
      const h = w.browser?.httpCredentials;
      const slot = h && (w.credentials ?? []).find((c) => c.name === h.slot);
      return !slot || [h.usernameKey ?? 'username', h.passwordKey ?? 'password'].every((k) => slot.keys.includes(k));
    },
  },
];
