import { MetadataStore } from '@refity/metadata';
import { isStorageError, StorageDriver } from '@refity/storage-api';
import { storageLayout } from './layout';
import { UploadBuffer } from './upload-buffer';

export interface GarbageCollectionOptions {
  /** Report what would be deleted; delete nothing. */
  dryRun?: boolean;
  /** Also delete manifests no tag reaches (directly, through an index, or as a referrer). */
  deleteUntagged?: boolean;
  /** Nothing younger than this is deleted: pushes in flight may still reference it. */
  gracePeriodMs?: number;
  /** Purge upload sessions idle for longer than this (buffers on local disk). */
  uploadMaxIdleMs?: number;
  /** Limit to one group. */
  group?: string;
  /** Called after each repository. */
  onProgress?: (done: number, total: number, repository: string) => void;
  /**
   * Dry runs only: manifests (by repository name) to treat as already gone, e.g. those a retention
   * dry run would delete, so the report shows the blobs the real run would reclaim.
   */
  assumeDeleted?: Map<string, Set<string>>;
}

export interface GarbageCollectionReport {
  dryRun: boolean;
  repositories: number;
  deletedManifests: Array<{ repository: string; digest: string }>;
  deletedBlobs: Array<{ repository: string; digest: string; size: number }>;
  reclaimedBytes: number;
  purgedUploads: string[];
  /** Storage paths of temporary files that writes left unfinished (a crash, a lost SFTP connection); in a dry run, those it would remove. */
  removedTemporaryFiles: string[];
}

const HOUR = 3_600_000;
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Online mark-and-sweep. Roots are tags; reachable are their manifests, index children and the
 * referrers of anything reachable. Safety while pushes go on rests on two rules:
 *  - a grace period: nothing created less than `gracePeriodMs` ago is a candidate;
 *  - deletes re-check inside the metadata write queue (a blob is dropped only if no manifest
 *    references it at that moment; a manifest only if still untagged), and a manifest PUT
 *    re-checks its blobs in the same queue, so either the PUT sees the blob gone and answers
 *    MANIFEST_BLOB_UNKNOWN, or the sweep sees the new reference and keeps the blob.
 * Files are deleted from storage only after their metadata row is gone. Temporary files that
 * writes left behind (older than the grace period; a write in progress keeps its file fresh)
 * are removed from each repository's folders and from `uploads/`.
 */
export class GarbageCollector {
  constructor(
    private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly uploads: UploadBuffer,
  ) {}

