// The console's calls to the Aether API server: the caller's Kubernetes token (kept in sessionStorage for
// this tab only) as a bearer token on every request. Errors carry the server's status and reason.
const TOKEN = 'aether.token';
const NAMESPACE = 'aether.namespace';

export interface Session {
  token: string;
  namespace: string;
}

export function loadSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN);
  const namespace = sessionStorage.getItem(NAMESPACE);
  return token && namespace ? { token, namespace } : null;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(TOKEN, s.token);
  sessionStorage.setItem(NAMESPACE, s.namespace);
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(NAMESPACE);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The API base: the page's origin (the API server, or `aether ui`'s proxy, serves the console). */
const base = () => `${location.origin}/api/v1/namespaces/`;

export function nsUrl(s: Session, path: string): string {
  return `${base()}${encodeURIComponent(s.namespace)}${path}`;
}

async function send(s: Session, method: string, path: string): Promise<Response> {
  const res = await fetch(nsUrl(s, path), { method, headers: { Authorization: `Bearer ${s.token}`, Accept: 'application/json' } });
  if (!res.ok) {
    let reason = 'Error';
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { reason?: string; message?: string };
      reason = body.reason ?? reason;
      message = body.message ?? message;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, reason, message);
  }
  return res;
}

export async function getJson<T>(s: Session, path: string): Promise<T> {
  return (await (await send(s, 'GET', path)).json()) as T;
}

export async function call<T>(s: Session, method: 'POST' | 'DELETE', path: string): Promise<T> {
  return (await (await send(s, method, path)).json()) as T;
}

export async function getBlob(s: Session, path: string): Promise<Blob> {
  return (await send(s, 'GET', path)).blob();
}

export const q = (params: Record<string, string | number | undefined>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};

export const enc = encodeURIComponent;
