// A SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's stored format) computed here, so that a role's
// password never reaches the server (nor its statement log) in clear: ALTER ROLE ... PASSWORD '<verifier>'.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const ITERATIONS = 4096;

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`; the password must be ASCII (no SASLprep here). */
export function scramVerifier(password: string, opts: { salt?: Buffer; iterations?: number } = {}): string {
  if (!/^[\x20-\x7e]+$/.test(password)) throw new TypeError('the password must be printable ASCII');
  const salt = opts.salt ?? randomBytes(16);
  const iterations = opts.iterations ?? ITERATIONS;
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** What aether.tenant_roles keeps of a password: enough to tell that it changed, not to log in. */
export function passwordDigest(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}
