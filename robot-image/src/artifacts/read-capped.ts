// Reads a stream into one buffer, hashing as it goes, and stops as soon as it passes a cap: a file over
// the cap is never held whole, and at most one file is in memory at once.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export class ArtifactLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactLimitError';
  }
}

export interface CappedContent {
  content: Buffer;
  sha256: string;
}

/** `tooLarge(read)` names the limit passed: the error's message. The stream is destroyed on the way out. */
export async function readCapped(stream: Readable, maxBytes: number, tooLarge: (readSoFar: number) => string): Promise<CappedContent> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += b.length;
      if (size > maxBytes) throw new ArtifactLimitError(tooLarge(size));
      hash.update(b);
      chunks.push(b);
    }
  } finally {
    stream.destroy();
  }
  return { content: Buffer.concat(chunks, size), sha256: hash.digest('hex') };
}
