/**
 * Cost of registry access control on the hot path. Not a test: it prints numbers.
 *
 *   node tools/bench/run.cjs registry-auth [--requests 3000]
 *
 * In process: verifying a bearer token (HS256 and ES256), resolving a grant (50 grants), and the
 * argon2id check the token endpoint does per login. Over HTTP against the built registry
 * (dist/apps/registry/main.js, `nx build registry` first): sequential HEAD requests on a blob, with
 * REGISTRY_AUTH=none and with a bearer token, so the difference is what a request pays for auth.
 */
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessPolicy, hashPassword, RegistryPrincipal, RegistryTokenService, registryTokenKeys, verifyPassword } from '@refity/auth';
import { loadConfig } from '@refity/config';

function numberArgument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

function perOp(label: string, count: number, run: () => void): void {
  for (let n = 0; n < Math.min(count, 200); n++) run();
  const start = process.hrtime.bigint();
  for (let n = 0; n < count; n++) run();
  const ns = Number(process.hrtime.bigint() - start) / count;
  console.log(`${label.padEnd(48)} ${(ns / 1000).toFixed(1).padStart(8)} µs/op`);
}

const alice: RegistryPrincipal = { kind: 'user', id: 7, name: 'alice', admin: false, tokenVersion: 0 };
const settings = { service: 'refity', tokenTtlSeconds: 300, refreshTokenTtlSeconds: 3600 };

async function inProcess(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'refity-bench-'));
  try {
    const hs = new RegistryTokenService(registryTokenKeys(loadConfig({ JWT_SECRET: 'x'.repeat(40) })), settings);
    const ecPath = join(dir, 'ec.pem');
    writeFileSync(ecPath, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const es = new RegistryTokenService(registryTokenKeys(loadConfig({ REGISTRY_TOKEN_KEY: ecPath })), settings);
    const access = [{ type: 'repository', name: 'myteam/app', actions: ['pull', 'push'] }];
    const hsToken = hs.issueAccess(alice, access).token;
    const esToken = es.issueAccess(alice, access).token;
    perOp('verify bearer token, HS256', 20_000, () => hs.verifyAccess(hsToken));
    perOp('verify bearer token, ES256', 5_000, () => es.verifyAccess(esToken));
    perOp('issue token, HS256', 20_000, () => hs.issueAccess(alice, access));
    const grants = Array.from({ length: 50 }, (_, n) => ({ scope: n % 2 ? ('group' as const) : ('repository' as const), pattern: n % 2 ? `team${n}` : `team${n}/*`, action: 'pull' as const }));
    let counter = 0;
    perOp('grant resolution, 50 grants, uncached name', 20_000, () => new AccessPolicy(false, grants, ['public']).level(`team49/app${counter++}`));
    const hash = await hashPassword('rfy_robot_' + randomBytes(32).toString('base64url'));
    const start = Date.now();
    const runs = 20;
    for (let n = 0; n < runs; n++) await verifyPassword(hash, 'wrong');
    console.log(`${'argon2id check per token-endpoint login'.padEnd(48)} ${((Date.now() - start) / runs).toFixed(1).padStart(8)} ms/op`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

async function startRegistry(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'refity-bench-registry-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/apps/registry/main.js'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dir, AUTO_CREATE_GROUPS: 'true', ...env },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await fetch(`${url}/v2/`);
      break;
    } catch {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  return {
    url,
    stop: async () => {
      const gone = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Target {
  label: string;
  url: string;
  headers: Record<string, string>;
  stop: () => Promise<void>;
  nanoseconds: number;
}

/** Both registries run at once and requests alternate between them, so machine noise hits both alike (and each goes first half of the time). */
async function overHttp(requests: number): Promise<void> {
  const blob = randomBytes(1024);
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const targets: Target[] = [];
  try {
    for (const [label, env] of [
      ['REGISTRY_AUTH=none', { REGISTRY_AUTH: 'none' }],
      ['bearer token', { ADMIN_PASSWORD: 'granite-meadow-77', JWT_SECRET: 'y'.repeat(40) }],
    ] as const) {
      const registry = await startRegistry(env);
      const headers: Record<string, string> = {};
      if (label === 'bearer token') {
        const basic = Buffer.from('admin:granite-meadow-77').toString('base64');
        const answer = await fetch(`${registry.url}/v2/token?service=refity&scope=repository:bench/app:pull,push`, { headers: { authorization: `Basic ${basic}` } });
        headers['authorization'] = `Bearer ${((await answer.json()) as { token: string }).token}`;
      }
      targets.push({ label, url: registry.url, headers, stop: registry.stop, nanoseconds: 0 });
      const start = await fetch(`${registry.url}/v2/bench/app/blobs/uploads/`, { method: 'POST', headers });
      const location = new URL(start.headers.get('location') as string, registry.url);
      location.searchParams.set('digest', digest);
      const put = await fetch(location, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: blob });
      if (put.status !== 201) throw new Error(`blob upload answered ${put.status}`);
    }
    const head = async (target: Target) => {
      const began = process.hrtime.bigint();
      const response = await fetch(`${target.url}/v2/bench/app/blobs/${digest}`, { method: 'HEAD', headers: target.headers });
      if (response.status !== 200) throw new Error(`HEAD answered ${response.status}`);
      return Number(process.hrtime.bigint() - began);
    };
    for (let n = 0; n < 200; n++) for (const target of targets) await head(target);
    for (let n = 0; n < requests; n++) for (const target of n % 2 ? targets : [...targets].reverse()) target.nanoseconds += await head(target);
    for (const target of targets) {
      console.log(`${`HEAD blob over HTTP, ${target.label}`.padEnd(48)} ${(target.nanoseconds / requests / 1000).toFixed(1).padStart(8)} µs/request (${requests}, alternating)`);
    }
    console.log(`${'difference per request'.padEnd(48)} ${((targets[1].nanoseconds - targets[0].nanoseconds) / requests / 1000).toFixed(1).padStart(8)} µs`);
  } finally {
    for (const target of targets) await target.stop();
  }
}

async function main(): Promise<void> {
  await inProcess();
  await overHttp(numberArgument('requests', 3000));
}

void main();
