// Hand-built PNGs for tests of the decoder's size checks: chunks with a zero CRC (the decoder does not
// check it) and a header that may claim any size.
import { deflateSync } from 'node:zlib';

export function pngChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body, Buffer.alloc(4)]);
}

/** An 8-bit grey PNG claiming width x height whose IDAT inflates to `raw`. */
export function greyPng(width: number, height: number, raw: Buffer): Buffer {
  return pngOf(width, height, raw, 0);
}

/** An 8-bit RGBA PNG (what Chromium's screenshots are) claiming width x height. */
export function rgbaPng(width: number, height: number, raw: Buffer): Buffer {
  return pngOf(width, height, raw, 6);
}

function pngOf(width: number, height: number, raw: Buffer, colourType: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
