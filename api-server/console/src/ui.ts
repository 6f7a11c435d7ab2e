// Shared pieces of the console: the app context (session, the caller's rights, the live stream), a data
// hook that reloads on live events without a request storm, and small accessible components.
import { createContext, h, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Session } from './api.js';
import type { LiveEvent, LiveStream } from './events.js';

export interface AppContext {
  session: Session;
  /** operationId -> may the caller call it (GET /access). */
  access: Record<string, boolean>;
  /** operationId -> why it is refused (GET /access), for the refused ones. */
  reasons: Record<string, string>;
  live: LiveStream;
  announce: (message: string) => void;
}

export const Ctx = createContext<AppContext>(null as unknown as AppContext);
export const useApp = () => useContext(Ctx);

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  reload: () => void;
}

/** Loads `load()` now and whenever `deps` change; reload() runs it again (one request at a time). */
export function useData<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const busy = useRef(false);
  const again = useRef(false);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    loadRef
      .current()
      .then((data) => setState({ data }), (error: Error) => setState((s) => ({ ...s, error })))
      .finally(() => {
        busy.current = false;
        if (again.current) {
          again.current = false;
          run();
        }
      });
  }, []);
  useEffect(() => {
    setState({});
    run();
  }, deps);
  return { data: state.data, error: state.error, reload: run };
}

/** Calls `on` for live events that `match`; at most once per `minGapMs` (a burst of changes is one reload). */
export function useLive(match: (e: LiveEvent) => boolean, on: (e: LiveEvent) => void, minGapMs = 0, deps: unknown[] = []): void {
  const { live } = useApp();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    let pending: LiveEvent | undefined;
    const fire = () => {
      timer = undefined;
      last = Date.now();
      if (pending) on(pending);
      pending = undefined;
    };
    const off = live.subscribe((e) => {
      if (!match(e)) return;
      pending = e;
      if (minGapMs === 0) return fire();
      if (timer === undefined) timer = setTimeout(fire, Math.max(0, last + minGapMs - Date.now()));
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [live, ...deps]);
}

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const status = error instanceof ApiError ? `${error.status} ${error.reason}: ` : '';
  return h('p', { class: 'error', role: 'alert' }, status + error.message);
}

export function Loading() {
  return h('p', { class: 'muted', 'aria-busy': 'true' }, 'Loading…');
}

const STATE_CLASS: Record<string, string> = {
  succeeded: 'ok',
  Succeeded: 'ok',
  Successful: 'ok',
  alive: 'ok',
  failed: 'bad',
  Failed: 'bad',
  dead: 'bad',
  Abandoned: 'bad',
  running: 'run',
  Running: 'run',
  InProgress: 'run',
  queued: 'wait',
  Queued: 'wait',
  New: 'wait',
  suspended: 'wait',
  Suspended: 'wait',
  draining: 'wait',
  interrupted: 'wait',
  pending: 'wait',
  Pending: 'wait',
  invalid: 'bad',
};

export function Badge({ state }: { state: string | undefined | null }) {
  const s = state ?? 'unknown';
  return h('span', { class: `badge ${STATE_CLASS[s] ?? 'none'}` }, s);
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { hour12: false, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${fmtDuration(Math.max(0, Date.now() - Date.parse(iso)))} ago`;
}

/** A button shown only when the caller may call `op`; runs `act` after an optional confirmation. */
export function Action(props: { op: string; label: string; act: () => Promise<unknown>; confirm?: string; done?: (r: unknown) => void; danger?: boolean }) {
  const { access, announce } = useApp();
  const [busy, setBusy] = useState(false);
  if (!access[props.op]) return null;
  const onClick = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    try {
      const r = await props.act();
      announce(`${props.label}: done`);
      props.done?.(r);
    } catch (err) {
      announce(`${props.label} failed: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return h('button', { type: 'button', class: props.danger ? 'danger' : '', disabled: busy, onClick, 'data-op': props.op }, busy ? `${props.label}…` : props.label);
}

export function Section({ title, children, id }: { title: string; children?: ComponentChildren; id?: string }) {
  const hid = id ?? `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { 'aria-labelledby': hid }, h('h2', { id: hid }, title), children);
}

export function Json({ value, label }: { value: unknown; label: string }) {
  return h('pre', { class: 'json', 'aria-label': label, tabIndex: 0 }, JSON.stringify(value, null, 2));
}

export const link = (href: string, text: string) => h('a', { href }, text);

/** A table head of column names. */
export const thead = (cols: readonly string[]) => h('thead', null, h('tr', null, ...cols.map((c) => h('th', { scope: 'col' }, c))));

/** The one row of an empty table body (`cols` wide), or null when there are rows. */
export const emptyRow = (n: number, cols: number, text: string) => (n === 0 ? h('tr', null, h('td', { colSpan: cols, class: 'muted' }, text)) : null);

/** What a page shows while its data load: the error, or a loading line. */
export const pending = (l: Loaded<unknown>) => (l.error ? h(ErrorBox, { error: l.error }) : h(Loading, null));
