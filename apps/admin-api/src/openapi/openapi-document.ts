import { loadConfig } from '@refity/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createAdminApp, openApiDocument } from '../app/admin-app';

/** Where the committed document lives (the console's client is generated from it). */
export const OPENAPI_FILE = resolve(__dirname, '..', '..', 'openapi.json');

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** JSON with sorted keys, two-space indent and a final newline: diffs show real changes only. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/**
 * Boots the admin API's module (throwaway SQLite and storage, no port) and renders its OpenAPI
 * document. The environment is fixed here, so the result does not depend on the caller's.
 */
export async function generateOpenApiJson(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'refity-openapi-'));
  try {
    const app = await createAdminApp(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, CONSOLE_DIR: dataDir }), false);
    try {
      await app.init();
      return stableJson(openApiDocument(app));
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
