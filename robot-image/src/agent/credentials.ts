// Credentials for one job: each slot the workflow declares is bound by the RpaJob to a Secret in
// the job's namespace. Values are read through the API when a step first needs them (one GET per
// Secret — RBAC needs only `get` on secrets there), kept in this job's memory only, and never logged.
// With the values comes the Secret owner's word (its annotations): where the values may go
// (rpa.aether.dev/credential-scope, else the default) and which RpaWorkflows may bind it at all.
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ALLOWED_WORKFLOWS_ANNOTATION, secretCredentialPolicy } from '../../../api/v1alpha1/credential-scope.js';
import type { WorkflowSpec } from '../../../api/v1alpha1/workflow.js';
import { defaultGrant, type CredentialGrant } from '../credscope/decide.js';
import { bindingRefused } from '../credscope/enforce.js';
import type { SlotCredential } from '../engine/scope.js';

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
  /** The engine's provider: slot -> its keys' values, the Secret and its scope. */
  get(slot: string): Promise<SlotCredential>;
  /** Every secret value read so far: text that must be scrubbed before it leaves the process. */
  knownValues(): string[];
  /** Forgets the values (end of the job). */
  clear(): void;
}

/** Which Secret key feeds each key of a slot. */
export function secretKeysFor(slot: SlotDeclaration, binding: CredentialBinding): Record<string, string> {
  return Object.fromEntries(slot.keys.map((k) => [k, binding.keys?.[k] ?? k]));
}

/** Which job is asking: its workflow (for the default scope) and the RpaWorkflow it references, if any. */
export interface CredentialRequester {
  workflow: WorkflowSpec;
  /** The referenced RpaWorkflow's name; absent for an inline workflow. */
  workflowRef?: string;
}

interface ReadSecret {
  data: Record<string, string>;
  annotations: Record<string, string> | undefined;
}

/** The Secret owner's word for this job: its scope (or the default), or why the binding is refused. */
export function grantFor(
  secret: { name: string; annotations: Record<string, string> | undefined },
  slot: string,
  job: CredentialRequester,
): CredentialGrant {
  const policy = secretCredentialPolicy(secret.annotations);
  if (!policy.ok) throw bindingRefused({ slot, secret: secret.name, reason: policy.message });
  if (policy.allowedWorkflows !== null && (job.workflowRef === undefined || !policy.allowedWorkflows.includes(job.workflowRef)))
    throw bindingRefused({
      slot,
      secret: secret.name,
      reason:
        job.workflowRef === undefined
          ? `its ${ALLOWED_WORKFLOWS_ANNOTATION} annotation allows only the RpaWorkflows ${policy.allowedWorkflows.join(', ')}, and this job runs an inline workflow`
          : `its ${ALLOWED_WORKFLOWS_ANNOTATION} annotation does not list the RpaWorkflow ${job.workflowRef}`,
    });
  return policy.rules !== null ? { rules: policy.rules, source: 'annotation' } : defaultGrant(job.workflow, { referenced: job.workflowRef !== undefined });
}

export function createJobCredentials(opts: {
  kubeConfig: KubeConfig;
  namespace: string;
  slots: SlotDeclaration[];
  bindings: Record<string, CredentialBinding>;
  job: CredentialRequester;
}): JobCredentials {
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  // One read per Secret, shared by the slots that use it; a failed read is retried next time.
  const secrets = new Map<string, Promise<ReadSecret>>();
  const values = new Set<string>();

  async function readSecret(name: string): Promise<ReadSecret> {
    try {
      const secret = await core.readNamespacedSecret({ name, namespace: opts.namespace });
      const decoded: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {})) decoded[k] = Buffer.from(v, 'base64').toString('utf8');
      for (const [k, v] of Object.entries(secret.stringData ?? {})) decoded[k] = v;
      return { data: decoded, annotations: secret.metadata?.annotations };
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
      const { data, annotations } = await pending;
      // Before any value is handed out: the Secret's owner may refuse this binding outright.
      const grant = grantFor({ name: binding.secretName, annotations }, slotName, opts.job);
      const out: Record<string, string> = {};
      for (const [slotKey, secretKey] of Object.entries(secretKeysFor(slot, binding))) {
        const v = data[secretKey];
        if (v === undefined) {
          throw new CredentialError(`Secret ${opts.namespace}/${binding.secretName} has no key "${secretKey}" (credential ${slotName}.${slotKey})`);
        }
        out[slotKey] = v;
        values.add(v);
      }
      return { values: out, secret: binding.secretName, grant };
    },
    knownValues: () => [...values],
    clear() {
      secrets.clear();
      values.clear();
    },
  };
}
