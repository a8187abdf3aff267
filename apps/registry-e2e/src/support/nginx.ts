/**
 * Debian's nginx as a child process for the deployment and static-registry tests: its own
 * prefix, pid, logs and temp folders in a fresh temp folder, never /etc/nginx or /var/log/nginx.
 *
 * Debian package: nginx.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireBinary, run, RunResult } from './clients';
import { registerLog, tailFile, unregisterLog } from './logs';
import { removeDir, tempDir, track } from './tmp';

export interface NginxHandle {
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * A whole nginx.conf around `http` (the body of http {}): one worker, in the foreground, with
 * every path inside `dir`. As root the worker runs as root too, so it can read the 0700 temp
 * folders the tests create.
 */
export function nginxConfig(dir: string, http: string): string {
  const asRoot = process.getuid?.() === 0;
  return [
    ...(asRoot ? ['user root;'] : []),
    'worker_processes 1;',
    'daemon off;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} info;`,
    'events { worker_connections 256; }',
    'http {',
    `    access_log ${join(dir, 'access.log')};`,
    `    client_body_temp_path ${join(dir, 'client-body')};`,
    `    proxy_temp_path ${join(dir, 'proxy')};`,
    `    fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `    uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `    scgi_temp_path ${join(dir, 'scgi')};`,
    http,
    '}',
    '',
  ].join('\n');
}

async function prepare(http: string): Promise<{ bin: string; dir: string; conf: string; args: string[] }> {
  const bin = requireBinary('nginx', 'nginx');
  const dir = await tempDir('nginx');
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, nginxConfig(dir, http));
  return { bin, dir, conf, args: ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf] };
}

/** `nginx -t` on the config; resolves to the result (never throws on a refused config). */
export async function nginxTest(http: string): Promise<RunResult & { config: string }> {
  const { bin, dir, conf, args } = await prepare(http);
  try {
    const result = await run(bin, ['-t', ...args], { allowFailure: true });
    return { ...result, config: conf };
  } finally {
    await removeDir(dir);
  }
}

/** Starts nginx and waits until `readyUrl` answers (any HTTP status). */
export async function startNginx(http: string, readyUrl: string): Promise<NginxHandle> {
  const { bin, dir, args } = await prepare(http);
  const logFile = join(dir, 'error.log');
  const outFile = join(dir, 'stdout.log');
  const fd = openSync(outFile, 'a');
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  track(child);
  registerLog('nginx', logFile);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = signal ? `killed by ${signal}` : `exited with code ${code}`));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      unregisterLog(logFile);
      throw new Error(`nginx ${exited ?? `did not answer ${readyUrl} within 30 s`}\n${tailFile(outFile, 20)}\n${tailFile(logFile, 40)}`);
    }
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    dir,
    logFile,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      }
      unregisterLog(logFile);
      await removeDir(dir);
    },
  };
}
