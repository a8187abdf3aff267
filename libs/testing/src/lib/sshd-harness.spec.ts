import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { SshdServer, startSshd } from './sshd-harness';

const run = promisify(execFile);

jest.setTimeout(30_000);

/** Runs OpenSSH's sftp client in batch mode with the harness key, verifying the host key strictly. */
function sftpBatch(server: SshdServer, commands: string): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'sftp',
      [
        '-b',
        '-',
        '-P',
        String(server.port),
        '-i',
        server.privateKeyPath,
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${server.knownHostsPath}`,
        `${server.username}@${server.host}`,
      ],
      (error, stdout) => (error ? reject(error) : resolve({ stdout })),
    );
    child.stdin?.end(commands);
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startSshd', () => {
  let server: SshdServer;

  beforeAll(async () => {
    server = await startSshd();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('serves SFTP to the OpenSSH client with key auth and a strictly checked host key', async () => {
    const local = join(dirname(server.sftpRoot), 'upload.txt');
    await fs.writeFile(local, 'uploaded by sftp');
    const { stdout } = await sftpBatch(server, `pwd\nput ${local} uploaded.txt\n`);
    expect(stdout).toContain(`Remote working directory: ${server.sftpRoot}`);
    expect(await fs.readFile(join(server.sftpRoot, 'uploaded.txt'), 'utf8')).toBe('uploaded by sftp');
  });

  it('describes its host key and an encrypted client key that opens with the passphrase', async () => {
    const { stdout: fingerprint } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', server.knownHostsPath]);
    expect(fingerprint).toContain(server.hostKeyFingerprint);
    expect(await fs.readFile(server.knownHostsPath, 'utf8')).toBe(`[127.0.0.1]:${server.port} ${server.hostPublicKey}\n`);
    await expect(run('ssh-keygen', ['-y', '-P', 'wrong', '-f', server.encryptedPrivateKeyPath])).rejects.toThrow();
    const { stdout: publicKey } = await run('ssh-keygen', ['-y', '-P', server.passphrase, '-f', server.encryptedPrivateKeyPath]);
    expect(publicKey).toMatch(/^ssh-ed25519 /);
    expect(server.encryptedPrivateKey.toString()).toContain('OPENSSH PRIVATE KEY');
  });

  it('goes down on kill(), freezes on pause(), and comes back on the same port on restart()', async () => {
    await server.kill();
    expect(await accepts(server.port)).toBe(false);
    await server.restart();
    expect(await accepts(server.port)).toBe(true);
    await server.pause();
    let answered = false;
    const frozen = sftpBatch(server, 'pwd\n').finally(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answered).toBe(false);
    await server.resume();
    await expect(frozen).resolves.toBeDefined();
  });

  it('removes its user and files on stop()', async () => {
    const disposable = await startSshd();
    const base = dirname(disposable.sftpRoot);
    await disposable.stop();
    await expect(run('id', [disposable.username])).rejects.toThrow();
    await expect(fs.access(base)).rejects.toThrow();
    expect(await accepts(disposable.port)).toBe(false);
  });
});
