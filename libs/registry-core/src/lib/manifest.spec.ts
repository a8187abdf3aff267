import { digestOf } from '@refity/digest';
import { acceptedManifestTypes, defaultPlatformEntry, MEDIA_TYPES, parseManifest } from './manifest';
import { parseRepositoryName, isValidTag } from './names';
import { OciError } from './oci-error';

const config = { mediaType: MEDIA_TYPES.ociConfig, digest: digestOf('config'), size: 6 };
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf('layer'), size: 5 };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof OciError ? error.code : `not an OciError: ${String(error)}`;
  }
  return undefined;
}

describe('parseManifest', () => {
  it('extracts config, layers and required blobs of an OCI image manifest', () => {
    const parsed = parseManifest(json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config, layers: [layer] }), MEDIA_TYPES.ociManifest);
    expect(parsed.kind).toBe('image');
    expect(parsed.requiredBlobs).toEqual([config.digest, layer.digest]);
    expect(parsed.record.configDigest).toBe(config.digest);
    expect(parsed.record.artifactType).toBeNull();
    expect(parsed.record.references.map((reference) => reference.kind)).toEqual(['config', 'layer']);
  });

  it('derives artifactType from a non-image config and records the subject', () => {
    const subject = { mediaType: MEDIA_TYPES.ociManifest, digest: digestOf('subject'), size: 10 };
    const parsed = parseManifest(
      json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { ...config, mediaType: 'application/vnd.example.sbom' }, layers: [], subject }),
      MEDIA_TYPES.ociManifest,
    );
    expect(parsed.record.artifactType).toBe('application/vnd.example.sbom');
    expect(parsed.record.subjectDigest).toBe(subject.digest);
  });

  it('lists child manifests with platforms for an index', () => {
    const child = { mediaType: MEDIA_TYPES.ociManifest, digest: digestOf('child'), size: 3, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } };
    const parsed = parseManifest(json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [child] }), undefined);
    expect(parsed.kind).toBe('index');
    expect(parsed.requiredManifests).toEqual([child.digest]);
    expect(parsed.record.references[0].platform).toBe('linux/arm64/v8');
  });

  it('does not require foreign layers to be present', () => {
    const foreign = { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: digestOf('win'), size: 1, urls: ['https://x'] };
    const parsed = parseManifest(json({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, config, layers: [foreign] }), MEDIA_TYPES.dockerManifest);
    expect(parsed.requiredBlobs).toEqual([config.digest]);
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), MEDIA_TYPES.ociManifest],
    ['an array', json([]), MEDIA_TYPES.ociManifest],
    ['schemaVersion 1', json({ schemaVersion: 1, config, layers: [] }), MEDIA_TYPES.ociManifest],
    ['a bad layer digest', json({ schemaVersion: 2, config, layers: [{ ...layer, digest: 'sha256:xyz' }] }), MEDIA_TYPES.ociManifest],
    ['a negative size', json({ schemaVersion: 2, config: { ...config, size: -1 }, layers: [] }), MEDIA_TYPES.ociManifest],
    ['a media type that contradicts Content-Type', json({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] }), MEDIA_TYPES.ociManifest],
    ['Docker schema 1', json({ schemaVersion: 1 }), MEDIA_TYPES.dockerSchema1Signed],
    ['an unknown media type', json({ schemaVersion: 2 }), 'application/vnd.example+json'],
  ])('rejects %s with MANIFEST_INVALID', (_label, body, contentType) => {
    expect(codeOf(() => parseManifest(body, contentType))).toBe('MANIFEST_INVALID');
  });
});

describe('acceptedManifestTypes', () => {
  it('sets no limit without a header, with a wildcard, or when no manifest type is named', () => {
    expect(acceptedManifestTypes(undefined)).toBeUndefined();
    expect(acceptedManifestTypes('')).toBeUndefined();
    expect(acceptedManifestTypes('*/*')).toBeUndefined();
    expect(acceptedManifestTypes(`${MEDIA_TYPES.dockerManifest}, */*`)).toBeUndefined();
    expect(acceptedManifestTypes(`${MEDIA_TYPES.ociManifest}, application/*;q=0.1`)).toBeUndefined();
    expect(acceptedManifestTypes('application/json')).toBeUndefined();
  });

  it('collects the manifest types named, across headers, ignoring parameters and case', () => {
    const accepted = acceptedManifestTypes([`${MEDIA_TYPES.dockerManifest};q=0.9, application/json`, ` ${MEDIA_TYPES.ociManifest.toUpperCase()} `]);
    expect(accepted && [...accepted].sort()).toEqual([MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociManifest].sort());
    expect(acceptedManifestTypes(MEDIA_TYPES.dockerSchema1Signed)).toEqual(new Set([MEDIA_TYPES.dockerSchema1Signed]));
  });
});

describe('defaultPlatformEntry', () => {
  const entry = (digest: string, platform?: object) => ({ mediaType: MEDIA_TYPES.ociManifest, digest, size: 10, ...(platform ? { platform } : {}) });

  it('picks the first linux/amd64 entry, whatever its variant or position', () => {
    const index = json({
      schemaVersion: 2,
      manifests: [entry(digestOf('attestation')), entry(digestOf('arm'), { os: 'linux', architecture: 'arm64' }), entry(digestOf('amd'), { os: 'linux', architecture: 'amd64', variant: 'v2' }), entry(digestOf('amd-2'), { os: 'linux', architecture: 'amd64' })],
    });
    expect(defaultPlatformEntry(index)?.digest).toBe(digestOf('amd'));
  });

  it('is undefined without a linux/amd64 entry or for something that is not an index', () => {
    expect(defaultPlatformEntry(json({ schemaVersion: 2, manifests: [entry(digestOf('w'), { os: 'windows', architecture: 'amd64' })] }))).toBeUndefined();
    expect(defaultPlatformEntry(json({ schemaVersion: 2, config, layers: [layer] }))).toBeUndefined();
    expect(defaultPlatformEntry(Buffer.from('not json'))).toBeUndefined();
  });
});

describe('names', () => {
  it('takes the first component as the group', () => {
    expect(parseRepositoryName('myteam/app')).toEqual({ name: 'myteam/app', group: 'myteam' });
    expect(parseRepositoryName('my-team/sub/app.web_1').group).toBe('my-team');
  });

  it.each(['app', 'Team/app', 'team//app', 'team/app/', '-team/app', 'team/blobs', `team/${'a'.repeat(260)}`])('rejects %s with NAME_INVALID', (name) => {
    expect(codeOf(() => parseRepositoryName(name))).toBe('NAME_INVALID');
  });

  it('accepts spec tags and refuses others', () => {
    expect(['1.0.0-rc.1', 'latest', '_x', 'A'.repeat(128)].every(isValidTag)).toBe(true);
    expect(['-x', '.x', 'a:b', 'A'.repeat(129), ''].some(isValidTag)).toBe(false);
  });
});
