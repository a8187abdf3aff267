import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';
import { AccessSettings, accessEnvironmentShape, accessProblems, accessSettings } from './access-config';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

/** Express `trust proxy`: false, true, a hop count, or a comma-separated list of addresses/subnets. */
const trustProxy = z
  .string()
  .default('false')
  .transform((value): boolean | number | string => {
    const trimmed = value.trim();
    if (trimmed === '' || trimmed === 'false' || trimmed === '0') return false;
    if (trimmed === 'true') return true;
    return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  });

/** The shortest JWT_SECRET accepted in production (256 bits of HS256 key as ASCII). */
export const MIN_JWT_SECRET_LENGTH = 32;

/** Every environment variable Refity reads, validated in one place. */
export const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(5000),
    ADMIN_PORT: port.default(8080),
    HOST: z.string().default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    FTP_HOST: z.string().optional(),
    FTP_PORT: port.default(22),
    FTP_USERNAME: z.string().optional(),
    FTP_PASSWORD: z.string().optional(),
    FTP_PRIVATE_KEY: z.string().optional(),
    FTP_PRIVATE_KEY_PASSPHRASE: z.string().optional(),
    FTP_ROOT: z.string().default(''),
    FTP_KNOWN_HOSTS: z.string().optional(),
    SFTP_POOL_SIZE: z.coerce.number().int().min(1).max(64).default(4),
    DATABASE_URL: z.string().optional(),
    AUTO_CREATE_GROUPS: booleanFlag,
    /** Put blobs on SFTP before answering 201 (default: answer once durable locally, upload in the background). */
    SFTP_SYNC_UPLOAD: booleanFlag,
    UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
    /** Local read cache of blobs and manifests fetched from SFTP, in bytes; 0 = off. */
    CACHE_MAX_BYTES: z
      .string()
      .trim()
      .regex(/^\d+$/, 'bytes as a plain integer, e.g. 10737418240 for 10 GiB (0 = no cache)')
      .default('0')
      .transform(Number)
      .refine(Number.isSafeInteger, 'too large'),
    CACHE_DIR: z.string().optional(),
    MAX_MANIFEST_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
    JWT_SECRET: z.string().optional(),
    JWT_EXPIRES_IN: z
      .string()
      .regex(/^\d+[smhd]?$/, 'must be seconds or a number with s, m, h or d, e.g. 8h')
      .default('8h'),
    ADMIN_PASSWORD: z.string().min(1).default('admin'),
    TRUST_PROXY: trustProxy,
    CORS_ORIGINS: z.string().default(''),
    REGISTRY_URL: z.string().min(1).default('localhost:5000'),
    CONSOLE_DIR: z.string().optional(),
    FTP_USAGE_ENABLED: booleanFlag,
    HCLOUD_TOKEN: z.string().optional(),
    HETZNER_BOX_ID: z.string().regex(/^\d+$/, 'must be the numeric Storage Box id').optional(),
    HETZNER_API_URL: z.string().url().default('https://api.hetzner.com/v1'),
    GC_CRON: z
      .string()
      .optional()
      .refine((value) => !value || cronProblem(value) === null, (value) => ({ message: cronProblem(value ?? '') ?? 'invalid' })),
    GC_GRACE_MINUTES: z.coerce.number().int().min(0).default(60),
    GC_DELETE_UNTAGGED: booleanFlag,
    GC_PURGE_UPLOADS_HOURS: z.coerce.number().min(0).default(24),
    GC_DRY_RUN: booleanFlag,
    GC_RETENTION: z
      .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
      .default('true')
      .transform((value) => value === 'true' || value === '1' || value === 'yes' || value === ''),
    ...accessEnvironmentShape,
  });

/** Why a GC_CRON expression is refused (croner's message), or null when it parses. */
function cronProblem(expression: string): string | null {
  try {
    new Cron(expression, { paused: true }).stop();
    return null;
  } catch (error) {
    return `not a cron expression (${(error as Error).message}); e.g. "0 3 * * *" for 03:00 every day`;
  }
}

