// Credentials for one job: each slot the workflow declares is bound by the RpaJob to a Secret in
// the job's namespace. Values are read through the API when a step first needs them (one GET per
// Secret — RBAC needs only `get` on secrets there), kept in this job's memory only, and never logged.
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/** What an RpaJob says for one slot: the Secret, and optionally slot key -> Secret key. */
export interface CredentialBinding {
  secretName: string;
  keys?: Record<string, string>;
}

/** A slot as the workflow declares it. */
export interface SlotDeclaration {
  name: string;
  keys: string[];
}

export class CredentialError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialError';
  }
}

export interface JobCredentials {
  /** The engine's provider: slot -> its keys' values. */
  get(slot: string): Promise<Record<string, string>>;
  /** Every secret value read so far: text that must be scrubbed before it leaves the process. */
  knownValues(): string[];
  /** Forgets the values (end of the job). */
  clear(): void;
}

/** Which Secret key feeds each key of a slot. */
export function secretKeysFor(slot: SlotDeclaration, binding: CredentialBinding): Record<string, string> {
  return Object.fromEntries(slot.keys.map((k) => [k, binding.keys?.[k] ?? k]));
}

export function createJobCredentials(opts: {
  kubeConfig: KubeConfig;
  namespace: string;
  slots: SlotDeclaration[];
  bindings: Record<string, CredentialBinding>;
}): JobCredentials {
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  // One read per Secret, shared by the slots that use it; a failed read is retried next time.
  const secrets = new Map<string, Promise<Record<string, string>>>();
  const values = new Set<string>();

  async function readSecret(name: string): Promise<Record<string, string>> {
    try {
      const secret = await core.readNamespacedSecret({ name, namespace: opts.namespace });
      const decoded: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {})) decoded[k] = Buffer.from(v, 'base64').toString('utf8');
      for (const [k, v] of Object.entries(secret.stringData ?? {})) decoded[k] = v;
      return decoded;
    } catch (err) {
      const code = err instanceof ApiException ? err.code : undefined;
      const where = `Secret ${opts.namespace}/${name}`;
      if (code === 404) throw new CredentialError(`${where} does not exist`, { cause: err });
      if (code === 403) throw new CredentialError(`the robot may not read ${where} (RBAC: it needs get on secrets in ${opts.namespace})`, { cause: err });
      throw new CredentialError(`could not read ${where}${code ? ` (HTTP ${code})` : ''}`, { cause: err });
    }
  }

  return {
    async get(slotName) {
      const slot = opts.slots.find((s) => s.name === slotName);
      if (!slot) throw new CredentialError(`the workflow declares no credential slot "${slotName}"`);
      const binding = opts.bindings[slotName];
      if (!binding) throw new CredentialError(`the job binds no Secret to credential slot "${slotName}"`);
      let pending = secrets.get(binding.secretName);
      if (!pending) {
        pending = readSecret(binding.secretName);
        secrets.set(binding.secretName, pending);
        pending.catch(() => secrets.delete(binding.secretName));
      }
      const data = await pending;
      const out: Record<string, string> = {};
      for (const [slotKey, secretKey] of Object.entries(secretKeysFor(slot, binding))) {
        const v = data[secretKey];
        if (v === undefined) {
          throw new CredentialError(`Secret ${opts.namespace}/${binding.secretName} has no key "${secretKey}" (credential ${slotName}.${slotKey})`);
        }
        out[slotKey] = v;
        values.add(v);
      }
      return out;
    },
    knownValues: () => [...values],
    clear() {
      secrets.clear();
      values.clear();
    },
  };
}
