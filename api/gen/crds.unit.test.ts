// crds/ is generated from the zod schemas: this fails when someone changed one without the other.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { KINDS } from '../v1alpha1/kinds.js';
import { buildCrds } from './crd.js';
import { crdFiles } from './render.js';

const crdsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../crds');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every node of a schema with its path. */
function* walk(s: Obj, at = ''): Generator<[string, Obj]> {
  yield [at, s];
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Obj>)) yield* walk(v, `${at}.${k}`);
  if (s.items) yield* walk(s.items as Obj, `${at}[]`);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    yield* walk(s.additionalProperties as Obj, `${at}{}`);
}

describe('crds/', () => {
  it.each(crdFiles().map((f) => [f.name, f.text] as const))(
    '%s is up to date (run `npm run gen:crds`)',
    async (name, text) => {
      const onDisk = await readFile(path.join(crdsDir, name), 'utf8').catch(() => '(missing)');
      expect(onDisk === text).toBe(true);
    },
  );

  const crds = crdFiles().map((f) => parse(f.text) as Obj);

  it.each(crdFiles().map((f) => [f.name, f.text] as const))(
    '%s reads the same as YAML 1.1 (kubectl, Helm) and as YAML 1.2',
    (_name, text) => {
      // A bare `y` (Box.y in a required list) is a string in YAML 1.2 and the boolean true in YAML 1.1.
      expect(parse(text, { version: '1.1' })).toEqual(parse(text));
    },
  );

  it('has one CRD per kind with status, short names and the rpa category', () => {
    expect(crds.map((c) => c.spec.names.kind).sort()).toEqual(KINDS.map((k) => k.kind).sort());
    for (const c of crds) {
      expect(c.spec.versions[0].subresources.status).toEqual({});
      expect(c.spec.names.categories).toEqual(['rpa']);
      expect(c.spec.names.shortNames.length).toBeGreaterThan(0);
    }
    const pool = crds.find((c) => c.spec.names.kind === 'RobotPool')!;
    expect(pool.spec.versions[0].subresources.scale).toEqual({
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
  });

  it('is structural: no $ref, no unions, no additionalProperties next to properties, every node typed', () => {
    for (const c of crds) {
      const root = c.spec.versions[0].schema.openAPIV3Schema as Obj;
      expect(JSON.stringify(root)).not.toMatch(/"\$ref"|"oneOf"|"anyOf"|"allOf"/);
      for (const [at, node] of walk(root)) {
        const typed = node.type || node['x-kubernetes-preserve-unknown-fields'] || node['x-kubernetes-int-or-string'];
        if (!typed) throw new Error(`${c.metadata.name} ${at} has no type`);
        if (node.properties && node.additionalProperties)
          throw new Error(`${c.metadata.name} ${at}: properties and additionalProperties`);
      }
    }
  });

  it('bounds every string and list a CEL rule can reach', () => {
    for (const c of crds) {
      for (const [at, node] of walk(c.spec.versions[0].schema.openAPIV3Schema as Obj)) {
        if (at.startsWith('.status') || at === '.metadata' || at === '.apiVersion' || at === '.kind') continue;
        if (node.type === 'string' && node.maxLength === undefined && !node.enum && !node.format)
          throw new Error(`${c.metadata.name} ${at}: string without maxLength`);
        if (node.type === 'array' && node.maxItems === undefined && !node['x-kubernetes-validations'])
          throw new Error(`${c.metadata.name} ${at}: list without maxItems`);
      }
    }
  });

  it('unrolls nested steps to a fixed depth, the last level refusing blocks', () => {
    const wf = crds.find((c) => c.spec.names.kind === 'RpaWorkflow')!;
    const steps = wf.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.steps;
    const level2 = steps.items.properties.then.items;
    const level3 = level2.properties.steps.items;
    expect(level2.properties.then.items.properties.action.enum).toContain('if');
    // The deepest level keeps every action in its enum (so the message is ours), refuses if/forEach
    // with one rule, and carries none of their fields.
    expect(level3.properties.action.enum).toEqual(expect.arrayContaining(['goto', 'if', 'forEach']));
    expect(level3['x-kubernetes-validations'][0]).toEqual({
      rule: "!(self.action in ['if', 'forEach', 'while', 'until', 'try'])",
      message: 'steps may nest at most 3 levels deep (2 in a block); run a block to go deeper',
      fieldPath: '.action',
    });
    for (const blockField of ['then', 'else', 'steps', 'items', 'as', 'maxIterations', 'catch', 'finally'])
      expect(level3.properties).not.toHaveProperty(blockField);
    expect(level3.properties).toHaveProperty('condition'); // assert's
  });

  it("unrolls a block's steps one level less deep than the top level's", () => {
    const wf = crds.find((c) => c.spec.names.kind === 'RpaWorkflow')!;
    const block = wf.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.blocks.items;
    const level1 = block.properties.steps.items;
    expect(level1.properties).toHaveProperty('steps');
    expect(level1.properties.steps.items.properties).not.toHaveProperty('steps');
    expect(level1.properties.steps.items['x-kubernetes-validations'][0].rule).toBe(
      "!(self.action in ['if', 'forEach', 'while', 'until', 'try'])",
    );
  });

  // The CRDs are installed by server-side apply (too large for client-side apply's 256 KiB annotation);
  // with their managedFields they must stay well inside etcd's 1.5 MiB object limit, and the API
  // server's time to compile a CRD's CEL grows with them too.
  it.each(buildCrds().map((c) => [(c.metadata as { name: string }).name, c] as const))(
    '%s stays under 600,000 bytes as JSON',
    (_name, crd) => {
      expect(JSON.stringify(crd).length).toBeLessThan(600_000);
    },
  );
});
