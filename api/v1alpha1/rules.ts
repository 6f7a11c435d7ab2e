// Cross-field rules written once and enforced twice: as a zod refinement (our code) and as a CEL
// `x-kubernetes-validations` entry (the API server). Keeping both halves in one object is what
// stops the two validators from drifting apart.
import { z } from 'zod';

export interface CrossFieldRule<T> {
  /** CEL expression over `self`, as the API server evaluates it; absent for a zod-only rule. */
  cel?: string;
  /** The message both validators report; name the field. */
  message: string;
  /** The same rule for zod. */
  holds: (value: T) => boolean;
  /** Field the rule is about, relative to the object (e.g. `.maxReplicas`); also the zod issue path. */
  fieldPath?: string;
}

export interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
}

const VALIDATIONS = 'x-kubernetes-validations';

/** The CEL rules already attached to a schema through `withRules`/`withCel`. */
export function celRulesOf(schema: z.ZodType): CelValidation[] {
  const meta = schema.meta() as Record<string, unknown> | undefined;
  return (meta?.[VALIDATIONS] as CelValidation[] | undefined) ?? [];
}

function zodPath(fieldPath: string | undefined): PropertyKey[] {
  if (!fieldPath) return [];
  return fieldPath.split('.').filter((p) => p.length > 0);
}

/** Attach rules to a schema: each becomes a zod refinement and a CEL validation. */
export function withRules<S extends z.ZodType>(schema: S, rules: Array<CrossFieldRule<z.output<S>>>): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const r of rules) {
      if (!r.holds(value as z.output<S>))
        ctx.addIssue({ code: 'custom', message: r.message, path: zodPath(r.fieldPath) });
    }
  }) as unknown as S;
  const cel = rules.flatMap((r) =>
    r.cel === undefined
      ? []
      : [{ rule: r.cel, message: r.message, ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}) }],
  );
  return refined.meta({ [VALIDATIONS]: [...celRulesOf(schema), ...cel] }) as S;
}

/** A CEL-only rule for what zod already checks another way (e.g. an enum that CEL sees as a string). */
export function withCel<S extends z.ZodType>(schema: S, rules: CelValidation[]): S {
  return schema.meta({ [VALIDATIONS]: [...celRulesOf(schema), ...rules] }) as S;
}

/** True when exactly one of the given values is present. */
export function exactlyOne(...values: unknown[]): boolean {
  return values.filter((v) => v !== undefined).length === 1;
}

/** The CEL form of `exactlyOne` over fields of `self` (a sum, cheaper for the cost estimate than a list macro). */
export function celExactlyOne(fields: readonly string[]): string {
  return `${fields.map((f) => `(has(self.${f}) ? 1 : 0)`).join(' + ')} == 1`;
}
