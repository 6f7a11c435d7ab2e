// The pure part of tier 3 among identical elements: how well the recorded surroundings of an element
// match the screen around one place where its picture was found (visual.ts surroundingsCorrelation).
import { regionOf, type GrayImage } from './png.js';
import { shiftedSurroundingsCorrelation, surroundingsCorrelation } from './visual.js';

/** A gray image drawn by a function of (x, y). */
function image(width: number, height: number, at: (x: number, y: number) => number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = at(x, y);
  return { width, height, data };
}

// A screen with a textured band on each row (its own "label") and an identical "button" (a flat box) on
// every row. Other rows' surroundings still correlate ~0.57: the layout (label band, white space) is shared.
const texture = (x: number, y: number, seed: number) => {
  const h = Math.sin(x * 12.9898 + y * 78.233 + seed * 37.719) * 43758.5453;
  return Math.floor((h - Math.floor(h)) * 255);
};
const screen = image(200, 120, (x, y) => {
  const row = Math.floor(y / 40);
  if (x >= 120 && x < 160 && y % 40 >= 10 && y % 40 < 30) return 200; // the button
  return x < 100 ? texture(x, y % 40, row) : 255; // each row's own "label"
});
const focus = { x: 120, y: 10, width: 40, height: 20 };
const rowBox = (row: number) => ({ x: 120, y: row * 40 + 10, width: 40, height: 20 });

it('regionOf cuts a rectangle and clamps it to the image', () => {
  const r = regionOf(screen, { x: 120, y: 50, width: 40, height: 20 });
  expect([r.width, r.height]).toEqual([40, 20]);
  expect(r.data.every((v) => v === 200)).toBe(true);
  expect(regionOf(screen, { x: 190, y: 110, width: 40, height: 40 })).toMatchObject({ width: 10, height: 10 });
});

it('the surroundings of the recorded row correlate fully, those of other rows far less', () => {
  const context = regionOf(screen, { x: 0, y: 40, width: 200, height: 40 }); // row 1, button at focus
  expect(surroundingsCorrelation(screen, context, focus, rowBox(1))).toBeCloseTo(1, 5);
  expect(surroundingsCorrelation(screen, context, focus, rowBox(0))!).toBeLessThan(0.7);
  expect(surroundingsCorrelation(screen, context, focus, rowBox(2))!).toBeLessThan(0.7);
});

it('ignores the element itself: a changed button in the right row still matches', () => {
  const context = regionOf(screen, { x: 0, y: 40, width: 200, height: 40 });
  const restyled = image(200, 120, (x, y) =>
    x >= 120 && x < 160 && y % 40 >= 10 && y % 40 < 30 ? 20 : screen.data[y * 200 + x]!,
  );
  expect(surroundingsCorrelation(restyled, context, focus, rowBox(1))).toBeCloseTo(1, 5);
});

it('says nothing when the surroundings are blank or mostly off the screen', () => {
  const blank = image(200, 40, (x, y) => (x >= 120 && x < 160 && y >= 10 && y < 30 ? 200 : 255));
  expect(surroundingsCorrelation(screen, blank, focus, rowBox(1))).toBeNull();
  const context = regionOf(screen, { x: 0, y: 40, width: 200, height: 40 });
  // Placed so that most of the recorded surroundings would lie left of the screen.
  expect(surroundingsCorrelation(screen, context, focus, { x: 10, y: 50, width: 40, height: 20 })).toBeNull();
});

it('tolerates surroundings that moved a few pixels against the element (a new version spacing)', () => {
  const context = regionOf(screen, { x: 0, y: 40, width: 200, height: 40 });
  // The same rows, every label drawn 6 px further right; the buttons stay.
  const moved = image(200, 120, (x, y) => {
    const row = Math.floor(y / 40);
    if (x >= 120 && x < 160 && y % 40 >= 10 && y % 40 < 30) return 200;
    return x >= 6 && x < 106 ? texture(x - 6, y % 40, row) : 255;
  });
  expect(surroundingsCorrelation(moved, context, focus, rowBox(1))!).toBeLessThan(0.7);
  expect(shiftedSurroundingsCorrelation(moved, context, focus, rowBox(1))!).toBeGreaterThan(0.95);
  expect(shiftedSurroundingsCorrelation(moved, context, focus, rowBox(0))!).toBeLessThan(0.7);
});