  async run(options: GarbageCollectionOptions = {}): Promise<GarbageCollectionReport> {
    const dryRun = options.dryRun ?? false;
    const cutoff = new Date(Date.now() - (options.gracePeriodMs ?? HOUR));
    const report: GarbageCollectionReport = { dryRun, repositories: 0, deletedManifests: [], deletedBlobs: [], reclaimedBytes: 0, purgedUploads: [], removedTemporaryFiles: [] };
    const repositories = await this.metadata.listRepositories(options.group);
    report.repositories = repositories.length;

    for (const [index, repository] of repositories.entries()) {
      const assumedGone = dryRun ? options.assumeDeleted?.get(repository.name) : undefined;
      const manifests = (await this.metadata.manifestsOf(repository.id)).filter((manifest) => !assumedGone?.has(manifest.digest));
      const references = await this.metadata.referencesOf(manifests.map((manifest) => manifest.id));
      const byId = new Map(manifests.map((manifest) => [manifest.id, manifest]));

      let keep: Set<string>;
      if (options.deleteUntagged) {
        keep = new Set((await this.metadata.tagsOfRepository(repository.id)).map((tag) => tag.digest));
        const children = new Map<string, string[]>();
        for (const reference of references) {
          if (reference.kind !== 'manifest') continue;
          const parent = byId.get(reference.manifestId)?.digest;
          if (parent) children.set(parent, [...(children.get(parent) ?? []), reference.digest]);
        }
        const referrers = new Map<string, string[]>();
        for (const manifest of manifests) {
          if (manifest.subjectDigest) referrers.set(manifest.subjectDigest, [...(referrers.get(manifest.subjectDigest) ?? []), manifest.digest]);
        }
        const pending = [...keep];
        while (pending.length > 0) {
          const digest = pending.pop() as string;
          for (const next of [...(children.get(digest) ?? []), ...(referrers.get(digest) ?? [])]) {
            if (!keep.has(next)) {
              keep.add(next);
              pending.push(next);
            }
          }
        }
        for (const manifest of manifests) {
          if (keep.has(manifest.digest) || manifest.createdAt > cutoff) {
            keep.add(manifest.digest);
            continue;
          }
          if (dryRun || (await this.metadata.deleteManifestIfUntagged(repository.id, manifest.digest))) {
            report.deletedManifests.push({ repository: repository.name, digest: manifest.digest });
            if (!dryRun) await this.removeFile(storageLayout.manifest(repository.name, manifest.digest));
          }
        }
      } else {
        keep = new Set(manifests.map((manifest) => manifest.digest));
      }

      const referencedBlobs = new Set(
        references
          .filter((reference) => (reference.kind === 'config' || reference.kind === 'layer') && keep.has(byId.get(reference.manifestId)?.digest ?? ''))
          .map((reference) => reference.digest),
      );
      for (const blob of await this.metadata.blobsOf(repository.id)) {
        if (referencedBlobs.has(blob.digest) || blob.createdAt > cutoff) continue;
        if (dryRun || (await this.metadata.deleteBlobIfUnreferenced(repository.id, blob.digest))) {
          report.deletedBlobs.push({ repository: repository.name, digest: blob.digest, size: blob.size });
          report.reclaimedBytes += blob.size;
          if (!dryRun) await this.removeFile(storageLayout.blob(repository.name, blob.digest));
        }
      }
      for (const folder of [storageLayout.blobs(repository.name), storageLayout.manifests(repository.name)]) {
        report.removedTemporaryFiles.push(...(await this.storage.removeStaleTemporaries(folder, cutoff, { dryRun })));
      }
      options.onProgress?.(index + 1, repositories.length, repository.name);
    }

    if (options.uploadMaxIdleMs !== undefined) {
      const stale = await this.metadata.uploadSessionsStartedBefore(new Date(Date.now() - options.uploadMaxIdleMs));
      for (const session of stale) {
        if (options.group && !session.repositoryName.startsWith(`${options.group}/`)) continue;
        report.purgedUploads.push(session.id);
        if (!dryRun) {
          await this.metadata.deleteUploadSession(session.id);
          await this.uploads.remove(session.id);
        }
      }
      if (!options.group) await this.sweepStagedUploads(report, dryRun);
    }
    if (!options.group) report.removedTemporaryFiles.push(...(await this.storage.removeStaleTemporaries(storageLayout.uploads, cutoff, { dryRun })));
    return report;
  }

  /**
   * Synchronous mode stages uploads on storage (`uploads/<session id>`). A copy whose session is
   * gone (a crash between staging and its end, or a purged session) is removed; a live session's copy always has its session row, which is deleted only
   * after the copy was moved into place.
   */
  private async sweepStagedUploads(report: GarbageCollectionReport, dryRun: boolean): Promise<void> {
    let ids: string[];
    try {
      ids = await this.storage.list(storageLayout.uploads);
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return;
      throw error;
    }
    for (const id of ids) {
      if (!SESSION_ID.test(id)) continue;
      const purged = report.purgedUploads.includes(id);
      if (!purged && (await this.metadata.findUploadSession(id))) continue;
      if (!purged) report.purgedUploads.push(id);
      if (!dryRun) await this.removeFile(storageLayout.upload(id));
    }
  }

  private async removeFile(path: string): Promise<void> {
    await this.storage.delete(path).catch((error) => {
      if (!isStorageError(error, 'NotFound')) throw error;
    });
  }
}
