import { utils } from 'ssh2';
import { KnownHosts, keyTypeOf } from './known-hosts';

/** A fresh public key: its `type base64` known_hosts form and its wire-format blob. */
function newHostKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): { line: string; blob: Buffer } {
  const { public: publicKey } = utils.generateKeyPairSync(type, type === 'ecdsa' ? { bits: 256 } : {});
  const [keyType, base64] = publicKey.split(' ');
  return { line: `${keyType} ${base64}`, blob: Buffer.from(base64, 'base64') };
}

describe('KnownHosts', () => {
  const key = newHostKey();
  const otherKey = newHostKey();

  it('names hosts on port 22 without brackets and others as [host]:port', () => {
    const knownHosts = new KnownHosts(`sftp.example.com ${key.line}\n[sftp.example.com]:23 ${otherKey.line}\n`);
    expect(knownHosts.verify('sftp.example.com', 22, key.blob)).toEqual({ accepted: true });
    expect(knownHosts.verify('sftp.example.com', 23, otherKey.blob)).toEqual({ accepted: true });
    expect(knownHosts.verify('sftp.example.com', 23, key.blob)).toEqual({ accepted: false, reason: 'mismatch' });
    expect(knownHosts.verify('sftp.example.com', 2222, key.blob)).toEqual({ accepted: false, reason: 'unknown-host' });
  });

  it('matches wildcards and honours negated patterns', () => {
    const knownHosts = new KnownHosts(`*.example.com,!bad.example.com ${key.line}\n`);
    expect(knownHosts.verify('box.EXAMPLE.com', 22, key.blob).accepted).toBe(true);
    expect(knownHosts.verify('example.com', 22, key.blob)).toEqual({ accepted: false, reason: 'unknown-host' });
    expect(knownHosts.verify('bad.example.com', 22, key.blob)).toEqual({ accepted: false, reason: 'unknown-host' });
  });

  it('refuses a @revoked key even where another line lists it', () => {
    const knownHosts = new KnownHosts(`@revoked * ${key.line}\nsftp.example.com ${key.line}\n`);
    expect(knownHosts.verify('sftp.example.com', 22, key.blob)).toEqual({ accepted: false, reason: 'revoked' });
  });

  it('ignores comments, blank lines, @cert-authority lines and malformed lines', () => {
    const knownHosts = new KnownHosts(
      ['# a comment', '', `@cert-authority sftp.example.com ${otherKey.line}`, 'garbage', `sftp.example.com ${key.line} trailing comment`].join('\n'),
    );
    expect(knownHosts.verify('sftp.example.com', 22, key.blob).accepted).toBe(true);
    expect(knownHosts.verify('sftp.example.com', 22, otherKey.blob)).toEqual({ accepted: false, reason: 'mismatch' });
  });

  it('lists the key types known for a host, to ask the server for those', () => {
    const ecdsa = newHostKey('ecdsa');
    const knownHosts = new KnownHosts(`sftp.example.com ${ecdsa.line}\nsftp.example.com ${key.line}\nother ${otherKey.line}\n`);
    expect(knownHosts.keyTypesFor('sftp.example.com', 22)).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(keyTypeOf(ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
  });
});
