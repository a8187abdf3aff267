/**
 * CI guard: the committed generated client must be exactly what ng-openapi-gen makes from the
 * admin API's OpenAPI document (see tools/generate.mjs). Regenerates into a temp folder and compares.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const libRoot = resolve(__dirname, '..', '..');
const root = resolve(libRoot, '..', '..');

describe('generated api-client', () => {
  it('is up to date with the OpenAPI document (run `nx run api-client:generate` when this fails)', () => {
    const r = spawnSync(process.execPath, [join(libRoot, 'tools', 'generate.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`generated client is stale or generation failed:\n${r.stdout}${r.stderr}`);
    expect(r.stdout).toContain('up to date');
  }, 120_000);

  it('generates injectable HttpClient services for the console (no hand-written HTTP calls)', () => {
    const services = readFileSync(join(libRoot, 'src', 'lib', 'generated', 'services.ts'), 'utf8');
    for (const s of ['AuthService', 'GroupsService', 'DashboardService']) expect(services).toContain(s);
    expect(existsSync(join(libRoot, 'src', 'lib', 'generated', 'base-service.ts'))).toBe(true);
  });
});
