import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
}

const dir = mkdtempSync(join(tmpdir(), 'refity-access-config-'));
function keyFile(name: string, contents: string): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

describe('registry access settings', () => {
  it('turns token authentication on by default, with short-lived tokens and the shared login limit', () => {
    const config = loadConfig({});
    expect(config.registryAuth).toEqual({
      enabled: true,
      publicUrl: undefined,
      service: 'refity',
      tokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 86_400,
      tokenKey: undefined,
    });
    expect(config.loginLimits).toEqual({ perAccount: 10, perAddress: 30, windowMs: 60_000 });
    expect(config.audit).toEqual({ pulls: 'sampled', pullWindowMs: 3_600_000 });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      REGISTRY_AUTH: 'none',
      REGISTRY_PUBLIC_URL: 'https://registry.example.com/',
      REGISTRY_SERVICE: 'registry.example.com',
      REGISTRY_TOKEN_EXPIRES_IN: '90',
      REGISTRY_REFRESH_TOKEN_EXPIRES_IN: '2d',
      LOGIN_LIMIT_PER_ACCOUNT: '3',
      LOGIN_LIMIT_PER_ADDRESS: '7',
      LOGIN_LIMIT_WINDOW: '5m',
      AUDIT_PULLS: 'all',
      AUDIT_PULL_WINDOW: '10m',
    });
    expect(config.registryAuth).toMatchObject({
      enabled: false,
      publicUrl: 'https://registry.example.com',
      service: 'registry.example.com',
      tokenTtlSeconds: 90,
      refreshTokenTtlSeconds: 172_800,
    });
    expect(config.loginLimits).toEqual({ perAccount: 3, perAddress: 7, windowMs: 300_000 });
    expect(config.audit).toEqual({ pulls: 'all', pullWindowMs: 600_000 });
  });

  it('refuses bad values, all at once', () => {
    const problems = problemsOf({
      REGISTRY_AUTH: 'basic',
      REGISTRY_PUBLIC_URL: 'registry.example.com',
      REGISTRY_SERVICE: 'a "quoted" name',
      REGISTRY_TOKEN_EXPIRES_IN: '0',
      LOGIN_LIMIT_PER_ACCOUNT: '0',
      AUDIT_PULLS: 'some',
    });
    for (const variable of ['REGISTRY_AUTH', 'REGISTRY_PUBLIC_URL', 'REGISTRY_SERVICE', 'REGISTRY_TOKEN_EXPIRES_IN', 'LOGIN_LIMIT_PER_ACCOUNT', 'AUDIT_PULLS']) {
      expect(problems).toContain(`${variable}:`);
    }
    expect(problemsOf({ REGISTRY_PUBLIC_URL: 'ftp://registry.example.com' })).toContain('must start with http:// or https://');
  });

  it('accepts a long secret or an RSA / P-256 PEM key in REGISTRY_TOKEN_KEY', () => {
    const secret = keyFile('secret', 'x'.repeat(16) + 'y'.repeat(16) + '\n');
    expect(loadConfig({ REGISTRY_TOKEN_KEY: secret }).registryAuth.tokenKey?.contents.toString()).toContain('xxxx');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(problemsOf({ REGISTRY_TOKEN_KEY: keyFile('ec.pem', ec) })).toBe('');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(problemsOf({ REGISTRY_TOKEN_KEY: keyFile('rsa.pem', rsa) })).toBe('');
  });

  it('refuses an unreadable, short or unusable REGISTRY_TOKEN_KEY', () => {
    expect(problemsOf({ REGISTRY_TOKEN_KEY: '/nonexistent/key' })).toContain('REGISTRY_TOKEN_KEY: cannot read /nonexistent/key');
    expect(problemsOf({ REGISTRY_TOKEN_KEY: keyFile('short', 'too-short') })).toContain('shorter than 32 characters');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(problemsOf({ REGISTRY_TOKEN_KEY: keyFile('p384.pem', p384) })).toContain('not on P-256');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(problemsOf({ REGISTRY_TOKEN_KEY: keyFile('ed.pem', ed) })).toContain('use RSA (RS256) or EC P-256 (ES256)');
    expect(problemsOf({ REGISTRY_TOKEN_KEY: keyFile('broken.pem', '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n') })).toContain(
      'is not a PEM private key',
    );
  });
});
