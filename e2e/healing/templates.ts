// App-like page templates for the healing corpus. Each builds a page body as a tree; `m(key, node)`
// marks the node when `key` is the case's target. Text is realistic on purpose: the scorer must
// work on real pages, not on toy markup.
import { h, marked, type Node } from './tree.js';

export type Marker = (key: string, n: Node) => Node;
export interface Template {
  name: string;
  targets: string[];
  build(m: Marker): Node;
}

const icon = (shape: string, color = '#333') =>
  h(
    'svg',
    { width: '20', height: '20', viewBox: '0 0 20 20', 'aria-hidden': 'true' },
    h(
      shape.startsWith('M') ? 'path' : 'circle',
      shape.startsWith('M')
        ? { d: shape, stroke: color, 'stroke-width': '2', fill: 'none' }
        : { cx: '10', cy: '10', r: shape, fill: color },
    ),
  );

const header = () =>
  h(
    'header',
    { class: 'topbar', style: 'display:flex;gap:16px;padding:8px' },
    h('a', { href: '/', class: 'brand' }, 'Acme'),
    h('a', { href: '/pricing', class: 'nav-link' }, 'Pricing'),
    h('a', { href: '/docs', class: 'nav-link' }, 'Docs'),
    h('a', { href: '/support', class: 'nav-link' }, 'Support'),
  );

const footer = () =>
  h(
    'footer',
    { class: 'site-footer', style: 'margin-top:24px' },
    h('a', { href: '/privacy' }, 'Privacy'),
    ' · ',
    h('a', { href: '/terms' }, 'Terms'),
    ' · © 2024 Acme Inc.',
  );

const field = (m: Marker, key: string, label: string, input: Node) =>
  h(
    'div',
    { class: 'form-row', style: 'margin:8px 0' },
    h('label', { for: input.attrs.id ?? '', class: 'form-label', style: 'display:block' }, label),
    m(key, input),
  );

export const login: Template = {
  name: 'login',
  targets: ['email', 'password', 'remember', 'signin', 'forgot'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      header(),
      h(
        'main',
        { class: 'container', style: 'width:420px;margin:24px auto' },
        h('h1', { class: 'title' }, 'Sign in to Acme'),
        h(
          'form',
          { id: 'login-form', class: 'form', action: '/session', method: 'post' },
          field(
            m,
            'email',
            'Email address',
            h('input', {
              id: 'email',
              name: 'email',
              type: 'email',
              class: 'form-control',
              placeholder: 'you@company.com',
              autocomplete: 'email',
            }),
          ),
          field(
            m,
            'password',
            'Password',
            h('input', {
              id: 'password',
              name: 'password',
              type: 'password',
              class: 'form-control',
              autocomplete: 'current-password',
            }),
          ),
          h(
            'div',
            { class: 'form-check' },
            h(
              'label',
              null,
              m(
                'remember',
                h('input', { type: 'checkbox', name: 'remember', id: 'remember-me', class: 'form-check-input' }),
              ),
              ' Keep me signed in',
            ),
          ),
          h(
            'div',
            { class: 'actions', style: 'display:flex;gap:12px;align-items:center' },
            m('signin', h('button', { id: 'login-btn', type: 'submit', class: 'btn btn-primary' }, 'Sign in')),
            m('forgot', h('a', { href: '/password/forgot', class: 'link-muted' }, 'Forgot password?')),
          ),
        ),
        h('p', { class: 'hint' }, 'New to Acme? ', h('a', { href: '/signup' }, 'Create an account')),
      ),
      footer(),
    ),
};

