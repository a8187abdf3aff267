import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { AdminApi, adminToken, pushImage, startAdminApi } from '../../test/admin-api.harness';

/** A local stand-in for the Hetzner API's `GET /storage_boxes/{id}` (never the real one). */
async function fakeHetznerApi(): Promise<{ url: string; requests: IncomingMessage[]; server: Server }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    response.setHeader('content-type', 'application/json');
    if (request.headers.authorization !== 'Bearer test-token') {
      response.statusCode = 401;
      response.end(JSON.stringify({ error: { code: 'unauthorized', message: 'unable to authenticate' } }));
    } else if (request.url === '/v1/storage_boxes/4242') {
      response.end(
        JSON.stringify({
          storage_box: {
            id: 4242,
            name: 'registry-box',
            status: 'active',
            storage_box_type: { name: 'bx11', size: 1_099_511_627_776 },
            stats: { size: 3_000_000_000, size_data: 2_500_000_000, size_snapshots: 500_000_000 },
          },
        }),
      );
    } else {
      response.statusCode = 404;
      response.end(JSON.stringify({ error: { code: 'not_found', message: 'Storage Box not found' } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests, server };
}

describe('dashboard, uploads, health (real app over HTTP)', () => {
  let api: AdminApi;
  let token: string;
  let hetzner: Awaited<ReturnType<typeof fakeHetznerApi>>;

  beforeAll(async () => {
    hetzner = await fakeHetznerApi();
    api = await startAdminApi({ FTP_USAGE_ENABLED: 'true', HCLOUD_TOKEN: 'test-token', HETZNER_BOX_ID: '4242', HETZNER_API_URL: hetzner.url });
    token = await adminToken(api);
  });

  afterAll(async () => {
    await api.close();
    await new Promise((resolve) => hetzner.server.close(resolve));
  });

  it('counts images, groups, repositories and deduplicated size; shows the storage box card', async () => {
    await api.call('POST', '/api/groups', { token, body: { name: 'team' } });
    await api.call('POST', '/api/groups', { token, body: { name: 'ops' } });
    const shared = Buffer.alloc(4000, 7);
    const one = await pushImage(api.registry, 'team/one', 'v1', { sharedLayer: shared, layerSizes: [100] });
    const two = await pushImage(api.registry, 'team/two', 'v1', { sharedLayer: shared, layerSizes: [200] });
    await api.registry.putManifest('team/two', 'v2', two.manifest, 'application/vnd.oci.image.manifest.v1+json');

    const dashboard = await api.call('GET', '/api/dashboard', { token });
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toMatchObject({
      images: 3,
      groups: 2,
      repositories: 2,
      // The shared layer is stored in both repositories but counted once.
      totalSize: one.size + two.size - shared.length,
      uploads: { pending: 0, running: 0, failed: 0, bytesPending: 0 },
      sftp: { driver: 'local', configured: false, connected: true, host: null, error: null },
      storageUsage: { name: 'registry-box', usedBytes: 3_000_000_000, dataBytes: 2_500_000_000, snapshotBytes: 500_000_000, totalBytes: 1_099_511_627_776 },
    });
    expect(dashboard.body.storagePerGroup).toEqual([
      { group: 'ops', size: 0 },
      { group: 'team', size: one.size + two.size - shared.length },
    ]);
    expect(dashboard.body.recentPushes.map((push: { repository: string; tag: string }) => `${push.repository}:${push.tag}`).sort()).toEqual([
      'team/one:v1',
      'team/two:v1',
      'team/two:v2',
    ]);
    expect(dashboard.body.recentPushes.find((push: { tag: string }) => push.tag === 'v2').size).toBe(two.size);
    expect(hetzner.requests.at(-1)?.headers.authorization).toBe('Bearer test-token');
  });

  it('is cached briefly, and a delete through the API refreshes it at once', async () => {
    const requestsBefore = hetzner.requests.length;
    await pushImage(api.registry, 'team/three', 'v1', { layerSizes: [10] });
    // Pushed behind the API's back (as the registry process does): still the cached numbers.
    expect((await api.call('GET', '/api/dashboard', { token })).body.repositories).toBe(2);
    expect(hetzner.requests.length).toBe(requestsBefore);
    expect((await api.call('DELETE', '/api/repositories/team/one', { token })).status).toBe(204);
    const refreshed = await api.call('GET', '/api/dashboard', { token });
    expect(refreshed.body).toMatchObject({ repositories: 2, images: 3 });
  });

  it('shows uploads in progress, streams them as server-sent events, and discards one', async () => {
    const upload = await api.registry.startUpload('team/two');
    await api.registry.appendChunk('team/two', upload.id, Readable.from([Buffer.alloc(1234)]));

    const list = await api.call('GET', '/api/uploads', { token });
    expect(list.body).toEqual([expect.objectContaining({ id: upload.id, repository: 'team/two', state: 'running', bytesReceived: 1234 })]);

    const controller = new AbortController();
    const events = await fetch(`${api.url}/api/uploads/events?access_token=${token}`, { signal: controller.signal });
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text).toMatch(/^event: snapshot\n/m);
    const data = JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? 'null');
    expect(data.queue).toEqual({ pending: 0, running: 1, failed: 0, bytesPending: 1234 });
    expect(data.jobs[0]).toMatchObject({ id: upload.id, bytesReceived: 1234 });
    expect((await fetch(`${api.url}/api/uploads/events`)).status).toBe(401);

    expect((await api.call('DELETE', `/api/uploads/${upload.id}`, { token })).status).toBe(204);
    expect((await api.call('GET', '/api/uploads', { token })).body).toEqual([]);
    expect((await api.call('DELETE', `/api/uploads/${upload.id}`, { token })).status).toBe(404);
    expect((await api.call('DELETE', '/api/uploads/not-a-uuid', { token })).status).toBe(400);
  });

  it('answers health without a token, and the console config', async () => {
    const health = await api.call('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: { ok: true }, storage: { ok: true } });
    const config = await api.call('GET', '/api/config');
    expect(config.body).toEqual({ registryUrl: 'localhost:5000', version: '1.0.0', hetznerUsageEnabled: true });
  });

  it('reports a Hetzner API failure on the card instead of failing the dashboard', async () => {
    const other = await startAdminApi({ FTP_USAGE_ENABLED: 'true', HCLOUD_TOKEN: 'wrong', HETZNER_BOX_ID: '4242', HETZNER_API_URL: hetzner.url, ADMIN_PASSWORD: 'granite-meadow-77' });
    try {
      const dashboard = await other.call('GET', '/api/dashboard', { token: await other.login('admin', 'granite-meadow-77') });
      expect(dashboard.status).toBe(200);
      expect(dashboard.body.storageUsage).toBeUndefined();
      expect(dashboard.body.storageUsageError).toBe('Hetzner API answered 401: unable to authenticate');
    } finally {
      await other.close();
    }
  });
});
