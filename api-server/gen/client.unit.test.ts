import { readFileSync } from 'node:fs';
import { OPENAPI_JSON, PATHS_TS, renderClient } from './client.js';

describe('committed API client files', () => {
  it('match the route table (run `npm run gen:api-client` after changing api-server/src/routes.ts)', async () => {
    const { openapiJson, pathsTs } = await renderClient();
    expect(readFileSync(OPENAPI_JSON, 'utf8')).toBe(openapiJson);
    expect(readFileSync(PATHS_TS, 'utf8')).toBe(pathsTs);
  });
});