export const checkout: Template = {
  name: 'checkout',
  targets: ['fullname', 'city', 'country', 'card', 'placeOrder', 'cancel', 'coupon'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      header(),
      h(
        'main',
        { class: 'checkout', style: 'display:flex;gap:32px;padding:16px' },
        h(
          'form',
          { id: 'checkout', class: 'checkout-form', style: 'width:480px' },
          h('h1', null, 'Checkout'),
          h(
            'fieldset',
            { class: 'section' },
            h('legend', null, 'Shipping address'),
            field(
              m,
              'fullname',
              'Full name',
              h('input', { id: 'ship-name', name: 'shipping[name]', class: 'input', autocomplete: 'name' }),
            ),
            field(
              m,
              'street',
              'Street address',
              h('input', { id: 'ship-street', name: 'shipping[street]', class: 'input' }),
            ),
            field(m, 'city', 'City', h('input', { id: 'ship-city', name: 'shipping[city]', class: 'input' })),
            field(
              m,
              'zip',
              'ZIP code',
              h('input', { id: 'ship-zip', name: 'shipping[zip]', class: 'input input-short' }),
            ),
            field(
              m,
              'country',
              'Country',
              h(
                'select',
                { id: 'ship-country', name: 'shipping[country]', class: 'select' },
                h('option', null, 'United States'),
                h('option', null, 'Germany'),
                h('option', null, 'France'),
              ),
            ),
          ),
          h(
            'fieldset',
            { class: 'section' },
            h('legend', null, 'Payment'),
            field(
              m,
              'card',
              'Card number',
              h('input', {
                id: 'cc-number',
                name: 'card_number',
                class: 'input',
                inputmode: 'numeric',
                placeholder: '1234 5678 9012 3456',
              }),
            ),
            field(
              m,
              'expiry',
              'Expiry',
              h('input', { id: 'cc-exp', name: 'card_exp', class: 'input input-short', placeholder: 'MM/YY' }),
            ),
          ),
          h(
            'div',
            { class: 'buttons', style: 'display:flex;gap:12px;margin-top:12px' },
            m('cancel', h('button', { type: 'button', id: 'cancel-checkout', class: 'btn btn-secondary' }, 'Cancel')),
            m(
              'placeOrder',
              h('button', { type: 'submit', id: 'place-order', class: 'btn btn-primary' }, 'Place order'),
            ),
          ),
        ),
        h(
          'aside',
          { class: 'summary', style: 'width:260px' },
          h('h2', null, 'Order summary'),
          h('p', null, 'Subtotal: $118.00'),
          h('p', null, 'Shipping: $6.00'),
          h('p', { class: 'total' }, 'Total: $124.00'),
          m('coupon', h('a', { href: '/cart/coupon', class: 'coupon-link' }, 'Apply a coupon code')),
        ),
      ),
      footer(),
    ),
};

const USERS = [
  ['Ada Lovelace', 'ada@acme.io', 'Admin', 'Active'],
  ['Alan Turing', 'alan@acme.io', 'Editor', 'Active'],
  ['Grace Hopper', 'grace@acme.io', 'Viewer', 'Invited'],
  ['Linus Torvalds', 'linus@acme.io', 'Editor', 'Suspended'],
  ['Barbara Liskov', 'barbara@acme.io', 'Viewer', 'Active'],
];

export const userTable: Template = {
  name: 'user-table',
  targets: ['addUser', 'editGrace', 'deleteAlan', 'nextPage', 'search'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      header(),
      h(
        'main',
        { class: 'content', style: 'padding:16px' },
        h(
          'div',
          { class: 'toolbar', style: 'display:flex;gap:12px;align-items:center' },
          h('h2', null, 'Team members'),
          m(
            'search',
            h('input', {
              type: 'search',
              name: 'q',
              class: 'search-input',
              placeholder: 'Search members',
              'aria-label': 'Search members',
            }),
          ),
          m('addUser', h('button', { id: 'add-user', class: 'btn btn-primary' }, 'Add member')),
        ),
        h(
          'table',
          { class: 'table table-striped' },
          h(
            'thead',
            null,
            h('tr', null, ...['Name', 'Email', 'Role', 'Status', 'Actions'].map((c) => h('th', null, c))),
          ),
          h(
            'tbody',
            null,
            ...USERS.map(([name, email, role, status]) => {
              const first = name!.split(' ')[0]!;
              return h(
                'tr',
                { 'data-user': email!.split('@')[0] },
                h('td', null, name!),
                h('td', null, email!),
                h('td', null, role!),
                h('td', null, h('span', { class: `badge badge-${status!.toLowerCase()}` }, status!)),
                h(
                  'td',
                  null,
                  m(`edit${first}`, h('button', { class: 'btn btn-sm btn-link', title: `Edit ${name}` }, 'Edit')),
                  ' ',
                  m(`delete${first}`, h('button', { class: 'btn btn-sm btn-danger' }, 'Delete')),
                ),
              );
            }),
          ),
        ),
        h(
          'nav',
          { class: 'pagination', 'aria-label': 'Pagination', style: 'display:flex;gap:8px' },
          h('a', { href: '?page=1', class: 'page-link' }, 'Previous'),
          h('span', null, 'Page 2 of 7'),
          m('nextPage', h('a', { href: '?page=3', class: 'page-link', rel: 'next' }, 'Next')),
        ),
      ),
      footer(),
    ),
};

