import { existsSync, readFileSync } from 'node:fs';
import { generateOpenApiJson, OPENAPI_FILE } from './openapi-document';

describe('committed OpenAPI document', () => {
  it('matches the code: run `npx nx run admin-api:openapi` and commit apps/admin-api/openapi.json when this fails', async () => {
    const fresh = await generateOpenApiJson();
    expect(existsSync(OPENAPI_FILE)).toBe(true);
    // toBe on the whole text shows the differing lines.
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(fresh);
  });

  it('documents every route with an operation id, and every error as the one error shape', async () => {
    const document = JSON.parse(await generateOpenApiJson()) as {
      paths: Record<string, Record<string, { operationId?: string; summary?: string; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
    expect(operations.length).toBeGreaterThanOrEqual(25);
    for (const { path, method, operation } of operations) {
      expect([path, method, typeof operation.operationId, typeof operation.summary]).toEqual([path, method, 'string', 'string']);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400 && path !== '/api/health') {
          expect([path, status, response.content?.['application/json']?.schema?.$ref]).toEqual([path, status, '#/components/schemas/ApiErrorResponse']);
        }
      }
    }
  });
});
