/**
 * Raw HTTP against the registry (global fetch), for the distribution-spec checks that clients do
 * not exercise. Redirects are not followed unless asked, so every status is the registry's own.
 */
import { MediaTypes, sha256 } from './oci-image';

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  /** the body parsed as JSON (throws with the body text if it is not JSON) */
  json<T = unknown>(): T;
  text(): string;
}

export interface HttpOptions {
  headers?: Record<string, string>;
  body?: Buffer | string;
  follow?: boolean;
}

/** All manifest types the tests push, for Accept headers. */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifest,
  MediaTypes.dockerList,
].join(', ');

export class RegistryHttp {
  constructor(readonly baseUrl: string) {}

  /** path is either absolute (http://...) or relative to the registry root (/v2/...). */
  async call(method: string, path: string, opts: HttpOptions = {}): Promise<HttpResponse> {
    const url = new URL(path, this.baseUrl).toString();
    const res = await fetch(url, {
      method,
      // identity: see the registry's own bytes and lengths, not a transparently decompressed body
      headers: { 'Accept-Encoding': 'identity', ...opts.headers },
      body: opts.body,
      redirect: opts.follow ? 'follow' : 'manual',
      signal: AbortSignal.timeout(120_000),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      headers: res.headers,
      body,
      text: () => body.toString('utf8'),
      json: <T>() => {
        try {
          return JSON.parse(body.toString('utf8')) as T;
        } catch {
          throw new Error(`${method} ${path}: ${res.status} body is not JSON: ${body.toString('utf8').slice(0, 500)}`);
        }
      },
    };
  }

  /** Resolves a Location header (absolute or relative) against the registry URL. */
  resolve(location: string | null): string {
    if (!location) throw new Error('response has no Location header');
    return new URL(location, this.baseUrl).toString();
  }

  /** POST then PUT monolithic upload; returns the digest. */
  async pushBlob(repo: string, data: Buffer | string): Promise<string> {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const digest = sha256(bytes);
    const start = await this.call('POST', `/v2/${repo}/blobs/uploads/`);
    if (start.status !== 202) throw new Error(`POST /v2/${repo}/blobs/uploads/: ${start.status} ${start.text()}`);
    const put = await this.call('PUT', withQuery(this.resolve(start.headers.get('location')), { digest }), {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`PUT upload of ${digest} to ${repo}: ${put.status} ${put.text()}`);
    return digest;
  }

  /** PUT a manifest; the bytes are sent exactly as given. */
  async putManifest(repo: string, reference: string, bytes: Buffer | string, mediaType: string): Promise<HttpResponse> {
    return this.call('PUT', `/v2/${repo}/manifests/${reference}`, {
      headers: { 'Content-Type': mediaType },
      body: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes),
    });
  }

  getManifest(repo: string, reference: string, method: 'GET' | 'HEAD' = 'GET'): Promise<HttpResponse> {
    return this.call(method, `/v2/${repo}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
  }
}

/** Appends query parameters to a URL that may already carry some. */
export function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

export interface OciError {
  code: string;
  message?: string;
  detail?: unknown;
}

/**
 * Asserts the spec's error shape: the given status, a JSON body {"errors":[{code,message,detail}]}
 * whose codes include `code` (any of them when an array is given; any code when omitted).
 * Returns the matching error.
 */
export function expectOciError(res: HttpResponse, status: number | number[], code?: string | string[]): OciError {
  const statuses = Array.isArray(status) ? status : [status];
  const codes = code === undefined ? [] : Array.isArray(code) ? code : [code];
  const where = `HTTP ${res.status} ${res.headers.get('content-type') ?? ''} ${res.text().slice(0, 500)}`;
  if (!statuses.includes(res.status)) throw new Error(`expected status ${statuses.join(' or ')} with ${codes.join('/') || 'an error'}, got ${where}`);
  const ct = res.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(ct)) throw new Error(`error response must be JSON (Content-Type application/json), got ${where}`);
  const body = res.json<{ errors?: OciError[] }>();
  if (!Array.isArray(body.errors) || body.errors.length === 0) throw new Error(`error body must have a non-empty "errors" array, got ${where}`);
  for (const e of body.errors) {
    if (typeof e.code !== 'string' || !/^[A-Z_]+$/.test(e.code)) throw new Error(`error code must be uppercase letters/underscores: ${where}`);
    if (e.message !== undefined && typeof e.message !== 'string') throw new Error(`error message must be a string: ${where}`);
  }
  const hit = codes.length ? body.errors.find((e) => codes.includes(e.code)) : body.errors[0];
  if (!hit) throw new Error(`expected error code ${codes.join(' or ')}, got ${where}`);
  if (typeof hit.message !== 'string' || hit.message.length === 0) throw new Error(`error ${hit.code} should carry a human-readable message: ${where}`);
  return hit;
}

/** The URL of a `Link: <url>; rel="next"` header, or null. */
export function nextLink(res: HttpResponse): string | null {
  const link = res.headers.get('link');
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /\brel="?next"?/.test(m[2])) return m[1];
  }
  return null;
}
