import { h } from 'preact';
import { enc, getJson } from '../api.js';
import type { RobotList } from '../types.js';
import { ago, Badge, ErrorBox, fmtTime, Loading, useApp, useData, useLive } from '../ui.js';

export function RobotsPage() {
  const { session } = useApp();
  const list = useData(() => getJson<RobotList>(session, '/robots?all=true'), [session]);
  useLive((e) => e.event === 'job', () => list.reload(), 2000);
  if (!list.data) return list.error ? h(ErrorBox, { error: list.error }) : h(Loading, null);
  return h(
    'div',
    null,
    h('h1', null, 'Robots'),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, ...['Robot', 'Pool', 'Pod', 'State', 'Heartbeat', 'Started', 'Current jobs'].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        null,
        list.data.items.length === 0 ? h('tr', null, h('td', { colSpan: 7, class: 'muted' }, 'No robots')) : null,
        ...list.data.items.map((r) =>
          h(
            'tr',
            { 'data-robot': r.id },
            h('th', { scope: 'row', class: 'mono' }, r.id),
            h('td', null, r.pool),
            h('td', null, r.pod ?? '—'),
            h('td', null, h(Badge, { state: r.state })),
            h('td', { title: fmtTime(r.heartbeatAt) }, ago(r.heartbeatAt)),
            h('td', null, fmtTime(r.startedAt)),
            h('td', null, r.currentJobs.length ? r.currentJobs.map((j, i) => [i ? ', ' : '', h('a', { href: `#/jobs/${enc(j.name)}?uid=${j.uid}` }, j.name)]) : '—'),
          ),
        ),
      ),
    ),
  );
}
