// Browser sessions in checkpoints are sealed: the URL and storage state (cookies, local storage — a
// signed-in session is as good as a password) are encrypted with AES-256-GCM under the namespace's
// checkpoint key before DBOS records them, bound (as additional data) to the workflow and step they
// belong to, so a sealed session cannot be replayed into another run. Pure: the key comes from the caller.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SessionSnapshot } from '../browser/session.js';

/** A session as a checkpoint holds it. */
export interface SealedSession {
  /** `v1.` + base64url(12-byte IV | 16-byte tag | ciphertext of the snapshot's JSON). */
  sealed: string;
}

export const CHECKPOINT_KEY_BYTES = 32;
const VERSION = 'v1.';

export class SessionSealError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionSealError';
  }
}

export function newCheckpointKey(): Buffer {
  return randomBytes(CHECKPOINT_KEY_BYTES);
}

/** The key as a Secret or file holds it: base64 of 32 bytes. */
export function parseCheckpointKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== CHECKPOINT_KEY_BYTES)
    throw new SessionSealError(`${where} must hold ${CHECKPOINT_KEY_BYTES} random bytes, base64-encoded (found ${key.length} bytes)`);
  return key;
}

export function sealSession(snapshot: SessionSnapshot, key: Buffer, boundTo: string): SealedSession {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(snapshot), 'utf8'), cipher.final()]);
  return { sealed: VERSION + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url') };
}

export function unsealSession(sealed: SealedSession, key: Buffer, boundTo: string): SessionSnapshot {
  if (!sealed.sealed.startsWith(VERSION)) throw new SessionSealError('the checkpointed session has an unknown format');
  const raw = Buffer.from(sealed.sealed.slice(VERSION.length), 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as SessionSnapshot;
  } catch (err) {
    throw new SessionSealError(
      'could not open the checkpointed browser session: the checkpoint key changed, or the checkpoint was altered',
      { cause: err },
    );
  }
}
