#!/usr/bin/env node
/**
 * Generates libs/api-client/src/lib/generated from the admin API's OpenAPI document with
 * ng-openapi-gen (offline; injectable HttpClient services returning Observables + model types).
 *
 *   node libs/api-client/tools/generate.mjs            regenerate in place (nx run api-client:generate)
 *   node libs/api-client/tools/generate.mjs --check    regenerate into a temp folder and compare;
 *                                                      exit 1 listing every stale file (nx run api-client:check)
 *
 * Input: apps/admin-api/openapi.json, committed by the admin API (`nx run admin-api:openapi`).
 * OPENAPI_INPUT=<file> overrides it (e.g. to try a document before it is committed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const libRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(libRoot, '..', '..');
const committedOut = join(libRoot, 'src', 'lib', 'generated');

export function specPath() {
  if (process.env.OPENAPI_INPUT) return resolve(process.env.OPENAPI_INPUT);
  return join(root, 'apps', 'admin-api', 'openapi.json');
}

function generate(input, output) {
  const config = JSON.parse(readFileSync(join(libRoot, 'ng-openapi-gen.json'), 'utf8'));
  delete config.$schema;
  config.input = input;
  config.output = output;
  const tmp = mkdtempSync(join(tmpdir(), 'api-client-config-'));
  const cfgFile = join(tmp, 'ng-openapi-gen.json');
  writeFileSync(cfgFile, JSON.stringify(config));
  const bin = join(root, 'node_modules', 'ng-openapi-gen', 'lib', 'index.js');
  const r = spawnSync(process.execPath, [bin, '-c', cfgFile], { cwd: root, encoding: 'utf8' });
  rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`ng-openapi-gen failed (exit ${r.status}) on ${input}`);
  }
}

function files(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Files that differ between two generated trees (missing on either side counts). */
export function compareTrees(expected, actual) {
  const a = new Set(files(expected));
  const b = new Set(files(actual));
  const diff = [];
  for (const f of new Set([...a, ...b])) {
    if (!a.has(f)) diff.push(`${f} (not generated any more: delete it)`);
    else if (!b.has(f)) diff.push(`${f} (missing)`);
    else if (!readFileSync(join(expected, f)).equals(readFileSync(join(actual, f)))) diff.push(`${f} (content differs)`);
  }
  return diff.sort();
}

function main() {
  const check = process.argv.includes('--check');
  const input = specPath();
  if (!existsSync(input)) throw new Error(`OpenAPI document ${input} does not exist (npx nx run admin-api:openapi writes it)`);
  if (!check) {
    generate(input, committedOut);
    console.log(`api-client: generated ${relative(root, committedOut)} from ${relative(root, input)}`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'api-client-check-'));
  try {
    const out = join(tmp, 'generated');
    generate(input, out);
    const diff = compareTrees(out, committedOut);
    if (diff.length) {
      console.error(
        `api-client is stale: ${relative(root, committedOut)} does not match what ng-openapi-gen makes from ${relative(root, input)}.\n` +
          `Run: NX_DAEMON=false npx nx run api-client:generate and commit the result.\n  ` +
          diff.join('\n  '),
      );
      process.exitCode = 1;
      return;
    }
    console.log(`api-client: generated client is up to date with ${relative(root, input)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    console.error(`api-client: ${e.message}`);
    process.exitCode = 1;
  }
}
