// CustomResourceDefinition objects for the four kinds, built from the zod schemas.
import { z } from 'zod';
import { API_VERSION, CATEGORY, GROUP, VERSION } from '../v1alpha1/common.js';
import { crdName, KINDS, type KindInfo } from '../v1alpha1/kinds.js';
import { MAX_BLOCK_STEP_LIST_DEPTH, MAX_STEP_LIST_DEPTH } from '../v1alpha1/workflow.js';
import { toStructural, type JsonSchema } from './structural.js';
import { skipRulesWhenUnchanged } from './unchanged-rules.js';

function structural(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', target: 'draft-2020-12' }) as JsonSchema;
  return toStructural(json, {
    maxRefDepth: MAX_STEP_LIST_DEPTH,
    tooDeepMessage: `steps may nest at most ${MAX_STEP_LIST_DEPTH} levels deep (${MAX_BLOCK_STEP_LIST_DEPTH} in a block); run a block to go deeper`,
  });
}

/** The spec schema, with the rules of immutable fields skipped on updates (see unchanged-rules.ts). */
function specSchema(k: KindInfo): JsonSchema {
  const spec = structural(k.spec);
  const props = spec.properties as Record<string, JsonSchema>;
  for (const field of k.immutableSpecFields ?? []) {
    if (!props[field]) throw new Error(`${k.kind}: immutable spec field ${field} is not in the spec`);
    props[field] = skipRulesWhenUnchanged(props[field]);
  }
  return spec;
}

export function buildCrd(k: KindInfo): JsonSchema {
  const version: JsonSchema = {
    name: VERSION,
    served: true,
    storage: true,
    schema: {
      openAPIV3Schema: {
        type: 'object',
        description: `${k.kind} (${API_VERSION}). Generated from api/v1alpha1 by \`npm run gen:crds\`; do not edit.`,
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: specSchema(k),
          status: structural(k.status),
        },
        required: ['spec'],
      },
    },
    subresources: { status: {}, ...(k.scale ? { scale: k.scale } : {}) },
    additionalPrinterColumns: k.columns,
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(k),
      labels: { 'app.kubernetes.io/name': 'aether', 'app.kubernetes.io/part-of': 'aether' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        singular: k.singular,
        shortNames: [...k.shortNames],
        categories: [CATEGORY],
      },
      versions: [version],
    },
  };
}

export function buildCrds(): JsonSchema[] {
  return KINDS.map((k) => buildCrd(k));
}
