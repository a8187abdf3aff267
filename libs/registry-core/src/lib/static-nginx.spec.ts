import { MEDIA_TYPES } from './manifest';
import { staticNginxConfig, StaticRegistryContent } from './static-nginx';

describe('staticNginxConfig', () => {
  const digest = (char: string) => `sha256:${char.repeat(64)}`;
  const content: StaticRegistryContent = {
    manifests: [
      { repository: 'team/app', reference: digest('a'), digest: digest('a'), mediaType: MEDIA_TYPES.ociIndex },
      { repository: 'team/app', reference: '1.0', digest: digest('a'), mediaType: MEDIA_TYPES.ociIndex },
      { repository: 'team/tools/cli', reference: 'latest', digest: digest('b'), mediaType: MEDIA_TYPES.dockerManifest },
      { repository: 'team/tools/cli', reference: digest('c'), digest: digest('c'), mediaType: 'application/vnd.example.custom+json' },
    ],
    tags: new Map([
      ['team/app', ['1.0']],
      ['team/tools/cli', ['latest']],
    ]),
  };
  const config = staticNginxConfig(content, { root: '/srv/refity/', listen: '127.0.0.1:8081', generatedAt: new Date('2025-01-02T03:04:05Z') });

  it('maps every manifest URL to its media type and digest', () => {
    expect(config).toContain('"/v2/team/app/manifests/1.0" application-vnd-oci-image-index-v1-json;');
    expect(config).toContain(`"/v2/team/app/manifests/${digest('a')}" application-vnd-oci-image-index-v1-json;`);
    expect(config).toContain('"/v2/team/tools/cli/manifests/latest" application-vnd-docker-distribution-manifest-v2-json;');
    expect(config).toContain(`"/v2/team/tools/cli/manifests/latest" "${digest('b')}";`);
    expect(config).toContain('default application-vnd-oci-image-manifest-v1-json;');
  });

  it('has one internal location per media type, with that Content-Type, over the registry folder', () => {
    for (const mediaType of [MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifest, MEDIA_TYPES.dockerManifestList, 'application/vnd.example.custom+json']) {
      const slug = mediaType.replace(/[^a-z0-9]+/g, '-');
      expect(config).toContain(`location /_refity_manifests/${slug}/ {\n        internal;\n        types { }\n        default_type ${mediaType};`);
    }
    expect(config).toContain('alias "/srv/refity/registry/";');
    expect(config).toContain('alias "/srv/refity/registry/$refity_name/blobs/$refity_digest";');
  });

  it('answers /v2/ and the tag lists known at generation', () => {
    expect(config).toContain('listen 127.0.0.1:8081;');
    expect(config).toContain("location = /v2/ {");
    expect(config).toContain('location = /v2/team/tools/cli/tags/list {');
    expect(config).toContain('return 200 "{\\"name\\":\\"team/app\\",\\"tags\\":[\\"1.0\\"]}";');
    expect(config).toContain('at 2025-01-02T03:04:05.000Z from 4 manifest references');
  });

  it('only addresses names of the distribution grammar and tags or digests (no temp files, no "..")', () => {
    const manifestLocation = /location ~ "\^\/v2\/\(\?<refity_name>(.+)\)\/manifests\/\(\?<refity_reference>(.+)\)\$"/.exec(config);
    expect(manifestLocation).not.toBeNull();
    const name = new RegExp(`^${manifestLocation?.[1]}$`);
    const reference = new RegExp(`^${manifestLocation?.[2]}$`);
    expect(name.test('team/app')).toBe(true);
    expect(name.test('team/../etc')).toBe(false);
    expect(name.test('team')).toBe(false);
    expect(reference.test('1.0')).toBe(true);
    expect(reference.test(digest('a'))).toBe(true);
    expect(reference.test('.tmp-1234-1.0')).toBe(false);
    expect(reference.test('..')).toBe(false);
  });
});
