/**
 * Registry push/pull benchmark (issue 3, "Benchmark (not a test)"). Not a test: it prints numbers
 * and writes the table to docs/benchmarks.md.
 *
 *   node tools/bench/run.cjs registry-push-pull [--runs 3] [--big-mib 256] [--small 50] [--huge-mib 2048]
 *                                              [--cache-mib 4096] [--targets async,sync,distribution] [--no-doc] [--cpu-prof DIR]
 *                                              [--bundle FILE] [--metadata sqlite|postgres]
 *
 * --bundle runs another build of the registry than dist/apps/registry/main.js (a copy kept from an
 * earlier build, for A/B runs alternating two builds on the same machine state).
 * --metadata postgres gives every Refity registry a fresh database on a throwaway PostgreSQL server
 * (the multi-replica setup) instead of its embedded SQLite file; add --no-doc to keep the table.
 * Needs root, openssh-server/-client (throwaway sshd), skopeo and docker-registry (Debian, CNCF
 * distribution 2.8), and the built registry (`npx nx build registry` → dist/apps/registry/main.js).
 *
 * Targets, in the same run: Refity on a local throwaway sshd in async mode (default), Refity with
 * SFTP_SYNC_UPLOAD=true, and distribution on local disk (filesystem storage). Every run of every
 * target starts on fresh state (new registry process, new DATA_DIR, new FTP_ROOT / rootdirectory),
 * so nothing is deduplicated. Per run:
 *   1. skopeo push of a 4 x big-mib image (random payload, gzip level 0); for async Refity also the
 *      time from the push's start until every blob is on the sshd (files polled under sftpRoot at
 *      their full size) and the local upload queue is empty;
 *   2. skopeo pull into a fresh OCI dir, twice: with a read cache (--cache-mib, default 4096) Refity
 *      first restarts on the same data with an empty cache, so the 1st pull reads SFTP ("cold") and
 *      fills the cache, the 2nd is served from it ("warm"); with --cache-mib 0 the 1st pull of async
 *      Refity starts after the queue drained and the 2nd is a repeat;
 *   3. `small` images of 3 x 1 MiB, pushed one after the other, then pulled one after the other.
 * Each phase also reports the CPU seconds of the registry, the sshd sessions and skopeo (from /proc and
 * bash's `times`). At the end of each Refity run its peak RSS (VmHWM of /proc/<pid>/status) is read. With
 * --huge-mib > 0, one push of a single-layer image of that size to async Refity (RSS target:
 * <= 200 MiB while pushing a 2 GiB layer), plus the drain time.
 * Images are generated once (fixed seeds) under $TMPDIR/refity-bench-images and reused.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, promises as fs, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { PostgresServer, SshdServer, startPostgres, startSshd } from '@refity/testing';
import { ImageInfo, writeImage } from '../../apps/registry-e2e/src/support/oci-image';

const MiB = 1024 * 1024;
/** the registry bundle every Refity target runs (a snapshot of dist/apps/registry/main.js) */
let registryMain = '';
/** CACHE_MAX_BYTES of the Refity targets (--cache-mib; 0 = no read cache) */
let cacheBytes = 0;
/** --cpu-prof <dir>: every Refity registry process writes a V8 CPU profile there when it stops */
let cpuProfileDir = '';

function gitLine(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: workspace, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}
// compiled to tmp/bench/tools/bench/ by run.cjs
const workspace = resolve(__dirname, '..', '..', '..', '..');

function numberArgument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
function stringArgument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

/** Runs a client; resolves with its CPU seconds (user + system, from bash's `times`). */
function run(command: string, args: string[]): Promise<number> {
  return new Promise((ok, fail) => {
    const child = spawn('bash', ['-c', '"$@" >/dev/null; code=$?; times; exit $code', 'bash', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code !== 0) return fail(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      // second line of `times`: children's user and system time, e.g. "0m4.080s 0m0.512s"
      const children = stdout.trim().split('\n').pop() ?? '';
      ok([...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0));
    });
  });
}

