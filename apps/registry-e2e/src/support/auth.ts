/**
 * Docker token authentication from the outside: ask the token endpoint the way clients do, read
 * challenges, and hand-make JWTs (expired, wrong key, alg none) with node:crypto only.
 */
import { createHmac } from 'node:crypto';
import { HttpResponse, RegistryHttp } from './http';

export interface Challenge {
  scheme: string;
  realm?: string;
  service?: string;
  scope?: string;
  error?: string;
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string | null): Challenge {
  if (!header) throw new Error('no WWW-Authenticate header');
  const space = header.indexOf(' ');
  const challenge: Challenge = { scheme: header.slice(0, space) };
  for (const match of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) (challenge as unknown as Record<string, string>)[match[1]] = match[2];
  return challenge;
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface TokenAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies
  body: any;
  token: string;
}

/** GET <registry>/v2/token?service=…&scope=… with optional Basic credentials. */
export async function fetchToken(registryUrl: string, options: { service?: string; scopes?: string[]; username?: string; password?: string; headers?: Record<string, string> } = {}): Promise<TokenAnswer> {
  const url = new URL('/v2/token', registryUrl);
  if (options.service) url.searchParams.set('service', options.service);
  for (const scope of options.scopes ?? []) url.searchParams.append('scope', scope);
  if (options.username) url.searchParams.set('account', options.username);
  const headers: Record<string, string> = { ...options.headers };
  if (options.username !== undefined) headers['authorization'] = basic(options.username, options.password ?? '');
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, body, token: (body as { token?: string })?.token ?? '' };
}

/** POST <registry>/v2/token with the OAuth2 form (containerd's way). */
export async function postToken(registryUrl: string, form: Record<string, string | string[]>): Promise<TokenAnswer> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  const response = await fetch(new URL('/v2/token', registryUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: params.toString(),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, body, token: (body as { access_token?: string })?.access_token ?? '' };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JWT claims
export function jwtParts(token: string): { header: any; payload: any } {
  const [header, payload] = token.split('.');
  return { header: JSON.parse(Buffer.from(header, 'base64url').toString()), payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) };
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 JWT signed with `key`. */
export function signHs256(payload: Record<string, unknown>, key: string | Buffer): string {
  const head = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

/** An unsigned `alg: none` JWT. */
export function unsigned(payload: Record<string, unknown>): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

/** A RegistryHttp that sends this Authorization header on every call. */
export class AuthorizedHttp extends RegistryHttp {
  constructor(
    baseUrl: string,
    private readonly authorization: string,
  ) {
    super(baseUrl);
  }

  override call(method: string, path: string, opts: Parameters<RegistryHttp['call']>[2] = {}): Promise<HttpResponse> {
    return super.call(method, path, { ...opts, headers: { authorization: this.authorization, ...opts.headers } });
  }
}
