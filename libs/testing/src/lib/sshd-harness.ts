import { execFile, execFileSync, spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, openSync, closeSync, promises as fs, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acceptsConnections, freeLoopbackPort, LOOPBACK } from './loopback';

const run = promisify(execFile);

const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = 'ssh-keygen';
const HOST = LOOPBACK;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** A throwaway OpenSSH server for tests and benchmarks; every field is specific to one run. */
export interface SshdServer {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Unencrypted ed25519 private key (OpenSSH format) authorized for `username`. */
  privateKey: Buffer;
  privateKeyPath: string;
  /** A second authorized ed25519 key, encrypted with `passphrase`. */
  encryptedPrivateKey: Buffer;
  encryptedPrivateKeyPath: string;
  passphrase: string;
  /** A known_hosts file with the server's key as `[127.0.0.1]:port ssh-ed25519 ...`. */
  knownHostsPath: string;
  /** The server's public host key, `ssh-ed25519 AAAA...`. */
  hostPublicKey: string;
  /** The host key's fingerprint as ssh-keygen prints it: `SHA256:...`. */
  hostKeyFingerprint: string;
  /** Absolute local path of the SFTP login folder (the user's home). */
  sftpRoot: string;
  /** Stops sshd and drops every open connection, but keeps user, keys and files for `restart()`. */
  kill(): Promise<void>;
  /** Freezes sshd and its connections (SIGSTOP): connections stay open but nothing answers. */
  pause(): Promise<void>;
  /** Lets a paused sshd go on (SIGCONT). */
  resume(): Promise<void>;
  /** Starts sshd again on the same port with the same host key (stopping it first if it runs). */
  restart(): Promise<void>;
  /** Stops sshd, deletes the throwaway user and removes every file of this run. Idempotent. */
  stop(): Promise<void>;
}

