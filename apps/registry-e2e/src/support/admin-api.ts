/**
 * Starts the built admin API (dist/apps/admin-api/main.js) on the registry's DATA_DIR, so specs
 * set up users, groups, grants and robots the way an operator does (over HTTP), and read the audit
 * log the registry writes. Black box like the registry: nothing imports app code.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { registerLog, tailFile, unregisterLog } from './logs';
import { freePort, HARNESS_LINE, RegistryHandle } from './registry';
import { track, workspaceRoot } from './tmp';

export interface AdminResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- specs assert on JSON bodies
  body: any;
}

export interface AdminApiHandle {
  url: string;
  /** Admin token (the first account `admin`, created with a strong ADMIN_PASSWORD). */
  token: string;
  call(method: string, path: string, options?: { token?: string; body?: unknown }): Promise<AdminResponse>;
  /** call() that fails the test unless the status is `expected`. */
  ok(method: string, path: string, body?: unknown, expected?: number): Promise<AdminResponse['body']>;
  login(username: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

export function adminApiMain(): string {
  return resolve(process.env['E2E_ADMIN_API_MAIN'] || join(workspaceRoot(), 'dist', 'apps', 'admin-api', 'main.js'));
}

/** `env` must carry the registry's ADMIN_PASSWORD and JWT_SECRET (the seeded account and tokens). */
export async function startAdminApi(registry: RegistryHandle, env: Record<string, string> = {}): Promise<AdminApiHandle> {
  const main = adminApiMain();
  if (!existsSync(main)) throw new Error(`${main} does not exist: build the admin API first (NX_DAEMON=false NX_NO_CLOUD=true npx nx build admin-api)`);
  if (!registry.dataDir) throw new Error('the admin API shares the registry’s DATA_DIR; an external registry has none');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(registry.dataDir, '..', 'admin-api.log');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...registry.env, ...env, HOST: '127.0.0.1', ADMIN_PORT: String(port), DATA_DIR: registry.dataDir, CONSOLE_DIR: join(registry.dataDir, 'no-console') };
  delete childEnv['NODE_ENV'];
  delete childEnv['JEST_WORKER_ID'];
  const fd = openSync(logFile, 'a');
  writeSync(fd, `${HARNESS_LINE}: ${new Date().toISOString()} node ${main}\n`);
  const child: ChildProcess = spawn(process.execPath, [main], { cwd: workspaceRoot(), env: childEnv, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  track(child);
  registerLog(`admin API ${url}`, logFile);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = signal ? `was killed by ${signal}` : `exited with code ${code}`));

  const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<AdminResponse> => {
    const headers: Record<string, string> = {};
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: response.status, body };
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`admin API ${exited} before answering\n${tailFile(logFile, 40)}`);
    try {
      if ((await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).status < 500) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`admin API did not answer within 60 s\n${tailFile(logFile, 40)}`);
    await new Promise((done) => setTimeout(done, 100));
  }

  const login = async (username: string, password: string): Promise<string> => {
    const response = await call('POST', '/api/auth/login', { body: { username, password } });
    if (response.status !== 200) throw new Error(`admin API login as ${username}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.token;
  };
  const password = childEnv['ADMIN_PASSWORD'];
  if (!password) throw new Error('startAdminApi needs ADMIN_PASSWORD (in the registry env or env)');
  const token = await login('admin', password);
  return {
    url,
    token,
    call: (method, path, options = {}) => call(method, path, { token, ...options }),
    async ok(method, path, body, expected) {
      const response = await call(method, path, { token, body });
      const want = expected ?? (method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200);
      if (response.status !== want) throw new Error(`${method} ${path} answered ${response.status} (wanted ${want}): ${JSON.stringify(response.body)}`);
      return response.body;
    },
    login,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((done) => child.once('exit', () => done()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      unregisterLog(logFile);
    },
  };
}
