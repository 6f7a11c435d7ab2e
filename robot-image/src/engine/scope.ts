// What expressions see while a job runs, and the credentials they may read. Credential values
// are fetched from the injected provider only when a template names them, kept in memory for
// this job only, and remembered so that redaction can cut them out of anything recorded.
import {
  evaluateCondition,
  evaluateExpression,
  isTemplate,
  parseCondition,
  parseTemplate,
  referencedNames,
  renderTemplate,
  type Expr,
  type ParsedTemplate,
  type Scope,
  type StepResult,
} from '../../../api/expr/index.js';
import type { Param } from '../../../api/v1alpha1/workflow.js';
import type { CredentialGrant } from '../credscope/decide.js';
import type { Redactor } from './redact.js';

/** One credential slot as the job bound it: its values, the Secret they came from and where they may go. */
export interface SlotCredential {
  /** Slot key -> value. */
  values: Record<string, string>;
  /** The Secret's name (audit and messages; never a value). */
  secret: string;
  /** The Secret owner's scope (or the default): checked at each use. */
  grant: CredentialGrant;
}

/** Reads one credential slot (a Secret bound by the job). */
export type CredentialProvider = (slot: string) => Promise<SlotCredential>;

/** The non-secret part of a scope; credentials are added per evaluation. */
export interface JobScope {
  params: Record<string, unknown>;
  vars: Record<string, unknown>;
  steps: Record<string, StepResult>;
  locals: Record<string, unknown>;
  /** The attempt's clock, what now() returns (clock.ts). */
  now?: string;
}

export function newJobScope(params: Record<string, unknown>): JobScope {
  return { params, vars: {}, steps: {}, locals: {} };
}

/** A copy that later steps cannot change (for refilling fields after a restore). */
export function snapshotScope(s: JobScope): JobScope {
  return {
    params: s.params,
    vars: { ...s.vars },
    steps: { ...s.steps },
    locals: { ...s.locals },
    ...(s.now !== undefined && { now: s.now }),
  };
}

/** The job's params with declared defaults filled in. */
export function withParamDefaults(
  declared: Param[] | undefined,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...given };
  for (const p of declared ?? []) if (out[p.name] === undefined && p.default !== undefined) out[p.name] = p.default;
  return out;
}

export class CredentialVault {
  readonly #provider: CredentialProvider | undefined;
  readonly #slots = new Map<string, Promise<SlotCredential>>();
  readonly #seen = new Set<string>();
  readonly #redactor: Redactor | undefined;

  /** Every value read is also taught to `redactor`, so nothing recorded afterwards carries it. */
  constructor(provider?: CredentialProvider, redactor?: Redactor) {
    this.#provider = provider;
    this.#redactor = redactor;
  }

  async slots(names: Iterable<string>): Promise<Record<string, Record<string, string>>> {
    const out: Record<string, Record<string, string>> = {};
    for (const name of new Set(names)) out[name] = (await this.#slot(name)).values;
    return out;
  }

  /** The Secret behind a slot and its scope (reads the slot if not read yet). */
  async source(name: string): Promise<{ secret: string; grant: CredentialGrant }> {
    const { secret, grant } = await this.#slot(name);
    return { secret, grant };
  }

  /** The values of a slot already read (for redaction of what one use would send). */
  async values(name: string): Promise<string[]> {
    return Object.values((await this.#slot(name)).values);
  }

  #slot(name: string): Promise<SlotCredential> {
    let p = this.#slots.get(name);
    if (!p) {
      if (!this.#provider)
        return Promise.reject(new Error(`credential slot ${name} is used but the job binds no credentials`));
      p = this.#provider(name).then((slot) => {
        for (const v of Object.values(slot.values)) this.#seen.add(v);
        this.#redactor?.add(Object.values(slot.values));
        return slot;
      });
      // A failed read is not cached: the next try asks again.
      p.catch(() => this.#slots.delete(name));
      this.#slots.set(name, p);
    }
    return p;
  }
}

const templateSlots = new Map<string, string[]>();
const conditionSlots = new Map<string, string[]>();
// A workflow's templates are few and rendered many times (each step, each iteration): parse once.
const parsedTemplates = new Map<string, ParsedTemplate>();
const parsedConditions = new Map<string, Expr>();

function cached<T>(cache: Map<string, T>, src: string, parse: (s: string) => T): T {
  let v = cache.get(src);
  if (v === undefined) {
    v = parse(src);
    if (cache.size < 10_000) cache.set(src, v);
  }
  return v;
}

function slotsOf(cache: Map<string, string[]>, src: string, parse: () => ReturnType<typeof referencedNames>): string[] {
  let s = cache.get(src);
  if (!s) {
    s = [...new Set(parse().credentials.map(([slot]) => slot))];
    if (cache.size < 10_000) cache.set(src, s);
  }
  return s;
}

/** Credential slots a template reads. */
export function credentialSlotsOfTemplate(src: string): string[] {
  return isTemplate(src)
    ? slotsOf(templateSlots, src, () => referencedNames(cached(parsedTemplates, src, parseTemplate)))
    : [];
}

async function fullScope(s: JobScope, vault: CredentialVault, slots: string[]): Promise<Scope> {
  return { ...s, ...(slots.length > 0 ? { credentials: await vault.slots(slots) } : {}) };
}

export async function render(src: string, s: JobScope, vault: CredentialVault): Promise<unknown> {
  if (!isTemplate(src)) return src;
  return renderTemplate(
    cached(parsedTemplates, src, parseTemplate),
    await fullScope(s, vault, credentialSlotsOfTemplate(src)),
  );
}

export async function condition(src: string, s: JobScope, vault: CredentialVault): Promise<boolean> {
  const slots = slotsOf(conditionSlots, src, () => referencedNames(cached(parsedConditions, src, parseCondition)));
  return evaluateCondition(src, await fullScope(s, vault, slots));
}

export async function expression(src: string, s: JobScope, vault: CredentialVault): Promise<unknown> {
  const slots = slotsOf(conditionSlots, src, () => referencedNames(cached(parsedConditions, src, parseCondition)));
  return evaluateExpression(cached(parsedConditions, src, parseCondition), await fullScope(s, vault, slots));
}
