import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from './openapi.js';
import { HOOK_ROUTE, ROUTES } from './routes.js';

type Operation = { operationId: string; 'x-aether-rbac': { apiGroup: string; resource: string; verb: string }; responses: Record<string, unknown> };

function allOperations(doc: Record<string, unknown>): Array<[string, string, Operation]> {
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  return Object.entries(paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [path, method, op] as [string, string, Operation]));
}

/** The bearer-authenticated operations (not the signed webhook delivery). */
const operations = (doc: Record<string, unknown>) => allOperations(doc).filter(([path]) => path !== HOOK_ROUTE.path);

describe('the OpenAPI document', () => {
  const doc = openApiDocument();

  it('is a valid OpenAPI 3.1 document (standard validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has one operation per route, each with the RBAC it needs', () => {
    const ops = operations(doc);
    expect(ops.map(([, , op]) => op.operationId).sort()).toEqual(ROUTES.map((r) => r.operationId).sort());
    for (const [, , op] of ops) {
      expect(op['x-aether-rbac'].apiGroup).toBe('rpa.aether.dev');
      expect(op.responses['403']).toBeDefined();
      expect(op.responses['401']).toBeDefined();
    }
  });

  it('asks kubectl’s verbs: writes need create/delete, reads get/list/watch', () => {
    const byId = Object.fromEntries(operations(doc).map(([, , op]) => [op.operationId, op['x-aether-rbac']]));
    expect(byId.createJob).toEqual({ apiGroup: 'rpa.aether.dev', resource: 'rpajobs', verb: 'create' });
    expect(byId.cancelJob).toEqual({ apiGroup: 'rpa.aether.dev', resource: 'rpajobs', verb: 'delete' });
    expect(byId.replayDeadLetter).toEqual({ apiGroup: 'rpa.aether.dev', resource: 'rpajobs', verb: 'create' });
    expect(byId.watchEvents).toEqual({ apiGroup: 'rpa.aether.dev', resource: 'rpajobs', verb: 'watch' });
    for (const [, method, op] of operations(doc)) {
      if (method === 'get') expect(['get', 'list', 'watch']).toContain(op['x-aether-rbac'].verb);
      else expect(['create', 'update', 'delete']).toContain(op['x-aether-rbac'].verb);
    }
  });

  it('has the webhook delivery without bearer security, with its signing headers and refusals', () => {
    const hook = allOperations(doc).find(([path]) => path === HOOK_ROUTE.path);
    expect(hook).toBeDefined();
    const op = hook![2] as unknown as { security: unknown[]; parameters: Array<{ name: string; in: string; required: boolean }>; responses: Record<string, unknown> };
    expect(hook![1]).toBe('post');
    expect(op.security).toEqual([]);
    expect(op.parameters.filter((p) => p.in === 'header').map((p) => [p.name, p.required])).toEqual([
      ['X-Aether-Timestamp', true],
      ['X-Aether-Delivery', true],
      ['X-Aether-Signature', true],
    ]);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '409', '413', '422']);
  });
});
