/**
 * Child processes of the console e2e: the built registry and the built admin API sharing one
 * DATA_DIR (SQLite metadata + local image storage), plus skopeo. Logs go to files whose tails are
 * printed when something fails to start.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** The Nx workspace root (the folder holding nx.json above this file). */
export function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`nx.json not found above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export const keepTemp = process.env['E2E_KEEP_TMP'] === '1';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(process.env['E2E_TMPDIR'] || tmpdir(), `refity-console-e2e-${prefix}-`));
}

export function removeDir(dir: string): void {
  if (!keepTemp) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Absolute path of a binary on PATH, or an error naming the Debian package to install. */
export function requireBinary(name: string, debianPackage: string): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin'])) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      /* next */
    }
  }
  throw new Error(
    `${name} is not installed: the console e2e tests need it. Install the Debian package "${debianPackage}" ` +
      `(apt-get install -y --no-install-recommends ${debianPackage}, or sudo ./tools/install-test-deps.sh).`,
  );
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => ok(port));
    });
  });
}

export function tail(file: string, lines = 60): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface Service {
  url: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `node <main>` from the workspace root with `env` on top of this environment (minus jest's
 * NODE_ENV) and waits until GET url+readyPath answers one of `readyStatus`.
 */
export async function startNode(
  what: string,
  main: string,
  env: Record<string, string>,
  port: number,
  readyPath: string,
  readyStatus: number[],
  logDir: string,
): Promise<Service> {
  const mainPath = join(workspaceRoot(), main);
  if (!existsSync(mainPath)) {
    throw new Error(`${mainPath} does not exist: build it first (NX_DAEMON=false npx nx run console-e2e:test builds console, admin-api and registry through dependsOn)`);
  }
  const logFile = join(logDir, `${what}.log`);
  const fd = openSync(logFile, 'a');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv['NODE_ENV'];
  delete childEnv['JEST_WORKER_ID'];
  if (env['NODE_ENV']) childEnv['NODE_ENV'] = env['NODE_ENV'];
  const child: ChildProcess = spawn(process.execPath, [mainPath], { cwd: workspaceRoot(), env: childEnv, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = signal ? `was killed by ${signal}` : `exited with code ${code}`));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + Number(process.env['E2E_START_TIMEOUT_MS'] || 60_000);
  let last = 'no answer';
  for (;;) {
    if (exited) throw new Error(`${what} (node ${main}) ${exited} before it was ready\n----- ${logFile} -----\n${tail(logFile)}`);
    try {
      const res = await fetch(url + readyPath, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (readyStatus.includes(res.status)) break;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what}: GET ${url}${readyPath} not ready in time (last: ${last})\n----- ${logFile} -----\n${tail(logFile)}`);
    }
    await sleep(150);
  }
  return {
    url,
    port,
    logFile,
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(bin: string, args: string[], allowFailure = false): Promise<RunResult> {
  return new Promise((ok, fail) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0 && !allowFailure) fail(new Error(`${bin} ${args.join(' ')} exited with ${code}\n${stdout}\n${stderr}`));
      else ok({ code, stdout, stderr });
    });
  });
}
