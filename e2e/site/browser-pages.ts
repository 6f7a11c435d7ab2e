// Pages of the test site for browser actions (issue 16): hover/check/attributes, waits and scrolling,
// dialogs, tabs, frames (same- and cross-origin), span tables and ARIA grids, and pages that show what
// the browser sent (settings, HTTP basic authentication). Public: no session needed.
import type { IncomingMessage } from 'node:http';
import { escapeHtml, layout } from './html.js';

export interface BrowserPageAnswer {
  status: number;
  /** HTML, or a JSON value for /browser/api/*. */
  html?: string;
  json?: unknown;
  headers?: Record<string, string>;
}

/** The user and password /browser/basic asks for. */
export const BASIC_USER = { username: 'basic-bob', password: 'b4sic-Pa55!' };

/** The same site on another origin: `localhost` instead of `127.0.0.1` (same port). */
export function otherOrigin(req: IncomingMessage): string {
  const host = req.headers.host ?? '127.0.0.1';
  const port = host.includes(':') ? host.slice(host.lastIndexOf(':')) : '';
  const name = host.startsWith('localhost') ? '127.0.0.1' : 'localhost';
  return `http://${name}${port}`;
}

export function browserPage(req: IncomingMessage, u: URL): BrowserPageAnswer | undefined {
  const q = u.searchParams;
  switch (u.pathname) {
    case '/browser/controls':
      return ok(layout('Controls', CONTROLS));
    case '/browser/waits':
      return ok(layout('Waits', WAITS));
    case '/browser/dialogs':
      return ok(layout('Dialogs', DIALOGS));
    case '/browser/tabs':
      return ok(layout('Tabs', TABS));
    case '/browser/tab-child': {
      const n = Number(q.get('n') ?? '1');
      // A form that POSTs (counted as `POST /browser/tab-child/send`, then back here with sent=1): an effect
      // a pop-up makes, which a take-over must not repeat.
      const sent = q.get('sent') === '1' ? '<p id="sent">Report sent</p>' : '';
      const send = `<form method="post" action="/browser/tab-child/send?n=${n}"><button id="send">Send report</button></form>`;
      return ok(layout(`Help ${n}`, `<p id="child">Help page ${n}</p>${sent}${send}<button onclick="window.close()">Close me</button>`));
    }
    case '/browser/frames':
      return ok(layout('Frames', framesPage(otherOrigin(req))));
    case '/browser/frame-inner':
      return ok(layout('Payment', frameInner(q.get('who') ?? 'inner')));
    case '/browser/tables':
      return ok(layout('Tables', TABLES));
    case '/browser/settings':
      return ok(layout('Settings', settingsPage(req)));
    case '/browser/basic':
      return basicAuth(req);
    case '/browser/api/ping': {
      const status = Number(q.get('status') ?? '200');
      return { status: status >= 200 && status < 600 ? status : 200, json: { n: q.get('n'), ok: true } };
    }
    default:
      return undefined;
  }
}

const ok = (html: string): BrowserPageAnswer => ({ status: 200, html });

const CONTROLS = `
<div id="menu"><button id="menu-button">Menu</button><p id="hover-state">idle</p>
<ul id="menu-items" hidden><li><a href="/browser/controls?item=1">First item</a></li></ul></div>
<label><input type="checkbox" id="news" name="news" checked> Newsletter</label>
<p id="news-state">subscribed</p>
<p><a id="docs" href="/browser/tab-child?n=9" data-kind="manual" title="Read the docs">Docs</a></p>
<ul><li><a class="ext" href="https://a.example/x">A</a></li><li><a class="ext" href="https://b.example/y">B</a></li><li><a class="ext">none</a></li></ul>
<script>
const button = document.getElementById('menu-button');
button.addEventListener('mouseenter', () => {
  document.getElementById('menu-items').hidden = false;
  document.getElementById('hover-state').textContent = 'hovered';
});
document.getElementById('news').addEventListener('change', (e) => {
  document.getElementById('news-state').textContent = e.target.checked ? 'subscribed' : 'unsubscribed';
});
</script>`;

const WAITS = `
<button id="start">Start report</button><p id="status">Idle</p>
<p><a href="/browser/waits?page=2">Next page</a></p>
<div style="height:4000px"></div><p id="bottom">The end</p>
<script>
document.getElementById('start').addEventListener('click', () => {
  setTimeout(async () => {
    const r = await fetch('/browser/api/ping?n=7');
    const body = await r.json();
    document.getElementById('status').textContent = 'Report ' + body.n + ' ready';
    document.title = 'Report done';
  }, 300);
});
</script>`;

