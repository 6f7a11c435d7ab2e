// The PNG decoder on hostile input: sizes are checked before anything is allocated or inflated.
import { describe, expect, it } from '@jest/globals';
import { decodePngGray, PngError, TEMPLATE_LIMITS } from './png.js';
import { greyPng, rgbaPng } from './testing/png-fixture.js';

const png = greyPng;

function pngError(fn: () => unknown): PngError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PngError);
    return err as PngError;
  }
  throw new Error('expected a PngError');
}

describe('decodePngGray', () => {
  it('decodes a small grey image', () => {
    const raw = Buffer.from([0, 10, 20, 0, 30, 40]);
    expect(decodePngGray(png(2, 2, raw))).toEqual({ width: 2, height: 2, data: Uint8Array.from([10, 20, 30, 40]) });
  });

  it('undoes every PNG row filter (none, sub, up, average, Paeth) of an RGBA image', () => {
    const width = 7;
    const height = 10; // two rows of each filter, each filter after every other
    const bpp = 4;
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    const pixels = Array.from({ length: height }, () => Array.from({ length: width * bpp }, random));
    // The filters written out the way the PNG specification defines them (an encoder's side).
    const paeth = (a: number, b: number, c: number) => {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const rows = pixels.map((row, y) => {
      const f = y % 5;
      const up = (i: number) => (y > 0 ? pixels[y - 1]![i]! : 0);
      const left = (i: number) => (i >= bpp ? row[i - bpp]! : 0);
      const predict = [
        () => 0,
        (i: number) => left(i),
        (i: number) => up(i),
        (i: number) => (left(i) + up(i)) >> 1,
        (i: number) => paeth(left(i), up(i), i >= bpp ? up(i - bpp) : 0),
      ][f]!;
      return [f, ...row.map((v, i) => (v - predict(i) + 256) & 255)];
    });
    const decoded = decodePngGray(rgbaPng(width, height, Buffer.from(rows.flat())));
    const grey = pixels.flatMap((row) =>
      Array.from(
        { length: width },
        (_, x) => (row[x * bpp]! * 77 + row[x * bpp + 1]! * 150 + row[x * bpp + 2]! * 29) >> 8,
      ),
    );
    expect(decoded).toEqual({ width, height, data: Uint8Array.from(grey) });
  });

  it('refuses a header claiming 100000 x 100000 pixels before allocating', () => {
    expect(pngError(() => decodePngGray(png(100_000, 100_000, Buffer.alloc(10)))).message).toMatch(
      /100000x100000 pixels.*at most/,
    );
  });

  it('refuses a template larger than the template caps', () => {
    expect(pngError(() => decodePngGray(png(3000, 10, Buffer.alloc(10)), TEMPLATE_LIMITS)).message).toContain(
      '3000x10 pixels',
    );
  });

  it('refuses a deflate bomb: data inflating past the size the header gives', () => {
    const bomb = png(100, 100, Buffer.alloc(50_000_000));
    expect(bomb.length).toBeLessThan(100_000);
    expect(pngError(() => decodePngGray(bomb)).message).toContain('more data than');
  });

  it('refuses truncated data, a chunk running past the end, bad filters and non-PNGs', () => {
    expect(pngError(() => decodePngGray(png(10, 10, Buffer.alloc(5)))).message).toContain('truncated');
    const cut = png(2, 2, Buffer.from([0, 1, 2, 0, 3, 4]));
    cut.writeUInt32BE(0x7fffffff, 33);
    expect(pngError(() => decodePngGray(cut)).message).toContain('past the end');
    expect(pngError(() => decodePngGray(png(2, 1, Buffer.from([9, 1, 2])))).message).toContain('filter');
    expect(pngError(() => decodePngGray(Buffer.from('GIF89a'))).message).toBe('not a PNG image');
    expect(pngError(() => decodePngGray(Buffer.alloc(0))).message).toBe('not a PNG image');
  });

  it('refuses more encoded bytes than the limit', () => {
    const big = png(2, 2, Buffer.from([0, 1, 2, 0, 3, 4]));
    expect(pngError(() => decodePngGray(big, { ...TEMPLATE_LIMITS, maxBytes: 10 })).message).toContain('bytes');
  });
});
