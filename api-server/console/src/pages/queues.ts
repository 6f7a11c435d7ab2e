import { h } from 'preact';
import { useState } from 'preact/hooks';
import { call, enc, getJson, q } from '../api.js';
import type { ItemList, QueueSummaryList } from '../types.js';
import { Action, ago, Badge, emptyRow, ErrorBox, fmtTime, Loading, pending, thead, useApp, useData, useLive } from '../ui.js';

export function QueuesPage() {
  const { session } = useApp();
  const list = useData(() => getJson<QueueSummaryList>(session, '/queues'), [session]);
  useLive((e) => e.event === 'item', () => list.reload(), 1000);
  if (!list.data) return pending(list);
  return h(
    'div',
    null,
    h('h1', null, 'Queues'),
    h(
      'table',
      null,
      thead(['Queue', 'Pool', 'New', 'In progress', 'Successful', 'Failed', 'Abandoned', 'Oldest new', 'SLA', 'Past SLA']),
      h(
        'tbody',
        null,
        emptyRow(list.data.items.length, 10, 'No queues'),
        ...list.data.items.map((x) =>
          h(
            'tr',
            { 'data-queue': x.queue },
            h('th', { scope: 'row' }, h('a', { href: `#/queues/${enc(x.queue)}` }, x.queue)),
            h('td', null, x.pool),
            ...[x.counts.New, x.counts.InProgress, x.counts.Successful, x.counts.Failed, x.counts.Abandoned].map((n) => h('td', { class: 'num' }, String(n))),
            h('td', null, ago(x.oldestNewAt)),
            h('td', null, x.slaSeconds ? `${x.slaSeconds} s` : '—'),
            h('td', { class: `num ${x.slaBreaches ? 'warn-text' : ''}` }, String(x.slaBreaches)),
          ),
        ),
      ),
    ),
  );
}

const STATUSES = ['', 'New', 'InProgress', 'Successful', 'Failed', 'Abandoned', 'Deleted'];

export function QueuePage({ queue }: { queue: string }) {
  const { session } = useApp();
  const [status, setStatus] = useState('');
  const [after, setAfter] = useState<string[]>([]);
  const items = useData(() => getJson<ItemList>(session, `/queues/${enc(queue)}/items${q({ status, after: after.at(-1), limit: 50 })}`), [session, queue, status, after.at(-1)]);
  useLive((e) => e.event === 'item' && e.data.queue === queue, () => items.reload(), 1000, [queue]);
  const path = (id: string) => `/queues/${enc(queue)}/items/${enc(id)}`;
  return h(
    'div',
    null,
    h('h1', null, 'Queue ', h('span', { class: 'mono' }, queue)),
    h(
      'div',
      { class: 'filters' },
      h(
        'label',
        null,
        'Status',
        h(
          'select',
          { value: status, onChange: (e: Event) => (setAfter([]), setStatus((e.target as HTMLSelectElement).value)) },
          ...STATUSES.map((s) => h('option', { value: s }, s || 'any')),
        ),
      ),
    ),
    h(ErrorBox, { error: items.error }),
    !items.data
      ? h(Loading, null)
      : h(
          'table',
          null,
          thead(['Id', 'Reference', 'Status', 'Retries', 'Robot', 'Created', 'Error', 'Actions']),
          h(
            'tbody',
            null,
            emptyRow(items.data.items.length, 8, 'No items'),
            ...items.data.items.map((i) =>
              h(
                'tr',
                { 'data-item': i.id },
                h('th', { scope: 'row' }, i.id),
                h('td', null, i.reference ?? '—'),
                h('td', null, h(Badge, { state: i.status })),
                h('td', { class: 'num' }, String(i.retries)),
                h('td', null, i.robot ?? '—'),
                h('td', null, fmtTime(i.createdAt)),
                h('td', { class: 'small' }, i.error ? `${i.error.kind}: ${i.error.message}` : ''),
                h(
                  'td',
                  null,
                  i.status === 'Failed' || i.status === 'Abandoned'
                    ? h(Action, { op: 'retryQueueItem', label: 'Retry', act: () => call(session, 'POST', `${path(i.id)}/retry`), done: items.reload })
                    : null,
                  i.status !== 'InProgress' && i.status !== 'Deleted'
                    ? h(Action, { op: 'deleteQueueItem', label: 'Delete', danger: true, confirm: `Delete item ${i.id}?`, act: () => call(session, 'DELETE', path(i.id)), done: items.reload })
                    : null,
                ),
              ),
            ),
          ),
        ),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', disabled: after.length === 0, onClick: () => setAfter([]) }, 'First'),
      h('button', { type: 'button', disabled: !items.data?.next, onClick: () => items.data?.next && setAfter([...after, items.data.next]) }, 'Next'),
    ),
  );
}
