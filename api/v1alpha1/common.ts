// Shapes shared by the kinds: names, metadata, conditions, quantities, timestamps.
import { z } from 'zod';
import { withCel } from './rules.js';

export const GROUP = 'rpa.aether.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;
/** On every RpaJob until the operator has removed (or cancelled) its queue entry. */
export const RPAJOB_FINALIZER = `${GROUP}/queue-cleanup`;
/** `kubectl get rpa` lists every Aether kind. */
export const CATEGORY = 'rpa';

export const dnsLabel = () =>
  z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (lower case letters, digits and -)');
export const dnsSubdomain = () =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS subdomain name');
export const timestamp = () => z.iso.datetime({ offset: true });

/** A Kubernetes quantity ("500m", "1Gi", 2): CRDs see it as int-or-string. */
export const QUANTITY_PATTERN = '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?$';
export const Quantity = withCel(
  z
    .union([
      z.string().max(64).regex(new RegExp(QUANTITY_PATTERN), 'must be a quantity such as 500m or 1Gi'),
      z.int().min(0),
    ])
    .meta({ 'x-kubernetes-int-or-string': true, maxLength: 64 }),
  [
    {
      rule: `type(self) == int ? self >= 0 : self.matches('${QUANTITY_PATTERN.replace(/\\/g, '\\\\')}')`,
      message: 'must be a quantity such as 500m or 1Gi',
    },
  ],
);

/** The part of ObjectMeta our code reads; everything else passes through. */
export const ObjectMeta = z.looseObject({
  name: z.string().max(253).optional(),
  generateName: z.string().max(253).optional(),
  namespace: z.string().max(63).optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z
    .array(z.looseObject({ apiVersion: z.string(), kind: z.string(), name: z.string(), uid: z.string() }))
    .optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** metav1.Condition. */
export const Condition = z.strictObject({
  type: z
    .string()
    .max(316)
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
    ),
  status: z.enum(CONDITION_STATUSES),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: timestamp(),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32768),
});
export type Condition = z.infer<typeof Condition>;

/** Conditions as Kubernetes lists them: a map keyed by type. */
export const Conditions = z
  .array(Condition)
  .max(16)
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

/** Fields every status has. */
export const statusBase = {
  observedGeneration: z.int().min(0).optional(),
  conditions: Conditions.optional(),
};

/** A whole object of a kind: what the operator reads from the API server. */
export function resource<K extends string, S extends z.ZodType, T extends z.ZodType>(kind: K, spec: S, status: T) {
  return z.looseObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: ObjectMeta,
    spec,
    status: status.optional(),
  });
}
