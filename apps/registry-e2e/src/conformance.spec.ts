/**
 * OCI distribution-spec v1.1 checks over raw HTTP (global fetch): what the spec requires of a
 * registry where clients are lenient or never look (status codes, headers, error bodies,
 * pagination, mounts, referrers), plus Refity's group rule.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { expectOciError, HttpResponse, MANIFEST_ACCEPT, nextLink, RegistryHttp, withQuery } from './support/http';
import { Descriptor, MediaTypes, sha256 } from './support/oci-image';
import { RegistryHandle, startRegistry } from './support/registry';

const OCTET = { 'Content-Type': 'application/octet-stream' };
const EMPTY_JSON = Buffer.from('{}');
const EMPTY_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const SBOM_TYPE = 'application/vnd.refity.e2e.sbom.v1+json';
const SIG_CONFIG_TYPE = 'application/vnd.refity.e2e.signature.config.v1+json';

/** A digest no registry holds. */
const unknownDigest = () => sha256(randomBytes(32));

/** Pretty-printed with odd spacing, so only a registry that keeps the exact bytes serves them back. */
const manifestBytes = (obj: object) => Buffer.from(JSON.stringify(obj, null, 3) + '\n');

describe('OCI distribution spec v1.1 (raw HTTP)', () => {
  let reg: RegistryHandle;
  let http: RegistryHttp;

  beforeAll(async () => {
    reg = await startRegistry({ AUTO_CREATE_GROUPS: 'true', REGISTRY_AUTH: 'none' });
    http = new RegistryHttp(reg.url);
  });

  afterAll(async () => {
    await reg?.stop();
  });

  interface Pushed {
    digest: string;
    bytes: Buffer;
    mediaType: string;
    descriptor: Descriptor;
    config: string;
    layers: string[];
    put: HttpResponse;
  }

  /** Pushes a config + one random layer + an OCI (or Docker) image manifest under `reference`. */
  async function pushImage(repo: string, reference: string, opts: { docker?: boolean; extra?: object } = {}): Promise<Pushed> {
    const config = await http.pushBlob(repo, JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }));
    const layerBytes = randomBytes(1500);
    const layer = await http.pushBlob(repo, layerBytes);
    const mediaType = opts.docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest;
    const configSize = (await http.call('HEAD', `/v2/${repo}/blobs/${config}`)).headers.get('content-length');
    const manifest = {
      schemaVersion: 2,
      mediaType,
      config: { mediaType: opts.docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig, digest: config, size: Number(configSize) },
      layers: [{ mediaType: opts.docker ? MediaTypes.dockerLayerGzip : MediaTypes.ociLayerGzip, digest: layer, size: layerBytes.length }],
      ...opts.extra,
    };
    const bytes = manifestBytes(manifest);
    const put = await http.putManifest(repo, reference, bytes, mediaType);
    if (put.status !== 201) throw new Error(`PUT manifest ${repo}:${reference}: ${put.status} ${put.text()}`);
    const digest = sha256(bytes);
    return { digest, bytes, mediaType, descriptor: { mediaType, digest, size: bytes.length }, config, layers: [layer], put };
  }

  async function getBlob(repo: string, digest: string, headers: Record<string, string> = {}) {
    return http.call('GET', `/v2/${repo}/blobs/${digest}`, { headers, follow: true });
  }

  async function startUpload(repo: string): Promise<string> {
    const res = await http.call('POST', `/v2/${repo}/blobs/uploads/`);
    expect(res.status).toBe(202);
    return http.resolve(res.headers.get('location'));
  }

  async function listTags(repo: string, query = ''): Promise<{ res: HttpResponse; tags: string[] }> {
    const res = await http.call('GET', `/v2/${repo}/tags/list${query}`);
    expect(res.status).toBe(200);
    const body = res.json<{ name: string; tags: string[] | null }>();
    expect(body.name).toBe(repo);
    return { res, tags: body.tags ?? [] };
  }

  describe('API version check', () => {
    it('GET /v2/ answers 200 with Docker-Distribution-API-Version: registry/2.0, and no X-Powered-By', async () => {
      const res = await http.call('GET', '/v2/');
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
      expect(res.headers.get('x-powered-by')).toBeNull();
    });
  });

  describe('blob uploads', () => {
    const repo = 'conf/uploads';

    it('POST then PUT: 202 with a unique session Location, then 201 with a pullable blob Location', async () => {
      const a = await startUpload(repo);
      const b = await startUpload(repo);
      expect(a).not.toBe(b);
      const data = randomBytes(4096);
      const digest = sha256(data);
      const put = await http.call('PUT', withQuery(a, { digest }), { headers: OCTET, body: data });
      expect(put.status).toBe(201);
      const blob = await http.call('GET', http.resolve(put.headers.get('location')), { follow: true });
      expect(blob.status).toBe(200);
      expect(blob.body.equals(data)).toBe(true);
      expect(blob.headers.get('docker-content-digest')).toBe(digest);
    });

    it('single POST with ?digest= stores the blob at once: 201 with Location', async () => {
      const data = randomBytes(3000);
      const digest = sha256(data);
      const res = await http.call('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, { headers: OCTET, body: data });
      expect(res.status).toBe(201);
      const blob = await http.call('GET', http.resolve(res.headers.get('location')), { follow: true });
      expect(blob.status).toBe(200);
      expect(blob.body.equals(data)).toBe(true);
    });

    it('chunked PATCH upload: Range after each chunk, GET status 204, out-of-order chunk 416, closing PUT 201', async () => {
      const data = randomBytes(3000);
      const digest = sha256(data);
      const first = await startUpload(repo);

      const p1 = await http.call('PATCH', first, { headers: { ...OCTET, 'Content-Range': '0-999' }, body: data.subarray(0, 1000) });
      expect(p1.status).toBe(202);
      expect(p1.headers.get('range')).toBe('0-999');
      const loc1 = http.resolve(p1.headers.get('location'));

      const status = await http.call('GET', loc1);
      expect(status.status).toBe(204);
      expect(status.headers.get('range')).toBe('0-999');
      expect(status.headers.get('location')).toBeTruthy();

      // a chunk that does not start right after the last byte received
      const gap = await http.call('PATCH', loc1, { headers: { ...OCTET, 'Content-Range': '1500-2499' }, body: data.subarray(1500, 2500) });
      expect(gap.status).toBe(416);
      const again = await http.call('GET', loc1);
      expect(again.status).toBe(204);
      expect(again.headers.get('range')).toBe('0-999');

      const p2 = await http.call('PATCH', loc1, { headers: { ...OCTET, 'Content-Range': '1000-1999' }, body: data.subarray(1000, 2000) });
      expect(p2.status).toBe(202);
      expect(p2.headers.get('range')).toBe('0-1999');
      const loc2 = http.resolve(p2.headers.get('location'));

      // the last chunk travels with the closing PUT
      const put = await http.call('PUT', withQuery(loc2, { digest }), { headers: { ...OCTET, 'Content-Range': '2000-2999' }, body: data.subarray(2000) });
      expect(put.status).toBe(201);
      expect(put.headers.get('location')).toBeTruthy();
      const blob = await getBlob(repo, digest);
      expect(blob.status).toBe(200);
      expect(blob.body.equals(data)).toBe(true);
    });

    it('PUT with a digest that does not match the content: 400 DIGEST_INVALID and nothing is stored', async () => {
      const data = randomBytes(2048);
      const claimed = unknownDigest();
      const loc = await startUpload(repo);
      const put = await http.call('PUT', withQuery(loc, { digest: claimed }), { headers: OCTET, body: data });
      expectOciError(put, 400, 'DIGEST_INVALID');
      expect((await http.call('HEAD', `/v2/${repo}/blobs/${claimed}`)).status).toBe(404);
      expect((await http.call('HEAD', `/v2/${repo}/blobs/${sha256(data)}`)).status).toBe(404);
    });

    it('single POST with a wrong ?digest=: 400 DIGEST_INVALID and nothing is stored', async () => {
      const data = randomBytes(1024);
      const claimed = unknownDigest();
      const res = await http.call('POST', `/v2/${repo}/blobs/uploads/?digest=${claimed}`, { headers: OCTET, body: data });
      expectOciError(res, 400, 'DIGEST_INVALID');
      expect((await http.call('HEAD', `/v2/${repo}/blobs/${claimed}`)).status).toBe(404);
      expect((await http.call('HEAD', `/v2/${repo}/blobs/${sha256(data)}`)).status).toBe(404);
    });

    it('DELETE of an upload session: 204, then the session is 404 BLOB_UPLOAD_UNKNOWN', async () => {
      const loc = await startUpload(repo);
      const p = await http.call('PATCH', loc, { headers: { ...OCTET, 'Content-Range': '0-99' }, body: randomBytes(100) });
      expect(p.status).toBe(202);
      const loc2 = http.resolve(p.headers.get('location'));
      expect((await http.call('DELETE', loc2)).status).toBe(204);
      expectOciError(await http.call('GET', loc2), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectOciError(await http.call('PATCH', loc2, { headers: { ...OCTET, 'Content-Range': '100-199' }, body: randomBytes(100) }), 404, 'BLOB_UPLOAD_UNKNOWN');
    });

    it('an unknown upload session is 404 BLOB_UPLOAD_UNKNOWN', async () => {
      const bogus = `/v2/${repo}/blobs/uploads/6f0ae5b2-1c1e-4c57-9a3e-${randomBytes(6).toString('hex')}`;
      expectOciError(await http.call('GET', bogus), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectOciError(await http.call('PATCH', bogus, { headers: { ...OCTET, 'Content-Range': '0-9' }, body: randomBytes(10) }), 404, 'BLOB_UPLOAD_UNKNOWN');
    });

    it('an upload session survives a registry restart', async () => {
      const data = randomBytes(5000);
      const digest = sha256(data);
      const loc = await startUpload(repo);
      const p1 = await http.call('PATCH', loc, { headers: { ...OCTET, 'Content-Range': '0-2499' }, body: data.subarray(0, 2500) });
      expect(p1.status).toBe(202);
      const loc1 = http.resolve(p1.headers.get('location'));

      await reg.restart();

      const status = await http.call('GET', loc1);
      expect(status.status).toBe(204);
      expect(status.headers.get('range')).toBe('0-2499');
      const p2 = await http.call('PATCH', loc1, { headers: { ...OCTET, 'Content-Range': '2500-4999' }, body: data.subarray(2500) });
      expect(p2.status).toBe(202);
      const put = await http.call('PUT', withQuery(http.resolve(p2.headers.get('location')), { digest }));
      expect(put.status).toBe(201);
      const blob = await getBlob(repo, digest);
      expect(blob.body.equals(data)).toBe(true);
    });

    it('a chunk still streaming in when the registry is told to stop (SIGTERM) is received to the end', async () => {
      const data = randomBytes(2 * 1024 * 1024);
      const digest = sha256(data);
      const loc = new URL(await startUpload(repo));
      let restarting: Promise<void> | undefined;
      const answer = new Promise<{ status: number; range: string | undefined }>((resolve, reject) => {
        const patch = httpRequest(
          loc,
          { method: 'PATCH', headers: { ...OCTET, 'Content-Range': `0-${data.length - 1}`, 'Content-Length': data.length } },
          (response) => {
            response.resume();
            response.once('end', () => resolve({ status: response.statusCode ?? 0, range: response.headers['range'] as string | undefined }));
          },
        );
        patch.once('error', reject);
        patch.write(data.subarray(0, 1024 * 1024));
        // The second half follows only once the registry got the signal: the request is in flight then.
        setTimeout(() => {
          restarting = reg.restart();
          setTimeout(() => patch.end(data.subarray(1024 * 1024)), 500);
        }, 200);
      });
      expect(await answer).toEqual({ status: 202, range: `0-${data.length - 1}` });
      await restarting;

      const status = await http.call('GET', loc.href);
      expect(status.status).toBe(204);
      expect(status.headers.get('range')).toBe(`0-${data.length - 1}`);
      const put = await http.call('PUT', withQuery(loc.href, { digest }));
      expect(put.status).toBe(201);
      expect((await getBlob(repo, digest)).body.equals(data)).toBe(true);
    });
  });

  describe('blob fetch and delete', () => {
    const repo = 'conf/blob-fetch';
    const data = randomBytes(10_000);
    const digest = sha256(data);

    beforeAll(async () => {
      await http.pushBlob(repo, data);
    });

    it('HEAD: 200 with Docker-Content-Digest and Content-Length, no body', async () => {
      const res = await http.call('HEAD', `/v2/${repo}/blobs/${digest}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-content-digest')).toBe(digest);
      expect(res.headers.get('content-length')).toBe(String(data.length));
      expect(res.body.length).toBe(0);
    });

    it('GET: 200 with the exact bytes, Docker-Content-Digest and Content-Length', async () => {
      const res = await getBlob(repo, digest);
      expect(res.status).toBe(200);
      expect(res.body.equals(data)).toBe(true);
      expect(res.headers.get('docker-content-digest')).toBe(digest);
      expect(res.headers.get('content-length')).toBe(String(data.length));
    });

    it('GET with Range: bytes=a-b answers 206 with Content-Range and just those bytes', async () => {
      const res = await getBlob(repo, digest, { Range: 'bytes=100-1099' });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes 100-1099/${data.length}`);
      expect(res.body.equals(data.subarray(100, 1100))).toBe(true);
      const tail = await getBlob(repo, digest, { Range: 'bytes=9000-' });
      expect(tail.status).toBe(206);
      expect(tail.headers.get('content-range')).toBe(`bytes 9000-9999/${data.length}`);
      expect(tail.body.equals(data.subarray(9000))).toBe(true);
    });

    it('an unknown blob is 404 BLOB_UNKNOWN (GET) and 404 (HEAD)', async () => {
      const d = unknownDigest();
      expectOciError(await http.call('GET', `/v2/${repo}/blobs/${d}`), 404, 'BLOB_UNKNOWN');
      expect((await http.call('HEAD', `/v2/${repo}/blobs/${d}`)).status).toBe(404);
    });

    it('DELETE of a blob: 202, then 404', async () => {
      const doomed = await http.pushBlob(repo, randomBytes(700));
      expect((await http.call('DELETE', `/v2/${repo}/blobs/${doomed}`)).status).toBe(202);
      expect((await http.call('HEAD', `/v2/${repo}/blobs/${doomed}`)).status).toBe(404);
      expectOciError(await http.call('GET', `/v2/${repo}/blobs/${doomed}`), 404, 'BLOB_UNKNOWN');
    });
  });

  describe('cross-repository mount', () => {
    it('mounts a blob the source repository has: 201 with Location, blob readable in the target', async () => {
      const data = randomBytes(2222);
      const digest = await http.pushBlob('conf/mount-src', data);
      const res = await http.call('POST', `/v2/conf/mount-dst/blobs/uploads/?mount=${digest}&from=conf/mount-src`);
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBeTruthy();
      const blob = await http.call('GET', http.resolve(res.headers.get('location')), { follow: true });
      expect(blob.body.equals(data)).toBe(true);
      expect((await http.call('HEAD', `/v2/conf/mount-dst/blobs/${digest}`)).status).toBe(200);
    });

    it('when the source lacks the blob: 202 and a normal upload session that completes', async () => {
      const data = randomBytes(1111);
      const digest = sha256(data);
      const res = await http.call('POST', `/v2/conf/mount-dst/blobs/uploads/?mount=${digest}&from=conf/mount-src`);
      expect(res.status).toBe(202);
      const put = await http.call('PUT', withQuery(http.resolve(res.headers.get('location')), { digest }), { headers: OCTET, body: data });
      expect(put.status).toBe(201);
      expect((await getBlob('conf/mount-dst', digest)).body.equals(data)).toBe(true);
    });
  });

  describe('manifests', () => {
    const repo = 'conf/manifest-rules';

    it('PUT by tag: 201 with Location and Docker-Content-Digest; GET by tag and digest return the exact bytes and media type', async () => {
      const img = await pushImage(repo, 'v1');
      expect(img.put.headers.get('location')).toBeTruthy();
      expect(img.put.headers.get('docker-content-digest')).toBe(img.digest);
      for (const ref of ['v1', img.digest]) {
        const res = await http.getManifest(repo, ref);
        expect(res.status).toBe(200);
        expect(res.body.equals(img.bytes)).toBe(true);
        expect(res.headers.get('content-type')).toBe(MediaTypes.ociManifest);
        expect(res.headers.get('docker-content-digest')).toBe(img.digest);
      }
      const fromLocation = await http.call('GET', http.resolve(img.put.headers.get('location')), { headers: { Accept: MediaTypes.ociManifest } });
      expect(fromLocation.status).toBe(200);
      expect(fromLocation.body.equals(img.bytes)).toBe(true);
    });

    it('HEAD: same headers as GET, Content-Length of the manifest, no body', async () => {
      const img = await pushImage(repo, 'head');
      for (const ref of ['head', img.digest]) {
        const res = await http.getManifest(repo, ref, 'HEAD');
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(MediaTypes.ociManifest);
        expect(res.headers.get('docker-content-digest')).toBe(img.digest);
        expect(res.headers.get('content-length')).toBe(String(img.bytes.length));
        expect(res.body.length).toBe(0);
      }
    });

    it('PUT by digest (no tag) stores the manifest under its digest', async () => {
      const doc = '{"by":"digest"}';
      const config = await http.pushBlob(repo, doc);
      const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: config, size: doc.length }, layers: [] });
      const digest = sha256(bytes);
      const put = await http.putManifest(repo, digest, bytes, MediaTypes.ociManifest);
      expect(put.status).toBe(201);
      expect(put.headers.get('docker-content-digest')).toBe(digest);
      expect((await http.getManifest(repo, digest)).body.equals(bytes)).toBe(true);
    });

    it('keeps the media type of a Docker schema2 manifest', async () => {
      const img = await pushImage(repo, 'docker', { docker: true });
      const res = await http.getManifest(repo, 'docker');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(MediaTypes.dockerManifest);
      expect(res.body.equals(img.bytes)).toBe(true);
    });

    it('stores an image index over pushed manifests and serves it with its media type', async () => {
      const a = await pushImage(repo, 'idx-a');
      const b = await pushImage(repo, 'idx-b');
      const bytes = manifestBytes({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [
          { ...a.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
          { ...b.descriptor, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
        ],
      });
      const put = await http.putManifest(repo, 'index', bytes, MediaTypes.ociIndex);
      expect(put.status).toBe(201);
      const res = await http.getManifest(repo, 'index');
      expect(res.headers.get('content-type')).toBe(MediaTypes.ociIndex);
      expect(res.headers.get('docker-content-digest')).toBe(sha256(bytes));
      expect(res.body.equals(bytes)).toBe(true);
    });

    it('a list fetched by tag by a client that takes no lists gets its linux/amd64 manifest; otherwise the list, as stored', async () => {
      const amd = await pushImage(repo, 'neg-amd', { docker: true });
      const arm = await pushImage(repo, 'neg-arm', { docker: true });
      const list = manifestBytes({
        schemaVersion: 2,
        mediaType: MediaTypes.dockerList,
        manifests: [
          { ...arm.descriptor, platform: { architecture: 'arm64', os: 'linux' } },
          { ...amd.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
        ],
      });
      expect((await http.putManifest(repo, 'negotiated', list, MediaTypes.dockerList)).status).toBe(201);
      const fetchManifest = (method: 'GET' | 'HEAD', reference: string, accept?: string) =>
        http.call(method, `/v2/${repo}/manifests/${reference}`, { headers: accept === undefined ? {} : { Accept: accept } });

      // A client that only takes image manifests (Docker before manifest lists), GET and HEAD alike.
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await fetchManifest(method, 'negotiated', `${MediaTypes.dockerManifest}, ${MediaTypes.ociManifest}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(MediaTypes.dockerManifest);
        expect(res.headers.get('docker-content-digest')).toBe(amd.digest);
        expect(res.headers.get('content-length')).toBe(String(amd.bytes.length));
        expect(res.headers.get('vary')).toBe('Accept');
        if (method === 'GET') expect(res.body.equals(amd.bytes)).toBe(true);
      }
      // Clients that take lists, say nothing, or take anything; and any fetch by digest: the list itself.
      for (const [reference, accept] of [
        ['negotiated', MANIFEST_ACCEPT],
        ['negotiated', undefined],
        ['negotiated', '*/*'],
        [sha256(list), MediaTypes.dockerManifest],
      ] as const) {
        const res = await fetchManifest('GET', reference, accept);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(MediaTypes.dockerList);
        expect(res.headers.get('docker-content-digest')).toBe(sha256(list));
        expect(res.body.equals(list)).toBe(true);
      }
      // The linux/amd64 manifest is not a type this client takes: the list as stored, never a 404.
      const res = await fetchManifest('GET', 'negotiated', MediaTypes.ociManifest);
      expect(res.status).toBe(200);
      expect(res.headers.get('docker-content-digest')).toBe(sha256(list));
    });

    it('a manifest referencing a blob the registry lacks: 400 MANIFEST_BLOB_UNKNOWN', async () => {
      const doc = '{"missing":"layer"}';
      const config = await http.pushBlob(repo, doc);
      const missingLayer = manifestBytes({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: config, size: doc.length },
        layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: unknownDigest(), size: 1234 }],
      });
      expectOciError(await http.putManifest(repo, 'broken', missingLayer, MediaTypes.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
      const missingConfig = manifestBytes({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: unknownDigest(), size: 10 },
        layers: [],
      });
      expectOciError(await http.putManifest(repo, 'broken', missingConfig, MediaTypes.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
      expect((await http.getManifest(repo, 'broken')).status).toBe(404);
    });

    it('invalid manifest JSON: 400 MANIFEST_INVALID', async () => {
      expectOciError(await http.putManifest(repo, 'garbage', '{"schemaVersion": 2, "mediaType": ', MediaTypes.ociManifest), 400, 'MANIFEST_INVALID');
      expect((await http.getManifest(repo, 'garbage')).status).toBe(404);
    });

    it('an unknown manifest is 404 MANIFEST_UNKNOWN, by tag and by digest; HEAD 404', async () => {
      await pushImage(repo, 'exists');
      expectOciError(await http.getManifest(repo, 'no-such-tag'), 404, 'MANIFEST_UNKNOWN');
      expectOciError(await http.getManifest(repo, unknownDigest()), 404, 'MANIFEST_UNKNOWN');
      expect((await http.getManifest(repo, 'no-such-tag', 'HEAD')).status).toBe(404);
    });

    it('reading a tag no manifest can have (invalid name) is 404 MANIFEST_UNKNOWN, like the conformance suite expects', async () => {
      await pushImage(repo, 'exists');
      expectOciError(await http.getManifest(repo, '.INVALID_MANIFEST_NAME'), 404, 'MANIFEST_UNKNOWN');
      expect((await http.getManifest(repo, '.INVALID_MANIFEST_NAME', 'HEAD')).status).toBe(404);
    });

    it('an invalid tag is refused with 400', async () => {
      const img = await pushImage(repo, 'valid');
      for (const tag of ['-leading-dash', '.leading-dot', 'x'.repeat(129)]) {
        expectOciError(await http.putManifest(repo, tag, img.bytes, MediaTypes.ociManifest), 400);
      }
      const { tags } = await listTags(repo);
      expect(tags).toContain('valid');
      expect(tags.filter((t) => t.startsWith('-') || t.startsWith('.') || t.length > 128)).toEqual([]);
    });

    it('DELETE by digest: 202, then the manifest and its tags are 404', async () => {
      const img = await pushImage('conf/delete-digest', 'doomed');
      expect((await http.call('DELETE', `/v2/conf/delete-digest/manifests/${img.digest}`)).status).toBe(202);
      expectOciError(await http.getManifest('conf/delete-digest', img.digest), 404, 'MANIFEST_UNKNOWN');
      expect((await http.getManifest('conf/delete-digest', 'doomed')).status).toBe(404);
    });

    it('DELETE of a tag: 202, the tag is gone, the manifest stays reachable by digest', async () => {
      const img = await pushImage('conf/delete-tag', 'keep');
      await http.putManifest('conf/delete-tag', 'drop', img.bytes, img.mediaType);
      expect((await http.call('DELETE', '/v2/conf/delete-tag/manifests/drop')).status).toBe(202);
      expectOciError(await http.getManifest('conf/delete-tag', 'drop'), 404, 'MANIFEST_UNKNOWN');
      expect((await listTags('conf/delete-tag')).tags).toEqual(['keep']);
      const byDigest = await http.getManifest('conf/delete-tag', img.digest);
      expect(byDigest.status).toBe(200);
      expect(byDigest.body.equals(img.bytes)).toBe(true);
    });
  });

  describe('tags and catalog', () => {
    const repo = 'conf/tags';
    const tags = ['1.0.0', '1.0.0-rc.1', '1.1.0', '2.0', 'beta_1', 'latest', 'v2'];

    beforeAll(async () => {
      const img = await pushImage(repo, tags[0]);
      for (const t of tags.slice(1)) {
        const put = await http.putManifest(repo, t, img.bytes, img.mediaType);
        if (put.status !== 201) throw new Error(`tag ${t}: ${put.status} ${put.text()}`);
      }
    });

    it('tags/list of an unknown repository: 404 NAME_UNKNOWN', async () => {
      expectOciError(await http.call('GET', '/v2/conf/never-pushed/tags/list'), 404, 'NAME_UNKNOWN');
    });

    it('tags/list returns every tag in lexical order', async () => {
      expect((await listTags(repo)).tags).toEqual([...tags].sort());
    });

    it('tags/list?n= pages with Link: <...>; rel="next" until the end', async () => {
      const seen: string[] = [];
      let url: string | null = `/v2/${repo}/tags/list?n=3`;
      let pages = 0;
      while (url && pages++ < 10) {
        const res = await http.call('GET', url);
        expect(res.status).toBe(200);
        const page = res.json<{ tags: string[] }>().tags ?? [];
        const next = nextLink(res);
        if (next) expect(page).toHaveLength(3);
        seen.push(...page);
        url = next;
      }
      expect(seen).toEqual([...tags].sort());
    });

    it('tags/list?n=&last= starts after `last`', async () => {
      const sorted = [...tags].sort();
      expect((await listTags(repo, `?n=2&last=${sorted[1]}`)).tags).toEqual(sorted.slice(2, 4));
      expect((await listTags(repo, `?last=${sorted[4]}`)).tags).toEqual(sorted.slice(5));
      const end = await listTags(repo, `?n=5&last=${sorted[sorted.length - 1]}`);
      expect(end.tags).toEqual([]);
      expect(nextLink(end.res)).toBeNull();
    });

    it('tags/list?n=0 is an empty list without a Link header', async () => {
      const { res, tags: page } = await listTags(repo, '?n=0');
      expect(page).toEqual([]);
      expect(res.headers.get('link')).toBeNull();
    });

    it('_catalog pages with n and last in lexical order', async () => {
      const all: string[] = [];
      let url: string | null = '/v2/_catalog?n=2';
      let pages = 0;
      while (url && pages++ < 500) {
        const res = await http.call('GET', url);
        expect(res.status).toBe(200);
        const page = res.json<{ repositories: string[] }>().repositories ?? [];
        const next = nextLink(res);
        expect(page.length).toBeLessThanOrEqual(2);
        if (next) expect(page).toHaveLength(2);
        all.push(...page);
        url = next;
      }
      expect(all).toEqual([...new Set(all)].sort());
      expect(all).toEqual(expect.arrayContaining([repo, 'conf/manifest-rules', 'conf/delete-tag']));
      const i = all.indexOf('conf/delete-tag');
      const after = await http.call('GET', `/v2/_catalog?n=2&last=${encodeURIComponent('conf/delete-tag')}`);
      expect(after.json<{ repositories: string[] }>().repositories).toEqual(all.slice(i + 1, i + 3));
    });
  });

  describe('referrers API', () => {
    const repo = 'conf/referrers';
    let subject: Pushed;
    let sbom: { digest: string; size: number };
    let sig: { digest: string; size: number; res: HttpResponse };

    async function pushArtifact(manifest: object): Promise<{ digest: string; size: number; res: HttpResponse }> {
      const bytes = manifestBytes(manifest);
      const digest = sha256(bytes);
      const res = await http.putManifest(repo, digest, bytes, MediaTypes.ociManifest);
      expect(res.status).toBe(201);
      return { digest, size: bytes.length, res };
    }

    beforeAll(async () => {
      subject = await pushImage(repo, 'v1');
      await http.pushBlob(repo, EMPTY_JSON);
    });

    it('a manifest with a subject is accepted with OCI-Subject: <subject digest>', async () => {
      const sbomDoc = '{"spdxVersion":"SPDX-2.3"}';
      const layer = await http.pushBlob(repo, sbomDoc);
      const pushed = await pushArtifact({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: SBOM_TYPE,
        config: { mediaType: MediaTypes.ociEmpty, digest: EMPTY_DIGEST, size: 2 },
        layers: [{ mediaType: 'application/spdx+json', digest: layer, size: sbomDoc.length }],
        subject: subject.descriptor,
        annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.kind': 'sbom' },
      });
      expect(pushed.res.headers.get('oci-subject')).toBe(subject.digest);
      sbom = pushed;

      // no artifactType: the listing must use the config media type
      const sigDoc = '{"signature":true}';
      const sigConfig = await http.pushBlob(repo, sigDoc);
      sig = await pushArtifact({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: SIG_CONFIG_TYPE, digest: sigConfig, size: sigDoc.length },
        layers: [{ mediaType: MediaTypes.ociEmpty, digest: EMPTY_DIGEST, size: 2 }],
        subject: subject.descriptor,
        annotations: { 'org.example.kind': 'signature' },
      });
      expect(sig.res.headers.get('oci-subject')).toBe(subject.digest);
    });

    it('GET /v2/<name>/referrers/<digest> lists them as an OCI image index with artifactType and annotations', async () => {
      const res = await http.call('GET', `/v2/${repo}/referrers/${subject.digest}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')?.split(';')[0].trim()).toBe(MediaTypes.ociIndex);
      const index = res.json<{ schemaVersion: number; mediaType: string; manifests: Descriptor[] }>();
      expect(index.schemaVersion).toBe(2);
      expect(index.mediaType).toBe(MediaTypes.ociIndex);
      expect(index.manifests).toHaveLength(2);
      expect(index.manifests).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            mediaType: MediaTypes.ociManifest,
            digest: sbom.digest,
            size: sbom.size,
            artifactType: SBOM_TYPE,
            annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.kind': 'sbom' },
          }),
          expect.objectContaining({
            mediaType: MediaTypes.ociManifest,
            digest: sig.digest,
            size: sig.size,
            artifactType: SIG_CONFIG_TYPE,
            annotations: { 'org.example.kind': 'signature' },
          }),
        ]),
      );
    });

    it('an image (OCI config, no artifactType) with a subject is listed with artifactType = its config media type', async () => {
      const imageRepo = 'conf/referrers-image';
      const target = await pushImage(imageRepo, 'target');
      const referrer = await pushImage(imageRepo, 'referrer', { extra: { subject: target.descriptor } });
      expect(referrer.put.headers.get('oci-subject')).toBe(target.digest);
      const all = await http.call('GET', `/v2/${imageRepo}/referrers/${target.digest}`);
      expect(all.json<{ manifests: Descriptor[] }>().manifests).toEqual([
        { mediaType: MediaTypes.ociManifest, digest: referrer.digest, size: referrer.bytes.length, artifactType: MediaTypes.ociConfig },
      ]);
      const filtered = await http.call('GET', `/v2/${imageRepo}/referrers/${target.digest}?artifactType=${encodeURIComponent(MediaTypes.ociConfig)}`);
      expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
      expect(filtered.json<{ manifests: Descriptor[] }>().manifests.map((m) => m.digest)).toEqual([referrer.digest]);
    });

    it('?artifactType= filters the list and says so in OCI-Filters-Applied', async () => {
      const res = await http.call('GET', `/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SBOM_TYPE)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('oci-filters-applied')).toBe('artifactType');
      const index = res.json<{ manifests: Descriptor[] }>();
      expect(index.manifests.map((m) => m.digest)).toEqual([sbom.digest]);
    });

    it('a digest without referrers gives 200 and an empty index, never 404', async () => {
      const res = await http.call('GET', `/v2/${repo}/referrers/${unknownDigest()}`);
      expect(res.status).toBe(200);
      const index = res.json<{ mediaType: string; manifests: Descriptor[] }>();
      expect(index.mediaType).toBe(MediaTypes.ociIndex);
      expect(index.manifests).toEqual([]);
    });

    it('accepts a referrer before its subject exists', async () => {
      const later = unknownDigest();
      const early = await pushArtifact({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: SBOM_TYPE,
        config: { mediaType: MediaTypes.ociEmpty, digest: EMPTY_DIGEST, size: 2 },
        layers: [{ mediaType: MediaTypes.ociEmpty, digest: EMPTY_DIGEST, size: 2 }],
        subject: { mediaType: MediaTypes.ociManifest, digest: later, size: 1234 },
      });
      expect(early.res.headers.get('oci-subject')).toBe(later);
      const res = await http.call('GET', `/v2/${repo}/referrers/${later}`);
      expect(res.json<{ manifests: Descriptor[] }>().manifests.map((m) => m.digest)).toEqual([early.digest]);
    });

    it('a malformed digest is 400', async () => {
      expect((await http.call('GET', `/v2/${repo}/referrers/sha256:not-a-digest`)).status).toBe(400);
    });
  });

  describe('repository names', () => {
    it('uppercase names are refused: 400 NAME_INVALID or 404 NAME_UNKNOWN', async () => {
      const codes = ['NAME_INVALID', 'NAME_UNKNOWN'];
      expectOciError(await http.call('GET', '/v2/Conf/App/tags/list'), [400, 404], codes);
      expectOciError(await http.call('POST', '/v2/conf/BadName/blobs/uploads/'), [400, 404], codes);
      expectOciError(await http.putManifest('conf/UPPER', 'v1', manifestBytes({ schemaVersion: 2 }), MediaTypes.ociManifest), [400, 404], codes);
    });
  });
});

describe('groups without AUTO_CREATE_GROUPS', () => {
  let reg: RegistryHandle;
  let http: RegistryHttp;

  beforeAll(async () => {
    reg = await startRegistry({ REGISTRY_AUTH: 'none' });
    http = new RegistryHttp(reg.url);
  });

  afterAll(async () => {
    await reg?.stop();
  });

  it('refuses a push into a group that does not exist: 404 NAME_UNKNOWN, "create it in the console"', async () => {
    const message = 'group nogroup does not exist; create it in the console';
    const upload = expectOciError(await http.call('POST', '/v2/nogroup/app/blobs/uploads/'), 404, 'NAME_UNKNOWN');
    expect(upload.message).toContain(message);
    const digest = sha256(EMPTY_JSON);
    const mono = expectOciError(await http.call('POST', `/v2/nogroup/app/blobs/uploads/?digest=${digest}`, { headers: OCTET, body: EMPTY_JSON }), 404, 'NAME_UNKNOWN');
    expect(mono.message).toContain(message);
    const manifest = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociEmpty, digest, size: 2 },
      layers: [],
    });
    const put = expectOciError(await http.putManifest('nogroup/app', 'v1', manifest, MediaTypes.ociManifest), 404, 'NAME_UNKNOWN');
    expect(put.message).toContain(message);
    expectOciError(await http.call('GET', '/v2/nogroup/app/tags/list'), 404, 'NAME_UNKNOWN');
  });
});