interface Measured {
  seconds: number;
  /** CPU seconds over the phase: the registry process, the sshd sessions of the bench user, the clients (skopeo) */
  cpu: { registry: number; sshd: number; client: number };
}

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) by pid of the processes `select` picks, from /proc. */
function cpuSeconds(select: (pid: number, uid: number) => boolean): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      if (!select(Number(entry), uid)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
    } catch {
      /* exited meanwhile */
    }
  }
  return byPid;
}

/** CPU spent between two samples by the processes alive at the second (sessions that ended meanwhile are not counted). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

let sshdUid = -1;
const sshdCpu = () => cpuSeconds((_pid, uid) => uid === sshdUid);
const registryCpu = (pid: number) => cpuSeconds((p) => p === pid);

/** Times `work` (which returns its clients' CPU seconds) and the CPU the registry and sshd spent meanwhile. */
async function timed(target: Target, work: () => Promise<number>): Promise<Measured> {
  const registry0 = registryCpu(target.pid);
  const sshd0 = sshdCpu();
  const started = process.hrtime.bigint();
  const client = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, cpu: { registry: cpuBetween(registry0, registryCpu(target.pid)), sshd: cpuBetween(sshd0, sshdCpu()), client } };
}

const push = (src: string, host: string, ref: string) => run('skopeo', ['copy', '-q', '--dest-tls-verify=false', src, `docker://${host}/${ref}`]);
const pull = (host: string, ref: string, dir: string) => run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${host}/${ref}`, `oci:${dir}:t`]);

// ---------------------------------------------------------------------------------------------
// Images, generated once and kept between invocations (fixed seeds → same digests).

async function cachedImage(name: string, layers: number, layerSize: number, seed: string): Promise<ImageInfo> {
  const root = join(process.env['BENCH_IMAGE_DIR'] || join(tmpdir(), 'refity-bench-images'), `${name}-${layers}x${layerSize}-${seed}`);
  const infoFile = join(root, 'image-info.json');
  if (existsSync(infoFile)) return JSON.parse(readFileSync(infoFile, 'utf8')) as ImageInfo;
  await fs.rm(root, { recursive: true, force: true });
  const started = Date.now();
  const info = await writeImage(join(root, 'oci'), { tag: 'v1', layers, layerSize, seed, gzipLevel: 0 });
  writeFileSync(infoFile, JSON.stringify(info));
  console.log(`  generated ${name} (${layers} x ${(layerSize / MiB).toFixed(0)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return info;
}

function imageBytes(info: ImageInfo): number {
  const img = info.images[0];
  return img.config.size + img.layers.reduce((sum, l) => sum + l.size, 0);
}

// ---------------------------------------------------------------------------------------------
// Targets

interface Target {
  host: string;
  pid: number;
  /** Refity with a read cache: restarts the registry on the same data with an empty cache (cold reads from SFTP) */
  emptyCache?: () => Promise<void>;
  /** async Refity only: resolves once every blob of `blobs` is on the sshd and the queue is empty */
  drained?: (repo: string, blobs: { digest: string; size: number }[]) => Promise<void>;
  stop(): Promise<void>;
}

interface TargetKind {
  key: string;
  label: string;
  refity: boolean;
  start(runDir: string): Promise<Target>;
}

async function waitReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode) throw new Error(`${url}: process exited; log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error(`${url}: /v2/ not ready in 60 s; log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
}

/** Every child process started here, so that a failure or ^C still kills them. */
const children = new Set<ChildProcess>();

