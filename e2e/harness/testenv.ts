// What a test worker uses to reach the services that the global setup started.
import { randomBytes } from 'node:crypto';
import { createDatabase } from './postgres.js';

export const ENV = {
  pgUrl: 'AETHER_TEST_PG_URL',
  kubeconfig: 'AETHER_TEST_KUBECONFIG',
} as const;

export interface RunningServices {
  stops: Array<() => Promise<void>>;
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this test through jest's integration project (global setup)`);
  return v;
}

/** A new, empty database for one test suite; returns its URL. */
export async function freshDatabase(prefix = 't'): Promise<string> {
  return createDatabase(required(ENV.pgUrl), `${prefix}_${randomBytes(6).toString('hex')}`);
}

export function adminPostgresUrl(): string {
  return required(ENV.pgUrl);
}

export function kubeconfigPath(): string {
  return required(ENV.kubeconfig);
}
