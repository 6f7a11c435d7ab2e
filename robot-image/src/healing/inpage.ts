// The code that runs INSIDE the page to describe elements, in one evaluate() call. It is kept as
// plain JavaScript source (not a compiled TS function) so that no transpiler helper can leak into
// the page; `inPageFunction` turns it into a function object Playwright serialises as-is.
//
// Called as fn(element, opts) (describe one element) or fn(opts) (collect candidates), where
// opts = { kind?: string, tag?: string, max?: number }; tag and kind narrow the candidates only for a
// recorded control (pool.ts). Returns descriptors with box in document coordinates
// (scroll-independent) plus `kind` and `visible` bookkeeping fields.
//
// Same-origin iframes and open shadow roots are searched too. Coordinates are always those of the
// topmost same-origin document, whichever frame the function runs in. An element inside an iframe
// gets `frame` (a selector per iframe, outermost first); one inside a shadow root gets `deepCss`, a
// CSS path whose child combinators Playwright lets cross shadow boundaries.
//
// fn(element, { aids: true }) also returns `aids`: raw anchor candidates near the element (labels,
// aria-labelledby, the nearest headings above, a fieldset legend, a table column header, the nearest
// short text on its row, a named landmark around it) and whether a picture of it may be recorded.
//
// Every described element also gets `sectionHeadings`: the headings of the sections it sits in,
// innermost first (see sectionHeadingsOf).
import { KEPT_BY_HINT_SOURCE } from './pool.js';

