// The code that runs INSIDE the page to describe elements, in one evaluate() call. It is kept as
// plain JavaScript source (not a compiled TS function) so that no transpiler helper can leak into
// the page; `inPageFunction` turns it into a function object Playwright serialises as-is.
//
// Called as fn(element, opts) (describe one element) or fn(opts) (collect candidates), where
// opts = { kind?: string, tag?: string, max?: number }. Returns descriptors with box in document
// coordinates (scroll-independent) plus `kind` and `visible` bookkeeping fields.

export const IN_PAGE_SOURCE = String.raw`(first, second) => {
  const single = first instanceof Element ? first : null;
  const opts = (single ? second : first) || {};
  const sx = window.scrollX, sy = window.scrollY;
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const cut = (s, n) => (s.length > n ? s.slice(0, n) : s);
  const attr = (el, n) => { const v = el.getAttribute(n); return v === null ? undefined : v; };

  const INPUT_ROLES = { button: 'button', submit: 'button', reset: 'button', image: 'button', checkbox: 'checkbox',
    radio: 'radio', range: 'slider', number: 'spinbutton', search: 'searchbox', email: 'textbox', tel: 'textbox',
    text: 'textbox', url: 'textbox', password: 'textbox', '': 'textbox' };
  const TAG_ROLES = { button: 'button', textarea: 'textbox', h1: 'heading', h2: 'heading', h3: 'heading', h4: 'heading',
    h5: 'heading', h6: 'heading', nav: 'navigation', main: 'main', td: 'cell', th: 'columnheader', li: 'listitem',
    ul: 'list', ol: 'list', table: 'table', tr: 'row', form: 'form', dialog: 'dialog', option: 'option',
    summary: 'button', img: 'img', progress: 'progressbar', article: 'article', aside: 'complementary' };
  function roleOf(el) {
    const explicit = attr(el, 'role');
    if (explicit) return explicit.split(/\s+/)[0];
    const tag = el.localName;
    if (tag === 'a' || tag === 'area') return el.hasAttribute('href') ? 'link' : undefined;
    if (tag === 'input') return INPUT_ROLES[(attr(el, 'type') || '').toLowerCase()] || (attr(el, 'type') === 'hidden' ? undefined : 'textbox');
    if (tag === 'select') return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
    if (tag === 'img' && attr(el, 'alt') === '') return 'presentation';
    return TAG_ROLES[tag];
  }
  function kindOf(el, role) {
    const tag = el.localName; const type = (attr(el, 'type') || '').toLowerCase();
    if (role === 'checkbox' || role === 'radio' || role === 'switch') return 'toggle';
    if (tag === 'select' || role === 'combobox' || role === 'listbox') return 'select';
    if ((tag === 'input' && ['submit', 'button', 'reset', 'image'].includes(type)) || tag === 'button' || tag === 'a' || tag === 'summary' ||
        ['button', 'link', 'menuitem', 'tab', 'option'].includes(role)) return 'action';
    if (tag === 'input' || tag === 'textarea' || ['textbox', 'searchbox', 'spinbutton'].includes(role)) return 'textbox';
    if (['img', 'svg', 'picture', 'canvas'].includes(tag) || role === 'img') return 'image';
    if (/^h[1-6]$/.test(tag) || role === 'heading') return 'heading';
    if (tag === 'td' || tag === 'th' || ['cell', 'gridcell', 'columnheader', 'rowheader'].includes(role)) return 'cell';
    return 'other:' + tag;
  }
  const textById = (ids) => norm(ids.split(/\s+/).map((id) => { const e = document.getElementById(id); return e ? e.textContent : ''; }).join(' '));
  function labelOf(el) {
    const by = attr(el, 'aria-labelledby');
    if (by) { const t = textById(by); if (t) return t; }
    if (el.labels && el.labels.length) return norm(Array.from(el.labels).map((l) => labelText(l, el)).join(' '));
    return undefined;
  }
  // A wrapping label's text without the control's own text (e.g. <select> options).
  function labelText(label, control) {
    if (!label.contains(control)) return label.textContent || '';
    let s = '';
    const walk = (n) => { for (const c of n.childNodes) { if (c === control) continue; if (c.nodeType === 3) s += c.textContent; else if (c.nodeType === 1 && !['select', 'textarea', 'input'].includes(c.localName)) walk(c); } };
    walk(label);
    return s;
  }
  const isField = (tag) => tag === 'input' || tag === 'select' || tag === 'textarea';
  function accessibleName(el, role, label) {
    const by = attr(el, 'aria-labelledby');
    if (by) { const t = textById(by); if (t) return t; }
    const aria = norm(attr(el, 'aria-label'));
    if (aria) return aria;
    const tag = el.localName;
    if (label) return label;
    if (tag === 'input') {
      const type = (attr(el, 'type') || '').toLowerCase();
      if (['submit', 'button', 'reset'].includes(type)) return norm(el.value) || (type === 'submit' ? 'Submit' : type === 'reset' ? 'Reset' : undefined);
      if (type === 'image') return norm(attr(el, 'alt'));
    }
    if (tag === 'img') return norm(attr(el, 'alt')) || norm(attr(el, 'title')) || undefined;
    if (isField(tag)) return norm(attr(el, 'placeholder')) || norm(attr(el, 'title')) || undefined;
    if (['button', 'link', 'heading', 'cell', 'columnheader', 'rowheader', 'gridcell', 'menuitem', 'tab', 'option', 'checkbox', 'radio', 'switch', 'listitem'].includes(role) || tag === 'summary') {
      const t = cut(norm(el.textContent), 200);
      if (t) return t;
      const img = el.querySelector('img[alt]');
      if (img) return norm(attr(img, 'alt'));
      const svgTitle = el.querySelector('svg title');
      if (svgTitle) return norm(svgTitle.textContent);
    }
    return norm(attr(el, 'title')) || undefined;
  }
  function ownText(el) {
    let s = '';
    for (const c of el.childNodes) if (c.nodeType === 3) s += c.textContent;
    return norm(s);
  }
  const GENERATED = /\d{3,}|^:r|^(ember|ext-gen|mui-|react-select-|radix-|headlessui-)/;
  const stableId = (id) => id && !GENERATED.test(id) && !/[0-9a-f]{8}/i.test(id);
  const segCache = new Map();
  function segment(el) {
    let s = segCache.get(el);
    if (s) return s;
    const tag = el.localName;
    const p = el.parentElement;
    s = tag;
    if (p) {
      let n = 0, idx = 0;
      for (const c of p.children) if (c.localName === tag) { n++; if (c === el) idx = n; }
      if (n > 1) s = tag + '[' + idx + ']';
    }
    segCache.set(el, s);
    return s;
  }
  const pathCache = new Map();
  function xpathOf(el) {
    if (el === document.documentElement) return '/html';
    let p = pathCache.get(el);
    if (p) return p;
    p = (el.parentElement ? xpathOf(el.parentElement) : '') + '/' + segment(el);
    pathCache.set(el, p);
    return p;
  }
  function idXpathOf(el) {
    const segs = [];
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      if (e.id && stableId(e.id)) return '//*[@id="' + e.id + '"]' + (segs.length ? '/' + segs.reverse().join('/') : '');
      segs.push(segment(e));
    }
    return xpathOf(el);
  }
  const KEEP_ATTRS = new Set(['aria-label', 'aria-haspopup', 'aria-roledescription', 'autocomplete', 'inputmode', 'for', 'rel', 'target', 'method', 'action']);
  function attributesOf(el) {
    const out = {};
    let n = 0;
    for (const a of el.attributes) {
      if ((a.name.startsWith('data-') || KEEP_ATTRS.has(a.name)) && a.value.length <= 200 && n < 20) { out[a.name] = a.value; n++; }
    }
    return out;
  }
  function rectOf(el) {
    const r = el.getBoundingClientRect();
    return { x: Math.round(r.left + sx), y: Math.round(r.top + sy), width: Math.round(r.width), height: Math.round(r.height) };
  }
  function visible(el, box) {
    if (box.width <= 0 || box.height <= 0) return false;
    return el.checkVisibility ? el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) : true;
  }

  // Text items for neighbour texts: elements with their own text, and fields showing a placeholder.
  let textItems = null;
  let maxTextHeight = 0;
  function texts() {
    if (textItems) return textItems;
    textItems = [];
    for (const el of document.body.querySelectorAll('*')) {
      const tag = el.localName;
      if (tag === 'script' || tag === 'style' || tag === 'noscript' || tag === 'template' || tag === 'option') continue;
      let t = ownText(el);
      if (!t && isField(tag)) t = norm(attr(el, 'placeholder'));
      if (!t) continue;
      const b = rectOf(el);
      if (!visible(el, b)) continue;
      textItems.push({ el, t: cut(t, 80), b });
    }
    textItems.sort((p, q) => p.b.y + p.b.height - (q.b.y + q.b.height));
    for (const it of textItems) maxTextHeight = Math.max(maxTextHeight, Math.min(it.b.height, 1200));
    return textItems;
  }
  function lowerBound(items, y) {
    let lo = 0, hi = items.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (items[mid].b.y + items[mid].b.height < y) lo = mid + 1; else hi = mid; }
    return lo;
  }
  const related = (a, b) => a === b || a.contains(b) || b.contains(a);
  function neighbours(el, b) {
    const items = texts();
    const best = { above: null, below: null, left: null, right: null };
    const dist = { above: 400, below: 400, left: 400, right: 400 };
    // Items are sorted by bottom edge; only those within 400 px vertically can be neighbours.
    for (let i = lowerBound(items, b.y - 400); i < items.length; i++) {
      const it = items[i];
      const o = it.b;
      if (o.y > b.y + b.height + 400) { if (o.y + o.height > b.y + b.height + 400 + maxTextHeight) break; continue; }
      const hOverlap = Math.min(b.x + b.width, o.x + o.width) - Math.max(b.x, o.x);
      const vOverlap = Math.min(b.y + b.height, o.y + o.height) - Math.max(b.y, o.y);
      const hGap = Math.max(0, -hOverlap), vGap = Math.max(0, -vOverlap);
      let dir = null, d = 0;
      if (o.y + o.height <= b.y + 2 && hOverlap > -40) { dir = 'above'; d = b.y - (o.y + o.height) + hGap; }
      else if (o.y >= b.y + b.height - 2 && hOverlap > -40) { dir = 'below'; d = o.y - (b.y + b.height) + hGap; }
      if (dir && d < dist[dir] && !related(el, it.el)) { dist[dir] = d; best[dir] = it.t; }
      dir = null;
      if (o.x + o.width <= b.x + 2 && vOverlap > -4) { dir = 'left'; d = b.x - (o.x + o.width) + vGap; }
      else if (o.x >= b.x + b.width - 2 && vOverlap > -4) { dir = 'right'; d = o.x - (b.x + b.width) + vGap; }
      if (dir && d < dist[dir] && !related(el, it.el)) { dist[dir] = d; best[dir] = it.t; }
    }
    const out = {};
    for (const k of ['above', 'below', 'left', 'right']) if (best[k]) out[k] = best[k];
    return out;
  }
  function describe(el, withNeighbours) {
    const tag = el.localName;
    const role = roleOf(el);
    const box = rectOf(el);
    const label = isField(tag) || role === 'checkbox' || role === 'radio' ? labelOf(el) : undefined;
    const d = { tag, kind: kindOf(el, role), visible: visible(el, box), box, xpath: xpathOf(el), idXpath: idXpathOf(el) };
    const put = (k, v) => { if (v !== undefined && v !== null && v !== '') d[k] = v; };
    put('id', el.id || undefined);
    put('name', attr(el, 'name'));
    put('type', tag === 'input' || tag === 'button' ? (attr(el, 'type') || (tag === 'input' ? 'text' : 'submit')).toLowerCase() : undefined);
    put('role', role);
    put('accessibleName', accessibleName(el, role, label));
    if (el.classList.length) d.classes = Array.from(el.classList);
    if (!isField(tag)) put('text', cut(norm(tag === 'body' ? '' : el.textContent), 200));
    put('placeholder', attr(el, 'placeholder'));
    put('label', label);
    put('href', attr(el, 'href'));
    put('src', attr(el, 'src'));
    put('alt', attr(el, 'alt'));
    put('title', attr(el, 'title'));
    const attrs = attributesOf(el);
    if (Object.keys(attrs).length) d.attributes = attrs;
    if (withNeighbours) d.neighborText = neighbours(el, box);
    return d;
  }

  if (single && opts.xpathOnly) return xpathOf(single);
  if (single) return describe(single, true);
  if (opts.at) {
    // The element under a point of the viewport (tier 3), lifted to the control that contains it.
    const hit = document.elementFromPoint(opts.at.x, opts.at.y);
    if (!hit) return [];
    let el = hit;
    const ACT = ['action', 'textbox', 'select', 'toggle'];
    for (let e = hit, n = 0; e && e !== document.body && n < 6; e = e.parentElement, n++) if (ACT.includes(kindOf(e, roleOf(e)))) { el = e; break; }
    return [describe(el, true)];
  }
  const max = opts.max || 5000;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const tag = el.localName;
    if (tag === 'script' || tag === 'style' || tag === 'noscript' || tag === 'template' || tag === 'br' || tag === 'option') continue;
    if (opts.tag || opts.kind) {
      const role = roleOf(el);
      if (tag !== opts.tag && kindOf(el, role) !== opts.kind) continue;
    }
    if (el.checkVisibility && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    out.push(describe(el, true));
    if (!out[out.length - 1].visible) { out.pop(); continue; }
    if (out.length >= max) break;
  }
  // One JSON string: far cheaper to ship than Playwright's per-value serialisation of 1,000 objects.
  return JSON.stringify(out);
}`;

/** Build a Function whose source is IN_PAGE_SOURCE, so Playwright sends it verbatim. */
export function inPageFunction<A extends unknown[], R>(): (...args: A) => R {
  return new Function(`return (${IN_PAGE_SOURCE});`)() as (...args: A) => R;
}