async function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, port: number, logFile: string): Promise<Target> {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: workspace, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && !child.signalCode) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    children.delete(child);
  };
  try {
    await waitReady(`http://127.0.0.1:${port}`, child, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return { host: `127.0.0.1:${port}`, pid: child.pid as number, stop };
}

function refityKind(server: SshdServer, sync: boolean, postgres: PostgresServer | undefined): TargetKind {
  let counter = 0;
  return {
    key: sync ? 'sync' : 'async',
    label: (sync ? 'Refity, SFTP sync' : 'Refity, SFTP async') + (postgres ? ', PostgreSQL' : ''),
    refity: true,
    async start(runDir) {
      const port = await freePort();
      const dataDir = join(runDir, 'data');
      await fs.mkdir(dataDir, { recursive: true });
      const ftpRoot = `bench-${process.pid}-${sync ? 'sync' : 'async'}-${++counter}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_ENV: 'production',
        JWT_SECRET: randomBytes(32).toString('hex'),
        ADMIN_PASSWORD: randomBytes(16).toString('hex'),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        AUTO_CREATE_GROUPS: 'true',
        REGISTRY_AUTH: 'none',
        FTP_HOST: server.host,
        FTP_PORT: String(server.port),
        FTP_USERNAME: server.username,
        FTP_PRIVATE_KEY: server.privateKeyPath,
        FTP_KNOWN_HOSTS: server.knownHostsPath,
        FTP_ROOT: ftpRoot,
        SFTP_SYNC_UPLOAD: sync ? 'true' : 'false',
      };
      if (postgres) env['DATABASE_URL'] = await postgres.createDatabase();
      if (cacheBytes > 0) {
        env['CACHE_MAX_BYTES'] = String(cacheBytes);
        env['CACHE_DIR'] = join(runDir, 'cache');
      }
      const profiling = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
      const launch = () => startProcess(process.execPath, [...profiling, registryMain], env, port, join(runDir, 'registry.log'));
      const target = await launch();
      if (cacheBytes > 0) {
        target.emptyCache = async () => {
          await target.stop();
          await fs.rm(join(runDir, 'cache'), { recursive: true, force: true });
          const again = await launch();
          target.pid = again.pid;
          target.stop = again.stop;
        };
      }
      const remoteRoot = join(server.sftpRoot, ftpRoot);
      const queueDir = join(dataDir, 'upload-queue');
      if (!sync) {
        target.drained = async (repo, blobs) => {
          const deadline = Date.now() + 30 * 60_000;
          for (;;) {
            let done = true;
            for (const blob of blobs) {
              const size = await fs.stat(join(remoteRoot, 'registry', repo, 'blobs', blob.digest)).then((s) => s.size, () => -1);
              if (size !== blob.size) {
                done = false;
                break;
              }
            }
            if (done) {
              const left = await fs.readdir(queueDir).catch(() => [] as string[]);
              if (left.length === 0) return;
            }
            if (Date.now() > deadline) throw new Error('upload queue did not drain within 30 min');
            await sleep(50);
          }
        };
      }
      return {
        ...target,
        get pid() {
          return target.pid;
        },
        emptyCache: target.emptyCache,
        stop: async () => {
          await target.stop();
          await fs.rm(remoteRoot, { recursive: true, force: true });
        },
      };
    },
  };
}

const distributionKind: TargetKind = {
  key: 'distribution',
  label: 'distribution 2.8 (local disk)',
  refity: false,
  async start(runDir) {
    const port = await freePort();
    const store = join(runDir, 'storage');
    await fs.mkdir(store, { recursive: true });
    const config = join(runDir, 'config.yml');
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${store}`,
        '  delete:',
        '    enabled: true',
        '  maintenance:',
        '    uploadpurging:',
        '      enabled: false',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '',
      ].join('\n'),
    );
    return startProcess('docker-registry', ['serve', config], { ...process.env }, port, join(runDir, 'registry.log'));
  },
};

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

