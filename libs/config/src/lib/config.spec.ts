import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, durationToSeconds, loadConfig } from './config';

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

  it('reads the optional read cache: off by default, bytes as a plain integer, under DATA_DIR unless CACHE_DIR says', () => {
    expect(loadConfig({}).cache).toBeUndefined();
    expect(loadConfig({ CACHE_MAX_BYTES: '0' }).cache).toBeUndefined();
    expect(loadConfig({ DATA_DIR: '/srv/refity', CACHE_MAX_BYTES: '10737418240' }).cache).toEqual({ dir: '/srv/refity/cache', maxBytes: 10737418240 });
    expect(loadConfig({ CACHE_MAX_BYTES: '1048576', CACHE_DIR: '/var/cache/refity' }).cache).toEqual({ dir: '/var/cache/refity', maxBytes: 1048576 });
    for (const bad of ['10GiB', '-1', '1e9', '99999999999999999999']) {
      expect(() => loadConfig({ CACHE_MAX_BYTES: bad })).toThrow(/CACHE_MAX_BYTES/);
    }
  });

  it('refuses an unreadable private key with a clear message', () => {
    expect(() =>
      loadConfig({ FTP_HOST: 'h', FTP_USERNAME: 'u', FTP_PRIVATE_KEY: '/nonexistent/key' }),
    ).toThrow(/FTP_PRIVATE_KEY: cannot read \/nonexistent\/key/);
  });

  describe('admin API settings', () => {
    const problemsOf = (env: NodeJS.ProcessEnv): string => {
      try {
        loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      return '';
    };

    it('generates a random per-boot JWT secret outside production and says so', () => {
      const first = loadConfig({});
      const second = loadConfig({});
      expect(first.admin.jwtSecretGenerated).toBe(true);
      expect(first.admin.jwtSecret).toHaveLength(64);
      expect(first.admin.jwtSecret).not.toBe(second.admin.jwtSecret);
      expect(first.admin.jwtExpiresInSeconds).toBe(8 * 3600);
      expect(first.env.ADMIN_PASSWORD).toBe('admin');
      expect(first.env.TRUST_PROXY).toBe(false);
      expect(first.env.REGISTRY_URL).toBe('localhost:5000');
      expect(first.admin.hetzner).toBeUndefined();
    });

    it('refuses production without a JWT_SECRET, or with one shorter than 32 characters', () => {
      expect(problemsOf({ NODE_ENV: 'production' })).toMatch(/JWT_SECRET: required in production, at least 32 characters.*not set/);
      expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toMatch(/JWT_SECRET: .*got 5/);
      const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
      expect(config.admin).toMatchObject({ jwtSecret: 'x'.repeat(32), jwtSecretGenerated: false });
    });

    it('parses token lifetimes, trust proxy, CORS origins', () => {
      expect(durationToSeconds('90')).toBe(90);
      expect(durationToSeconds('15m')).toBe(900);
      expect(durationToSeconds('2d')).toBe(172_800);
      expect(problemsOf({ JWT_EXPIRES_IN: 'forever' })).toContain('JWT_EXPIRES_IN');
      expect(loadConfig({ TRUST_PROXY: 'true' }).env.TRUST_PROXY).toBe(true);
      expect(loadConfig({ TRUST_PROXY: '2' }).env.TRUST_PROXY).toBe(2);
      expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).env.TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
      expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).admin.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    });

    it('needs the token and box id for the Hetzner usage card', () => {
      expect(problemsOf({ FTP_USAGE_ENABLED: 'true' })).toMatch(/HCLOUD_TOKEN: required[\s\S]*HETZNER_BOX_ID: required/);
      expect(problemsOf({ HETZNER_BOX_ID: 'box' })).toContain('HETZNER_BOX_ID: must be the numeric Storage Box id');
      const config = loadConfig({ FTP_USAGE_ENABLED: 'true', HCLOUD_TOKEN: 't', HETZNER_BOX_ID: '42', HETZNER_API_URL: 'http://127.0.0.1:9/v1/' });
      expect(config.admin.hetzner).toEqual({ apiUrl: 'http://127.0.0.1:9/v1', token: 't', boxId: 42 });
    });
  });
  describe('garbage collection settings', () => {
    it('has a schedule only when GC_CRON is set, an hour of grace and a day for idle uploads by default', () => {
      expect(loadConfig({}).gc).toEqual({
        cron: undefined,
        gracePeriodMs: 3_600_000,
        deleteUntagged: false,
        uploadMaxIdleMs: 86_400_000,
        dryRun: false,
        retention: true,
      });
      const gc = loadConfig({
        GC_CRON: '30 3 * * *',
        GC_GRACE_MINUTES: '5',
        GC_DELETE_UNTAGGED: 'true',
        GC_PURGE_UPLOADS_HOURS: '0',
        GC_DRY_RUN: 'yes',
        GC_RETENTION: 'false',
      }).gc;
      expect(gc).toEqual({ cron: '30 3 * * *', gracePeriodMs: 300_000, deleteUntagged: true, uploadMaxIdleMs: undefined, dryRun: true, retention: false });
    });

    it('refuses a GC_CRON that is not a cron expression, with the others', () => {
      let error: unknown;
      try {
        loadConfig({ GC_CRON: 'every night', GC_GRACE_MINUTES: '-1' });
      } catch (caught) {
        error = caught;
      }
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/GC_CRON: not a cron expression/);
      expect(problems).toContain('GC_GRACE_MINUTES');
    });
  });
});
