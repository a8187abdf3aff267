import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { DigestingStream, digestOf, digestOfStream, digestsEqual, InvalidDigestError, isValidDigest, parseDigest } from './digest';

// Known vectors: FIPS 180-2 "abc" and the empty string.
const SHA256_ABC = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA256_EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA512_ABC =
  'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';

describe('digest', () => {
  it('computes known sha256 and sha512 vectors', () => {
    expect(digestOf('abc')).toBe(SHA256_ABC);
    expect(digestOf(Buffer.alloc(0))).toBe(SHA256_EMPTY);
    expect(digestOf('abc', 'sha512')).toBe(SHA512_ABC);
  });

  it('parses valid digests', () => {
    expect(parseDigest(SHA256_ABC)).toEqual({ algorithm: 'sha256', hex: SHA256_ABC.slice(7), value: SHA256_ABC });
    expect(parseDigest(SHA512_ABC).algorithm).toBe('sha512');
  });

  it.each([
    ['no algorithm', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['unknown algorithm', 'md5:900150983cd24fb0d6963f7d28e17f72'],
    ['short hex', 'sha256:ba7816bf'],
    ['sha512 length on sha256', `sha256:${SHA512_ABC.slice(7)}`],
    ['uppercase hex', SHA256_ABC.toUpperCase().replace('SHA256', 'sha256')],
    ['non-hex', `sha256:${'g'.repeat(64)}`],
    ['path traversal', 'sha256:../../etc/passwd'],
    ['empty', ''],
  ])('rejects %s', (_label, input) => {
    expect(() => parseDigest(input)).toThrow(InvalidDigestError);
    expect(isValidDigest(input)).toBe(false);
  });

  it('compares digests', () => {
    expect(digestsEqual(SHA256_ABC, digestOf('abc'))).toBe(true);
    expect(digestsEqual(SHA256_ABC, SHA256_EMPTY)).toBe(false);
    expect(digestsEqual(SHA256_ABC, 'sha256:short')).toBe(false);
  });

  it('hashes while streaming and passes bytes through unchanged', async () => {
    const chunks = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')];
    const hasher = new DigestingStream();
    const received: Buffer[] = [];
    await pipeline(
      Readable.from(chunks),
      hasher,
      new Writable({
        write(chunk, _encoding, callback) {
          received.push(chunk);
          callback();
        },
      }),
    );
    expect(Buffer.concat(received).toString()).toBe('abc');
    expect(hasher.digest).toBe(SHA256_ABC);
    expect(hasher.size).toBe(3);
  });

  it('refuses to give a digest before the stream ends', () => {
    expect(() => new DigestingStream().digest).toThrow(/after the stream has ended/);
  });

  it('hashes an async iterable', async () => {
    await expect(digestOfStream(Readable.from([Buffer.from('ab'), Buffer.from('c')]))).resolves.toEqual({ digest: SHA256_ABC, size: 3 });
  });
});
