// Tier 3: find an element's picture (template) in a screenshot with OpenCV (WebAssembly), at half
// scale in grayscale. Accept only a strong peak that is unique on the screen.
import { createRequire } from 'node:module';
import type { Box } from './types.js';
import { halfScale, regionOf, type GrayImage } from './png.js';

/** Normalised cross-correlation a match must reach... */
export const MIN_CORRELATION = 0.85;
/** ...and by which it must beat any other place in the screenshot (identical icons elsewhere). */
export const MIN_PEAK_LEAD = 0.04;

// The parts of the OpenCV.js API used here.
interface Mat {
  data: Uint8Array;
  data32F: Float32Array;
  delete(): void;
  roi(r: unknown): Mat;
  setTo(value: unknown): Mat;
  rows: number;
  cols: number;
  floatAt(r: number, c: number): number;
}
interface Cv {
  Mat: new (rows?: number, cols?: number, type?: number) => Mat;
  Rect: new (x: number, y: number, w: number, h: number) => unknown;
  Scalar: new (v: number) => unknown;
  CV_8UC1: number;
  TM_CCOEFF_NORMED: number;
  matchTemplate(img: Mat, tpl: Mat, out: Mat, method: number): void;
  minMaxLoc(m: Mat): { maxVal: number; maxLoc: { x: number; y: number } };
  onRuntimeInitialized?: () => void;
}

// Boxed: the OpenCV module object is a thenable that resolves to itself, so it must never be
// handed to resolve() or await directly (that loops forever).
let cvReady: Promise<{ cv: Cv }> | null = null;

/** Load OpenCV.js once per process (about 0.5-1 s the first time). */
export async function loadOpenCv(): Promise<{ cv: Cv }> {
  cvReady ??= new Promise<{ cv: Cv }>((resolve) => {
    const cv = createRequire(import.meta.url)('@techstark/opencv-js') as Cv;
    if (typeof (cv as { Mat?: unknown }).Mat === 'function') resolve({ cv });
    else cv.onRuntimeInitialized = () => resolve({ cv });
  });
  return cvReady;
}

/** `img` without a border of `by` pixels. */
function crop(img: GrayImage, by: number): GrayImage {
  return by <= 0 ? img : regionOf(img, { x: by, y: by, width: img.width - 2 * by, height: img.height - 2 * by });
}

function toMat(cv: Cv, img: GrayImage): Mat {
  const m = new cv.Mat(img.height, img.width, cv.CV_8UC1);
  m.data.set(img.data);
  return m;
}

/** The scale and inset a template is matched at, with both images prepared for it. */
function prepare(screen: GrayImage, template: GrayImage) {
  // Half scale (fast, the measured ~10 ms path) unless the template is small: a 34 px icon
  // button would shrink to a blur where every button of the toolbar looks alike.
  const f = Math.min(template.width, template.height) >= 48 ? 2 : 1;
  const s = f === 2 ? halfScale(screen) : screen;
  // The element's own border and background are shared with its siblings; the inside tells them apart.
  const inset = Math.min(template.width, template.height) >= 20 ? 3 : 0;
  const t = crop(f === 2 ? halfScale(template) : template, Math.floor(inset / f));
  return { f, inset, s, t };
}

export interface VisualMatch {
  /** Box of the match, in the screenshot's (full-scale) pixels. */
  box: Box;
  score: number;
}

interface Peak {
  x: number;
  y: number;
  score: number;
  second: number;
}

/** Best and second-best (away from the best) correlation peaks of tpl over img. */
function peaks(cv: Cv, img: Mat, tpl: Mat): Peak | null {
  if (tpl.rows > img.rows || tpl.cols > img.cols) return null;
  const res = new cv.Mat();
  try {
    cv.matchTemplate(img, tpl, res, cv.TM_CCOEFF_NORMED);
    const { maxVal, maxLoc } = cv.minMaxLoc(res);
    // Second peak: the best outside a template-sized window around the first (that window blanked).
    const rx = Math.max(2, tpl.cols >> 1);
    const ry = Math.max(2, tpl.rows >> 1);
    const x0 = Math.max(0, maxLoc.x - rx);
    const y0 = Math.max(0, maxLoc.y - ry);
    const w = Math.min(res.cols, maxLoc.x + rx + 1) - x0;
    const h = Math.min(res.rows, maxLoc.y + ry + 1) - y0;
    const window = res.roi(new cv.Rect(x0, y0, w, h));
    window.setTo(new cv.Scalar(-1));
    window.delete();
    const second = w === res.cols && h === res.rows ? -1 : cv.minMaxLoc(res).maxVal;
    return { x: maxLoc.x, y: maxLoc.y, score: maxVal, second };
  } finally {
    res.delete();
  }
}

