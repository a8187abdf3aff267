import { MetadataStore, TagEntity } from '@refity/metadata';
import { storageLayout } from '@refity/registry-core';
import { AdminApi, adminToken, pushImage, startAdminApi } from '../../test/admin-api.harness';

/** Retention policies and on-demand garbage collection over HTTP, on images pushed with the registry's operations. */
describe('retention and garbage collection (real app over HTTP)', () => {
  let api: AdminApi;
  let token: string;

  beforeAll(async () => {
    api = await startAdminApi({ GC_GRACE_MINUTES: '0' });
    token = await adminToken(api);
    await api.call('POST', '/api/groups', { token, body: { name: 'team' } });
  });

  afterAll(async () => {
    await api.close();
  });

  const call = (method: string, path: string, body?: unknown) => api.call(method, path, { token, body });

  it('creates, lists, replaces and removes policies; refuses bad ones and non-admins', async () => {
    expect((await call('PUT', '/api/retention', { target: 'team', keepDays: 30 })).status).toBe(200);
    const put = await call('PUT', '/api/retention', { target: 'team/app', keepLast: 1, protectedTags: ['latest', 'v*'] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ target: 'team/app', keepLast: 1, keepDays: null, protectedTags: ['latest', 'v*'] });
    expect((await call('GET', '/api/retention')).body.map((policy: { target: string }) => policy.target)).toEqual(['team', 'team/app']);

    const keepsNothing = await call('PUT', '/api/retention', { target: 'team/web', protectedTags: ['latest'] });
    expect(keepsNothing.status).toBe(400);
    expect(keepsNothing.body.message).toContain('keepLast and/or keepDays');
    expect((await call('PUT', '/api/retention', { target: 'team', keepLast: -2 })).status).toBe(400);
    expect((await call('PUT', '/api/retention', { target: 'team', keepLast: 1, protectedTags: ['v[0-9]'] })).status).toBe(400);

    expect((await call('DELETE', '/api/retention/team')).status).toBe(204);
    expect((await call('DELETE', '/api/retention/team')).status).toBe(404);
    expect((await call('GET', '/api/retention')).body.map((policy: { target: string }) => policy.target)).toEqual(['team/app']);

    const created = await call('POST', '/api/users', { username: 'reader', password: 'violet-quay-7781', role: 'user', mustChangePassword: false });
    expect(created.status).toBe(201);
    const reader = await api.login('reader', 'violet-quay-7781');
    expect((await api.call('POST', '/api/gc', { token: reader, body: { dryRun: true } })).status).toBe(403);
    expect((await api.call('GET', '/api/retention', { token: reader })).status).toBe(403);
  });

  it('runs a dry run, then deletes what retention and the sweep reclaim', async () => {
    const old = await pushImage(api.registry, 'team/app', '1.0');
    // pushed a day ago (tag timestamps decide which tags are the newest)
    const metadata = api.app.get(MetadataStore);
    const repository = await metadata.findRepository('team/app');
    await metadata.dataSource.getRepository(TagEntity).update({ repositoryId: repository?.id, name: '1.0' }, { updatedAt: new Date(Date.now() - 86_400_000) });
    const newer = await pushImage(api.registry, 'team/app', '1.1');
    await api.registry.putManifest('team/app', 'latest', old.manifest, 'application/vnd.oci.image.manifest.v1+json');

    const dry = await call('POST', '/api/gc', { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, retention: { policies: 1, repositories: 1, deletedTags: [{ repository: 'team/app', tag: '1.0', digest: old.digest }], deletedManifests: [] } });
    // 1.0's manifest is still tagged "latest": nothing to sweep
    expect(dry.body.gc.deletedBlobs).toEqual([]);
    expect((await call('GET', '/api/repositories/team/app/tags')).body.map((tag: { name: string }) => tag.name)).toEqual(['1.0', '1.1', 'latest']);

    const real = await call('POST', '/api/gc', {});
    expect(real.status).toBe(200);
    expect(real.body.retention.deletedTags.map((entry: { tag: string }) => entry.tag)).toEqual(['1.0']);
    expect((await call('GET', '/api/repositories/team/app/tags')).body.map((tag: { name: string }) => tag.name)).toEqual(['1.1', 'latest']);
    expect(await api.storage.exists(storageLayout.tag('team/app', '1.0'))).toBe(false);

    // move latest away: the old image loses its last tag and the next run reclaims its layers
    await api.registry.putManifest('team/app', 'latest', newer.manifest, 'application/vnd.oci.image.manifest.v1+json');
    await call('DELETE', '/api/retention/team%2Fapp');
    const sweep = await call('POST', '/api/gc', { deleteUntagged: true });
    expect(sweep.body.gc.deletedManifests).toEqual([{ repository: 'team/app', digest: old.digest }]);
    expect(sweep.body.gc.reclaimedBytes).toBe(old.size);
    for (const layer of old.layers) expect(await api.storage.exists(storageLayout.blob('team/app', layer.digest))).toBe(false);
    for (const layer of newer.layers) expect(await api.storage.exists(storageLayout.blob('team/app', layer.digest))).toBe(true);
    expect((await call('POST', '/api/gc', { graceMinutes: -1 })).status).toBe(400);
  });
});
