// Page changes between "before" and "after", applied to a cloned tree. Deterministic given the rng.
import { findMark, h, parentOf, pick, walk, type Node } from './tree.js';

export type Mutation =
  | 'id-rename'
  | 'id-remove'
  | 'class-regen'
  | 'text-reword'
  | 'move'
  | 'wrap'
  | 'insert-siblings'
  | 'drop-attrs'
  | 'decoy'
  | 'layout'
  | 'remove'
  | 'shuffle-rows'
  | 'strip-names'
  // Real release changes (added with the scorer's second pass; not tuned to it):
  | 'retag'
  | 'wrap-root'
  | 'relocate'
  | 'i18n'
  | 'css-modules'
  | 'rehash'
  | 'insert-row';

type Rng = () => number;

const SYNONYMS: [string, string][] = [
  ['Sign in', 'Log in'],
  ['Place order', 'Complete purchase'],
  ['Cancel', 'Go back'],
  ['Add member', 'Invite member'],
  ['Add to cart', 'Add to bag'],
  ['Save changes', 'Save profile'],
  ['Delete account', 'Delete my account'],
  ['Start free trial', 'Start your free trial'],
  ['Watch the demo', 'Watch demo video'],
  ['Get started', 'Get started free'],
  ['Forgot password?', 'Forgot your password?'],
  ['Apply a coupon code', 'Have a coupon?'],
  ['Email address', 'Work email'],
  ['Full name', 'Name'],
  ['Card number', 'Credit card number'],
  ['Display name', 'Public display name'],
  ['Time zone', 'Timezone'],
  ['Edit', 'Modify'],
  ['Delete', 'Remove'],
  ['Next', 'Next page'],
  ['Pricing', 'Plans & pricing'],
  ['Blog', 'Our blog'],
  ['Search', 'Find'],
  ['Save', 'Bookmark'],
  ['Billing', 'Billing & invoices'],
  ['Email notifications', 'Notify me by email'],
  ['Keep me signed in', 'Remember me'],
  ['In stock only', 'Only show items in stock'],
  ['Search members', 'Find a member'],
  ['Search articles', 'Search the knowledge base'],
  ['you@company.com', 'name@work.com'],
];

function reword(s: string): string {
  const t = s.trim();
  for (const [a, b] of SYNONYMS) if (t === a) return s.replace(a, b);
  for (const [a, b] of SYNONYMS) if (t.includes(a)) return s.replace(a, b);
  return s;
}

function hash(s: string): string {
  let x = 2166136261;
  for (const ch of s) x = Math.imul(x ^ ch.charCodeAt(0), 16777619);
  return (x >>> 0).toString(36).slice(0, 6).padStart(6, 'x');
}

const RENAMES: ((id: string) => string)[] = [
  (id) => `${id}-field`,
  (id) => `fld_${id.replace(/-/g, '_')}`,
  (id) => id.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) + 'Input',
  (id) => `app-${id}-v2`,
];

const mark = (root: Node) => findMark(root);

// A German release: words of the templates' visible texts, translated one by one (others kept).
const GERMAN: Record<string, string> = {
  sign: 'Anmelden',
  in: 'bei',
  email: 'E-Mail',
  address: 'Adresse',
  password: 'Passwort',
  keep: 'Angemeldet',
  me: 'mich',
  signed: 'bleiben',
  forgot: 'Vergessen',
  place: 'Bestellung',
  order: 'aufgeben',
  cancel: 'Abbrechen',
  full: 'Vollständiger',
  name: 'Name',
  city: 'Stadt',
  country: 'Land',
  card: 'Karten',
  number: 'nummer',
  apply: 'Gutschein',
  a: 'ein',
  coupon: 'Gutschein',
  code: 'Code',
  add: 'Hinzufügen',
  member: 'Mitglied',
  edit: 'Bearbeiten',
  delete: 'Löschen',
  next: 'Weiter',
  search: 'Suchen',
  members: 'Mitglieder',
  pricing: 'Preise',
  blog: 'Blog',
  get: 'Jetzt',
  started: 'starten',
  start: 'Starten',
  free: 'kostenlos',
  trial: 'Testversion',
  watch: 'Ansehen',
  the: 'die',
  demo: 'Demo',
  to: 'zum',
  cart: 'Warenkorb',
  in_stock: 'Auf Lager',
  only: 'nur',
  stock: 'Lager',
  display: 'Anzeige',
  bio: 'Biografie',
  time: 'Zeit',
  zone: 'zone',
  notifications: 'Benachrichtigungen',
  save: 'Speichern',
  changes: 'Änderungen',
  account: 'Konto',
  billing: 'Abrechnung',
  articles: 'Artikel',
  for: 'für',
  later: 'später',
  wishlist: 'Wunschliste',
  sort: 'Sortieren',
  by: 'nach',
  previous: 'Zurück',
  page: 'Seite',
  of: 'von',
  profile: 'Profil',
  settings: 'Einstellungen',
  new: 'Neu',
  to_: 'zu',
};
function translate(s: string): string {
  return s.replace(/[A-Za-z]+/g, (w) => {
    const t = GERMAN[w.toLowerCase()];
    if (!t) return w;
    return w[0] === w[0]!.toUpperCase() ? t.charAt(0).toUpperCase() + t.slice(1) : t.toLowerCase();
  });
}

