import { All, Controller, Inject, Logger, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ANONYMOUS } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { MEDIA_TYPES, OciError, ociErrors, RegistryService } from '@refity/registry-core';
import { isStorageError } from '@refity/storage-api';
import { AccessContext, accessNeeded, RegistryAccess } from '../auth/registry-access';
import { RegistryAudit } from '../auth/registry-audit';
import { TokenEndpoint } from '../auth/token-endpoint';
import { CONFIG } from '../tokens';
import { contentLength, hasBody, parseByteRange, parseContentRange, parsePageSize, readLimitedBody, singleQuery } from './http-helpers';

type Handler = (request: Request, response: Response, params: string[]) => Promise<void>;

const MAX_PAGE = 10_000;

/**
 * The OCI distribution API. Repository names contain slashes, so routes are matched here on
 * the raw path instead of by Express patterns; the order matters (uploads before blobs).
 */
@Controller()
export class V2Controller {
  private readonly logger = new Logger('V2');
  private readonly routes: Array<{ name: string; pattern: RegExp; methods: Record<string, Handler> }>;

  constructor(
    private readonly registry: RegistryService,
    @Inject(CONFIG) private readonly config: RefityConfig,
    private readonly auth: RegistryAccess,
    private readonly audit: RegistryAudit,
    tokenEndpoint: TokenEndpoint,
  ) {
    this.routes = [
      // Only with token authentication on (REGISTRY_AUTH=none keeps /v2/token a 404 like before).
      ...(auth.enabled ? [{ name: 'token', pattern: /^\/v2\/token$/, methods: { GET: (request: Request, response: Response) => tokenEndpoint.get(request, response), POST: (request: Request, response: Response) => tokenEndpoint.post(request, response) } }] : []),
      { name: 'base', pattern: /^\/v2\/?$/, methods: { GET: this.base, HEAD: this.base } },
      { name: 'catalog', pattern: /^\/v2\/_catalog$/, methods: { GET: this.catalog } },
      { name: 'tags', pattern: /^\/v2\/(.+)\/tags\/list$/, methods: { GET: this.tags } },
      { name: 'manifests', pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/, methods: { GET: this.getManifest, HEAD: this.getManifest, PUT: this.putManifest, DELETE: this.deleteManifest } },
      { name: 'uploads', pattern: /^\/v2\/(.+)\/blobs\/uploads\/?$/, methods: { POST: this.startUpload } },
      { name: 'upload', pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, methods: { GET: this.uploadStatus, PATCH: this.patchUpload, PUT: this.completeUpload, DELETE: this.cancelUpload } },
      { name: 'blobs', pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/, methods: { GET: this.getBlob, HEAD: this.getBlob, DELETE: this.deleteBlob } },
      { name: 'referrers', pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, methods: { GET: this.referrers } },
    ];
  }

