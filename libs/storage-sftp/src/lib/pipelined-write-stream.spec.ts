import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { SshdServer, startSshd } from '@refity/testing';
import { PipelinedWriteStream } from './pipelined-write-stream';
import { SftpConnector } from './sftp-connector';
import { SftpSession } from './sftp-session';

const MiB = 1024 * 1024;
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('PipelinedWriteStream on a real sshd', () => {
  let server: SshdServer;
  let session: SftpSession;

  beforeAll(async () => {
    server = await startSshd();
    const connector = new SftpConnector(
      { host: server.host, port: server.port, username: server.username, privateKey: server.privateKey, knownHostsPath: server.knownHostsPath, root: '' },
      quiet,
    );
    session = await connector.connect();
  }, 60_000);

  afterAll(async () => {
    await session?.end();
    await server?.stop();
  });

  it('sends an fsync behind every flushEveryBytes while the file streams in, and one at the end', async () => {
    expect(session.capabilities.fsync).toBe(true);
    const name = `flush-${randomUUID()}`;
    const handle = await session.open(name, 'wx');
    // Watch the real session: how many bytes had gone out when each fsync was sent.
    let sent = 0;
    const sentAtFsync: number[] = [];
    const write = session.write.bind(session);
    const fsync = session.fsync.bind(session);
    const watched = Object.assign(Object.create(session) as SftpSession, {
      write: (h: Buffer, data: Buffer, position: number) => {
        sent += data.length;
        return write(h, data, position);
      },
      fsync: (h: Buffer) => {
        sentAtFsync.push(sent);
        return fsync(h);
      },
    });
    const stream = new PipelinedWriteStream({
      session: watched,
      handle,
      chunkBytes: 128 * 1024,
      // Less in flight than between two flushes, as in the driver (4 MiB against 32 MiB).
      maxBytesInFlight: 512 * 1024,
      flushEveryBytes: MiB,
      translateError: (error) => error as never,
    });
    const data = randomBytes(4 * MiB + 12_345);
    for (let offset = 0; offset < data.length; offset += 256 * 1024) {
      if (!stream.write(data.subarray(offset, offset + 256 * 1024))) await new Promise((resolve) => stream.once('drain', resolve));
    }
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));

    expect(sentAtFsync[sentAtFsync.length - 1]).toBe(data.length);
    const during = sentAtFsync.slice(0, -1);
    // One per MiB sent, unless the previous one was still running then (it follows once that is done).
    expect(during.length).toBeGreaterThanOrEqual(2);
    during.forEach((at, index) => expect(at - (index === 0 ? 0 : during[index - 1])).toBeGreaterThanOrEqual(MiB));
    expect((await fs.readFile(join(server.sftpRoot, name))).equals(data)).toBe(true);
  });
});
