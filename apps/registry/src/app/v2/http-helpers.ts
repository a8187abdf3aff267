import type { Request } from 'express';
import { OciError, ociErrors } from '@refity/registry-core';

/** Reads a small request body (manifests) with a hard size limit, never buffering more than it. */
export async function readLimitedBody(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    throw new OciError(413, 'SIZE_INVALID', `body larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new OciError(413, 'SIZE_INVALID', `body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses an upload's `Content-Range: <start>-<end>` (a `bytes ` prefix and `/total` suffix are tolerated). */
export function parseContentRange(header: string | undefined): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) throw ociErrors.rangeNotSatisfiable(`malformed Content-Range "${header}"`);
  return { start: Number(match[1]), end: Number(match[2]) };
}

/**
 * Parses a blob GET's `Range: bytes=...` against the blob size. Returns undefined for no (or an
 * unsupported multi-) range; throws 416 for an unsatisfiable one.
 */
export function parseByteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(size - suffix, 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) throw ociErrors.rangeNotSatisfiable(`bytes ${header} of ${size}`);
  return { start, end };
}

/** Optional query integer `n` of the paginated lists. */
export function parsePageSize(value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new OciError(400, 'UNSUPPORTED', `query parameter n must be a non-negative integer`);
  }
  return Math.min(n, max);
}

export function singleQuery(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** True when the request carries a body (Content-Length > 0 or chunked encoding). */
export function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return request.headers['transfer-encoding'] !== undefined;
}

export function contentLength(request: Request): number | undefined {
  const length = request.headers['content-length'];
  if (length === undefined) return undefined;
  const n = Number(length);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
