import { h } from 'preact';
import { getJson } from '../api.js';
import { TimeChart } from '../chart.js';
import type { Overview } from '../types.js';
import { emptyRow, ErrorBox, pending, Section, thead, useApp, useData, useLive } from '../ui.js';

export function OverviewPage() {
  const { session } = useApp();
  const o = useData(() => getJson<Overview>(session, '/overview'), [session]);
  // Live: job changes reload the aggregate, at most once every 2 s however many jobs change.
  useLive((e) => e.event === 'job' || e.event === 'item', () => o.reload(), 2000);
  if (!o.data) return pending(o);
  const d = o.data;
  const times = d.queueSeries[0]?.at ?? [];
  const maxOutcome = Math.max(1, ...d.outcomes.map((x) => x.succeeded + x.failed + x.cancelled));
  return h(
    'div',
    null,
    h('h1', null, 'Overview'),
    h(ErrorBox, { error: o.error }),
    h(
      'div',
      { class: 'cards' },
      h('div', { class: `card ${d.sla.deadlineBreaches ? 'warn' : ''}` }, h('span', { class: 'big' }, String(d.sla.deadlineBreaches)), ' jobs past their deadline (24 h)'),
      h('div', { class: `card ${d.sla.queueBreaches ? 'warn' : ''}` }, h('span', { class: 'big' }, String(d.sla.queueBreaches)), ' queue items past their SLA'),
    ),
    h(
      Section,
      { title: 'Pools' },
      h(
        'table',
        null,
        thead(['Pool', 'Desired', 'Ready', 'Robots', 'Busy', 'Queued', 'Running']),
        h(
          'tbody',
          null,
          emptyRow(d.pools.length, 7, 'No pools yet'),
          ...d.pools.map((p) =>
            h('tr', { 'data-pool': p.pool }, h('th', { scope: 'row' }, p.pool), ...[p.desired ?? '—', p.ready ?? '—', p.robots, p.busy, p.queued, p.running].map((v) => h('td', { class: 'num' }, String(v)))),
          ),
        ),
      ),
    ),
    h(
      Section,
      { title: 'Queue over the last hour' },
      times.length === 0
        ? h('p', { class: 'muted' }, 'No jobs in the last hour')
        : h(
            'div',
            { class: 'charts' },
            h(TimeChart, { title: 'Jobs waiting', unit: 'jobs', times, series: d.queueSeries.map((s) => ({ label: s.pool, values: s.depth })) }),
            h(TimeChart, { title: 'Oldest waiting job', unit: 's', times, series: d.queueSeries.map((s) => ({ label: s.pool, values: s.oldestAgeSeconds })) }),
          ),
    ),
    h(
      Section,
      { title: 'Job outcomes per hour' },
      d.outcomes.length === 0
        ? h('p', { class: 'muted' }, 'No finished jobs in the last 24 hours')
        : h(
            'table',
            { class: 'outcomes' },
            thead(['Hour', 'Succeeded', 'Failed', 'Cancelled', 'Share']),
            h(
              'tbody',
              null,
              ...d.outcomes.map((x) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, new Date(x.hour).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false })),
                  h('td', { class: 'num' }, String(x.succeeded)),
                  h('td', { class: 'num' }, String(x.failed)),
                  h('td', { class: 'num' }, String(x.cancelled)),
                  h(
                    'td',
                    { 'aria-hidden': 'true', class: 'barcell' },
                    h('span', { class: 'bar ok', style: { width: `${(100 * x.succeeded) / maxOutcome}%` } }),
                    h('span', { class: 'bar bad', style: { width: `${(100 * x.failed) / maxOutcome}%` } }),
                    h('span', { class: 'bar none', style: { width: `${(100 * x.cancelled) / maxOutcome}%` } }),
                  ),
                ),
              ),
            ),
          ),
    ),
  );
}
