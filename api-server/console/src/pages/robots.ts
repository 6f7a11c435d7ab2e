import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { enc, getJson } from '../api.js';
import type { RobotList } from '../types.js';
import { ago, Badge, emptyRow, fmtTime, pending, thead, useApp, useData, useLive } from '../ui.js';

export function RobotsPage() {
  const { session } = useApp();
  const list = useData(() => getJson<RobotList>(session, '/robots?all=true'), [session]);
  // Heartbeat ages move on between reads: draw again every 5 s (no request).
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  // A robot registered or changed state, or a job event names a robot (its current job changed).
  useLive((e) => e.event === 'robot' || (e.event === 'job' && typeof e.data.robot === 'string'), () => list.reload(), 1000);
  if (!list.data) return pending(list);
  return h(
    'div',
    null,
    h('h1', null, 'Robots'),
    h(
      'table',
      null,
      thead(['Robot', 'Pool', 'Pod', 'State', 'Heartbeat', 'Version', 'Restarts', 'Started', 'Current jobs']),
      h(
        'tbody',
        null,
        emptyRow(list.data.items.length, 9, 'No robots'),
        ...list.data.items.map((r) =>
          h(
            'tr',
            { 'data-robot': r.id },
            h('th', { scope: 'row', class: 'mono' }, r.id),
            h('td', null, r.pool),
            h('td', null, r.pod ?? '—'),
            h('td', null, h(Badge, { state: r.state })),
            h('td', { title: fmtTime(r.heartbeatAt), 'data-col': 'heartbeat' }, ago(r.heartbeatAt)),
            h('td', { class: 'mono', 'data-col': 'version' }, r.version ?? '—'),
            h('td', { 'data-col': 'restarts' }, String(r.restarts)),
            h('td', null, fmtTime(r.startedAt)),
            h('td', null, r.currentJobs.length ? r.currentJobs.map((j, i) => [i ? ', ' : '', h('a', { href: `#/jobs/${enc(j.name)}?uid=${j.uid}` }, j.name)]) : '—'),
          ),
        ),
      ),
    ),
  );
}