/**
 * Find `template` in `screen` (both full-scale grayscale); returns null (abstain) unless the match is
 * strong and unique on the whole screen. Where the element last was breaks no ties: a peak unique only
 * near its old place would pick one of several identical icons by position, and a page that moved
 * makes that the wrong one (seen on real version changes: Swagger UI's per-operation lock icons).
 */
export async function findTemplate(
  screen: GrayImage,
  template: GrayImage,
  minCorrelation = MIN_CORRELATION,
): Promise<VisualMatch | null> {
  const { cv } = await loadOpenCv();
  const { f, inset, s, t } = prepare(screen, template);
  if (t.width < 4 || t.height < 4) return null;
  const img = toMat(cv, s);
  const tpl = toMat(cv, t);
  try {
    const accept = (p: Peak | null, ox: number, oy: number): VisualMatch | null =>
      p && p.score >= minCorrelation
        ? {
            box: {
              x: (p.x + ox) * f - inset,
              y: (p.y + oy) * f - inset,
              width: template.width,
              height: template.height,
            },
            score: p.score,
          }
        : null;
    const p = peaks(cv, img, tpl);
    if (!p || p.second > p.score - MIN_PEAK_LEAD) return null;
    return accept(p, 0, 0);
  } finally {
    img.delete();
    tpl.delete();
  }
}

/** Correlation the surroundings of the best place must reach... */
export const MIN_SURROUNDINGS_CORRELATION = 0.8;
/** ...and by which they must beat those of every other place where the element's picture matches. */
export const MIN_SURROUNDINGS_LEAD = 0.1;

/**
 * Every place (at most `max`) where `template` matches at least `minCorrelation`, best first, as boxes
 * in the screen's pixels: the identical elements a unique picture could not tell apart.
 */
export async function findAll(
  screen: GrayImage,
  template: GrayImage,
  minCorrelation = MIN_CORRELATION,
  max = 40,
): Promise<VisualMatch[]> {
  const { cv } = await loadOpenCv();
  const { f, inset, s, t } = prepare(screen, template);
  if (t.width < 4 || t.height < 4 || t.width > s.width || t.height > s.height) return [];
  const img = toMat(cv, s);
  const tpl = toMat(cv, t);
  const res = new cv.Mat();
  try {
    cv.matchTemplate(img, tpl, res, cv.TM_CCOEFF_NORMED);
    const r = res.data32F;
    const rx = Math.max(2, t.width >> 1);
    const ry = Math.max(2, t.height >> 1);
    // One pass for every place above the bar (few: clusters around the matches), then the best of each
    // cluster, best first: a place within a template-sized window of a better one is the same match.
    const above: number[] = [];
    for (let i = 0; i < r.length; i++) if (r[i]! >= minCorrelation) above.push(i);
    above.sort((a, b) => r[b]! - r[a]!);
    const out: VisualMatch[] = [];
    const kept: { x: number; y: number }[] = [];
    for (const i of above) {
      const x = i % res.cols;
      const y = (i - x) / res.cols;
      if (kept.some((k) => Math.abs(k.x - x) <= rx && Math.abs(k.y - y) <= ry)) continue;
      kept.push({ x, y });
      out.push({
        box: { x: x * f - inset, y: y * f - inset, width: template.width, height: template.height },
        score: r[i]!,
      });
      if (out.length >= max) break;
    }
    return out;
  } finally {
    res.delete();
    img.delete();
    tpl.delete();
  }
}