  @All(['v2', 'v2/*path'])
  async dispatch(@Req() request: Request, @Res() response: Response): Promise<void> {
    response.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      for (const route of this.routes) {
        const match = route.pattern.exec(request.path);
        if (!match) continue;
        response.locals['route'] = route.name;
        const handler = route.methods[request.method];
        if (!handler) {
          response.setHeader('Allow', Object.keys(route.methods).join(', '));
          throw ociErrors.unsupported(`${request.method} is not allowed here`);
        }
        const params = match.slice(1).map((part) => {
          try {
            return decodeURIComponent(part);
          } catch {
            return part;
          }
        });
        if (route.name !== 'token') response.locals['access'] = await this.auth.authorize(request, response, accessNeeded(route.name, request.method, params));
        await handler.call(this, request, response, params);
        return;
      }
      await this.auth.authorize(request, response, { kind: 'login' });
      throw new OciError(404, 'NAME_UNKNOWN', 'no such registry API route', { path: request.path });
    } catch (error) {
      this.fail(request, response, error);
    }
  }

  private fail(request: Request, response: Response, error: unknown): void {
    let ociError: OciError;
    if (error instanceof OciError) ociError = error;
    else if (isStorageError(error, 'Unavailable')) ociError = ociErrors.unavailable(error.message);
    else {
      this.logger.error(`${request.method} ${request.path} failed: ${(error as Error)?.stack ?? String(error)}`);
      ociError = new OciError(500, 'UNKNOWN', 'internal error');
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    // Let the client finish sending a body we refused, so it reads our answer.
    if (!request.readableEnded) request.resume();
    const body = JSON.stringify(ociError.toBody());
    response.status(ociError.status).setHeader('Content-Type', 'application/json');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  private async base(_request: Request, response: Response): Promise<void> {
    response.status(200).json({});
  }

  private async catalog(request: Request, response: Response): Promise<void> {
    const n = parsePageSize(singleQuery(request.query['n']), MAX_PAGE, MAX_PAGE);
    const last = singleQuery(request.query['last']);
    const names = n === 0 ? [] : await this.visibleCatalog(response, last, n + 1);
    const page = names.slice(0, n);
    if (names.length > n) response.setHeader('Link', `</v2/_catalog?n=${n}&last=${encodeURIComponent(page[page.length - 1])}>; rel="next"`);
    response.status(200).json({ repositories: page });
  }

  private async tags(request: Request, response: Response, [name]: string[]): Promise<void> {
    const n = parsePageSize(singleQuery(request.query['n']), MAX_PAGE, MAX_PAGE);
    const last = singleQuery(request.query['last']);
    const tags = await this.registry.tags(name, last, n + 1);
    const page = n === 0 ? [] : tags.slice(0, n);
    if (tags.length > n && n > 0) {
      response.setHeader('Link', `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1])}>; rel="next"`);
    }
    response.status(200).json({ name, tags: page });
  }

  private async getManifest(request: Request, response: Response, [name, reference]: string[]): Promise<void> {
    const manifest = await this.registry.negotiateManifest(name, reference, request.headers.accept);
    response.status(200);
    // The answer depends on Accept (a list fetched by a client that takes no lists), so caches must key on it.
    response.setHeader('Vary', 'Accept');
    response.setHeader('Content-Type', manifest.mediaType);
    response.setHeader('Content-Length', manifest.size);
    response.setHeader('Docker-Content-Digest', manifest.digest);
    response.setHeader('ETag', `"${manifest.digest}"`);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    // The exact bytes that were pushed, never re-serialised.
    response.end(await this.registry.readManifest(name, manifest.digest));
    this.audit.pull(request, this.caller(response).principal, name, reference, manifest.digest);
  }

  private async putManifest(request: Request, response: Response, [name, reference]: string[]): Promise<void> {
    const body = await readLimitedBody(request, this.config.env.MAX_MANIFEST_BYTES);
    const stored = await this.registry.putManifest(name, reference, body, request.headers['content-type']);
    this.audit.push(request, this.caller(response).principal, name, reference, stored.digest);
    response.status(201);
    response.setHeader('Location', `/v2/${name}/manifests/${stored.digest}`);
    response.setHeader('Docker-Content-Digest', stored.digest);
    if (stored.subjectDigest) response.setHeader('OCI-Subject', stored.subjectDigest);
    response.setHeader('Content-Length', 0);
    response.end();
  }

  private async deleteManifest(request: Request, response: Response, [name, reference]: string[]): Promise<void> {
    await this.registry.deleteManifest(name, reference);
    this.audit.delete(request, this.caller(response).principal, name, 'manifest', reference);
    response.status(202).setHeader('Content-Length', 0);
    response.end();
  }

  private async getBlob(request: Request, response: Response, [name, digest]: string[]): Promise<void> {
    const blob = await this.registry.statBlob(name, digest);
    const range = parseByteRange(request.headers.range, blob.size);
    response.setHeader('Docker-Content-Digest', blob.digest);
    response.setHeader('Content-Type', 'application/octet-stream');
    response.setHeader('Accept-Ranges', 'bytes');
    response.setHeader('ETag', `"${blob.digest}"`);
    response.setHeader('Cache-Control', 'max-age=31536000');
    if (range) {
      response.status(206);
      response.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`);
      response.setHeader('Content-Length', range.end - range.start + 1);
    } else {
      response.status(200);
      response.setHeader('Content-Length', blob.size);
    }
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const stream = await this.registry.openBlob(name, blob.digest, range);
    await pipeline(stream, response).catch((error) => {
      // A client that disconnects mid-download is not a server error.
      if (!response.destroyed) this.logger.warn(`blob ${blob.digest} stream failed: ${(error as Error).message}`);
      response.destroy();
    });
  }

  private async deleteBlob(request: Request, response: Response, [name, digest]: string[]): Promise<void> {
    await this.registry.deleteBlob(name, digest);
    this.audit.delete(request, this.caller(response).principal, name, 'blob', digest);
    response.status(202).setHeader('Content-Length', 0);
    response.end();
  }

  private async startUpload(request: Request, response: Response, [name]: string[]): Promise<void> {
    const mount = singleQuery(request.query['mount']);
    const from = singleQuery(request.query['from']);
    // A mount needs pull on the source too; without it the client just uploads (202), as the spec allows.
    if (mount && from && (await this.auth.canPull(this.caller(response), from)) && (await this.registry.mountBlob(name, mount, from))) {
      request.resume();
      return this.created(response, name, mount);
    }
    const digest = singleQuery(request.query['digest']);
    const upload = await this.registry.startUpload(name);
    if (digest !== undefined) {
      // Monolithic upload: the whole blob in this request.
      try {
        await this.registry.appendChunk(name, upload.id, request, undefined, contentLength(request));
        const blob = await this.registry.completeUpload(name, upload.id, digest);
        return this.created(response, name, blob.digest);
      } catch (error) {
        await this.registry.cancelUpload(name, upload.id).catch(() => undefined);
        throw error;
      }
    }
    request.resume();
    this.uploadAccepted(response, name, upload.id, 0);
  }

  private async uploadStatus(_request: Request, response: Response, [name, id]: string[]): Promise<void> {
    const upload = await this.registry.uploadStatus(name, id);
    response.status(204);
    response.setHeader('Location', `/v2/${name}/blobs/uploads/${id}`);
    response.setHeader('Range', `0-${Math.max(upload.offset - 1, 0)}`);
    response.setHeader('Docker-Upload-UUID', id);
    response.end();
  }

  private async patchUpload(request: Request, response: Response, [name, id]: string[]): Promise<void> {
    const range = parseContentRange(request.headers['content-range']);
    const upload = await this.registry.appendChunk(name, id, request, range, contentLength(request));
    this.uploadAccepted(response, name, id, upload.offset);
  }

  private async completeUpload(request: Request, response: Response, [name, id]: string[]): Promise<void> {
    const digest = singleQuery(request.query['digest']);
    if (hasBody(request)) {
      await this.registry.appendChunk(name, id, request, parseContentRange(request.headers['content-range']), contentLength(request));
    } else {
      request.resume();
    }
    const blob = await this.registry.completeUpload(name, id, digest);
    this.created(response, name, blob.digest);
  }

  private async cancelUpload(_request: Request, response: Response, [name, id]: string[]): Promise<void> {
    await this.registry.cancelUpload(name, id);
    response.status(204).end();
  }

  private async referrers(request: Request, response: Response, [name, digest]: string[]): Promise<void> {
    const artifactType = singleQuery(request.query['artifactType']);
    const manifests = await this.registry.referrers(name, digest, artifactType);
    if (artifactType !== undefined) response.setHeader('OCI-Filters-Applied', 'artifactType');
    response.status(200).setHeader('Content-Type', MEDIA_TYPES.ociIndex);
    response.end(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }));
  }

  /** The caller as authorized by dispatch (anonymous with REGISTRY_AUTH=none). */
  private caller(response: Response): AccessContext {
    return (response.locals['access'] as AccessContext | undefined) ?? { principal: ANONYMOUS };
  }

  /** Catalog names after `last` the caller may pull, at most `limit`. */
  private async visibleCatalog(response: Response, last: string | undefined, limit: number): Promise<string[]> {
    if (!this.auth.enabled) return this.registry.catalog(last, limit);
    const visible = await this.auth.catalogFilter(this.caller(response));
    const batch = Math.max(limit, 100);
    const names: string[] = [];
    let cursor = last;
    for (;;) {
      const page = await this.registry.catalog(cursor, batch);
      for (const name of page) {
        if (!visible(name)) continue;
        names.push(name);
        if (names.length === limit) return names;
      }
      if (page.length < batch) return names;
      cursor = page[page.length - 1];
    }
  }

  private created(response: Response, name: string, digest: string): void {
    response.status(201);
    response.setHeader('Location', `/v2/${name}/blobs/${digest}`);
    response.setHeader('Docker-Content-Digest', digest);
    response.setHeader('Content-Length', 0);
    response.end();
  }

  private uploadAccepted(response: Response, name: string, id: string, offset: number): void {
    response.status(202);
    response.setHeader('Location', `/v2/${name}/blobs/uploads/${id}`);
    response.setHeader('Range', `0-${Math.max(offset - 1, 0)}`);
    response.setHeader('Docker-Upload-UUID', id);
    response.setHeader('Content-Length', 0);
    response.end();
  }
}
