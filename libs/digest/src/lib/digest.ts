import { createHash, Hash, timingSafeEqual } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

/** Hash algorithms the OCI image spec registers, with their hex lengths. */
export const DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

export interface Digest {
  algorithm: DigestAlgorithm;
  hex: string;
  /** The canonical `algorithm:hex` form. */
  value: string;
}

export class InvalidDigestError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid digest "${input.slice(0, 200)}": ${reason}`);
    this.name = 'InvalidDigestError';
  }
}

// The OCI grammar: algorithm-component [+.-_ algorithm-component]* ":" encoded
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return Object.prototype.hasOwnProperty.call(DIGEST_ALGORITHMS, name);
}

/** Parses and validates a digest string; throws InvalidDigestError. */
export function parseDigest(input: string): Digest {
  if (typeof input !== 'string' || !DIGEST_GRAMMAR.test(input)) {
    throw new InvalidDigestError(String(input), 'does not match algorithm:hex');
  }
  const colon = input.indexOf(':');
  const algorithm = input.slice(0, colon);
  const hex = input.slice(colon + 1);
  if (!isDigestAlgorithm(algorithm)) {
    throw new InvalidDigestError(input, `unsupported algorithm "${algorithm}"`);
  }
  const length = DIGEST_ALGORITHMS[algorithm];
  if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
    throw new InvalidDigestError(input, `${algorithm} needs ${length} lowercase hex characters`);
  }
  return { algorithm, hex, value: input };
}

export function isValidDigest(input: string): boolean {
  try {
    parseDigest(input);
    return true;
  } catch {
    return false;
  }
}

/** Digest of bytes held in memory (manifests, small payloads). */
export function digestOf(data: Buffer | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Compares two digests without leaking where they differ through timing. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * A pass-through stream that hashes and counts bytes as they flow.
 * Read `digest` and `size` after the stream has finished.
 */
export class DigestingStream extends Transform {
  private readonly hash: Hash;
  private bytes = 0;
  private result?: string;

  constructor(readonly algorithm: DigestAlgorithm = 'sha256') {
    super();
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = `${this.algorithm}:${this.hash.digest('hex')}`;
    callback();
  }

  get size(): number {
    return this.bytes;
  }

  /** The digest of everything that passed; only available once the stream has flushed. */
  get digest(): string {
    if (!this.result) throw new Error('digest is available only after the stream has ended');
    return this.result;
  }
}

/** Hashes a readable stream to its end without keeping it. */
export async function digestOfStream(
  source: AsyncIterable<Buffer>,
  algorithm: DigestAlgorithm = 'sha256',
): Promise<{ digest: string; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `${algorithm}:${hash.digest('hex')}`, size };
}
