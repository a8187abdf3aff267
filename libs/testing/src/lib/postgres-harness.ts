import { execFile, spawn, ChildProcess } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acceptsConnections, freeLoopbackPort, LOOPBACK } from './loopback';

const run = promisify(execFile);

const POSTGRES_ROOT = '/usr/lib/postgresql';
const HOST = LOOPBACK;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** PostgreSQL refuses to run as root; the Debian package's system user runs it instead. */
const SYSTEM_USER = 'postgres';

/** A throwaway PostgreSQL server for tests: its own cluster in a temporary folder, on a free loopback port. */
export interface PostgresServer {
  host: string;
  port: number;
  /** Superuser, trusted on loopback (no password). */
  username: string;
  /** Creates an empty database and returns its `postgres://` URL. */
  createDatabase(): Promise<string>;
  /** Stops the server and removes its cluster. Idempotent. */
  stop(): Promise<void>;
}

/** The newest installed server's bin folder (Debian installs each major version side by side). */
async function binFolder(): Promise<string> {
  let versions: string[] = [];
  try {
    versions = readdirSync(POSTGRES_ROOT).filter((name) => /^\d+$/.test(name));
  } catch {
    // reported below
  }
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`PostgreSQL not found under ${POSTGRES_ROOT}: install postgresql (apt-get install -y postgresql)`);
  return join(POSTGRES_ROOT, newest, 'bin');
}


/** uid/gid to run the server as: the `postgres` system user when we are root, else ourselves. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', SYSTEM_USER]), run('id', ['-g', SYSTEM_USER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(`running as root, but there is no '${SYSTEM_USER}' user to run PostgreSQL as: install postgresql (apt-get install -y postgresql)`);
  }
}

/**
 * Starts a throwaway PostgreSQL server (Debian `postgresql`) on a free loopback port with a fresh
 * cluster (`initdb`, trust authentication, fsync off: the tests need its SQL, not its crash safety).
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = await binFolder();
  const user = await serverUser();
  const base = await fs.mkdtemp(join(tmpdir(), 'refity-postgres-'));
  const data = join(base, 'data');
  const username = 'refity';
  if (user) await fs.chown(base, user.uid, user.gid);
  const asServerUser = { uid: user?.uid ?? userInfo().uid, gid: user?.gid ?? userInfo().gid };
  await run(join(bin, 'initdb'), ['-D', data, '-U', username, '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...asServerUser, cwd: base });

  const port = await freeLoopbackPort();
  const args = ['-D', data, '-p', String(port), '-c', `listen_addresses=${HOST}`, '-c', `unix_socket_directories=${base}`, '-c', 'fsync=off', '-c', 'full_page_writes=off'];
  let output = '';
  const child: ChildProcess = spawn(join(bin, 'postgres'), args, { ...asServerUser, cwd: base, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, close connections
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(base, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await acceptsConnections(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`PostgreSQL did not start on ${HOST}:${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  let databases = 0;
  return {
    host: HOST,
    port,
    username,
    async createDatabase() {
      const name = `refity_test_${++databases}`;
      // Collated like a typical production server (en_US.UTF-8), not initdb's C locale here, so a
      // query that relies on byte order fails in the tests as it would in production.
      const create = `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`;
      await run(join(bin, 'psql'), ['-h', HOST, '-p', String(port), '-U', username, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', create]);
      return `postgres://${username}@${HOST}:${port}/${name}`;
    },
    stop,
  };
}
