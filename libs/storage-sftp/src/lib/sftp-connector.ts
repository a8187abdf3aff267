import { readFile } from 'node:fs/promises';
import { ConnectConfig, ParsedKey, PasswordAuthMethod, PublicKeyAuthMethod, ServerHostKeyAlgorithm, utils } from 'ssh2';
import { KnownHosts, keyTypeOf, knownHostsName, sha256Fingerprint } from './known-hosts';
import { SftpConnectionError } from './sftp-errors';
import { SftpLogger, SftpStorageOptions } from './sftp-options';
import { openSftpSession, SftpSession } from './sftp-session';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_KEEPALIVE_INTERVAL_MS = 10_000;
const KEEPALIVE_COUNT_MAX = 3;

/** ssh2's default host key algorithm order. */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Asks for the key types known_hosts has for the host first, as OpenSSH does: a server with
 * several host keys would otherwise offer one we cannot check.
 */
function hostKeyAlgorithmsPreferring(keyTypes: string[]): ServerHostKeyAlgorithm[] | undefined {
  if (keyTypes.length === 0) return undefined;
  const known = keyTypes.flatMap((type): ServerHostKeyAlgorithm[] =>
    type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : HOST_KEY_ALGORITHMS.filter((algorithm) => algorithm === type),
  );
  return [...new Set([...known, ...HOST_KEY_ALGORITHMS])];
}

function parsePrivateKey(key: Buffer | string, passphrase: string | undefined): ParsedKey {
  const parsed = utils.parseKey(key, passphrase);
  if (parsed instanceof Error) throw new Error(`SFTP private key cannot be used: ${parsed.message}`);
  // The OpenSSH format can hold several keys; like ssh2 itself, use the first.
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** A readable reason for a failed connection attempt, naming the server. */
function describeConnectFailure(error: Error & { code?: unknown; level?: unknown }, server: string, timeoutMs: number): string {
  if (error instanceof SftpConnectionError) return error.message;
  if (error.level === 'client-authentication') return `authentication failed for ${server}`;
  if (error.level === 'client-timeout') return `no SSH handshake with ${server} within ${timeoutMs} ms`;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${server}`;
    case 'ECONNRESET':
      return `connection reset by ${server}`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach ${server} (${error.code})`;
    default:
      return `SSH connection to ${server} failed: ${error.message}`;
  }
}

/** Opens authenticated, host-verified SFTP sessions to one server. */
export class SftpConnector {
  private readonly authMethods: Array<PublicKeyAuthMethod | PasswordAuthMethod> = [];
  private readonly server: string;
  private readonly warnedFingerprints = new Set<string>();

  constructor(
    private readonly options: SftpStorageOptions,
    private readonly logger: SftpLogger,
  ) {
    this.server = `${options.username}@${knownHostsName(options.host, options.port)}`;
    const { username } = options;
    // Parsed once here: a wrong passphrase is a configuration error, and bcrypt key derivation is slow.
    if (options.privateKey !== undefined) {
      this.authMethods.push({ type: 'publickey', username, key: parsePrivateKey(options.privateKey, options.passphrase) });
    }
    if (options.password !== undefined) this.authMethods.push({ type: 'password', username, password: options.password });
    if (this.authMethods.length === 0) throw new Error('SFTP storage needs a password or a private key');
  }

  async connect(): Promise<SftpSession> {
    const { host, port } = this.options;
    const knownHosts = await this.loadKnownHosts();
    let hostKeyRejection: string | undefined;
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const config: ConnectConfig = {
      host,
      port,
      username: this.options.username,
      authHandler: this.authMethods,
      readyTimeout: timeoutMs,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: (key: Buffer) => {
        hostKeyRejection = this.checkHostKey(knownHosts, key);
        return hostKeyRejection === undefined;
      },
    };
    const preferred = knownHosts && hostKeyAlgorithmsPreferring(knownHosts.keyTypesFor(host, port));
    if (preferred) config.algorithms = { serverHostKey: preferred };
    try {
      return await openSftpSession(config, this.server);
    } catch (error) {
      throw new SftpConnectionError(hostKeyRejection ?? describeConnectFailure(error as Error, this.server, timeoutMs), { cause: error });
    }
  }

  /** Read on every connection attempt, so an edited known_hosts applies without a restart. */
  private async loadKnownHosts(): Promise<KnownHosts | undefined> {
    const path = this.options.knownHostsPath;
    if (path === undefined) return undefined;
    try {
      return new KnownHosts(await readFile(path, 'utf8'));
    } catch (error) {
      throw new SftpConnectionError(`cannot read known_hosts file ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Undefined when the key is acceptable, else why not. */
  private checkHostKey(knownHosts: KnownHosts | undefined, key: Buffer): string | undefined {
    const { host, port, knownHostsPath } = this.options;
    const offered = `${keyTypeOf(key)} key ${sha256Fingerprint(key)}`;
    const name = knownHostsName(host, port);
    if (!knownHosts) {
      if (!this.warnedFingerprints.has(offered)) {
        this.warnedFingerprints.add(offered);
        this.logger.warn(
          `SFTP HOST KEY NOT VERIFIED for ${name}: accepting its ${offered} because knownHostsPath is unset. ` +
            'Anyone able to intercept the connection could impersonate the server; set knownHostsPath to a known_hosts file.',
        );
      }
      return undefined;
    }
    const verdict = knownHosts.verify(host, port, key);
    if (verdict.accepted) return undefined;
    const why = {
      mismatch: `it does not match the key known for ${name} (the server key changed, or someone is intercepting the connection)`,
      'unknown-host': `there is no entry for ${name} (add one, e.g. with ssh-keyscan -p ${port} ${host})`,
      revoked: 'that key is marked @revoked',
    }[verdict.reason];
    return `host key verification failed for ${name}: the server offered ${offered}; in ${knownHostsPath} ${why}`;
  }
}
