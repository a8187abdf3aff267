/**
 * Real registry clients, run as child processes: skopeo, podman (vfs storage in a temp folder) and
 * a private Docker engine (dockerd with vfs, no iptables/bridge, its own socket) driven by the
 * docker CLI. A missing binary fails with the Debian package to install; nothing is skipped.
 *
 * Debian packages: skopeo, podman, docker.io (dockerd + containerd + runc; the docker CLI may come
 * from docker.io or any newer docker CLI, which negotiates the API version with dockerd).
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { delimiter, join } from 'node:path';
import { registerLog, tailFile, unregisterLog } from './logs';
import { removeDir, tempDir, track } from './tmp';

/** Absolute path of `name` on PATH, or an error that names the Debian package to install. */
export function requireBinary(name: string, debianPackage: string): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  throw new Error(
    `${name} is not installed (not on PATH): the registry e2e tests need it. ` +
      `Install the Debian package "${debianPackage}": apt-get install -y --no-install-recommends ${debianPackage}`,
  );
}

export interface RunResult {
  command: string;
  code: number | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** do not throw on a non-zero exit */
  allowFailure?: boolean;
  timeoutMs?: number;
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Runs a command to completion; throws (with its output) when it exits non-zero, unless allowFailure. */
export function run(bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = [bin, ...args].map(quote).join(' ');
  return new Promise((ok, fail) => {
    const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timeoutMs = opts.timeoutMs ?? 10 * 60 * 1000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(new Error(`${command}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const r: RunResult = { command, code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr: Buffer.concat(err).toString('utf8') };
      if (timedOut) return fail(new Error(`${command}: timed out after ${timeoutMs} ms\nstderr: ${r.stderr.slice(-4000)}`));
      if (code !== 0 && !opts.allowFailure) {
        return fail(
          new Error(`${command}\nexited with ${signal ?? code}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`),
        );
      }
      ok(r);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// skopeo

export class Skopeo {
  readonly bin = requireBinary('skopeo', 'skopeo');

  /** skopeo copy SRC DST with TLS verification off on both sides (plain http to 127.0.0.1). */
  copy(src: string, dst: string, extra: string[] = [], opts: RunOptions = {}): Promise<RunResult> {
    return run(this.bin, ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', ...extra, src, dst], opts);
  }

  /** copy with --digestfile; returns the digest skopeo reports for what it wrote. */
  async copyDigest(src: string, dst: string, extra: string[] = []): Promise<string> {
    const dir = await tempDir('digest');
    try {
      const f = join(dir, 'digest');
      await this.copy(src, dst, ['--digestfile', f, ...extra]);
      return (await readFile(f, 'utf8')).trim();
    } finally {
      await removeDir(dir);
    }
  }

  async inspect(ref: string, extra: string[] = []): Promise<Record<string, unknown>> {
    const r = await run(this.bin, ['inspect', '--tls-verify=false', ...extra, ref]);
    return JSON.parse(r.stdout);
  }

  /** The exact manifest bytes as the registry serves them. */
  async inspectRaw(ref: string): Promise<Buffer> {
    return (await run(this.bin, ['inspect', '--raw', '--tls-verify=false', ref])).stdoutBytes;
  }

  async listTags(ref: string): Promise<{ Repository: string; Tags: string[] }> {
    const r = await run(this.bin, ['list-tags', '--tls-verify=false', ref]);
    return JSON.parse(r.stdout);
  }

  delete(ref: string, opts: RunOptions = {}): Promise<RunResult> {
    return run(this.bin, ['delete', '--tls-verify=false', ref], opts);
  }
}

// ---------------------------------------------------------------------------------------------
// podman (root, vfs storage in a private folder; never touches /var/lib/containers)

export class Podman {
  readonly bin = requireBinary('podman', 'podman');
  private constructor(readonly dir: string) {}

  static async create(): Promise<Podman> {
    const dir = await tempDir('podman');
    await mkdir(join(dir, 'tmp'), { recursive: true });
    return new Podman(dir);
  }

  run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const global = [
      '--storage-driver',
      'vfs',
      '--root',
      join(this.dir, 'root'),
      '--runroot',
      join(this.dir, 'run'),
      '--tmpdir',
      join(this.dir, 'libpod-tmp'),
      '--cgroup-manager',
      'cgroupfs',
      '--events-backend',
      'file',
    ];
    return run(this.bin, [...global, ...args], { ...opts, env: { ...process.env, TMPDIR: join(this.dir, 'tmp'), ...opts.env } });
  }

  async dispose(): Promise<void> {
    await removeDir(this.dir);
  }
}

// ---------------------------------------------------------------------------------------------
// private Docker engine

export interface Dockerd {
  /** unix:///<dir>/docker.sock */
  host: string;
  dir: string;
  logFile: string;
  /** runs the docker CLI against this engine */
  docker(args: string[], opts?: RunOptions): Promise<RunResult>;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((ok) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok(res.statusCode === 200 && body.trim() === 'OK'));
    });
    req.on('error', () => ok(false));
    req.on('timeout', () => {
      req.destroy();
      ok(false);
    });
    req.end();
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts dockerd as root: vfs storage driver, no iptables, no bridge, socket/data/exec/pid in a
 * fresh temp folder, `--insecure-registry` for each given host:port, its own (empty) daemon.json
 * so the machine's /etc/docker/daemon.json is not read.
 */
export async function startDockerd(insecureRegistries: string[]): Promise<Dockerd> {
  const dockerd = requireBinary('dockerd', 'docker.io');
  const dockerCli = requireBinary('docker', 'docker.io');
  if (process.getuid && process.getuid() !== 0) throw new Error('the docker e2e tests start a private dockerd and must run as root');
  const dir = await tempDir('dockerd');
  const sock = join(dir, 'docker.sock');
  const execRoot = join(dir, 'exec');
  const logFile = join(dir, 'dockerd.log');
  const cliConfig = join(dir, 'cli');
  await mkdir(cliConfig, { recursive: true });
  await writeFile(join(dir, 'daemon.json'), '{}\n');
  const args = [
    '--config-file',
    join(dir, 'daemon.json'),
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip-masq=false',
    '--bridge=none',
    '--host',
    `unix://${sock}`,
    '--data-root',
    join(dir, 'root'),
    '--exec-root',
    execRoot,
    '--pidfile',
    join(dir, 'dockerd.pid'),
    ...insecureRegistries.flatMap((r) => ['--insecure-registry', r]),
  ];
  const fd = openSync(logFile, 'a');
  const child = spawn(dockerd, args, { stdio: ['ignore', fd, fd], detached: false });
  closeSync(fd);
  track(child);
  registerLog('dockerd', logFile);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = signal ? `killed by ${signal}` : `exited with code ${code}`));

  const deadline = Date.now() + 90_000;
  while (!(existsSync(sock) && (await ping(sock)))) {
    if (exited || Date.now() > deadline) {
      const why = exited ?? 'did not answer /_ping within 90 s';
      child.kill('SIGKILL');
      unregisterLog(logFile);
      throw new Error(`dockerd ${why}\n----- dockerd log tail (${logFile}) -----\n${tailFile(logFile, 40)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const host = `unix://${sock}`;
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: cliConfig };
  delete env['DOCKER_CONTEXT'];
  delete env['DOCKER_TLS_VERIFY'];
  delete env['DOCKER_CERT_PATH'];

  return {
    host,
    dir,
    logFile,
    docker: (a, opts = {}) => run(dockerCli, a, { ...opts, env: { ...env, ...opts.env } }),
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await gone;
        clearTimeout(t);
      }
      // dockerd starts its own containerd; it normally stops it, make sure it is gone.
      const pidFile = join(execRoot, 'containerd', 'containerd.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        if (pid > 0 && pidAlive(pid)) process.kill(pid, 'SIGTERM');
      }
      unregisterLog(logFile);
      await removeDir(dir);
    },
  };
}
