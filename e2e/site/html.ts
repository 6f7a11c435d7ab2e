// HTML of the local test site. Plain server-rendered pages with labels, roles and test ids so that
// every kind of element target (role, label, testId, text, css, xpath) has something to find.

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function layout(title: string, body: string, user?: string): string {
  const who = user ? `<p id="who">Signed in as <b data-testid="user">${escapeHtml(user)}</b></p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px sans-serif;margin:24px;width:720px} label{display:block;margin:8px 0}
input,select,textarea{font:16px monospace;width:320px} input[type=checkbox]{width:auto}
table{border-collapse:collapse} td,th{border:1px solid #999;padding:4px 8px}</style></head>
<body><h1>${escapeHtml(title)}</h1>${who}${body}</body></html>`;
}

export function loginPage(error?: string, next?: string): string {
  return layout(
    'Sign in',
    `${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login">
  <input type="hidden" name="next" value="${escapeHtml(next ?? '/home')}">
  <label>Username <input name="username" autocomplete="off"></label>
  <label>Password <input name="password" type="password"></label>
  <button type="submit">Sign in</button>
</form>`,
  );
}

export function homePage(user: string): string {
  return layout(
    'Home',
    `<p id="welcome">Welcome, ${escapeHtml(user)}</p>
<ul><li><a href="/form/1">Open an account</a></li><li><a href="/table">Orders</a></li>
<li><a href="/late">Slow page</a></li></ul>
<script>localStorage.setItem('lastHome', 'visited');</script>`,
    user,
  );
}

export interface FormValues {
  fullName?: string;
  email?: string;
  token?: string;
  plan?: string;
  terms?: boolean;
  notes?: string;
}

export function formPage(page: number, v: FormValues, user: string): string {
  const field = (label: string, name: string, value = '', type = 'text') =>
    `<label>${label} <input name="${name}" type="${type}" value="${escapeHtml(value)}"></label>`;
  const plans = ['basic', 'pro', 'enterprise']
    .map((p) => `<option value="${p}"${v.plan === p ? ' selected' : ''}>${p[0]!.toUpperCase() + p.slice(1)}</option>`)
    .join('');
  const bodies: Record<number, string> = {
    1:
      field('Full name', 'fullName', v.fullName) +
      field('Email', 'email', v.email) +
      field('Account token', 'token', v.token),
    2: `<label>Plan <select name="plan">${plans}</select></label>
<label><input type="checkbox" name="terms" value="yes"${v.terms ? ' checked' : ''}> Accept the terms</label>`,
    3: `<label>Notes <textarea name="notes">${escapeHtml(v.notes ?? '')}</textarea></label>`,
  };
  const button = page === 3 ? 'Submit' : 'Next';
  return layout(
    `Open an account — step ${page} of 3`,
    `<form method="post" action="/form/${page}">${bodies[page]}<button type="submit">${button}</button></form>`,
    user,
  );
}

export function donePage(confirmation: string, v: FormValues, user: string): string {
  return layout(
    'Account opened',
    `<p>Confirmation number: <span id="confirmation" data-testid="confirmation">${escapeHtml(confirmation)}</span></p>
<dl><dt>Name</dt><dd id="summary-name">${escapeHtml(v.fullName ?? '')}</dd>
<dt>Plan</dt><dd id="summary-plan">${escapeHtml(v.plan ?? '')}</dd></dl>`,
    user,
  );
}

export const ORDERS: ReadonlyArray<readonly [string, string, string, string]> = [
  ['1001', 'Ada Lovelace', '120.50', 'shipped'],
  ['1002', 'Alan Turing', '75.00', 'pending'],
  ['1003', 'Grace Hopper', '310.25', 'shipped'],
  ['1004', 'Edsger Dijkstra', '42.00', 'cancelled'],
];

export function tablePage(user: string): string {
  const rows = ORDERS.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return layout(
    'Orders',
    `<table id="orders" data-testid="orders"><thead><tr><th>Order</th><th>Customer</th><th>Amount</th><th>Status</th></tr></thead>
<tbody>${rows}</tbody></table>`,
    user,
  );
}

/** Pages of the paginated list (`/pages/1` .. `/pages/PAGE_COUNT`). */
export const PAGE_COUNT = 5;

/** One page of a paginated list: items, an Acknowledge form (a POST per page) and Next, disabled on the last. */
export function pagedListPage(page: number): string {
  const items = [1, 2].map((i) => `<li class="item">item ${page}.${i}</li>`).join('');
  const last = page >= PAGE_COUNT;
  const next = last
    ? '<span id="next" data-enabled="false" aria-disabled="true">Next</span>'
    : `<a id="next" data-enabled="true" href="/pages/${page + 1}">Next</a>`;
  return layout(
    `Page ${page} of ${PAGE_COUNT}`,
    `<ul id="items">${items}</ul>
<form method="post" action="/pages/${page}/ack"><button id="ack" type="submit">Acknowledge</button></form>
<p>${next}</p>`,
  );
}

/** An element that appears only after `delayMs`, added by a timer as a slow single-page app would. */
export function latePage(delayMs: number, user: string): string {
  return layout(
    'Slow page',
    `<div id="slot"></div>
<script>setTimeout(() => {
  const b = document.createElement('button');
  b.id = 'late-button'; b.textContent = 'Appeared late';
  b.onclick = () => { fetch('/late/click', { method: 'POST' }).then(() => { b.textContent = 'Clicked'; }); };
  document.getElementById('slot').appendChild(b);
}, ${delayMs});</script>`,
    user,
  );
}

export function messagePage(title: string, message: string, user?: string): string {
  return layout(title, `<p id="message">${escapeHtml(message)}</p>`, user);
}
