import { createHash, createHmac } from 'node:crypto';

/** The key's fingerprint as `ssh-keygen -l` prints it: `SHA256:` + unpadded base64 of sha256(key blob). */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the start of an SSH public key blob, e.g. `ssh-ed25519`. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** How known_hosts names a host: `[host]:port` unless the port is 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

interface KnownHostEntry {
  revoked: boolean;
  matchesHost(name: string): boolean;
  keyType: string;
  keyBlob: Buffer;
}

export type HostKeyVerdict =
  | { accepted: true }
  | { accepted: false; reason: 'revoked' | 'mismatch' | 'unknown-host' };

/** OpenSSH host patterns: `*` and `?` wildcards, case-insensitive. */
function patternToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'i');
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as written by `ssh-keygen -H` / HashKnownHosts. */
function hashedHostMatcher(field: string): ((name: string) => boolean) | undefined {
  const [, magic, salt, hash] = field.split('|');
  if (magic !== '1' || !salt || !hash) return undefined;
  const saltBytes = Buffer.from(salt, 'base64');
  return (name) => createHmac('sha1', saltBytes).update(name).digest('base64') === hash;
}

/** A comma-separated pattern list with optional `!negations`; a negated match wins. */
function patternListMatcher(field: string): (name: string) => boolean {
  const patterns = field.split(',').map((raw) => {
    const negated = raw.startsWith('!');
    return { negated, regexp: patternToRegExp(negated ? raw.slice(1) : raw) };
  });
  return (name) => {
    let matched = false;
    for (const { negated, regexp } of patterns) {
      if (!regexp.test(name)) continue;
      if (negated) return false;
      matched = true;
    }
    return matched;
  };
}

function parseLine(line: string): KnownHostEntry | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length === 0 || fields[0] === '' || fields[0].startsWith('#')) return undefined;
  let revoked = false;
  if (fields[0].startsWith('@')) {
    // @cert-authority lines need certificate support, which the driver does not offer: skip them.
    if (fields[0] !== '@revoked') return undefined;
    revoked = true;
    fields.shift();
  }
  const [hosts, keyType, keyBase64] = fields;
  if (!hosts || !keyType || !keyBase64) return undefined;
  const matchesHost = hosts.startsWith('|') ? hashedHostMatcher(hosts) : patternListMatcher(hosts);
  if (!matchesHost) return undefined;
  return { revoked, matchesHost, keyType, keyBlob: Buffer.from(keyBase64, 'base64') };
}

/** Host-key checking against an OpenSSH known_hosts file, as `StrictHostKeyChecking yes` does. */
export class KnownHosts {
  private readonly entries: KnownHostEntry[];

  constructor(content: string) {
    this.entries = content
      .split(/\r?\n/)
      .map(parseLine)
      .filter((entry): entry is KnownHostEntry => entry !== undefined);
  }

  /** Key types listed for the host, so the handshake can ask the server for one of those. */
  keyTypesFor(host: string, port: number): string[] {
    const name = knownHostsName(host, port);
    return [...new Set(this.entries.filter((e) => !e.revoked && e.matchesHost(name)).map((e) => e.keyType))];
  }

  verify(host: string, port: number, offeredKey: Buffer): HostKeyVerdict {
    const name = knownHostsName(host, port);
    const sameKey = (entry: KnownHostEntry) => entry.keyBlob.equals(offeredKey);
    // A revoked key is refused for every host.
    if (this.entries.some((entry) => entry.revoked && sameKey(entry))) return { accepted: false, reason: 'revoked' };
    const forHost = this.entries.filter((entry) => !entry.revoked && entry.matchesHost(name));
    if (forHost.some(sameKey)) return { accepted: true };
    return { accepted: false, reason: forHost.length > 0 ? 'mismatch' : 'unknown-host' };
  }
}