/**
 * Pearson correlation of the recorded surroundings (`context` without the element's own `focus`
 * rectangle) with the screen around an element found at `at` (the element's box on the screen); only
 * the part of the surroundings that lies on the screen counts. Null when too little of it does, or it
 * shows nothing (a blank margin tells nothing apart).
 */
export function surroundingsCorrelation(screen: GrayImage, context: GrayImage, focus: Box, at: Box): number | null {
  const ox = Math.round(at.x - focus.x);
  const oy = Math.round(at.y - focus.y);
  const fx0 = Math.round(focus.x);
  const fy0 = Math.round(focus.y);
  const fx1 = fx0 + Math.round(focus.width);
  const fy1 = fy0 + Math.round(focus.height);
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let y = 0; y < context.height; y++) {
    const sy = y + oy;
    if (sy < 0 || sy >= screen.height) continue;
    for (let x = 0; x < context.width; x++) {
      if (x >= fx0 && x < fx1 && y >= fy0 && y < fy1) continue;
      const sx = x + ox;
      if (sx < 0 || sx >= screen.width) continue;
      const a = context.data[y * context.width + x]!;
      const b = screen.data[sy * screen.width + sx]!;
      n++;
      sa += a;
      sb += b;
      saa += a * a;
      sbb += b * b;
      sab += a * b;
    }
  }
  const all = context.width * context.height - (fx1 - fx0) * (fy1 - fy0);
  if (n < 64 || n < all / 2) return null;
  const va = saa - (sa * sa) / n;
  const vb = sbb - (sb * sb) / n;
  // Nearly uniform surroundings (the variance of a few anti-aliased pixels) tell nothing apart.
  if (va < n * 4) return null;
  if (vb <= 0) return 0;
  return (sab - (sa * sb) / n) / Math.sqrt(va * vb);
}

/** How far the surroundings may have moved relative to the element (CSS pixels), and the step tried. */
export const SURROUNDINGS_SHIFT = { x: 12, y: 4, step: 2 };

/**
 * surroundingsCorrelation at the best small shift of the surroundings relative to the element: a new
 * version moves a row's label or a badge's path text by a few pixels, which a pixel correlation punishes.
 */
export function shiftedSurroundingsCorrelation(
  screen: GrayImage,
  context: GrayImage,
  focus: Box,
  at: Box,
): number | null {
  let best: number | null = null;
  const { x: rx, y: ry, step } = SURROUNDINGS_SHIFT;
  for (let dy = -ry; dy <= ry; dy += step)
    for (let dx = -rx; dx <= rx; dx += step) {
      const c = surroundingsCorrelation(screen, context, focus, { ...at, x: at.x + dx, y: at.y + dy });
      if (c !== null && (best === null || c > best)) best = c;
    }
  return best;
}

/**
 * Where the element recorded in `context` (at `focus`) is on the screen when its own picture matches
 * several places: the one place whose surroundings match the recorded ones, clearly better than every
 * other. Null (with why) otherwise.
 */
export async function findBySurroundings(
  screen: GrayImage,
  context: GrayImage,
  focus: Box,
  minCorrelation = MIN_CORRELATION,
): Promise<{ match: VisualMatch | null; reason: string }> {
  const element = regionOf(context, focus);
  const places = await findAll(screen, element, minCorrelation);
  if (places.length === 0) return { match: null, reason: 'template not found on screen' };
  const scored = places
    .map((p) => ({ p, around: shiftedSurroundingsCorrelation(screen, context, focus, p.box) }))
    .sort((a, b) => (b.around ?? -1) - (a.around ?? -1));
  const [best, second] = scored;
  if (best!.around === null) return { match: null, reason: 'its surroundings show nothing to tell it apart' };
  if (best!.around < MIN_SURROUNDINGS_CORRELATION)
    return { match: null, reason: `surroundings changed (correlation ${best!.around.toFixed(2)})` };
  if (second && (second.around ?? -1) > best!.around - MIN_SURROUNDINGS_LEAD)
    return {
      match: null,
      reason: `${places.length} places match, surroundings too alike (${best!.around.toFixed(2)} vs ${second.around!.toFixed(2)})`,
    };
  return { match: best!.p, reason: '' };
}
