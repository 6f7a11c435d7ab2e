import { h, type ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { enc, getJson, q } from '../api.js';
import type { RunPage, RunSummary } from '../types.js';
import { Badge, emptyRow, ErrorBox, fmtDuration, fmtTime, Loading, thead, useApp, useData, useLive } from '../ui.js';

const STATES = ['', 'pending', 'invalid', 'queued', 'running', 'suspended', 'succeeded', 'failed', 'cancelled'];

export interface JobFilter {
  state: string;
  pool: string;
  workflow: string;
  since: string;
}

const duration = (r: RunSummary) => (r.startedAt ? (r.finishedAt ? Date.parse(r.finishedAt) : Date.now()) - Date.parse(r.startedAt) : null);

export function RunsTable({ runs, caption }: { runs: RunSummary[]; caption: string }) {
  return h(
    'table',
    { class: 'runs' },
    h('caption', { class: 'sr-only' }, caption),
    thead(['Job', 'State', 'Pool', 'Workflow', 'Attempts', 'Take-overs', 'Robot', 'Created', 'Duration']),
    h(
      'tbody',
      null,
      emptyRow(runs.length, 9, 'No jobs match'),
      ...runs.map((r) =>
        h(
          'tr',
          { 'data-job': r.name, key: r.uid },
          h('th', { scope: 'row' }, h('a', { href: `#/jobs/${enc(r.name)}?uid=${r.uid}` }, r.name)),
          // A job without a run says why it is not queued (its False condition).
          h('td', null, h(Badge, { state: r.state }), (r.state === 'pending' || r.state === 'invalid') && r.error ? h('div', { class: 'error small' }, r.error) : null),
          h('td', null, r.pool),
          h('td', null, r.workflow ? h('a', { href: `#/workflows/${enc(r.workflow)}` }, r.workflow) : '—'),
          h('td', { class: 'num' }, String(r.attempts)),
          h('td', { class: 'num' }, r.takeovers ? h('strong', null, String(r.takeovers)) : '0'),
          h('td', null, r.robot ?? '—'),
          h('td', null, fmtTime(r.createdAt)),
          h('td', null, fmtDuration(duration(r))),
        ),
      ),
    ),
  );
}

export function JobsPage() {
  const { session } = useApp();
  const [filter, setFilter] = useState<JobFilter>({ state: '', pool: '', workflow: '', since: '' });
  const [draft, setDraft] = useState<JobFilter>(filter);
  const [cursors, setCursors] = useState<string[]>([]);
  const before = cursors.at(-1);
  const page = useData(
    () =>
      getJson<RunPage>(
        session,
        `/runs${q({ state: filter.state, pool: filter.pool, workflow: filter.workflow, since: filter.since ? new Date(filter.since).toISOString() : undefined, before, limit: 50 })}`,
      ),
    [session, filter, before],
  );
  // Live: the newest page follows job changes (at most every 500 ms); older pages stay put while read.
  // The newest page takes every job event (new jobs land there); a later page re-reads its window when an
  // event is about a job it shows.
  const shown = useRef(new Set<string>());
  shown.current = new Set(page.data?.items.map((r) => r.uid) ?? []);
  useLive((e) => e.event === 'job' && (before === undefined || shown.current.has(e.data.uid as string)), () => page.reload(), 500, [before]);
  const field = (label: string, input: ComponentChildren) => h('label', null, label, input);
  const set = (k: keyof JobFilter) => (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });
  return h(
    'div',
    null,
    h('h1', null, 'Jobs'),
    h(
      'form',
      {
        class: 'filters',
        role: 'search',
        'aria-label': 'Filter jobs',
        onSubmit: (e: Event) => {
          e.preventDefault();
          setCursors([]);
          setFilter(draft);
        },
      },
      field('State', h('select', { name: 'state', value: draft.state, onChange: set('state') }, ...STATES.map((s) => h('option', { value: s }, s || 'any')))),
      field('Pool', h('input', { name: 'pool', value: draft.pool, onInput: set('pool'), placeholder: 'any' })),
      field('Workflow', h('input', { name: 'workflow', value: draft.workflow, onInput: set('workflow'), placeholder: 'any' })),
      field('Created since', h('input', { name: 'since', type: 'datetime-local', value: draft.since, onInput: set('since') })),
      h('button', { type: 'submit' }, 'Apply filters'),
    ),
    h(ErrorBox, { error: page.error }),
    page.data ? h(RunsTable, { runs: page.data.items, caption: 'Jobs, newest first' }) : h(Loading, null),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', disabled: cursors.length === 0, onClick: () => setCursors([]) }, 'Newest'),
      h('button', { type: 'button', disabled: cursors.length === 0, onClick: () => setCursors(cursors.slice(0, -1)) }, 'Newer'),
      h('button', { type: 'button', disabled: !page.data?.next, onClick: () => page.data?.next && setCursors([...cursors, page.data.next]) }, 'Older'),
    ),
  );
}
