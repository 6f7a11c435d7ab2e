import { h } from 'preact';
import { call, enc, getJson, q } from '../api.js';
import type { WorkflowDetail, WorkflowSummaryList } from '../types.js';
import { Action, emptyRow, ErrorBox, Json, Loading, pending, Section, thead, useApp, useData } from '../ui.js';
import { RunsTable } from './jobs.js';

export function WorkflowsPage() {
  const { session } = useApp();
  const list = useData(() => getJson<WorkflowSummaryList>(session, '/workflows'), [session]);
  if (!list.data) return pending(list);
  return h(
    'div',
    null,
    h('h1', null, 'Workflows'),
    h(
      'table',
      null,
      thead(['Workflow', 'Ready', 'Steps', 'Healing suggestions', 'Description']),
      h(
        'tbody',
        null,
        emptyRow(list.data.items.length, 5, 'No workflows'),
        ...list.data.items.map((w) =>
          h(
            'tr',
            { 'data-workflow': w.name },
            h('th', { scope: 'row' }, h('a', { href: `#/workflows/${enc(w.name)}` }, w.name)),
            h('td', null, w.ready === null ? '—' : w.ready ? 'yes' : 'no'),
            h('td', { class: 'num' }, String(w.stepCount ?? '—')),
            h('td', { class: 'num' }, w.suggestions ? h('strong', null, String(w.suggestions)) : '0'),
            h('td', null, w.description ?? ''),
          ),
        ),
      ),
    ),
  );
}

/** A two-column diff of the step's target: what it is, what the suggestion makes it. */
function Diff({ before, after }: { before: unknown; after: unknown }) {
  const lines = (v: unknown) => JSON.stringify(v, null, 2)?.split('\n') ?? ['(none)'];
  return h(
    'div',
    { class: 'diff' },
    h('div', null, h('h4', null, 'Now'), h('pre', { class: 'del', 'aria-label': 'Current target' }, lines(before).map((l) => `- ${l}`).join('\n'))),
    h('div', null, h('h4', null, 'Suggested'), h('pre', { class: 'add', 'aria-label': 'Suggested target' }, lines(after).map((l) => `+ ${l}`).join('\n'))),
  );
}

export function WorkflowPage({ name }: { name: string }) {
  const { session, access, reasons } = useApp();
  const d = useData(() => getJson<WorkflowDetail>(session, `/workflows/${enc(name)}`), [session, name]);
  if (!d.data) return d.error ? h('div', null, h('h1', null, name), h(ErrorBox, { error: d.error })) : h(Loading, null);
  const { workflow, suggestions, recentRuns } = d.data;
  return h(
    'div',
    null,
    h('h1', null, 'Workflow ', h('span', { class: 'mono' }, name)),
    h(
      Section,
      { title: 'Healing suggestions' },
      suggestions.length > 0 && !access.applySuggestion && reasons.applySuggestion ? h('p', { class: 'muted', 'data-testid': 'apply-refused' }, `Apply suggestion is not offered: ${reasons.applySuggestion}`) : null,
      suggestions.length === 0
        ? h('p', { class: 'muted' }, 'No suggestions: every step target held')
        : h(
            'ul',
            { class: 'suggestions' },
            ...suggestions.map((s) =>
              h(
                'li',
                { 'data-suggestion': s.stepId },
                h('h3', null, `Step ${s.stepId}`, h('span', { class: 'muted' }, ` — ${s.field}, score ${s.score.toFixed(2)}${s.count ? `, healed ${s.count}×` : ''}${s.tier ? `, tier ${s.tier}` : ''}`)),
                s.message ? h('p', null, s.message) : null,
                h(Diff, { before: s.before, after: s.after }),
                s.problem
                  ? h('p', { class: 'error' }, s.problem)
                  : h(Action, {
                      op: 'applySuggestion',
                      label: 'Apply suggestion',
                      confirm: `Change step ${s.stepId} of ${name} to the suggested target?`,
                      act: () => call(session, 'POST', `/workflows/${enc(name)}/suggestions/${enc(s.stepId)}/apply${q({ field: s.field === 'target' ? undefined : s.field })}`),
                      done: d.reload,
                    }),
              ),
            ),
          ),
    ),
    h(Section, { title: 'Recent runs' }, h(RunsTable, { runs: recentRuns, caption: `Recent runs of ${name}` })),
    h(Section, { title: 'Definition' }, h(Json, { value: workflow.spec, label: 'Workflow definition' })),
  );
}