export const landing: Template = {
  name: 'landing',
  targets: ['pricingLink', 'logo', 'getStarted', 'startTrial', 'watchDemo', 'blogLink'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      h(
        'nav',
        { class: 'navbar', style: 'display:flex;gap:18px;align-items:center;padding:10px' },
        m(
          'logo',
          h('img', {
            src: '/static/img/logo.4f8a2c.png',
            alt: 'Acme logo',
            width: '96',
            height: '28',
            class: 'navbar-logo',
          }),
        ),
        h('a', { href: '/', class: 'nav-item' }, 'Home'),
        h('a', { href: '/products', class: 'nav-item' }, 'Products'),
        m('pricingLink', h('a', { href: '/pricing', class: 'nav-item' }, 'Pricing')),
        m('blogLink', h('a', { href: '/blog', class: 'nav-item' }, 'Blog')),
        h('a', { href: '/contact', class: 'nav-item' }, 'Contact'),
        h('a', { href: '/login', class: 'nav-item nav-right' }, 'Log in'),
        m('getStarted', h('a', { href: '/signup', class: 'btn btn-primary btn-nav', role: 'button' }, 'Get started')),
      ),
      h(
        'section',
        { class: 'hero', style: 'padding:40px' },
        h('h1', null, 'Automate the boring parts of your week'),
        h('p', { class: 'lead' }, 'Acme robots fill forms, download reports and reconcile invoices while you sleep.'),
        h(
          'div',
          { class: 'cta', style: 'display:flex;gap:12px' },
          m(
            'startTrial',
            h('button', { class: 'btn btn-lg btn-primary', 'data-track': 'hero-trial' }, 'Start free trial'),
          ),
          m('watchDemo', h('button', { class: 'btn btn-lg btn-outline', 'data-track': 'hero-demo' }, 'Watch the demo')),
        ),
      ),
      h(
        'section',
        { class: 'features', style: 'display:flex;gap:24px;padding:20px' },
        ...['Robots that heal', 'Runs on Kubernetes', 'Audit everything'].map((t) =>
          h('div', { class: 'feature' }, h('h3', null, t), h('p', null, 'Learn more about how it works.')),
        ),
      ),
      footer(),
    ),
};

const PRODUCTS = [
  ['Trail running shoe', '$129.00'],
  ['Merino wool socks', '$19.00'],
  ['Waterproof jacket', '$249.00'],
  ['Insulated bottle', '$35.00'],
  ['Rechargeable headlamp', '$49.00'],
  ['Trekking poles', '$89.00'],
];

export const productGrid: Template = {
  name: 'product-grid',
  targets: ['addBottle', 'titleSocks', 'wishHeadlamp', 'inStock', 'sortSelect'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      header(),
      h(
        'div',
        { class: 'shop', style: 'display:flex;gap:24px;padding:16px' },
        h(
          'aside',
          { class: 'filters', style: 'width:180px' },
          h('h3', null, 'Filters'),
          h(
            'label',
            { class: 'filter' },
            m('inStock', h('input', { type: 'checkbox', name: 'in_stock', value: '1' })),
            ' In stock only',
          ),
          h(
            'label',
            { class: 'filter', style: 'display:block' },
            h('input', { type: 'checkbox', name: 'on_sale', value: '1' }),
            ' On sale',
          ),
          h(
            'label',
            { class: 'filter', style: 'display:block' },
            'Sort by ',
            m('sortSelect', h('select', { name: 'sort' }, h('option', null, 'Popularity'), h('option', null, 'Price'))),
          ),
        ),
        h(
          'section',
          { class: 'grid', style: 'display:grid;grid-template-columns:repeat(3,200px);gap:16px' },
          ...PRODUCTS.map(([title, price], i) => {
            const word = title!.split(' ').pop()!;
            const key = word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
            return h(
              'article',
              { class: 'card product-card', 'data-sku': `SKU-${1040 + i}` },
              h('img', { src: `/img/p/${1040 + i}.jpg`, alt: title!, width: '180', height: '100', class: 'card-img' }),
              h('h3', { class: 'card-title' }, m(`title${key}`, h('a', { href: `/p/${1040 + i}` }, title!))),
              h('p', { class: 'price' }, price!),
              h(
                'div',
                { class: 'card-actions', style: 'display:flex;gap:8px' },
                m(`add${key}`, h('button', { class: 'btn btn-add', type: 'button' }, 'Add to cart')),
                m(
                  `wish${key}`,
                  h('button', { class: 'btn-icon', type: 'button', 'aria-label': `Add ${title} to wishlist` }, '♡'),
                ),
              ),
            );
          }),
        ),
      ),
      footer(),
    ),
};

