import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, enc, getBlob, getJson, q } from '../api.js';
import type { ArtifactList, JobDetail, Outputs } from '../types.js';
import { Action, Badge, emptyRow, ErrorBox, fmtDuration, fmtTime, Json, Loading, Section, thead, useApp, useData, useLive } from '../ui.js';

function Screenshot({ path }: { path: string }) {
  const { session } = useApp();
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    let u: string | undefined;
    getBlob(session, path).then(
      (b) => setUrl((u = URL.createObjectURL(b))),
      () => setUrl(undefined),
    );
    return () => u && URL.revokeObjectURL(u);
  }, [path]);
  return url ? h('img', { class: 'screenshot', src: url, alt: 'Screenshot of the page when the step failed' }) : h('p', { class: 'muted' }, 'Loading screenshot…');
}

async function download(session: ReturnType<typeof useApp>['session'], path: string, name: string) {
  const blob = await getBlob(session, path);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function JobPage({ name, uid }: { name: string; uid?: string }) {
  const { session, announce } = useApp();
  const byUid = q({ uid });
  const d = useData(() => getJson<JobDetail>(session, `/jobs/${enc(name)}/detail${byUid}`), [session, name, uid]);
  const outputs = useData(() => getJson<Outputs>(session, `/jobs/${enc(name)}/outputs${byUid}`), [session, name, uid]);
  const artifacts = useData(() => getJson<ArtifactList>(session, `/jobs/${enc(name)}/artifacts${byUid}`), [session, name, uid]);
  // The phase from the live event shows at once; the step timeline follows with one read.
  const [live, setLive] = useState<{ phase?: string; currentStep?: string }>({});
  useLive(
    (e) => e.event === 'job' && e.data.name === name,
    (e) => {
      setLive({ phase: e.data.phase as string | undefined, currentStep: e.data.currentStep as string | undefined });
      d.reload();
      outputs.reload();
      artifacts.reload();
    },
    0,
    [name],
  );
  useEffect(() => setLive({}), [name, uid]);
  if (!d.data) return d.error ? h('div', null, h('h1', null, name), h(ErrorBox, { error: d.error })) : h(Loading, null);
  const { job, run, steps, takeovers, healing, workflow } = d.data;
  const status = (job?.status ?? {}) as { phase?: string; currentStep?: string; conditions?: Array<{ type: string; status: string; message?: string }> };
  const phase = live.phase ?? status.phase ?? run.state;
  const suspended = (job?.spec as { suspend?: boolean } | undefined)?.suspend === true;
  const maxMs = Math.max(1, ...steps.map((s) => s.durationMs ?? 0));
  const err = run.error as { message?: string; stepId?: string; code?: string } | undefined;
  const reloadAll = () => d.reload();
  return h(
    'div',
    null,
    h('h1', null, 'Job ', h('span', { class: 'mono' }, name)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Phase'),
      h('dd', { 'data-testid': 'phase' }, h(Badge, { state: phase })),
      h('dt', null, 'Pool'),
      h('dd', null, run.pool),
      h('dt', null, 'Workflow'),
      h('dd', null, workflow ? h('a', { href: `#/workflows/${enc(workflow)}` }, workflow) : 'inline'),
      h('dt', null, 'Robot'),
      h('dd', null, run.robot ?? '—'),
      h('dt', null, 'Attempts'),
      h('dd', null, `${run.attempts} (failed ${run.failedAttempts} of ${run.maxAttempts})`),
      h('dt', null, 'Take-overs'),
      h('dd', null, String(takeovers.count)),
      h('dt', null, 'Current step'),
      h('dd', null, live.currentStep ?? status.currentStep ?? '—'),
      h('dt', null, 'Created'),
      h('dd', null, fmtTime(run.createdAt)),
      h('dt', null, 'Finished'),
      h('dd', null, fmtTime(run.finishedAt)),
      h('dt', null, 'Uid'),
      h('dd', { class: 'mono' }, run.uid),
    ),
    h(
      'div',
      { class: 'actions', role: 'group', 'aria-label': 'Job actions' },
      job && ['Pending', 'Queued', 'Running', 'Suspended', undefined].includes(status.phase)
        ? h(Action, { op: 'cancelJob', label: 'Cancel', danger: true, confirm: `Cancel job ${name}?`, act: () => call(session, 'DELETE', `/jobs/${enc(name)}`), done: reloadAll })
        : null,
      job && !suspended && ['Queued', 'Running', 'Pending'].includes(status.phase ?? '')
        ? h(Action, { op: 'suspendJob', label: 'Suspend', act: () => call(session, 'POST', `/jobs/${enc(name)}/suspend`), done: reloadAll })
        : null,
      job && suspended ? h(Action, { op: 'resumeJob', label: 'Resume', act: () => call(session, 'POST', `/jobs/${enc(name)}/resume`), done: reloadAll }) : null,
      run.state === 'failed'
        ? h(Action, {
            op: 'replayDeadLetter',
            label: 'Retry (new job)',
            act: () => call<{ metadata: { name: string } }>(session, 'POST', `/deadletters/${run.uid}/replay`),
            done: (r) => {
              const n = (r as { metadata: { name: string } }).metadata.name;
              announce(`Created job ${n}`);
              location.hash = `#/jobs/${enc(n)}`;
            },
          })
        : null,
    ),
    err
      ? h(
          Section,
          { title: 'Error' },
          h('p', { class: 'error' }, err.code ? `${err.code}: ` : '', err.message ?? JSON.stringify(err), err.stepId ? ` (step ${err.stepId})` : ''),
          run.hasScreenshot ? h(Screenshot, { path: `/jobs/${enc(name)}/screenshot?uid=${run.uid}` }) : null,
        )
      : null,
    h(
      Section,
      { title: 'Step timeline' },
      h(
        'table',
        { class: 'timeline' },
        thead(['Attempt', 'Step', 'Status', 'Started', 'Duration', '']),
        h(
          'tbody',
          null,
          emptyRow(steps.length, 6, 'No step recorded yet'),
          ...steps.map((s) =>
            h(
              'tr',
              { class: s.afterTakeover ? 'takeover' : '', 'data-step': s.step },
              h('td', { class: 'num' }, String(s.attempt)),
              h('th', { scope: 'row', class: 'mono' }, s.step, s.afterTakeover ? h('span', { class: 'tag', title: 'Another robot took the run over before this step' }, ' take-over') : null),
              h('td', null, h(Badge, { state: s.status }), s.error ? h('div', { class: 'error small' }, s.error) : null),
              h('td', null, fmtTime(s.startedAt)),
              h('td', null, fmtDuration(s.durationMs)),
              h('td', { class: 'barcell', 'aria-hidden': 'true' }, h('span', { class: `bar ${s.status === 'failed' ? 'bad' : 'ok'}`, style: { width: `${(100 * (s.durationMs ?? 0)) / maxMs}%` } })),
            ),
          ),
        ),
      ),
      takeovers.items.length
        ? h(
            'ul',
            { class: 'takeovers', 'aria-label': 'Take-overs' },
            ...takeovers.items.map((t) => h('li', null, `${fmtTime(t.at)}: robot ${t.robot}${t.pod ? ` (pod ${t.pod})` : ''} went away — ${t.reason}; another robot resumed the run`)),
          )
        : null,
    ),
    h(Section, { title: 'Outputs' }, outputs.data ? (outputs.data.outputs ? h(Json, { value: outputs.data.outputs, label: 'Outputs' }) : h('p', { class: 'muted' }, 'No outputs (yet)')) : h(ErrorBox, { error: outputs.error })),
    h(
      Section,
      { title: 'Artifacts' },
      artifacts.data && artifacts.data.items.length
        ? h(
            'ul',
            { class: 'artifacts' },
            ...artifacts.data.items.map((a) =>
              h(
                'li',
                null,
                h('button', { type: 'button', class: 'linkish', onClick: () => void download(session, `/jobs/${enc(name)}/artifacts/${enc(a.name)}?uid=${run.uid}`, a.name) }, `Download ${a.name}`),
                ` ${a.contentType}, ${a.size} bytes, step ${a.stepPath}`,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No artifacts'),
    ),
    h(
      Section,
      { title: 'Healing events' },
      healing.length
        ? h(
            'table',
            null,
            thead(['Step', 'Tier', 'Outcome', 'Chosen selector', 'Score', 'At']),
            h(
              'tbody',
              null,
              ...healing.map((e) =>
                h('tr', null, h('th', { scope: 'row' }, e.stepId), h('td', null, e.tier), h('td', null, e.outcome), h('td', { class: 'mono' }, e.chosenSelector ?? '—'), h('td', null, e.score?.toFixed(2) ?? '—'), h('td', null, fmtTime(e.at))),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No healing in this run'),
    ),
  );
}
