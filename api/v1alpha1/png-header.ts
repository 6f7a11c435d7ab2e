// The size a PNG says it has (its IHDR chunk), read without decoding: what admission checks of a
// template image, and the caps the robot's decoder enforces before it allocates anything.

/** Longest side of a template image, in pixels. */
export const MAX_TEMPLATE_SIDE = 2048;
/** Most pixels of a template image. */
export const MAX_TEMPLATE_PIXELS = 1024 * 1024;

export interface PngSize {
  width: number;
  height: number;
}

/** Width and height from the IHDR chunk, or a reason the bytes are not a PNG. */
export function pngSize(png: Uint8Array): PngSize | { error: string } {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.readUInt32BE(4) !== 0x0d0a1a0a)
    return { error: 'not a PNG image' };
  if (b.toString('latin1', 12, 16) !== 'IHDR') return { error: 'not a PNG image (no IHDR chunk first)' };
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Why a base64 template PNG is refused (not a PNG, or larger than the caps), or undefined. */
export function templateImageProblem(base64: string): string | undefined {
  const size = pngSize(Buffer.from(base64.slice(0, 64), 'base64'));
  if ('error' in size) return size.error;
  const { width, height } = size;
  if (width === 0 || height === 0) return `image is empty (${width}x${height})`;
  if (width > MAX_TEMPLATE_SIDE || height > MAX_TEMPLATE_SIDE || width * height > MAX_TEMPLATE_PIXELS)
    return `image is ${width}x${height} pixels; a template may be at most ${MAX_TEMPLATE_SIDE} pixels a side and ${MAX_TEMPLATE_PIXELS} pixels in all`;
  return undefined;
}
