import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@refity/config';
import { startSshd, SshdServer } from '@refity/testing';
import { createStorageDriver, StorageLogger } from './create-storage-driver';

function recordingLogger(): StorageLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (m) => lines.push(`log ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

describe('createStorageDriver', () => {
  let dataDir: string;
  let sshd: SshdServer | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'refity-factory-'));
  });

  afterEach(async () => {
    await sshd?.stop();
    sshd = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores on local disk under DATA_DIR when no FTP_HOST is set', async () => {
    const logger = recordingLogger();
    const driver = await createStorageDriver(loadConfig({ DATA_DIR: dataDir }), logger);
    await driver.writeFile('registry/team/app/manifests/latest', Buffer.from('{}'));
    expect(readFileSync(join(dataDir, 'storage', 'registry', 'team', 'app', 'manifests', 'latest'), 'utf8')).toBe('{}');
    expect(logger.lines.join('\n')).toContain('no FTP_HOST configured');
    await driver.close();
  });

  it('stores on the SFTP server from FTP_* variables, key auth and known_hosts checked', async () => {
    sshd = await startSshd();
    const logger = recordingLogger();
    const config = loadConfig({
      DATA_DIR: dataDir,
      FTP_HOST: sshd.host,
      FTP_PORT: String(sshd.port),
      FTP_USERNAME: sshd.username,
      FTP_PRIVATE_KEY: sshd.privateKeyPath,
      FTP_KNOWN_HOSTS: sshd.knownHostsPath,
      FTP_ROOT: 'images',
    });
    const driver = await createStorageDriver(config, logger);
    await driver.writeFile('registry/team/app/manifests/latest', Buffer.from('{"sftp":true}'));
    expect(readFileSync(join(sshd.sftpRoot, 'images', 'registry', 'team', 'app', 'manifests', 'latest'), 'utf8')).toBe('{"sftp":true}');
    expect(logger.lines.join('\n')).toContain(`storing images on sftp://${sshd.username}@${sshd.host}:${sshd.port}/images`);
    await driver.close();
  }, 60_000);

  it('refuses to start with a wrong SFTP password', async () => {
    sshd = await startSshd();
    const config = loadConfig({
      DATA_DIR: dataDir,
      FTP_HOST: sshd.host,
      FTP_PORT: String(sshd.port),
      FTP_USERNAME: sshd.username,
      FTP_PASSWORD: 'not-the-password',
      FTP_KNOWN_HOSTS: sshd.knownHostsPath,
    });
    await expect(createStorageDriver(config, recordingLogger())).rejects.toThrow();
  }, 60_000);
});
