import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the embedded defaults: local storage under DATA_DIR, no SFTP', () => {
    const config = loadConfig({});
    expect(config.env.PORT).toBe(5000);
    expect(config.env.ADMIN_PORT).toBe(8080);
    expect(config.sftp).toBeUndefined();
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.env.AUTO_CREATE_GROUPS).toBe(false);
  });

  it('lists every bad or missing variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', FTP_HOST: 'nas.local', SFTP_POOL_SIZE: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('FTP_USERNAME');
    expect(problems).toContain('FTP_PASSWORD');
    expect(problems).toContain('SFTP_POOL_SIZE');
  });

  it('reads the SFTP settings and the private key file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'refity-config-'));
    writeFileSync(join(dir, 'id'), 'KEY');
    const config = loadConfig({
      FTP_HOST: 'box.example',
      FTP_PORT: '23',
      FTP_USERNAME: 'u1',
      FTP_PRIVATE_KEY: join(dir, 'id'),
      AUTO_CREATE_GROUPS: 'true',
      DATA_DIR: dir,
    });
    expect(config.sftp).toMatchObject({ host: 'box.example', port: 23, username: 'u1', poolSize: 4, root: '' });
    expect(config.sftp?.privateKey?.toString()).toBe('KEY');
    expect(config.env.AUTO_CREATE_GROUPS).toBe(true);
    expect(config.sqlitePath).toBe(join(dir, 'refity.sqlite'));
  });

  it('refuses an unreadable private key with a clear message', () => {
    expect(() =>
      loadConfig({ FTP_HOST: 'h', FTP_USERNAME: 'u', FTP_PRIVATE_KEY: '/nonexistent/key' }),
    ).toThrow(/FTP_PRIVATE_KEY: cannot read \/nonexistent\/key/);
  });
});
