// Signing in from a link a command printed: `kubectl aether ui` opens #signin=<key>&namespace=<ns> (its
// proxy's key, used as the bearer token); `aether run --ui` adds &job=<name> and its key works once: it
// is exchanged at /api/local/session for a session token of this tab. Either way the key leaves the URL
// at once, so nothing usable stays in the address bar or the history.
import { saveSession } from './api.js';

const LINK = /^#signin=([A-Za-z0-9_-]+)&namespace=([^&]+)(?:&job=([^&]+))?$/;

/** Signs in from the URL's fragment when it holds a sign-in link; resolves to why that failed, if it did. */
export async function signInFromUrl(): Promise<string | undefined> {
  const m = LINK.exec(location.hash);
  if (!m) return;
  const [, key, ns, job] = m as unknown as [string, string, string, string | undefined];
  const namespace = decodeURIComponent(ns);
  history.replaceState(null, '', `${location.pathname}${location.search}#${job ? `/jobs/${job}` : '/overview'}`);
  if (!job) return void saveSession({ token: key, namespace });
  const res = await fetch(`${location.origin}/api/local/session`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' } });
  if (!res.ok) return ((await res.json().catch(() => ({}))) as { message?: string }).message ?? `sign-in failed (${res.status})`;
  const body = (await res.json()) as { token: string; namespace: string };
  saveSession({ token: body.token, namespace: body.namespace });
  return undefined;
}
