// An Aether workflow written against Node-RED 1.3.7's editor, which finds three main-menu entries by
// their whole text; Node-RED 4.x appends each entry's keyboard shortcut to that text, so those steps
// must heal on 4.1.15. Shared by heal-node-red.e2e.test.ts (engine in process) and
// e2e/healing-status/heal-node-red-status.e2e.test.ts (RpaWorkflow, operator and robot process).
import type { Page } from 'playwright-core';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';

/** A main-menu entry found by its whole text. */
const menuEntry = (text: string) =>
  `//ul[contains(@class, "red-ui-menu-dropdown")]//a[normalize-space(.)="${text}"]`;

/** The steps that heal on 4.1.15 and the element id of their element in both versions (its stable identity). */
export const NODE_RED_HEALED_STEPS: Readonly<Record<string, string>> = {
  searchEntry: 'menu-item-search',
  exportEntry: 'menu-item-export',
  importEntry: 'menu-item-import',
};

export const NODE_RED_WORKFLOW: WorkflowSpec = {
  params: [{ name: 'url', type: 'string', required: true }],
  // Generous: a loaded machine (Chromium, two Node-RED servers) is slow, never a reason to fail.
  timeouts: { stepSeconds: 30 },
  steps: [
    { id: 'open', action: 'goto', url: '{{ params.url }}/', waitUntil: 'networkidle' },
    { id: 'ready', action: 'waitFor', target: { css: 'g.red-ui-flow-node-group' } },
    { id: 'openMenu', action: 'click', target: { css: '#red-ui-header-button-sidemenu' } },
    { id: 'searchEntry', action: 'waitFor', target: { xpath: menuEntry('Search flows') } },
    { id: 'exportEntry', action: 'waitFor', target: { xpath: menuEntry('Export') } },
    { id: 'importEntry', action: 'click', target: { xpath: menuEntry('Import') } },
    { id: 'dialog', action: 'waitFor', target: { css: '#red-ui-clipboard-dialog' } },
    // Last: the workspace tabs render after the flow's nodes, and a target missing for 3 s heals.
    { id: 'flowName', action: 'extractText', target: { css: '#red-ui-tab-tab1 .red-ui-tab-label' } },
  ],
} as WorkflowSpec;

/** Open the editor at `baseUrl` with its main menu showing, where the healed steps' elements are. */
export async function openMainMenu(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle' });
  await page.click('#red-ui-header-button-sidemenu');
}

/** The stable identity (menu entry id) of the element a locator's single match is in, or null. */
export const menuEntryId = (el: Element): string | null => el.closest('[id^="menu-item-"]')?.id ?? null;
