import { Injectable, NotFoundException } from '@nestjs/common';
import { CatalogQueries } from '@refity/metadata';
import { RegistryService } from '@refity/registry-core';
import { UploadJobDto, UploadSnapshotDto } from './upload.dto';

/** A session that received nothing for this long is waiting for its client. */
export const RUNNING_WINDOW_MS = 60_000;

/**
 * The upload queue is the registry's open blob-upload sessions (metadata rows, bytes buffered on
 * local disk). Blobs reach storage synchronously inside the client's final PUT, so there is no
 * background job that could fail or be retried: a failed PUT is answered to the client, which retries.
 */
@Injectable()
export class UploadsService {
  constructor(
    private readonly catalog: CatalogQueries,
    private readonly registry: RegistryService,
  ) {}

  async snapshot(now = Date.now()): Promise<UploadSnapshotDto> {
    const jobs: UploadJobDto[] = (await this.catalog.uploadSessions()).map((session) => ({
      id: session.id,
      repository: session.repositoryName,
      state: now - session.updatedAt.getTime() <= RUNNING_WINDOW_MS ? 'running' : 'pending',
      bytesReceived: session.offset,
      startedAt: session.createdAt.toISOString(),
      updatedAt: session.updatedAt.toISOString(),
    }));
    return {
      jobs,
      queue: {
        running: jobs.filter((job) => job.state === 'running').length,
        pending: jobs.filter((job) => job.state === 'pending').length,
        failed: 0,
        bytesPending: jobs.reduce((sum, job) => sum + job.bytesReceived, 0),
      },
    };
  }

  /** Discards an abandoned session and its buffered bytes. */
  async discard(id: string): Promise<void> {
    const session = await this.catalog.findUploadSession(id);
    if (!session) throw new NotFoundException(`upload ${id} does not exist`);
    await this.registry.cancelUpload(session.repositoryName, id);
  }
}