export const IN_PAGE_SOURCE = String.raw`(first, second) => {
  const single = first && first.nodeType === 1 ? first : null;
  const opts = (single ? second : first) || {};
  // The topmost same-origin window: boxes are in its document's coordinates.
  let topWin = window;
  try { while (topWin.parent !== topWin && topWin.parent.document) topWin = topWin.parent; } catch (e) { /* cross-origin parent */ }
  const topDoc = topWin.document;
  const sx = topWin.scrollX, sy = topWin.scrollY;
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
  const rootOf = (el) => { const r = el.getRootNode(); return r && r.getElementById ? r : el.ownerDocument; };
  const byIds = (el, ids) => ids.split(/\s+/).map((id) => rootOf(el).getElementById(id)).filter((e) => e);
  const textById = (el, ids) => norm(byIds(el, ids).map((e) => e.textContent).join(' '));
  function labelOf(el) {
    const by = attr(el, 'aria-labelledby');
    if (by) { const t = textById(el, by); if (t) return t; }
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
    if (by) { const t = textById(el, by); if (t) return t; }
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
  const GENERATED = /\d{3,}|^:r|:r[0-9a-z]{1,4}:|^(ember|ext-gen|mui-|react-select-|radix-|headlessui-)/;
  // A part of 8+ characters with digits mixed in and the case flipping often: a random key (text.ts).
  const randomPart = (id) => id.split(/[-_:./\s]+/).some((p) => p.length >= 8 && (p.match(/\d/g) || []).length >= 2 &&
    p.replace(/[a-z]+/g, 'a').replace(/[A-Z]+/g, 'A').replace(/\d+/g, '1').length >= 6);
  const stableId = (id) => id && !GENERATED.test(id) && !/[0-9a-f]{8}/i.test(id) && !randomPart(id);
  const segCache = new Map();
  // Position among same-tag siblings (1-based) and how many there are; a shadow root's top
  // elements count among the root's children.
  function position(el) {
    let s = segCache.get(el);
    if (s) return s;
    const tag = el.localName;
    const p = el.parentElement || el.parentNode;
    let n = 0, idx = 1;
    if (p && p.children) for (const c of p.children) if (c.localName === tag) { n++; if (c === el) idx = n; }
    s = { n, idx };
    segCache.set(el, s);
    return s;
  }
  function segment(el) {
    const { n, idx } = position(el);
    return n > 1 ? el.localName + '[' + idx + ']' : el.localName;
  }
  const inShadow = (el) => el.getRootNode().nodeType === 11;
  const hostOf = (el) => { const r = el.getRootNode(); return r.nodeType === 11 ? r.host : null; };
  const pathCache = new Map();
  // An element in a shadow root: its host's XPath, '/shadow()', then its path in the root. Not XPath
  // an engine evaluates (deepCss is how such an element is located), but comparable like one.
  function xpathOf(el) {
    if (el === el.ownerDocument.documentElement) return '/html';
    let p = pathCache.get(el);
    if (p) return p;
    const parent = el.parentElement;
    p = (parent ? xpathOf(parent) : hostOf(el) ? xpathOf(hostOf(el)) + '/shadow()' : '') + '/' + segment(el);
    pathCache.set(el, p);
    return p;
  }
  const cssCache = new Map();
  function cssPathOf(el) {
    if (el === el.ownerDocument.documentElement) return 'html';
    let p = cssCache.get(el);
    if (p) return p;
    const parent = el.parentElement || hostOf(el);
    const tag = CSS.escape(el.localName);
    p = (parent ? cssPathOf(parent) + ' > ' : '') + tag + ':nth-of-type(' + position(el).idx + ')';
    cssCache.set(el, p);
    return p;
  }
  const selectorOf = (el) => (inShadow(el) ? 'css=' + cssPathOf(el) : 'xpath=' + xpathOf(el));
  // Where a document's viewport sits in the top document's viewport, and the iframes leading to it.
  const frameCache = new Map();
  function frameOf(doc) {
    let f = frameCache.get(doc);
    if (f) return f;
    let fe = null;
    try { fe = doc.defaultView && doc.defaultView !== topWin ? doc.defaultView.frameElement : null; } catch (e) { fe = null; }
    if (!fe) f = { ox: 0, oy: 0, path: [] };
    else {
      const up = frameOf(fe.ownerDocument);
      const r = fe.getBoundingClientRect();
      const cs = fe.ownerDocument.defaultView.getComputedStyle(fe);
      f = { ox: up.ox + r.left + fe.clientLeft + (parseFloat(cs.paddingLeft) || 0),
            oy: up.oy + r.top + fe.clientTop + (parseFloat(cs.paddingTop) || 0), path: up.path.concat([selectorOf(fe)]) };
    }
    frameCache.set(doc, f);
    return f;
  }
  function idXpathOf(el) {
    if (inShadow(el)) return xpathOf(el);
    const segs = [];
    for (let e = el; e && e !== el.ownerDocument.documentElement; e = e.parentElement) {
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
    const f = frameOf(el.ownerDocument);
    return { x: Math.round(r.left + f.ox + sx), y: Math.round(r.top + f.oy + sy), width: Math.round(r.width), height: Math.round(r.height) };
  }
  const SKIP = new Set(['script', 'style', 'noscript', 'template', 'br', 'option']);
  // Every element of the top document, its open shadow roots and its visible same-origin iframes
  // (a host's shadow content and a frame's document follow the host / iframe element).
  let every = null;
  function everyElement() {
    if (every) return every;
    every = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        every.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
        if (el.localName === 'iframe' || el.localName === 'frame') {
          let d = null;
          try { d = el.contentDocument; } catch (e) { d = null; }
          if (d && d.body && (!el.checkVisibility || el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }))) walk(d.body);
        }
      }
    };
    if (topDoc.body) walk(topDoc.body);
    return every;
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
    for (const el of everyElement()) {
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
      // Left and right: on the same row, i.e. one's vertical centre within the other's span (a text
      // of the row above that merely touches the element is not beside it: tree rows).
      const oc = o.y + o.height / 2, bc = b.y + b.height / 2;
      const sameRow = (oc >= b.y - 1 && oc <= b.y + b.height + 1) || (bc >= o.y - 1 && bc <= o.y + o.height + 1);
      if (o.x + o.width <= b.x + 2 && sameRow) { dir = 'left'; d = b.x - (o.x + o.width) + vGap; }
      else if (o.x >= b.x + b.width - 2 && sameRow) { dir = 'right'; d = o.x - (b.x + b.width) + vGap; }
      if (dir && d < dist[dir] && !related(el, it.el)) { dist[dir] = d; best[dir] = it.t; }
    }
    const out = {};
    for (const k of ['above', 'below', 'left', 'right']) if (best[k]) out[k] = best[k];
    return out;
  }
  // The headings of the sections an element sits in, innermost first, up to 3: for each ancestor,
  // its first visible heading when that comes before the element in document order (the title of
  // the section the ancestor is). Levels are ignored: rewrites renumber them. What tells identical
  // rows of different sections apart ("400 Invalid ID supplied" under "Deletes a pet" vs "Update an
  // existing pet"). One pass over the page's headings, shared by every element described.
  let firstHeading = null;
  let order = null;
  const isHeading = (e) => /^h[1-6]$/.test(e.localName) || attr(e, 'role') === 'heading';
  const up = (e) => e.parentElement || hostOf(e);
  function sectionHeadingsOf(el) {
    if (!firstHeading) {
      firstHeading = new Map();
      order = new Map();
      const all = everyElement();
      for (let i = 0; i < all.length; i++) order.set(all[i], i);
      for (const h of all) {
        if (!isHeading(h) || !norm(h.textContent)) continue;
        if (h.checkVisibility && !h.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
        for (let a = up(h); a && !firstHeading.has(a); a = up(a)) firstHeading.set(a, h);
      }
    }
    const out = [];
    const at = order.get(el);
    for (let a = up(el), n = 0; a && out.length < 3 && n < 40; a = up(a), n++) {
      const h = firstHeading.get(a);
      if (!h || h === el || !(order.get(h) < at)) continue;
      const t = cut(norm(h.textContent), 80);
      if (!out.includes(t)) out.push(t);
    }
    return out;
  }
  function describe(el, withNeighbours) {
    const tag = el.localName;
    const role = roleOf(el);
    const box = rectOf(el);
    const label = isField(tag) || role === 'checkbox' || role === 'radio' ? labelOf(el) : undefined;
    const d = { tag, kind: kindOf(el, role), visible: visible(el, box), box, xpath: xpathOf(el), idXpath: idXpathOf(el) };
    const put = (k, v) => { if (v !== undefined && v !== null && v !== '') d[k] = v; };
    const frame = frameOf(el.ownerDocument).path;
    if (frame.length) d.frame = frame;
    if (inShadow(el)) d.deepCss = cssPathOf(el);
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
    if (withNeighbours) {
      d.neighborText = neighbours(el, box);
      const sections = sectionHeadingsOf(el);
      if (sections.length) d.sectionHeadings = sections;
    }
    return d;
  }

  // Raw anchor candidates for automatic tier-2 anchors (chosen in anchors.ts).
  function anchorsOf(el) {
    const out = [];
    const add = (source, a, text, role) => {
      const t = cut(norm(text), 120);
      if (!t || a === el || !visible(a, rectOf(a))) return;
      out.push({ source, text: t, tag: a.localName, ...(role ? { role } : {}), box: rectOf(a), frame: frameOf(a.ownerDocument).path, shadow: inShadow(a) });
    };
    const tag = el.localName;
    if (el.labels) for (const l of el.labels) add('label', l, labelText(l, el));
    const by = attr(el, 'aria-labelledby');
    if (by) for (const a of byIds(el, by)) add('labelledby', a, a.textContent);
    const up = (e) => e.parentElement || hostOf(e);
    for (let e = up(el); e; e = up(e)) {
      if (e.localName === 'fieldset') {
        const legend = Array.from(e.children).find((c) => c.localName === 'legend');
        if (legend) add('legend', legend, legend.textContent);
        break;
      }
    }
    const cell = el.closest ? el.closest('td, th') : null;
    if (cell && tag !== 'th') {
      const table = cell.closest('table');
      const row = cell.parentElement;
      if (table && row) {
        const index = Array.from(row.children).indexOf(cell);
        const headRow = (table.tHead && table.tHead.rows[0]) || Array.from(table.rows).find((r) => Array.from(r.cells).every((c) => c.localName === 'th'));
        const th = headRow && headRow !== row ? headRow.cells[index] : null;
        if (th) add('columnheader', th, th.textContent, 'columnheader');
      }
    }
    // The nearest headings above, in the same document.
    const b = rectOf(el);
    const heads = [];
    for (const h of el.ownerDocument.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')) {
      const hb = rectOf(h);
      if (hb.y + hb.height <= b.y + 2 && hb.width > 0) heads.push({ h, d: b.y - (hb.y + hb.height) });
    }
    heads.sort((p, q) => p.d - q.d);
    for (const x of heads.slice(0, 2)) add('heading', x.h, x.h.textContent, 'heading');
    // The nearest short text on the element's own row (a tree row's field name beside its buttons):
    // what tells identical per-row buttons apart. Text-only elements, beside the element, within 300 px.
    const cy = b.y + b.height / 2;
    let row = null;
    for (const t of el.ownerDocument.querySelectorAll('body *')) {
      if (t.children.length > 0 || t === el || t.contains(el) || el.contains(t) || SKIP.has(t.localName)) continue;
      const text = norm(t.textContent);
      if (!text || text.length > 40) continue;
      const tb = rectOf(t);
      if (tb.width === 0 || cy < tb.y || cy > tb.y + tb.height) continue;
      const dx = tb.x >= b.x + b.width ? tb.x - b.x - b.width : tb.x + tb.width <= b.x ? b.x - tb.x - tb.width : -1;
      if (dx >= 0 && dx <= 300 && (!row || dx < row.dx)) row = { t, dx, text };
    }
    // A text already recorded (the field's own label on its row) tells nothing more.
    if (row && !out.some((o) => o.text === cut(norm(row.text), 120))) add('rowtext', row.t, row.text);
    const LANDMARK = { nav: 'navigation', aside: 'complementary', form: 'form', section: 'region', dialog: 'dialog', fieldset: 'group' };
    for (let e = up(el), n = 0; e && n < 12; e = up(e), n++) {
      const role = attr(e, 'role') || LANDMARK[e.localName];
      const name = norm(attr(e, 'aria-label')) || (attr(e, 'aria-labelledby') ? textById(e, attr(e, 'aria-labelledby')) : '');
      if (role && name) { add('landmark', e, name, role); break; }
    }
    return out;
  }
  // A picture of the element may be recorded unless it may show what was typed into it.
  function imageSafe(el) {
    const tag = el.localName;
    if (el.isContentEditable) return false;
    if (tag === 'input') return (attr(el, 'type') || '').toLowerCase() !== 'password' && !el.value;
    if (tag === 'textarea') return !el.value;
    return !el.querySelector || !Array.from(el.querySelectorAll('input, textarea')).some((f) => f.value);
  }

  if (single && opts.xpathOnly) return xpathOf(single);
  if (single && opts.boxOnly) return { box: rectOf(single), xpath: xpathOf(single), frame: frameOf(single.ownerDocument).path };
  if (single && opts.aids) {
    const d = describe(single, true);
    const b = d.box;
    const vw = topWin.innerWidth, vh = topWin.innerHeight;
    d.aids = { anchors: anchorsOf(single), imageSafe: imageSafe(single),
      inViewport: b.x - sx >= 0 && b.y - sy >= 0 && b.x - sx + b.width <= vw && b.y - sy + b.height <= vh };
    return d;
  }
  if (single) return describe(single, true);
  if (opts.at) {
    // The element under a point of the viewport (tier 3), inside open shadow roots and same-origin
    // iframes, lifted to the control that contains it.
    let x = opts.at.x, y = opts.at.y;
    let hit = topDoc.elementFromPoint(x, y);
    for (let n = 0; hit && n < 16; n++) {
      if (hit.shadowRoot) {
        const inner = hit.shadowRoot.elementFromPoint(x, y);
        if (inner && inner !== hit) { hit = inner; continue; }
      }
      if (hit.localName === 'iframe' || hit.localName === 'frame') {
        let d = null;
        try { d = hit.contentDocument; } catch (e) { d = null; }
        if (d) {
          const r = hit.getBoundingClientRect();
          const cs = hit.ownerDocument.defaultView.getComputedStyle(hit);
          x -= r.left + hit.clientLeft + (parseFloat(cs.paddingLeft) || 0);
          y -= r.top + hit.clientTop + (parseFloat(cs.paddingTop) || 0);
          const inner = d.elementFromPoint(x, y);
          if (inner) { hit = inner; continue; }
        }
      }
      break;
    }
    if (!hit) return [];
    // opts.chain: the hit and its ancestors (up to 6, below the body), innermost first, for the caller
    // to choose the one like the recorded element (a heading's text, not the button around it).
    if (opts.chain) {
      const out = [];
      for (let e = hit, n = 0; e && e !== e.ownerDocument.body && n < 7; e = e.parentElement || hostOf(e), n++) out.push(describe(e, true));
      return out;
    }
    let el = hit;
    const ACT = ['action', 'textbox', 'select', 'toggle'];
    for (let e = hit, n = 0; e && e !== e.ownerDocument.body && n < 6; e = e.parentElement || hostOf(e), n++) if (ACT.includes(kindOf(e, roleOf(e)))) { el = e; break; }
    return [describe(el, true)];
  }
  const max = opts.max || 5000;
  const keptByHint = ${KEPT_BY_HINT_SOURCE};
  const out = [];
  for (const el of everyElement()) {
    const tag = el.localName;
    if (SKIP.has(tag)) continue;
    if ((opts.tag || opts.kind) && !keptByHint(opts, tag, kindOf(el, roleOf(el)))) continue;
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
