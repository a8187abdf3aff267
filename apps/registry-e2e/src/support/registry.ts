/**
 * Starts the built registry (dist/apps/registry/main.js) as a child process for black-box tests.
 *
 * startRegistry(env) spawns `node dist/apps/registry/main.js` from the workspace root with
 *   HOST=127.0.0.1 (overridable), PORT=<free port>, DATA_DIR=<fresh temp folder>, plus `env` (e.g. AUTO_CREATE_GROUPS=true,
 *   REGISTRY_AUTH=none) on top of this process's environment (NODE_ENV, which jest sets to "test",
 *   is not passed on unless given in `env`), sends stdout+stderr to a log file, and waits until
 *   `GET /v2/` answers 200 or 401.
 *
 * Run against an already running registry instead (e.g. the CNCF distribution peer):
 *   E2E_REGISTRY_URL=http://127.0.0.1:5001   skip spawning; every startRegistry() returns this one
 *                                            (env is ignored, stop() is a no-op, dataDir is '').
 *   E2E_REGISTRY_RESTART='shell command'     what restart() runs (then it waits for GET /v2/);
 *                                            without it restart() throws.
 *   E2E_REGISTRY_LOG=/path/registry.log      its log, printed when a test fails.
 * Other knobs: E2E_REGISTRY_MAIN (path of main.js), E2E_START_TIMEOUT_MS (default 60000),
 * E2E_KEEP_TMP=1 (keep temp folders), E2E_TMPDIR (where temp folders go).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { registerLog, tailFile, unregisterLog } from './logs';
import { removeDir, tempDir, track, workspaceRoot } from './tmp';

export interface RegistryHandle {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port>, for image references */
  host: string;
  port: number;
  /** the registry's DATA_DIR ('' for an external registry) */
  dataDir: string;
  /** stdout+stderr of the registry ('' when unknown) */
  logFile: string;
  /** true when E2E_REGISTRY_URL pointed at a registry this harness did not start */
  external: boolean;
  /** the environment the registry was started with (only what the harness set) */
  env: Record<string, string>;
  stop(): Promise<void>;
  /** Stops (SIGTERM, or `signal`) and starts it again on the same port and DATA_DIR. */
  restart(signal?: NodeJS.Signals): Promise<void>;
}

const READY_PATH = '/v2/';

/** Starts each line the harness itself writes into a registry's log file. */
export const HARNESS_LINE = '=== registry-e2e';

/** What the registry itself wrote to `logFile`, a line each: the harness's own header lines left out. */
export function registryOutput(logFile: string): string[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith(HARNESS_LINE));
}

function startTimeout(): number {
  return Number(process.env['E2E_START_TIMEOUT_MS'] || 60_000);
}

export function registryMain(): string {
  return resolve(process.env['E2E_REGISTRY_MAIN'] || join(workspaceRoot(), 'dist', 'apps', 'registry', 'main.js'));
}

/** A TCP port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls GET /v2/ until it answers 200 or 401. `alive` reports whether the process is still
 * running (when it is not, waiting stops at once).
 */
async function waitReady(url: string, alive: () => string | null, what: string): Promise<void> {
  const deadline = Date.now() + startTimeout();
  let last = 'no answer';
  while (Date.now() < deadline) {
    const dead = alive();
    if (dead) throw new Error(`${what} ${dead} before GET ${READY_PATH} answered`);
    try {
      const res = await fetch(url + READY_PATH, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${what}: GET ${url}${READY_PATH} did not answer 200/401 within ${startTimeout()} ms (last: ${last})`);
}

export async function startRegistry(env: Record<string, string> = {}): Promise<RegistryHandle> {
  const external = process.env['E2E_REGISTRY_URL'];
  if (external) return useExternal(external.replace(/\/+$/, ''));

  const main = registryMain();
  if (!existsSync(main)) {
    throw new Error(
      `${main} does not exist: build the registry first ` +
        `(NX_DAEMON=false NX_NO_CLOUD=true npx nx build registry; the registry-e2e:test target does it through dependsOn), ` +
        `or point E2E_REGISTRY_URL at a running registry.`,
    );
  }
  const port = await freePort();
  const runDir = await tempDir('registry');
  const dataDir = join(runDir, 'data');
  const logFile = join(runDir, 'registry.log');
  const url = `http://127.0.0.1:${port}`;
  // HOST: listen on loopback only (the registry's default is 0.0.0.0)
  const own: Record<string, string> = { HOST: '127.0.0.1', ...env, PORT: String(port), DATA_DIR: dataDir };
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv['NODE_ENV'];
  delete childEnv['JEST_WORKER_ID'];
  Object.assign(childEnv, own);

  await mkdir(dataDir, { recursive: true });
  let child: ChildProcess | undefined;
  let exited: string | null = null;
  let stopping = false;
  let ready = false;
  registerLog(`registry ${url}`, logFile);

  const launch = async () => {
    const fd = openSync(logFile, 'a');
    writeSync(fd, `${HARNESS_LINE}: ${new Date().toISOString()} node ${main} with ${JSON.stringify(own)}\n`);
    exited = null;
    stopping = false;
    ready = false;
    const proc = spawn(process.execPath, [main], { cwd: workspaceRoot(), env: childEnv, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    track(proc);
    child = proc;
    proc.on('exit', (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      // while starting, the error thrown by launch() carries the log tail
      if (!stopping && ready) {
        process.stderr.write(
          `\nregistry-e2e: registry on port ${port} ${exited} unexpectedly; log tail (${logFile}):\n${tailFile(logFile, 60)}\n`,
        );
      }
    });
    try {
      await waitReady(url, () => exited, `registry (node ${main}, port ${port})`);
      ready = true;
    } catch (e) {
      await kill();
      throw new Error(`${(e as Error).message}\n----- registry log tail (${logFile}) -----\n${tailFile(logFile, 60)}`);
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child;
    if (!proc || exited) return;
    stopping = true;
    const gone = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  };

  try {
    await launch();
  } catch (e) {
    unregisterLog(logFile);
    await removeDir(runDir);
    throw e;
  }
  let stopped = false;
  return {
    url,
    host: `127.0.0.1:${port}`,
    port,
    dataDir,
    logFile,
    external: false,
    env: own,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      unregisterLog(logFile);
      await removeDir(runDir);
    },
    async restart(signal: NodeJS.Signals = 'SIGTERM') {
      await kill(signal);
      await launch();
    },
  };
}

async function useExternal(url: string): Promise<RegistryHandle> {
  const port = Number(new URL(url).port || 80);
  const logFile = process.env['E2E_REGISTRY_LOG'] || '';
  if (logFile) registerLog(`registry ${url} (external)`, logFile);
  await waitReady(url, () => null, `external registry E2E_REGISTRY_URL=${url}`);
  return {
    url,
    host: new URL(url).host,
    port,
    dataDir: '',
    logFile,
    external: true,
    env: {},
    async stop() {
      /* not ours */
    },
    async restart() {
      const cmd = process.env['E2E_REGISTRY_RESTART'];
      if (!cmd) throw new Error('restart() against E2E_REGISTRY_URL needs E2E_REGISTRY_RESTART (a shell command that restarts it)');
      const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: startTimeout() });
      if (r.status !== 0) throw new Error(`E2E_REGISTRY_RESTART failed (status ${r.status}): ${r.stderr}${r.error ?? ''}`);
      await waitReady(url, () => null, `external registry after E2E_REGISTRY_RESTART`);
    },
  };
}
