// Tier 3: find an element's picture (template) in a screenshot with OpenCV (WebAssembly), at half
// scale in grayscale. Accept only a strong peak that is unique on the screen.
import { createRequire } from 'node:module';
import type { Box } from './types.js';
import { halfScale, type GrayImage } from './png.js';

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
  rows: number;
  cols: number;
  floatAt(r: number, c: number): number;
}
interface Cv {
  Mat: new (rows?: number, cols?: number, type?: number) => Mat;
  Rect: new (x: number, y: number, w: number, h: number) => unknown;
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

function crop(img: GrayImage, by: number): GrayImage {
  if (by <= 0) return img;
  const w = img.width - 2 * by;
  const h = img.height - 2 * by;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    data.set(img.data.subarray((y + by) * img.width + by, (y + by) * img.width + by + w), y * w);
  return { width: w, height: h, data };
}

function toMat(cv: Cv, img: GrayImage): Mat {
  const m = new cv.Mat(img.height, img.width, cv.CV_8UC1);
  m.data.set(img.data);
  return m;
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
    // Second peak: the best outside a template-sized window around the first.
    let second = -1;
    const rx = Math.max(2, tpl.cols >> 1);
    const ry = Math.max(2, tpl.rows >> 1);
    const f = res.data32F;
    for (let y = 0; y < res.rows; y++) {
      const near = Math.abs(y - maxLoc.y) <= ry;
      for (let x = 0; x < res.cols; x++) {
        if (near && Math.abs(x - maxLoc.x) <= rx) continue;
        const v = f[y * res.cols + x]!;
        if (v > second) second = v;
      }
    }
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
  // Half scale (fast, the measured ~10 ms path) unless the template is small: a 34 px icon
  // button would shrink to a blur where every button of the toolbar looks alike.
  const f = Math.min(template.width, template.height) >= 48 ? 2 : 1;
  const s = f === 2 ? halfScale(screen) : screen;
  // The element's own border and background are shared with its siblings; the inside tells them apart.
  const inset = Math.min(template.width, template.height) >= 20 ? 3 : 0;
  const t = crop(f === 2 ? halfScale(template) : template, Math.floor(inset / f));
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