/** Rules across variables, checked on the raw values so they are reported with the type errors. */
function crossVariableProblems(source: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (source['FTP_HOST']) {
    if (!source['FTP_USERNAME']) problems.push('FTP_USERNAME: required when FTP_HOST is set');
    if (!source['FTP_PASSWORD'] && !source['FTP_PRIVATE_KEY']) {
      problems.push('FTP_PASSWORD: FTP_PASSWORD or FTP_PRIVATE_KEY is required when FTP_HOST is set');
    }
  }
  const databaseUrl = source['DATABASE_URL'];
  if (databaseUrl && !/^(postgres(ql)?|sqlite):/.test(databaseUrl)) {
    problems.push('DATABASE_URL: must start with postgres://, postgresql:// or sqlite:');
  }
  const jwtSecret = source['JWT_SECRET'];
  if (source['NODE_ENV'] === 'production' && (!jwtSecret || jwtSecret.length < MIN_JWT_SECRET_LENGTH)) {
    problems.push(
      `JWT_SECRET: required in production, at least ${MIN_JWT_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`); ` +
        (jwtSecret ? `got ${jwtSecret.length}` : 'not set'),
    );
  }
  if (['true', '1', 'yes'].includes(source['FTP_USAGE_ENABLED'] ?? '')) {
    if (!source['HCLOUD_TOKEN']) problems.push('HCLOUD_TOKEN: required when FTP_USAGE_ENABLED is true');
    if (!source['HETZNER_BOX_ID']) problems.push('HETZNER_BOX_ID: required when FTP_USAGE_ENABLED is true');
  }
  return problems;
}

export type Environment = z.infer<typeof environmentSchema>;

export interface SftpSettings {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: Buffer;
  passphrase?: string;
  root: string;
  knownHostsPath?: string;
  poolSize: number;
}

export interface AdminSettings {
  /** HS256 key for the admin API's tokens. */
  jwtSecret: string;
  /** True when JWT_SECRET was unset outside production and a random per-boot key is used. */
  jwtSecretGenerated: boolean;
  /** Token lifetime in seconds. */
  jwtExpiresInSeconds: number;
  /** Allowed browser origins; empty means same-origin only. */
  corsOrigins: string[];
  /** Hetzner Storage Box usage card, when FTP_USAGE_ENABLED. */
  hetzner?: { apiUrl: string; token: string; boxId: number };
}

export interface RefityConfig extends AccessSettings {
  env: Environment;
  production: boolean;
  dataDir: string;
  /** Where the metadata database lives when no DATABASE_URL is given. */
  sqlitePath: string;
  /** Local folder for upload buffers. */
  uploadsDir: string;
  /** Local storage root used when no SFTP server is configured. */
  localStorageDir: string;
  sftp?: SftpSettings;
  /** The local read cache in front of SFTP (CACHE_MAX_BYTES > 0). */
  cache?: { dir: string; maxBytes: number };
  admin: AdminSettings;
  gc: GcSettings;
}

/** Scheduled garbage collection (registry app) and the defaults of on-demand runs. */
export interface GcSettings {
  /** Cron expression (5 or 6 fields, croner syntax); unset = no schedule. */
  cron?: string;
  /** Nothing younger than this is deleted (pushes in flight may still reference it). */
  gracePeriodMs: number;
  deleteUntagged: boolean;
  /** Upload sessions idle longer than this are purged; undefined = never. */
  uploadMaxIdleMs?: number;
  dryRun: boolean;
  /** Apply retention policies before sweeping. */
  retention: boolean;
}

const DURATION_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `8h` → 28800; a bare number is seconds. */
export function durationToSeconds(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * DURATION_UNIT_SECONDS[match[2] || 's'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError listing every bad or missing variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): RefityConfig {
  const parsed = environmentSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`)),
    ...crossVariableProblems(source),
    ...accessProblems(source),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  const dataDir = resolve(env.DATA_DIR);
  let sftp: SftpSettings | undefined;
  if (env.FTP_HOST) {
    let privateKey: Buffer | undefined;
    if (env.FTP_PRIVATE_KEY) {
      try {
        privateKey = readFileSync(env.FTP_PRIVATE_KEY);
      } catch (error) {
        throw new ConfigError([`FTP_PRIVATE_KEY: cannot read ${env.FTP_PRIVATE_KEY} (${(error as Error).message})`]);
      }
    }
    sftp = {
      host: env.FTP_HOST,
      port: env.FTP_PORT,
      username: env.FTP_USERNAME as string,
      password: env.FTP_PASSWORD || undefined,
      privateKey,
      passphrase: env.FTP_PRIVATE_KEY_PASSPHRASE || undefined,
      root: env.FTP_ROOT,
      knownHostsPath: env.FTP_KNOWN_HOSTS || undefined,
      poolSize: env.SFTP_POOL_SIZE,
    };
  }
  return {
    env,
    production: env.NODE_ENV === 'production',
    dataDir,
    sqlitePath: resolve(dataDir, 'refity.sqlite'),
    uploadsDir: resolve(dataDir, 'uploads'),
    localStorageDir: resolve(dataDir, 'storage'),
    sftp,
    cache: env.CACHE_MAX_BYTES > 0 ? { dir: resolve(dataDir, env.CACHE_DIR || 'cache'), maxBytes: env.CACHE_MAX_BYTES } : undefined,
    admin: {
      jwtSecret: env.JWT_SECRET || randomBytes(32).toString('hex'),
      jwtSecretGenerated: !env.JWT_SECRET,
      jwtExpiresInSeconds: durationToSeconds(env.JWT_EXPIRES_IN),
      corsOrigins: env.CORS_ORIGINS.split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
      hetzner:
        env.FTP_USAGE_ENABLED && env.HCLOUD_TOKEN && env.HETZNER_BOX_ID
          ? { apiUrl: env.HETZNER_API_URL.replace(/\/+$/, ''), token: env.HCLOUD_TOKEN, boxId: Number(env.HETZNER_BOX_ID) }
          : undefined,
    },
    gc: {
      cron: env.GC_CRON || undefined,
      gracePeriodMs: env.GC_GRACE_MINUTES * 60_000,
      deleteUntagged: env.GC_DELETE_UNTAGGED,
      uploadMaxIdleMs: env.GC_PURGE_UPLOADS_HOURS > 0 ? env.GC_PURGE_UPLOADS_HOURS * 3_600_000 : undefined,
      dryRun: env.GC_DRY_RUN,
      retention: env.GC_RETENTION,
    },
    ...accessSettings(env),
  };
}