async function assertRunnable(): Promise<void> {
  try {
    await fs.access(SSHD, fsConstants.X_OK);
  } catch {
    throw new Error(`OpenSSH sshd not found at ${SSHD}: install openssh-server (apt-get install -y openssh-server openssh-client)`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error('the sshd test harness must run as root: it creates a throwaway user and sshd needs root to switch to it');
  }
}


async function generateKey(path: string, comment: string, passphrase = ''): Promise<void> {
  await run(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', path]);
}

/** Every process below `rootPid`, read from /proc (sshd's per-connection children call setsid). */
function descendantsOf(rootPid: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name may contain spaces and parentheses: fields resume after the last ')'.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    for (const child of childrenOf.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export interface SshdOptions {
  /**
   * SFTP requests the server refuses (sftp-server -P), e.g. `['hardlink', 'posix-rename']`, to
   * exercise a client's fallbacks; `sftp-server -Q requests` lists the names.
   */
  deniedSftpRequests?: string[];
}

function sshdConfig(settings: { port: number; hostKey: string; authorizedKeys: string; username: string } & SshdOptions): string {
  const denied = settings.deniedSftpRequests?.length ? ` -P ${settings.deniedSftpRequests.join(',')}` : '';
  return [
    `Port ${settings.port}`,
    `ListenAddress ${HOST}`,
    `HostKey ${settings.hostKey}`,
    'PidFile none',
    `AuthorizedKeysFile ${settings.authorizedKeys}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin no',
    // The throwaway files live below /tmp, which StrictModes would reject.
    'StrictModes no',
    `AllowUsers ${settings.username}`,
    'UseDNS no',
    'PrintMotd no',
    // Tests open many connections at once; the defaults would drop some of them.
    'MaxStartups 200:30:400',
    'MaxSessions 100',
    'LogLevel ERROR',
    `Subsystem sftp internal-sftp${denied}`,
    '',
  ].join('\n');
}

/**
 * Starts a throwaway OpenSSH sshd on a free loopback port with its own config, host key and a
 * fresh user (password + two authorized ed25519 keys, one passphrase-protected), serving
 * internal-sftp. Needs root and openssh-server; throws a clear error without them.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdServer> {
  await assertRunnable();
  const base = await fs.mkdtemp(join(tmpdir(), 'refity-sshd-'));
  // The test user must be able to walk into its home below this folder.
  await fs.chmod(base, 0o755);
  const username = `rfy${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const passphrase = randomBytes(12).toString('base64url');
  const home = join(base, 'home');
  const paths = {
    config: join(base, 'sshd_config'),
    hostKey: join(base, 'ssh_host_ed25519_key'),
    clientKey: join(base, 'client_ed25519'),
    encryptedClientKey: join(base, 'client_ed25519_encrypted'),
    authorizedKeys: join(base, 'authorized_keys'),
    knownHosts: join(base, 'known_hosts'),
    log: join(base, 'sshd.log'),
  };
  let userCreated = false;
  let child: ChildProcess | undefined;
  let port = 0;

  const killServer = async () => {
    const running = child;
    child = undefined;
    if (!running?.pid || running.exitCode !== null || running.signalCode !== null) return;
    // Snapshot the connection processes first: once the listener dies they are re-parented.
    const sessions = descendantsOf(running.pid);
    for (const pid of [running.pid, ...sessions]) {
      signal(pid, 'SIGTERM');
      signal(pid, 'SIGCONT'); // a paused process acts on SIGTERM only once it runs again
    }
    if (!(await waitForExit(running, STOP_TIMEOUT_MS))) signal(running.pid, 'SIGKILL');
    for (const pid of sessions) signal(pid, 'SIGKILL');
  };

  const signalServer = async (name: NodeJS.Signals) => {
    if (!child?.pid) throw new Error('sshd is not running');
    for (const pid of [child.pid, ...descendantsOf(child.pid)]) signal(pid, name);
  };

  const startServer = async () => {
    await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege-separation dir compiled into sshd
    await run(SSHD, ['-t', '-f', paths.config]);
    const log = openSync(paths.log, 'a');
    try {
      child = spawn(SSHD, ['-D', '-e', '-f', paths.config], { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const started = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (started.exitCode !== null || started.signalCode !== null) break;
      if (await acceptsConnections(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await killServer();
    const output = await fs.readFile(paths.log, 'utf8').catch(() => '');
    throw new Error(`sshd did not accept connections on ${HOST}:${port}; its log:\n${output}`);
  };

  // A test process that dies without stop() must not leave sshd running or the user behind.
  const teardownOnExit = () => {
    if (child?.pid) for (const pid of [child.pid, ...descendantsOf(child.pid)]) signal(pid, 'SIGKILL');
    if (userCreated) {
      try {
        execFileSync('userdel', [username], { stdio: 'ignore' });
      } catch {
        // Nothing more can be done while exiting.
      }
    }
    rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', teardownOnExit);

  const teardown = async () => {
    process.removeListener('exit', teardownOnExit);
    await killServer();
    if (userCreated) {
      userCreated = false;
      await run('userdel', [username]).catch(() => undefined);
    }
    await fs.rm(base, { recursive: true, force: true });
  };

  try {
    await generateKey(paths.hostKey, 'refity-throwaway-host');
    await generateKey(paths.clientKey, `${username}@refity-test`);
    await generateKey(paths.encryptedClientKey, `${username}-encrypted@refity-test`, passphrase);
    await run('useradd', ['-M', '-d', home, '-s', '/usr/sbin/nologin', username]);
    userCreated = true;
    await new Promise<void>((resolve, reject) => {
      const chpasswd = execFile('chpasswd', (error) => (error ? reject(error) : resolve()));
      chpasswd.stdin?.end(`${username}:${password}\n`);
    });
    await fs.mkdir(home);
    await run('chown', [`${username}:`, home]);
    const publicKeys = await Promise.all([paths.clientKey, paths.encryptedClientKey].map((key) => fs.readFile(`${key}.pub`, 'utf8')));
    await fs.writeFile(paths.authorizedKeys, publicKeys.join(''), { mode: 0o644 });
    const hostPublicKey = (await fs.readFile(`${paths.hostKey}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    const { stdout: fingerprintLine } = await run(SSH_KEYGEN, ['-l', '-E', 'sha256', '-f', `${paths.hostKey}.pub`]);

    // Another process may grab the free port before sshd binds it: then try another one.
    for (let attempt = 1; ; attempt++) {
      port = await freeLoopbackPort();
      await fs.writeFile(paths.config, sshdConfig({ port, ...paths, username, ...options }));
      await fs.writeFile(paths.knownHosts, `[${HOST}]:${port} ${hostPublicKey}\n`);
      try {
        await startServer();
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }

    return {
      host: HOST,
      port,
      username,
      password,
      privateKey: await fs.readFile(paths.clientKey),
      privateKeyPath: paths.clientKey,
      encryptedPrivateKey: await fs.readFile(paths.encryptedClientKey),
      encryptedPrivateKeyPath: paths.encryptedClientKey,
      passphrase,
      knownHostsPath: paths.knownHosts,
      hostPublicKey,
      hostKeyFingerprint: fingerprintLine.split(' ')[1],
      sftpRoot: home,
      kill: killServer,
      pause: () => signalServer('SIGSTOP'),
      resume: () => signalServer('SIGCONT'),
      restart: async () => {
        await killServer();
        await startServer();
      },
      stop: teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}