async function checkPulled(dir: string, expected: string): Promise<void> {
  const index = JSON.parse(await fs.readFile(join(dir, 'index.json'), 'utf8'));
  const got = index.manifests?.[0]?.digest;
  if (got !== expected) throw new Error(`pulled ${got}, pushed ${expected}`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const runs = numberArgument('runs', 3);
  const bigMiB = numberArgument('big-mib', 256);
  const smallCount = numberArgument('small', 50);
  const hugeMiB = numberArgument('huge-mib', 2048);
  cacheBytes = numberArgument('cache-mib', 4096) * MiB;
  cpuProfileDir = stringArgument('cpu-prof', '') && resolve(stringArgument('cpu-prof', ''));
  const wanted = stringArgument('targets', 'async,sync,distribution').split(',');
  const writeDoc = !process.argv.includes('--no-doc');
  const command = `node tools/bench/run.cjs registry-push-pull ${process.argv.slice(2).join(' ')}`.trim();
  const load: number[][] = [loadavg()];
  const startedAt = new Date();
  // --bundle: another build of the registry (A/B comparisons), else the one in dist/.
  const built = resolve(stringArgument('bundle', join(workspace, 'dist', 'apps', 'registry', 'main.js')));
  if (!existsSync(built)) throw new Error(`${built} missing: npx nx build registry`);
  // Other people rebuild dist/ while this runs: every run uses one snapshot of the bundle (next to
  // tmp/bench, outside dist/ which a rebuild wipes; node_modules resolve from the workspace as for dist/).
  const bundle = readFileSync(built);
  registryMain = join(workspace, 'tmp', 'bench', `registry-main-${process.pid}.js`);
  writeFileSync(registryMain, bundle);
  const bundleNote =
    `${relative(workspace, built)} sha256 ${createHash('sha256').update(bundle).digest('hex').slice(0, 12)}, built ${statSync(built).mtime.toISOString().slice(0, 19)}Z, ` +
    `HEAD ${gitLine(['rev-parse', '--short', 'HEAD'])}${gitLine(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!tools/bench', ':!docs/benchmarks.md']) ? ' (working tree had uncommitted changes)' : ''}`;
  console.log(`registry bundle: ${bundleNote}`);

  console.log(`registry-push-pull: ${runs} runs, big image 4 x ${bigMiB} MiB, ${smallCount} small images 3 x 1 MiB, huge ${hugeMiB} MiB; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('images:');
  const big = await cachedImage('big', 4, bigMiB * MiB, 'refity-bench-big');
  const smalls: ImageInfo[] = [];
  for (let i = 0; i < smallCount; i++) smalls.push(await cachedImage('small', 3, MiB, `refity-bench-small-${i}`));
  const bigBytes = imageBytes(big);
  const smallBytes = smalls.reduce((s, i) => s + imageBytes(i), 0);

  const metadata = stringArgument('metadata', 'sqlite');
  if (metadata !== 'sqlite' && metadata !== 'postgres') throw new Error('--metadata must be sqlite or postgres');
  const postgres = metadata === 'postgres' ? await startPostgres() : undefined;
  const server = await startSshd();
  sshdUid = Number(execFileSync('id', ['-u', server.username], { encoding: 'utf8' }).trim());
  const workDir = await fs.mkdtemp(join(tmpdir(), 'refity-bench-pp-'));
  const kinds = [refityKind(server, false, postgres), refityKind(server, true, postgres), distributionKind].filter((k) => wanted.includes(k.key));
  const seconds: Record<string, Record<string, number[]>> = {};
  const rss: Record<string, number[]> = {};
  const idleRss: Record<string, number[]> = {};
  const cpuSpent: Record<string, Record<string, Measured['cpu'][]>> = {};
  const record = (target: string, metric: string, value: Measured) => {
    ((seconds[target] ??= {})[metric] ??= []).push(value.seconds);
    ((cpuSpent[target] ??= {})[metric] ??= []).push(value.cpu);
  };
  let huge: { push: number; drain: number; rss: number; bytes: number } | undefined;
  let active: Target | undefined;
  const interrupt = () => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(registryMain, { force: true });
    void server
      .stop()
      .then(() => fs.rm(workDir, { recursive: true, force: true }))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const report = (runsDone: number, final: boolean) => {
  // -------------------------------------------------------------------------------------------
    // Report
    const metrics: { key: string; label: string; bytes: number; target?: Record<string, number> }[] = [
      { key: 'push', label: `push 4 x ${bigMiB} MiB`, bytes: bigBytes, target: { async: 0.9, sync: 1.3 } },
      { key: 'drain', label: '  … until on SFTP (async)', bytes: bigBytes },
      { key: 'pull1', label: cacheBytes > 0 ? '1st pull (cold cache: from SFTP)' : '1st pull ("cold")', bytes: bigBytes, target: { async: 1.2, sync: 1.2 } },
      { key: 'pull2', label: cacheBytes > 0 ? '2nd pull (warm cache)' : '2nd pull ("warm", no cache)', bytes: bigBytes, target: { async: 0.9, sync: 0.9 } },
      { key: 'smallPush', label: `push ${smalls.length} x 3 x 1 MiB`, bytes: smallBytes, target: { async: 1.0, sync: 1.0 } },
      { key: 'smallPull', label: `pull ${smalls.length} x 3 x 1 MiB`, bytes: smallBytes, target: { async: 1.0, sync: 1.0 } },
    ];
    const loadText = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    const maxLoad = Math.max(...load.map((l) => l[0]));
    const minLoad = Math.min(...load.map((l) => l[0]));
    const rows: string[] = [];
    const header = ['', ...kinds.map((k) => k.label)];
    rows.push(`| ${header.join(' | ')} |`);
    rows.push(`|${header.map(() => '---').join('|')}|`);
    const verdicts: string[] = [];
    for (const m of metrics) {
      const cells = [m.label];
      let any = false;
      for (const k of kinds) {
        const values = seconds[k.key]?.[m.key];
        if (!values?.length) {
          cells.push('–');
          continue;
        }
        any = true;
        const med = median(values);
        let cell = `${med.toFixed(2)} s, ${(m.bytes / MiB / med).toFixed(0)} MiB/s`;
        const ref = m.key === 'drain' ? seconds['distribution']?.['push'] : seconds['distribution']?.[m.key];
        if (k.key !== 'distribution' && ref?.length) {
          const ratio = med / median(ref);
          cell += `, **${ratio.toFixed(2)}×**`;
          const goal = m.target?.[k.key];
          if (goal !== undefined) {
            const ok = ratio <= goal;
            cell += ok ? ` ✓ (≤ ${goal})` : ` ✗ (≤ ${goal})`;
            verdicts.push(`${k.label}, ${m.label.trim()}: ${ratio.toFixed(2)}× distribution (target ≤ ${goal}×) → ${ok ? 'met' : 'MISSED'}`);
          }
        }
        cell += ` <br>(${values.map((v) => v.toFixed(2)).join(' / ')})`;
        cells.push(cell);
      }
      if (any) rows.push(`| ${cells.join(' | ')} |`);
    }
    const rssCells = ['peak RSS (VmHWM), max of runs', ...kinds.map((k) => (rss[k.key]?.length ? `${Math.max(...rss[k.key]).toFixed(0)} MiB` : '–'))];
    rows.push(`| ${rssCells.join(' | ')} |`);
    const idleCells = ['RSS right after start (VmHWM), median', ...kinds.map((k) => (idleRss[k.key]?.length ? `${median(idleRss[k.key]).toFixed(0)} MiB` : '–'))];
    rows.push(`| ${idleCells.join(' | ')} |`);
    // CPU seconds per phase explain the wall times: the machine has few cores and client, registry and sshd share them.
    const cpuRows = ['| CPU seconds, median (registry / sshd / skopeo) | ' + kinds.map((k) => k.label).join(' | ') + ' |', `|---|${kinds.map(() => '---').join('|')}|`];
    for (const m of metrics) {
      if (m.key === 'drain') continue;
      const cells = kinds.map((k) => {
        const values = cpuSpent[k.key]?.[m.key];
        if (!values?.length) return '–';
        const part = (pick: (c: Measured['cpu']) => number) => median(values.map(pick)).toFixed(1);
        return k.refity ? `${part((c) => c.registry)} / ${part((c) => c.sshd)} / ${part((c) => c.client)}` : `${part((c) => c.registry)} / – / ${part((c) => c.client)}`;
      });
      cpuRows.push(`| ${m.label.trim()} | ${cells.join(' | ')} |`);
    }
    const table = rows.join('\n') + '\n\n' + cpuRows.join('\n');
    const hugeText = huge
      ? `Single ${hugeMiB} MiB layer (${(huge.bytes / MiB).toFixed(0)} MiB image), Refity async, fresh registry: push ${huge.push.toFixed(2)} s ` +
        `(${(huge.bytes / MiB / huge.push).toFixed(0)} MiB/s), on SFTP after ${huge.drain.toFixed(2)} s, peak RSS ${huge.rss.toFixed(0)} MiB ` +
        `→ RSS target ≤ 200 MiB ${huge.rss <= 200 ? 'met' : 'MISSED'}.`
      : 'Single 2 GiB layer: not run.';
    if (huge) verdicts.push(`RSS while pushing a ${hugeMiB} MiB layer: ${huge.rss.toFixed(0)} MiB (target ≤ 200) → ${huge.rss <= 200 ? 'met' : 'MISSED'}`);
    const cpu = cpus();
    const machine = `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, shared with other jobs; node ${process.version}`;
    console.log('');
    console.log(table);
    console.log('');
    console.log(hugeText);
    console.log(verdicts.map((v) => `- ${v}`).join('\n'));
    console.log(`load average 1 min: ${minLoad.toFixed(2)}–${maxLoad.toFixed(2)} during the run (at start ${loadText(load[0])})`);

    if (writeDoc) {
      const doc = join(workspace, 'docs', 'benchmarks.md');
      const section = [
        `## Registry push/pull (skopeo) — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        '',
        `Command: \`${command}\` (from the repo root, as root, after \`npx nx build registry\`). Registry: ${bundleNote}.`,
        '',
        `Machine: ${machine}. Load average (1 min) ${minLoad.toFixed(2)}–${maxLoad.toFixed(2)} during the run ` +
          `(at start: ${loadText(load[0])}), so single numbers are noisy; medians of ${runsDone} runs${final ? '' : ' (partial: the run was still going)'}, individual runs in brackets.`,
        '',
        `Each run of each target starts a fresh registry on empty storage (nothing deduplicated). Refity: local throwaway sshd ` +
          `(OpenSSH, loopback), REGISTRY_AUTH=none, LOG_LEVEL=warn, NODE_ENV=production, metadata in ` +
          (postgres ? 'a fresh database on a throwaway loopback PostgreSQL server. ' : 'the embedded SQLite file. ') +
          `distribution: Debian docker-registry, ` +
          `filesystem storage, access log off. Images: random payload, gzip level 0; big image ${(bigBytes / MiB).toFixed(0)} MiB, ` +
          `small images ${(smallBytes / MiB).toFixed(0)} MiB in total. Ratios are Refity ÷ distribution time (lower is better). ` +
          `"On SFTP" = from the start of the async push until every blob is on the sshd at full size and the local queue is empty ` +
          `(compared with distribution's push). ` +
          (cacheBytes > 0
            ? `Refity runs with a read cache (CACHE_MAX_BYTES=${cacheBytes / MiB} MiB): before the 1st pull the registry restarts on the same data with an ` +
              `empty cache, so the 1st pull reads every blob from SFTP (cold cache) and fills the cache; the 2nd pull is served from it (warm cache). `
            : `Refity runs without a read cache (--cache-mib 0): the 1st pull of async Refity starts after the queue drained, so it reads from SFTP; the 2nd pull is a repeat. `) +
          `distribution's two pulls both read local disk through the OS page cache. CPU seconds per phase: the registry process, ` +
          `sshd's session processes (the SFTP server side, on the same cores here; on a real storage box it runs elsewhere) and the ` +
          `skopeo clients, summed over the phase.`,
        '',
        table,
        '',
        hugeText,
        '',
        'Targets (issue 3):',
        '',
        ...verdicts.map((v) => `- ${v}`),
        '',
      ].join('\n');
      let text = existsSync(doc) ? readFileSync(doc, 'utf8') : '# Benchmarks\n\nNumbers from `tools/bench`. Not tests: they measure, they do not gate.\n\n';
      const marker = '<!-- registry-push-pull -->';
      const endMarker = '<!-- /registry-push-pull -->';
      const block = `${marker}\n${section}${endMarker}\n`;
      if (text.includes(marker) && text.includes(endMarker)) {
        text = text.slice(0, text.indexOf(marker)) + block + text.slice(text.indexOf(endMarker) + endMarker.length + 1);
      } else {
        text = text.replace(/\n*$/, '\n\n') + block;
      }
      writeFileSync(doc, text);
      console.log(`wrote ${doc}`);
    }

  };
  try {
    for (let runNo = 1; runNo <= runs; runNo++) {
      for (const kind of kinds) {
        const runDir = join(workDir, `${kind.key}-${runNo}`);
        await fs.mkdir(runDir, { recursive: true });
        const target = (active = await kind.start(runDir));
        if (kind.refity) (idleRss[kind.key] ??= []).push(peakRssMiB(target.pid));
        const pushStarted = Date.now();
        const pushed = await timed(target, () => push(big.ref, target.host, 'bench/big:v1'));
        record(kind.key, 'push', pushed);
        let line = `run ${runNo} ${kind.key.padEnd(12)} push ${pushed.seconds.toFixed(2)} s`;
        if (target.drained) {
          const img = big.images[0];
          await target.drained('bench/big', [img.config, ...img.layers]);
          const drainS = (Date.now() - pushStarted) / 1000;
          record(kind.key, 'drain', { seconds: drainS, cpu: { registry: NaN, sshd: NaN, client: NaN } });
          line += `, on SFTP after ${drainS.toFixed(2)} s`;
        }
        let peak = kind.refity ? peakRssMiB(target.pid) : NaN;
        if (target.emptyCache) {
          // a cold pull reads SFTP: the registry restarts on the same data with an empty read cache
          await target.emptyCache();
        }
        for (const which of ['pull1', 'pull2']) {
          const dir = join(runDir, which);
          const pulled = await timed(target, () => pull(target.host, 'bench/big:v1', dir));
          await checkPulled(dir, big.top.digest);
          await fs.rm(dir, { recursive: true, force: true });
          record(kind.key, which, pulled);
          line += `, ${which} ${pulled.seconds.toFixed(2)} s`;
        }
        const smallPush = await timed(target, async () => {
          let cpu = 0;
          for (let i = 0; i < smalls.length; i++) cpu += await push(smalls[i].ref, target.host, `bench/small-${i}:v1`);
          return cpu;
        });
        record(kind.key, 'smallPush', smallPush);
        const smallPull = await timed(target, async () => {
          let cpu = 0;
          for (let i = 0; i < smalls.length; i++) {
            const dir = join(runDir, `small-${i}`);
            cpu += await pull(target.host, `bench/small-${i}:v1`, dir);
            await checkPulled(dir, smalls[i].top.digest);
            await fs.rm(dir, { recursive: true, force: true });
          }
          return cpu;
        });
        record(kind.key, 'smallPull', smallPull);
        line += `, ${smalls.length} small: push ${smallPush.seconds.toFixed(2)} s, pull ${smallPull.seconds.toFixed(2)} s`;
        if (kind.refity) {
          peak = Math.max(peak, peakRssMiB(target.pid));
          (rss[kind.key] ??= []).push(peak);
          line += `, peak RSS ${peak.toFixed(0)} MiB`;
        }
        await target.stop();
        active = undefined;
        await fs.rm(runDir, { recursive: true, force: true });
        load.push(loadavg());
        console.log(`${line}  (load ${loadavg()[0].toFixed(2)})`);
      }
      if (runNo < runs) report(runNo, false);
    }
    const asyncKind = kinds.find((k) => k.key === 'async');
    if (hugeMiB > 0 && asyncKind) {
      const image = await cachedImage('huge', 1, hugeMiB * MiB, 'refity-bench-huge');
      const runDir = join(workDir, 'huge');
      await fs.mkdir(runDir, { recursive: true });
      const target = (active = await asyncKind.start(runDir));
      const started = Date.now();
      const pushS = (await timed(target, () => push(image.ref, target.host, 'bench/huge:v1'))).seconds;
      const img = image.images[0];
      await target.drained?.('bench/huge', [img.config, ...img.layers]);
      const drainS = (Date.now() - started) / 1000;
      huge = { push: pushS, drain: drainS, rss: peakRssMiB(target.pid), bytes: imageBytes(image) };
      await target.stop();
      active = undefined;
      await fs.rm(runDir, { recursive: true, force: true });
      load.push(loadavg());
      console.log(`huge ${hugeMiB} MiB layer, async: push ${pushS.toFixed(2)} s, on SFTP after ${drainS.toFixed(2)} s, peak RSS ${huge.rss.toFixed(0)} MiB`);
    }
  } finally {
    await active?.stop().catch(() => undefined);
    for (const c of children) c.kill('SIGKILL');
    await server.stop();
    await postgres?.stop();
    await fs.rm(workDir, { recursive: true, force: true });
    rmSync(registryMain, { force: true });
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  }
  report(runs, true);

}

main().catch((error) => {
  console.error(error);
  for (const c of children) c.kill('SIGKILL');
  if (registryMain) rmSync(registryMain, { force: true });
  process.exitCode = 1;
});
