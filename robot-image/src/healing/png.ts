// Minimal PNG decoder (8-bit grey/RGB/RGBA, non-interlaced: what Chromium screenshots are) into a
// grayscale image at half scale, the working format of the visual matcher. No dependency. Sizes
// are capped before anything is allocated or inflated: screenshots and workflow templates alike.
import { inflateSync } from 'node:zlib';
import { MAX_TEMPLATE_PIXELS, MAX_TEMPLATE_SIDE } from '../../../api/v1alpha1/png-header.js';

export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  // Absolute values by hand: this runs per byte, and under a test runner's VM context Math.abs is
  // another realm's function that the JIT does not inline (about 15 times slower there).
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undo one row's PNG filter (`f`, 0–4) from `bytes` at `start` into `cur`, given the row above. */
function unfilterRow(
  f: number,
  bytes: Uint8Array,
  start: number,
  cur: Uint8Array,
  prev: Uint8Array,
  channels: number,
): void {
  const n = cur.length;
  switch (f) {
    case 0:
      cur.set(bytes.subarray(start, start + n));
      return;
    case 1:
      for (let i = 0; i < n; i++) cur[i] = bytes[start + i]! + (i >= channels ? cur[i - channels]! : 0);
      return;
    case 2:
      for (let i = 0; i < n; i++) cur[i] = bytes[start + i]! + prev[i]!;
      return;
    case 3:
      for (let i = 0; i < n; i++)
        cur[i] = bytes[start + i]! + (((i >= channels ? cur[i - channels]! : 0) + prev[i]!) >> 1);
      return;
    default:
      for (let i = 0; i < n; i++) {
        const a = i >= channels ? cur[i - channels]! : 0;
        const c = i >= channels ? prev[i - channels]! : 0;
        cur[i] = bytes[start + i]! + paeth(a, prev[i]!, c);
      }
  }
}

/** A PNG this decoder refuses: not a PNG, unsupported, damaged, or over the size caps. */
export class PngError extends Error {
  override readonly name = 'PngError';
}

/** Caps checked before anything is allocated or inflated. */
export interface PngLimits {
  /** Encoded size. */
  maxBytes: number;
  /** Width and height each. */
  maxSide: number;
  /** width × height. */
  maxPixels: number;
}

/** A screenshot of the viewport (a 4K screen at device scale 2 fits). */
export const SCREEN_LIMITS: PngLimits = { maxBytes: 64 * 1024 * 1024, maxSide: 16_384, maxPixels: 8192 * 8192 };
/** A template image from a workflow (the schema bounds the base64 text to 64 KiB). */
export const TEMPLATE_LIMITS: PngLimits = {
  maxBytes: 48 * 1024,
  maxSide: MAX_TEMPLATE_SIDE,
  maxPixels: MAX_TEMPLATE_PIXELS,
};

/**
 * A template the robot records by itself (one per step, stored with the element record): small, as
 * a button, a field or an icon is. A larger element gets no template.
 */
export const RECORDED_TEMPLATE_LIMITS: PngLimits = { maxBytes: 32 * 1024, maxSide: 400, maxPixels: 400 * 200 };

interface Header {
  width: number;
  height: number;
  channels: number;
}

function readHeader(body: Buffer, limits: PngLimits): Header {
  if (body.length < 13) throw new PngError('damaged PNG: IHDR too short');
  const width = body.readUInt32BE(0);
  const height = body.readUInt32BE(4);
  const depth = body[8];
  const colour = body[9];
  const interlace = body[12];
  const channels = colour === 0 ? 1 : colour === 2 ? 3 : colour === 4 ? 2 : colour === 6 ? 4 : 0;
  if (depth !== 8 || channels === 0 || interlace !== 0)
    throw new PngError(`unsupported PNG (depth ${depth}, colour ${colour}, interlace ${interlace})`);
  if (width === 0 || height === 0) throw new PngError(`empty PNG (${width}x${height} pixels)`);
  if (width > limits.maxSide || height > limits.maxSide || width * height > limits.maxPixels)
    throw new PngError(
      `PNG is ${width}x${height} pixels; at most ${limits.maxSide} pixels a side and ${limits.maxPixels} pixels in all`,
    );
  return { width, height, channels };
}

/** Decode a PNG to full-resolution grayscale (luma); throws PngError for anything it refuses. */
export function decodePngGray(png: Buffer, limits: PngLimits = SCREEN_LIMITS): GrayImage {
  if (png.length < 8 || png.readUInt32BE(0) !== 0x89504e47) throw new PngError('not a PNG image');
  if (png.length > limits.maxBytes)
    throw new PngError(`PNG is ${png.length} bytes; at most ${limits.maxBytes} bytes are decoded`);
  let pos = 8;
  let header: Header | undefined;
  const idat: Buffer[] = [];
  while (pos + 8 <= png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > png.length) throw new PngError(`damaged PNG: chunk ${type} runs past the end`);
    const body = png.subarray(pos + 8, pos + 8 + len);
    if (!header && type !== 'IHDR') throw new PngError('damaged PNG: IHDR is not the first chunk');
    if (type === 'IHDR') header = readHeader(body, limits);
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (!header) throw new PngError('damaged PNG: no IHDR chunk');
  const { width, height, channels } = header;
  const stride = width * channels;
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new PngError(`damaged PNG: more data than ${width}x${height} pixels need`, { cause: err });
    throw new PngError(`damaged PNG: ${(err as Error).message}`, { cause: err });
  }
  if (raw.length < expected)
    throw new PngError(`damaged PNG: image data truncated (${raw.length} of ${expected} bytes)`);
  const bytes = raw.subarray(0, expected);
  let cur = new Uint8Array(stride);
  let prev = new Uint8Array(stride);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1) + 1;
    const f = bytes[start - 1]!;
    if (f > 4) throw new PngError(`damaged PNG: unknown filter ${f} in row ${y}`);
    unfilterRow(f, bytes, start, cur, prev, channels);
    const o = y * width;
    if (channels >= 3)
      for (let px = 0, i = 0; px < width; px++, i += channels)
        out[o + px] = (cur[i]! * 77 + cur[i + 1]! * 150 + cur[i + 2]! * 29) >> 8;
    else for (let px = 0, i = 0; px < width; px++, i += channels) out[o + px] = cur[i]!;
    [prev, cur] = [cur, prev];
  }
  return { width, height, data: out };
}

/** Halve both dimensions by averaging 2x2 blocks (the issue measured ~10 ms matching at this size). */
export function halfScale(img: GrayImage): GrayImage {
  const w = img.width >> 1;
  const h = img.height >> 1;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const r0 = 2 * y * img.width;
    const r1 = r0 + img.width;
    for (let x = 0; x < w; x++) {
      const i = 2 * x;
      out[y * w + x] = (img.data[r0 + i]! + img.data[r0 + i + 1]! + img.data[r1 + i]! + img.data[r1 + i + 1]! + 2) >> 2;
    }
  }
  return { width: w, height: h, data: out };
}

/** The part of `img` inside `box` (pixels of the image; clamped to it). */
export function regionOf(img: GrayImage, box: { x: number; y: number; width: number; height: number }): GrayImage {
  const x0 = Math.max(0, Math.round(box.x));
  const y0 = Math.max(0, Math.round(box.y));
  const w = Math.max(0, Math.min(img.width - x0, Math.round(box.width)));
  const h = Math.max(0, Math.min(img.height - y0, Math.round(box.height)));
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    data.set(img.data.subarray((y + y0) * img.width + x0, (y + y0) * img.width + x0 + w), y * w);
  return { width: w, height: h, data };
}
