import { OciError } from '@refity/registry-core';
import { AdminApi, adminToken, pushImage, pushIndex, pushReferrer, startAdminApi } from '../../test/admin-api.harness';

/** Groups, repositories and tags through HTTP, on images pushed with the registry's own operations. */
describe('groups, repositories, tags (real app over HTTP)', () => {
  let api: AdminApi;
  let token: string;

  beforeAll(async () => {
    api = await startAdminApi({ REGISTRY_URL: 'registry.example:5000' });
    token = await adminToken(api);
  });

  afterAll(async () => {
    await api.close();
  });

  const call = (method: string, path: string, body?: unknown) => api.call(method, path, { token, body });

  it('creates groups with the registry grammar and refuses bad names and duplicates', async () => {
    expect((await call('POST', '/api/groups', { name: 'team' })).status).toBe(201);
    expect((await call('POST', '/api/groups', { name: 'other' })).body).toMatchObject({ name: 'other', repositoryCount: 0, totalSize: 0 });
    const invalid = await call('POST', '/api/groups', { name: 'Team!' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toContain('name must be lowercase letters and digits');
    expect((await call('POST', '/api/groups', {})).status).toBe(400);
    const duplicate = await call('POST', '/api/groups', { name: 'team' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'group team already exists' });
  });

  it('lists tags with size and platform, and a tag detail with layers, config, history and referrers', async () => {
    const image = await pushImage(api.registry, 'team/app', '1.0.0');
    await api.registry.putManifest('team/app', 'latest', image.manifest, 'application/vnd.oci.image.manifest.v1+json');
    const signature = await pushReferrer(api.registry, 'team/app', image);
    const index = await pushIndex(api.registry, 'team/app', 'multi');

    const tags = await call('GET', '/api/repositories/team/app/tags');
    expect(tags.status).toBe(200);
    expect(tags.body.map((tag: { name: string }) => tag.name)).toEqual(['1.0.0', 'latest', 'multi']);
    expect(tags.body[0]).toMatchObject({
      digest: image.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: image.size,
      platforms: [{ os: 'linux', architecture: 'amd64', variant: null }],
    });
    expect(tags.body[2]).toMatchObject({
      digest: index.digest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      size: index.children[0].size + index.children[1].size,
      platforms: [
        { os: 'linux', architecture: 'amd64', variant: null },
        { os: 'linux', architecture: 'arm64', variant: null },
      ],
    });

    const detail = await call('GET', '/api/repositories/team/app/tags/1.0.0');
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      repository: 'team/app',
      tag: '1.0.0',
      digest: image.digest,
      isIndex: false,
      size: image.size,
      otherTags: ['latest'],
      pullCommand: 'docker pull registry.example:5000/team/app:1.0.0',
      platforms: [{ platform: { os: 'linux', architecture: 'amd64', variant: null }, digest: image.digest, size: image.size }],
      referrers: [{ digest: signature, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' }],
    });
    expect(detail.body.image.layers).toEqual(image.layers.map((layer) => ({ ...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })));
    expect(detail.body.image.config).toMatchObject({
      os: 'linux',
      architecture: 'amd64',
      entrypoint: ['/app/server'],
      cmd: ['--port', '8080'],
      env: ['PATH=/usr/bin', 'MODE=production'],
      labels: { 'org.opencontainers.image.source': 'https://example.invalid/app' },
      workingDir: '/app',
      exposedPorts: ['8080/tcp'],
    });
    expect(detail.body.image.history.map((entry: { createdBy: string }) => entry.createdBy)).toEqual([
      '/bin/sh -c #(nop) ADD file:base in /',
      'COPY server /app/server',
      'ENV MODE=production',
    ]);
    expect(detail.body.manifest).toEqual(JSON.parse(image.manifest.toString()));

    const multi = await call('GET', '/api/repositories/team/app/tags/multi');
    expect(multi.body).toMatchObject({ isIndex: true, size: index.children[0].size + index.children[1].size });
    expect(multi.body.platforms).toEqual([
      { platform: { os: 'linux', architecture: 'amd64', variant: null }, digest: index.children[0].digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: index.children[0].size },
      { platform: { os: 'linux', architecture: 'arm64', variant: null }, digest: index.children[1].digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: index.children[1].size },
    ]);
    expect(multi.body.image.digest).toBe(index.children[0].digest);
    const child = await call('GET', `/api/repositories/team/app/manifests/${index.children[1].digest}`);
    expect(child.body).toMatchObject({ digest: index.children[1].digest, size: index.children[1].size, config: { architecture: 'arm64' } });

    expect((await call('GET', '/api/repositories/team/app/tags/nope')).status).toBe(404);
    expect((await call('GET', '/api/repositories/team/missing/tags')).status).toBe(404);
    expect((await call('GET', '/api/repositories/team/app/tags/bad%20tag')).status).toBe(400);
  });

  it('lists groups and repositories with counts and sizes; search, sort and pages', async () => {
    await pushImage(api.registry, 'team/tools/cli', 'v1', { layerSizes: [100] });
    await pushImage(api.registry, 'other/zeta', 'v1', { layerSizes: [5000] });
    expect((await call('POST', '/api/repositories', { name: 'team/empty' })).status).toBe(201);
    expect((await call('POST', '/api/repositories', { name: 'team/empty' })).status).toBe(409);
    expect((await call('POST', '/api/repositories', { name: 'ghost/app' })).body).toMatchObject({ statusCode: 404, message: 'group ghost does not exist; create it first' });
    expect((await call('POST', '/api/repositories', { name: 'noslash' })).status).toBe(400);

    const groups = await call('GET', '/api/groups');
    const team = groups.body.find((group: { name: string }) => group.name === 'team');
    expect(team).toMatchObject({ repositoryCount: 3, tagCount: 4 });
    const app = await call('GET', '/api/repositories/team/app');
    expect(app.body).toMatchObject({ name: 'team/app', group: 'team', repository: 'app', tagCount: 3, pullCommand: 'docker pull registry.example:5000/team/app' });
    const cli = await call('GET', '/api/repositories/team/tools%2Fcli');
    expect(cli.body).toMatchObject({ name: 'team/tools/cli', repository: 'tools/cli', tagCount: 1 });
    expect(team.totalSize).toBe(app.body.totalSize + cli.body.totalSize);

    const all = await call('GET', '/api/repositories?sort=name');
    expect(all.body).toMatchObject({ total: 4, page: 1, pageSize: 50 });
    expect(all.body.items.map((item: { name: string }) => item.name)).toEqual(['other/zeta', 'team/app', 'team/empty', 'team/tools/cli']);
    const bySize = await call('GET', '/api/repositories?sort=size&order=desc&pageSize=2&page=1');
    expect(bySize.body.items.map((item: { name: string }) => item.name)).toEqual(['team/app', 'other/zeta']);
    expect(bySize.body.total).toBe(4);
    const page2 = await call('GET', '/api/repositories?sort=size&order=desc&pageSize=2&page=2');
    expect(page2.body.items.map((item: { name: string }) => item.name)).toEqual(['team/tools/cli', 'team/empty']);
    const search = await call('GET', '/api/repositories?search=TOOLS');
    expect(search.body.items.map((item: { name: string }) => item.name)).toEqual(['team/tools/cli']);
    expect((await call('GET', '/api/repositories?search=%25')).body.total).toBe(0);
    const ofGroup = await call('GET', '/api/groups/other/repositories');
    expect(ofGroup.body.items.map((item: { name: string }) => item.name)).toEqual(['other/zeta']);
    const byTags = await call('GET', '/api/repositories?group=team&sort=tags&order=desc');
    expect(byTags.body.items.map((item: { name: string }) => item.name)).toEqual(['team/app', 'team/tools/cli', 'team/empty']);

    for (const bad of ['sort=color', 'order=up', 'page=0', 'pageSize=1000', 'page=x', 'unknown=1']) {
      const response = await call('GET', `/api/repositories?${bad}`);
      expect([bad, response.status]).toEqual([bad, 400]);
    }
  });

  it('deletes a tag: gone from the listing and from storage, not pullable; the shared manifest stays', async () => {
    const image = await api.registry.findManifest('team/app', '1.0.0');
    expect(await api.storage.exists('registry/team/app/manifests/1.0.0')).toBe(true);
    expect((await call('DELETE', '/api/repositories/team/app/tags/1.0.0')).status).toBe(204);
    expect(await api.storage.exists('registry/team/app/manifests/1.0.0')).toBe(false);
    await expect(api.registry.findManifest('team/app', '1.0.0')).rejects.toBeInstanceOf(OciError);
    // `latest` still points at the manifest, so it stays.
    expect((await api.registry.findManifest('team/app', image.digest)).digest).toBe(image.digest);
    const tags = await call('GET', '/api/repositories/team/app/tags');
    expect(tags.body.map((tag: { name: string }) => tag.name)).toEqual(['latest', 'multi']);

    // The last tag of a manifest takes the manifest with it.
    expect((await call('DELETE', '/api/repositories/team/app/tags/latest')).status).toBe(204);
    await expect(api.registry.findManifest('team/app', image.digest)).rejects.toBeInstanceOf(OciError);
    expect(await api.storage.exists(`registry/team/app/manifests/${image.digest}`)).toBe(false);
    expect((await call('DELETE', '/api/repositories/team/app/tags/latest')).status).toBe(404);
  });

  it('deletes a repository with its storage folder, leaving a nested repository alone', async () => {
    await pushImage(api.registry, 'team/tools', 'v1', { layerSizes: [10] });
    expect(await api.storage.exists('registry/team/tools/blobs')).toBe(true);
    expect((await call('DELETE', '/api/repositories/team/tools')).status).toBe(204);
    expect(await api.storage.exists('registry/team/tools/blobs')).toBe(false);
    expect(await api.storage.exists('registry/team/tools/manifests')).toBe(false);
    expect((await call('GET', '/api/repositories/team/tools')).status).toBe(404);
    // team/tools/cli lives inside team/tools/ on storage and must survive.
    expect((await api.registry.findManifest('team/tools/cli', 'v1')).digest).toMatch(/^sha256:/);
    expect((await call('GET', '/api/repositories/team/tools%2Fcli/tags')).body).toHaveLength(1);

    expect((await call('DELETE', '/api/repositories/team/empty')).status).toBe(204);
    expect((await call('DELETE', '/api/repositories/team/empty')).status).toBe(404);
  });

  it('refuses to delete a group with repositories unless forced, which removes everything', async () => {
    const refused = await call('DELETE', '/api/groups/team');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('group team has 2 repositories (team/app, team/tools/cli); delete them first or pass force=true');
    expect((await call('DELETE', '/api/groups/team?force=maybe')).status).toBe(400);
    expect((await call('DELETE', '/api/groups/team?force=true')).status).toBe(204);
    expect(await api.storage.exists('registry/team')).toBe(false);
    expect((await call('GET', '/api/groups/team')).status).toBe(404);
    expect((await call('GET', '/api/repositories')).body.items.map((item: { name: string }) => item.name)).toEqual(['other/zeta']);
    expect((await call('POST', '/api/groups', { name: 'empty' })).status).toBe(201);
    expect((await call('DELETE', '/api/groups/empty')).status).toBe(204);
    expect((await call('DELETE', '/api/groups/empty')).status).toBe(404);
  });
});
