// Credentials in local mode: there are no Secrets, so each Secret a job binds is an env file
// (KEY=value lines): `--secret NAME=FILE`, or NAME.env in `--secrets-dir`. Same contract as the
// cluster's provider (read on first use, kept in memory for the job only, values known for scrubbing).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CredentialError, secretKeysFor, type JobCredentials } from '../agent/credentials.js';
import type { CredentialsFactory } from '../agent/robot.js';
import { LOCAL_GRANT } from '../credscope/decide.js';

/** Parses KEY=value lines: `#` comments, blank lines, an optional `export `, optional quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[m[1]!] = value;
  }
  return out;
}

export interface SecretFiles {
  /** Secret name -> env file. */
  files: Record<string, string>;
  dir?: string;
}

/** The env file of a Secret, or null when none is given. */
export function secretFile(name: string, s: SecretFiles): string | null {
  if (s.files[name]) return resolve(s.files[name]);
  if (s.dir) {
    const f = join(resolve(s.dir), `${name}.env`);
    if (existsSync(f)) return f;
  }
  return null;
}

export function fileCredentials(source: SecretFiles): CredentialsFactory {
  return (job) => {
    const values = new Set<string>();
    const read = (secretName: string): Record<string, string> => {
      const file = secretFile(secretName, source);
      if (!file) {
        throw new CredentialError(
          `no file for Secret ${secretName}: pass --secret ${secretName}=FILE (KEY=value lines)` +
            (source.dir ? ` or put ${secretName}.env in ${source.dir}` : ' or --secrets-dir DIR'),
        );
      }
      try {
        return parseEnvFile(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new CredentialError(`could not read ${file} (Secret ${secretName}): ${(err as Error).message}`, {
          cause: err,
        });
      }
    };
    const creds: JobCredentials = {
      async get(slotName) {
        const slot = job.slots.find((s) => s.name === slotName);
        if (!slot) throw new CredentialError(`the workflow declares no credential slot "${slotName}"`);
        const binding = job.bindings[slotName];
        if (!binding) throw new CredentialError(`the job binds no Secret to credential slot "${slotName}"`);
        const data = read(binding.secretName);
        const out: Record<string, string> = {};
        for (const [slotKey, secretKey] of Object.entries(secretKeysFor(slot, binding))) {
          const v = data[secretKey];
          if (v === undefined) {
            throw new CredentialError(
              `Secret ${binding.secretName} has no key "${secretKey}" (credential ${slotName}.${slotKey})`,
            );
          }
          out[slotKey] = v;
          values.add(v);
        }
        // Local mode: the Secrets are the user's own files on the user's machine; no scope applies.
        return { values: out, secret: binding.secretName, grant: LOCAL_GRANT };
      },
      knownValues: () => [...values],
      clear: () => values.clear(),
    };
    return creds;
  };
}