const DIALOGS = `
<button id="delete">Delete record</button><p id="delete-result">pending</p>
<button id="ask">Ask name</button><p id="greeting">nobody</p>
<button id="alert">Save</button><p id="alert-result">unsaved</p>
<script>
document.getElementById('delete').addEventListener('click', () => {
  document.getElementById('delete-result').textContent = confirm('Delete record 42?') ? 'deleted' : 'kept';
});
document.getElementById('ask').addEventListener('click', () => {
  const name = prompt('Your name?', 'guest');
  document.getElementById('greeting').textContent = name === null ? 'no answer' : 'Hello, ' + name;
});
document.getElementById('alert').addEventListener('click', () => {
  alert('Saved!');
  document.getElementById('alert-result').textContent = 'saved';
});
</script>`;

const TABS = `
<p><a id="help" href="/browser/tab-child?n=1" target="_blank">Open help</a></p>
<button id="open2" onclick="window.open('/browser/tab-child?n=2')">Open second help</button>
<p><a id="meta" href="http://169.254.169.254/latest/meta-data/" target="_blank">Instance metadata</a></p>
<label>Note <input id="note"></label>`;

function framesPage(other: string): string {
  return `<p>Two payment frames</p>
<iframe name="inner" title="Same-origin payment" src="/browser/frame-inner?who=same" width="500" height="160"></iframe>
<iframe name="pay" title="Cross-origin payment" src="${escapeHtml(other)}/browser/frame-inner?who=cross" width="500" height="160"></iframe>`;
}

function frameInner(who: string): string {
  return `<label>Card <input id="card"></label><button id="pay">Pay</button><p id="paid">unpaid ${escapeHtml(who)}</p>
<script>
document.getElementById('pay').addEventListener('click', () => {
  document.getElementById('paid').textContent = 'Paid ' + document.getElementById('card').value + ' (${escapeHtml(who)})';
});
</script>`;
}

const TABLES = `
<table id="spans">
  <thead><tr><th rowspan="2">Region</th><th colspan="2">Sales</th></tr><tr><th>Q1</th><th>Q2</th></tr></thead>
  <tbody>
    <tr><td rowspan="2">North</td><td>10</td><td>11</td></tr>
    <tr><td colspan="2">12 (both)</td></tr>
    <tr><td>South</td><td>20</td><td>21</td></tr>
  </tbody>
</table>
<div role="grid" id="grid" aria-label="Tickets">
  <div role="row"><span role="columnheader">Ticket</span><span role="columnheader">State</span><span role="columnheader">Owner</span></div>
  <div role="row"><span role="gridcell">T-1</span><span role="gridcell" aria-colspan="2">closed by bot</span></div>
  <div role="row"><span role="rowheader">T-2</span><span role="gridcell">open</span><span role="gridcell">ada</span>
    <div role="grid"><div role="row"><span role="gridcell">nested</span></div></div></div>
</div>`;

function settingsPage(req: IncomingMessage): string {
  const h = (name: string) => escapeHtml(String(req.headers[name] ?? ''));
  return `<p id="sent-ua">${h('user-agent')}</p><p id="sent-lang">${h('accept-language')}</p><p id="sent-team">${h('x-team')}</p>
<p id="lang"></p><p id="zone"></p><p id="size"></p><p id="geo">unknown</p>
<script>
document.getElementById('lang').textContent = navigator.language;
document.getElementById('zone').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
document.getElementById('size').textContent = innerWidth + 'x' + innerHeight;
navigator.geolocation.getCurrentPosition(
  (p) => (document.getElementById('geo').textContent = p.coords.latitude + ',' + p.coords.longitude),
  (e) => (document.getElementById('geo').textContent = 'denied ' + e.code),
);
</script>`;
}

function basicAuth(req: IncomingMessage): BrowserPageAnswer {
  const want = 'Basic ' + Buffer.from(`${BASIC_USER.username}:${BASIC_USER.password}`).toString('base64');
  if (req.headers.authorization !== want)
    return { status: 401, html: layout('Sign in', '<p>Authentication required</p>'), headers: { 'www-authenticate': 'Basic realm="aether-test"' } };
  return ok(layout('Intranet', `<p id="basic">Welcome to the intranet, ${escapeHtml(BASIC_USER.username)}</p>`));
}
