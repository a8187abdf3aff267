import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const workspaceRoot = resolve(__dirname, '..', '..', '..');

/** Runs src/main.ts the way `nx run admin-api:openapi` runs TypeScript (ts-node + tsconfig paths). */
function startMain(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'refity-main-'));
  try {
    return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/admin-api/src/main.ts'], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env['PATH'],
        TS_NODE_PROJECT: 'tsconfig.base.json',
        TS_NODE_COMPILER_OPTIONS: '{"module":"commonjs"}',
        DATA_DIR: dataDir,
        ...env,
      },
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('admin API start-up', () => {
  it('refuses to start in production without JWT_SECRET, saying what to set', () => {
    const result = startMain({ NODE_ENV: 'production' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('invalid configuration:');
    expect(result.stderr).toContain('JWT_SECRET: required in production, at least 32 characters');
  });

  it('refuses a JWT_SECRET shorter than 32 characters in production', () => {
    const result = startMain({ NODE_ENV: 'production', JWT_SECRET: 'too-short-secret' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('JWT_SECRET: required in production, at least 32 characters (e.g. `openssl rand -hex 32`); got 16');
  });
});