/** The ancestor of the target repeated as a row/card/list item (>= 3 same-tag siblings), with its container. */
function rowOf(root: Node, target: Node): { row: Node; container: Node } | null {
  let row: Node = target;
  for (let p = parentOf(root, target); p; row = p, p = parentOf(root, p))
    if (p.children.filter((c) => typeof c !== 'string' && c.tag === row.tag).length >= 3) return { row, container: p };
  return null;
}

const INTERACTIVE = new Set(['button', 'input', 'select', 'textarea']);

export const MUTATIONS: Record<Mutation, (root: Node, r: Rng) => void> = {
  // Every id in the page gets a new (still meaningful) name; labels follow.
  'id-rename': (root, r) => {
    const rename = pick(r, RENAMES);
    for (const { node } of walk(root)) {
      if (node.attrs.id) node.attrs.id = rename(node.attrs.id);
      if (node.attrs.for) node.attrs.for = rename(node.attrs.for);
    }
  },
  // The target and its ancestors lose their ids (framework switch).
  'id-remove': (root) => {
    const t = mark(root);
    if (!t) return;
    const oldId = t.node.attrs.id;
    delete t.node.attrs.id;
    for (let p: Node | null = t.parent; p; p = parentOf(root, p)) delete p.attrs.id;
    // Labels keep pointing at the control by wrapping it instead (as a redesign would).
    if (oldId) for (const { node } of walk(root)) if (node.attrs.for === oldId) delete node.attrs.for;
  },
  // CSS-in-JS rebuild: every class becomes a hash.
  'class-regen': (root, r) => {
    const salt = String(Math.floor(r() * 1e6));
    for (const { node } of walk(root)) {
      if (!node.attrs.class) continue;
      node.attrs.class = node.attrs.class
        .split(/\s+/)
        .map((c) => `css-${hash(c + salt)}`)
        .join(' ');
    }
  },
  'text-reword': (root) => {
    const t = mark(root);
    if (!t) return;
    for (const { node } of walk(t.node)) {
      node.children = node.children.map((c) => (typeof c === 'string' ? reword(c) : c));
      for (const a of ['placeholder', 'aria-label', 'title', 'alt'])
        if (node.attrs[a]) node.attrs[a] = reword(node.attrs[a]!);
    }
    // The visible label of a field is part of its identity too.
    for (const { node } of walk(t.parent))
      if (node.tag === 'label') node.children = node.children.map((c) => (typeof c === 'string' ? reword(c) : c));
  },
  // The target moves to the other end of its container.
  move: (root) => {
    const t = mark(root);
    if (!t) return;
    const i = t.parent.children.indexOf(t.node);
    t.parent.children.splice(i, 1);
    if (i === 0) t.parent.children.push(t.node);
    else t.parent.children.unshift(t.node);
  },
  wrap: (root, r) => {
    const t = mark(root);
    if (!t) return;
    const depth = 1 + Math.floor(r() * 2);
    let n: Node = t.node;
    for (let d = 0; d < depth; d++)
      n = h(d === 0 ? 'span' : 'div', { class: d === 0 ? 'control-wrap' : 'field-container' }, n);
    t.parent.children[t.parent.children.indexOf(t.node)] = n;
  },
  // New content before the target and a banner at the top: xpath indexes and positions shift.
  'insert-siblings': (root) => {
    const t = mark(root);
    if (!t) return;
    const i = t.parent.children.indexOf(t.node);
    t.parent.children.splice(i, 0, h('span', { class: 'new-hint', style: 'color:#666' }, 'New!'));
    root.children.unshift(
      h(
        'div',
        { class: 'banner', role: 'status', style: 'padding:12px;background:#ffd' },
        'We updated our terms of service. ',
        h('a', { href: '/terms' }, 'Read more'),
      ),
    );
  },
  // Attributes a redesign dropped from the target.
  'drop-attrs': (root) => {
    const t = mark(root);
    if (!t) return;
    for (const a of ['name', 'placeholder', 'title', 'aria-label', 'data-track', 'autocomplete', 'rel', 'inputmode'])
      delete t.node.attrs[a];
  },
  // A near-identical copy of the target's container appears above it (a "recently viewed" strip).
  decoy: (root) => {
    const t = mark(root);
    if (!t) return;
    const copy = structuredClone(t.parent);
    for (const { node } of walk(copy)) {
      delete node.mark;
      if (node.attrs.id) node.attrs.id = `${node.attrs.id}-promo`;
      if (node.attrs.for) node.attrs.for = `${node.attrs.for}-promo`;
    }
    const section = h(
      'section',
      { class: 'promo', style: 'padding:8px;border:1px dashed #aaa' },
      h('h4', null, 'Recommended for you'),
      copy,
    );
    root.children.unshift(section);
  },
  // A new sidebar pushes the main content to the right and down.
  layout: (root) => {
    const body = h(
      'div',
      { class: 'shell', style: 'display:flex;gap:20px' },
      h(
        'aside',
        { class: 'app-nav', style: 'width:200px;padding:12px;background:#f6f6f6' },
        h('strong', null, 'Workspace'),
        h('p', null, 'Dashboard'),
        h('p', null, 'Reports'),
      ),
      h('div', { class: 'shell-main', style: 'flex:1;padding-top:30px' }, ...root.children),
    );
    root.children = [body];
  },
  remove: (root) => {
    const t = mark(root);
    if (!t) return;
    t.parent.children.splice(t.parent.children.indexOf(t.node), 1);
  },
  // Rows of the target's list/table are reversed and one new row appears.
  'shuffle-rows': (root) => {
    const t = mark(root);
    if (!t) return;
    let row: Node | null = t.node;
    let container: Node | null = t.parent;
    while (container && !['tbody', 'main', 'ol', 'section', 'div'].includes(container.tag)) {
      row = container;
      container = parentOf(root, container);
    }
    // Climb until the container holds several siblings like `row`.
    while (
      container &&
      row &&
      container.children.filter((c) => typeof c !== 'string' && c.tag === row!.tag).length < 3
    ) {
      row = container;
      container = parentOf(root, container);
    }
    if (!container) return;
    container.children.reverse();
  },
  // Everything that names the controls of the target's kind disappears (names, labels, aria).
  'strip-names': (root) => {
    const t = mark(root);
    if (!t) return;
    for (const { node } of walk(root))
      if (node.tag === t.node.tag)
        for (const a of ['aria-label', 'title', 'name', 'id', 'data-track']) delete node.attrs[a];
  },
  // The target changes element type: a link becomes a button and vice versa (design-system swap).
  retag: (root) => {
    const t = mark(root);
    if (!t) return;
    const n = t.node;
    if (n.tag === 'a') {
      n.tag = 'button';
      delete n.attrs.href;
      delete n.attrs.role;
      n.attrs.type = 'button';
    } else if (n.tag === 'button') {
      n.tag = 'a';
      n.attrs.href = '#';
      n.attrs.role = 'button';
      delete n.attrs.type;
    }
  },
  // A framework upgrade mounts the app in new root containers: every absolute XPath shifts.
  'wrap-root': (root) => {
    root.children = [h('div', { id: 'root' }, h('div', { class: 'app', 'data-theme': 'light' }, ...root.children))];
  },
  // The target moves to a new quick-actions bar at the top of the page: far away, attributes equal.
  relocate: (root) => {
    const t = mark(root);
    if (!t) return;
    t.parent.children.splice(t.parent.children.indexOf(t.node), 1);
    root.children.unshift(
      h(
        'div',
        { class: 'quick-actions', style: 'display:flex;gap:8px;padding:8px;background:#eef' },
        'Quick actions: ',
        t.node,
      ),
    );
  },
  // The page is translated (visible texts and aria-label/title/placeholder/alt); ids, names, hrefs stay.
  i18n: (root) => {
    for (const { node } of walk(root)) {
      node.children = node.children.map((c) => (typeof c === 'string' ? translate(c) : c));
      for (const a of ['placeholder', 'aria-label', 'title', 'alt'])
        if (node.attrs[a]) node.attrs[a] = translate(node.attrs[a]!);
    }
  },
  // CSS modules: every class becomes Component_class__hash (apply to both versions, then 'rehash').
  'css-modules': (root, r) => {
    const salt = String(Math.floor(r() * 1e6));
    for (const { node } of walk(root)) {
      if (!node.attrs.class) continue;
      node.attrs.class = node.attrs.class
        .split(/\s+/)
        .map(
          (c) =>
            `${node.tag === 'button' ? 'Button' : 'Page'}_${c.replace(/-([a-z])/g, (_, x: string) => x.toUpperCase())}__${hash(c + salt).slice(0, 5)}`,
        )
        .join(' ');
    }
  },
  // A rebuild of a CSS-modules app: the hashes change, the component/class stems stay.
  rehash: (root, r) => {
    const salt = String(Math.floor(r() * 1e6));
    for (const { node } of walk(root)) {
      if (!node.attrs.class) continue;
      node.attrs.class = node.attrs.class
        .split(/\s+/)
        .map((c) => (c.includes('__') ? `${c.slice(0, c.lastIndexOf('__'))}__${hash(c + salt).slice(0, 5)}` : c))
        .join(' ');
    }
  },
  // A new row / card / list item appears first in the target's list (new data since recording).
  'insert-row': (root) => {
    const t = mark(root);
    if (!t) return;
    const found = rowOf(root, t.node);
    if (!found) return;
    const first = found.container.children.find((c): c is Node => typeof c !== 'string' && c.tag === found.row.tag)!;
    const copy = structuredClone(first);
    for (const { node } of walk(copy)) {
      delete node.mark;
      delete node.attrs.id;
      if (!INTERACTIVE.has(node.tag))
        node.children = node.children.map((c) =>
          typeof c === 'string' && c.trim().length > 3 ? `Newly added ${c.trim()}` : c,
        );
    }
    found.container.children.splice(found.container.children.indexOf(first), 0, copy);
  },
};
