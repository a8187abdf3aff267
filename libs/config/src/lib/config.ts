import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

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
    MAX_MANIFEST_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  });

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

export interface RefityConfig {
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
  };
}
