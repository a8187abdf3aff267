import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isStorageError, StorageError } from '@refity/storage-api';
import { describeStorageDriverContract, SshdServer, startSshd } from '@refity/testing';
import { SftpStorageDriver } from './sftp-storage-driver';
import { SftpLogger, SftpStorageOptions } from './sftp-options';

const run = promisify(execFile);

// Each test talks to a real sshd; connection set-up is quick, the large-stream test sets its own limit.
jest.setTimeout(30_000);

interface RecordingLogger extends SftpLogger {
  warnings: string[];
  errors: string[];
}

function recordingLogger(): RecordingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return { warnings, errors, log: () => undefined, warn: (message) => warnings.push(message), error: (message) => errors.push(message) };
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    if (isStorageError(error)) return error;
    throw new Error(`expected a StorageError, got ${String(error)}`);
  }
  throw new Error('expected the promise to reject');
}

/** Retries `attempt` until it resolves or `timeoutMs` passes. */
async function eventually<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('SftpStorageDriver against a real OpenSSH sshd', () => {
  let server: SshdServer;
  const openDrivers: SftpStorageDriver[] = [];

  /** A driver on its own fresh root folder; closed after the file. */
  function driverFor(overrides: Partial<SftpStorageOptions> = {}): SftpStorageDriver {
    const driver = new SftpStorageDriver({
      host: server.host,
      port: server.port,
      username: server.username,
      privateKey: server.privateKey,
      root: `t-${randomUUID()}`,
      knownHostsPath: server.knownHostsPath,
      logger: recordingLogger(),
      ...overrides,
    });
    openDrivers.push(driver);
    return driver;
  }

  beforeAll(async () => {
    server = await startSshd();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(openDrivers.map((driver) => driver.close()));
    await server?.stop();
  });

  for (const auth of ['password', 'key'] as const) {
    describeStorageDriverContract(`sftp (${auth})`, async () => {
      const root = `contract-${auth}-${randomUUID()}`;
      const driver = driverFor(
        auth === 'password' ? { root, privateKey: undefined, password: server.password } : { root },
      );
      return {
        driver,
        cleanup: async () => {
          await driver.close();
          await fs.rm(join(server.sftpRoot, root), { recursive: true, force: true });
        },
      };
    });
  }

  describe('read streams', () => {
    const MiB = 1024 * 1024;

    it('passes answers that are already in on together, in order, at most 1 MiB at a time', async () => {
      const driver = driverFor();
      const data = randomBytes(6 * MiB + 12_345);
      await driver.writeFile('slow/reader', data);
      const chunks: Buffer[] = [];
      for await (const chunk of await driver.createReadStream('slow/reader')) {
        chunks.push(chunk as Buffer);
        // A slow consumer: several READ answers arrive while it is busy.
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
      const sizes = chunks.map((chunk) => chunk.length);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(MiB);
      expect(Math.max(...sizes)).toBeGreaterThan(128 * 1024);
    });

    it('fails instead of ending early when the file shrinks while it is read', async () => {
      const root = `shrink-${randomUUID()}`;
      const driver = driverFor({ root });
      const data = randomBytes(8 * MiB);
      await driver.writeFile('shrinking/file', data);
      const stream = await driver.createReadStream('shrinking/file');
      const received: Buffer[] = [];
      const consumed = (async () => {
        for await (const chunk of stream) {
          if (received.length === 0) await fs.truncate(join(server.sftpRoot, root, 'shrinking/file'), 5 * MiB);
          received.push(chunk as Buffer);
        }
      })();
      const error = await rejection(consumed);
      expect(error.message).toMatch(/ended at byte/);
      const prefix = Buffer.concat(received);
      expect(prefix.length).toBeLessThanOrEqual(5 * MiB);
      expect(prefix.equals(data.subarray(0, prefix.length))).toBe(true);
    });
  });

  describe('write streams', () => {
    it('stores pieces of every size, held back and sent in whole chunks, byte for byte', async () => {
      const root = `pieces-${randomUUID()}`;
      const driver = driverFor({ root });
      // Smaller than, equal to and larger than one WRITE (128 KiB), so pieces are joined and split.
      const sizes = [1, 7, 65_536, 131_072, 200_000, 3, 131_071, 131_073, 500_000, 64_000, 11];
      const pieces = sizes.map((size) => randomBytes(size));
      const writer = await driver.createWriter('pieces/file');
      for (const piece of pieces) {
        if (!writer.stream.write(piece)) await new Promise((resolve) => writer.stream.once('drain', resolve));
      }
      await writer.commit();
      const stored = await fs.readFile(join(server.sftpRoot, root, 'pieces/file'));
      expect(stored.equals(Buffer.concat(pieces))).toBe(true);
    });
  });

  describe('layout on the server', () => {
    it('stores files under root, relative to the login folder, with no temporary files left', async () => {
      const root = `layout-${randomUUID()}`;
      const driver = driverFor({ root });
      const data = randomBytes(150_000);
      await driver.writeFile('blobs/sha256/ab/abcdef/data', data);
      const local = join(server.sftpRoot, root, 'blobs/sha256/ab/abcdef');
      expect((await fs.readFile(join(local, 'data'))).equals(data)).toBe(true);
      expect(await fs.readdir(local)).toEqual(['data']);
    });

    it('accepts an absolute root and sees files placed on the server', async () => {
      const root = join(server.sftpRoot, `absolute-${randomUUID()}`);
      const driver = driverFor({ root: `${root}/` });
      await fs.mkdir(join(root, 'placed'), { recursive: true });
      await fs.writeFile(join(root, 'placed', 'by-hand'), 'hello');
      expect(await driver.list('placed')).toEqual(['by-hand']);
      expect((await driver.readFile('placed/by-hand')).toString()).toBe('hello');
    });

    it('hides temporary files of writes in progress from list', async () => {
      const driver = driverFor();
      await driver.writeFile('pending/done', Buffer.from('x'));
      const writer = await driver.createWriter('pending/in-progress');
      writer.stream.write(Buffer.from('partial'));
      expect(await driver.list('pending')).toEqual(['done']);
      await writer.abort();
    });

    it('links with a hard link when the server offers hardlink@openssh.com', async () => {
      const root = `hardlink-${randomUUID()}`;
      const driver = driverFor({ root });
      await driver.writeFile('a/blob', randomBytes(10_000));
      await driver.linkOrCopy('a/blob', 'b/blob');
      const source = await fs.stat(join(server.sftpRoot, root, 'a/blob'));
      const linked = await fs.stat(join(server.sftpRoot, root, 'b/blob'));
      expect(linked.ino).toBe(source.ino);
      expect(source.nlink).toBe(2);
    });

    it('keeps exclusive writes exclusive under concurrency', async () => {
      const driver = driverFor();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => driver.writeFile('race/file', Buffer.from(`writer ${i}`), { exclusive: true })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const outcome of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
        expect(isStorageError(outcome.reason, 'AlreadyExists')).toBe(true);
      }
      expect(await driver.list('race')).toEqual(['file']);
    });
  });

  describe('a plain SFTP v3 server (OpenSSH denying posix-rename, hardlink and fsync)', () => {
    let plain: SshdServer;
    let driver: SftpStorageDriver;
    let root: string;

    beforeAll(async () => {
      plain = await startSshd({ deniedSftpRequests: ['posix-rename', 'hardlink', 'fsync'] });
      root = `plain-${randomUUID()}`;
      driver = new SftpStorageDriver({
        host: plain.host,
        port: plain.port,
        username: plain.username,
        password: plain.password,
        knownHostsPath: plain.knownHostsPath,
        root,
        logger: recordingLogger(),
      });
    }, 60_000);

    afterAll(async () => {
      await driver?.close();
      await plain?.stop();
    });

    it('replaces an existing file through plain rename, leaving no temporary file', async () => {
      await driver.writeFile('replace/file', Buffer.from('old'));
      await driver.writeFile('replace/file', Buffer.from('new'));
      expect((await driver.readFile('replace/file')).toString()).toBe('new');
      expect(await fs.readdir(join(plain.sftpRoot, root, 'replace'))).toEqual(['file']);
    });

    it('keeps exclusive writes exclusive', async () => {
      await driver.writeFile('exclusive/file', Buffer.from('first'), { exclusive: true });
      expect((await rejection(driver.writeFile('exclusive/file', Buffer.from('second'), { exclusive: true }))).code).toBe('AlreadyExists');
      expect((await driver.readFile('exclusive/file')).toString()).toBe('first');
      expect(await driver.list('exclusive')).toEqual(['file']);
    });

    it('copies instead of linking, atomically replacing the target', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 17);
      await driver.writeFile('copy/source', data);
      await driver.writeFile('copy/target/blob', Buffer.from('replace me'));
      await driver.linkOrCopy('copy/source', 'copy/target/blob');
      await driver.linkOrCopy('copy/source', 'copy/new/folder/blob');
      const source = await fs.stat(join(plain.sftpRoot, root, 'copy/source'));
      const copied = await fs.stat(join(plain.sftpRoot, root, 'copy/target/blob'));
      expect(copied.ino).not.toBe(source.ino);
      await driver.delete('copy/source');
      expect((await driver.readFile('copy/target/blob')).equals(data)).toBe(true);
      expect((await driver.readFile('copy/new/folder/blob')).equals(data)).toBe(true);
      expect(await driver.list('copy/target')).toEqual(['blob']);
      expect((await rejection(driver.linkOrCopy('copy/absent', 'copy/x'))).code).toBe('NotFound');
    });

    it('moves a file over an existing one', async () => {
      await driver.writeFile('move/a', Buffer.from('a'));
      await driver.writeFile('move/b', Buffer.from('b'));
      await driver.move('move/a', 'move/b');
      expect(await driver.list('move')).toEqual(['b']);
      expect((await driver.readFile('move/b')).toString()).toBe('a');
    });
  });

  describe('authentication', () => {
    it('connects with an encrypted private key and its passphrase', async () => {
      const driver = driverFor({ privateKey: server.encryptedPrivateKey, passphrase: server.passphrase });
      await driver.writeFile('encrypted/key', Buffer.from('ok'));
      expect((await driver.readFile('encrypted/key')).toString()).toBe('ok');
    });

    it('refuses an encrypted private key with the wrong passphrase when constructed', () => {
      expect(() => driverFor({ privateKey: server.encryptedPrivateKey, passphrase: 'wrong' })).toThrow(/private key cannot be used/);
    });

    it('reports a wrong password as Unavailable naming the server', async () => {
      const driver = driverFor({ privateKey: undefined, password: 'not-the-password' });
      const error = await rejection(driver.ping());
      expect(error.code).toBe('Unavailable');
      expect(error.message).toContain(`authentication failed for ${server.username}@[127.0.0.1]:${server.port}`);
    });
  });

  describe('host key verification', () => {
    async function knownHostsFile(content: string): Promise<string> {
      const path = join(server.sftpRoot, '..', `known_hosts-${randomUUID()}`);
      await fs.writeFile(path, content);
      return path;
    }

    it('accepts the [host]:port plain form among comments, markers and other hosts', async () => {
      const path = await knownHostsFile(
        [
          '# comment line',
          `@cert-authority *.example.com ${server.hostPublicKey}`,
          `other.example.com,[10.0.0.1]:2222 ${server.hostPublicKey}`,
          `gitlab.example.org,[127.0.0.1]:${server.port} ${server.hostPublicKey} a comment`,
          '',
        ].join('\n'),
      );
      await expect(driverFor({ knownHostsPath: path }).ping()).resolves.toBeUndefined();
    });

    it('accepts the hashed form written by ssh-keygen -H', async () => {
      const path = await knownHostsFile(`[127.0.0.1]:${server.port} ${server.hostPublicKey}\n`);
      await run('ssh-keygen', ['-H', '-f', path]);
      expect(await fs.readFile(path, 'utf8')).toMatch(/^\|1\|/);
      await expect(driverFor({ knownHostsPath: path }).ping()).resolves.toBeUndefined();
    });

    it('refuses a server whose key does not match, naming host and offered fingerprint', async () => {
      const { stdout: otherKey } = await run('bash', [
        '-c',
        'd=$(mktemp -d) && ssh-keygen -q -t ed25519 -N "" -f "$d/k" && cut -d" " -f1,2 "$d/k.pub" && rm -r "$d"',
      ]);
      const path = await knownHostsFile(`[127.0.0.1]:${server.port} ${otherKey.trim()}\n`);
      const logger = recordingLogger();
      const error = await rejection(driverFor({ knownHostsPath: path, logger }).ping());
      expect(error.code).toBe('Unavailable');
      expect(error.message).toContain(`host key verification failed for [127.0.0.1]:${server.port}`);
      expect(error.message).toContain(server.hostKeyFingerprint);
      expect(error.message).toContain('does not match');
    });

    it('refuses a server that known_hosts does not list', async () => {
      const path = await knownHostsFile(`[127.0.0.1]:1 ${server.hostPublicKey}\nlocalhost ${server.hostPublicKey}\n`);
      const error = await rejection(driverFor({ knownHostsPath: path }).stat('x'));
      expect(error.code).toBe('Unavailable');
      expect(error.message).toContain(`no entry for [127.0.0.1]:${server.port}`);
      expect(error.message).toContain(server.hostKeyFingerprint);
    });

    it('connects without known_hosts but warns loudly with the key fingerprint', async () => {
      const logger = recordingLogger();
      const driver = driverFor({ knownHostsPath: undefined, logger });
      await driver.ping();
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toContain('NOT VERIFIED');
      expect(logger.warnings[0]).toContain(server.hostKeyFingerprint);
      expect(server.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    });
  });

  describe('server outages', () => {
    let outage: SshdServer;

    beforeAll(async () => {
      outage = await startSshd();
    }, 60_000);

    afterAll(async () => {
      await outage?.stop();
    });

    function outageDriver(logger = recordingLogger(), overrides: Partial<SftpStorageOptions> = {}): SftpStorageDriver {
      const driver = new SftpStorageDriver({
        host: outage.host,
        port: outage.port,
        username: outage.username,
        privateKey: outage.privateKey,
        knownHostsPath: outage.knownHostsPath,
        root: `outage-${randomUUID()}`,
        connectTimeoutMs: 3_000,
        logger,
        ...overrides,
      });
      openDrivers.push(driver);
      return driver;
    }

    it('reports a port nobody listens on as Unavailable, quickly', async () => {
      const driver = driverFor({ port: 1 });
      const started = Date.now();
      const error = await rejection(driver.stat('anything'));
      expect(error.code).toBe('Unavailable');
      expect(error.message).toContain('connection refused by');
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it('fails operations with Unavailable while sshd is down, and reconnects by itself once it is back', async () => {
      const logger = recordingLogger();
      const driver = outageDriver(logger);
      await driver.writeFile('survives/file', Buffer.from('before'));

      await outage.kill();
      const started = Date.now();
      for (const attempt of [() => driver.stat('survives/file'), () => driver.readFile('survives/file'), () => driver.list('survives')]) {
        expect((await rejection(attempt())).code).toBe('Unavailable');
      }
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(logger.warnings.some((warning) => warning.includes('SFTP connection lost'))).toBe(true);

      await outage.restart();
      const content = await eventually(() => driver.readFile('survives/file'), 15_000);
      expect(content.toString()).toBe('before');
      await driver.writeFile('survives/after', Buffer.from('after'));
      expect(await driver.list('survives')).toEqual(['after', 'file']);
    });

    it('fails a read stream with Unavailable when the connection drops mid-way', async () => {
      const driver = outageDriver();
      const size = 64 * 1024 * 1024;
      const writer = await driver.createWriter('big/file');
      for (let offset = 0; offset < size; offset += 1024 * 1024) {
        if (!writer.stream.write(randomBytes(1024 * 1024))) await new Promise((resolve) => writer.stream.once('drain', resolve));
      }
      await writer.commit();
      const stream = await driver.createReadStream('big/file');
      let received = 0;
      const consumed = (async () => {
        for await (const chunk of stream) {
          received += (chunk as Buffer).length;
          if (received >= 1024 * 1024 && received - (chunk as Buffer).length < 1024 * 1024) await outage.kill();
        }
      })();
      const error = await rejection(consumed);
      expect(error.code).toBe('Unavailable');
      expect(received).toBeLessThan(size);
      await outage.restart();
    });

    it('fails a writer with Unavailable when the connection drops, and removes nothing that exists', async () => {
      const driver = outageDriver();
      await driver.writeFile('w/existing', Buffer.from('keep'));
      const writer = await driver.createWriter('w/new');
      writer.stream.write(randomBytes(256 * 1024));
      await outage.kill();
      writer.stream.write(randomBytes(256 * 1024));
      const error = await rejection(writer.commit());
      expect(['Unavailable', 'Aborted']).toContain(error.code);
      await outage.restart();
      await eventually(() => driver.ping(), 15_000);
      expect(await driver.exists('w/new')).toBe(false);
      expect((await driver.readFile('w/existing')).toString()).toBe('keep');
    });

    it('fails with Unavailable instead of hanging when the server stops answering', async () => {
      const driver = outageDriver(recordingLogger(), { keepaliveIntervalMs: 250, connectTimeoutMs: 1_500 });
      await driver.writeFile('frozen/file', Buffer.from('still here'));
      await outage.pause();
      try {
        const started = Date.now();
        expect((await rejection(driver.readFile('frozen/file'))).code).toBe('Unavailable');
        // Keepalive gives up on the open connection (3 x 250 ms); a new one times out after 1.5 s.
        expect((await rejection(driver.stat('frozen/file'))).code).toBe('Unavailable');
        expect(Date.now() - started).toBeLessThan(8_000);
      } finally {
        await outage.resume();
      }
      expect((await eventually(() => driver.readFile('frozen/file'), 15_000)).toString()).toBe('still here');
    });

    it('rejects operations after close', async () => {
      const driver = outageDriver();
      await driver.ping();
      await driver.close();
      expect((await rejection(driver.stat('x'))).code).toBe('Unavailable');
    });
  });
});