export const settings: Template = {
  name: 'settings',
  targets: ['displayName', 'bio', 'timezone', 'emailNotif', 'save', 'deleteAccount', 'billingNav'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      header(),
      h(
        'div',
        { class: 'layout', style: 'display:flex;gap:24px;padding:16px' },
        h(
          'nav',
          { class: 'sidebar', style: 'display:flex;flex-direction:column;width:160px' },
          h('a', { href: '/settings/profile', class: 'side-link active' }, 'Profile'),
          h('a', { href: '/settings/account', class: 'side-link' }, 'Account'),
          h('a', { href: '/settings/notifications', class: 'side-link' }, 'Notifications'),
          m('billingNav', h('a', { href: '/settings/billing', class: 'side-link' }, 'Billing')),
        ),
        h(
          'form',
          { class: 'settings-form', style: 'width:440px' },
          h('h1', null, 'Profile settings'),
          field(
            m,
            'displayName',
            'Display name',
            h('input', { id: 'display-name', name: 'display_name', class: 'input' }),
          ),
          field(
            m,
            'bio',
            'Bio',
            h('textarea', {
              id: 'bio',
              name: 'bio',
              class: 'textarea',
              rows: '3',
              placeholder: 'Tell us about yourself',
            }),
          ),
          field(
            m,
            'timezone',
            'Time zone',
            h(
              'select',
              { id: 'tz', name: 'timezone', class: 'select' },
              h('option', null, 'UTC'),
              h('option', null, 'Europe/Berlin'),
            ),
          ),
          h(
            'div',
            { class: 'toggle' },
            h(
              'label',
              null,
              m(
                'emailNotif',
                h('input', { type: 'checkbox', role: 'switch', name: 'notify_email', id: 'notify-email' }),
              ),
              ' Email notifications',
            ),
          ),
          h(
            'div',
            { class: 'toggle' },
            h(
              'label',
              null,
              h('input', { type: 'checkbox', role: 'switch', name: 'notify_sms', id: 'notify-sms' }),
              ' SMS notifications',
            ),
          ),
          h(
            'div',
            { class: 'form-actions', style: 'display:flex;gap:12px;margin-top:12px' },
            m('save', h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-profile' }, 'Save changes')),
            h('button', { type: 'reset', class: 'btn btn-secondary' }, 'Discard'),
          ),
          h(
            'div',
            { class: 'danger-zone', style: 'margin-top:24px' },
            h('h2', null, 'Danger zone'),
            m(
              'deleteAccount',
              h('button', { type: 'button', class: 'btn btn-danger', id: 'delete-account' }, 'Delete account'),
            ),
          ),
        ),
      ),
      footer(),
    ),
};

const RESULTS = [
  'Invoice reconciliation with robots',
  'Scaling robot pools on Kubernetes',
  'Self-healing selectors explained',
  'Durable workflows with Postgres',
  'Scheduling jobs with cron',
  'Masking secrets in screenshots',
];

export const searchResults: Template = {
  name: 'search-results',
  targets: ['query', 'searchBtn', 'result3', 'save5'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      header(),
      h(
        'main',
        { style: 'padding:16px;width:640px' },
        h(
          'form',
          { role: 'search', class: 'search-bar', style: 'display:flex;gap:8px' },
          m(
            'query',
            h('input', {
              type: 'search',
              name: 'q',
              id: 'q',
              class: 'search-field',
              placeholder: 'Search articles',
              value: 'robots',
            }),
          ),
          m('searchBtn', h('button', { type: 'submit', class: 'btn', 'aria-label': 'Search' }, 'Search')),
        ),
        h('p', { class: 'count' }, 'About 6 results'),
        h(
          'ol',
          { class: 'results' },
          ...RESULTS.map((t, i) =>
            h(
              'li',
              { class: 'result' },
              m(
                `result${i + 1}`,
                h('a', { href: `/articles/${t.toLowerCase().replace(/\s+/g, '-')}`, class: 'result-title' }, t),
              ),
              h('p', { class: 'snippet' }, `${t} — a short guide with examples and best practices.`),
              m(
                `save${i + 1}`,
                h('button', { type: 'button', class: 'btn btn-sm btn-save', title: 'Save for later' }, 'Save'),
              ),
            ),
          ),
        ),
      ),
      footer(),
    ),
};

// Tier-2 page: rows whose controls are indistinguishable except by the row they sit in; each row
// carries a stable test id (the anchor a workflow author would pick).
const STOCK = [
  ['Blue widget', 'SKU-7781'],
  ['Red widget', 'SKU-7782'],
  ['Green widget', 'SKU-7783'],
  ['Yellow widget', 'SKU-7784'],
];
export const inventory: Template = {
  name: 'inventory',
  targets: ['qtyRed', 'removeGreen', 'qtyYellow', 'removeBlue'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      header(),
      h(
        'main',
        { style: 'padding:16px;width:600px' },
        h('h1', null, 'Stock adjustments'),
        ...STOCK.map(([name, sku]) => {
          const key = name!.split(' ')[0]!;
          return h(
            'div',
            {
              class: 'stock-row',
              'data-testid': `row-${sku}`,
              style: 'display:flex;gap:12px;align-items:center;margin:6px 0',
            },
            h('span', { class: 'stock-name', style: 'width:140px' }, name!),
            m(`qty${key}`, h('input', { type: 'number', class: 'qty', value: '1', style: 'width:60px' })),
            h('span', { class: 'unit' }, 'pcs'),
            m(
              `remove${key}`,
              h(
                'button',
                { type: 'button', class: 'icon-btn', title: 'Remove' },
                icon('M4 4 L16 16 M16 4 L4 16', '#b00'),
              ),
            ),
          );
        }),
      ),
      footer(),
    ),
};

// Tier-3 page: an icon toolbar whose buttons have no text or names; only their pictures differ.
export const TOOLBAR_ICONS: Record<string, Node> = {
  bold: icon('M5 3 L5 17 M5 3 L12 3 Q16 3 16 7 Q16 10 12 10 L5 10 M12 10 Q17 10 17 14 Q17 17 12 17 L5 17', '#111'),
  italic: icon('M12 3 L8 17 M9 3 L15 3 M5 17 L11 17', '#111'),
  underline: icon('M5 3 L5 10 Q5 15 10 15 Q15 15 15 10 L15 3 M4 18 L16 18', '#111'),
  link: icon('M8 12 L12 8 M6 10 L4 12 Q2 14 4 16 Q6 18 8 16 L10 14 M10 6 L12 4 Q14 2 16 4 Q18 6 16 8 L14 10', '#06c'),
  image: icon('M2 4 L18 4 L18 16 L2 16 Z M2 13 L7 8 L11 12 L14 9 L18 13', '#080'),
  undo: icon('M7 4 L3 8 L7 12 M3 8 L12 8 Q17 8 17 13 Q17 17 12 17', '#555'),
  record: icon('6', '#d00'),
};
export const toolbar: Template = {
  name: 'toolbar',
  targets: ['bold', 'italic', 'underline', 'link', 'image', 'undo', 'record'],
  build: (m) =>
    h(
      'div',
      { class: 'page' },
      header(),
      h(
        'main',
        { style: 'padding:16px' },
        h('h1', null, 'Compose message'),
        h(
          'div',
          {
            class: 'editor-toolbar',
            style: 'display:flex;gap:6px;padding:6px;border:1px solid #ccc;width:max-content',
          },
          ...Object.entries(TOOLBAR_ICONS).map(([k, ic]) =>
            m(
              k,
              h(
                'button',
                {
                  type: 'button',
                  class: 'tb-btn',
                  'aria-label': k.charAt(0).toUpperCase() + k.slice(1),
                  style: 'width:34px;height:34px;background:#fff;border:1px solid #ddd',
                },
                structuredClone(ic),
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'editor', contenteditable: 'true', style: 'border:1px solid #ccc;height:120px;width:520px' },
          'Hello team,',
        ),
      ),
      footer(),
    ),
};

export const TEMPLATES: Template[] = [
  login,
  checkout,
  userTable,
  landing,
  productGrid,
  settings,
  searchResults,
  inventory,
  toolbar,
];

export const PAGE_STYLE = `body{font-family:sans-serif;font-size:15px;margin:0;color:#222;background:#fff}
button{font:inherit;padding:6px 12px;border:1px solid #888;border-radius:4px;background:#f4f4f4}
input,select,textarea{font:inherit;padding:4px}
table{border-collapse:collapse}td,th{padding:6px 10px;border-bottom:1px solid #ddd;text-align:left}
svg{display:block}`;

export { marked };
