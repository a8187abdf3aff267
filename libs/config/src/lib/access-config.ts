import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

// Registry access control: token authentication, the shared login limit and the audit log.
// Kept apart from config.ts so the two grow without touching each other; config.ts spreads
// the schema shape and calls the two functions below.

const DURATION = /^(\d+)([smhd]?)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function seconds(value: string): number {
  const match = DURATION.exec(value) as RegExpExecArray;
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
}

const duration = (fallback: string) =>
  z
    .string()
    .regex(DURATION, 'must be seconds or a number with s, m, h or d, e.g. 5m')
    .refine((value) => !DURATION.test(value) || seconds(value) > 0, 'must be longer than 0 seconds')
    .default(fallback);

/** The shortest REGISTRY_TOKEN_KEY secret accepted (when the file is not a PEM private key). */
export const MIN_TOKEN_SECRET_LENGTH = 32;

export const accessEnvironmentShape = {
  /** `token` (default): Docker token authentication on /v2; `none`: anyone may push and pull. */
  REGISTRY_AUTH: z.enum(['token', 'none']).default('token'),
  /** Base URL clients reach the registry at; the token realm is `<this>/v2/token`. */
  REGISTRY_PUBLIC_URL: z
    .string()
    .url()
    .refine((value) => /^https?:\/\//.test(value), 'must start with http:// or https://')
    .optional(),
  /** The `service` of challenges and the `aud` of tokens. */
  REGISTRY_SERVICE: z
    .string()
    .regex(/^[^"\\\s]{1,255}$/, 'must be 1-255 characters without quotes, backslashes or spaces')
    .default('refity'),
  REGISTRY_TOKEN_EXPIRES_IN: duration('5m'),
  REGISTRY_REFRESH_TOKEN_EXPIRES_IN: duration('24h'),
  /** File with the token signing key: a PEM private key (RSA or EC P-256) or a secret of ≥ 32 characters. */
  REGISTRY_TOKEN_KEY: z.string().optional(),
  LOGIN_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(30),
  LOGIN_LIMIT_WINDOW: duration('1m'),
  AUDIT_PULLS: z.enum(['all', 'sampled', 'none']).default('sampled'),
  AUDIT_PULL_WINDOW: duration('1h'),
};

const accessEnvironmentSchema = z.object(accessEnvironmentShape);
type AccessEnvironment = z.output<typeof accessEnvironmentSchema>;

export interface RegistryAuthSettings {
  /** False only with REGISTRY_AUTH=none. */
  enabled: boolean;
  /** REGISTRY_PUBLIC_URL without a trailing slash; undefined = derived from each request's Host. */
  publicUrl?: string;
  service: string;
  tokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Contents of REGISTRY_TOKEN_KEY; undefined = key derived from JWT_SECRET. */
  tokenKey?: { path: string; contents: Buffer };
}

/** Failed logins allowed per window, shared by the admin API login and the registry token endpoint. */
export interface LoginLimitSettings {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

export interface AuditSettings {
  /** `all`: every manifest GET; `sampled`: one per actor, address, repository and digest per window; `none`. */
  pulls: 'all' | 'sampled' | 'none';
  pullWindowMs: number;
}

export interface AccessSettings {
  registryAuth: RegistryAuthSettings;
  loginLimits: LoginLimitSettings;
  audit: AuditSettings;
}

/** Problems with REGISTRY_TOKEN_KEY (unreadable, too short, or a PEM that is not a usable private key). */
export function accessProblems(source: NodeJS.ProcessEnv): string[] {
  const path = source['REGISTRY_TOKEN_KEY'];
  if (!path) return [];
  let contents: Buffer;
  try {
    contents = readFileSync(path);
  } catch (error) {
    return [`REGISTRY_TOKEN_KEY: cannot read ${path} (${(error as Error).message})`];
  }
  const problem = tokenKeyProblem(contents);
  return problem ? [`REGISTRY_TOKEN_KEY: ${path} ${problem}`] : [];
}

function tokenKeyProblem(contents: Buffer): string | null {
  const text = contents.toString('utf8').trim();
  if (text.startsWith('-----BEGIN')) {
    try {
      const key = createPrivateKey(text);
      if (key.asymmetricKeyType === 'rsa') return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 ? null : 'holds an RSA key shorter than 2048 bits';
      if (key.asymmetricKeyType === 'ec') return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? null : 'holds an EC key that is not on P-256';
      return `holds a ${key.asymmetricKeyType} key; use RSA (RS256) or EC P-256 (ES256)`;
    } catch (error) {
      return `is not a PEM private key (${(error as Error).message})`;
    }
  }
  return text.length >= MIN_TOKEN_SECRET_LENGTH ? null : `holds a secret shorter than ${MIN_TOKEN_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`;
}

export function accessSettings(env: AccessEnvironment): AccessSettings {
  return {
    registryAuth: {
      enabled: env.REGISTRY_AUTH === 'token',
      publicUrl: env.REGISTRY_PUBLIC_URL?.replace(/\/+$/, ''),
      service: env.REGISTRY_SERVICE,
      tokenTtlSeconds: seconds(env.REGISTRY_TOKEN_EXPIRES_IN),
      refreshTokenTtlSeconds: seconds(env.REGISTRY_REFRESH_TOKEN_EXPIRES_IN),
      tokenKey: env.REGISTRY_TOKEN_KEY ? { path: env.REGISTRY_TOKEN_KEY, contents: readFileSync(env.REGISTRY_TOKEN_KEY) } : undefined,
    },
    loginLimits: {
      perAccount: env.LOGIN_LIMIT_PER_ACCOUNT,
      perAddress: env.LOGIN_LIMIT_PER_ADDRESS,
      windowMs: seconds(env.LOGIN_LIMIT_WINDOW) * 1000,
    },
    audit: { pulls: env.AUDIT_PULLS, pullWindowMs: seconds(env.AUDIT_PULL_WINDOW) * 1000 },
  };
}
